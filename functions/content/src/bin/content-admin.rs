//! `content-admin`: the operator's command for what the API does not do.
//!
//! ```text
//! content-admin reindex
//!     Gives every course, article and career path the entries a write of it makes today: its
//!     authors' workspace entries and, when published, its search entry. Run it once after the
//!     deploy that brings search and the workspace to a table that already holds documents;
//!     running it again rewrites the same entries. Prints how many it did.
//! ```
//!
//! It reads the function's own environment (`TABLE_NAME`, `PROGRESS_TABLE_NAME`,
//! `PUBLIC_BASE_URL`, `DYNAMODB_ENDPOINT` and the other `DYNAMODB_*` settings, AWS credentials
//! and region) and writes through the same store code as the API. Against the local stack:
//!
//! ```text
//! TABLE_NAME=skillpath-local-content PROGRESS_TABLE_NAME=skillpath-local-progress \
//!   PUBLIC_BASE_URL=http://localhost:3000 DYNAMODB_ENDPOINT=http://127.0.0.1:8000 \
//!   content-admin reindex
//! ```

use content::store::Store;
use shared::clock::Clock;
use shared::config::{BaseUrl, Env, TableName};
use shared::dynamo::{DynamoSettings, Table};
use shared::page::CursorKey;

const USAGE: &str = "usage:
  content-admin reindex";

fn main() -> std::process::ExitCode {
    // An operator wants the reason in one line, not a backtrace.
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("content-admin: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("reindex") => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(reindex()),
        _ => anyhow::bail!("{USAGE}"),
    }
}

async fn reindex() -> anyhow::Result<()> {
    let env = Env::from_process();
    let table = TableName::from_env(&env, "TABLE_NAME")?;
    let progress = TableName::from_env(&env, "PROGRESS_TABLE_NAME")?;
    let site = BaseUrl::from_env(&env, "PUBLIC_BASE_URL")?;
    let settings = DynamoSettings::from_env(&env)?;
    let db = shared::dynamo::client(
        &shared::dynamo::load_operator_config(&env).await?,
        &settings,
    );
    let store = Store::new(
        Table::new(db.clone(), table.clone()),
        Table::new(db.clone(), progress),
        CursorKey::ephemeral(),
    );
    let report =
        content::reindex::run(&Table::new(db, table), &store, &site, &Clock::system()).await?;
    eprintln!(
        "reindexed {} documents ({} changed while the run read them, and were indexed by that change)",
        report.reindexed, report.changed_meanwhile
    );
    Ok(())
}
