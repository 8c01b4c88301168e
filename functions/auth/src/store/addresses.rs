//! What is kept under an address, in one partition: its guard (who owns it, and a copy of what
//! a login needs of the account) and its counters (failed logins, password-reset and
//! verification-mail requests), read together in one query.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use shared::clock::Timestamp;
use shared::dynamo::{
    Cond, DbError, ENTITY, EXPIRES_AT, Expr, Item, Key, PK, Query, SK, Write, attr, from_item, n,
    s, to_item, ts,
};
use shared::identity::UserId;

use super::accounts::{LoginCopy, LoginItem};
use super::{EmailTokenRecord, Store, credentials, expiry, ttl};
use crate::email::Email;
use crate::keys;
use crate::secret::TokenHash;
use crate::throttle::{LoginFailures, MailRequests};

/// What claiming an address's skeleton for its account found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkeletonClaim {
    /// The skeleton was nobody's; now it is the account's.
    Claimed,
    /// It was the account's already.
    Held,
    /// Another account's address looks like this one and holds the skeleton.
    Lookalike { owner: Email },
}

/// Everything kept under an address: its owner and its counters (expired ones left out).
#[derive(Debug, Clone, Default)]
pub struct AddressRecords {
    pub owner: Option<UserId>,
    /// The owner's login, as copied onto the guard (`None` on guards written before copies
    /// were kept, until the account's next login writes one).
    pub login: Option<LoginCopy>,
    pub login_failures: Option<LoginFailures>,
    pub reset_requests: Option<MailRequests>,
    pub verify_requests: Option<MailRequests>,
}

/// A kind of mail whose requests are limited per address, and whose link is a stored token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailRequest {
    PasswordReset,
    Verification,
}

impl MailRequest {
    fn counter(self, email: &Email) -> Key {
        match self {
            Self::PasswordReset => keys::reset_requests(email),
            Self::Verification => keys::verify_requests(email),
        }
    }

