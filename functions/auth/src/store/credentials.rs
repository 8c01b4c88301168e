//! Passwords and email tokens: password changes and resets, which move the account's session
//! epoch, and the single-use tokens that verify an address or reset a password.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use shared::clock::Timestamp;
use shared::dynamo::{DbError, Expr, Item, Key, PK, Write, attr, from_item, n, s, to_item, ts};
use shared::identity::UserId;

use super::{SpentError, Store, StoredUser, expiry, ttl, unexpired};
use crate::email::Email;
use crate::keys;
use crate::password::PasswordHash;
use crate::secret::TokenHash;
use crate::session::SessionId;

/// An email token (verification or reset) and what it is for.
#[derive(Debug, Clone)]
pub struct EmailTokenRecord {
    pub user: UserId,
    pub email: Email,
    /// The account's session epoch when the token was made: a reset token works only while
    /// the password has not changed since.
    pub session_epoch: u64,
    pub expires_at: Timestamp,
}

/// Why a new password was not written.
#[derive(Debug, thiserror::Error)]
pub enum PasswordWriteError {
    /// The session epoch moved meanwhile (a concurrent password change or logout everywhere).
    #[error("the account's sessions changed meanwhile")]
    EpochMoved,
    /// The session to keep is gone or already over.
    #[error("the session to keep is over")]
    KeptSessionGone,
    #[error(transparent)]
    Db(#[from] DbError),
}

#[derive(Serialize, Deserialize)]
struct EmailTokenItem {
    pk: String,
    sk: String,
    entity: String,
    user_id: UserId,
    email: String,
    session_epoch: u64,
    expires_at: i64,
}

fn email_token_item(key: Key, entity: &str, record: &EmailTokenRecord) -> Result<Item, DbError> {
    to_item(&EmailTokenItem {
        pk: key.pk,
        sk: key.sk,
        entity: entity.into(),
        user_id: record.user,
        email: record.email.as_str().into(),
        session_epoch: record.session_epoch,
        expires_at: ttl(record.expires_at),
    })
}

/// The item of an email-verification token.
pub(super) fn verification_item(
    hash: &TokenHash,
    record: &EmailTokenRecord,
) -> Result<Item, DbError> {
    email_token_item(keys::verification_token(hash), "verification_token", record)
}

/// The item of a password-reset token.
pub(super) fn reset_item(hash: &TokenHash, record: &EmailTokenRecord) -> Result<Item, DbError> {
    email_token_item(keys::reset_token(hash), "reset_token", record)
}

/// Deletes a single-use token, on the condition that it is still there and unexpired.
fn spend(key: Key, now: Timestamp) -> Write {
    Write::delete(key).when(unexpired(now))
}

impl Store {
    /// Sets a new password for an account whose session epoch is still the one read,
    /// revoking every session but `keep` (which moves to the new epoch), and forgets failed
    /// logins.
    ///
    /// # Errors
    /// [`PasswordWriteError::EpochMoved`] when the epoch moved meanwhile: the caller's check
    /// of the current password is stale. [`PasswordWriteError::KeptSessionGone`] when `keep`
    /// is gone or was over already; nothing was written.
    pub async fn change_password(
        &self,
        user: &StoredUser,
        hash: &PasswordHash,
        keep: Option<SessionId>,
        now: Timestamp,
    ) -> Result<(), PasswordWriteError> {
        let epoch = user.session_epoch;
        let account = Expr::new()
            .set("password_hash", s(hash.as_str()))
            .set("session_epoch", n(epoch + 1))
            .set("updated_at", ts(now))
            .condition(attr("session_epoch").eq(n(epoch)));
        let mut writes = vec![
            Write::update(keys::user(user.account.id), account),
            Write::delete(keys::login_failures(&user.account.email)),
        ];
        if let Some(session) = keep {
            let moved = Expr::new()
                .set("epoch", n(epoch + 1))
                .condition(attr(PK).exists().and(attr("epoch").eq(n(epoch))));
            writes.push(Write::update(
                keys::session(user.account.id, &session.to_string()),
                moved,
            ));
        }
        match self.table.transact(writes).await {
            Ok(()) => Ok(()),
            Err(err) if err.failed_condition_at(0) => Err(PasswordWriteError::EpochMoved),
            Err(err) if err.failed_condition_at(2) => Err(PasswordWriteError::KeptSessionGone),
            Err(err) => Err(err.into()),
        }
    }

    /// The email-verification token with this hash, if it exists and has not expired.
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn verification_token(
        &self,
        hash: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<EmailTokenRecord>, DbError> {
        self.email_token(keys::verification_token(hash), now).await
    }

    /// The password-reset token with this hash, if it exists and has not expired.
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn reset_token(
        &self,
        hash: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<EmailTokenRecord>, DbError> {
        self.email_token(keys::reset_token(hash), now).await
    }

    async fn email_token(
        &self,
        key: Key,
        now: Timestamp,
    ) -> Result<Option<EmailTokenRecord>, DbError> {
        let Some(item) = self.table.get(&key, true, &[]).await? else {
            return Ok(None);
        };
        let item: EmailTokenItem = from_item(item)?;
        let expires_at = expiry(item.expires_at);
        if expires_at <= now {
            return Ok(None);
        }
        Ok(Some(EmailTokenRecord {
            user: item.user_id,
            email: Email::from_stored(item.email),
            session_epoch: item.session_epoch,
            expires_at,
        }))
    }

    /// Marks the address of the token's account verified, consuming the token.
    ///
    /// # Errors
    /// [`SpentError::Spent`] when the token was used or expired meanwhile.
    pub async fn verify_email(
        &self,
        hash: &TokenHash,
        record: &EmailTokenRecord,
        now: Timestamp,
    ) -> Result<(), SpentError> {
        let verified = Expr::new()
            .set("email_verified", AttributeValue::Bool(true))
            .set("updated_at", ts(now))
            .condition(
                attr(PK)
                    .exists()
                    .and(attr("email").eq(s(record.email.as_str()))),
            );
        let writes = vec![
            spend(keys::verification_token(hash), now),
            Write::update(keys::user(record.user), verified),
        ];
        match self.table.transact(writes).await {
            Err(err) if err.failed_any_condition() => Err(SpentError::Spent),
            other => Ok(other?),
        }
    }

    /// Sets a new password with a reset token, consuming it: the account's epoch moves (every
    /// session is revoked, and so is every other reset token), its address counts as verified
    /// (the token reached it), and its failed logins are forgotten.
    ///
    /// # Errors
    /// [`SpentError::Spent`] when the token was used or expired meanwhile, or the password
    /// changed since it was made.
    pub async fn reset_password(
        &self,
        hash: &TokenHash,
        record: &EmailTokenRecord,
        password: &PasswordHash,
        now: Timestamp,
    ) -> Result<(), SpentError> {
        let account = Expr::new()
            .set("password_hash", s(password.as_str()))
            .set("email_verified", AttributeValue::Bool(true))
            .set("session_epoch", n(record.session_epoch + 1))
            .set("updated_at", ts(now))
            .condition(attr("session_epoch").eq(n(record.session_epoch)));
        let writes = vec![
            spend(keys::reset_token(hash), now),
            Write::update(keys::user(record.user), account),
            Write::delete(keys::login_failures(&record.email)),
        ];
        match self.table.transact(writes).await {
            Err(err) if err.failed_any_condition() => Err(SpentError::Spent),
            other => Ok(other?),
        }
    }
}
