//! The only code that talks to DynamoDB: the content table (read and write) and the enrolments
//! of the progress table (read-only). Storage conditions become domain errors here.
//!
//! Reads are one request where the access pattern allows: a thing by id is one `GetItem`, by
//! its current slug one `Query` of `gsi1`; a listing page is one `Query`. A write is one
//! `PutItem`, or one `TransactWriteItems` when it spans items (a slug claim, listing cards,
//! tag counts, a lesson), always conditioned on the version it was computed from.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shared::ApiError;
use shared::catalog::{CourseId, LessonId};
use shared::config::TableName;
use shared::dynamo::{
    DbError, ENTITY, GSI1, GSI1_PK, GSI1_SK, Item, Key, PK, SK, from_item, query_partition, to_item,
};
use shared::enrollment::{EnrollmentSummary, enrollment_key};
use shared::identity::UserId;
use shared::page::{Listing, Page, decode_cursor, encode_cursor};

use crate::config::BaseUrl;
use crate::document::Document;
use crate::fields::{Level, Slug, Tag};
use crate::keys::{self, Facet, Kind};

/// How a thing is looked up by slug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// For pages: one eventually consistent `Query` of the slug index (the slug claim only
    /// when that finds nothing: an old slug, or an index that has not caught up).
    Fast,
    /// For edits: the slug claim and the item, both strongly consistent.
    Fresh,
}

/// A thing found by reference.
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
    #[error("the item changed since it was read")]
    Stale,
    /// Another thing of the kind has, or had, the slug.
    #[error("the slug is taken")]
    SlugTaken,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Items written together with a thing, in the same request.
#[derive(Debug, Default)]
pub struct Transaction {
    puts: Vec<(Key, &'static str, Item)>,
    deletes: Vec<Key>,
}

impl Transaction {
    /// Also writes `value` as the item at `key`, marked as an `entity`.
    ///
    /// # Errors
    /// When `value` cannot be an item (a bug).
    pub fn put(
        mut self,
        key: Key,
        entity: &'static str,
        value: &impl Serialize,
    ) -> Result<Self, DbError> {
        self.puts.push((key, entity, to_item(value)?));
        Ok(self)
    }

    /// Also deletes the item at `key`.
    pub fn delete(mut self, key: Key) -> Self {
        self.deletes.push(key);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.puts.is_empty() && self.deletes.is_empty()
    }
}

/// The lesson's own item: what the course outline does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct LessonItem<T> {
    pub course_id: CourseId,
    pub lesson_id: LessonId,
    #[serde(flatten)]
    pub content: T,
}

/// What other pages show of a course, article or career path.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ThingOutline {
    pub id: String,
    pub slug: Slug,
    pub title: crate::fields::Title,
    pub status: shared::catalog::PublicationStatus,
    /// A course's summary.
    #[serde(default)]
    pub summary: Option<String>,
    /// An article's excerpt.
    #[serde(default)]
    pub excerpt: Option<String>,
}

/// A tag and how many published courses and articles carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct TagCount {
    pub tag: Tag,
    #[serde(default)]
    pub courses: u64,
    #[serde(default)]
    pub articles: u64,
}

/// The content table, and the enrolments of the progress table.
#[derive(Debug, Clone)]
pub struct Store {
    db: Client,
    table: TableName,
    progress_table: TableName,
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn built<T, E: std::error::Error + Send + Sync + 'static>(
    result: Result<T, E>,
) -> Result<T, DbError> {
    result.map_err(|e| DbError::Other(anyhow::Error::new(e).context("building a DynamoDB request")))
}

impl Store {
    pub fn new(db: Client, table: TableName, progress_table: TableName) -> Self {
        Self {
            db,
            table,
            progress_table,
        }
    }

    async fn get_item(&self, key: &Key) -> Result<Option<Item>, DbError> {
        Ok(self
            .db
            .get_item()
            .table_name(self.table.as_str())
            .set_key(Some(key.to_item()))
            .consistent_read(true)
            .send()
            .await?
            .item)
    }

    /// The thing with `id`.
    ///
    /// # Errors
    /// When DynamoDB fails or the item is malformed.
    pub async fn get<D: Document>(&self, id: D::Id) -> Result<Option<D>, DbError> {
        self.get_item(&keys::entity(D::KIND, &id.to_string()))
            .await?
            .map(from_item)
            .transpose()
    }

