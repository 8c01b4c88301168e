//! The course items of the content table, read-only: what `progress` needs of a course (its
//! status, title, instructors and outline), in one `GetItem` per course or one `BatchGetItem`
//! for a page of enrolments. The content table belongs to `content`; the key and attributes are
//! the contract in [`shared::catalog`].

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use shared::catalog::{COURSE_SUMMARY_ATTRIBUTES, CourseId, CourseSummary, course_key};
use shared::config::TableName;
use shared::dynamo::{DbError, batch_get, from_item};

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
        let keys = ids.iter().map(|id| course_key(*id)).collect();
        let items = batch_get(
            &self.db,
            self.table.as_str(),
            keys,
            COURSE_SUMMARY_ATTRIBUTES,
            false,
        )
        .await?;
        items
            .into_iter()
            .map(|item| from_item::<CourseSummary>(item).map(|course| (course.id, course)))
            .collect()
    }
}
