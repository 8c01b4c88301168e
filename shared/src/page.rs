//! Pagination: a capped `limit`, and opaque cursors that carry a listing's position.
//!
//! A cursor is the `LastEvaluatedKey` of a query, signed with the function's cursor key
//! (HMAC-SHA256). Cursors are not secrets: their job is to be opaque (clients cannot build or
//! change them) and safe (a changed or foreign cursor is a 400, never a 500 and never a read
//! outside the listing). Decoding checks the signature in constant time, then that the key has
//! exactly the listing's key attributes, none of them empty, and that it lies in the partition
//! the listing reads.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use aws_lc_rs::hmac;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, Env, Sourced};
use crate::dynamo::{DbError, Item, Query, Table, from_item};
use crate::error::ApiError;

/// A cursor that is not one of the listing's: changed, truncated, made up, or another
/// listing's. The client's mistake: 400 at the edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the cursor is not valid for this listing")]
pub struct CursorError;

impl From<CursorError> for ApiError {
    fn from(err: CursorError) -> Self {
        ApiError::Malformed(err.to_string())
    }
}

/// Why a page of a listing could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error(transparent)]
    Cursor(#[from] CursorError),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<ListError> for ApiError {
    fn from(err: ListError) -> Self {
        match err {
            ListError::Cursor(e) => e.into(),
            ListError::Db(e) => e.into(),
        }
    }
}

/// One page of `listing`: `query` (which must read `listing`'s partition, `limit` set) started
/// after `cursor` (signed with `key`), each item read by `read`.
///
/// # Errors
/// [`ListError::Cursor`] for a cursor of another listing; when DynamoDB fails or `read` does.
pub async fn read_page<T>(
    table: &Table,
    key: &CursorKey,
    query: Query,
    listing: Listing<'_>,
    cursor: Option<&str>,
    read: impl FnMut(Item) -> Result<T, DbError>,
) -> Result<Page<T>, ListError> {
    let start = cursor.map(|c| key.decode(c, listing)).transpose()?;
    let page = table.query(query.start(start)).await?;
    Ok(Page {
        next_cursor: key.encode(page.last_key.as_ref()),
        items: page.items.into_iter().map(read).collect::<Result<_, _>>()?,
    })
}

/// [`read_page`] of items that map onto `T` whole.
///
/// # Errors
/// As [`read_page`].
pub async fn read_items<T: serde::de::DeserializeOwned>(
    table: &Table,
    key: &CursorKey,
    query: Query,
    listing: Listing<'_>,
    cursor: Option<&str>,
) -> Result<Page<T>, ListError> {
    read_page(table, key, query, listing, cursor, from_item).await
}

/// The query string of a listing: `?limit=&cursor=`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PageParams {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl PageParams {
    /// The page size (see [`PageParams::limit`]) within `(default, max)`, and the cursor.
    ///
    /// # Errors
    /// 422 when `limit` is zero.
    pub fn bounds(&self, (default, max): (u32, u32)) -> Result<(i32, Option<&str>), ApiError> {
        Ok((self.limit(default, max)?, self.cursor.as_deref()))
    }

    /// The page size: `default` when unset, at most `max`.
    ///
    /// # Errors
    /// 422 when `limit` is zero.
    pub fn limit(&self, default: u32, max: u32) -> Result<i32, ApiError> {
        match self.limit {
            None => Ok(default.min(max) as i32),
            Some(0) => Err(ApiError::invalid("limit", "must be at least 1")),
            Some(n) => Ok(n.min(max) as i32),
        }
    }
}

/// One page of a listing.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// The same page, each item made into another.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

/// What a listing's cursor must look like: the key attributes its query returns as
/// `LastEvaluatedKey`, and the partition values it queries.
#[derive(Debug, Clone, Copy)]
pub struct Listing<'a> {
    /// e.g. `["pk", "sk", "gsi1pk", "gsi1sk"]` for a query on `gsi1`.
    pub key_attributes: &'a [&'a str],
    /// e.g. `[("gsi1pk", "COURSES#published")]`.
    pub partition: &'a [(&'a str, &'a str)],
}

/// The key cursors are signed with (HMAC-SHA256): without it no one can make a cursor that a
/// function accepts. Its `Debug` shows nothing of it; clones share it.
#[derive(Clone)]
pub struct CursorKey(Arc<hmac::Key>);

impl fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CursorKey(..)")
    }
}

/// Signed with the key: another use of the same key can never yield a cursor.
const CURSOR_CONTEXT: &[u8] = b"skillpath-cursor-v2\0";

impl CursorKey {
    /// The fewest bytes a cursor key has: HMAC-SHA256's own output length.
    pub const MIN_LEN: usize = 32;

