//! What `progress` does: enroll and unenroll, complete lessons, remember positions, issue and
//! revoke certificates, and count a course's learners.
//!
//! Each write reads what it decides on (the course from the content table and the learner's
//! record, in parallel), plans one write, and makes it conditional on what it read. When a
//! racing request changed the record in between, the store says so ([`WriteError::Stale`]) and
//! the operation reads again and re-plans, a few times at most and only while the request's
//! deadline leaves time ([`rounds`]).

mod certificates;
mod completions;
mod enrollments;
mod portfolio;
mod reviews;
mod staff;
mod submissions;

pub use enrollments::{Enrolled, ListedEnrollment};
pub use staff::CourseStats;

use std::time::Duration;

use shared::ApiError;
use shared::catalog::{CourseId, CourseSummary, LessonId, PublicationStatus};
use shared::deadline;
use shared::dynamo::DbError;
use shared::identity::UserId;
use shared::page::{CursorError, ListError};

use crate::certificate::{CertificateIssuer, CertifiedProject};
use crate::courses::Courses;
use crate::enrollment::Enrollment;
use crate::store::{ProgressStore, WriteError};

/// Reads and re-plans of one write before giving up under contention (503).
const PLAN_ATTEMPTS: usize = 8;

/// Why an operation failed, in the learner's terms.
#[derive(Debug, thiserror::Error)]
pub enum ProgressError {
    /// No such course, or (for enrolling and completing) one that is not published.
    #[error("no such course")]
    CourseNotFound,
    /// The lesson is not in the course's current outline.
    #[error("no such lesson in the course")]
    LessonNotFound,
    /// The position names a lesson outside the course's current outline.
    #[error("the position's lesson is not in the course")]
    PositionOutsideCourse,
    /// The learner is not (or no longer) enrolled.
    #[error("not enrolled in the course")]
    NotEnrolled,
    /// The learner never enrolled, so has no record to show.
    #[error("no enrollment in the course")]
    NoEnrollment,
    #[error("no such certificate")]
    CertificateNotFound,
    /// The caller is neither an admin nor one of the course's instructors.
    #[error("only the course's instructors and admins")]
    NotCourseStaff,
    /// The lesson is not a project: nothing is handed in for it.
    #[error("not a project lesson: there is nothing to hand in for it")]
    NotAProject,
    /// A project lesson is completed by an approval, never by the completion route.
    #[error(
        "a project lesson is completed when a reviewer approves an attempt of it: hand the \
         project in with POST /me/courses/{{course}}/projects/{{lesson}}/attempts"
    )]
    ProjectLesson,
    #[error(
        "an attempt of this project is already waiting for review: withdraw it to hand in again"
    )]
    AlreadyWaiting,
    #[error("this project is already approved")]
    AlreadyApproved,
    #[error("no such attempt")]
    AttemptNotFound,
    #[error("the attempt is no longer waiting for review")]
    NotWaiting,
    #[error("another reviewer holds the attempt's claim")]
    ClaimedByAnother,
    #[error("claim the attempt before reviewing it (or claim it again: the claim lapsed)")]
    ClaimRequired,
    /// Nobody reviews their own attempt.
    #[error("nobody reviews their own attempt")]
    OwnAttempt,
    #[error("the learner is no longer enrolled in the course")]
    LearnerLeft,
    #[error("the project is no longer in the course: its rubric is gone")]
    ProjectRemoved,
    #[error("no such notification")]
    NotificationNotFound,
    #[error("no such portfolio")]
    PortfolioNotFound,
    /// The request itself is refused (422, 412) for a reason only the records could show.
    #[error(transparent)]
    Rejected(ApiError),
    /// Racing requests kept changing the record; the client may retry.
    #[error("the record kept changing under concurrent requests")]
    Contended,
    #[error(transparent)]
    Cursor(#[from] CursorError),
    #[error(transparent)]
    Store(#[from] DbError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<ListError> for ProgressError {
    fn from(err: ListError) -> Self {
        match err {
            ListError::Cursor(cursor) => Self::Cursor(cursor),
            ListError::Db(db) => Self::Store(db),
        }
    }
}

impl From<ProgressError> for ApiError {
    fn from(err: ProgressError) -> Self {
        match err {
            ProgressError::CourseNotFound
            | ProgressError::LessonNotFound
            | ProgressError::NoEnrollment
            | ProgressError::CertificateNotFound
            | ProgressError::AttemptNotFound
            | ProgressError::NotificationNotFound
            | ProgressError::PortfolioNotFound => Self::NotFound,
            ProgressError::NotAProject
            | ProgressError::ProjectLesson
            | ProgressError::AlreadyWaiting
            | ProgressError::AlreadyApproved
            | ProgressError::NotWaiting
            | ProgressError::ClaimedByAnother
            | ProgressError::ClaimRequired
            | ProgressError::LearnerLeft
            | ProgressError::ProjectRemoved => Self::Conflict(err.to_string()),
            ProgressError::Rejected(rejected) => rejected,
            ProgressError::PositionOutsideCourse => {
                Self::invalid("lesson_id", "is not a lesson of this course")
            }
            ProgressError::NotEnrolled
            | ProgressError::NotCourseStaff
            | ProgressError::OwnAttempt => Self::Forbidden,
            ProgressError::Contended => Self::Unavailable {
                retry_after: Duration::from_secs(1),
                source: anyhow::anyhow!("{err}"),
            },
            ProgressError::Cursor(cursor) => cursor.into(),
            ProgressError::Store(db) => db.into(),
            ProgressError::Unexpected(source) => Self::Unexpected(source),
        }
    }
}

/// A learner's record in a course and the course it is measured against.
#[derive(Debug, Clone)]
pub struct Learning {
    pub enrollment: Enrollment,
    pub course: CourseSummary,
}

/// The operations, over the progress table and the content table's courses.
#[derive(Debug)]
pub struct ProgressService {
    store: ProgressStore,
    courses: Courses,
    issuer: CertificateIssuer,
}

impl ProgressService {
    /// The operations over `store`, `courses`, and certificates from `issuer`.
    pub fn new(store: ProgressStore, courses: Courses, issuer: CertificateIssuer) -> Self {
        Self {
            store,
            courses,
            issuer,
        }
    }

    /// The course and the learner's record in it, read in parallel.
    async fn read(
        &self,
        learner: UserId,
        course: CourseId,
    ) -> Result<(Option<CourseSummary>, Option<Enrollment>), ProgressError> {
        Ok(tokio::try_join!(
            self.courses.get(course),
            self.store.enrollment(learner, course)
        )?)
    }

    /// Reads a published course, the lesson (not a project) in its outline and the caller's
    /// active record.
    async fn read_for_lesson(
        &self,
        learner: UserId,
        course_id: CourseId,
        lesson: LessonId,
    ) -> Result<(CourseSummary, Enrollment), ProgressError> {
        let (course, record) = self.read(learner, course_id).await?;
        let course = published(course)?;
        match course.outline.lesson(lesson) {
            None => return Err(ProgressError::LessonNotFound),
            Some(outline) if outline.project.is_some() => {
                return Err(ProgressError::ProjectLesson);
            }
            Some(_) => {}
        }
        Ok((course, active(record)?))
    }
}

/// The rounds of reading and planning one write may take: at most [`PLAN_ATTEMPTS`], and
/// after the first only while the request's deadline leaves time for another write.
fn rounds() -> impl Iterator<Item = usize> {
    (0..PLAN_ATTEMPTS).take_while(|round| *round == 0 || deadline::allows(Duration::ZERO))
}

/// Whether a planned write was made: `false` when the record changed since it was read, so
/// the caller reads it again and re-plans.
fn written(write: Result<(), WriteError>) -> Result<bool, ProgressError> {
    match write {
        Ok(()) => Ok(true),
        Err(WriteError::Stale) => Ok(false),
        Err(WriteError::Db(err)) => Err(err.into()),
    }
}

/// The course, if it is published.
fn published(course: Option<CourseSummary>) -> Result<CourseSummary, ProgressError> {
    course
        .filter(|c| c.status == PublicationStatus::Published)
        .ok_or(ProgressError::CourseNotFound)
}

/// The projects of `outline` among `completed` (approved, since only an approval completes a
/// project lesson), in outline order: what a certificate names.
fn certified_projects(
    outline: &shared::catalog::Outline,
    completed: &std::collections::BTreeSet<LessonId>,
) -> Vec<CertifiedProject> {
    outline
        .lessons()
        .filter(|lesson| lesson.project.is_some() && completed.contains(&lesson.id))
        .map(|lesson| CertifiedProject {
            lesson_id: lesson.id,
            title: lesson.title.clone(),
        })
        .collect()
}

/// The record, if it is active.
fn active(record: Option<Enrollment>) -> Result<Enrollment, ProgressError> {
    record
        .filter(Enrollment::is_active)
        .ok_or(ProgressError::NotEnrolled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_write_is_planned_again_only_while_the_deadline_leaves_time_for_it() {
        assert_eq!(rounds().count(), PLAN_ATTEMPTS, "outside a request");
        let plenty = deadline::within(Duration::from_secs(60), async { rounds().count() });
        assert_eq!(plenty.await, PLAN_ATTEMPTS);
        let short = deadline::within(deadline::ATTEMPT_RESERVE / 2, async { rounds().count() });
        assert_eq!(short.await, 1, "the first round, and no time for another");
    }
}
