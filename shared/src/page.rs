//! Pagination: a capped `limit`, and opaque cursors that carry a listing's position.
//!
//! A cursor is the `LastEvaluatedKey` of a query, encoded with a checksum. Cursors are not
//! secrets: their job is to be opaque (clients must not build them) and safe (a changed or
//! foreign cursor is a 400, never a 500 and never a read outside the listing). Decoding checks
//! the checksum, that the key has exactly the listing's key attributes, and that it lies in the
//! partition the listing reads; so a forged cursor can at most start the same listing at
//! another position, which reveals nothing the listing would not.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

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
/// after `cursor`, each item read by `read`.
///
/// # Errors
/// [`ListError::Cursor`] for a cursor of another listing; when DynamoDB fails or `read` does.
pub async fn read_page<T>(
    table: &Table,
    query: Query,
    listing: Listing<'_>,
    cursor: Option<&str>,
    read: impl FnMut(Item) -> Result<T, DbError>,
) -> Result<Page<T>, ListError> {
    let start = cursor.map(|c| decode_cursor(c, listing)).transpose()?;
    let page = table.query(query.start(start)).await?;
    Ok(Page {
        next_cursor: encode_cursor(page.last_key.as_ref()),
        items: page.items.into_iter().map(read).collect::<Result<_, _>>()?,
    })
}

/// [`read_page`] of items that map onto `T` whole.
///
/// # Errors
/// As [`read_page`].
pub async fn read_items<T: serde::de::DeserializeOwned>(
    table: &Table,
    query: Query,
    listing: Listing<'_>,
    cursor: Option<&str>,
) -> Result<Page<T>, ListError> {
    read_page(table, query, listing, cursor, from_item).await
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

const CHECKSUM_LEN: usize = 9;

fn checksum(payload: &[u8]) -> String {
    let digest = Sha256::new()
        .chain_update(b"skillpath-cursor-v1\0")
        .chain_update(payload)
        .finalize();
    URL_SAFE_NO_PAD.encode(&digest[..CHECKSUM_LEN])
}

/// Encodes the `LastEvaluatedKey` of a query as a cursor.
/// Returns `None` when there is no next page.
pub fn encode_cursor(last_evaluated_key: Option<&Item>) -> Option<String> {
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
        checksum(&payload)
    ))
}

/// Decodes a cursor into the `ExclusiveStartKey` of `listing`'s query.
///
/// # Errors
/// When the cursor was changed, truncated, made up, or belongs to another listing.
pub fn decode_cursor(cursor: &str, listing: Listing<'_>) -> Result<Item, CursorError> {
    let invalid = || CursorError;
    if cursor.len() > 2048 {
        return Err(invalid());
    }
    let (encoded, sum) = cursor.split_once('.').ok_or_else(invalid)?;
    let payload = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| invalid())?;
    if checksum(&payload) != sum {
        return Err(invalid());
    }
    let key: BTreeMap<String, String> = serde_json::from_slice(&payload).map_err(|_| invalid())?;
    let same_attributes = key.len() == listing.key_attributes.len()
        && listing
            .key_attributes
            .iter()
            .all(|name| key.contains_key(*name));
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let cursor = encode_cursor(Some(&last_key())).unwrap();
        assert_eq!(decode_cursor(&cursor, LISTING).unwrap(), last_key());
    }

    #[test]
    fn no_last_key_means_no_next_page() {
        assert_eq!(encode_cursor(None), None);
    }

    #[test]
    fn every_single_character_change_is_rejected() {
        let cursor = encode_cursor(Some(&last_key())).unwrap();
        for (i, original) in cursor.char_indices() {
            let replacement = if original == 'A' { 'B' } else { 'A' };
            let mut tampered = cursor.clone();
            tampered.replace_range(i..i + 1, &replacement.to_string());
            assert!(
                decode_cursor(&tampered, LISTING).is_err(),
                "changing byte {i} was accepted: {tampered}"
            );
        }
    }

    #[test]
    fn a_cursor_from_another_partition_is_rejected() {
        let mut key = last_key();
        key.insert("gsi1pk".into(), AttributeValue::S("COURSES#draft".into()));
        let cursor = encode_cursor(Some(&key)).unwrap();
        assert_eq!(decode_cursor(&cursor, LISTING), Err(CursorError));
        let api: ApiError = CursorError.into();
        assert_eq!(api.status(), 400);
    }

    #[test]
    fn garbage_is_rejected() {
        for cursor in ["", ".", "abc", "abc.def", &"x".repeat(5000)] {
            assert!(decode_cursor(cursor, LISTING).is_err(), "{cursor}");
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
