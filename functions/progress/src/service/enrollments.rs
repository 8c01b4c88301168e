//! Enrolling, unenrolling, a learner's record in a course, and the listing of their
//! enrollments.

use shared::catalog::{CourseId, CourseSummary};
use shared::clock::Timestamp;
use shared::enrollment::EnrollmentStatus;
use shared::identity::UserId;
use shared::page::Page;
use shared::token::AuthUser;

use super::{Learning, ProgressError, ProgressService, published, rounds, written};
use crate::enrollment::Enrollment;

/// Whether an enrollment was new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enrolled {
    /// The learner's first enrollment in the course.
    First,
    /// Already enrolled, or enrolled again after unenrolling (the history resumes).
    Existing,
}

/// A learner's record in the listing of their enrollments, with its course if it still exists.
#[derive(Debug, Clone)]
pub struct ListedEnrollment {
    pub enrollment: Enrollment,
    pub course: Option<CourseSummary>,
}

impl ProgressService {
    /// Enrolls the caller in a published course at `now`; enrolling again after unenrolling
    /// resumes the old record.
    ///
    /// # Errors
    /// [`ProgressError::CourseNotFound`] unless the course is published.
    pub async fn enroll(
        &self,
        learner: &AuthUser,
        course_id: CourseId,
        now: Timestamp,
    ) -> Result<(Enrolled, Learning), ProgressError> {
        let (course, mut record) = self.read(learner.id, course_id).await?;
        let course = published(course)?;
        for _ in rounds() {
            let (kind, enrollment) = match record {
                Some(existing) if existing.is_active() => {
                    let learning = Learning {
                        enrollment: existing,
                        course,
                    };
                    return Ok((Enrolled::Existing, learning));
                }
                None => {
                    let enrollment = Enrollment::new(learner.id, &learner.name, course_id, now);
                    (Enrolled::First, enrollment)
                }
                Some(mut enrollment) => {
                    enrollment.status = EnrollmentStatus::Active;
                    enrollment.unenrolled_at = None;
                    enrollment.record_activity(&learner.name, now);
                    (Enrolled::Existing, enrollment)
                }
            };
            let write = match kind {
                Enrolled::First => self.store.enroll(&enrollment).await,
                Enrolled::Existing => self.store.reenroll(&enrollment).await,
            };
            if written(write)? {
                tracing::info!(learner = %learner.id, course = %course_id, ?kind, "enrolled");
                return Ok((kind, Learning { enrollment, course }));
            }
            record = self.store.enrollment(learner.id, course_id).await?;
        }
        Err(ProgressError::Contended)
    }

    /// Unenrolls the caller at `now`; the record and its history stay. Unenrolling twice is
    /// harmless.
    ///
    /// # Errors
    /// [`ProgressError::NoEnrollment`] when the caller never enrolled in the course.
    pub async fn unenroll(
        &self,
        learner: UserId,
        course_id: CourseId,
        now: Timestamp,
    ) -> Result<(), ProgressError> {
        for _ in rounds() {
            if written(self.store.unenroll(learner, course_id, now).await)? {
                tracing::info!(%learner, course = %course_id, "unenrolled");
                return Ok(());
            }
            match self.store.enrollment(learner, course_id).await? {
                None => return Err(ProgressError::NoEnrollment),
                Some(record) if !record.is_active() => return Ok(()),
                Some(_) => {}
            }
        }
        Err(ProgressError::Contended)
    }

    /// The caller's record in a course, enrolled or not any more.
    ///
    /// # Errors
    /// [`ProgressError::CourseNotFound`] or [`ProgressError::NoEnrollment`].
    pub async fn progress(
        &self,
        learner: UserId,
        course_id: CourseId,
    ) -> Result<Learning, ProgressError> {
        let (course, record) = self.read(learner, course_id).await?;
        let course = course.ok_or(ProgressError::CourseNotFound)?;
        let enrollment = record.ok_or(ProgressError::NoEnrollment)?;
        Ok(Learning { enrollment, course })
    }

    /// The caller's active enrollments, each with its course (when it still exists).
    ///
    /// # Errors
    /// [`ProgressError::Cursor`] for a cursor of another listing; when DynamoDB fails.
    pub async fn enrollments(
        &self,
        learner: UserId,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<ListedEnrollment>, ProgressError> {
        let page = self
            .store
            .active_enrollments(learner, limit, cursor)
            .await?;
        let ids: Vec<CourseId> = page.items.iter().map(|e| e.course_id).collect();
        let mut courses = self.courses.get_many(&ids).await?;
        Ok(Page {
            items: page
                .items
                .into_iter()
                .map(|enrollment| ListedEnrollment {
                    course: courses.remove(&enrollment.course_id),
                    enrollment,
                })
                .collect(),
            next_cursor: page.next_cursor,
        })
    }
}
