//! Writing documents: a new one with its slug claim, a change conditioned on the version it was
//! made from, and what goes with either in the same transaction — listing cards, tag counts,
//! workspace entries, a course's lessons.

use aws_sdk_dynamodb::types::AttributeValue;
use shared::catalog::{CourseId, LessonId};
use shared::clock::Timestamp;
use shared::config::BaseUrl;
use shared::dynamo::{
    DbError, ENTITY, Expr, GSI1_PK, GSI1_SK, Item, Key, PK, SK, Write, attr, json_attribute, n, s,
    to_item,
};

use super::{Store, WriteError};
use crate::courses::LessonContent;
use crate::document::Document;
use crate::keys;
use crate::keys::{Desk, Facet, Kind};
use crate::store::LessonItem;
use crate::workspace::DeskEntry;

/// A change to one of a course's lessons' own items, made with the course's.
#[derive(Debug, Clone)]
pub enum LessonChange {
    /// Writes the lesson's body, video and reading.
    Put {
        course: CourseId,
        lesson: LessonId,
        content: LessonContent,
    },
    /// Removes the lesson's item.
    Delete { course: CourseId, lesson: LessonId },
}

impl LessonChange {
    fn into_write(self) -> Result<Write, WriteError> {
        Ok(match self {
            Self::Put {
                course,
                lesson,
                content,
            } => {
                let item = LessonItem {
                    course_id: course,
                    lesson_id: lesson,
                    content,
                };
                Write::put(with_key(
                    to_item(&item)?,
                    &keys::lesson(course, lesson),
                    "lesson",
                ))
            }
            Self::Delete { course, lesson } => Write::delete(keys::lesson(course, lesson)),
        })
    }
}

/// `item` with the key attributes of `key` and its `entity`.
fn with_key(mut item: Item, key: &Key, entity: &str) -> Item {
    item.extend([
        (PK.to_owned(), s(&key.pk)),
        (SK.to_owned(), s(&key.sk)),
        (ENTITY.to_owned(), s(entity)),
    ]);
    item
}

fn document_item<D: Document>(doc: &D, site: &BaseUrl) -> Result<Item, WriteError> {
    let key = keys::entity(D::KIND, &doc.id().to_string());
    let (gsi1pk, gsi1sk) = keys::by_slug(D::KIND, doc.slug());
    let mut item = with_key(to_item(doc)?, &key, D::KIND.as_str());
    doc.compact(&mut item, site)?;
    item.extend([
        (GSI1_PK.to_owned(), s(gsi1pk)),
        (GSI1_SK.to_owned(), s(gsi1sk)),
    ]);
    Ok(item)
}

/// Claims `doc`'s slug for it: the claim must be new, or already its own (a slug it had
/// before and takes back).
fn claim_slug<D: Document>(doc: &D) -> Write {
    let id = doc.id().to_string();
    let key = keys::slug_claim(D::KIND, doc.slug());
    let item = with_key(Item::from([("id".to_owned(), s(&id))]), &key, "slug");
    Write::put(item).when(attr(PK).absent().or(attr("id").eq(s(id))))
}

/// What `of` says of `doc` while it is published; nothing otherwise.
fn if_published<D: Document, T>(doc: Option<&D>, of: impl FnOnce(&D) -> Vec<T>) -> Vec<T> {
    doc.filter(|doc| doc.lifecycle().is_published())
        .map(of)
        .unwrap_or_default()
}

/// The cards and tag counts that change when `before` becomes `after`: a published document
/// has a card in each of its listings and counts once for each of its tags.
fn listing_changes<D: Document>(
    before: Option<&D>,
    after: &D,
    site: &BaseUrl,
) -> Result<Vec<Write>, WriteError> {
    let tags = |doc: &D| doc.tags().to_vec();
    let (old_tags, new_tags) = (if_published(before, tags), if_published(Some(after), tags));
    let mut writes = card_changes(before, after, site)?;
    let added = new_tags
        .iter()
        .filter(|t| !old_tags.contains(t))
        .map(|t| (t, 1));
    let removed = old_tags
        .iter()
        .filter(|t| !new_tags.contains(t))
        .map(|t| (t, -1));
    writes.extend(search_changes(before, after, site)?);
    for (tag, delta) in added.chain(removed) {
        let count = Expr::new()
            .set(ENTITY, s("tag"))
            .set("tag", s(tag.as_str()))
            .add(D::KIND.collection(), n(delta));
        writes.push(Write::update(keys::tag_count(tag), count));
    }
    Ok(writes)
}

