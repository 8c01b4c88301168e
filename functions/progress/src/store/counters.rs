//! A course's counters (enrolled, active, completed) and its lessons' completion counters: the
//! updates that move them, made in the transactions of the writes they count, and the one
//! `Query` that reads them all.

use std::collections::HashMap;

use serde::Deserialize;
use shared::catalog::{CourseId, LessonId};
use shared::dynamo::{DbError, ENTITY, Expr, PK, Query, Write, from_items, n, s};

use super::ProgressStore;
use crate::keys::{self, entity};

/// Learners who ever enrolled.
pub(super) const ENROLLED: &str = "enrolled";
/// Learners enrolled now.
pub(super) const ACTIVE: &str = "active";
/// Learners who completed the course.
pub(super) const COMPLETED: &str = "completed";

/// A course's counters, as the stats show them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CourseCounters {
    /// Learners who ever enrolled.
    pub enrolled: i64,
    /// Learners enrolled now.
    pub active: i64,
    /// Learners who completed the course (and got its certificate).
    pub completed: i64,
    /// Learners who have each lesson completed now.
    pub lesson_completions: HashMap<LessonId, i64>,
}

/// A counters item, as stored: the course's, or a lesson's.
#[derive(Debug, Deserialize)]
struct CountersItem {
    sk: String,
    #[serde(default)]
    enrolled: i64,
    #[serde(default)]
    active: i64,
    #[serde(default)]
    completed: i64,
    lesson_id: Option<LessonId>,
    #[serde(default)]
    completions: i64,
}

/// Moves a course's counters by the amounts given (the item is created by its first update).
pub(super) fn count(course: CourseId, moves: &[(&str, i64)]) -> Write {
    let expr = Expr::new()
        .set(ENTITY, s(entity::COURSE_STATS))
        .set("course_id", s(course.to_string()));
    let expr = moves
        .iter()
        .fold(expr, |expr, (counter, by)| expr.add(counter, n(*by)));
    Write::update(keys::course_stats_key(course), expr)
}

/// Moves a lesson's completion counter by `by` (the item is created by its first update).
pub(super) fn count_lesson(course: CourseId, lesson: LessonId, by: i64) -> Write {
    let expr = Expr::new()
        .set(ENTITY, s(entity::LESSON_COMPLETIONS))
        .set("course_id", s(course.to_string()))
        .set("lesson_id", s(lesson.to_string()))
        .add("completions", n(by));
    Write::update(keys::lesson_completions_key(course, lesson), expr)
}

impl ProgressStore {
    /// A course's counters and per-lesson completions: one `Query` of the course's partition.
    ///
    /// # Errors
    /// When DynamoDB fails or an item is malformed.
    pub async fn course_counters(&self, course: CourseId) -> Result<CourseCounters, DbError> {
        let query = Query::partition(PK, keys::course_partition(course));
        let items = self.table.query_all(query).await?;
        let mut counters = CourseCounters::default();
        for item in from_items::<CountersItem>(items)? {
            match item.lesson_id {
                Some(lesson) if item.sk.starts_with(keys::LESSON_PREFIX) => {
                    counters.lesson_completions.insert(lesson, item.completions);
                }
                _ => {
                    counters.enrolled = item.enrolled;
                    counters.active = item.active;
                    counters.completed = item.completed;
                }
            }
        }
        Ok(counters)
    }
}
