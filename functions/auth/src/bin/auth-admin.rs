//! `auth-admin`: the operator's command for what the API deliberately cannot do.
//!
//! ```text
//! auth-admin keygen --kid <key-id> --out <dir>
//!     Writes <dir>/<key-id>.pem (the private signing key, mode 0600) and <dir>/jwks.json
//!     (its public key as a JWKS document).
//!
//! auth-admin create-user --email <email> --name <name> --role learner|instructor|admin
//!     Creates an account with that role, or gives the role to the account the address
//!     already has (so running it twice is harmless). The password is read from the
//!     environment variable AUTH_ADMIN_PASSWORD if set (for scripts), else from standard
//!     input (a prompt without echo on a terminal, else the first line); never from the
//!     command line, where other users of the machine could read it. The address counts as
//!     verified. Prints the account as JSON on standard output.
//!
//! auth-admin claim-skeletons
//!     Gives every account whose address has no skeleton guard yet (accounts made before
//!     lookalike addresses were refused) its guard, so that no lookalike of its address can
//!     register. Prints, one per line, each account whose address looks like another
//!     account's address (`<id> <address> <the other address>`), for the operator to look
//!     into (and disable with `PATCH /auth/users/{user}` where it is an impostor). Running
//!     it again changes nothing.
//!
//! auth-admin copy-logins
//!     Gives every account whose address's guard has no copy of what a login needs of the
//!     account (accounts made before guards kept one) that copy, so that its logins make the
//!     same two requests as any other address's. Prints how many it copied. Running it again
//!     changes nothing.
//! ```
//!
//! `create-user` is the documented way to make the school's first admin: the API never lets
//! anyone choose their own role. It reads the function's own environment (`TABLE_NAME`,
//! `DYNAMODB_ENDPOINT` and the other `DYNAMODB_*` settings, AWS credentials and region) and
//! writes through the same store code as the API, so the same rules hold: the email is
//! normalized and unique, the password must meet the rules for new passwords, and the admin
//! count that protects the last admin is kept. For example, against the local stack:
//!
//! ```text
//! TABLE_NAME=skillpath-local-auth DYNAMODB_ENDPOINT=http://127.0.0.1:8000 \
//!   auth-admin create-user --email admin@example.org --name "Ada Admin" --role admin
//! ```

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use auth::email::Email;
use auth::password::Password;
use auth::service::{ProvisionError, claim_skeletons, copy_logins, provision};
use auth::store::Store;
use auth::user::DisplayName;
use shared::clock::Clock;
use shared::config::{Env, TableName};
use shared::dynamo::DynamoSettings;
use shared::identity::Role;
use shared::page::CursorKey;
use shared::token::{SigningKey, jwks};

const USAGE: &str = "usage:
  auth-admin keygen --kid <key-id> --out <dir>
  auth-admin create-user --email <email> --name <name> --role learner|instructor|admin
      (password from AUTH_ADMIN_PASSWORD, or standard input)
  auth-admin claim-skeletons
  auth-admin copy-logins";

fn main() -> std::process::ExitCode {
    // An operator wants the reason in one line, not a backtrace.
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("auth-admin: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("keygen") => keygen(&args[1..]),
        Some("create-user") => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(create_user(&args[1..])),
        Some("claim-skeletons") => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(claim(&args[1..])),
        Some("copy-logins") => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(copy(&args[1..])),
        _ => anyhow::bail!("{USAGE}"),
    }
}

/// The value after `--name` in `args`.
fn flag<'a>(args: &'a [String], name: &str) -> anyhow::Result<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
        .ok_or_else(|| anyhow::anyhow!("missing {name}\n{USAGE}"))
}

fn keygen(args: &[String]) -> anyhow::Result<()> {
    let kid = flag(args, "--kid")?;
    let dir = PathBuf::from(flag(args, "--out")?);
    std::fs::create_dir_all(&dir)?;
    let (key, pem) = SigningKey::generate(kid)?;
    let key_path = dir.join(format!("{kid}.pem"));
    write_private(&key_path, &pem)?;
    let jwks_path = dir.join("jwks.json");
    std::fs::write(
        &jwks_path,
        serde_json::to_string(&jwks([key.public_jwk()]))?,
    )?;
    eprintln!(
        "wrote the signing key to {} and its public key to {}",
        key_path.display(),
        jwks_path.display()
    );
    Ok(())
}

fn write_private(path: &std::path::Path, contents: &str) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}

async fn create_user(args: &[String]) -> anyhow::Result<()> {
    let email =
        Email::parse(flag(args, "--email")?).map_err(|why| anyhow::anyhow!("--email {why}"))?;
    let name =
        DisplayName::parse(flag(args, "--name")?).map_err(|why| anyhow::anyhow!("--name {why}"))?;
    let role: Role = flag(args, "--role")?
        .parse()
        .map_err(|why| anyhow::anyhow!("--role {why}"))?;
    let password = read_password()?;
    let password =
        Password::new_choice(&password).map_err(|why| anyhow::anyhow!("the password {why}"))?;

    let store = store().await?;
    let now = Clock::system().now();
    let (account, created) = match provision(&store, email, name, role, password, now).await {
        Ok(done) => done,
        Err(ProvisionError::LastAdmin) => {
            anyhow::bail!("the account is the school's last admin; make another admin first")
        }
        Err(err) => return Err(anyhow::Error::new(err).context("creating the account")),
    };
    eprintln!(
        "{} {} as {}",
        if created { "created" } else { "updated" },
        account.email,
        account.role
    );
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer(&mut stdout, &account)?;
    writeln!(stdout)?;
    Ok(())
}

/// The auth table, from the function's own environment.
async fn store() -> anyhow::Result<Store> {
    let env = Env::from_process();
    let table = TableName::from_env(&env, "TABLE_NAME")?;
    let settings = DynamoSettings::from_env(&env)?;
    let sdk = shared::dynamo::load_operator_config(&env).await?;
    // The operator's commands list nothing: their cursors, if any, would never leave this
    // process.
    Ok(Store::new(
        shared::dynamo::client(&sdk, &settings),
        table,
        CursorKey::ephemeral(),
    ))
}

async fn claim(args: &[String]) -> anyhow::Result<()> {
    if !args.is_empty() {
        anyhow::bail!("claim-skeletons takes no arguments\n{USAGE}");
    }
    let report = claim_skeletons(&store().await?).await?;
    eprintln!(
        "gave {} accounts their skeleton guard; {} look like another account",
        report.claimed,
        report.lookalikes.len()
    );
    let mut stdout = std::io::stdout().lock();
    for (account, owner) in &report.lookalikes {
        writeln!(stdout, "{} {} {owner}", account.id, account.email)?;
    }
    Ok(())
}

async fn copy(args: &[String]) -> anyhow::Result<()> {
    if !args.is_empty() {
        anyhow::bail!("copy-logins takes no arguments\n{USAGE}");
    }
    let copied = copy_logins(&store().await?).await?;
    eprintln!("copied {copied} accounts' logins onto their addresses' guards");
    Ok(())
}

/// The password from `AUTH_ADMIN_PASSWORD`, else from standard input.
fn read_password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var("AUTH_ADMIN_PASSWORD") {
        return Ok(password);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Ok(rpassword::prompt_password("Password: ")?);
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\n', '\r']);
    if password.is_empty() {
        anyhow::bail!("no password on standard input (or in AUTH_ADMIN_PASSWORD)");
    }
    Ok(password.to_owned())
}
