//! Lesson completions: recording one (and the certificate, when it completes the course) and
//! taking one back, each in one transaction with the counters it moves.

use shared::catalog::{CourseId, LessonId};
use shared::clock::Timestamp;
use shared::dynamo::{Cond, DbError, Expr, Write, attr, s, ss, ts};
use shared::identity::UserId;

use super::counters::{self, COMPLETED};
use super::enrollments::is_active;
use super::{ProgressStore, WriteError, certificates};
use crate::certificate::Certificate;
use crate::keys;

/// The enrollment's set of completed lessons.
const COMPLETED_LESSONS: &str = "completed_lessons";

/// A completion to record: a lesson, a certificate, or both.
#[derive(Debug, Clone)]
pub struct Completion<'a> {
    pub learner: UserId,
    pub course: CourseId,
    pub learner_name: &'a str,
    pub at: Timestamp,
    /// The lesson completed; `None` when only the certificate is due.
    pub lesson: Option<LessonId>,
    /// Lessons the plan saw missing besides `lesson`. When it issues no certificate, the write
    /// holds only if one of these is still missing: so a completion planned as "not the last"
    /// cannot, because of a racing request, turn out to have been the last one and leave the
    /// course complete without a certificate.
    pub still_missing: &'a [LessonId],
    /// The certificate to issue with it, when this completes the course.
    pub certificate: Option<&'a Certificate>,
    /// Other moves of the course's counters made in the same transaction (an approval's),
    /// merged into the one update of the course's counters a transaction may hold.
    pub also_counted: &'a [(&'a str, i64)],
}

impl Completion<'_> {
    /// The writes that record it: the enrollment's, conditioned on the plan (first), and the
    /// counters and certificate that move with it. A transaction of its own, or part of an
    /// approval's.
    ///
    /// # Errors
    /// When the certificate cannot be made an item.
    pub(super) fn writes(&self) -> Result<Vec<Write>, DbError> {
        let Completion {
            learner,
            course,
            learner_name,
            at,
            lesson,
            still_missing,
            certificate,
            also_counted,
        } = *self;
        let mut record = Expr::new()
            .set("last_activity_at", ts(at))
            .set("learner_name", s(learner_name))
            .set_once("started_at", ts(at))
            .condition(is_active());
        let mut counted = Vec::new();
        let mut course_moves = also_counted.to_vec();
        if let Some(lesson) = lesson {
            record = record
                .add(COMPLETED_LESSONS, ss([lesson.to_string()]))
                .condition(has_completed(lesson).not());
            counted.push(counters::count_lesson(course, learner, lesson, 1));
        }
        if let Some(certificate) = certificate {
            record = record
                .set("certificate_id", s(certificate.id.as_str()))
                .set("completed_at", ts(at))
                .condition(attr("certificate_id").absent());
            course_moves.push((COMPLETED, 1));
            counted.push(certificates::issue(certificate)?);
        } else if !still_missing.is_empty() {
            let missing = still_missing.iter().map(|id| has_completed(*id).not());
            record = record.condition(Cond::any(missing));
        }
        if !course_moves.is_empty() {
            counted.push(counters::count(course, learner, &course_moves));
        }
        let mut writes = vec![Write::update(keys::enrollment_key(learner, course), record)];
        writes.extend(counted);
        Ok(writes)
    }
}

/// `lesson` is among the completed lessons.
fn has_completed(lesson: LessonId) -> Cond {
    attr(COMPLETED_LESSONS).contains(s(lesson.to_string()))
}

impl ProgressStore {
    /// Records a lesson completion and/or issues the course's certificate, with their counters.
    ///
    /// # Errors
    /// [`WriteError::Stale`] when the enrollment is not active, already has the lesson (or the
    /// certificate), or a racing completion made the plan wrong (see
    /// [`Completion::still_missing`]).
    pub async fn complete(&self, completion: &Completion<'_>) -> Result<(), WriteError> {
        self.table.transact(completion.writes()?).await?;
        Ok(())
    }

    /// Takes back a lesson completion, with its counter.
    ///
    /// # Errors
    /// [`WriteError::Stale`] when the enrollment is not active or does not have the lesson.
    pub async fn uncomplete(
        &self,
        learner: UserId,
        course: CourseId,
        lesson: LessonId,
        learner_name: &str,
        at: Timestamp,
    ) -> Result<(), WriteError> {
        let record = Expr::new()
            .set("last_activity_at", ts(at))
            .set("learner_name", s(learner_name))
            .delete(COMPLETED_LESSONS, ss([lesson.to_string()]))
            .condition(is_active())
            .condition(has_completed(lesson));
        self.table
            .transact(vec![
                Write::update(keys::enrollment_key(learner, course), record),
                counters::count_lesson(course, learner, lesson, -1),
            ])
            .await?;
        Ok(())
    }
}
