//! The account and session items of the auth table, as every function reads them to authorize
//! a privileged request against the account's current state.
//!
//! An access token says who the caller was when it was issued (up to 15 minutes ago). Every
//! change that takes power away moves the account's session epoch: a role change, a disable,
//! logging out everywhere, a password change or reset. Tokens carry the epoch they were issued
//! in (`session_epoch`) and their session (`sid`). A privileged route ([`AccountStates::check`])
//! reads the account item and the session item in one consistent `BatchGetItem` and admits the
//! token only while its epoch is the account's, its session is neither revoked (a logout) nor
//! expired, and the account is enabled; it then acts on the account's current role.
//!
//! `auth` owns the auth table and writes these items; `content` and `progress` read them
//! (`BatchGetItem`, read-only, as the template grants). The keys and the fields below are that
//! contract: `auth` writes them, so they change only together.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Deserialize;

use crate::ApiError;
use crate::clock::Timestamp;
use crate::dynamo::{EXPIRES_AT, Key, SK, Table, from_item};
use crate::identity::{Role, UserId};
use crate::token::AuthSession;

/// The sort key of an account item.
pub const ACCOUNT_SK: &str = "USER";
/// The sort key prefix of a session item.
pub const SESSION_SK_PREFIX: &str = "SESSION#";

/// The key of an account's item in the auth table.
pub fn account_key(user: UserId) -> Key {
    Key::new(format!("USER#{user}"), ACCOUNT_SK)
}

/// The key of a session (a refresh-token family) in the auth table, beside its account.
pub fn session_key(user: UserId, session: &str) -> Key {
    Key::new(
        format!("USER#{user}"),
        format!("{SESSION_SK_PREFIX}{session}"),
    )
}

/// The attributes a check reads of both items: one projection serves a `BatchGetItem`.
pub const ACCOUNT_STATE_ATTRIBUTES: &[&str] = &[
    SK,
    "role",
    "disabled",
    "email_verified",
    "session_epoch",
    "epoch",
    "revoked_at",
    EXPIRES_AT,
];

/// What a privileged decision reads of an account item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct AccountState {
    pub role: Role,
    pub disabled: bool,
    pub email_verified: bool,
    /// Moves with every change that ends the account's sessions.
    pub session_epoch: u64,
}

/// What a privileged decision reads of a session item.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SessionState {
    /// The account's session epoch the session belongs to.
    pub epoch: u64,
    /// Set by a logout.
    pub revoked_at: Option<Timestamp>,
    /// When its refresh tokens stop working (TTL seconds).
    pub expires_at: i64,
}

/// Why a token does not stand for the account as it is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Stale {
    #[error("the token was issued outside a session")]
    NoSession,
    #[error("the account is gone")]
    NoAccount,
    #[error("the account is disabled")]
    Disabled,
    #[error("the account's sessions were ended after the token was issued")]
    EpochMoved,
    #[error("the token's session was logged out, has expired or is gone")]
    SessionOver,
}

/// Whether the token with `epoch` in `session` still stands for `account` at `now`.
///
/// # Errors
/// [`Stale`], saying why not.
pub fn judge(
    epoch: Option<u64>,
    account: Option<AccountState>,
    session: Option<&SessionState>,
    now: Timestamp,
) -> Result<AccountState, Stale> {
    let account = account.ok_or(Stale::NoAccount)?;
    if account.disabled {
        return Err(Stale::Disabled);
    }
    if epoch != Some(account.session_epoch) {
        return Err(Stale::EpochMoved);
    }
    match session {
        Some(s)
            if s.revoked_at.is_none()
                && s.epoch == account.session_epoch
                && s.expires_at > now.unix_seconds() =>
        {
            Ok(account)
        }
        _ => Err(Stale::SessionOver),
    }
}

/// Reads account states from the auth table; one per function, built at cold start.
#[derive(Debug, Clone)]
pub struct AccountStates {
    table: Table,
}

impl AccountStates {
    /// The account states of the auth table `table`.
    pub fn new(table: Table) -> Self {
        Self { table }
    }

    /// The caller's account as it is now, if the token still stands for it: one consistent
    /// `BatchGetItem` of the account and the token's session.
    ///
    /// # Errors
    /// 401 when the token is stale ([`judge`]); 503 or 500 when DynamoDB fails.
    pub async fn check(
        &self,
        caller: &AuthSession,
        now: Timestamp,
    ) -> Result<AccountState, ApiError> {
        let user = caller.user.id;
        let Some(sid) = caller.session.as_deref() else {
            return Err(refused(user, Stale::NoSession));
        };
        let items = self
            .table
            .batch_get(
                vec![account_key(user), session_key(user, sid)],
                ACCOUNT_STATE_ATTRIBUTES,
                true,
            )
            .await?;
        let (mut account, mut session) = (None, None);
        for item in items {
            if matches!(item.get(SK), Some(AttributeValue::S(sk)) if sk == ACCOUNT_SK) {
                account = Some(from_item::<AccountState>(item)?);
            } else {
                session = Some(from_item::<SessionState>(item)?);
            }
        }
        judge(caller.epoch, account, session.as_ref(), now).map_err(|why| refused(user, why))
    }
}

fn refused(user: UserId, why: Stale) -> ApiError {
    tracing::info!(%user, reason = %why, "access token refused: stale");
    ApiError::Unauthenticated
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-12-03T14:00:00Z".parse().unwrap()
    }

    fn account(epoch: u64) -> AccountState {
        AccountState {
            role: Role::Instructor,
            disabled: false,
            email_verified: true,
            session_epoch: epoch,
        }
    }

    fn session(epoch: u64) -> SessionState {
        SessionState {
            epoch,
            revoked_at: None,
            expires_at: now().unix_seconds() + 3600,
        }
    }

    #[test]
    fn a_token_of_the_current_epoch_in_a_live_session_stands_for_the_account() {
        assert_eq!(
            judge(Some(3), Some(account(3)), Some(&session(3)), now()),
            Ok(account(3))
        );
    }

    #[test]
    fn a_token_older_than_the_last_change_of_the_account_is_stale() {
        let live = session(4);
        assert_eq!(
            judge(Some(3), Some(account(4)), Some(&live), now()),
            Err(Stale::EpochMoved)
        );
        assert_eq!(
            judge(None, Some(account(4)), Some(&live), now()),
            Err(Stale::EpochMoved),
            "a token without the claim"
        );
    }

    #[test]
    fn a_logged_out_expired_missing_or_superseded_session_is_over() {
        let logged_out = SessionState {
            revoked_at: Some(now()),
            ..session(2)
        };
        let expired = SessionState {
            expires_at: now().unix_seconds(),
            ..session(2)
        };
        for s in [Some(&logged_out), Some(&expired), Some(&session(1)), None] {
            assert_eq!(
                judge(Some(2), Some(account(2)), s, now()),
                Err(Stale::SessionOver),
                "{s:?}"
            );
        }
    }

    #[test]
    fn a_disabled_or_missing_account_stands_for_nobody() {
        let disabled = AccountState {
            disabled: true,
            ..account(0)
        };
        assert_eq!(
            judge(Some(0), Some(disabled), Some(&session(0)), now()),
            Err(Stale::Disabled)
        );
        assert_eq!(
            judge(Some(0), None, Some(&session(0)), now()),
            Err(Stale::NoAccount)
        );
    }
}
