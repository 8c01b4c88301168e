//! Sessions: each a family of refresh tokens whose one current token is rotated on every use,
//! and the refresh-token items that lead back to their session.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use shared::clock::Timestamp;
use shared::dynamo::{
    DbError, EXPIRES_AT, Expr, Item, PK, Write, attr, from_item, n, s, to_item, ts,
};
use shared::identity::UserId;

use super::accounts::stored_user;
use super::{SpentError, Store, StoredUser, expiry, ttl};
use crate::email::Email;
use crate::keys;
use crate::secret::TokenHash;
use crate::session::SessionId;

/// What a refresh token leads to.
#[derive(Debug, Clone)]
pub struct RefreshTokenRecord {
    pub user: UserId,
    pub session: SessionId,
    pub expires_at: Timestamp,
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
    /// Starts a session with its first refresh token, and forgets the address's failed
    /// logins, in one transaction.
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn start_session(
        &self,
        new: NewSession<'_>,
        email: &Email,
        now: Timestamp,
    ) -> Result<(), DbError> {
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
        let writes = vec![
            Write::create(to_item(&session)?),
            Write::create(to_item(&RefreshTokenItem::new(new.token, &first))?),
            Write::delete(keys::login_failures(email)),
        ];
        self.table.transact(writes).await
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