    /// The thing `reference` names: an id, its slug, or a slug it had before.
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
            let output = self
                .db
                .query()
                .table_name(self.table.as_str())
                .index_name(GSI1)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", GSI1_PK)
                .expression_attribute_values(":pk", s(partition))
                .send()
                .await?;
            if let Some(item) = output.items.unwrap_or_default().into_iter().next() {
                return Ok(Some(current(from_item(item)?)));
            }
        }
        #[derive(serde::Deserialize)]
        struct Claim {
            id: String,
        }
        let Some(claim) = self.get_item(&keys::slug_claim(D::KIND, &slug)).await? else {
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

    fn document_item<D: Document>(doc: &D) -> Result<Item, DbError> {
        let key = keys::entity(D::KIND, &doc.id().to_string());
        let (gsi1pk, gsi1sk) = keys::by_slug(D::KIND, doc.slug());
        let mut item = to_item(doc)?;
        item.extend([
            (PK.to_owned(), s(key.pk)),
            (SK.to_owned(), s(key.sk)),
            (ENTITY.to_owned(), s(D::KIND.as_str())),
            (GSI1_PK.to_owned(), s(gsi1pk)),
            (GSI1_SK.to_owned(), s(gsi1sk)),
        ]);
        Ok(item)
    }

    /// Claims `doc`'s slug for it: the claim must be new, or already its own (a slug it had
    /// before and takes back).
    fn claim_slug<D: Document>(&self, doc: &D) -> Result<TransactWriteItem, DbError> {
        let key = keys::slug_claim(D::KIND, doc.slug());
        let mut item = key.to_item();
        item.insert(ENTITY.to_owned(), s("slug"));
        item.insert("id".to_owned(), s(doc.id().to_string()));
        let put = Put::builder()
            .table_name(self.table.as_str())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk) OR #id = :id")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#id", "id")
            .expression_attribute_values(":id", s(doc.id().to_string()));
        Ok(TransactWriteItem::builder()
            .put(built(put.build())?)
            .build())
    }

    fn put_document<D: Document>(
        &self,
        doc: &D,
        expected_version: Option<u64>,
    ) -> Result<Put, DbError> {
        let put = Put::builder()
            .table_name(self.table.as_str())
            .set_item(Some(Self::document_item(doc)?));
        let put = match expected_version {
            None => put
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", PK),
            Some(version) => put
                .condition_expression("#version = :version")
                .expression_attribute_names("#version", "version")
                .expression_attribute_values(":version", n(version)),
        };
        built(put.build())
    }

    /// The cards and tag counts that change when `before` becomes `after`: a published thing
    /// has a card in each of its listings and counts once for each of its tags.
    fn listing_changes<D: Document>(
        &self,
        before: Option<&D>,
        after: &D,
        site: &BaseUrl,
    ) -> Result<Vec<TransactWriteItem>, DbError> {
        let listed = |doc: &D| doc.lifecycle().is_published();
        let (old_facets, old_tags) = match before.filter(|d| listed(d)) {
            Some(doc) => (doc.facets(), doc.tags().to_vec()),
            None => (Vec::new(), Vec::new()),
        };
        let (new_facets, new_tags) = if listed(after) {
            (after.facets(), after.tags().to_vec())
        } else {
            (Vec::new(), Vec::new())
        };
        let id = after.id().to_string();
        let mut writes = Vec::new();
        if !new_facets.is_empty() {
            let life = after.lifecycle();
            let position =
                keys::listing_position(life.published_at.unwrap_or(life.updated_at), &id);
            let card = AttributeValue::M(to_item(&after.card(site))?);
            for facet in &new_facets {
                let mut item = keys::card(D::KIND, &id, facet).to_item();
                item.extend([
                    (ENTITY.to_owned(), s("card")),
                    (GSI1_PK.to_owned(), s(keys::listing(D::KIND, facet))),
                    (GSI1_SK.to_owned(), s(position.clone())),
                    ("card".to_owned(), card.clone()),
                ]);
                let put = Put::builder()
                    .table_name(self.table.as_str())
                    .set_item(Some(item));
                writes.push(
                    TransactWriteItem::builder()
                        .put(built(put.build())?)
                        .build(),
                );
            }
        }
        for facet in old_facets.iter().filter(|f| !new_facets.contains(f)) {
            writes.push(self.delete_write(&keys::card(D::KIND, &id, facet))?);
        }
        let counter = D::KIND.collection();
        let added = new_tags
            .iter()
            .filter(|t| !old_tags.contains(t))
            .map(|t| (t, 1));
        let removed = old_tags
            .iter()
            .filter(|t| !new_tags.contains(t))
            .map(|t| (t, -1));
        for (tag, delta) in added.chain(removed) {
            let update = Update::builder()
                .table_name(self.table.as_str())
                .set_key(Some(keys::tag_count(tag).to_item()))
                .update_expression("SET #entity = :entity, #tag = :tag ADD #count :delta")
                .expression_attribute_names("#entity", ENTITY)
                .expression_attribute_names("#tag", "tag")
                .expression_attribute_names("#count", counter)
                .expression_attribute_values(":entity", s("tag"))
                .expression_attribute_values(":tag", s(tag.as_str()))
                .expression_attribute_values(":delta", n(delta));
            writes.push(
                TransactWriteItem::builder()
                    .update(built(update.build())?)
                    .build(),
            );
        }
        Ok(writes)
    }

    fn delete_write(&self, key: &Key) -> Result<TransactWriteItem, DbError> {
        let delete = Delete::builder()
            .table_name(self.table.as_str())
            .set_key(Some(key.to_item()));
        Ok(TransactWriteItem::builder()
            .delete(built(delete.build())?)
            .build())
    }

    fn also_writes(&self, also: Transaction) -> Result<Vec<TransactWriteItem>, DbError> {
        let mut writes = Vec::with_capacity(also.puts.len() + also.deletes.len());
        for (key, entity, mut item) in also.puts {
            item.extend(key.to_item());
            item.insert(ENTITY.to_owned(), s(entity));
            let put = Put::builder()
                .table_name(self.table.as_str())
                .set_item(Some(item));
            writes.push(
                TransactWriteItem::builder()
                    .put(built(put.build())?)
                    .build(),
            );
        }
        for key in &also.deletes {
            writes.push(self.delete_write(key)?);
        }
        Ok(writes)
    }

    /// Stores a new thing, claiming its slug.
    ///
    /// # Errors
    /// [`WriteError::SlugTaken`] when another thing of the kind has or had the slug.
    pub async fn create<D: Document>(
        &self,
        doc: &D,
        site: &BaseUrl,
        also: Transaction,
    ) -> Result<(), WriteError> {
        let mut writes = vec![
            TransactWriteItem::builder()
                .put(self.put_document(doc, None)?)
                .build(),
            self.claim_slug(doc)?,
        ];
        writes.extend(self.listing_changes(None, doc, site)?);
        writes.extend(self.also_writes(also)?);
        let result = self.transact(writes).await.map_err(|e| {
            if e.failed_condition_at(1) {
                WriteError::SlugTaken
            } else if e.failed_condition_at(0) {
                WriteError::Stale
            } else {
                WriteError::Db(e)
            }
        });
        self.unless_landed(doc, result).await
    }

    /// Replaces `before` with `after` if the stored version is still `before`'s, with the
    /// slug claim, listing cards, tag counts and `also` that go with the change.
    ///
    /// # Errors
    /// [`WriteError::Stale`] when the stored version moved on; [`WriteError::SlugTaken`] when
    /// `after`'s new slug belongs to another thing.
    pub async fn save<D: Document>(
        &self,
        before: &D,
        after: &D,
        site: &BaseUrl,
        also: Transaction,
    ) -> Result<(), WriteError> {
        let put = self.put_document(after, Some(before.lifecycle().version))?;
        let renamed = before.slug() != after.slug();
        let mut writes = Vec::new();
        if renamed {
            writes.push(self.claim_slug(after)?);
        }
        writes.extend(self.listing_changes(Some(before), after, site)?);
        writes.extend(self.also_writes(also)?);
        if writes.is_empty() {
            // One item: a conditional put is half the cost of a transaction.
            let result = match self
                .db
                .put_item()
                .table_name(self.table.as_str())
                .set_item(Some(put.item))
                .set_condition_expression(put.condition_expression)
                .set_expression_attribute_names(put.expression_attribute_names)
                .set_expression_attribute_values(put.expression_attribute_values)
                .send()
                .await
                .map_err(DbError::from)
            {
                Ok(_) => Ok(()),
                Err(DbError::ConditionFailed) => Err(WriteError::Stale),
                Err(e) => Err(WriteError::Db(e)),
            };
            return self.unless_landed(after, result).await;
        }
        writes.insert(0, TransactWriteItem::builder().put(put).build());
        let result = self.transact(writes).await.map_err(|e| {
            if e.failed_condition_at(0) {
                WriteError::Stale
            } else if renamed && e.failed_condition_at(1) {
                WriteError::SlugTaken
            } else {
                WriteError::Db(e)
            }
        });
        self.unless_landed(after, result).await
    }

    /// A write refused as stale may be the SDK's retry of an attempt that did succeed but
    /// answered too late (a `PutItem` has no idempotency token): then the stored item is
    /// exactly the one written, which no other writer could have produced (it carries this
    /// write's version and time). One read tells the two apart, on this failure path only.
    async fn unless_landed<D: Document>(
        &self,
        written: &D,
        result: Result<(), WriteError>,
    ) -> Result<(), WriteError> {
        match result {
            Err(WriteError::Stale)
                if self.get::<D>(written.id()).await?.as_ref() == Some(written) =>
            {
                tracing::info!(
                    kind = D::KIND.as_str(),
                    id = %written.id(),
                    "a retried write found its first attempt stored"
                );
                Ok(())
            }
            other => other,
        }
    }

    async fn transact(&self, writes: Vec<TransactWriteItem>) -> Result<(), DbError> {
        shared::dynamo::transact(&self.db, writes).await
    }

    /// One page of the listing of `kind` in `facet`, newest first, from `cursor`; only
    /// courses of `level` when one is given.
    ///
    /// # Errors
    /// 400 for a cursor that is not one of this listing's; 503/500 when DynamoDB fails.
    pub async fn list<C: DeserializeOwned>(
        &self,
        kind: Kind,
        facet: &Facet,
        level: Option<Level>,
        limit: Option<i32>,
        cursor: Option<&str>,
    ) -> Result<Page<C>, ApiError> {
        let partition = keys::listing(kind, facet);
        let listing = Listing {
            key_attributes: &[PK, SK, GSI1_PK, GSI1_SK],
            partition: &[(GSI1_PK, &partition)],
        };
        let start = cursor.map(|c| decode_cursor(c, listing)).transpose()?;
        let (items, last) = self.listing_page(kind, facet, level, limit, start).await?;
        Ok(Page {
            items,
            next_cursor: encode_cursor(last.as_ref()),
        })
    }

    /// One page of a listing from `start` (a `LastEvaluatedKey`): its cards, and where the
    /// next page starts.
    async fn listing_page<C: DeserializeOwned>(
        &self,
        kind: Kind,
        facet: &Facet,
        level: Option<Level>,
        limit: Option<i32>,
        start: Option<Item>,
    ) -> Result<(Vec<C>, Option<Item>), DbError> {
        let partition = keys::listing(kind, facet);
        let mut query = self
            .db
            .query()
            .table_name(self.table.as_str())
            .index_name(GSI1)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", GSI1_PK)
            .expression_attribute_names("#card", "card")
            .expression_attribute_values(":pk", s(partition.clone()))
            .projection_expression("#card")
            .scan_index_forward(false)
            .set_limit(limit)
            .set_exclusive_start_key(start);
        if let Some(level) = level {
            query = query
                .filter_expression("#card.#level = :level")
                .expression_attribute_names("#level", "level")
                .expression_attribute_values(":level", s(level.as_str()));
        }
        let output = query.send().await?;
        let cards = output
            .items
            .unwrap_or_default()
            .into_iter()
            .map(|mut item| match item.remove("card") {
                Some(AttributeValue::M(card)) => from_item(card),
                _ => Err(DbError::Other(anyhow::anyhow!(
                    "a card item of {partition} has no card"
                ))),
            })
            .collect::<Result<Vec<C>, DbError>>()?;
        Ok((cards, output.last_evaluated_key))
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
        Ok(self
            .listing_page(kind, facet, None, Some(limit), None)
            .await?
            .0)
    }

    /// Every card of the listing of `kind` in `facet`, newest first (the sitemap's pages).
    ///
    /// # Errors
    /// When DynamoDB fails or a card is malformed.
    pub async fn list_all<C: DeserializeOwned>(
        &self,
        kind: Kind,
        facet: &Facet,
    ) -> Result<Vec<C>, DbError> {
        let mut cards = Vec::new();
        let mut start = None;
        loop {
            let (page, last) = self.listing_page(kind, facet, None, None, start).await?;
            cards.extend(page);
            match last {
                Some(last) => start = Some(last),
                None => return Ok(cards),
            }
        }
    }

    /// Every tag with its counts, by name.
    ///
    /// # Errors
    /// When DynamoDB fails or an item is malformed.
    pub async fn tag_counts(&self) -> Result<Vec<TagCount>, DbError> {
        let items = query_partition(&self.db, self.table.as_str(), keys::TAGS).await?;
        shared::dynamo::from_items(items)
    }

    /// The items at `keys` that exist, with only the `attributes` named (in any order).
    ///
    /// # Errors
    /// When DynamoDB fails, or keeps leaving keys unprocessed.
    pub async fn get_many(
        &self,
        keys: Vec<Key>,
        attributes: &[&str],
    ) -> Result<Vec<Item>, DbError> {
        shared::dynamo::batch_get(&self.db, self.table.as_str(), keys, attributes, true).await
    }

    /// The ids of the things the slugs name (now or before a rename), by kind and slug; a
    /// slug nobody has is left out.
    ///
    /// # Errors
    /// When DynamoDB fails or a claim is malformed.
    pub async fn slug_owners(
        &self,
        slugs: &[(Kind, Slug)],
    ) -> Result<HashMap<(Kind, Slug), String>, DbError> {
        if slugs.is_empty() {
            return Ok(HashMap::new());
        }
        let keys: Vec<Key> = slugs
            .iter()
            .map(|(k, slug)| keys::slug_claim(*k, slug))
            .collect();
        let items = self.get_many(keys, &[PK, "id"]).await?;
        let mut by_partition: HashMap<String, String> = HashMap::new();
        for item in items {
            if let (Some(AttributeValue::S(pk)), Some(AttributeValue::S(id))) =
                (item.get(PK), item.get("id"))
            {
                by_partition.insert(pk.clone(), id.clone());
            }
        }
        Ok(slugs
            .iter()
            .filter_map(|(kind, slug)| {
                let id = by_partition.get(&keys::slug_claim(*kind, slug).pk)?;
                Some(((*kind, slug.clone()), id.clone()))
            })
            .collect())
    }

    /// What other pages show of the things named (kind and id): their slug, title, status and
    /// teaser. A thing that does not exist is left out.
    ///
    /// # Errors
    /// When DynamoDB fails or an item is malformed.
    pub async fn outlines_of(
        &self,
        things: &[(Kind, String)],
    ) -> Result<HashMap<(Kind, String), ThingOutline>, DbError> {
        if things.is_empty() {
            return Ok(HashMap::new());
        }
        let keys: Vec<Key> = things.iter().map(|(k, id)| keys::entity(*k, id)).collect();
        let items = self
            .get_many(
                keys,
                &[PK, "id", "slug", "title", "status", "summary", "excerpt"],
            )
            .await?;
        let mut by_partition: HashMap<String, ThingOutline> = HashMap::new();
        for mut item in items {
            if let Some(AttributeValue::S(pk)) = item.remove(PK) {
                by_partition.insert(pk, from_item(item)?);
            }
        }
        Ok(things
            .iter()
            .filter_map(|(kind, id)| {
                let outline = by_partition.remove(&keys::entity(*kind, id).pk)?;
                Some(((*kind, id.clone()), outline))
            })
            .collect())
    }

    /// The listing cards (`all`) of the things of `kind` with `ids` that are published, in
    /// the order of `ids`.
    ///
    /// # Errors
    /// When DynamoDB fails or a card is malformed.
    pub async fn published_cards<C: DeserializeOwned>(
        &self,
        kind: Kind,
        ids: &[String],
    ) -> Result<Vec<C>, DbError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<Key> = ids
            .iter()
            .map(|id| keys::card(kind, id, &Facet::All))
            .collect();
        let mut by_partition: HashMap<String, Item> = HashMap::new();
        for mut item in self.get_many(keys, &[PK, "card"]).await? {
            if let (Some(AttributeValue::S(pk)), Some(AttributeValue::M(card))) =
                (item.remove(PK), item.remove("card"))
            {
                by_partition.insert(pk, card);
            }
        }
        ids.iter()
            .filter_map(|id| by_partition.remove(&keys::card(kind, id, &Facet::All).pk))
            .map(from_item)
            .collect()
    }

    /// A lesson's own item.
    ///
    /// # Errors
    /// When DynamoDB fails or the item is malformed.
    pub async fn lesson<T: DeserializeOwned>(
        &self,
        course: CourseId,
        lesson: LessonId,
    ) -> Result<Option<LessonItem<T>>, DbError> {
        self.get_item(&keys::lesson(course, lesson))
            .await?
            .map(from_item)
            .transpose()
    }

    /// Whether `learner` is enrolled in `course` (the progress table's enrolment item, read
    /// strongly consistent so that a learner who just enrolled can start at once).
    ///
    /// # Errors
    /// When DynamoDB fails or the item is malformed.
    pub async fn is_enrolled(&self, learner: UserId, course: CourseId) -> Result<bool, DbError> {
        let item = self
            .db
            .get_item()
            .table_name(self.progress_table.as_str())
            .set_key(Some(enrollment_key(learner, course).to_item()))
            .projection_expression("#status")
            .expression_attribute_names("#status", "status")
            .consistent_read(true)
            .send()
            .await?
            .item;
        Ok(match item {
            Some(item) => from_item::<EnrollmentSummary>(item)?.is_active(),
            None => false,
        })
    }
}
