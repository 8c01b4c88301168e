//! Logging in and out, and refreshing: the lockout in front of every password check, and the
//! rotation of a session's refresh tokens.

use std::time::Duration;

use shared::clock::Timestamp;
use shared::dynamo::DbError;
use shared::identity::UserId;

use super::{CONCURRENT_ATTEMPT_WAIT, LoginError, Service, TokenError};
use crate::email::Email;
use crate::password::{Password, PasswordHash};
use crate::secret::OpaqueToken;
use crate::session::{SessionId, SessionTokens};
use crate::store::{LoginCopy, LoginOutcome, LoginWriteError, NewSession, SpentError};
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

    /// Checks a password and starts a session, in two round trips: one query of the address
    /// (its failed logins, and its guard's copy of what a login needs of the account), then,
    /// once the password is checked against the copy, one transaction that writes the answer
    /// (the session, the failures forgotten; or one failure more) on the conditions that no
    /// other attempt on the address was recorded since the query, and that the account still
    /// holds the copy. So attempts on one address are answered one at a time: of parallel
    /// guesses one is answered, the others are told to wait without an answer, whatever their
    /// password, and the lockout counts every answer. When the account moved on from the copy
    /// (a new password, role, name or session epoch), it is read and the password checked
    /// against it, once. An unknown address is checked (against a dummy hash) and counted
    /// like a known one, in the same requests.
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
        let (mut login, mut copy) = match (records.login, records.owner) {
            (Some(login), _) => (Some(login), false),
            // A guard written before it kept a copy: the account is read, and copied.
            (None, Some(owner)) => (self.store.user(owner).await?.map(|u| u.login()), true),
            (None, None) => (None, false),
        };
        let mut checked: Option<(PasswordHash, bool)> = None;
        for _ in 0..2 {
            let hash = login.as_ref().map(|l| l.password_hash.clone());
            let matches = match (&checked, &hash) {
                (Some((was, matched)), Some(hash)) if was == hash => *matched,
                _ => self.hasher.verify(password.clone(), hash.clone()).await?,
            };
            checked = hash.map(|hash| (hash, matches));
            let account = login.as_ref().filter(|l| matches && !l.disabled);
            let session = SessionId::new();
            let refresh_token = account
                .map(|account| OpaqueToken::generate_for(account.user))
                .transpose()?;
            let token = refresh_token.as_ref().map(OpaqueToken::hash);
            let outcome = match (account, &token) {
                (Some(account), Some(token)) => LoginOutcome::Session(NewSession {
                    user: account.user,
                    session,
                    token,
                    epoch: account.session_epoch,
                    expires_at: now.plus(self.lifetimes.session),
                }),
                _ => LoginOutcome::Failed(&attempt),
            };
            let answered = self
                .store
                .answer_login(&email, seen, login.as_ref(), copy, outcome, now)
                .await;
            match answered {
                Ok(()) => {}
                Err(LoginWriteError::Stale) => {
                    let Some(stale) = login else {
                        return Err(anyhow::anyhow!("a fresh id's account check failed").into());
                    };
                    tracing::info!(user = %stale.user, "login: the account changed since its copy");
                    login = self.store.user(stale.user).await?.map(|u| u.login());
                    copy = true;
                    continue;
                }
                Err(LoginWriteError::Concurrent) => {
                    tracing::info!("login refused: another attempt on the address was answered");
                    return Err(LoginError::Locked {
                        retry_after: CONCURRENT_ATTEMPT_WAIT,
                    });
                }
                Err(LoginWriteError::Db(err)) => return Err(err.into()),
            }
            return match (account, refresh_token) {
                (Some(account), Some(refresh_token)) => {
                    tracing::info!(user = %account.user, "logged in");
                    Ok(self.tokens(account, session, refresh_token)?)
                }
                _ if matches && login.is_some() => {
                    tracing::info!("login refused: account disabled");
                    Err(LoginError::Disabled)
                }
                _ => {
                    tracing::info!(
                        failures = attempt.count,
                        locked = attempt.locked_until.is_some(),
                        "login refused: wrong email or password"
                    );
                    Err(LoginError::InvalidCredentials)
                }
            };
        }
        tracing::warn!("login refused: the account changed twice while it was checked");
        Err(LoginError::Locked {
            retry_after: CONCURRENT_ATTEMPT_WAIT,
        })
    }

    fn tokens(
        &self,
        login: &LoginCopy,
        session: SessionId,
        refresh_token: OpaqueToken,
    ) -> anyhow::Result<SessionTokens> {
        let access = self.issuer.issue_in_session(
            login.user,
            login.role,
            login.name.as_str(),
            &session.to_string(),
            login.session_epoch,
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
            Ok(()) => Ok(self.tokens(&user.login(), record.session, next)?),
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
