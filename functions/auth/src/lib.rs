//! The `auth` function: accounts, sessions, tokens and roles for the school.

pub mod config;

use axum::Router;
use shared::config::TableName;

pub use config::Config;

/// What every request handler of `auth` shares; built once per cold start.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: aws_sdk_dynamodb::Client,
    pub table: TableName,
}

impl AppState {
    /// Builds the SDK clients the configuration calls for.
    pub fn new(config: Config, sdk: &aws_config::SdkConfig) -> Self {
        Self {
            db: shared::dynamo::client(sdk, &config.dynamo),
            table: config.table,
        }
    }
}

/// Every route `auth` serves, in the layers every function shares.
pub fn app(state: AppState) -> Router {
    shared::http::finish(
        Router::new()
            .merge(shared::http::liveness(
                "/auth/_health",
                "auth",
                env!("CARGO_PKG_VERSION"),
            ))
            .with_state(state),
    )
}