    /// The key `secret`.
    ///
    /// # Errors
    /// When it is shorter than [`CursorKey::MIN_LEN`] bytes.
    pub fn new(secret: &[u8]) -> Result<Self, String> {
        if secret.len() < Self::MIN_LEN {
            return Err(format!("must be at least {} bytes", Self::MIN_LEN));
        }
        Ok(Self(Arc::new(hmac::Key::new(hmac::HMAC_SHA256, secret))))
    }

    /// A random key, for a process whose cursors never leave it (an operator's command).
    ///
    /// # Panics
    /// When the system has no randomness to give.
    pub fn ephemeral() -> Self {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &rng).expect("system randomness");
        Self(Arc::new(key))
    }

    fn sign(&self, payload: &[u8]) -> hmac::Tag {
        let mut context = hmac::Context::with_key(&self.0);
        context.update(CURSOR_CONTEXT);
        context.update(payload);
        context.sign()
    }

    /// The `LastEvaluatedKey` of a query as a cursor; `None` when there is no next page.
    pub fn encode(&self, last_evaluated_key: Option<&Item>) -> Option<String> {
        let key = last_evaluated_key?;
        let strings: BTreeMap<&str, &str> = key
            .iter()
            .filter_map(|(name, value)| match value {
                AttributeValue::S(s) => Some((name.as_str(), s.as_str())),
                _ => None,
            })
            .collect();
        // Every key attribute of every table here is a string.
        debug_assert_eq!(strings.len(), key.len(), "non-string key attribute");
        let payload = serde_json::to_vec(&strings).ok()?;
        Some(format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(self.sign(&payload))
        ))
    }

    /// The `ExclusiveStartKey` of `listing`'s query that `cursor` carries.
    ///
    /// # Errors
    /// When the cursor was changed, truncated, made up, signed with another key, or belongs
    /// to another listing.
    pub fn decode(&self, cursor: &str, listing: Listing<'_>) -> Result<Item, CursorError> {
        let invalid = || CursorError;
        if cursor.len() > 2048 {
            return Err(invalid());
        }
        let (encoded, tag) = cursor.split_once('.').ok_or_else(invalid)?;
        let payload = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| invalid())?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| invalid())?;
        let signed = [CURSOR_CONTEXT, &payload].concat();
        // Constant time: the answer says nothing of how much of a guessed tag was right.
        hmac::verify(&self.0, &signed, &tag).map_err(|_| invalid())?;
        let key: BTreeMap<String, String> =
            serde_json::from_slice(&payload).map_err(|_| invalid())?;
        let same_attributes = key.len() == listing.key_attributes.len()
            && listing
                .key_attributes
                .iter()
                .all(|name| key.get(*name).is_some_and(|value| !value.is_empty()));
        let same_partition = listing
            .partition
            .iter()
            .all(|(name, value)| key.get(*name).map(String::as_str) == Some(*value));
        if !same_attributes || !same_partition {
            return Err(invalid());
        }
        Ok(key
            .into_iter()
            .map(|(name, value)| (name, AttributeValue::S(value)))
            .collect())
    }
}

/// Where a function's cursor key comes from.
#[derive(Debug, Clone)]
pub enum CursorKeySource {
    /// `CURSOR_KEY`: the key itself (the local stack and tests).
    Key(CursorKey),
    /// `CURSOR_KEY_SECRET_ARN`: a Secrets Manager secret whose string is the key (AWS), read
    /// once per cold start.
    Secret(String),
}

