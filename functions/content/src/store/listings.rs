//! The listings: pages of published documents' cards, newest first, and the tag counts.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use shared::dynamo::{
    DbError, GSI1, GSI1_PK, GSI1_SK, Item, PK, Query, SK, attr, from_item, from_items,
    from_json_or_map, s,
};
use shared::page::{ListError, Listing, Page, read_page};

use shared::catalog::PublicationStatus;

use super::Store;
use crate::fields::{Level, Tag};
use crate::keys::{self, Desk, Facet, Kind};
use crate::markdown::KindName;
use crate::workspace::DeskEntry;

/// A tag and how many published courses and articles carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagCount {
    pub tag: Tag,
    #[serde(default)]
    pub courses: u64,
    #[serde(default)]
    pub articles: u64,
}

/// The query of the listing of `kind` in `facet`, newest first, reading only the cards.
fn listing(kind: Kind, facet: &Facet) -> Query {
    Query::partition(GSI1_PK, keys::listing(kind, facet))
        .on(GSI1)
        .newest_first()
        .project(&["card"])
}

/// The card an item of a listing holds: a JSON string (see `card_changes`), or a map in an
/// item written before.
fn card<C: DeserializeOwned>(mut item: Item) -> Result<C, DbError> {
    match item.remove("card") {
        Some(card) => from_json_or_map(card),
        None => Err(DbError::Other(anyhow::anyhow!(
            "a listing item has no card"
        ))),
    }
}

impl Store {
    /// One page of the listing of `kind` in `facet`, newest first, from `cursor`; only
    /// courses of `level` when one is given.
    ///
    /// # Errors
    /// [`ListError::Cursor`] for a cursor that is not one of this listing's; when DynamoDB
    /// fails.
    pub async fn list<C: DeserializeOwned>(
        &self,
        kind: Kind,
        facet: &Facet,
        level: Option<Level>,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<C>, ListError> {
        let partition = keys::listing(kind, facet);
        let mut query = listing(kind, facet).limit(limit);
        if let Some(level) = level {
            // A card's own `level`, or its map's in an item written before cards were strings.
            let level = s(level.as_str());
            query = query.filter(
                attr("level")
                    .eq(level.clone())
                    .or(attr("card.level").eq(level)),
            );
        }
        let spec = Listing {
            key_attributes: &[PK, SK, GSI1_PK, GSI1_SK],
            partition: &[(GSI1_PK, &partition)],
        };
        read_page(&self.table, &self.cursors, query, spec, cursor, card).await
    }

    /// The first `limit` cards of the listing of `kind` in `facet`, newest first.
    ///
    /// # Errors
    /// When DynamoDB fails or a card is malformed.
    pub async fn newest<C: DeserializeOwned>(
        &self,
        kind: Kind,
        facet: &Facet,
        limit: i32,
    ) -> Result<Vec<C>, DbError> {
        let page = self.table.query(listing(kind, facet).limit(limit)).await?;
        page.items.into_iter().map(card).collect()
    }

    /// The card of every published document, of every kind, newest first: the sitemap's
    /// pages (one `Query`, a page at a time).
    ///
    /// # Errors
    /// When DynamoDB fails or a card is malformed.
    pub async fn sitemap<C: DeserializeOwned>(&self) -> Result<Vec<C>, DbError> {
        // The sitemap's partition is every kind's: any kind names it.
        let items = self
            .table
            .query_all(listing(Kind::Course, &Facet::Sitemap))
            .await?;
        items.into_iter().map(card).collect()
    }

    /// One page of `desk`'s workspace, newest edit first, from `cursor`: only entries of
    /// `kind` and in `status` when they are given.
    ///
    /// # Errors
    /// [`ListError::Cursor`] for a cursor that is not one of this workspace's; when DynamoDB
    /// fails.
    pub async fn workspace(
        &self,
        desk: Desk,
        kind: Option<KindName>,
        status: Option<PublicationStatus>,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<DeskEntry>, ListError> {
        let partition = keys::desk(desk);
        let mut query = Query::partition(GSI1_PK, &partition)
            .on(GSI1)
            .newest_first()
            .project(&["entry"])
            .limit(limit);
        if let Some(kind) = kind {
            query = query.filter(attr("entry.kind").eq(s(Kind::from(kind).as_str())));
        }
        if let Some(status) = status {
            query = query.filter(attr("entry.status").eq(s(status.as_str())));
        }
        let spec = Listing {
            key_attributes: &[PK, SK, GSI1_PK, GSI1_SK],
            partition: &[(GSI1_PK, &partition)],
        };
        read_page(
            &self.table,
            &self.cursors,
            query,
            spec,
            cursor,
            |mut item| match item.remove("entry") {
                Some(AttributeValue::M(entry)) => from_item(entry),
                _ => Err(DbError::Other(anyhow::anyhow!(
                    "a workspace item has no entry"
                ))),
            },
        )
        .await
    }

    /// Every tag with its counts, by name.
    ///
    /// # Errors
    /// When DynamoDB fails or an item is malformed.
    pub async fn tag_counts(&self) -> Result<Vec<TagCount>, DbError> {
        let items = self
            .table
            .query_all(Query::partition(PK, keys::TAGS))
            .await?;
        from_items(items)
    }
}
