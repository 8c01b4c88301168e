//! What `auth` does, operation by operation, between the handlers and the store, and the
//! rules that decide it; each operation's error converts into the API's one error by `From`.

mod accounts;
mod errors;
mod passwords;
mod sessions;

use std::sync::Arc;
use std::time::Duration;

use shared::token::AccessTokenIssuer;

pub use accounts::{AccountChange, SkeletonReport, claim_skeletons, provision};
pub use errors::{
    AccountChangeError, LoginError, MailRequestError, PasswordChangeError, ProvisionError,
    TokenError,
};

use crate::config::Lifetimes;
use crate::mail::{Letters, Mail, Mailer};
use crate::password::PasswordHasher;
use crate::store::Store;
use crate::throttle::{LoginBackoff, MailRequestLimit};

/// How long a caller waits when another attempt on the same address is in flight.
const CONCURRENT_ATTEMPT_WAIT: Duration = Duration::from_secs(1);

/// `auth`'s operations, with everything they need; built once per cold start.
#[derive(Debug, Clone)]
pub struct Service {
    store: Store,
    hasher: PasswordHasher,
    issuer: Arc<AccessTokenIssuer>,
    mailer: Arc<dyn Mailer>,
    letters: Letters,
    lifetimes: Lifetimes,
    backoff: LoginBackoff,
    reset_limit: MailRequestLimit,
}

impl Service {
    pub fn new(
        store: Store,
        issuer: AccessTokenIssuer,
        mailer: Arc<dyn Mailer>,
        letters: Letters,
        lifetimes: Lifetimes,
    ) -> Self {
        Self {
            store,
            hasher: PasswordHasher::new(),
            issuer: Arc::new(issuer),
            mailer,
            letters,
            backoff: LoginBackoff::new(lifetimes.lockout_base),
            reset_limit: MailRequestLimit::default(),
            lifetimes,
        }
    }

    /// The same service delivering mail through `mailer`.
    pub fn with_mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = mailer;
        self
    }

    /// Sends a message; a failure is logged, never the caller's problem (and never reveals
    /// whether the address has an account).
    async fn deliver(&self, mail: Mail, what: &'static str) {
        if let Err(error) = self.mailer.send(&mail).await {
            tracing::error!(
                error = format!("{error:#}"),
                mail = what,
                "sending mail failed"
            );
        }
    }
}
