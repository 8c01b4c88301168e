//! The only code that talks to DynamoDB: the content table (read and write) and the enrollments
//! of the progress table (read-only). Storage conditions become domain errors here.
//!
//! Reads are one request where the access pattern allows: a document by id is one `GetItem`,
//! by its current slug one `Query` of `gsi1`; a listing page is one `Query`. A write is one
//! `TransactWriteItems` of the document and what moves with it (its workspace entries, and as
//! it goes: a slug claim, listing cards, tag counts, its search entry, a lesson), conditioned on
//! the version it was computed from.

mod listings;
mod lookups;
mod pages;
mod search;
mod writes;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Deserialize;
use shared::catalog::{CourseId, PublicationStatus};
use shared::dynamo::{DbError, GSI1, GSI1_PK, Item, Query, Table, from_item};
use shared::page::CursorKey;

pub use listings::TagCount;
pub use lookups::LessonItem;
pub use pages::KeptPage;
pub use writes::LessonChange;

use crate::courses::Course;
use crate::document::Document;
use crate::fields::Slug;
use crate::keys;
use crate::pages::StoredPage;

/// The number attribute `name` of `item` (a stamp's count of changes).
fn number(item: &Item, name: &str) -> Option<u64> {
    match item.get(name) {
        Some(AttributeValue::N(n)) => n.parse().ok(),
        _ => None,
    }
}

/// How a document is looked up by slug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// For pages: one eventually consistent `Query` of the slug index (the slug claim only
    /// when that finds nothing: an old slug, or an index that has not caught up).
    Fast,
    /// For edits: the slug claim and the item, both strongly consistent.
    Fresh,
}

/// What the read of a course's stored page found.
#[derive(Debug)]
pub enum StoredRead {
    /// The course is published and has its page.
    Page(StoredPage),
    /// The course is there but its page is not served as stored: it is not published (only
    /// its editors, or its enrolled learners when archived, may see it), or it was written
    /// before pages were kept.
    Render,
    /// No course has that current slug; it may be one a course had before.
    OldSlug,
    /// No course has that id.
    Missing,
}

/// A document found by reference.
#[derive(Debug, Clone)]
pub struct Found<D> {
    pub doc: D,
    /// Whether it was named by a slug it no longer has (its URL moved).
    pub moved: bool,
}

/// Why a write was not applied.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The stored version is not the one the change was computed from.
    #[error("the document changed since it was read")]
    Stale,
    /// Another document of the kind has, or had, the slug.
    #[error("the slug is taken")]
    SlugTaken,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The content table, and the enrollments of the progress table.
#[derive(Debug, Clone)]
pub struct Store {
    table: Table,
    progress: Table,
    /// Signs the listings' cursors.
    cursors: CursorKey,
}

impl Store {
    pub fn new(table: Table, progress: Table, cursors: CursorKey) -> Self {
        Self {
            table,
            progress,
            cursors,
        }
    }

    /// What signs the cursors of its listings.
    pub fn cursors(&self) -> &CursorKey {
        &self.cursors
    }

    /// The document with `id`.
    ///
    /// # Errors
    /// When DynamoDB fails or the item is malformed.
    pub async fn get<D: Document>(&self, id: D::Id) -> Result<Option<D>, DbError> {
        let key = keys::entity(D::KIND, &id.to_string());
        self.table
            .get(&key, true, &[])
            .await?
            .map(from_item)
            .transpose()
    }

    /// The stored page of the course `reference` (an id or its current slug) names, as
    /// [`Read::Fast`] reads it: one request for its status and page.
    ///
    /// # Errors
    /// When DynamoDB fails or the item is malformed.
    pub async fn course_page(&self, reference: &str) -> Result<StoredRead, DbError> {
        const ATTRIBUTES: [&str; 3] = ["status", StoredPage::BODY, StoredPage::TAG];
        #[derive(Deserialize)]
        struct Status {
            status: PublicationStatus,
        }
        let (item, absent) = if let Ok(id) = reference.parse::<CourseId>() {
            let key = keys::entity(Course::KIND, &id.to_string());
            let item = self.table.get(&key, true, &ATTRIBUTES).await?;
            (item, StoredRead::Missing)
        } else if let Ok(slug) = Slug::parse(reference) {
            let (partition, _) = keys::by_slug(Course::KIND, &slug);
            let query = Query::partition(GSI1_PK, partition)
                .on(GSI1)
                .project(&ATTRIBUTES);
            let item = self.table.query(query).await?.items.into_iter().next();
            (item, StoredRead::OldSlug)
        } else {
            return Ok(StoredRead::Missing);
        };
        let Some(mut item) = item else {
            return Ok(absent);
        };
        let page = StoredPage::take(&mut item)?;
        Ok(match (from_item::<Status>(item)?.status, page) {
            (PublicationStatus::Published, Some(page)) => StoredRead::Page(page),
            _ => StoredRead::Render,
        })
    }

    /// The document `reference` names: an id, its slug, or a slug it had before.
    ///
    /// # Errors
    /// When DynamoDB fails or an item is malformed.
    pub async fn resolve<D: Document>(
        &self,
        reference: &str,
        read: Read,
    ) -> Result<Option<Found<D>>, DbError> {
        let current = |doc| Found { doc, moved: false };
        if let Ok(id) = reference.parse::<D::Id>() {
            return Ok(self.get::<D>(id).await?.map(current));
        }
        let Ok(slug) = Slug::parse(reference) else {
            return Ok(None);
        };
        if read == Read::Fast {
            let (partition, _) = keys::by_slug(D::KIND, &slug);
            let page = self
                .table
                .query(Query::partition(GSI1_PK, partition).on(GSI1))
                .await?;
            if let Some(item) = page.items.into_iter().next() {
                return Ok(Some(current(from_item(item)?)));
            }
        }
        #[derive(Deserialize)]
        struct Claim {
            id: String,
        }
        let Some(claim) = self
            .table
            .get(&keys::slug_claim(D::KIND, &slug), true, &[])
            .await?
        else {
            return Ok(None);
        };
        let claim: Claim = from_item(claim)?;
        let id = claim.id.parse::<D::Id>().map_err(|_| {
            DbError::Other(anyhow::anyhow!(
                "the claim on slug {slug} names no valid id"
            ))
        })?;
        Ok(self.get::<D>(id).await?.map(|doc: D| {
            let moved = *doc.slug() != slug;
            Found { doc, moved }
        }))
    }
}
