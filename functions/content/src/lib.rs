//! The `content` function: the school's catalog of courses, lessons, articles and career paths.
//!
//! Anyone reads what is published; instructors write courses and articles, admins everything
//! (career paths are theirs alone). A request goes router → handler (parse into domain types,
//! authorize) → [`service`] → [`store`] (DynamoDB); [`document`] and the kinds' modules are the
//! domain, which touches neither.

pub mod articles;
pub mod catalog;
pub mod config;
pub mod courses;
pub mod document;
pub mod fields;
pub mod keys;
pub mod markdown;
pub mod pages;
pub mod paths;
pub mod reindex;
pub mod search;
pub mod seo;
pub mod service;
pub mod store;
pub mod web;
pub mod workspace;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;
use shared::account::AccountStates;
use shared::clock::Clock;
use shared::dynamo::Table;
use shared::token::AccessTokenVerifier;

pub use config::Config;
use service::Service;
use store::Store;

/// What every request handler of `content` shares; built once per cold start.
#[derive(Debug, Clone)]
pub struct AppState {
    pub service: Arc<Service>,
    pub tokens: Arc<AccessTokenVerifier>,
    /// The accounts' current state, for authoring.
    pub accounts: Arc<AccountStates>,
}

impl AppState {
    /// Builds the SDK clients the configuration calls for and reads the cursor key (from its
    /// secret in AWS), on the system clock, searching with an index held in memory (the one
    /// place a managed search engine would be chosen instead: [`search::Searcher`]).
    ///
    /// # Errors
    /// When the cursor key cannot be read.
    pub async fn from_config(config: Config, sdk: &aws_types::SdkConfig) -> anyhow::Result<Self> {
        let db = shared::dynamo::client(sdk, &config.dynamo);
        let secrets = shared::token::Secrets::new(sdk);
        let loading = config.cursor_key.load(&secrets);
        let cursors =
            shared::dynamo::while_connecting(&db, &config.dynamo, &config.table, loading).await?;
        let store = Store::new(
            Table::new(db.clone(), config.table),
            Table::new(db.clone(), config.progress_table),
            cursors,
        );
        Ok(Self {
            service: Arc::new(Service::new(
                store.clone(),
                config.public_base_url,
                Clock::system(),
                Box::new(search::InMemory::new(store)),
            )),
            tokens: Arc::new(config.tokens),
            accounts: Arc::new(AccountStates::new(Table::new(db, config.auth_table))),
        })
    }
}

impl FromRef<AppState> for Arc<AccessTokenVerifier> {
    fn from_ref(state: &AppState) -> Self {
        state.tokens.clone()
    }
}

impl FromRef<AppState> for Arc<AccountStates> {
    fn from_ref(state: &AppState) -> Self {
        state.accounts.clone()
    }
}

/// Every route `content` serves, in the layers every function shares.
pub fn app(state: AppState) -> Router {
    shared::http::finish(
        Router::new()
            .merge(shared::http::liveness(
                "/courses/_health",
                "content",
                env!("CARGO_PKG_VERSION"),
            ))
            .merge(courses::router())
            .merge(articles::router())
            .merge(paths::router())
            .route("/tags", get(catalog::tags))
            .route("/sitemap.xml", get(catalog::sitemap))
            .route("/openapi.json", get(catalog::openapi))
            .route("/workspace", get(workspace::list))
            .route("/search", get(search::route))
            .with_state(state),
    )
}
