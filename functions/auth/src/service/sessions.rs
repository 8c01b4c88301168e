//! Logging in and out, and refreshing: the lockout in front of every password check, and the
//! rotation of a session's refresh tokens.

use std::time::Duration;

use shared::clock::Timestamp;
use shared::dynamo::DbError;
use shared::identity::UserId;

use super::{CONCURRENT_ATTEMPT_WAIT, LoginError, Service, TokenError};
use crate::email::Email;
use crate::password::Password;
use crate::secret::OpaqueToken;
use crate::session::{SessionId, SessionTokens};
use crate::store::{NewSession, SpentError, StoredUser};
use crate::throttle::LoginFailures;

impl Service {
    /// The attempt to record before a password of an address whose failures are `seen` is
    /// checked at `now`, or how long to wait while the address is locked.
    pub(super) fn next_attempt(
        &self,
        seen: Option<&LoginFailures>,
        now: Timestamp,
    ) -> Result<LoginFailures, Duration> {
        match self.backoff.wait(seen, now) {
            Some(wait) => Err(wait),
            None => Ok(self.backoff.after_attempt(seen, now)),
        }
    }

    /// Checks a password and starts a session.
    ///
    /// Every attempt is first recorded as a failure, on the condition that nobody else
    /// recorded one since it read the count: so attempts on one address run one at a time, and
    /// parallel guesses cannot all slip in before the lockout. A success forgets the failures.
    /// An unknown address is counted and checked (against a dummy hash) like a known one.
    ///
    /// # Errors
    /// [`LoginError`].
    pub async fn login(
        &self,
        email: Email,
        password: Password,
        now: Timestamp,
    ) -> Result<SessionTokens, LoginError> {
        let records = self.store.address(&email, now).await?;
        let seen = records.login_failures.as_ref();
        let attempt = self.next_attempt(seen, now).map_err(|retry_after| {
            tracing::info!(failures = seen.map(|f| f.count), "login refused: locked");
            LoginError::Locked { retry_after }
        })?;
        // An address without an account reads an account that cannot exist (a fresh id): the
        // same requests as for a wrong password, so that their timing tells nothing.
        let owner = records.owner.unwrap_or_else(UserId::new);
        let (recorded, user) = tokio::try_join!(
            self.store.record_login_attempt(&email, seen, &attempt, now),
            self.store.user(owner)
        )?;
        if !recorded {
            tracing::info!("login refused: another attempt on the address is in flight");
            return Err(LoginError::Locked {
                retry_after: CONCURRENT_ATTEMPT_WAIT,
            });
        }
        let hash = user.as_ref().map(|u| u.password_hash.clone());
        let matches = self.hasher.verify(password, hash).await?;
        let Some(user) = user.filter(|_| matches) else {
            tracing::info!(
                failures = attempt.count,
                locked = attempt.locked_until.is_some(),
                "login refused: wrong email or password"
            );
            return Err(LoginError::InvalidCredentials);
        };
        if user.account.disabled {
            tracing::info!(user = %user.account.id, "login refused: account disabled");
            return Err(LoginError::Disabled);
        }
        let tokens = self.start_session(&user, now).await?;
        tracing::info!(user = %user.account.id, "logged in");
        Ok(tokens)
    }

    async fn start_session(
        &self,
        user: &StoredUser,
        now: Timestamp,
    ) -> anyhow::Result<SessionTokens> {
        let session = SessionId::new();
        let refresh_token = OpaqueToken::generate_for(user.account.id)?;
        let new = NewSession {
            user: user.account.id,
            session,
            token: &refresh_token.hash(),
            epoch: user.session_epoch,
            expires_at: now.plus(self.lifetimes.session),
        };
        self.store
            .start_session(new, &user.account.email, now)
            .await?;
        self.tokens(user, session, refresh_token)
    }

    fn tokens(
        &self,
        user: &StoredUser,
        session: SessionId,
        refresh_token: OpaqueToken,
    ) -> anyhow::Result<SessionTokens> {
        let access = self.issuer.issue_in_session(
            user.account.id,
            user.account.role,
            user.account.name.as_str(),
            &session.to_string(),
            user.session_epoch,
        )?;
        Ok(SessionTokens {
            access_token: access.token,
            expires_in: access.expires_in,
            refresh_token,
        })
    }

    /// Exchanges a refresh token for new tokens, consuming it. A token presented after it
    /// was consumed (by an earlier refresh, or a concurrent one that won) revokes its whole
    /// session: one of the two holders is not its owner.
    ///
    /// # Errors
    /// [`TokenError::Invalid`] for an unknown, consumed, expired or revoked token, or a
    /// disabled account.
    pub async fn refresh(
        &self,
        presented: OpaqueToken,
        now: Timestamp,
    ) -> Result<SessionTokens, TokenError> {
        let hash = presented.hash();
        let (record, user) = match presented.owner() {
            Some(owner) => {
                self.store
                    .refresh_token_and_owner(&hash, owner, now)
                    .await?
            }
            // A token issued before refresh tokens named their owner: its record says whose.
            None => match self.store.refresh_token(&hash, now).await? {
                Some(record) => {
                    let user = self.store.user(record.user).await?;
                    (Some(record), user)
                }
                None => (None, None),
            },
        };
        let (Some(record), Some(user)) = (record, user) else {
            return Err(TokenError::Invalid);
        };
        if record.user != user.account.id {
            return Err(TokenError::Invalid);
        }
        if user.account.disabled {
            tracing::info!(user = %record.user, "refresh refused: account disabled");
            return Err(TokenError::Invalid);
        }
        let next = OpaqueToken::generate_for(record.user)?;
        let rotated = self
            .store
            .rotate_refresh_token(&record, &hash, &next.hash(), user.session_epoch, now)
            .await;
        match rotated {
            Ok(()) => Ok(self.tokens(&user, record.session, next)?),
            Err(SpentError::Spent) => {
                if self.store.session_reuse(&record, &hash).await? {
                    tracing::warn!(
                        user = %record.user,
                        session = %record.session,
                        "a consumed refresh token was presented again; revoking its session"
                    );
                    self.store
                        .revoke_session(record.user, record.session, now)
                        .await?;
                } else {
                    tracing::info!(session = %record.session, "refresh refused: session over");
                }
                Err(TokenError::Invalid)
            }
            Err(SpentError::Db(err)) => Err(err.into()),
        }
    }

    /// Ends the session of a refresh token (consumed or not). Unknown tokens are ignored:
    /// logging out is idempotent.
    ///
    /// # Errors
    /// DynamoDB failures.
    pub async fn logout(
        &self,
        presented: Option<OpaqueToken>,
        now: Timestamp,
    ) -> Result<(), DbError> {
        let Some(presented) = presented else {
            return Ok(());
        };
        if let Some(record) = self.store.refresh_token(&presented.hash(), now).await? {
            self.store
                .revoke_session(record.user, record.session, now)
                .await?;
            tracing::info!(user = %record.user, session = %record.session, "logged out");
        }
        Ok(())
    }

    /// Ends every session of an account.
    ///
    /// # Errors
    /// DynamoDB failures.
    pub async fn logout_everywhere(&self, user: UserId) -> Result<(), DbError> {
        self.store.revoke_all_sessions(user).await?;
        tracing::info!(%user, "logged out of every session");
        Ok(())
    }
}
