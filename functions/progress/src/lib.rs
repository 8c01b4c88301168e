//! The `progress` function: enrollments, lesson completions, progress and certificates.
//!
//! A request goes router ([`api`]) → service ([`service`]) → store ([`store`] for the progress
//! table, [`courses`] for the course items of the content table, read-only). Counters move in
//! the same transaction as the write that moves them; see [`store`]. Certificates are signed
//! credentials anyone can verify offline; see [`certificate`].

pub mod api;
pub mod capability;
pub mod certificate;
pub mod config;
pub mod courses;
pub mod enrollment;
pub mod keys;
pub mod project;
pub mod service;
pub mod store;
pub mod views;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::FromRef;
use shared::account::AccountStates;
use shared::clock::Clock;
use shared::dynamo::Table;
use shared::token::{AccessTokenVerifier, Secrets};

pub use config::Config;

use crate::certificate::CertificateIssuer;
use crate::courses::Courses;
use crate::service::ProgressService;
use crate::store::ProgressStore;

/// What every request handler of `progress` shares; built once per cold start.
#[derive(Debug, Clone)]
pub struct AppState {
    pub service: Arc<ProgressService>,
    pub tokens: Arc<AccessTokenVerifier>,
    /// The accounts' current state, for enrolling, completing and the staff's routes.
    pub accounts: Arc<AccountStates>,
    /// Where every "now" of a request comes from.
    pub clock: Clock,
    /// How long a request may take, retries included: [`shared::deadline::REQUEST_BUDGET`].
    pub request_budget: Duration,
}

impl AppState {
    /// Builds the DynamoDB client and loads the certificate signing key and the cursor key
    /// (from the environment or a file, or from AWS Secrets Manager); the clock is the
    /// system's and the budget the production one.
    ///
    /// # Errors
    /// When either key cannot be loaded.
    pub async fn from_config(config: Config, sdk: &aws_types::SdkConfig) -> anyhow::Result<Self> {
        let db = shared::dynamo::client(sdk, &config.dynamo);
        let secrets = Secrets::new(sdk);
        let loading = async {
            tokio::try_join!(
                CertificateIssuer::load(&config.certificate_key, config.public_base_url, &secrets),
                config.cursor_key.load(&secrets),
            )
        };
        let (issuer, cursors) =
            shared::dynamo::while_connecting(&db, &config.dynamo, &config.table, loading).await?;
        let service = ProgressService::new(
            ProgressStore::new(Table::new(db.clone(), config.table), cursors),
            Courses::new(Table::new(db.clone(), config.content_table)),
            issuer,
        );
        Ok(Self {
            service: Arc::new(service),
            tokens: Arc::new(config.tokens),
            accounts: Arc::new(AccountStates::new(Table::new(db, config.auth_table))),
            clock: Clock::system(),
            request_budget: shared::deadline::REQUEST_BUDGET,
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

/// Every route `progress` serves, in the layers every function shares.
pub fn app(state: AppState) -> Router {
    let budget = state.request_budget;
    shared::http::finish_within(
        Router::new()
            .merge(shared::http::liveness(
                "/me/_health",
                "progress",
                env!("CARGO_PKG_VERSION"),
            ))
            .merge(api::routes())
            .with_state(state),
        budget,
    )
}