    fn entity(self) -> &'static str {
        match self {
            Self::PasswordReset => "reset_requests",
            Self::Verification => "verify_requests",
        }
    }

    fn token_item(self, hash: &TokenHash, record: &EmailTokenRecord) -> Result<Item, DbError> {
        match self {
            Self::PasswordReset => credentials::reset_item(hash, record),
            Self::Verification => credentials::verification_item(hash, record),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct EmailGuardItem {
    pk: String,
    sk: String,
    entity: String,
    user_id: UserId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    login: Option<LoginItem>,
}

/// The owner of every address with one skeleton, and the owner's own address (to be told of
/// a lookalike's registration).
#[derive(Serialize, Deserialize)]
struct SkeletonGuardItem {
    pk: String,
    sk: String,
    entity: String,
    user_id: UserId,
    email: String,
}

#[derive(Deserialize)]
struct LoginFailuresItem {
    failures: u32,
    locked_until: Option<Timestamp>,
    expires_at: i64,
}

#[derive(Deserialize)]
struct MailRequestsItem {
    requests: u32,
    expires_at: i64,
}

/// The guard item that makes `login`'s account the owner of `email`, with the copy.
pub(super) fn guard_item(email: &Email, login: &LoginCopy) -> Result<Item, DbError> {
    let key = keys::email_guard(email);
    to_item(&EmailGuardItem {
        pk: key.pk,
        sk: key.sk,
        entity: "email".into(),
        user_id: login.user,
        login: Some(login.to_item()),
    })
}

/// The write of a fresh copy of its owner's login onto `email`'s guard.
pub(super) fn copy_login(email: &Email, login: &LoginCopy) -> Result<Write, DbError> {
    let copy = AttributeValue::M(to_item(&login.to_item())?);
    Ok(Write::update(
        keys::email_guard(email),
        Expr::new()
            .set("login", copy)
            .condition(attr("user_id").eq(s(login.user.to_string()))),
    ))
}

/// The guard item that makes `user` the owner of every address that looks like `email`.
pub(super) fn skeleton_guard_item(email: &Email, user: UserId) -> Result<Item, DbError> {
    let key = keys::skeleton_guard(email);
    to_item(&SkeletonGuardItem {
        pk: key.pk,
        sk: key.sk,
        entity: "email_skeleton".into(),
        user_id: user,
        email: email.as_str().into(),
    })
}

/// A guard that a failed condition saw is gone: guards are never deleted, so this is a bug.
pub fn freed() -> DbError {
    DbError::Other(anyhow::anyhow!("a skeleton guard was taken, then freed"))
}

/// The condition of a counter's write: it still counts `seen`, or, when none was seen, it is
/// absent or expired. Of the callers that read the same count, the first to write wins and
/// the others' condition fails.
pub(super) fn still_counts(counter: &str, seen: Option<u32>, now: Timestamp) -> Cond {
    match seen {
        Some(seen) => attr(counter).eq(n(seen)),
        None => attr(PK).absent().or(attr(EXPIRES_AT).le(n(ttl(now)))),
    }
}

/// The write that makes `email`'s failed logins `next`.
pub(super) fn failures_write(email: &Email, next: &LoginFailures) -> Write {
    let expr = Expr::new()
        .set("failures", n(next.count))
        .set(EXPIRES_AT, n(ttl(next.expires_at)))
        .set(ENTITY, s("login_failures"));
    let expr = match next.locked_until {
        Some(until) => expr.set("locked_until", ts(until)),
        None => expr.remove("locked_until"),
    };
    Write::update(keys::login_failures(email), expr)
}

/// A mail-request counter, unless it has expired.
fn mail_requests(item: Item, now: Timestamp) -> Result<Option<MailRequests>, DbError> {
    let item: MailRequestsItem = from_item(item)?;
    let expires_at = expiry(item.expires_at);
    Ok((expires_at > now).then_some(MailRequests {
        count: item.requests,
        expires_at,
    }))
}

impl Store {
    /// The owner and counters of an address, in one consistent query of its partition.
    ///
    /// # Errors
    /// When DynamoDB fails or an item is malformed.
    pub async fn address(&self, email: &Email, now: Timestamp) -> Result<AddressRecords, DbError> {
        let query = Query::partition(PK, keys::email_partition(email)).consistent();
        let mut records = AddressRecords::default();
        for item in self.table.query(query).await?.items {
            let sk = match item.get(SK) {
                Some(AttributeValue::S(sk)) => sk.clone(),
                _ => continue,
            };
            match sk.as_str() {
                keys::EMAIL => {
                    let guard: EmailGuardItem = from_item(item)?;
                    records.owner = Some(guard.user_id);
                    records.login = guard
                        .login
                        .map(|login| LoginCopy::from_item(guard.user_id, login));
                }
                keys::LOGIN_FAILURES => {
                    let item: LoginFailuresItem = from_item(item)?;
                    let expires_at = expiry(item.expires_at);
                    records.login_failures = (expires_at > now).then_some(LoginFailures {
                        count: item.failures,
                        locked_until: item.locked_until,
                        expires_at,
                    });
                }
                keys::RESET_REQUESTS => records.reset_requests = mail_requests(item, now)?,
                keys::VERIFY_REQUESTS => records.verify_requests = mail_requests(item, now)?,
                other => tracing::warn!(sk = other, "unknown item in an address partition"),
            }
        }
        Ok(records)
    }

    /// The account whose address looks like `email` (holds its skeleton), and that address.
    ///
    /// # Errors
    /// When DynamoDB fails or the item is malformed.
    pub async fn skeleton_owner(&self, email: &Email) -> Result<Option<(UserId, Email)>, DbError> {
        let item = self
            .table
            .get(&keys::skeleton_guard(email), true, &[])
            .await?;
        Ok(item
            .map(from_item::<SkeletonGuardItem>)
            .transpose()?
            .map(|guard| (guard.user_id, Email::from_stored(guard.email))))
    }

    /// Makes `user` the owner of the addresses that look like its address `email`, unless
    /// an account already is: for accounts made before skeleton guards were kept.
    ///
    /// # Errors
    /// When DynamoDB fails or an item is malformed.
    pub async fn claim_skeleton(
        &self,
        email: &Email,
        user: UserId,
    ) -> Result<SkeletonClaim, DbError> {
        let claim = Write::create(skeleton_guard_item(email, user)?);
        match self.table.write(claim).await {
            Ok(()) => return Ok(SkeletonClaim::Claimed),
            Err(DbError::ConditionFailed) => {}
            Err(err) => return Err(err),
        }
        match self.skeleton_owner(email).await? {
            Some((owner, _)) if owner == user => Ok(SkeletonClaim::Held),
            Some((_, owner)) => Ok(SkeletonClaim::Lookalike { owner }),
            None => Err(freed()),
        }
    }

    /// Copies `login` onto the guard of `email`, unless the guard holds a copy already (or is
    /// another account's). Returns whether it wrote one.
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn copy_login_if_missing(
        &self,
        email: &Email,
        login: &LoginCopy,
    ) -> Result<bool, DbError> {
        let write = copy_login(email, login)?.when(attr("login").absent());
        match self.table.write(write).await {
            Ok(()) => Ok(true),
            Err(DbError::ConditionFailed) => Ok(false),
            Err(err) => Err(err),
        }
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
        now: Timestamp,
    ) -> Result<bool, DbError> {
        let write = failures_write(email, next).when(still_counts(
            "failures",
            seen.map(|seen| seen.count),
            now,
        ));
        match self.table.write(write).await {
            Ok(()) => Ok(true),
            Err(DbError::ConditionFailed) => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// Records a request for `kind` of mail to `email` as `next` if the record is still
    /// `seen`. Returns whether it was recorded.
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn record_mail_request(
        &self,
        kind: MailRequest,
        email: &Email,
        seen: Option<&MailRequests>,
        next: &MailRequests,
        now: Timestamp,
    ) -> Result<bool, DbError> {
        let counter = Expr::new()
            .set("requests", n(next.count))
            .set(EXPIRES_AT, n(ttl(next.expires_at)))
            .set(ENTITY, s(kind.entity()))
            .condition(still_counts("requests", seen.map(|seen| seen.count), now));
        match self
            .table
            .write(Write::update(kind.counter(email), counter))
            .await
        {
            Ok(()) => Ok(true),
            Err(DbError::ConditionFailed) => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// Stores the token of a `kind` link (its hash, and whose it is).
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn store_email_token(
        &self,
        kind: MailRequest,
        hash: &TokenHash,
        record: &EmailTokenRecord,
    ) -> Result<(), DbError> {
        self.table
            .write(Write::create(kind.token_item(hash, record)?))
            .await
    }
}
