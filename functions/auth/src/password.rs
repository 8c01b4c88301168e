//! Passwords: the rules a new one must meet, and Argon2id hashing off the async executor.
//!
//! A password is any Unicode text, normalised to NFKC first (so the same password typed on
//! two keyboards is the same password), never truncated, and hashed whole: Argon2 has no
//! 72-byte limit. New passwords need 8 to 256 characters and must not be one of the most
//! common passwords (see `data/README.md`).

use std::collections::HashSet;
use std::fmt;
use std::sync::LazyLock;

use argon2::password_hash::PasswordHasher as _;
use argon2::password_hash::PasswordVerifier as _;
use argon2::{Algorithm, Argon2, Params, Version};
use unicode_normalization::UnicodeNormalization;

/// The fewest characters a new password may have.
pub const MIN_CHARS: usize = 8;
/// The most characters a new password may have (far above what anyone types; it bounds the
/// work a request can ask for).
pub const MAX_CHARS: usize = 256;

/// Argon2id at OWASP's recommended floor: 19 MiB of memory, 2 passes, 1 lane.
pub const MEMORY_KIB: u32 = 19 * 1024;
pub const PASSES: u32 = 2;
pub const LANES: u32 = 1;

static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
});

/// A password as someone typed it, normalised. It is never logged, serialised or compared
/// other than through a hash.
pub struct Password(String);

// Never show a password, not even in a debug log.
impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(..)")
    }
}

impl Password {
    /// A password to check against a hash: any text is a password someone may have set.
    pub fn new(typed: &str) -> Self {
        Self(typed.nfkc().collect())
    }

    /// A password someone wants to set.
    ///
    /// # Errors
    /// A sentence saying which rule it breaks.
    pub fn new_choice(typed: &str) -> Result<Self, &'static str> {
        let password = Self::new(typed);
        let chars = password.0.chars().count();
        if chars < MIN_CHARS {
            return Err("must be at least 8 characters long");
        }
        if chars > MAX_CHARS {
            return Err("must be at most 256 characters long");
        }
        if COMMON_PASSWORDS.contains(password.0.to_lowercase().as_str()) {
            return Err("is one of the most common passwords; choose one that is harder to guess");
        }
        Ok(password)
    }

    fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// A password hash: an Argon2 PHC string (`$argon2id$v=19$m=...`). Never logged or sent.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

impl PasswordHash {
    /// A hash as stored.
    pub fn from_stored(phc: String) -> Self {
        Self(phc)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A made-up hash with the parameters above (random salt and output: no password is known to
/// produce it). A login for an unknown email is checked against it, so it costs what a real
/// check costs.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$3Wz9Yk3xK0m1vQ0sbnA5Yw$QvG2o3Zkq8W3a1wRQ6Ht5bG9yVn1uQ3f0i8m8m2Vb1c";

/// Hashes and checks passwords on the blocking thread pool: an Argon2 run takes tens of
/// milliseconds of CPU, which must not stall the async executor.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    params: Params,
}

impl Default for PasswordHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl PasswordHasher {
    /// A hasher with the parameters above.
    ///
    /// # Panics
    /// Never: the parameters are valid constants.
    pub fn new() -> Self {
        #[allow(clippy::expect_used)]
        let params = Params::new(MEMORY_KIB, PASSES, LANES, None).expect("valid Argon2 parameters");
        Self { params }
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Hashes a password with a fresh random salt.
    ///
    /// # Errors
    /// When the blocking pool is gone or the system's random source fails.
    pub async fn hash(&self, password: Password) -> anyhow::Result<PasswordHash> {
        let argon2 = self.argon2();
        tokio::task::spawn_blocking(move || {
            argon2
                .hash_password(password.as_bytes())
                .map(|hash| PasswordHash(hash.to_string()))
                .map_err(|e| anyhow::anyhow!("hashing a password failed: {e}"))
        })
        .await?
    }

    /// Whether `password` matches `hash`. Without a hash (an unknown account) it checks against
    /// a dummy hash, so the answer takes as long, and is always false.
    ///
    /// # Errors
    /// When the stored hash is not a PHC string this hasher can read, or the pool is gone.
    pub async fn verify(
        &self,
        password: Password,
        hash: Option<PasswordHash>,
    ) -> anyhow::Result<bool> {
        let argon2 = self.argon2();
        tokio::task::spawn_blocking(move || {
            let known = hash.is_some();
            let phc = hash.map_or_else(|| DUMMY_HASH.to_owned(), |h| h.0);
            match argon2.verify_password(password.as_bytes(), phc.as_str()) {
                Ok(()) => Ok(known),
                Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
                Err(e) => Err(anyhow::anyhow!("checking a password hash failed: {e}")),
            }
        })
        .await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_length_rules_count_characters_not_bytes() {
        assert!(Password::new_choice("seven77").is_err());
        assert!(Password::new_choice("ünïcødé").is_err(), "7 characters");
        assert!(Password::new_choice("ünïcødé!").is_ok(), "8 characters");
        assert!(Password::new_choice(&"x".repeat(MAX_CHARS)).is_ok());
        assert!(Password::new_choice(&"x".repeat(MAX_CHARS + 1)).is_err());
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        for common in ["password", "Password1", "QWERTYUIOP", "iloveyou1"] {
            assert!(
                Password::new_choice(common).is_err(),
                "{common} was accepted"
            );
        }
        assert!(Password::new_choice("correct horse battery staple").is_ok());
    }

    #[test]
    fn the_common_password_list_has_more_than_ten_thousand_entries() {
        assert!(
            COMMON_PASSWORDS.len() > 10_000,
            "{}",
            COMMON_PASSWORDS.len()
        );
    }

    #[test]
    fn compatibility_forms_normalise_to_the_same_password() {
        // U+FB01 is the "fi" ligature; NFKC turns it into "fi".
        assert_eq!(
            Password::new("\u{fb01}sherman").0,
            Password::new("fisherman").0
        );
    }

    #[test]
    fn debug_output_never_shows_a_password_or_hash() {
        let shown = format!(
            "{:?} {:?}",
            Password::new("hunter2-secret"),
            PasswordHash::from_stored("$argon2id$v=19$secret".into())
        );
        assert!(!shown.contains("secret"), "{shown}");
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_no_other() {
        let hasher = PasswordHasher::new();
        let hash = hasher
            .hash(Password::new("a long passphrase"))
            .await
            .unwrap();
        assert!(hash.as_str().starts_with(&format!(
            "$argon2id$v=19$m={MEMORY_KIB},t={PASSES},p={LANES}$"
        )));
        assert!(
            hasher
                .verify(Password::new("a long passphrase"), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify(Password::new("a long passphrasf"), Some(hash))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn an_unknown_account_is_checked_against_a_dummy_with_the_same_parameters() {
        assert!(DUMMY_HASH.starts_with(&format!(
            "$argon2id$v=19$m={MEMORY_KIB},t={PASSES},p={LANES}$"
        )));
        let hasher = PasswordHasher::new();
        assert!(
            !hasher
                .verify(Password::new("anything"), None)
                .await
                .unwrap()
        );
    }
}
