//! The `content` function: the school's catalogue of courses, lessons, articles and career paths.
//!
//! Anyone reads what is published; instructors write courses and articles, admins everything
//! (career paths are theirs alone). A request goes router → handler (parse into domain types,
//! authorise) → [`document`] (the steps every kind shares) → [`store`] (DynamoDB).

pub mod articles;
pub mod catalogue;
pub mod config;
pub mod courses;
pub mod document;
pub mod fields;
pub mod keys;
pub mod markdown;
pub mod paths;
pub mod seo;
pub mod store;
pub mod web;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;
use shared::token::AccessTokenVerifier;

pub use config::{BaseUrl, Config};
use store::Store;

/// What every request handler of `content` shares; built once per cold start.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    /// Where the school's pages live (`PUBLIC_BASE_URL`).
    pub site: Arc<BaseUrl>,
    pub tokens: Arc<AccessTokenVerifier>,
}

impl AppState {
    /// Builds the SDK clients the configuration calls for.
    ///
    /// # Errors
    /// None today; the signature leaves room for setup that can fail (a secret to fetch).
    pub async fn from_config(config: Config, sdk: &aws_config::SdkConfig) -> anyhow::Result<Self> {
        let db = shared::dynamo::client(sdk, &config.dynamo);
        Ok(Self {
            store: Arc::new(Store::new(db, config.table, config.progress_table)),
            site: Arc::new(config.public_base_url),
            tokens: Arc::new(config.tokens),
        })
    }
}

impl FromRef<AppState> for Arc<AccessTokenVerifier> {
    fn from_ref(state: &AppState) -> Self {
        state.tokens.clone()
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
            .merge(courses::routes::router())
            .merge(articles::router())
            .merge(paths::router())
            .route("/tags", get(catalogue::tags))
            .route("/sitemap.xml", get(catalogue::sitemap))
            .with_state(state),
    )
}