impl CursorKeySource {
    /// Exactly one of `CURSOR_KEY` and `CURSOR_KEY_SECRET_ARN`.
    ///
    /// # Errors
    /// When neither or both are set, the key is too short, or the secret is not an ARN.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        const KEY: &str = "CURSOR_KEY";
        Ok(match env.local_or_secret(KEY, "CURSOR_KEY_SECRET_ARN")? {
            Sourced::Local(key) => Self::Key(
                CursorKey::new(key.as_bytes()).map_err(|why| ConfigError::malformed(KEY, why))?,
            ),
            Sourced::Secret(arn) => Self::Secret(arn.to_owned()),
        })
    }

    /// The key, read from `secrets` if it is in one.
    ///
    /// # Errors
    /// When the secret cannot be read or its string is too short to be a key.
    pub async fn load(self, secrets: &crate::token::Secrets) -> anyhow::Result<CursorKey> {
        match self {
            Self::Key(key) => Ok(key),
            Self::Secret(arn) => {
                let secret = secrets.read(&arn).await?;
                CursorKey::new(secret.as_bytes())
                    .map_err(|why| anyhow::anyhow!("the cursor key in the secret {arn} {why}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    fn signer() -> CursorKey {
        CursorKey::new(b"the test key, thirty-two bytes long at least").unwrap()
    }

    const LISTING: Listing<'static> = Listing {
        key_attributes: &["pk", "sk", "gsi1pk", "gsi1sk"],
        partition: &[("gsi1pk", "COURSES#published")],
    };

    fn last_key() -> Item {
        [
            ("pk", "COURSE#1"),
            ("sk", "COURSE"),
            ("gsi1pk", "COURSES#published"),
            ("gsi1sk", "2026-11-01T00:00:00Z#1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), AttributeValue::S(v.to_owned())))
        .collect()
    }

    #[test]
    fn a_cursor_round_trips_to_the_same_key() {
        let cursor = signer().encode(Some(&last_key())).unwrap();
        assert_eq!(signer().decode(&cursor, LISTING).unwrap(), last_key());
    }

    #[test]
    fn no_last_key_means_no_next_page() {
        assert_eq!(signer().encode(None), None);
    }

    #[test]
    fn every_single_character_change_is_rejected() {
        let cursor = signer().encode(Some(&last_key())).unwrap();
        for (i, original) in cursor.char_indices() {
            let replacement = if original == 'A' { 'B' } else { 'A' };
            let mut tampered = cursor.clone();
            tampered.replace_range(i..i + 1, &replacement.to_string());
            assert!(
                signer().decode(&tampered, LISTING).is_err(),
                "changing byte {i} was accepted: {tampered}"
            );
        }
    }

    #[test]
    fn a_cursor_from_another_partition_is_rejected() {
        let mut key = last_key();
        key.insert("gsi1pk".into(), AttributeValue::S("COURSES#draft".into()));
        let cursor = signer().encode(Some(&key)).unwrap();
        assert_eq!(signer().decode(&cursor, LISTING), Err(CursorError));
        let api: ApiError = CursorError.into();
        assert_eq!(api.status(), 400);
    }

    /// A cursor made the way cursors were once made: the payload and an unkeyed SHA-256
    /// checksum, which anyone can compute.
    fn unkeyed(key: &[(&str, &str)]) -> String {
        let strings: BTreeMap<&str, &str> = key.iter().copied().collect();
        let payload = serde_json::to_vec(&strings).unwrap();
        let digest = Sha256::new()
            .chain_update(b"skillpath-cursor-v1\0")
            .chain_update(&payload)
            .finalize();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&payload),
            URL_SAFE_NO_PAD.encode(&digest[..9])
        )
    }

    #[test]
    fn a_cursor_minted_without_the_key_is_rejected() {
        let forged = unkeyed(&[
            ("pk", "COURSE#2"),
            ("sk", "COURSE"),
            ("gsi1pk", "COURSES#published"),
            ("gsi1sk", "2026-12-01T00:00:00Z#2"),
        ]);
        assert_eq!(signer().decode(&forged, LISTING), Err(CursorError));
    }

    #[test]
    fn a_cursor_signed_with_another_key_is_rejected() {
        let other = CursorKey::new(b"another key, thirty-two bytes long at least").unwrap();
        let cursor = other.encode(Some(&last_key())).unwrap();
        assert_eq!(signer().decode(&cursor, LISTING), Err(CursorError));
    }

    #[test]
    fn a_key_shorter_than_32_bytes_is_refused() {
        assert!(CursorKey::new(&[7; 31]).is_err());
        let env = Env::from_pairs([("CURSOR_KEY", "short")]);
        assert!(matches!(
            CursorKeySource::from_env(&env),
            Err(ConfigError::Malformed { name, .. }) if name == "CURSOR_KEY"
        ));
    }

    #[test]
    fn a_cursor_with_an_empty_key_value_is_rejected() {
        let mut key = last_key();
        key.insert("gsi1sk".into(), AttributeValue::S(String::new()));
        let cursor = signer().encode(Some(&key)).unwrap();
        assert_eq!(signer().decode(&cursor, LISTING), Err(CursorError));
    }

    #[test]
    fn garbage_is_rejected() {
        for cursor in ["", ".", "abc", "abc.def", &"x".repeat(5000)] {
            assert!(signer().decode(cursor, LISTING).is_err(), "{cursor}");
        }
    }

    #[test]
    fn limit_is_capped_and_zero_is_refused() {
        let params = |limit| PageParams {
            limit,
            cursor: None,
        };
        assert_eq!(params(None).limit(20, 100).unwrap(), 20);
        assert_eq!(params(Some(5)).limit(20, 100).unwrap(), 5);
        assert_eq!(params(Some(10_000)).limit(20, 100).unwrap(), 100);
        assert!(params(Some(0)).limit(20, 100).is_err());
    }
}
