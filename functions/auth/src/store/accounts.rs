//! Accounts: the account items, the admin count that keeps the school's last admin, and the
//! listing of users.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use shared::clock::Timestamp;
use shared::dynamo::{
    Cond, DbError, Expr, GSI1, GSI1_PK, GSI1_SK, Item, PK, Query, SK, Write, attr, from_item, n, s,
    to_item, ts,
};
use shared::identity::{Role, UserId};
use shared::page::{CursorError, ListError, Listing, Page, read_page};

use super::{Store, addresses};
use crate::email::Email;
use crate::keys;
use crate::password::PasswordHash;
use crate::user::{Account, DisplayName};

/// An account with what only `auth` sees: its password hash and its session epoch (every
/// session made before the epoch last moved is revoked).
#[derive(Debug, Clone)]
pub struct StoredUser {
    pub account: Account,
    pub password_hash: PasswordHash,
    pub session_epoch: u64,
}

impl StoredUser {
    /// What a login needs of this account.
    pub fn login(&self) -> LoginCopy {
        LoginCopy {
            user: self.account.id,
            password_hash: self.password_hash.clone(),
            session_epoch: self.session_epoch,
            role: self.account.role,
            name: self.account.name.clone(),
            disabled: self.account.disabled,
        }
    }
}

/// What a login needs of an account: the hash its password is checked against, and what its
/// tokens say. A copy is kept on the address's guard item, so that the one query that reads the
/// address's failed logins finds it too ([`Store::address`]); a login answers on the condition
/// that the account still holds the copy ([`Store::answer_login`]), so a copy the account has
/// moved on from (a new password, role, name or session epoch; disabled) never decides one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginCopy {
    pub user: UserId,
    pub password_hash: PasswordHash,
    pub session_epoch: u64,
    pub role: Role,
    pub name: DisplayName,
    pub disabled: bool,
}

/// A [`LoginCopy`] as the guard item keeps it (the account's own attribute names).
#[derive(Serialize, Deserialize)]
pub(super) struct LoginItem {
    password_hash: String,
    session_epoch: u64,
    role: Role,
    name: String,
    disabled: bool,
}

impl LoginCopy {
    pub(super) fn from_item(user: UserId, item: LoginItem) -> Self {
        Self {
            user,
            password_hash: PasswordHash::from_stored(item.password_hash),
            session_epoch: item.session_epoch,
            role: item.role,
            name: DisplayName::from_stored(&item.name),
            disabled: item.disabled,
        }
    }

    pub(super) fn to_item(&self) -> LoginItem {
        LoginItem {
            password_hash: self.password_hash.as_str().into(),
            session_epoch: self.session_epoch,
            role: self.role,
            name: self.name.as_str().into(),
            disabled: self.disabled,
        }
    }

    /// The condition that the account item still holds this copy.
    pub(super) fn still_held(&self) -> Cond {
        Cond::all([
            attr("password_hash").eq(s(self.password_hash.as_str())),
            attr("session_epoch").eq(n(self.session_epoch)),
            attr("role").eq(s(self.role.as_str())),
            attr("name").eq(s(self.name.as_str())),
            attr("disabled").eq(AttributeValue::Bool(self.disabled)),
        ])
    }
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateAccountError {
    #[error("the email address already has an account")]
    EmailTaken,
    /// Another account's address looks like this one (has its confusable skeleton); which one,
    /// [`Store::skeleton_owner`] tells.
    #[error("an account's address looks like this one")]
    LookalikeTaken,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Why an account was not updated.
#[derive(Debug, thiserror::Error)]
pub enum AccountWriteError {
    /// Its role or status is no longer what was read (or it is gone).
    #[error("the account changed meanwhile")]
    Changed,
    #[error("the last admin cannot be demoted or disabled")]
    LastAdmin,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The listing of every account, on `gsi1`.
const USERS_LISTING: Listing<'static> = Listing {
    key_attributes: &[PK, SK, GSI1_PK, GSI1_SK],
    partition: &[(GSI1_PK, keys::USERS)],
};

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
    created_at: Timestamp,
    updated_at: Timestamp,
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

    fn into_stored(self) -> StoredUser {
        StoredUser {
            account: Account {
                id: self.id,
                email: Email::from_stored(self.email),
                name: DisplayName::from_stored(&self.name),
                role: self.role,
                email_verified: self.email_verified,
                disabled: self.disabled,
                created_at: self.created_at,
            },
            password_hash: PasswordHash::from_stored(self.password_hash),
            session_epoch: self.session_epoch,
        }
    }
}

pub(super) fn stored_user(item: Item) -> Result<StoredUser, DbError> {
    Ok(from_item::<UserItem>(item)?.into_stored())
}

/// The change of the active-admin count by `delta`. Removing an admin needs another one left:
/// the count must stay at least 1.
fn admin_count_change(delta: i64) -> Write {
    let write = Write::update(
        keys::admin_count(),
        Expr::new().add("active_admins", n(delta)),
    );
    if delta < 0 {
        write.when(attr("active_admins").ge(n(1 - delta)))
    } else {
        write
    }
}

impl Store {
    /// The account `id`, read consistently.
    ///
    /// # Errors
    /// When DynamoDB fails or the item is malformed.
    pub async fn user(&self, id: UserId) -> Result<Option<StoredUser>, DbError> {
        self.table
            .get(&keys::user(id), true, &[])
            .await?
            .map(stored_user)
            .transpose()
    }

