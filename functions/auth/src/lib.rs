//! The `auth` function: accounts, sessions, tokens and roles for the school.
//!
//! Routes (see `infra/routes.txt`): registration, login, refresh and logout, the caller's
//! account, password change and reset, email verification, the admins' user list and role
//! changes, and the JWKS every function verifies access tokens with. The request path is
//! [`routes`] (parse, authorize, read the clock) → [`service`] (the operations and their
//! rules) → [`store`] (DynamoDB).

pub mod config;
pub mod email;
pub mod keyring;
pub mod keys;
pub mod mail;
pub mod outbox;
pub mod password;
pub mod routes;
pub mod secret;
pub mod service;
pub mod session;
pub mod store;
pub mod throttle;
pub mod user;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use shared::account::AccountStates;
use shared::clock::Clock;
use shared::dynamo::Table;
use shared::token::{AccessTokenIssuer, AccessTokenVerifier, Secrets, VerifyingKeys};

pub use config::Config;

use crate::keyring::PublishedKeys;
use crate::mail::{Letters, LogMailer, Mailer, SesMailer};
use crate::outbox::{MailQueue, MailSender};
use crate::service::Service;
use crate::store::Store;

/// What every request handler of `auth` shares; built once per cold start.
#[derive(Debug, Clone)]
pub struct AppState {
    pub service: Arc<Service>,
    pub verifier: Arc<AccessTokenVerifier>,
    /// The accounts' current state, for the admin routes (auth reads its own table).
    pub accounts: Arc<AccountStates>,
    pub keys: Arc<PublishedKeys>,
    /// Where every request's "now" comes from.
    pub clock: Clock,
}

impl FromRef<AppState> for Arc<AccessTokenVerifier> {
    fn from_ref(state: &AppState) -> Self {
        state.verifier.clone()
    }
}

impl FromRef<AppState> for Arc<AccountStates> {
    fn from_ref(state: &AppState) -> Self {
        state.accounts.clone()
    }
}

impl AppState {
    /// Builds the SDK clients, loads the signing key (from its file, or from Secrets
    /// Manager) as the configuration says; its clock is the system's.
    ///
    /// # Errors
    /// When the signing key cannot be loaded or does not match `JWKS`.
    pub async fn from_config(config: Config, sdk: &aws_types::SdkConfig) -> anyhow::Result<Self> {
        let db = shared::dynamo::client(sdk, &config.dynamo);
        let secrets = Secrets::new(sdk);
        let loading = async {
            tokio::try_join!(
                keyring::load_signing_key(&config, &secrets),
                keyring::load_certificate_keys(&config, &secrets),
                config.cursor_key.clone().load(&secrets),
            )
        };
        let (signing_key, certificate_keys, cursors) =
            shared::dynamo::while_connecting(&db, &config.dynamo, &config.table, loading).await?;
        let verifier = AccessTokenVerifier::new(
            VerifyingKeys::from_jwks_set(&config.jwks).map_err(anyhow::Error::msg)?,
            &config.tokens,
        );
        let keys = PublishedKeys::new(&config.jwks, certificate_keys.as_ref())?;
        let accounts = AccountStates::new(Table::new(db.clone(), config.table.clone()));
        let store = Store::new(db, config.table, cursors);
        let issuer =
            AccessTokenIssuer::new(signing_key, config.tokens, config.lifetimes.access_token);
        let service = Service::new(
            store,
            issuer,
            MailQueue::new(sdk, &config.mail_queue),
            config.lifetimes,
        );
        Ok(Self {
            service: Arc::new(service),
            verifier: Arc::new(verifier),
            accounts: Arc::new(accounts),
            keys: Arc::new(keys),
            clock: Clock::system(),
        })
    }
}

impl MailSender {
    /// The mail sender as `config` says: mail through SES or to the log. Its store never lists
    /// accounts, so its cursor key is a throwaway one.
    pub fn from_config(config: config::SenderConfig, sdk: &aws_types::SdkConfig) -> Self {
        let mailer: Arc<dyn Mailer> = match config.mailer {
            config::MailerConfig::Log => Arc::new(LogMailer),
            config::MailerConfig::Ses { from } => Arc::new(SesMailer::new(sdk, from)),
        };
        let db = shared::dynamo::client(sdk, &config.dynamo);
        let store = Store::new(db, config.table, shared::page::CursorKey::ephemeral());
        Self::new(
            store,
            mailer,
            Letters::new(config.public_base_url),
            config.lifetimes,
        )
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
            .merge(routes::router())
            .with_state(state),
    )
}
