//! Reads beside a document: who owns a slug, what other documents show of each other, the
//! published cards of named documents, a lesson's own item, and an enrollment.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use shared::catalog::{CourseId, LessonId};
use shared::dynamo::{DbError, Item, Key, PK, from_item};
use shared::enrollment::{ENROLLMENT_SUMMARY_ATTRIBUTES, EnrollmentSummary, enrollment_key};
use shared::identity::UserId;

use super::Store;
use crate::courses::LessonContent;
use crate::document::{Lookup, Outline, Refs};
use crate::fields::Slug;
use crate::keys::{self, Facet, Kind};

/// A lesson's own item: what the course outline does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonItem {
    pub course_id: CourseId,
    pub lesson_id: LessonId,
    #[serde(flatten)]
    pub content: LessonContent,
}

/// The partition key of an item, taken out of it.
fn take_pk(item: &mut Item) -> Option<String> {
    match item.remove(PK) {
        Some(AttributeValue::S(pk)) => Some(pk),
        _ => None,
    }
}

impl Store {
    /// Strongly consistent reads of the items at `keys`, by partition key.
    async fn by_partition(
        &self,
        keys: Vec<Key>,
        attributes: &[&str],
    ) -> Result<HashMap<String, Item>, DbError> {
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        let items = self.table.batch_get(keys, attributes, true).await?;
        Ok(items
            .into_iter()
            .filter_map(|mut item| Some((take_pk(&mut item)?, item)))
            .collect())
    }

    /// What the table knows of `refs`: the owners of the slugs, and the outlines of the
    /// documents named by id or owning a slug. Two batch reads at most.
    ///
    /// # Errors
    /// When DynamoDB fails or an item is malformed.
    pub async fn lookup(&self, refs: &Refs) -> Result<Lookup, DbError> {
        let owners = self.slug_owners(&refs.slugs).await?;
        let mut ids = refs.ids.clone();
        for ((kind, _), id) in &owners {
            if !ids.contains(&(*kind, id.clone())) {
                ids.push((*kind, id.clone()));
            }
        }
        let outlines = self.outlines(&ids).await?;
        Ok(Lookup { owners, outlines })
    }

    /// The ids of the documents the slugs name (now or before a rename), by kind and slug; a
    /// slug nobody has is left out.
    ///
    /// # Errors
    /// When DynamoDB fails or a claim is malformed.
    pub async fn slug_owners(
        &self,
        slugs: &[(Kind, Slug)],
    ) -> Result<HashMap<(Kind, Slug), String>, DbError> {
        let keys = slugs
            .iter()
            .map(|(k, slug)| keys::slug_claim(*k, slug))
            .collect();
        let mut claims = self.by_partition(keys, &[PK, "id"]).await?;
        Ok(slugs
            .iter()
            .filter_map(|(kind, slug)| {
                let mut claim = claims.remove(&keys::slug_claim(*kind, slug).pk)?;
                match claim.remove("id") {
                    Some(AttributeValue::S(id)) => Some(((*kind, slug.clone()), id)),
                    _ => None,
                }
            })
            .collect())
    }

    /// What other pages show of the documents named (kind and id); one that does not exist
    /// is left out.
    async fn outlines(
        &self,
        documents: &[(Kind, String)],
    ) -> Result<HashMap<(Kind, String), Outline>, DbError> {
        let keys = documents
            .iter()
            .map(|(k, id)| keys::entity(*k, id))
            .collect();
        let attributes = [
            PK,
            "id",
            "slug",
            "title",
            "status",
            "summary",
            "excerpt",
            "author",
            "instructors",
        ];
        let mut items = self.by_partition(keys, &attributes).await?;
        let mut outlines = HashMap::new();
        for (kind, id) in documents {
            if let Some(item) = items.remove(&keys::entity(*kind, id).pk) {
                outlines.insert((*kind, id.clone()), from_item(item)?);
            }
        }
        Ok(outlines)
    }

    /// The listing cards (`all`) of the `documents` (kind and id) that are published: the
    /// others have none.
    ///
    /// # Errors
    /// When DynamoDB fails or a card is malformed.
    pub async fn published_cards(
        &self,
        documents: &[(Kind, String)],
    ) -> Result<HashMap<(Kind, String), AttributeValue>, DbError> {
        let keys = documents
            .iter()
            .map(|(kind, id)| keys::card(*kind, id, &Facet::All))
            .collect();
        let mut cards = self.by_partition(keys, &[PK, "card"]).await?;
        Ok(documents
            .iter()
            .filter_map(|(kind, id)| {
                let mut item = cards.remove(&keys::card(*kind, id, &Facet::All).pk)?;
                let card = item.remove("card")?;
                Some(((*kind, id.clone()), card))
            })
            .collect())
    }

    /// A lesson's own item.
    ///
    /// # Errors
    /// When DynamoDB fails or the item is malformed.
    pub async fn lesson(
        &self,
        course: CourseId,
        lesson: LessonId,
    ) -> Result<Option<LessonItem>, DbError> {
        self.table
            .get(&keys::lesson(course, lesson), true, &[])
            .await?
            .map(from_item)
            .transpose()
    }

    /// Whether `learner` is enrolled in `course` (the progress table's enrollment item, read
    /// strongly consistent so that a learner who just enrolled can start at once).
    ///
    /// # Errors
    /// When DynamoDB fails or the item is malformed.
    pub async fn is_enrolled(&self, learner: UserId, course: CourseId) -> Result<bool, DbError> {
        let key = enrollment_key(learner, course);
        Ok(
            match self
                .progress
                .get(&key, true, ENROLLMENT_SUMMARY_ATTRIBUTES)
                .await?
            {
                Some(item) => from_item::<EnrollmentSummary>(item)?.is_active(),
                None => false,
            },
        )
    }
}
