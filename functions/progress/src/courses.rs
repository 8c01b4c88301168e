//! The course items of the content table, read-only: what `progress` needs of a course (its
//! status, title, instructors and outline), in one `GetItem` per course or one `BatchGetItem`
//! for a page of enrolments. The content table belongs to `content`; the key and attributes are
//! the contract in [`shared::catalog`].

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::KeysAndAttributes;
use shared::catalog::{COURSE_SUMMARY_ATTRIBUTES, CourseId, CourseSummary, course_key};
use shared::config::TableName;
use shared::dynamo::{DbError, from_item};

/// How often a batch read retries the keys DynamoDB left unprocessed (it does so under load).
const BATCH_ATTEMPTS: u32 = 4;

/// Reads courses from the content table.
#[derive(Debug, Clone)]
pub struct Courses {
    db: Client,
    table: TableName,
}

/// `#a0, #a1, ...` for the summary attributes, and the names they stand for.
fn projection() -> (String, HashMap<String, String>) {
    let names: HashMap<String, String> = COURSE_SUMMARY_ATTRIBUTES
        .iter()
        .enumerate()
        .map(|(i, name)| (format!("#a{i}"), (*name).to_owned()))
        .collect();
    let expression = (0..COURSE_SUMMARY_ATTRIBUTES.len())
        .map(|i| format!("#a{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    (expression, names)
}

impl Courses {
    pub fn new(db: Client, table: TableName) -> Self {
        Self { db, table }
    }

    /// The course `id`, whatever its status; `None` when there is no such course.
    ///
    /// # Errors
    /// When DynamoDB fails or the item does not have the contract's shape.
    pub async fn get(&self, id: CourseId) -> Result<Option<CourseSummary>, DbError> {
        let (expression, names) = projection();
        let output = self
            .db
            .get_item()
            .table_name(self.table.as_str())
            .set_key(Some(course_key(id).to_item()))
            .projection_expression(expression)
            .set_expression_attribute_names(Some(names))
            .send()
            .await?;
        output.item.map(from_item).transpose()
    }

    /// The courses among `ids` that exist, by id. At most 100 ids (one `BatchGetItem`).
    ///
    /// # Errors
    /// When DynamoDB fails, keeps leaving keys unprocessed, or an item does not have the
    /// contract's shape.
    pub async fn get_many(
        &self,
        ids: &[CourseId],
    ) -> Result<HashMap<CourseId, CourseSummary>, DbError> {
        let mut found = HashMap::new();
        let mut keys: Vec<_> = {
            let mut unique = ids.to_vec();
            unique.sort();
            unique.dedup();
            unique
                .into_iter()
                .map(|id| course_key(id).to_item())
                .collect()
        };
        let (expression, names) = projection();
        for attempt in 0..BATCH_ATTEMPTS {
            if keys.is_empty() {
                return Ok(found);
            }
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(25 << attempt)).await;
            }
            let request = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut keys)))
                .projection_expression(&expression)
                .set_expression_attribute_names(Some(names.clone()))
                .build()
                .map_err(|e| DbError::Other(e.into()))?;
            let output = self
                .db
                .batch_get_item()
                .request_items(self.table.as_str(), request)
                .send()
                .await?;
            for item in output
                .responses
                .and_then(|mut tables| tables.remove(self.table.as_str()))
                .unwrap_or_default()
            {
                let course: CourseSummary = from_item(item)?;
                found.insert(course.id, course);
            }
            keys = output
                .unprocessed_keys
                .and_then(|mut tables| tables.remove(self.table.as_str()))
                .map(|unprocessed| unprocessed.keys)
                .unwrap_or_default();
        }
        if keys.is_empty() {
            Ok(found)
        } else {
            Err(DbError::Unavailable(anyhow::anyhow!(
                "DynamoDB left {} course keys unprocessed after {BATCH_ATTEMPTS} attempts",
                keys.len()
            )))
        }
    }
}
