//! Gives every document of a content table the entries a write of it makes today — its
//! workspace entries and, published, its listing cards and search entry — for a table whose
//! documents were written before search, the workspace and the sitemap's cards existed
//! (`content-admin reindex`, once, after the deploy that brings them; running it again rewrites
//! the same entries).
//!
//! It reads the table whole, a page at a time (a `Scan` with a filter on the entity: an
//! operator's command, never a request's path, which reads no more than its keys name), and
//! writes each document's entries in one transaction conditioned on the version it read. Then it
//! moves the page stamp, so that every article page kept before is rendered again with them
//! ([`crate::pages`]).

use aws_sdk_dynamodb::types::AttributeValue;
use shared::clock::Clock;
use shared::config::BaseUrl;
use shared::dynamo::{Cond, DbError, ENTITY, Item, Table, attr, from_item, s};

use crate::articles::Article;
use crate::courses::Course;
use crate::document::Document;
use crate::paths::CareerPath;
use crate::store::{Store, WriteError};

/// What a run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// Documents whose entries were written.
    pub reindexed: usize,
    /// Documents changed while the run read them: their change wrote their entries.
    pub changed_meanwhile: usize,
}

/// Reindexes every course, article and career path of `table` through `store` (over the same
/// table), with URLs on `site`, by `clock`'s time.
///
/// # Errors
/// When DynamoDB fails or a document does not read.
pub async fn run(
    table: &Table,
    store: &Store,
    site: &BaseUrl,
    clock: &Clock,
) -> Result<Report, DbError> {
    let documents =
        Cond::any(["course", "article", "path"].map(|entity| attr(ENTITY).eq(s(entity))));
    let mut report = Report::default();
    let mut start = None;
    loop {
        let page = table.scan_page(documents.clone(), start.take()).await?;
        for item in page.items {
            let written = match item.get(ENTITY) {
                Some(AttributeValue::S(entity)) if entity == "course" => {
                    reindex::<Course>(store, item, site).await
                }
                Some(AttributeValue::S(entity)) if entity == "article" => {
                    reindex::<Article>(store, item, site).await
                }
                _ => reindex::<CareerPath>(store, item, site).await,
            };
            match written {
                Ok(()) => report.reindexed += 1,
                Err(WriteError::Stale) => report.changed_meanwhile += 1,
                Err(WriteError::SlugTaken) => {}
                Err(WriteError::Db(e)) => return Err(e),
            }
        }
        match page.last_key {
            Some(key) => start = Some(key),
            None => {
                store.move_page_stamp(clock.now()).await?;
                return Ok(report);
            }
        }
    }
}

async fn reindex<D: Document>(store: &Store, item: Item, site: &BaseUrl) -> Result<(), WriteError> {
    let doc: D = from_item(item)?;
    store.reindex(&doc, site).await
}
