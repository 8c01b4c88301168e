//! Opaque tokens: refresh tokens and the email tokens that verify an address or reset a
//! password. Each is 256 random bits; only its SHA-256 is stored, so a copy of the table lets
//! nobody sign in. (A fast hash is right here, unlike for passwords: nobody can guess 256
//! random bits, however fast they can try.) A refresh token starts with its account's id and a
//! dot, so that a refresh reads the token's record and the account in one request; the id is
//! part of what is hashed, so it cannot be changed without losing the token.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};
use shared::identity::UserId;

/// Random bytes in a token.
const TOKEN_BYTES: usize = 32;

/// A token as handed to its holder. Never logged: its `Debug` shows nothing; it serializes
/// as its text, for the response that hands it over.
#[derive(Clone, PartialEq, Eq)]
pub struct OpaqueToken(String);

impl fmt::Debug for OpaqueToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OpaqueToken(..)")
    }
}

impl Serialize for OpaqueToken {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl OpaqueToken {
    /// A fresh random token.
    ///
    /// # Errors
    /// When the system's random source fails.
    pub fn generate() -> anyhow::Result<Self> {
        let mut bytes = [0u8; TOKEN_BYTES];
        aws_lc_rs::rand::fill(&mut bytes)
            .map_err(|_| anyhow::anyhow!("the system's random source failed"))?;
        Ok(Self(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// A fresh random token naming `owner`: a refresh token, `{owner}.{random}`.
    ///
    /// # Errors
    /// When the system's random source fails.
    pub fn generate_for(owner: UserId) -> anyhow::Result<Self> {
        Ok(Self(format!("{owner}.{}", Self::generate()?.0)))
    }

    /// A token presented by a client. Anything that cannot be one of ours is `None`, so it
    /// costs no database read.
    pub fn presented(text: &str) -> Option<Self> {
        let random = match text.split_once('.') {
            Some((owner, random)) => owner.parse::<UserId>().is_ok().then_some(random)?,
            None => text,
        };
        let well_formed = URL_SAFE_NO_PAD
            .decode(random)
            .is_ok_and(|bytes| bytes.len() == TOKEN_BYTES);
        well_formed.then(|| Self(text.to_owned()))
    }

    /// The account a refresh token names; `None` for an email token (and for refresh tokens
    /// issued before they named one).
    pub fn owner(&self) -> Option<UserId> {
        self.0.split_once('.')?.0.parse().ok()
    }

    /// The text to hand to the holder.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the table stores and looks tokens up by.
    pub fn hash(&self) -> TokenHash {
        TokenHash(URL_SAFE_NO_PAD.encode(Sha256::digest(self.0.as_bytes())))
    }
}

/// The SHA-256 of a token, base64url: a key in the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHash(String);

impl TokenHash {
    /// A hash as stored.
    pub fn from_stored(hash: String) -> Self {
        Self(hash)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_read_back() {
        let a = OpaqueToken::generate().unwrap();
        let b = OpaqueToken::generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 43, "32 bytes in base64url");
        assert_eq!(OpaqueToken::presented(a.expose()), Some(a.clone()));
        assert_eq!(a.hash(), OpaqueToken::presented(a.expose()).unwrap().hash());
        assert_ne!(a.hash().as_str(), a.expose());
    }

    #[test]
    fn a_refresh_token_names_its_owner_and_its_hash_covers_the_name() {
        let owner = UserId::new();
        let token = OpaqueToken::generate_for(owner).unwrap();
        let presented = OpaqueToken::presented(token.expose()).unwrap();
        assert_eq!(presented.owner(), Some(owner));
        assert_eq!(presented.hash(), token.hash());
        let random = token.expose().split_once('.').unwrap().1;
        let renamed = OpaqueToken::presented(&format!("{}.{random}", UserId::new())).unwrap();
        assert_ne!(
            renamed.hash(),
            token.hash(),
            "another owner is another token"
        );
        assert_eq!(OpaqueToken::generate().unwrap().owner(), None);
    }

    #[test]
    fn text_that_cannot_be_a_token_is_refused_before_any_lookup() {
        let owner = UserId::new();
        for text in [
            "",
            "short",
            "eyJhbGciOiJSUzI1NiJ9.e30.sig",
            &"A".repeat(44),
            &format!("{owner}."),
            &format!("{owner}.short"),
            &format!("not-an-id.{}", "A".repeat(43)),
            &format!("{owner}.{owner}.{}", "A".repeat(43)),
        ] {
            assert_eq!(OpaqueToken::presented(text), None, "{text}");
        }
    }

    #[test]
    fn debug_output_never_shows_the_token() {
        let token = OpaqueToken::generate().unwrap();
        assert!(!format!("{token:?}").contains(token.expose()));
    }
}
