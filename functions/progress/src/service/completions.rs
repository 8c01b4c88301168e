//! Completing a lesson (and, with the last one, issuing the certificate), taking a completion
//! back, and remembering where the learner stopped.

use shared::catalog::{CourseId, LessonId};
use shared::clock::Timestamp;
use shared::identity::UserId;
use shared::token::AuthUser;

use super::{
    Learning, ProgressError, ProgressService, active, certified_projects, published, rounds,
    written,
};
use crate::certificate::{Achievement, Certificate};
use crate::enrollment::{Enrollment, Position, Progress};
use crate::store::Completion;
use shared::catalog::CourseSummary;

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
    /// [`ProgressError::ProjectLesson`] for a project (an approval completes it),
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
            let plan = self.plan_completion(&course, &enrollment, lesson, &learner.name, now)?;
            if plan.lesson.is_none() && plan.certificate.is_none() {
                return Ok(Learning { enrollment, course });
            }
            let completion = plan.completion(learner.id, course_id, &learner.name, now);
            if written(self.store.complete(&completion).await)? {
                enrollment.completed_lessons.insert(lesson);
                enrollment.record_activity(&learner.name, now);
                enrollment.started_at.get_or_insert(now);
                if let Some(certificate) = plan.certificate {
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

    /// What completing `lesson` for the learner of `enrollment` (now called `learner_name`)
    /// writes: the lesson, unless it is already completed; the certificate, when it completes
    /// the course (also when the lesson was already done: an outline that lost its last missing
    /// lesson is completed by completing any lesson again); the lessons that guard the plan.
    ///
    /// # Errors
    /// When the certificate cannot be signed.
    pub(super) fn plan_completion(
        &self,
        course: &CourseSummary,
        enrollment: &Enrollment,
        lesson: LessonId,
        learner_name: &str,
        now: Timestamp,
    ) -> Result<CompletionPlan, ProgressError> {
        let already = enrollment.completed_lessons.contains(&lesson);
        let mut after = enrollment.completed_lessons.clone();
        after.insert(lesson);
        let completes = enrollment.certificate_id.is_none()
            && Progress::of(&course.outline, &after).is_complete();
        let certificate = if completes {
            Some(self.issuer.issue(Achievement {
                learner_id: enrollment.learner_id,
                learner_name,
                course_id: course.id,
                course_title: &course.title,
                at: now,
                projects: &certified_projects(&course.outline, &after),
            })?)
        } else {
            None
        };
        let still_missing = if enrollment.certificate_id.is_some() {
            Vec::new()
        } else {
            enrollment
                .missing_lessons(&course.outline)
                .filter(|id| *id != lesson)
                .take(GUARD_LESSONS)
                .collect()
        };
        Ok(CompletionPlan {
            lesson: (!already).then_some(lesson),
            still_missing,
            certificate,
        })
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

/// What completing a lesson writes (see [`ProgressService::plan_completion`]).
#[derive(Debug, Default)]
pub(super) struct CompletionPlan {
    /// The lesson to record; `None` when it already is.
    pub lesson: Option<LessonId>,
    pub still_missing: Vec<LessonId>,
    /// The certificate, when this completes the course.
    pub certificate: Option<Certificate>,
}

impl CompletionPlan {
    /// The completion to write for `learner` in `course` at `at`.
    pub fn completion<'a>(
        &'a self,
        learner: UserId,
        course: CourseId,
        learner_name: &'a str,
        at: Timestamp,
    ) -> Completion<'a> {
        Completion {
            learner,
            course,
            learner_name,
            at,
            lesson: self.lesson,
            still_missing: &self.still_missing,
            certificate: self.certificate.as_ref(),
            also_counted: &[],
        }
    }
}
