//! Passwords: the rules a new one must meet, and Argon2id hashing off the async executor.
//!
//! A password is any Unicode text, normalised to NFKC first (so the same password typed on
//! two keyboards is the same password), never truncated, and hashed whole: Argon2 has no
//! 72-byte limit. New passwords need 8 to 256 characters and must not be one of the most
//! common passwords (see `data/README.md`).

use std::collections::HashSet;
use std::fmt;
use std::sync::{Arc, LazyLock, Mutex};

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash as PhcString, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
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
/// Random bytes in a salt (the PHC string format's recommendation).
const SALT_BYTES: usize = 16;

static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
});

/// A password as someone typed it, normalised. It is never logged, serialised or compared
/// other than through a hash. (Cloned only when a login checks it twice: the account changed
/// after the copy it was first checked against was read.)
#[derive(Clone)]
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
///
/// Argon2's 19 MiB of working memory is kept between runs and reused by the next: allocated
/// afresh for each run (what `argon2`'s `PasswordHasher` does), a run paid ~5 ms of its ~25 in
/// page faults, and the allocator kept several copies, so that a warm `auth` held ~135 MiB
/// after a few logins (BENCHMARKS.md §4). Runs that meet another one in progress take memory
/// of their own, as before.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    params: Params,
    memory: Arc<Mutex<Vec<Block>>>,
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
        Self {
            params,
            memory: Arc::default(),
        }
    }

    /// Hashes a password with a fresh random salt.
    ///
    /// # Errors
    /// When the blocking pool is gone or the system's random source fails.
    pub async fn hash(&self, password: Password) -> anyhow::Result<PasswordHash> {
        let (params, memory) = (self.params.clone(), self.memory.clone());
        tokio::task::spawn_blocking(move || {
            let mut salt = [0u8; SALT_BYTES];
            aws_lc_rs::rand::fill(&mut salt)
                .map_err(|_| anyhow::anyhow!("the system's random source failed"))?;
            let phc = PhcString {
                algorithm: Algorithm::Argon2id.ident(),
                version: Some(Version::V0x13.into()),
                params: ParamsString::try_from(&params).map_err(hash_error)?,
                salt: Some(Salt::new(&salt).map_err(hash_error)?),
                hash: Some(run(
                    &memory,
                    Algorithm::Argon2id,
                    Version::V0x13,
                    params,
                    &password,
                    &salt,
                )?),
            };
            Ok(PasswordHash(phc.to_string()))
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
        let memory = self.memory.clone();
        tokio::task::spawn_blocking(move || {
            let known = hash.is_some();
            let phc = hash.map_or_else(|| DUMMY_HASH.to_owned(), |h| h.0);
            let phc = PhcString::new(&phc).map_err(hash_error)?;
            let (Some(salt), Some(expected)) = (&phc.salt, &phc.hash) else {
                anyhow::bail!("a stored password hash has no salt or no output");
            };
            let algorithm = Algorithm::try_from(phc.algorithm.as_str()).map_err(hash_error)?;
            let version = phc
                .version
                .map(Version::try_from)
                .transpose()
                .map_err(hash_error)?
                .unwrap_or_default();
            let params = Params::try_from(&phc).map_err(hash_error)?;
            let output = run(&memory, algorithm, version, params, &password, salt)?;
            // `Output`'s equality takes the same time wherever the outputs differ.
            Ok(known && output == *expected)
        })
        .await?
    }
}

/// One Argon2 run of `password` with `salt`, on the kept `memory` unless another run holds it.
fn run(
    memory: &Mutex<Vec<Block>>,
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &Password,
    salt: &[u8],
) -> anyhow::Result<Output> {
    let blocks = params.block_count();
    let mut out = vec![0u8; params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)];
    let argon2 = Argon2::new(algorithm, version, params);
    let mut own = Vec::new();
    let mut kept = memory.try_lock();
    let memory = match kept.as_deref_mut() {
        Ok(kept) => kept,
        Err(_) => &mut own,
    };
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    argon2
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut memory[..blocks])
        .map_err(|e| anyhow::anyhow!("hashing a password failed: {e}"))?;
    Output::new(&out).map_err(hash_error)
}

fn hash_error(e: impl fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("a password hash: {e}")
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
    async fn hashes_read_both_ways_with_the_argon2_crates_own_hasher() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let hasher = PasswordHasher::new();
        let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, hasher.params.clone());
        let typed = "correct horse battery staple";
        let made_there = theirs.hash_password(typed.as_bytes()).unwrap().to_string();
        let stored = PasswordHash::from_stored(made_there);
        assert!(
            hasher
                .verify(Password::new(typed), Some(stored.clone()))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify(Password::new("wrong"), Some(stored))
                .await
                .unwrap()
        );
        let made_here = hasher.hash(Password::new(typed)).await.unwrap();
        theirs
            .verify_password(typed.as_bytes(), made_here.as_str())
            .expect("the crate checks our hash");
        // Other parameters (a hash made before they changed) still check, on memory of
        // their size.
        let older = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 3, 1, None).unwrap(),
        );
        let old = older.hash_password(typed.as_bytes()).unwrap().to_string();
        assert!(
            hasher
                .verify(Password::new(typed), Some(PasswordHash::from_stored(old)))
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
