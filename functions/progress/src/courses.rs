//! The course items of the content table, read-only: what `progress` needs of a course (its
//! status, title, instructors and outline), in one `GetItem` per course or one `BatchGetItem`
//! for a page of enrollments; and a project lesson's rubric, to check a review against. The
//! content table belongs to `content`; the keys and attributes are the contract in
//! [`shared::catalog`].

use std::collections::HashMap;

use shared::catalog::{
    COURSE_SUMMARY_ATTRIBUTES, CourseId, CourseSummary, LESSON_PROJECT_ATTRIBUTES, LessonId,
    LessonProject, RubricSummary, course_key, lesson_key,
};
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

    /// The rubric of a project lesson; `None` when the lesson's item is gone or it is not a
    /// project.
    ///
    /// # Errors
    /// When DynamoDB fails or the item does not have the contract's shape.
    pub async fn rubric(
        &self,
        course: CourseId,
        lesson: LessonId,
    ) -> Result<Option<RubricSummary>, DbError> {
        let item = self
            .table
            .get(
                &lesson_key(course, lesson),
                false,
                LESSON_PROJECT_ATTRIBUTES,
            )
            .await?;
        let lesson: Option<LessonProject> = item.map(from_item).transpose()?;
        Ok(lesson.and_then(|l| l.project).map(|p| p.rubric))
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
