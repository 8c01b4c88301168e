//! Completing a lesson (and, with the last one, issuing the certificate), taking a completion
//! back, and remembering where the learner stopped.

use shared::catalog::{CourseId, LessonId};
use shared::clock::Timestamp;
use shared::identity::UserId;
use shared::token::AuthUser;

use super::{Learning, ProgressError, ProgressService, active, published, rounds, written};
use crate::certificate::Achievement;
use crate::enrollment::{Enrollment, Position, Progress};
use crate::store::Completion;

/// At most this many missing lessons guard a completion that is not the last (see
/// [`Completion::still_missing`]); any one still missing proves the course is not complete.
const GUARD_LESSONS: usize = 16;

impl ProgressService {
    /// Marks a lesson completed at `now` (again, harmlessly). When it completes the course,
    /// the certificate is issued in the same transaction, exactly once.
    ///
    /// # Errors
    /// [`ProgressError::CourseNotFound`] unless the course is published,
    /// [`ProgressError::LessonNotFound`] unless the lesson is in its outline,
    /// [`ProgressError::NotEnrolled`] unless the caller is enrolled.
    pub async fn complete(
        &self,
        learner: &AuthUser,
        course_id: CourseId,
        lesson: LessonId,
        now: Timestamp,
    ) -> Result<Learning, ProgressError> {
        let (course, mut enrollment) = self.read_for_lesson(learner.id, course_id, lesson).await?;
        for _ in rounds() {
            let already = enrollment.completed_lessons.contains(&lesson);
            let mut after = enrollment.completed_lessons.clone();
            after.insert(lesson);
            // Also when the lesson was already done: an outline that lost its last missing
            // lesson is completed by completing any lesson (again).
            let completes = enrollment.certificate_id.is_none()
                && Progress::of(&course.outline, &after).is_complete();
            if already && !completes {
                return Ok(Learning { enrollment, course });
            }
            let certificate = if completes {
                Some(self.issuer.issue(Achievement {
                    learner_id: learner.id,
                    learner_name: &learner.name,
                    course_id,
                    course_title: &course.title,
                    at: now,
                })?)
            } else {
                None
            };
            let still_missing: Vec<LessonId> = if enrollment.certificate_id.is_some() {
                Vec::new()
            } else {
                enrollment
                    .missing_lessons(&course.outline)
                    .filter(|id| *id != lesson)
                    .take(GUARD_LESSONS)
                    .collect()
            };
            let completion = Completion {
                learner: learner.id,
                course: course_id,
                learner_name: &learner.name,
                at: now,
                lesson: (!already).then_some(lesson),
                still_missing: &still_missing,
                certificate: certificate.as_ref(),
            };
            if written(self.store.complete(&completion).await)? {
                enrollment.completed_lessons = after;
                enrollment.record_activity(&learner.name, now);
                enrollment.started_at.get_or_insert(now);
                if let Some(certificate) = certificate {
                    tracing::info!(
                        learner = %learner.id,
                        course = %course_id,
                        certificate = %certificate.id,
                        "course completed; certificate issued"
                    );
                    enrollment.certificate_id = Some(certificate.id);
                    enrollment.completed_at = Some(now);
                }
                return Ok(Learning { enrollment, course });
            }
            enrollment = self.active_record(learner.id, course_id).await?;
        }
        Err(ProgressError::Contended)
    }

    /// Takes back a lesson's completion at `now` (harmless when it was not completed). A
    /// certificate already issued stays.
    ///
    /// # Errors
    /// As [`Self::complete`].
    pub async fn uncomplete(
        &self,
        learner: &AuthUser,
        course_id: CourseId,
        lesson: LessonId,
        now: Timestamp,
    ) -> Result<Learning, ProgressError> {
        let (course, mut enrollment) = self.read_for_lesson(learner.id, course_id, lesson).await?;
        for _ in rounds() {
            if !enrollment.completed_lessons.contains(&lesson) {
                return Ok(Learning { enrollment, course });
            }
            let write = self
                .store
                .uncomplete(learner.id, course_id, lesson, &learner.name, now)
                .await;
            if written(write)? {
                enrollment.completed_lessons.remove(&lesson);
                enrollment.record_activity(&learner.name, now);
                return Ok(Learning { enrollment, course });
            }
            enrollment = self.active_record(learner.id, course_id).await?;
        }
        Err(ProgressError::Contended)
    }

    /// The learner's record, read again after a racing request changed it, if it is active.
    async fn active_record(
        &self,
        learner: UserId,
        course: CourseId,
    ) -> Result<Enrollment, ProgressError> {
        active(self.store.enrollment(learner, course).await?)
    }

    /// Remembers where the caller stopped in a course, as of `now`.
    ///
    /// # Errors
    /// [`ProgressError::CourseNotFound`] unless the course is published,
    /// [`ProgressError::PositionOutsideCourse`] unless the lesson is in its outline,
    /// [`ProgressError::NotEnrolled`] unless the caller is enrolled.
    pub async fn set_position(
        &self,
        learner: &AuthUser,
        course_id: CourseId,
        lesson_id: LessonId,
        seconds: u32,
        now: Timestamp,
    ) -> Result<(), ProgressError> {
        let course = published(self.courses.get(course_id).await?)?;
        if course.outline.lesson(lesson_id).is_none() {
            return Err(ProgressError::PositionOutsideCourse);
        }
        let position = Position {
            lesson_id,
            seconds,
            updated_at: now,
        };
        let write = self
            .store
            .set_position(learner.id, course_id, &position, &learner.name)
            .await;
        if written(write)? {
            Ok(())
        } else {
            Err(ProgressError::NotEnrolled)
        }
    }
}
