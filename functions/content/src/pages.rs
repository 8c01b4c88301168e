//! Pages rendered once and kept, so that reading a published page is one request and no
//! rendering: the response body and its entity tag, the body deflated (a page is mostly
//! repeated JSON, and inflating it costs less than the SDK's reading of it as a string).
//!
//! - A **course's** page shows nothing but the course, so it is rendered when the course is
//!   written and kept on the course item: every change to the course or its lessons rewrites
//!   that item, and so its page.
//! - An **article's** page also shows other documents: its related articles' cards and, for
//!   each link of its body, whether the document linked to is published. So it is kept on the
//!   claim of its slug (what a read by slug looks up) together with the [`PageStamp`] it was
//!   rendered at, and served only while the stamp has not moved. Every write that can change
//!   what some article page shows moves the stamp in its own transaction (any write of an
//!   article; a course or path published or taken out of publication); the next read of each
//!   article page renders it again and keeps it. No write has to find the pages it changes.
//!
//! A page item written before pages were kept has none and is rendered on read.

use std::time::Duration;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use shared::clock::Timestamp;
use shared::dynamo::{DbError, Item, MAX_ITEM_SIZE, item_size, s};

/// A page as rendered: the response body and its entity tag.
#[derive(Debug)]
pub struct StoredPage {
    /// The response body, as [`crate::web::cached_json`] writes it.
    pub body: Vec<u8>,
    pub tag: String,
}

impl StoredPage {
    /// The attributes that hold it: the deflated body (binary) and the entity tag.
    pub const BODY: &str = "page";
    pub const TAG: &str = "page_tag";
    /// The most a stored page may inflate to: far more than a course of the most lessons.
    const MAX_BODY: usize = 4 * 1024 * 1024;
    /// Room left on the item for what is added after (its `gsi1` keys).
    const KEYS: usize = 1024;

    /// The page of a document at `version` whose response is `view`.
    ///
    /// # Errors
    /// When the view does not serialise (a bug).
    pub fn of(version: u64, view: &impl Serialize) -> Result<Self, DbError> {
        let body = serde_json::to_vec(view)
            .map_err(|e| DbError::Other(anyhow::Error::new(e).context("rendering a page")))?;
        let tag = crate::web::entity_tag(Some(version), &body);
        Ok(Self { body, tag })
    }

    /// Its attributes, unless an item of `size` bytes would then outgrow DynamoDB's 400 KB (a
    /// course of hundreds of lessons with long titles): then the page is rendered on read.
    pub fn attributes(&self, size: usize) -> Option<[(String, AttributeValue); 2]> {
        let deflated = miniz_oxide::deflate::compress_to_vec(&self.body, 9);
        let added = Self::BODY.len() + deflated.len() + Self::TAG.len() + self.tag.len();
        if size + added + Self::KEYS > MAX_ITEM_SIZE {
            tracing::warn!(
                size,
                page = deflated.len(),
                "a page too large for its item is rendered on read"
            );
            return None;
        }
        Some([
            (
                Self::BODY.to_owned(),
                AttributeValue::B(Blob::new(deflated)),
            ),
            (Self::TAG.to_owned(), s(&self.tag)),
        ])
    }

    /// Adds it to `item` (see [`Self::attributes`]).
    pub fn store(self, item: &mut Item) {
        if let Some(attributes) = self.attributes(item_size(item)) {
            item.extend(attributes);
        }
    }

    /// The page read back from its attributes, when `item` has both.
    ///
    /// # Errors
    /// When the body does not inflate (a corrupt item).
    pub fn take(item: &mut Item) -> Result<Option<Self>, DbError> {
        match (item.remove(Self::BODY), item.remove(Self::TAG)) {
            (Some(AttributeValue::B(body)), Some(AttributeValue::S(tag))) => {
                Self::inflate(body.as_ref(), tag).map(Some)
            }
            _ => Ok(None),
        }
    }

    /// The page read back from its deflated body and tag.
    ///
    /// # Errors
    /// When the body does not inflate (a corrupt item).
    pub fn inflate(deflated: &[u8], tag: String) -> Result<Self, DbError> {
        use miniz_oxide::inflate::TINFLStatus;
        use miniz_oxide::inflate::core::inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
        use miniz_oxide::inflate::core::{DecompressorOxide, decompress};
        // A page deflates to a third or less: room for eight times that, zeroed at once
        // (miniz's own `decompress_to_vec` grows its buffer a byte at a time from twice it).
        let mut body = vec![0; deflated.len().saturating_mul(8).min(Self::MAX_BODY)];
        let mut state = Box::<DecompressorOxide>::default();
        let flags = TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
        let (status, _, written) = decompress(&mut state, deflated, &mut body, 0, flags);
        let body = if status == TINFLStatus::Done {
            body.truncate(written);
            body
        } else {
            miniz_oxide::inflate::decompress_to_vec_with_limit(deflated, Self::MAX_BODY)
                .map_err(|e| DbError::Other(anyhow::anyhow!("a stored page: {e}")))?
        };
        Ok(Self { body, tag })
    }
}

/// The page stamp: how many writes have changed what article pages show, and when the last
/// one did ([`crate::keys::page_stamp`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageStamp {
    pub changes: u64,
    pub changed_at: Option<Timestamp>,
}

impl PageStamp {
    /// How long after a change a page rendered from it is not kept: the related articles are
    /// read from an index, which DynamoDB brings up to date after the write — usually within a
    /// second — so a page rendered sooner could miss the change and be kept without it.
    pub const SETTLE: Duration = Duration::from_secs(5);

    /// Whether a page rendered `now` from what the table holds shows every change this stamp
    /// counts, and so may be kept under it.
    pub fn has_settled(&self, now: Timestamp) -> bool {
        self.changed_at
            .is_none_or(|changed_at| now.since(changed_at) >= Self::SETTLE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_page_inflates_to_the_page_however_well_it_deflated() {
        for body in [
            serde_json::json!({"description": "A short course."}),
            serde_json::json!({"description": "x".repeat(20_000)}),
        ] {
            let page = StoredPage::of(3, &body).unwrap();
            let expected = page.body.clone();
            let mut item = Item::new();
            page.store(&mut item);
            let read = StoredPage::take(&mut item).unwrap().expect("a stored page");
            assert_eq!(read.body, expected);
            assert!(read.tag.starts_with("\"v3-"), "{}", read.tag);
        }
        assert!(StoredPage::inflate(b"not deflated", String::new()).is_err());
    }

    #[test]
    fn a_page_rendered_just_after_a_change_is_not_kept_under_its_stamp() {
        let changed_at = Timestamp::from_unix_micros(1_000_000_000_000);
        let stamp = PageStamp {
            changes: 7,
            changed_at: Some(changed_at),
        };
        assert!(!stamp.has_settled(changed_at));
        assert!(!stamp.has_settled(changed_at.plus(Duration::from_millis(4_999))));
        assert!(stamp.has_settled(changed_at.plus(PageStamp::SETTLE)));
        assert!(PageStamp::default().has_settled(changed_at));
    }
}
