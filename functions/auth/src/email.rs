//! Email addresses, normalised before any use, and the skeleton that tells which addresses
//! look alike.

use std::fmt;

use email_address::{EmailAddress, Options};
use idna::AsciiDenyList;
use unicode_normalization::UnicodeNormalization;

/// A syntactically valid email address in its one normal form: trimmed, NFKC, lowercased,
/// its domain in IDNA ASCII form (`xn--…` labels, UTS-46 processing). No control, format or
/// invisible character is accepted anywhere in it.
///
/// NFKC makes a full-width `ａ` an `a`; the local part is lowercased too. RFC 5321 lets a
/// server tell `Ada@` from `ada@`, but no mail provider in use does, and two accounts that
/// differ only by case would be a gift to phishing. Lowercasing is Unicode's full lowercase
/// mapping rather than full case folding, which would turn `ß` into `ss` and so send mail to
/// another mailbox. Dots and `+tags` are kept: they are the owner's to use. A plain ASCII
/// address normalises to itself lowercased, as before.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// The longest address SMTP can carry (RFC 5321's path limit, less the angle brackets).
const MAX_LENGTH: usize = 254;

const NOT_AN_ADDRESS: &str = "is not an email address";

impl Email {
    /// Normalises and checks an address typed by a person.
    ///
    /// # Errors
    /// A sentence saying why it is not an address this school can write to.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("is required");
        }
        // Before normalising: NFKC can lengthen text, and a huge input is refused unread.
        if raw.chars().count() > MAX_LENGTH {
            return Err("is too long to be an email address");
        }
        let folded: String = raw
            .nfkc()
            .collect::<String>()
            .to_lowercase()
            .nfkc()
            .collect();
        if folded.chars().any(shared::text::is_invisible) {
            return Err(shared::text::HIDDEN);
        }
        let (local, domain) = folded.rsplit_once('@').ok_or(NOT_AN_ADDRESS)?;
        let domain = idna::domain_to_ascii_cow(domain.as_bytes(), AsciiDenyList::STD3)
            .map_err(|_| NOT_AN_ADDRESS)?;
        let normal = format!("{local}@{domain}");
        if normal.len() > MAX_LENGTH {
            return Err("is too long to be an email address");
        }
        let options = Options::default()
            .without_display_text()
            .without_domain_literal()
            .with_required_tld();
        EmailAddress::parse_with_options(&normal, options).map_err(|_| NOT_AN_ADDRESS)?;
        Ok(Self(normal))
    }

    /// An address as the table holds it, taken as it is: one stored before today's rules
    /// must still be readable (an admin can then see and disable its account), and it is the
    /// key its account's items are under.
    pub fn from_stored(stored: String) -> Self {
        Self(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address's UTS-39 confusable skeleton: two addresses that a reader could take for
    /// each other (Cyrillic `а` for Latin `a`, `rn` for `m`) have the same one. It is taken of
    /// the address as people read it, its domain in Unicode.
    pub fn skeleton(&self) -> String {
        let shown = match self.0.rsplit_once('@') {
            Some((local, domain)) => format!("{local}@{}", idna::domain_to_unicode(domain).0),
            None => self.0.clone(),
        };
        unicode_security::skeleton(&shown).collect()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

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

    #[test]
    fn an_address_is_one_address_however_its_width_or_case_is_typed() {
        for typed in [
            "ADMIN@SKILLPATH.LOCAL",
            "\u{ff41}dmin@skillpath.local",
            "admin@\u{ff53}killpath.local",
            "admin\u{ff20}skillpath\u{3002}local",
        ] {
            assert_eq!(
                Email::parse(typed).map(|e| e.as_str().to_owned()),
                Ok("admin@skillpath.local".to_owned()),
                "{typed:?}"
            );
        }
    }

    #[test]
    fn an_international_domain_is_kept_in_its_ascii_form() {
        let email = Email::parse("Zo\u{eb}@B\u{fc}cher.Example").unwrap();
        assert_eq!(email.as_str(), "zo\u{eb}@xn--bcher-kva.example");
        assert_eq!(Email::parse(email.as_str()), Ok(email));
    }

    #[test]
    fn an_address_with_an_invisible_or_control_character_is_refused() {
        for raw in [
            "admin\u{200b}@skillpath.local",
            "\u{202e}admin@skillpath.local",
            "admin@skill\u{ad}path.local",
            "ad\u{feff}min@skillpath.local",
            "ad\u{3164}min@skillpath.local",
            "admin@skillpath.local\u{0}x",
        ] {
            assert!(Email::parse(raw).is_err(), "{raw:?} was accepted");
        }
    }

    fn invisible_or_control(c: char) -> bool {
        c.is_control() || shared::text::is_invisible(c)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_text_parses_or_is_refused_without_panicking(raw in any::<String>()) {
            let _ = Email::parse(&raw);
        }

        #[test]
        fn a_parsed_address_is_its_own_normal_form_and_hides_nothing(
            raw in "[a-zA-Z0-9.+\u{ff21}-\u{ff3a}\u{430}\u{e9}\u{200b}\u{202e}]{1,12}@[a-zA-Z\u{ff41}-\u{ff5a}\u{fc}\u{ad}]{1,12}\\.(org|local|\u{ff4f}rg)"
        ) {
            if let Ok(email) = Email::parse(&raw) {
                prop_assert!(!email.as_str().chars().any(invisible_or_control), "{:?}", email);
                prop_assert_eq!(Email::parse(email.as_str()), Ok(email.clone()));
            }
        }
    }
}
