//! Accounts: registration, the caller's own account, and the changes of role and status that
//! admins (and the operator's `create-user`) make.

use shared::ApiError;
use shared::clock::Timestamp;
use shared::deadline;
use shared::dynamo::{CONFLICT_ATTEMPTS, DbError};
use shared::identity::{Role, UserId};
use shared::page::{ListError, Page};

use super::{AccountChangeError, ProvisionError, Service};
use crate::email::Email;
use crate::outbox::MailJob;
use crate::password::{Password, PasswordHasher};
use crate::store::{AccountWriteError, CreateAccountError, SkeletonClaim, Store};
use crate::user::{Account, DisplayName};

/// A change of role or status, by an admin or the operator.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccountChange {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    /// Set the address as verified (the operator vouches for it).
    pub verify_email: bool,
}

impl AccountChange {
    /// What `account` becomes.
    fn applied_to(self, account: &Account) -> Account {
        let mut next = account.clone();
        next.role = self.role.unwrap_or(next.role);
        next.disabled = self.disabled.unwrap_or(next.disabled);
        next.email_verified |= self.verify_email;
        next
    }
}

/// Makes `change` to the account `user`, keeping at least one active admin. A demotion and a
/// disable end the account's sessions (its session epoch moves): no token issued before passes
/// a privileged route again, and no refresh token works (see `shared::account`). A promotion
/// ends nothing: privileged routes act on the account's current role, and the next refresh
/// carries it. A change that changes nothing writes nothing.
async fn change_account(
    store: &Store,
    user: UserId,
    change: AccountChange,
    now: Timestamp,
) -> Result<Account, AccountChangeError> {
    let mut attempt = 1;
    loop {
        let Some(current) = store.user(user).await? else {
            return Err(AccountChangeError::NotFound);
        };
        let next = change.applied_to(&current.account);
        if next == current.account {
            return Ok(next);
        }
        let revoke_sessions =
            next.role < current.account.role || (next.disabled && !current.account.disabled);
        match store
            .update_account(&current.account, &next, revoke_sessions, now)
            .await
        {
            Ok(()) => return Ok(next),
            Err(AccountWriteError::LastAdmin) => return Err(AccountChangeError::LastAdmin),
            Err(AccountWriteError::Db(err)) => return Err(err.into()),
            // A concurrent change of the same account: read it again and decide again.
            Err(AccountWriteError::Changed) => {
                let wait = deadline::back_off(attempt);
                if attempt >= CONFLICT_ATTEMPTS || !deadline::allows(wait) {
                    return Err(DbError::Unavailable(anyhow::anyhow!(
                        "account {user} kept changing under a role change"
                    ))
                    .into());
                }
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
        }
    }
}

impl Service {
    /// Registers a learner and orders the mail that follows (see [`crate::outbox`]): a
    /// verification link, or, for an address that already has an account or looks like one
    /// that has (its confusable skeleton is taken), a note to that account's owner. Either way
    /// the answer (a fresh account) and the requests made to find it are the same: registration
    /// must not reveal who has an account.
    ///
    /// # Errors
    /// DynamoDB, SQS or hashing failures.
    pub async fn register(
        &self,
        email: Email,
        password: Password,
        name: DisplayName,
        now: Timestamp,
    ) -> Result<Account, ApiError> {
        let account = Account::new_learner(email, name, now);
        let hash = self.hasher.hash(password).await?;
        match self.store.create_account(&account, &hash).await {
            Ok(()) => tracing::info!(user = %account.id, "account registered"),
            Err(CreateAccountError::EmailTaken | CreateAccountError::LookalikeTaken) => {
                tracing::info!("registration of an address that has an account, or a lookalike");
            }
            Err(CreateAccountError::Db(err)) => return Err(err.into()),
        }
        self.order(MailJob::Registered {
            email: account.email.as_str().into(),
            account: account.id,
        })
        .await?;
        Ok(account)
    }

    /// The account of `user`.
    ///
    /// # Errors
    /// 404 when it does not exist.
    pub async fn account(&self, user: UserId) -> Result<Account, ApiError> {
        match self.store.user(user).await? {
            Some(stored) => Ok(stored.account),
            None => Err(ApiError::NotFound),
        }
    }

    /// Renames an account. Access tokens carry the new name from the next refresh on.
    ///
    /// # Errors
    /// 404 when it does not exist.
    pub async fn rename(
        &self,
        user: UserId,
        name: DisplayName,
        now: Timestamp,
    ) -> Result<Account, ApiError> {
        match self.store.rename(user, &name, now).await? {
            Some(stored) => Ok(stored.account),
            None => Err(ApiError::NotFound),
        }
    }

    /// One page of accounts, of one role if given.
    ///
    /// # Errors
    /// A foreign cursor; DynamoDB failures.
    pub async fn accounts(
        &self,
        role: Option<Role>,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Account>, ListError> {
        self.store.list_accounts(role, limit, cursor).await
    }

    /// Changes an account's role, status or address verification, as the admin `by`; the
    /// school keeps at least one active admin. Nobody changes their own account this way. Each
    /// change is logged as an audit line: who, whom, what.
    ///
    /// # Errors
    /// [`AccountChangeError`].
    pub async fn change_account(
        &self,
        by: UserId,
        user: UserId,
        change: AccountChange,
        now: Timestamp,
    ) -> Result<Account, AccountChangeError> {
        if by == user {
            return Err(AccountChangeError::OwnAccount);
        }
        let account = change_account(&self.store, user, change, now).await?;
        tracing::info!(
            audit = "account_changed",
            admin = %by,
            %user,
            role = ?change.role,
            disabled = ?change.disabled,
            email_verified = change.verify_email,
            "an admin changed an account"
        );
        Ok(account)
    }
}

/// Creates an account with a role, or gives an existing account of that address the role:
/// the operator's `create-user`, through the same store code as the API. The operator vouches
/// for the address, so it counts as verified. Returns the account and whether it was created.
///
/// # Errors
/// [`ProvisionError`].
pub async fn provision(
    store: &Store,
    email: Email,
    name: DisplayName,
    role: Role,
    password: Password,
    now: Timestamp,
) -> Result<(Account, bool), ProvisionError> {
    let mut account = Account::new_learner(email, name, now);
    account.role = role;
    account.email_verified = true;
    let hash = PasswordHasher::new().hash(password).await?;
    match store.create_account(&account, &hash).await {
        Ok(()) => Ok((account, true)),
        Err(CreateAccountError::EmailTaken) => {
            let owner = store
                .address(&account.email, now)
                .await?
                .owner
                .ok_or_else(|| anyhow::anyhow!("the address was taken, then freed"))?;
            let change = AccountChange {
                role: Some(role),
                disabled: None,
                verify_email: true,
            };
            match change_account(store, owner, change, now).await {
                Ok(account) => Ok((account, false)),
                Err(AccountChangeError::LastAdmin) => Err(ProvisionError::LastAdmin),
                Err(AccountChangeError::NotFound | AccountChangeError::OwnAccount) => {
                    Err(anyhow::anyhow!("the address's account {owner} is missing").into())
                }
                Err(AccountChangeError::Db(err)) => Err(err.into()),
            }
        }
        Err(CreateAccountError::LookalikeTaken) => {
            let (_, owner) = store
                .skeleton_owner(&account.email)
                .await?
                .ok_or_else(crate::store::freed)?;
            Err(ProvisionError::Lookalike { owner })
        }
        Err(CreateAccountError::Db(err)) => Err(err.into()),
    }
}

/// What [`claim_skeletons`] did: how many accounts it gave their skeleton guard, and the
/// accounts whose address looks like another account's (each with that other address), for
/// the operator to look into.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SkeletonReport {
    pub claimed: usize,
    pub lookalikes: Vec<(Account, Email)>,
}

/// Gives every account that has none the skeleton guard of its address: accounts made before
/// registration kept them would otherwise leave their lookalikes free. Running it again
/// changes nothing.
///
/// # Errors
/// DynamoDB failures.
pub async fn claim_skeletons(store: &Store) -> Result<SkeletonReport, ListError> {
    let mut report = SkeletonReport::default();
    let mut cursor = None;
    loop {
        let page = store.list_accounts(None, 100, cursor.as_deref()).await?;
        for account in page.items {
            match store.claim_skeleton(&account.email, account.id).await? {
                SkeletonClaim::Claimed => report.claimed += 1,
                SkeletonClaim::Held => {}
                SkeletonClaim::Lookalike { owner } => report.lookalikes.push((account, owner)),
            }
        }
        cursor = page.next_cursor;
        if cursor.is_none() {
            return Ok(report);
        }
    }
}

/// Gives every account whose address's guard has no copy of its login (accounts made before
/// guards kept one) that copy, so that its logins make the two requests every other address's
/// do: until then its login reads the account first, one request more than an unknown
/// address's, which a patient observer could time. Running it again changes nothing.
///
/// # Errors
/// DynamoDB failures.
pub async fn copy_logins(store: &Store) -> Result<usize, ListError> {
    let mut copied = 0;
    let mut cursor = None;
    loop {
        let page = store.list_users(None, 100, cursor.as_deref()).await?;
        for user in page.items {
            if store
                .copy_login_if_missing(&user.account.email, &user.login())
                .await?
            {
                copied += 1;
            }
        }
        cursor = page.next_cursor;
        if cursor.is_none() {
            return Ok(copied);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn learner() -> Account {
        Account::new_learner(
            Email::parse("ada@example.org").unwrap(),
            DisplayName::parse("Ada").unwrap(),
            "2026-12-03T14:00:00Z".parse().unwrap(),
        )
    }

    #[test]
    fn a_change_sets_only_what_it_names_and_never_unverifies() {
        let mut verified = learner();
        verified.email_verified = true;
        let promoted = AccountChange {
            role: Some(Role::Instructor),
            ..AccountChange::default()
        }
        .applied_to(&verified);
        assert_eq!(promoted.role, Role::Instructor);
        assert!(!promoted.disabled);
        assert!(
            promoted.email_verified,
            "a change never unverifies an address"
        );
        let vouched = AccountChange {
            verify_email: true,
            ..AccountChange::default()
        };
        assert!(vouched.applied_to(&learner()).email_verified);
    }

    #[test]
    fn a_change_to_what_the_account_already_is_changes_nothing() {
        let account = learner();
        let same = AccountChange {
            role: Some(Role::Learner),
            disabled: Some(false),
            verify_email: false,
        };
        assert_eq!(same.applied_to(&account), account);
    }
}
