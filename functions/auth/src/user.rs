//! Accounts: who someone is at the school, as they and the admins see it.

use std::fmt;

use serde::{Serialize, Serializer};
use shared::clock::Timestamp;
use shared::identity::{Role, UserId};

use crate::email::Email;

/// The name an account shows (on certificates too): trimmed, NFC, 1 to 100 characters, and
/// nothing hidden — no control, format or invisible character ([`shared::text`]), so a bidi
/// override cannot reorder what a certificate says. Any script is welcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

const MAX_NAME_CHARS: usize = 100;

/// What a stored name that holds nothing visible reads as.
pub const UNNAMED: &str = "Unnamed";

impl DisplayName {
    /// # Errors
    /// A sentence saying what is wrong with it.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let name = shared::text::one_line(raw)?;
        if name.is_empty() {
            return Err("is required");
        }
        if name.chars().count() > MAX_NAME_CHARS {
            return Err("must be at most 100 characters long");
        }
        Ok(Self(name))
    }

    /// A name as the table holds it. One stored before today's rules may hold hidden
    /// characters: they are left out, so that no token or certificate made from now on
    /// carries them; a name of nothing else reads as [`UNNAMED`].
    pub fn from_stored(stored: &str) -> Self {
        let visible: String = stored
            .chars()
            .filter(|c| !shared::text::is_invisible(*c))
            .collect();
        Self::parse(&visible).unwrap_or_else(|_| Self(UNNAMED.to_owned()))
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
    use proptest::prelude::*;

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
    fn a_name_with_a_bidi_override_or_an_invisible_character_is_refused() {
        for raw in [
            "Ada \u{202e}ecalevoL",
            "Ada\u{200b}Lovelace",
            "\u{2066}Ada\u{2069}",
        ] {
            assert!(DisplayName::parse(raw).is_err(), "{raw:?} was accepted");
        }
    }

    #[test]
    fn names_in_any_script_are_accepted_as_written() {
        for raw in [
            "Zo\u{eb} \u{c5}ngstr\u{f6}m",
            "\u{674e}\u{5c0f}\u{9f8d}",
            "\u{645}\u{62d}\u{645}\u{62f} \u{639}\u{628}\u{62f} \u{627}\u{644}\u{644}\u{647}",
        ] {
            assert_eq!(
                DisplayName::parse(raw).map(|n| n.as_str().to_owned()),
                Ok(raw.to_owned())
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn a_parsed_name_is_its_own_normal_form_and_hides_nothing(raw in any::<String>()) {
            if let Ok(name) = DisplayName::parse(&raw) {
                prop_assert!(!name.as_str().chars().any(char::is_control), "{:?}", name);
                prop_assert_eq!(shared::text::hidden(name.as_str()), None, "{:?}", name);
                prop_assert_eq!(DisplayName::parse(name.as_str()), Ok(name.clone()));
            }
        }

        #[test]
        fn a_name_mixing_letters_and_invisibles_is_refused_iff_it_holds_one(
            raw in "[A-Za-z\u{eb}\u{674e}\u{645} \u{200b}\u{202e}]{1,20}"
        ) {
            let invisible = raw.contains(['\u{200b}', '\u{202e}']);
            prop_assert_eq!(DisplayName::parse(&raw).is_err(), invisible || raw.trim().is_empty());
        }
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
