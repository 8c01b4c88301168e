//! What `auth` does, operation by operation, between the handlers and the store, and the
//! rules that decide it; each operation's error converts into the API's one error by `From`.

mod accounts;
mod errors;
mod passwords;
mod sessions;

use std::sync::Arc;
use std::time::Duration;

use shared::dynamo::DbError;
use shared::token::AccessTokenIssuer;

pub use accounts::{AccountChange, SkeletonReport, claim_skeletons, copy_logins, provision};
pub use errors::{
    AccountChangeError, LoginError, MailRequestError, PasswordChangeError, ProvisionError,
    TokenError,
};

use crate::config::Lifetimes;
use crate::outbox::{MailJob, MailQueue};
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
    mail: MailQueue,
    lifetimes: Lifetimes,
    backoff: LoginBackoff,
    reset_limit: MailRequestLimit,
}

impl Service {
    pub fn new(
        store: Store,
        issuer: AccessTokenIssuer,
        mail: MailQueue,
        lifetimes: Lifetimes,
    ) -> Self {
        Self {
            store,
            hasher: PasswordHasher::new(),
            issuer: Arc::new(issuer),
            mail,
            backoff: LoginBackoff::new(lifetimes.lockout_base),
            reset_limit: MailRequestLimit::default(),
            lifetimes,
        }
    }

    /// Posts `job` for the mail sender. Nothing waits for the letter: the request's answer
    /// and timing do not depend on whether one goes out. A queue that does not answer is as
    /// unavailable as a table that does not (503, Retry-After).
    async fn order(&self, job: MailJob) -> Result<(), DbError> {
        self.mail.post(&job).await.map_err(DbError::Unavailable)
    }
}
