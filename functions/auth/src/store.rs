//! The auth table: the only code that talks to DynamoDB. Storage conditions become domain
//! errors here (an email that is taken, a token that is spent, the last admin), never in a
//! handler. Every invariant that spans items is one transaction with conditions, never a read
//! followed by a write that trusts it.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, Put, ReturnValue, TransactWriteItem, Update,
};
use serde::{Deserialize, Serialize};
use shared::config::TableName;
use shared::dynamo::{
    CONFLICT_ATTEMPTS, DbError, EXPIRES_AT, GSI1, GSI1_PK, GSI1_SK, Item, Key, PK, SK, from_item,
    from_items, to_item,
};
use shared::identity::{Role, UserId};
use shared::page::{Listing, Page, decode_cursor, encode_cursor};
use time::OffsetDateTime;

use crate::email::Email;
use crate::keys;
use crate::password::PasswordHash;
use crate::secret::TokenHash;
use crate::session::SessionId;
use crate::throttle::{LoginFailures, ResetRequests};
use crate::user::{Account, DisplayName};

/// The auth table.
#[derive(Debug, Clone)]
pub struct Store {
    db: Client,
    table: TableName,
}

/// An account with what only `auth` sees: its password hash and its session epoch (every
/// session made before the epoch last moved is revoked).
#[derive(Debug, Clone)]
pub struct StoredUser {
    pub account: Account,
    pub password_hash: PasswordHash,
    pub session_epoch: u64,
}

/// Everything kept under an address: its owner and its counters (expired ones left out).
#[derive(Debug, Clone, Default)]
pub struct AddressRecords {
    pub owner: Option<UserId>,
    pub login_failures: Option<LoginFailures>,
    pub reset_requests: Option<ResetRequests>,
}

/// What a refresh token leads to.
#[derive(Debug, Clone)]
pub struct RefreshTokenRecord {
    pub user: UserId,
    pub session: SessionId,
    pub expires_at: i64,
}

/// A new login: its session and first refresh token.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub user: UserId,
    pub session: SessionId,
    pub token: &'a TokenHash,
    /// The account's session epoch when the password was checked.
    pub epoch: u64,
    pub expires_at: i64,
}