/// The cards that change when `before` becomes `after`: a published document has one in
/// each of its listings.
fn card_changes<D: Document>(
    before: Option<&D>,
    after: &D,
    site: &BaseUrl,
) -> Result<Vec<Write>, WriteError> {
    let old_facets = if_published(before, Document::facets);
    let new_facets = if_published(Some(after), Document::facets);
    let id = after.id().to_string();
    let mut writes = Vec::new();
    if !new_facets.is_empty() {
        let position = keys::listing_position(after.lifecycle().listed_at(), &id);
        // One JSON string: a listing reads it with serde_json, not through the SDK's maps and
        // serde_dynamo (BENCHMARKS.md §3). A course's level beside it, for the listing's filter.
        let card = json_attribute(&after.card(site))?;
        let level = new_facets.iter().find_map(|facet| match facet {
            Facet::Level(level) => Some(s(level.as_str())),
            _ => None,
        });
        for facet in &new_facets {
            let key = keys::card(D::KIND, &id, facet);
            let mut item = with_key(Item::new(), &key, "card");
            item.extend([
                (GSI1_PK.to_owned(), s(keys::listing(D::KIND, facet))),
                (GSI1_SK.to_owned(), s(&position)),
                ("card".to_owned(), card.clone()),
            ]);
            item.extend(level.clone().map(|level| ("level".to_owned(), level)));
            writes.push(Write::put(item));
        }
    }
    for facet in old_facets.iter().filter(|f| !new_facets.contains(f)) {
        writes.push(Write::delete(keys::card(D::KIND, &id, facet)));
    }
    Ok(writes)
}

/// The search entry that changes when `before` becomes `after` (a published document has
/// one), with the stamp that tells warm functions their index is out of date; nothing when the
/// entry stays as it was.
fn search_changes<D: Document>(
    before: Option<&D>,
    after: &D,
    site: &BaseUrl,
) -> Result<Vec<Write>, WriteError> {
    let entry = |doc: &D| {
        doc.lifecycle()
            .is_published()
            .then(|| doc.search_entry(site))
    };
    let (old, new) = (before.and_then(entry), entry(after));
    if old == new {
        return Ok(Vec::new());
    }
    let key = keys::search_entry(D::KIND, &after.id().to_string());
    let change = match new {
        Some(entry) => {
            let mut item = with_key(Item::new(), &key, "search");
            item.insert("entry".to_owned(), AttributeValue::M(to_item(&entry)?));
            Write::put(item)
        }
        None => Write::delete(key),
    };
    let stamp = Expr::new()
        .set(ENTITY, s("search-stamp"))
        .add("changes", n(1));
    Ok(vec![change, Write::update(keys::search_stamp(), stamp)])
}

/// The page stamp's move, when `before` becoming `after` changes what article pages may show
/// ([`crate::pages`]): any write of an article (its card, its links, its related articles), or
/// a document published or taken out of publication (the links to it).
fn page_stamp_change<D: Document>(before: Option<&D>, after: &D) -> Option<Write> {
    let published = |doc: &D| doc.lifecycle().is_published();
    let shown = D::KIND == Kind::Article || before.is_some_and(published) != published(after);
    shown.then(|| page_stamp_move(after.lifecycle().updated_at))
}

/// The page stamp moved by a write made at `at`.
fn page_stamp_move(at: Timestamp) -> Write {
    let stamp = Expr::new()
        .set(ENTITY, s("page-stamp"))
        .set("changed_at", s(at.to_string()))
        .add("changes", n(1));
    Write::update(keys::page_stamp(), stamp)
}