    /// Creates an account and claims its address and the address's skeleton, in one
    /// transaction: the guard items' conditions make the address, and every address that looks
    /// like it, one account's whatever runs concurrently. An admin account also
    /// counts itself in the admin count.
    ///
    /// # Errors
    /// [`CreateAccountError::EmailTaken`] when the address has an account;
    /// [`CreateAccountError::LookalikeTaken`] when an address that looks like it has one.
    pub async fn create_account(
        &self,
        account: &Account,
        hash: &PasswordHash,
    ) -> Result<(), CreateAccountError> {
        let login = StoredUser {
            account: account.clone(),
            password_hash: hash.clone(),
            session_epoch: 0,
        }
        .login();
        let mut writes = vec![
            Write::create(addresses::guard_item(&account.email, &login)?),
            Write::create(addresses::skeleton_guard_item(&account.email, account.id)?),
            Write::create(to_item(&UserItem::new(account, hash))?),
        ];
        if account.is_active_admin() {
            writes.push(admin_count_change(1));
        }
        match self.table.transact(writes).await {
            Err(err) if err.failed_condition_at(0) => Err(CreateAccountError::EmailTaken),
            Err(err) if err.failed_condition_at(1) => Err(CreateAccountError::LookalikeTaken),
            other => Ok(other?),
        }
    }

    /// Renames an account and returns it; `None` when there is no such account.
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn rename(
        &self,
        id: UserId,
        name: &DisplayName,
        now: Timestamp,
    ) -> Result<Option<StoredUser>, DbError> {
        let expr = Expr::new()
            .set("name", s(name.as_str()))
            .set("updated_at", ts(now))
            .condition(attr(PK).exists());
        match self.table.update_returning(keys::user(id), expr).await {
            Ok(item) => item.map(stored_user).transpose(),
            Err(DbError::ConditionFailed) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Writes `after` over the account read as `before`, on the condition that its role and
    /// status are still as read; the admin count changes in the same transaction, on the
    /// condition that it stays at least 1. `revoke_sessions` moves the session epoch too.
    ///
    /// # Errors
    /// [`AccountWriteError::Changed`] when the account changed (or went) meanwhile;
    /// [`AccountWriteError::LastAdmin`] when it is the last active admin.
    pub async fn update_account(
        &self,
        before: &Account,
        after: &Account,
        revoke_sessions: bool,
        now: Timestamp,
    ) -> Result<(), AccountWriteError> {
        let mut expr = Expr::new()
            .set("role", s(after.role.as_str()))
            .set("disabled", AttributeValue::Bool(after.disabled))
            .set("email_verified", AttributeValue::Bool(after.email_verified))
            .set(GSI1_SK, s(keys::user_listing(after.role, after.id)))
            .set("updated_at", ts(now))
            .condition(attr("role").eq(s(before.role.as_str())))
            .condition(attr("disabled").eq(AttributeValue::Bool(before.disabled)));
        if revoke_sessions {
            expr = expr.add("session_epoch", n(1));
        }
        let mut writes = vec![Write::update(keys::user(after.id), expr)];
        let delta = i64::from(after.is_active_admin()) - i64::from(before.is_active_admin());
        if delta != 0 {
            writes.push(admin_count_change(delta));
        }
        match self.table.transact(writes).await {
            Ok(()) => Ok(()),
            Err(err) if err.failed_condition_at(1) => Err(AccountWriteError::LastAdmin),
            Err(err) if err.failed_condition_at(0) => Err(AccountWriteError::Changed),
            Err(err) => Err(err.into()),
        }
    }

    /// One page of accounts, by role and then by creation; of one role only if given.
    ///
    /// # Errors
    /// [`ListError::Cursor`] for a cursor of another listing; DynamoDB's failures.
    pub async fn list_accounts(
        &self,
        role: Option<Role>,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Account>, ListError> {
        Ok(self
            .list_users(role, limit, cursor)
            .await?
            .map(|user| user.account))
    }

    /// [`Store::list_accounts`], each account with what only `auth` sees.
    ///
    /// # Errors
    /// [`ListError::Cursor`] for a cursor of another listing; DynamoDB's failures.
    pub async fn list_users(
        &self,
        role: Option<Role>,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<StoredUser>, ListError> {
        let mut query = Query::partition(GSI1_PK, keys::USERS).on(GSI1).limit(limit);
        if let Some(role) = role {
            let prefix = keys::role_listing(role);
            // A cursor of the whole listing must not start a listing of one role elsewhere.
            if let Some(cursor) = cursor {
                match self.cursors.decode(cursor, USERS_LISTING)?.get(GSI1_SK) {
                    Some(AttributeValue::S(sk)) if sk.starts_with(&prefix) => {}
                    _ => return Err(CursorError.into()),
                }
            }
            query = query.sort_begins_with(GSI1_SK, prefix);
        }
        read_page(
            &self.table,
            &self.cursors,
            query,
            USERS_LISTING,
            cursor,
            stored_user,
        )
        .await
    }
}