/// An email token (verification or reset) and what it is for.
#[derive(Debug, Clone)]
pub struct EmailTokenRecord {
    pub user: UserId,
    pub email: Email,
    /// The account's session epoch when the token was made: a reset token works only while
    /// the password has not changed since.
    pub session_epoch: u64,
    pub expires_at: i64,
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateAccountError {
    #[error("the email address already has an account")]
    EmailTaken,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Why a single-use write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SpentError {
    /// The token was used, expired, or belongs to a state that has moved on.
    #[error("the token is spent")]
    Spent,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Why an account's role or status did not change.
#[derive(Debug, thiserror::Error)]
pub enum AccountChangeError {
    #[error("no such account")]
    NotFound,
    #[error("the last admin cannot be demoted or disabled")]
    LastAdmin,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A change of role or status, by an admin or the operator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountChange {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    /// Set the address as verified (the operator vouches for it).
    pub verify_email: bool,
}

// ----- items -------------------------------------------------------------------------------

#[derive(Serialize, Deserialize)]
struct UserItem {
    pk: String,
    sk: String,
    gsi1pk: String,
    gsi1sk: String,
    entity: String,
    id: UserId,
    email: String,
    name: String,
    role: Role,
    email_verified: bool,
    disabled: bool,
    password_hash: String,
    session_epoch: u64,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
}

impl UserItem {
    fn new(account: &Account, hash: &PasswordHash) -> Self {
        let key = keys::user(account.id);
        Self {
            pk: key.pk,
            sk: key.sk,
            gsi1pk: keys::USERS.into(),
            gsi1sk: keys::user_listing(account.role, account.id),
            entity: "user".into(),
            id: account.id,
            email: account.email.as_str().into(),
            name: account.name.as_str().into(),
            role: account.role,
            email_verified: account.email_verified,
            disabled: account.disabled,
            password_hash: hash.as_str().into(),
            session_epoch: 0,
            created_at: account.created_at,
            updated_at: account.created_at,
        }
    }

    fn into_stored(self) -> Result<StoredUser, DbError> {
        let corrupt = |what: &str| DbError::Other(anyhow::anyhow!("user {}: {what}", self.id));
        Ok(StoredUser {
            account: Account {
                id: self.id,
                email: Email::parse(&self.email).map_err(|_| corrupt("stored email"))?,
                name: DisplayName::parse(&self.name).map_err(|_| corrupt("stored name"))?,
                role: self.role,
                email_verified: self.email_verified,
                disabled: self.disabled,
                created_at: self.created_at,
            },
            password_hash: PasswordHash::from_stored(self.password_hash),
            session_epoch: self.session_epoch,
        })
    }
}

#[derive(Serialize, Deserialize)]
struct EmailGuardItem {
    pk: String,
    sk: String,
    entity: String,
    user_id: UserId,
}

#[derive(Serialize, Deserialize)]
struct LoginFailuresItem {
    failures: u32,
    locked_until_ms: i64,
    expires_at: i64,
}

#[derive(Serialize, Deserialize)]
struct ResetRequestsItem {
    requests: u32,
    expires_at: i64,
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
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
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

#[derive(Deserialize)]
struct EntityItem {
    sk: String,
}

// ----- expression helpers ------------------------------------------------------------------

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn now_text(now: OffsetDateTime) -> AttributeValue {
    s(now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default())
}

fn names(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(placeholder, name)| ((*placeholder).to_owned(), (*name).to_owned()))
        .collect()
}

fn values(pairs: Vec<(&str, AttributeValue)>) -> HashMap<String, AttributeValue> {
    pairs
        .into_iter()
        .map(|(placeholder, value)| (placeholder.to_owned(), value))
        .collect()
}

/// The write of a counter item (failed logins, reset requests): set its count, expiry and
/// one more attribute, on the condition that it still counts `seen` — or, when none was seen,
/// that it is absent or expired. Of the callers that read the same count, the first to write
/// wins and the others' condition fails.
struct CounterWrite {
    expression: String,
    condition: &'static str,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl CounterWrite {
    fn new(
        entity: &'static str,
        (count, value): (&'static str, u32),
        extra: Option<(&'static str, AttributeValue)>,
        expires_at: i64,
        seen: Option<u32>,
        now_s: i64,
    ) -> Self {
        let mut names = vec![
            ("#count", count),
            ("#expires", EXPIRES_AT),
            ("#entity", shared::dynamo::ENTITY),
        ];
        let mut values = vec![
            (":count", n(value)),
            (":expires", n(expires_at)),
            (":entity", s(entity)),
        ];
        let mut expression =
            "SET #count = :count, #expires = :expires, #entity = :entity".to_owned();
        if let Some((attribute, value)) = extra {
            names.push(("#extra", attribute));
            values.push((":extra", value));
            expression.push_str(", #extra = :extra");
        }
        let condition = match seen {
            Some(seen) => {
                values.push((":seen", n(seen)));
                "#count = :seen"
            }
            None => {
                values.push((":now", n(now_s)));
                names.push(("#pk", PK));
                "attribute_not_exists(#pk) OR #expires <= :now"
            }
        };
        Self {
            expression,
            condition,
            names: self::names(&names),
            values: self::values(values),
        }
    }
}

/// A transaction item that builds (builders of the SDK fail only when a required field is
/// missing, which is a bug).
fn built<T, E: std::error::Error + Send + Sync + 'static>(
    result: Result<T, E>,
) -> Result<T, DbError> {
    result.map_err(|e| DbError::Other(anyhow::Error::new(e).context("building a request")))
}

impl Store {
    pub fn new(db: Client, table: TableName) -> Self {
        Self { db, table }
    }

    fn table(&self) -> &str {
        self.table.as_str()
    }

    fn put(&self, item: Item, condition: &str) -> Result<TransactWriteItem, DbError> {
        let put = built(
            Put::builder()
                .table_name(self.table())
                .set_item(Some(item))
                .condition_expression(condition)
                .expression_attribute_names("#pk", PK)
                .build(),
        )?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn delete(&self, key: &Key) -> Result<TransactWriteItem, DbError> {
        let delete = built(
            Delete::builder()
                .table_name(self.table())
                .set_key(Some(key.to_item()))
                .build(),
        )?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    fn update(
        &self,
        key: &Key,
        expression: &str,
        condition: Option<&str>,
        names: HashMap<String, String>,
        values: HashMap<String, AttributeValue>,
    ) -> Result<TransactWriteItem, DbError> {
        let update = built(
            Update::builder()
                .table_name(self.table())
                .set_key(Some(key.to_item()))
                .update_expression(expression)
                .set_condition_expression(condition.map(str::to_owned))
                .set_expression_attribute_names(Some(names))
                .set_expression_attribute_values((!values.is_empty()).then_some(values))
                .build(),
        )?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<(), DbError> {
        shared::dynamo::transact(&self.db, items).await
    }

    async fn get(&self, key: Key) -> Result<Option<Item>, DbError> {
        let output = self
            .db
            .get_item()
            .table_name(self.table())
            .set_key(Some(key.to_item()))
            .consistent_read(true)
            .send()
            .await?;
        Ok(output.item)
    }

    // ----- accounts ------------------------------------------------------------------------

    /// The account `id`, read consistently.
    ///
    /// # Errors
    /// When DynamoDB fails or the item is malformed.
    pub async fn user(&self, id: UserId) -> Result<Option<StoredUser>, DbError> {
        self.get(keys::user(id))
            .await?
            .map(|item| from_item::<UserItem>(item)?.into_stored())
            .transpose()
    }

    /// Creates an account and claims its address, in one transaction: the guard item's
    /// condition makes the address unique whatever runs concurrently. An admin account also
    /// counts itself in the admin count. `verification` is the email token to store with it.
    ///
    /// # Errors
    /// [`CreateAccountError::EmailTaken`] when the address has an account.
    pub async fn create_account(
        &self,
        account: &Account,
        hash: &PasswordHash,
        verification: Option<(&TokenHash, i64)>,
    ) -> Result<(), CreateAccountError> {
        let guard = keys::email_guard(&account.email);
        let mut items = vec![
            self.put(
                to_item(&EmailGuardItem {
                    pk: guard.pk,
                    sk: guard.sk,
                    entity: "email".into(),
                    user_id: account.id,
                })?,
                "attribute_not_exists(#pk)",
            )?,
            self.put(
                to_item(&UserItem::new(account, hash))?,
                "attribute_not_exists(#pk)",
            )?,
        ];
        if let Some((token, expires_at)) = verification {
            let key = keys::verification_token(token);
            items.push(self.put(
                to_item(&EmailTokenItem {
                    pk: key.pk,
                    sk: key.sk,
                    entity: "verification_token".into(),
                    user_id: account.id,
                    email: account.email.as_str().into(),
                    session_epoch: 0,
                    expires_at,
                })?,
                "attribute_not_exists(#pk)",
            )?);
        }
        if account.is_active_admin() {
            items.push(self.admin_count_change(1)?);
        }
        match self.transact(items).await {
            Err(err) if err.failed_condition_at(0) => Err(CreateAccountError::EmailTaken),
            other => Ok(other?),
        }
    }

    fn admin_count_change(&self, delta: i64) -> Result<TransactWriteItem, DbError> {
        // Removing an admin needs another one left: the count must stay at least 1.
        let condition = (delta < 0).then_some("#count >= :floor");
        let mut values = vec![(":delta", n(delta))];
        if delta < 0 {
            values.push((":floor", n(1 - delta)));
        }
        self.update(
            &keys::admin_count(),
            "ADD #count :delta",
            condition,
            names(&[("#count", "active_admins")]),
            self::values(values),
        )
    }

    /// Renames an account and returns it.
    ///
    /// # Errors
    /// When DynamoDB fails. `Ok(None)` when there is no such account.
    pub async fn rename(
        &self,
        id: UserId,
        name: &DisplayName,
        now: OffsetDateTime,
    ) -> Result<Option<StoredUser>, DbError> {
        let result = self
            .db
            .update_item()
            .table_name(self.table())
            .set_key(Some(keys::user(id).to_item()))
            .update_expression("SET #name = :name, #updated = :now")
            .condition_expression("attribute_exists(#pk)")
            .set_expression_attribute_names(Some(names(&[
                ("#name", "name"),
                ("#updated", "updated_at"),
                ("#pk", PK),
            ])))
            .set_expression_attribute_values(Some(values(vec![
                (":name", s(name.as_str())),
                (":now", now_text(now)),
            ])))
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(DbError::from);
        match result {
            Ok(output) => output
                .attributes
                .map(|item| from_item::<UserItem>(item)?.into_stored())
                .transpose(),
            Err(DbError::ConditionFailed) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Changes an account's role or status, keeping at least one active admin: the admin
    /// count changes in the same transaction, on the condition that it stays at least 1, and
    /// the account only if it is still as read. Disabling also revokes every session.
    ///
    /// # Errors
    /// [`AccountChangeError::NotFound`], [`AccountChangeError::LastAdmin`].
    pub async fn change_account(
        &self,
        id: UserId,
        change: AccountChange,
        now: OffsetDateTime,
    ) -> Result<Account, AccountChangeError> {
        // A concurrent change of the same account makes the condition on its role and status
        // fail; read it again and decide again.
        for _ in 0..CONFLICT_ATTEMPTS {
            let Some(current) = self.user(id).await? else {
                return Err(AccountChangeError::NotFound);
            };
            let mut next = current.account.clone();
            next.role = change.role.unwrap_or(next.role);
            next.disabled = change.disabled.unwrap_or(next.disabled);
            next.email_verified |= change.verify_email;
            if next == current.account {
                return Ok(next);
            }
            let mut set = vec![
                "#role = :role",
                "#disabled = :disabled",
                "#verified = :verified",
                "#gsi1sk = :listing",
                "#updated = :now",
            ];
            let mut values = vec![
                (":role", s(next.role.as_str())),
                (":disabled", AttributeValue::Bool(next.disabled)),
                (":verified", AttributeValue::Bool(next.email_verified)),
                (":listing", s(keys::user_listing(next.role, id))),
                (":now", now_text(now)),
                (":old_role", s(current.account.role.as_str())),
                (
                    ":old_disabled",
                    AttributeValue::Bool(current.account.disabled),
                ),
            ];
            let mut names = vec![
                ("#role", "role"),
                ("#disabled", "disabled"),
                ("#verified", "email_verified"),
                ("#gsi1sk", GSI1_SK),
                ("#updated", "updated_at"),
            ];
            if next.disabled && !current.account.disabled {
                set.push("#epoch = #epoch + :one");
                values.push((":one", n(1)));
                names.push(("#epoch", "session_epoch"));
            }
            let mut items = vec![self.update(
                &keys::user(id),
                &format!("SET {}", set.join(", ")),
                Some("#role = :old_role AND #disabled = :old_disabled"),
                self::names(&names),
                self::values(values),
            )?];
            let delta =
                i64::from(next.is_active_admin()) - i64::from(current.account.is_active_admin());
            if delta != 0 {
                items.push(self.admin_count_change(delta)?);
            }
            match self.transact(items).await {
                Ok(()) => return Ok(next),
                Err(err) if err.failed_condition_at(1) => {
                    return Err(AccountChangeError::LastAdmin);
                }
                Err(err) if err.failed_condition_at(0) => continue,
                Err(err) => return Err(err.into()),
            }
        }
        Err(DbError::Unavailable(anyhow::anyhow!(
            "account {id} kept changing under a role change"
        ))
        .into())
    }

    /// One page of accounts, by role and then by creation; of one role only if given.
    ///
    /// # Errors
    /// 400 for a cursor of another listing; DynamoDB's failures.
    pub async fn list_accounts(
        &self,
        role: Option<Role>,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Account>, shared::ApiError> {
        let start = cursor
            .map(|cursor| {
                let key = decode_cursor(
                    cursor,
                    Listing {
                        key_attributes: &[PK, SK, GSI1_PK, GSI1_SK],
                        partition: &[(GSI1_PK, keys::USERS)],
                    },
                )?;
                // A cursor of the whole listing must not start a listing of one role elsewhere.
                let in_role = match (role, key.get(GSI1_SK)) {
                    (None, _) => true,
                    (Some(role), Some(AttributeValue::S(sk))) => {
                        sk.starts_with(&keys::role_listing(role))
                    }
                    (Some(_), _) => false,
                };
                if in_role {
                    Ok(key)
                } else {
                    Err(shared::ApiError::Malformed(
                        "the cursor is not valid for this listing".into(),
                    ))
                }
            })
            .transpose()?;
        let mut query = self
            .db
            .query()
            .table_name(self.table())
            .index_name(GSI1)
            .limit(limit)
            .set_exclusive_start_key(start)
            .expression_attribute_names("#pk", GSI1_PK)
            .expression_attribute_values(":pk", s(keys::USERS));
        query = match role {
            None => query.key_condition_expression("#pk = :pk"),
            Some(role) => query
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :role)")
                .expression_attribute_names("#sk", GSI1_SK)
                .expression_attribute_values(":role", s(keys::role_listing(role))),
        };
        let output = query.send().await.map_err(DbError::from)?;
        let items = from_items::<UserItem>(output.items.unwrap_or_default())?
            .into_iter()
            .map(|item| item.into_stored().map(|user| user.account))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page {
            items,
            next_cursor: encode_cursor(output.last_evaluated_key.as_ref()),
        })
    }

    // ----- addresses -----------------------------------------------------------------------

    /// The owner and counters of an address, in one consistent query of its partition.
    ///
    /// # Errors
    /// When DynamoDB fails or an item is malformed.
    pub async fn address(&self, email: &Email, now_s: i64) -> Result<AddressRecords, DbError> {
        let output = self
            .db
            .query()
            .table_name(self.table())
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":pk", s(keys::email_partition(email)))
            .consistent_read(true)
            .send()
            .await?;
        let mut records = AddressRecords::default();
        for item in output.items.unwrap_or_default() {
            let EntityItem { sk } = from_item(item.clone())?;
            match sk.as_str() {
                keys::EMAIL => records.owner = Some(from_item::<EmailGuardItem>(item)?.user_id),
                keys::LOGIN_FAILURES => {
                    let failures: LoginFailuresItem = from_item(item)?;
                    records.login_failures =
                        (failures.expires_at > now_s).then_some(LoginFailures {
                            count: failures.failures,
                            locked_until_ms: failures.locked_until_ms,
                            expires_at: failures.expires_at,
                        });
                }
                keys::RESET_REQUESTS => {
                    let requests: ResetRequestsItem = from_item(item)?;
                    records.reset_requests =
                        (requests.expires_at > now_s).then_some(ResetRequests {
                            count: requests.requests,
                            expires_at: requests.expires_at,
                        });
                }
                other => tracing::warn!(sk = other, "unknown item in an address partition"),
            }
        }
        Ok(records)
    }

    /// Records a login attempt of `email` as `next`, if the record is still `seen` (nobody
    /// else attempted meanwhile). Returns whether it was recorded: `false` means another
    /// attempt got there first, and this one must not go on.
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn record_login_attempt(
        &self,
        email: &Email,
        seen: Option<&LoginFailures>,
        next: &LoginFailures,
        now_s: i64,
    ) -> Result<bool, DbError> {
        let write = CounterWrite::new(
            "login_failures",
            ("failures", next.count),
            Some(("locked_until_ms", n(next.locked_until_ms))),
            next.expires_at,
            seen.map(|seen| seen.count),
            now_s,
        );
        let result = self
            .db
            .update_item()
            .table_name(self.table())
            .set_key(Some(keys::login_failures(email).to_item()))
            .update_expression(write.expression)
            .condition_expression(write.condition)
            .set_expression_attribute_names(Some(write.names))
            .set_expression_attribute_values(Some(write.values))
            .send()
            .await
            .map_err(DbError::from);
        match result {
            Ok(_) => Ok(true),
            Err(DbError::ConditionFailed) => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// Records a password-reset request of `email` as `next` if the record is still `seen`,
    /// and stores its reset token (when the address has an account), in one transaction.
    /// Returns whether it was recorded.
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn record_reset_request(
        &self,
        email: &Email,
        seen: Option<&ResetRequests>,
        next: &ResetRequests,
        token: Option<(&TokenHash, &EmailTokenRecord)>,
        now_s: i64,
    ) -> Result<bool, DbError> {
        let write = CounterWrite::new(
            "reset_requests",
            ("requests", next.count),
            None,
            next.expires_at,
            seen.map(|seen| seen.count),
            now_s,
        );
        let mut items = vec![self.update(
            &keys::reset_requests(email),
            &write.expression,
            Some(write.condition),
            write.names,
            write.values,
        )?];
        if let Some((hash, record)) = token {
            let key = keys::reset_token(hash);
            items.push(self.put(
                to_item(&EmailTokenItem {
                    pk: key.pk,
                    sk: key.sk,
                    entity: "reset_token".into(),
                    user_id: record.user,
                    email: record.email.as_str().into(),
                    session_epoch: record.session_epoch,
                    expires_at: record.expires_at,
                })?,
                "attribute_not_exists(#pk)",
            )?);
        }
        match self.transact(items).await {
            Ok(()) => Ok(true),
            Err(err) if err.failed_condition_at(0) => Ok(false),
            Err(err) => Err(err),
        }
    }

    // ----- sessions ------------------------------------------------------------------------

    /// Starts a session with its first refresh token, and forgets the address's failed
    /// logins, in one transaction.
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn start_session(
        &self,
        new: NewSession<'_>,
        email: &Email,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        let key = keys::session(new.user, &new.session.to_string());
        let token = keys::refresh_token(new.token);
        let items = vec![
            self.put(
                to_item(&SessionItem {
                    pk: key.pk,
                    sk: key.sk,
                    entity: "session".into(),
                    user_id: new.user,
                    session_id: new.session,
                    current_token: new.token.as_str().into(),
                    epoch: new.epoch,
                    created_at: now,
                    expires_at: new.expires_at,
                })?,
                "attribute_not_exists(#pk)",
            )?,
            self.put(
                to_item(&RefreshTokenItem {
                    pk: token.pk,
                    sk: token.sk,
                    entity: "refresh_token".into(),
                    user_id: new.user,
                    session_id: new.session,
                    expires_at: new.expires_at,
                })?,
                "attribute_not_exists(#pk)",
            )?,
            self.delete(&keys::login_failures(email))?,
        ];
        self.transact(items).await
    }

    /// What a refresh token leads to, if it was ever issued and has not expired.
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn refresh_token(
        &self,
        hash: &TokenHash,
        now_s: i64,
    ) -> Result<Option<RefreshTokenRecord>, DbError> {
        let Some(item) = self.get(keys::refresh_token(hash)).await? else {
            return Ok(None);
        };
        let item: RefreshTokenItem = from_item(item)?;
        Ok((item.expires_at > now_s).then_some(RefreshTokenRecord {
            user: item.user_id,
            session: item.session_id,
            expires_at: item.expires_at,
        }))
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
        now_s: i64,
    ) -> Result<(), SpentError> {
        let key = keys::session(record.user, &record.session.to_string());
        let token = keys::refresh_token(next);
        let items = vec![
            self.update(
                &key,
                "SET #current = :next",
                Some(
                    "#current = :presented AND #epoch = :epoch AND #expires > :now \
                     AND attribute_not_exists(#revoked)",
                ),
                names(&[
                    ("#current", "current_token"),
                    ("#epoch", "epoch"),
                    ("#expires", EXPIRES_AT),
                    ("#revoked", "revoked_at"),
                ]),
                values(vec![
                    (":next", s(next.as_str())),
                    (":presented", s(presented.as_str())),
                    (":epoch", n(epoch)),
                    (":now", n(now_s)),
                ]),
            )?,
            self.put(
                to_item(&RefreshTokenItem {
                    pk: token.pk,
                    sk: token.sk,
                    entity: "refresh_token".into(),
                    user_id: record.user,
                    session_id: record.session,
                    expires_at: record.expires_at,
                })?,
                "attribute_not_exists(#pk)",
            )?,
        ];
        match self.transact(items).await {
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
        Ok(match self.get(key).await? {
            Some(item) => from_item::<SessionItem>(item)?.current_token != presented.as_str(),
            None => false,
        })
    }

    /// Revokes one session (its whole refresh-token family).
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn revoke_session(
        &self,
        user: UserId,
        session: SessionId,
        now: OffsetDateTime,
    ) -> Result<(), DbError> {
        let result = self
            .db
            .update_item()
            .table_name(self.table())
            .set_key(Some(keys::session(user, &session.to_string()).to_item()))
            .update_expression("SET #revoked = if_not_exists(#revoked, :now)")
            .condition_expression("attribute_exists(#pk)")
            .set_expression_attribute_names(Some(names(&[("#revoked", "revoked_at"), ("#pk", PK)])))
            .expression_attribute_values(":now", now_text(now))
            .send()
            .await
            .map_err(DbError::from);
        match result {
            Ok(_) | Err(DbError::ConditionFailed) => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// Revokes every session of an account at once, by moving its session epoch.
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn revoke_all_sessions(&self, user: UserId) -> Result<(), DbError> {
        let result = self
            .db
            .update_item()
            .table_name(self.table())
            .set_key(Some(keys::user(user).to_item()))
            .update_expression("ADD #epoch :one")
            .condition_expression("attribute_exists(#pk)")
            .set_expression_attribute_names(Some(names(&[
                ("#epoch", "session_epoch"),
                ("#pk", PK),
            ])))
            .expression_attribute_values(":one", n(1))
            .send()
            .await
            .map_err(DbError::from);
        match result {
            Ok(_) | Err(DbError::ConditionFailed) => Ok(()),
            Err(err) => Err(err),
        }
    }

    // ----- passwords and email tokens ------------------------------------------------------

    /// Sets a new password for an account whose session epoch is still `epoch`, revoking
    /// every session but `keep` (which moves to the new epoch), and forgets failed logins.
    ///
    /// # Errors
    /// [`SpentError::Spent`] when the epoch moved meanwhile (a concurrent password change or
    /// logout everywhere): the caller's check of the current password is stale.
    pub async fn change_password(
        &self,
        user: &StoredUser,
        hash: &PasswordHash,
        keep: Option<SessionId>,
        now: OffsetDateTime,
    ) -> Result<(), SpentError> {
        let next_epoch = user.session_epoch + 1;
        let mut items = vec![
            self.update(
                &keys::user(user.account.id),
                "SET #hash = :hash, #epoch = :next, #updated = :now",
                Some("#epoch = :epoch"),
                names(&[
                    ("#hash", "password_hash"),
                    ("#epoch", "session_epoch"),
                    ("#updated", "updated_at"),
                ]),
                values(vec![
                    (":hash", s(hash.as_str())),
                    (":next", n(next_epoch)),
                    (":epoch", n(user.session_epoch)),
                    (":now", now_text(now)),
                ]),
            )?,
            self.delete(&keys::login_failures(&user.account.email))?,
        ];
        if let Some(session) = keep {
            items.push(self.update(
                &keys::session(user.account.id, &session.to_string()),
                "SET #epoch = :next",
                Some("attribute_exists(#pk) AND #epoch = :epoch"),
                names(&[("#epoch", "epoch"), ("#pk", PK)]),
                values(vec![
                    (":next", n(next_epoch)),
                    (":epoch", n(user.session_epoch)),
                ]),
            )?);
        }
        match self.transact(items.clone()).await {
            Ok(()) => Ok(()),
            Err(err) if err.failed_condition_at(0) => Err(SpentError::Spent),
            // The caller's session is gone or was already over: change the password anyway,
            // and let that session end with the others.
            Err(err) if err.failed_condition_at(2) => {
                items.truncate(2);
                match self.transact(items).await {
                    Err(err) if err.failed_condition_at(0) => Err(SpentError::Spent),
                    other => Ok(other?),
                }
            }
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
        now_s: i64,
    ) -> Result<Option<EmailTokenRecord>, DbError> {
        self.email_token(keys::verification_token(hash), now_s)
            .await
    }

    /// The password-reset token with this hash, if it exists and has not expired.
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn reset_token(
        &self,
        hash: &TokenHash,
        now_s: i64,
    ) -> Result<Option<EmailTokenRecord>, DbError> {
        self.email_token(keys::reset_token(hash), now_s).await
    }

    async fn email_token(&self, key: Key, now_s: i64) -> Result<Option<EmailTokenRecord>, DbError> {
        let Some(item) = self.get(key).await? else {
            return Ok(None);
        };
        let item: EmailTokenItem = from_item(item)?;
        if item.expires_at <= now_s {
            return Ok(None);
        }
        Ok(Some(EmailTokenRecord {
            user: item.user_id,
            email: Email::parse(&item.email)
                .map_err(|_| DbError::Other(anyhow::anyhow!("a token's stored email")))?,
            session_epoch: item.session_epoch,
            expires_at: item.expires_at,
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
        now: OffsetDateTime,
    ) -> Result<(), SpentError> {
        let items = vec![
            self.spend(keys::verification_token(hash), now)?,
            self.update(
                &keys::user(record.user),
                "SET #verified = :true, #updated = :now",
                Some("attribute_exists(#pk) AND #email = :email"),
                names(&[
                    ("#verified", "email_verified"),
                    ("#updated", "updated_at"),
                    ("#pk", PK),
                    ("#email", "email"),
                ]),
                values(vec![
                    (":true", AttributeValue::Bool(true)),
                    (":now", now_text(now)),
                    (":email", s(record.email.as_str())),
                ]),
            )?,
        ];
        match self.transact(items).await {
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
        now: OffsetDateTime,
    ) -> Result<(), SpentError> {
        let items = vec![
            self.spend(keys::reset_token(hash), now)?,
            self.update(
                &keys::user(record.user),
                "SET #hash = :hash, #verified = :true, #epoch = :next, #updated = :now",
                Some("#epoch = :epoch"),
                names(&[
                    ("#hash", "password_hash"),
                    ("#verified", "email_verified"),
                    ("#epoch", "session_epoch"),
                    ("#updated", "updated_at"),
                ]),
                values(vec![
                    (":hash", s(password.as_str())),
                    (":true", AttributeValue::Bool(true)),
                    (":next", n(record.session_epoch + 1)),
                    (":epoch", n(record.session_epoch)),
                    (":now", now_text(now)),
                ]),
            )?,
            self.delete(&keys::login_failures(&record.email))?,
        ];
        match self.transact(items).await {
            Err(err) if err.failed_any_condition() => Err(SpentError::Spent),
            other => Ok(other?),
        }
    }

    /// Deletes a single-use token, on the condition that it is still there and unexpired.
    fn spend(&self, key: Key, now: OffsetDateTime) -> Result<TransactWriteItem, DbError> {
        let delete = built(
            Delete::builder()
                .table_name(self.table())
                .set_key(Some(key.to_item()))
                .condition_expression("attribute_exists(#pk) AND #expires > :now")
                .set_expression_attribute_names(Some(names(&[
                    ("#pk", PK),
                    ("#expires", EXPIRES_AT),
                ])))
                .expression_attribute_values(":now", n(now.unix_timestamp()))
                .build(),
        )?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }
}
