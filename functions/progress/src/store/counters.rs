//! A course's counters (enrolled, active, completed) and its lessons' completion counters: the
//! updates that move them, made in the transactions of the writes they count, each in the
//! shard of the learner it counts ([`keys::counter_shard`]), and the one `Query` that reads
//! every shard and adds them up.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Deserialize;
use shared::catalog::{CourseId, LessonId};
use shared::dynamo::{DbError, ENTITY, Expr, PK, Query, SK, Write, from_items, n, s};
use shared::identity::UserId;

use super::ProgressStore;
use crate::keys::{self, entity};

/// Learners who ever enrolled.
pub(super) const ENROLLED: &str = "enrolled";
/// Learners enrolled now.
pub(super) const ACTIVE: &str = "active";
/// Learners who completed the course.
pub(super) const COMPLETED: &str = "completed";
/// Attempts waiting for review.
pub(super) const WAITING: &str = "waiting";

/// Reviews are counted by how long their attempt waited: bucket `k` holds waits of at most
/// 2^k minutes (the last bucket also everything longer), so a median needs no list of waits.
pub const REVIEW_WAIT_BUCKETS: usize = 17;

/// The counter of reviews whose attempt waited `waited`.
pub fn review_wait_counter(waited: Duration) -> &'static str {
    const NAMES: [&str; REVIEW_WAIT_BUCKETS] = [
        "review_wait_0",
        "review_wait_1",
        "review_wait_2",
        "review_wait_3",
        "review_wait_4",
        "review_wait_5",
        "review_wait_6",
        "review_wait_7",
        "review_wait_8",
        "review_wait_9",
        "review_wait_10",
        "review_wait_11",
        "review_wait_12",
        "review_wait_13",
        "review_wait_14",
        "review_wait_15",
        "review_wait_16",
    ];
    NAMES[review_wait_bucket(waited)]
}

/// The bucket of a wait: the least `k` with `waited <= 2^k` minutes, at most the last.
fn review_wait_bucket(waited: Duration) -> usize {
    let minutes = waited.as_secs().div_ceil(60).max(1);
    let k = minutes.next_power_of_two().trailing_zeros() as usize;
    k.min(REVIEW_WAIT_BUCKETS - 1)
}

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
    /// Attempts waiting for review now.
    pub waiting: i64,
    /// Reviews by how long their attempt waited (see [`REVIEW_WAIT_BUCKETS`]).
    pub review_waits: [i64; REVIEW_WAIT_BUCKETS],
}

impl CourseCounters {
    /// The median wait from hand-in to review, as the upper bound of its bucket, in minutes;
    /// `None` before the first review.
    pub fn median_minutes_to_review(&self) -> Option<u64> {
        let total: i64 = self.review_waits.iter().sum();
        let mut seen = 0;
        for (k, count) in self.review_waits.iter().enumerate() {
            seen += count;
            if total > 0 && 2 * seen >= total {
                return Some(1 << k);
            }
        }
        None
    }
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
    #[serde(default)]
    waiting: i64,
}

/// Moves a course's counters by the amounts given, in `learner`'s shard (the item is created
/// by its first update).
pub(super) fn count(course: CourseId, learner: UserId, moves: &[(&str, i64)]) -> Write {
    let expr = Expr::new()
        .set(ENTITY, s(entity::COURSE_STATS))
        .set("course_id", s(course.to_string()));
    let expr = moves
        .iter()
        .fold(expr, |expr, (counter, by)| expr.add(counter, n(*by)));
    Write::update(
        keys::course_stats_key(course, keys::counter_shard(learner)),
        expr,
    )
}

/// Moves a lesson's completion counter by `by`, in `learner`'s shard (the item is created by
/// its first update).
pub(super) fn count_lesson(course: CourseId, learner: UserId, lesson: LessonId, by: i64) -> Write {
    let expr = Expr::new()
        .set(ENTITY, s(entity::LESSON_COMPLETIONS))
        .set("course_id", s(course.to_string()))
        .set("lesson_id", s(lesson.to_string()))
        .add("completions", n(by));
    let shard = keys::counter_shard(learner);
    Write::update(keys::lesson_completions_key(course, lesson, shard), expr)
}

impl ProgressStore {
    /// A course's counters and per-lesson completions: one `Query` of the course's partition,
    /// every shard added up.
    ///
    /// # Errors
    /// When DynamoDB fails or an item is malformed.
    pub async fn course_counters(&self, course: CourseId) -> Result<CourseCounters, DbError> {
        let query = Query::partition(PK, keys::course_partition(course));
        let items = self.table.query_all(query).await?;
        let mut counters = CourseCounters::default();
        for stats in items.iter().filter(|item| is_stats(item)) {
            for (k, count) in counters.review_waits.iter_mut().enumerate() {
                *count += stats
                    .get(&format!("review_wait_{k}"))
                    .and_then(|n| n.as_n().ok())
                    .and_then(|n| n.parse::<i64>().ok())
                    .unwrap_or(0);
            }
        }
        for item in from_items::<CountersItem>(items)? {
            match item.lesson_id {
                Some(lesson) if item.sk.starts_with(keys::LESSON_PREFIX) => {
                    *counters.lesson_completions.entry(lesson).or_default() += item.completions;
                }
                _ => {
                    counters.enrolled += item.enrolled;
                    counters.active += item.active;
                    counters.completed += item.completed;
                    counters.waiting += item.waiting;
                }
            }
        }
        Ok(counters)
    }
}

/// A shard of a course's counters (not a lesson's).
fn is_stats(item: &shared::dynamo::Item) -> bool {
    matches!(item.get(SK), Some(AttributeValue::S(sk)) if sk.starts_with(keys::STATS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_falls_in_the_least_power_of_two_minutes_that_holds_it() {
        let minutes = |m: u64| review_wait_bucket(Duration::from_secs(m * 60));
        assert_eq!(
            review_wait_bucket(Duration::from_secs(5)),
            0,
            "under a minute"
        );
        assert_eq!((minutes(1), minutes(2), minutes(3)), (0, 1, 2));
        assert_eq!(minutes(90), 7, "90 minutes: at most 128");
        assert_eq!(minutes(10_000_000), REVIEW_WAIT_BUCKETS - 1);
        assert_eq!(
            review_wait_counter(Duration::from_secs(90 * 60)),
            "review_wait_7"
        );
    }

    #[test]
    fn the_median_is_the_bucket_holding_the_middle_review() {
        let mut counters = CourseCounters::default();
        assert_eq!(counters.median_minutes_to_review(), None);
        counters.review_waits[3] = 1;
        counters.review_waits[7] = 2;
        assert_eq!(counters.median_minutes_to_review(), Some(128));
        counters.review_waits[1] = 2;
        assert_eq!(counters.median_minutes_to_review(), Some(8));
    }
}