/// The workspace entries that change when `before` becomes `after`: one on each author's desk
/// and one on everyone's, in any status; an author no longer one loses theirs.
fn desk_changes<D: Document>(
    before: Option<&D>,
    after: &D,
    site: &BaseUrl,
) -> Result<Vec<Write>, WriteError> {
    let id = after.id().to_string();
    let entry = AttributeValue::M(to_item(&DeskEntry::of(after, site))?);
    let position = keys::listing_position(after.lifecycle().updated_at, &id);
    let desks = after
        .authors()
        .iter()
        .map(|&author| Desk::Author(author))
        .chain([Desk::All]);
    let mut writes = Vec::new();
    for desk in desks {
        let mut item = with_key(Item::new(), &keys::desk_entry(D::KIND, &id, desk), "desk");
        item.extend([
            (GSI1_PK.to_owned(), s(keys::desk(desk))),
            (GSI1_SK.to_owned(), s(&position)),
            ("entry".to_owned(), entry.clone()),
        ]);
        writes.push(Write::put(item));
    }
    let gone = before
        .map(Document::authors)
        .unwrap_or_default()
        .iter()
        .filter(|author| !after.authors().contains(author));
    for &author in gone {
        writes.push(Write::delete(keys::desk_entry(
            D::KIND,
            &id,
            Desk::Author(author),
        )));
    }
    Ok(writes)
}

impl Store {
    /// Stores a new document, claiming its slug.
    ///
    /// # Errors
    /// [`WriteError::SlugTaken`] when another document of the kind has or had the slug.
    pub async fn create<D: Document>(&self, doc: &D, site: &BaseUrl) -> Result<(), WriteError> {
        let mut writes = vec![Write::create(document_item(doc, site)?), claim_slug(doc)];
        writes.extend(listing_changes(None, doc, site)?);
        writes.extend(desk_changes(None, doc, site)?);
        writes.extend(page_stamp_change(None, doc));
        let result = self.table.transact(writes).await.map_err(|e| {
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
    /// slug claim, listing cards, tag counts and lesson changes that go with the change.
    ///
    /// # Errors
    /// [`WriteError::Stale`] when the stored version moved on; [`WriteError::SlugTaken`] when
    /// `after`'s new slug belongs to another document.
    pub async fn save<D: Document>(
        &self,
        before: &D,
        after: &D,
        site: &BaseUrl,
        lessons: Vec<LessonChange>,
    ) -> Result<(), WriteError> {
        let put = Write::put(document_item(after, site)?)
            .when(attr("version").eq(n(before.lifecycle().version)));
        let renamed = before.slug() != after.slug();
        let mut writes = vec![put];
        if renamed {
            writes.push(claim_slug(after));
        }
        writes.extend(listing_changes(Some(before), after, site)?);
        writes.extend(desk_changes(Some(before), after, site)?);
        writes.extend(page_stamp_change(Some(before), after));
        for lesson in lessons {
            writes.push(lesson.into_write()?);
        }
        let result = self.table.transact(writes).await.map_err(|e| {
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

    /// Rewrites `doc` in today's form (its item with what [`Document::compact`] adds, such as a
    /// course's page) with its workspace entries and (published) its listing cards and search
    /// entry, as a write of it would, if it is still at its version; a document changed
    /// meanwhile already has them. For tables written before those existed.
    ///
    /// # Errors
    /// [`WriteError::Stale`] when the document moved on.
    pub async fn reindex<D: Document>(&self, doc: &D, site: &BaseUrl) -> Result<(), WriteError> {
        let mut writes = vec![
            Write::put(document_item(doc, site)?)
                .when(attr("version").eq(n(doc.lifecycle().version))),
        ];
        writes.extend(card_changes(None, doc, site)?);
        writes.extend(desk_changes(None, doc, site)?);
        writes.extend(search_changes(None, doc, site)?);
        self.table.transact(writes).await.map_err(|e| {
            if e.failed_condition_at(0) {
                WriteError::Stale
            } else {
                WriteError::Db(e)
            }
        })
    }

    /// Moves the page stamp, as a write made at `at` that changed what article pages show
    /// would: for an operator's rewrite of the table's entries ([`crate::reindex`]).
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn move_page_stamp(&self, at: Timestamp) -> Result<(), DbError> {
        self.table.write(page_stamp_move(at)).await
    }

    /// A write refused as stale may be the SDK's retry of an attempt that did succeed but
    /// answered too late (the transaction carries no idempotency token): then the stored item is
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
}
