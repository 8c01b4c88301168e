//! What a learner does with a project: hand it in, list their attempts, withdraw the one
//! waiting; and read their notifications.

use shared::catalog::{CourseId, LessonId};
use shared::clock::Timestamp;
use shared::identity::UserId;
use shared::page::Page;
use shared::token::AuthUser;

use super::{ProgressError, ProgressService, active, published, rounds, written};
use crate::project::{
    Attempt, AttemptId, AttemptStatus, HandInRequest, Notification, NotificationId,
};

impl ProgressService {
    /// Hands in an attempt of a project at `now`: a new attempt, waiting for review.
    ///
    /// # Errors
    /// [`ProgressError::CourseNotFound`] unless the course is published,
    /// [`ProgressError::LessonNotFound`] unless the lesson is in its outline,
    /// [`ProgressError::NotAProject`], [`ProgressError::Rejected`] (422) without the links
    /// the project asks for, [`ProgressError::NotEnrolled`],
    /// [`ProgressError::AlreadyWaiting`], [`ProgressError::AlreadyApproved`].
    pub async fn hand_in(
        &self,
        learner: &AuthUser,
        course_id: CourseId,
        lesson: LessonId,
        request: HandInRequest,
        now: Timestamp,
    ) -> Result<Attempt, ProgressError> {
        let (course, enrollment, mut project) = tokio::try_join!(
            async { Ok::<_, ProgressError>(self.courses.get(course_id).await?) },
            async { Ok(self.store.enrollment(learner.id, course_id).await?) },
            async { Ok(self.store.learner_project(learner.id, lesson).await?) },
        )?;
        let course = published(course)?;
        let outline = course
            .outline
            .lesson(lesson)
            .ok_or(ProgressError::LessonNotFound)?;
        let hand_in = outline.project.ok_or(ProgressError::NotAProject)?.hand_in;
        request.check(hand_in).map_err(ProgressError::Rejected)?;
        active(enrollment)?;
        for _ in rounds() {
            let seen = match &project {
                Some(p) if p.approval.is_some() => return Err(ProgressError::AlreadyApproved),
                Some(p) if p.waiting.is_some() => return Err(ProgressError::AlreadyWaiting),
                Some(p) => p.attempts,
                None => 0,
            };
            let attempt = Attempt {
                id: AttemptId::new(),
                number: seen + 1,
                course_id,
                lesson_id: lesson,
                project_title: outline.title.clone(),
                learner_id: learner.id,
                learner_name: learner.name.clone(),
                repository_url: request.repository_url.clone(),
                deployment_url: request.deployment_url.clone(),
                notes: request.notes.clone().map(String::from).unwrap_or_default(),
                status: AttemptStatus::Waiting,
                submitted_at: now,
                withdrawn_at: None,
                claim: None,
                review: None,
                version: 1,
            };
            if written(self.store.hand_in(&attempt, seen).await)? {
                tracing::info!(
                    learner = %learner.id,
                    course = %course_id,
                    lesson = %lesson,
                    attempt = %attempt.id,
                    number = attempt.number,
                    "project handed in"
                );
                return Ok(attempt);
            }
            // The learner left the course, or a racing hand-in got there first.
            let (enrollment, again) = tokio::try_join!(
                self.store.enrollment(learner.id, course_id),
                self.store.learner_project(learner.id, lesson),
            )?;
            active(enrollment)?;
            project = again;
        }
        Err(ProgressError::Contended)
    }

    /// A learner's attempts of a project, newest first.
    ///
    /// # Errors
    /// [`ProgressError::CourseNotFound`], [`ProgressError::LessonNotFound`] unless the lesson
    /// is in the course's outline; [`ProgressError::Cursor`].
    pub async fn attempts(
        &self,
        learner: UserId,
        course_id: CourseId,
        lesson: LessonId,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Attempt>, ProgressError> {
        let (course, page) = tokio::try_join!(
            async { Ok::<_, ProgressError>(self.courses.get(course_id).await?) },
            async {
                Ok(self
                    .store
                    .attempts_of(learner, lesson, limit, cursor)
                    .await?)
            },
        )?;
        let course = course.ok_or(ProgressError::CourseNotFound)?;
        if course.outline.lesson(lesson).is_none() {
            return Err(ProgressError::LessonNotFound);
        }
        Ok(page)
    }

    /// Withdraws the learner's waiting attempt at `now`.
    ///
    /// # Errors
    /// [`ProgressError::AttemptNotFound`] unless it is the learner's attempt of that project,
    /// [`ProgressError::NotWaiting`] once it is reviewed or withdrawn.
    pub async fn withdraw(
        &self,
        learner: UserId,
        course_id: CourseId,
        lesson: LessonId,
        id: AttemptId,
        now: Timestamp,
    ) -> Result<Attempt, ProgressError> {
        let mut attempt = self
            .store
            .attempt(id)
            .await?
            .filter(|a| {
                a.learner_id == learner && a.course_id == course_id && a.lesson_id == lesson
            })
            .ok_or(ProgressError::AttemptNotFound)?;
        for _ in rounds() {
            if attempt.status != AttemptStatus::Waiting {
                return Err(ProgressError::NotWaiting);
            }
            if written(self.store.withdraw(&attempt, now).await)? {
                attempt.status = AttemptStatus::Withdrawn;
                attempt.withdrawn_at = Some(now);
                attempt.claim = None;
                attempt.version += 1;
                return Ok(attempt);
            }
            attempt = self
                .store
                .attempt(id)
                .await?
                .ok_or(ProgressError::AttemptNotFound)?;
        }
        Err(ProgressError::Contended)
    }

    /// A learner's notifications, newest first.
    ///
    /// # Errors
    /// [`ProgressError::Cursor`]; when DynamoDB fails.
    pub async fn notifications(
        &self,
        learner: UserId,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Notification>, ProgressError> {
        Ok(self.store.notifications(learner, limit, cursor).await?)
    }

    /// Marks one of the learner's notifications read at `now`.
    ///
    /// # Errors
    /// [`ProgressError::NotificationNotFound`] unless the learner has it.
    pub async fn read_notification(
        &self,
        learner: UserId,
        id: NotificationId,
        now: Timestamp,
    ) -> Result<(), ProgressError> {
        if self.store.read_notification(learner, id, now).await? {
            Ok(())
        } else {
            Err(ProgressError::NotificationNotFound)
        }
    }
}
