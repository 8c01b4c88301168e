//! Sessions: each a family of refresh tokens whose one current token is rotated on every use,
//! and the refresh-token items that lead back to their session.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use shared::clock::Timestamp;
use shared::dynamo::{
    DbError, EXPIRES_AT, Expr, Item, PK, Write, attr, from_item, n, s, to_item, ts,
};
use shared::identity::UserId;

use super::accounts::{LoginCopy, stored_user};
use super::addresses::{copy_login, failures_write, still_counts};
use super::{SpentError, Store, StoredUser, expiry, ttl};
use crate::email::Email;
use crate::keys;
use crate::secret::TokenHash;
use crate::session::SessionId;
use crate::throttle::LoginFailures;

/// What a refresh token leads to.
#[derive(Debug, Clone)]
pub struct RefreshTokenRecord {
    pub user: UserId,
    pub session: SessionId,
    pub expires_at: Timestamp,
}

/// How a login attempt ended.
#[derive(Debug, Clone)]
pub enum LoginOutcome<'a> {
    /// The password was right: this session starts.
    Session(NewSession<'a>),
    /// It was not (or the account is disabled): the address's failed logins are now these.
    Failed(&'a LoginFailures),
}

/// Why a login's answer was not written.
#[derive(Debug, thiserror::Error)]
pub enum LoginWriteError {
    /// Another attempt on the address was recorded since its failed logins were read.
    #[error("another login attempt on the address was recorded meanwhile")]
    Concurrent,
    /// The account no longer holds the login it was checked against.
    #[error("the account changed since its login was read")]
    Stale,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A new login: its session and first refresh token.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub user: UserId,
    pub session: SessionId,
    pub token: &'a TokenHash,
    /// The account's session epoch when the password was checked.
    pub epoch: u64,
    pub expires_at: Timestamp,
}

#[derive(Serialize, Deserialize)]
struct SessionItem {
    pk: String,
    sk: String,
    entity: String,
    user_id: UserId,
    session_id: SessionId,
    /// The hash of the family's one usable refresh token.
    current_token: String,
    epoch: u64,
    created_at: Timestamp,
    expires_at: i64,
}

#[derive(Serialize, Deserialize)]
struct RefreshTokenItem {
    pk: String,
    sk: String,
    entity: String,
    user_id: UserId,
    session_id: SessionId,
    expires_at: i64,
}

impl RefreshTokenItem {
    fn new(hash: &TokenHash, record: &RefreshTokenRecord) -> Self {
        let key = keys::refresh_token(hash);
        Self {
            pk: key.pk,
            sk: key.sk,
            entity: "refresh_token".into(),
            user_id: record.user,
            session_id: record.session,
            expires_at: ttl(record.expires_at),
        }
    }
}

/// The record of a refresh-token item, unless it expired.
fn refresh_record(item: Item, now: Timestamp) -> Result<Option<RefreshTokenRecord>, DbError> {
    let item: RefreshTokenItem = from_item(item)?;
    let expires_at = expiry(item.expires_at);
    Ok((expires_at > now).then_some(RefreshTokenRecord {
        user: item.user_id,
        session: item.session_id,
        expires_at,
    }))
}

impl Store {
    /// Answers a login attempt in one transaction: records it (a success forgets the
    /// address's failed logins, starting `outcome`'s session with its first refresh token; a
    /// failure records the count `outcome` says) on the condition that the count is still
    /// `seen`, and that the account still holds `login` (or, when the address has no account,
    /// that a fresh id has none: the same request either way). With `copy`, `login` is written
    /// onto the address's guard too: it was read from the account, the guard's copy was
    /// missing or old.
    ///
    /// # Errors
    /// [`LoginWriteError::Concurrent`] when another attempt was recorded since `seen` was
    /// read; [`LoginWriteError::Stale`] when the account no longer holds `login`.
    pub async fn answer_login(
        &self,
        email: &Email,
        seen: Option<&LoginFailures>,
        login: Option<&LoginCopy>,
        copy: bool,
        outcome: LoginOutcome<'_>,
        now: Timestamp,
    ) -> Result<(), LoginWriteError> {
        let seen_count = still_counts("failures", seen.map(|seen| seen.count), now);
        let account = match login {
            Some(login) => Write::check(keys::user(login.user), login.still_held()),
            None => Write::check(keys::user(UserId::new()), attr(PK).absent()),
        };
        let mut writes = match outcome {
            LoginOutcome::Failed(next) => {
                vec![failures_write(email, next).when(seen_count), account]
            }
            LoginOutcome::Session(new) => {
                let key = keys::session(new.user, &new.session.to_string());
                let first = RefreshTokenRecord {
                    user: new.user,
                    session: new.session,
                    expires_at: new.expires_at,
                };
                let session = SessionItem {
                    pk: key.pk,
                    sk: key.sk,
                    entity: "session".into(),
                    user_id: new.user,
                    session_id: new.session,
                    current_token: new.token.as_str().into(),
                    epoch: new.epoch,
                    created_at: now,
                    expires_at: ttl(new.expires_at),
                };
                vec![
                    Write::delete(keys::login_failures(email)).when(seen_count),
                    account,
                    Write::create(to_item(&session)?),
                    Write::create(to_item(&RefreshTokenItem::new(new.token, &first))?),
                ]
            }
        };
        if let (Some(login), true) = (login, copy) {
            writes.push(copy_login(email, login)?);
        }
        match self.table.transact(writes).await {
            Ok(()) => Ok(()),
            Err(err) if err.failed_condition_at(0) => Err(LoginWriteError::Concurrent),
            Err(err) if err.failed_condition_at(1) => Err(LoginWriteError::Stale),
            Err(err) => Err(err.into()),
        }
    }

    /// What a refresh token leads to, if it was ever issued and has not expired.
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn refresh_token(
        &self,
        hash: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<RefreshTokenRecord>, DbError> {
        let item = self
            .table
            .get(&keys::refresh_token(hash), true, &[])
            .await?;
        item.map(|item| refresh_record(item, now))
            .transpose()
            .map(Option::flatten)
    }

    /// What a refresh token leads to (as [`Self::refresh_token`]) and the account `owner` it
    /// names, read consistently in one request.
    ///
    /// # Errors
    /// When DynamoDB fails or an item is malformed.
    pub async fn refresh_token_and_owner(
        &self,
        hash: &TokenHash,
        owner: UserId,
        now: Timestamp,
    ) -> Result<(Option<RefreshTokenRecord>, Option<StoredUser>), DbError> {
        let token = keys::refresh_token(hash);
        let items = self
            .table
            .batch_get(vec![token.clone(), keys::user(owner)], &[], true)
            .await?;
        let (mut record, mut user) = (None, None);
        for item in items {
            if matches!(item.get(PK), Some(AttributeValue::S(pk)) if *pk == token.pk) {
                record = refresh_record(item, now)?;
            } else {
                user = Some(stored_user(item)?);
            }
        }
        Ok((record, user))
    }

    /// Rotates a session's refresh token from `presented` to `next`: one transaction whose
    /// condition is that `presented` is still the session's current token, the session is not
    /// revoked and belongs to the account's current epoch. Of two concurrent rotations of one
    /// token, exactly one meets the condition.
    ///
    /// # Errors
    /// [`SpentError::Spent`] when the condition fails: the token was consumed already (reuse)
    /// or the session is over. [`Self::session_reuse`] tells which.
    pub async fn rotate_refresh_token(
        &self,
        record: &RefreshTokenRecord,
        presented: &TokenHash,
        next: &TokenHash,
        epoch: u64,
        now: Timestamp,
    ) -> Result<(), SpentError> {
        let rotation = Expr::new()
            .set("current_token", s(next.as_str()))
            .condition(attr("current_token").eq(s(presented.as_str())))
            .condition(attr("epoch").eq(n(epoch)))
            .condition(attr(EXPIRES_AT).gt(n(ttl(now))))
            .condition(attr("revoked_at").absent());
        let writes = vec![
            Write::update(
                keys::session(record.user, &record.session.to_string()),
                rotation,
            ),
            Write::create(to_item(&RefreshTokenItem::new(next, record))?),
        ];
        match self.table.transact(writes).await {
            Err(err) if err.failed_condition_at(0) => Err(SpentError::Spent),
            other => Ok(other?),
        }
    }

    /// Whether `presented` is a consumed token of its session (not its current one): someone
    /// presented a refresh token a second time.
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn session_reuse(
        &self,
        record: &RefreshTokenRecord,
        presented: &TokenHash,
    ) -> Result<bool, DbError> {
        let key = keys::session(record.user, &record.session.to_string());
        Ok(match self.table.get(&key, true, &[]).await? {
            Some(item) => from_item::<SessionItem>(item)?.current_token != presented.as_str(),
            None => false,
        })
    }

    /// Revokes one session (its whole refresh-token family); a session that is gone is left
    /// so.
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn revoke_session(
        &self,
        user: UserId,
        session: SessionId,
        now: Timestamp,
    ) -> Result<(), DbError> {
        let revoked = Expr::new()
            .set_once("revoked_at", ts(now))
            .condition(attr(PK).exists());
        let write = Write::update(keys::session(user, &session.to_string()), revoked);
        match self.table.write(write).await {
            Ok(()) | Err(DbError::ConditionFailed) => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// Revokes every session of an account at once, by moving its session epoch.
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn revoke_all_sessions(&self, user: UserId) -> Result<(), DbError> {
        let moved = Expr::new()
            .add("session_epoch", n(1))
            .condition(attr(PK).exists());
        match self
            .table
            .write(Write::update(keys::user(user), moved))
            .await
        {
            Ok(()) | Err(DbError::ConditionFailed) => Ok(()),
            Err(err) => Err(err),
        }
    }
}
