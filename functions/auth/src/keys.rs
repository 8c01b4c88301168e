//! Every key of the auth table, in one place (single-table design).
//!
//! | item | `pk` | `sk` | `gsi1pk` / `gsi1sk` |
//! |---|---|---|---|
//! | account | `USER#{user}` | `USER` | `USERS` / `{role}#{user}` |
//! | session (a refresh-token family) | `USER#{user}` | `SESSION#{session}` | |
//! | refresh token, current or consumed | `REFRESH#{sha256}` | `REFRESH` | |
//! | email-verification token | `VERIFY#{sha256}` | `VERIFY` | |
//! | password-reset token | `RESET#{sha256}` | `RESET` | |
//! | email guard: who owns an address, and a copy of what a login needs of the account | `EMAIL#{email}` | `EMAIL` | |
//! | skeleton guard: who owns the addresses that look like it | `SKELETON#{sha256}` | `SKELETON` | |
//! | consecutive failed logins for an address | `EMAIL#{email}` | `LOGIN_FAILURES` | |
//! | password-reset requests for an address | `EMAIL#{email}` | `RESET_REQUESTS` | |
//! | verification-mail requests for an address | `EMAIL#{email}` | `VERIFY_REQUESTS` | |
//! | the number of active admins | `ADMINS` | `COUNT` | |
//!
//! The skeleton guard is keyed by the SHA-256 (base64url) of the address's UTS-39 skeleton
//! ([`Email::skeleton`]), which can be longer than a key may be.
//! An address's guard and counters share a partition, so one `Query` reads all of them.
//! Accounts are listed through `gsi1`, by role and then by creation (user ids are UUIDv7).
//! The account and session keys are a contract with the other functions, which read both to
//! authorize privileged requests: they live in [`shared::account`].

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use shared::dynamo::Key;
use shared::identity::{Role, UserId};

use crate::email::Email;
use crate::secret::TokenHash;

pub const EMAIL: &str = "EMAIL";
pub const LOGIN_FAILURES: &str = "LOGIN_FAILURES";
pub const RESET_REQUESTS: &str = "RESET_REQUESTS";
pub const SKELETON: &str = "SKELETON";
pub const VERIFY_REQUESTS: &str = "VERIFY_REQUESTS";

/// The `gsi1pk` of every account: the listing of users.
pub const USERS: &str = "USERS";

pub fn user(id: UserId) -> Key {
    shared::account::account_key(id)
}

/// The account's `gsi1sk`: listed by role, then by creation.
pub fn user_listing(role: Role, id: UserId) -> String {
    format!("{role}#{id}")
}

/// The prefix of `gsi1sk` shared by every account of `role`.
pub fn role_listing(role: Role) -> String {
    format!("{role}#")
}

pub fn session(user: UserId, session: &str) -> Key {
    shared::account::session_key(user, session)
}

pub fn refresh_token(hash: &TokenHash) -> Key {
    Key::new(format!("REFRESH#{}", hash.as_str()), "REFRESH")
}

pub fn verification_token(hash: &TokenHash) -> Key {
    Key::new(format!("VERIFY#{}", hash.as_str()), "VERIFY")
}

pub fn reset_token(hash: &TokenHash) -> Key {
    Key::new(format!("RESET#{}", hash.as_str()), "RESET")
}

/// The partition of everything keyed by an address.
pub fn email_partition(email: &Email) -> String {
    format!("EMAIL#{email}")
}

pub fn email_guard(email: &Email) -> Key {
    Key::new(email_partition(email), EMAIL)
}

pub fn skeleton_guard(email: &Email) -> Key {
    let digest = Sha256::digest(email.skeleton().as_bytes());
    Key::new(
        format!("SKELETON#{}", URL_SAFE_NO_PAD.encode(digest)),
        SKELETON,
    )
}

pub fn login_failures(email: &Email) -> Key {
    Key::new(email_partition(email), LOGIN_FAILURES)
}

pub fn reset_requests(email: &Email) -> Key {
    Key::new(email_partition(email), RESET_REQUESTS)
}

pub fn verify_requests(email: &Email) -> Key {
    Key::new(email_partition(email), VERIFY_REQUESTS)
}

pub fn admin_count() -> Key {
    Key::new("ADMINS", "COUNT")
}
