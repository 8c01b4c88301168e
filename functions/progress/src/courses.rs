//! The course items of the content table, read-only: what `progress` needs of a course (its
//! status, title, instructors and outline), in one `GetItem` per course or one `BatchGetItem`
//! for a page of enrollments. The content table belongs to `content`; the key and attributes
//! are the contract in [`shared::catalog`].

use std::collections::HashMap;

use shared::catalog::{COURSE_SUMMARY_ATTRIBUTES, CourseId, CourseSummary, course_key};
use shared::dynamo::{DbError, Table, from_item};

/// Reads courses from the content table.
#[derive(Debug, Clone)]
pub struct Courses {
    table: Table,
}

impl Courses {
    /// The courses of the content table `table`.
    pub fn new(table: Table) -> Self {
        Self { table }
    }

    /// The course `id`, whatever its status; `None` when there is no such course.
    ///
    /// # Errors
    /// When DynamoDB fails or the item does not have the contract's shape.
    pub async fn get(&self, id: CourseId) -> Result<Option<CourseSummary>, DbError> {
        self.table
            .get(&course_key(id), false, COURSE_SUMMARY_ATTRIBUTES)
            .await?
            .map(from_item)
            .transpose()
    }

    /// The courses among `ids` that exist, by id.
    ///
    /// # Errors
    /// When DynamoDB fails, keeps leaving keys unprocessed, or an item does not have the
    /// contract's shape.
    pub async fn get_many(
        &self,
        ids: &[CourseId],
    ) -> Result<HashMap<CourseId, CourseSummary>, DbError> {
        let keys = ids.iter().map(|id| course_key(*id)).collect();
        let items = self
            .table
            .batch_get(keys, COURSE_SUMMARY_ATTRIBUTES, false)
            .await?;
        items
            .into_iter()
            .map(|item| from_item::<CourseSummary>(item).map(|course| (course.id, course)))
            .collect()
    }
}
