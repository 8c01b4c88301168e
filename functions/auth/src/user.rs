//! Accounts: who someone is at the school, as they and the admins see it.

use std::fmt;

use serde::{Serialize, Serializer};
use shared::clock::Timestamp;
use shared::identity::{Role, UserId};

use crate::email::Email;

/// The name an account shows (on certificates too): trimmed, 1 to 100 characters, no control
/// characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

const MAX_NAME_CHARS: usize = 100;

impl DisplayName {
    /// # Errors
    /// A sentence saying what is wrong with it.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let name = raw.trim();
        if name.is_empty() {
            return Err("is required");
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err("must be at most 100 characters long");
        }
        if name.chars().any(char::is_control) {
            return Err("must not contain control characters");
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for DisplayName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl Serialize for Email {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// An account, as the API shows it to its owner and to admins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: UserId,
    pub email: Email,
    pub name: DisplayName,
    pub role: Role,
    pub email_verified: bool,
    /// A disabled account cannot log in or refresh; only an admin can enable it again.
    pub disabled: bool,
    pub created_at: Timestamp,
}

impl Account {
    /// A new learner account, as registration creates it at `now`.
    pub fn new_learner(email: Email, name: DisplayName, now: Timestamp) -> Self {
        Self {
            id: UserId::new(),
            email,
            name,
            role: Role::Learner,
            email_verified: false,
            disabled: false,
            created_at: now,
        }
    }

    /// Whether this account counts towards the admins the school must keep.
    pub fn is_active_admin(&self) -> bool {
        self.role == Role::Admin && !self.disabled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("  Ada  ").unwrap().as_str(), "Ada");
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse(&"n".repeat(101)).is_err());
        assert!(DisplayName::parse("Ada\u{0}Lovelace").is_err());
        assert!(DisplayName::parse("Zoë Ŝtraße 李").is_ok());
    }

    #[test]
    fn an_account_shows_its_fields_in_snake_case() {
        let account = Account::new_learner(
            Email::parse("ada@example.org").unwrap(),
            DisplayName::parse("Ada").unwrap(),
            "2026-12-03T14:15:41.123456Z".parse().unwrap(),
        );
        let json = serde_json::to_value(&account).unwrap();
        assert_eq!(json["role"], "learner");
        assert_eq!(json["email"], "ada@example.org");
        assert_eq!(json["email_verified"], false);
        assert_eq!(json["created_at"], "2026-12-03T14:15:41.123456Z");
    }
}
