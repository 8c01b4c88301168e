//! The `progress` function: enrolments, lesson completions, progress and certificates.

pub mod config;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use shared::config::TableName;
use shared::token::AccessTokenVerifier;

pub use config::Config;

/// What every request handler of `progress` shares; built once per cold start.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: aws_sdk_dynamodb::Client,
    pub table: TableName,
    pub content_table: TableName,
    pub tokens: Arc<AccessTokenVerifier>,
}

impl AppState {
    /// Builds the SDK clients the configuration calls for.
    pub fn new(config: Config, sdk: &aws_config::SdkConfig) -> Self {
        Self {
            db: shared::dynamo::client(sdk, &config.dynamo),
            table: config.table,
            content_table: config.content_table,
            tokens: Arc::new(config.tokens),
        }
    }
}

impl FromRef<AppState> for Arc<AccessTokenVerifier> {
    fn from_ref(state: &AppState) -> Self {
        state.tokens.clone()
    }
}

/// Every route `progress` serves, in the layers every function shares.
pub fn app(state: AppState) -> Router {
    shared::http::finish(
        Router::new()
            .merge(shared::http::liveness(
                "/me/_health",
                "progress",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_state(state),
    )
}
