//! Email addresses, normalised before any use.

use std::fmt;

use email_address::{EmailAddress, Options};
use unicode_normalization::UnicodeNormalization;

/// A syntactically valid email address in its one normal form: trimmed, NFC, lowercased.
///
/// The local part is lowercased too. RFC 5321 lets a server tell `Ada@` from `ada@`, but no
/// mail provider in use does, and two accounts that differ only by case would be a gift to
/// phishing. Dots and `+tags` are kept: they are the owner's to use.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// The longest address SMTP can carry (RFC 5321's path limit, less the angle brackets).
const MAX_LENGTH: usize = 254;

impl Email {
    /// Normalises and checks an address typed by a person.
    ///
    /// # Errors
    /// A sentence saying why it is not an address this school can write to.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let normal: String = raw.trim().nfc().collect::<String>().to_lowercase();
        if normal.is_empty() {
            return Err("is required");
        }
        if normal.len() > MAX_LENGTH {
            return Err("is too long to be an email address");
        }
        let options = Options::default()
            .without_display_text()
            .without_domain_literal()
            .with_required_tld();
        EmailAddress::parse_with_options(&normal, options)
            .map_err(|_| "is not an email address")?;
        Ok(Self(normal))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_trimmed_and_lowercased() {
        let email = Email::parse("  Ada.Lovelace+School@Example.ORG ").unwrap();
        assert_eq!(email.as_str(), "ada.lovelace+school@example.org");
    }

    #[test]
    fn composed_and_decomposed_accents_are_the_same_address() {
        let composed = Email::parse("ren\u{e9}@example.fr").unwrap();
        let decomposed = Email::parse("rene\u{301}@example.fr").unwrap();
        assert_eq!(composed, decomposed);
    }

    #[test]
    fn things_that_are_not_addresses_are_refused() {
        for raw in [
            "",
            "ada",
            "ada@",
            "@example.org",
            "ada@localhost",
            "Ada <ada@example.org>",
            "ada@[127.0.0.1]",
            "a b@example.org",
        ] {
            assert!(Email::parse(raw).is_err(), "{raw:?} was accepted");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }
}
