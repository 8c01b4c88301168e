//! What a course's reviewers (its instructors, and admins) do with attempts: read the review
//! queue, claim an attempt, review it. An approval completes the project lesson in the same
//! transaction as the review, so course completion and the certificate follow the rules of
//! every other completion.

use shared::caching::Precondition;
use shared::catalog::{CourseId, CourseSummary, LessonId};
use shared::clock::Timestamp;
use shared::page::Page;
use shared::token::AuthUser;

use super::completions::CompletionPlan;
use super::staff::{require_staff_role, staff_course};
use super::{ProgressError, ProgressService, rounds, written};
use crate::certificate::Certificate;
use crate::enrollment::Enrollment;
use crate::project::{
    Approval, Attempt, AttemptId, AttemptStatus, CLAIM_TTL, Claim, Notification, NotificationId,
    NotificationKind, Outcome, ReviewRequest,
};
use crate::store::{Completion, Reviewed, WriteError, review_wait_counter};

impl ProgressService {
    /// A course's review queue (or one project's), oldest first.
    ///
    /// # Errors
    /// [`ProgressError::NotCourseStaff`], [`ProgressError::CourseNotFound`],
    /// [`ProgressError::Rejected`] (422) when `project` is not a project of the course,
    /// [`ProgressError::Cursor`].
    pub async fn queue(
        &self,
        caller: &AuthUser,
        course_id: CourseId,
        project: Option<LessonId>,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Attempt>, ProgressError> {
        require_staff_role(caller)?;
        let (course, page) = tokio::try_join!(
            async { Ok::<_, ProgressError>(self.courses.get(course_id).await?) },
            async { Ok(self.store.queue(course_id, project, limit, cursor).await?) },
        )?;
        let course = staff_course(caller, course)?;
        if let Some(lesson) = project
            && course
                .outline
                .lesson(lesson)
                .is_none_or(|l| l.project.is_none())
        {
            return Err(ProgressError::Rejected(shared::ApiError::invalid(
                "project",
                "is not a project of this course",
            )));
        }
        Ok(page)
    }

    /// An attempt of a course, for its reviewers.
    ///
    /// # Errors
    /// [`ProgressError::NotCourseStaff`], [`ProgressError::CourseNotFound`],
    /// [`ProgressError::AttemptNotFound`] unless the attempt is one of the course's.
    pub async fn reviewable(
        &self,
        caller: &AuthUser,
        course_id: CourseId,
        id: AttemptId,
    ) -> Result<(CourseSummary, Attempt), ProgressError> {
        require_staff_role(caller)?;
        let (course, attempt) = tokio::try_join!(
            async { Ok::<_, ProgressError>(self.courses.get(course_id).await?) },
            async { Ok(self.store.attempt(id).await?) },
        )?;
        let course = staff_course(caller, course)?;
        let attempt = attempt
            .filter(|a| a.course_id == course_id)
            .ok_or(ProgressError::AttemptNotFound)?;
        Ok((course, attempt))
    }

    /// Claims an attempt for the caller until [`CLAIM_TTL`] from `now` (again, to renew it).
    ///
    /// # Errors
    /// As [`Self::reviewable`]; [`ProgressError::OwnAttempt`],
    /// [`ProgressError::NotWaiting`], [`ProgressError::ClaimedByAnother`].
    pub async fn claim(
        &self,
        caller: &AuthUser,
        course_id: CourseId,
        id: AttemptId,
        now: Timestamp,
    ) -> Result<Attempt, ProgressError> {
        let (_, mut attempt) = self.reviewable(caller, course_id, id).await?;
        if attempt.learner_id == caller.id {
            return Err(ProgressError::OwnAttempt);
        }
        let claim = Claim {
            reviewer_id: caller.id,
            reviewer_name: caller.name.clone(),
            expires_at: now.plus(CLAIM_TTL),
        };
        for _ in rounds() {
            claimable(&attempt, caller, now)?;
            match self.store.claim(id, &claim, now).await {
                Ok(claimed) => {
                    tracing::info!(reviewer = %caller.id, attempt = %id, "attempt claimed");
                    return Ok(claimed);
                }
                Err(WriteError::Stale) => {}
                Err(WriteError::Db(err)) => return Err(err.into()),
            }
            attempt = self
                .store
                .attempt(id)
                .await?
                .ok_or(ProgressError::AttemptNotFound)?;
        }
        Err(ProgressError::Contended)
    }

    /// Reviews an attempt the caller holds the claim of, as of the version `precondition`
    /// names. An approval completes the project lesson (and the course, with its certificate,
    /// when it was the last lesson missing).
    ///
    /// # Errors
    /// As [`Self::reviewable`]; [`ProgressError::OwnAttempt`], [`ProgressError::Rejected`]
    /// (428 without `If-Match`, 412 for another version, 422 for scores the rubric refuses),
    /// [`ProgressError::NotWaiting`], [`ProgressError::ClaimRequired`],
    /// [`ProgressError::ProjectRemoved`], [`ProgressError::LearnerLeft`].
    pub async fn review(
        &self,
        caller: &AuthUser,
        course_id: CourseId,
        id: AttemptId,
        precondition: &Precondition,
        request: ReviewRequest,
        now: Timestamp,
    ) -> Result<Attempt, ProgressError> {
        let (course, mut attempt) = self.reviewable(caller, course_id, id).await?;
        if attempt.learner_id == caller.id {
            return Err(ProgressError::OwnAttempt);
        }
        let (rubric, mut enrollment) = tokio::try_join!(
            async {
                Ok::<_, ProgressError>(self.courses.rubric(course_id, attempt.lesson_id).await?)
            },
            async { Ok(self.store.enrollment(attempt.learner_id, course_id).await?) },
        )?;
        precondition
            .check(attempt.version, true)
            .map_err(ProgressError::Rejected)?;
        reviewable_by(&attempt, caller, now)?;
        let rubric = rubric.ok_or(ProgressError::ProjectRemoved)?;
        let review = request
            .score(&rubric, caller.id, &caller.name, now)
            .map_err(ProgressError::Rejected)?;
        for _ in rounds() {
            let plan =
                self.plan_review(&course, &attempt, enrollment.as_ref(), review.outcome, now)?;
            let reviewed = Reviewed {
                attempt: &attempt,
                review: &review,
                wait_counter: review_wait_counter(now.since(attempt.submitted_at)),
                approval: plan.approval.as_ref(),
                completion: plan.completion(&attempt, now),
                notifications: &plan.notifications,
            };
            if written(self.store.review(&reviewed).await)? {
                tracing::info!(
                    reviewer = %caller.id,
                    attempt = %id,
                    outcome = ?review.outcome,
                    certificate = ?plan.certificate().map(|c| c.id.as_str()),
                    "attempt reviewed"
                );
                attempt.status = review.outcome.into();
                attempt.review = Some(review);
                attempt.claim = None;
                attempt.version += 1;
                return Ok(attempt);
            }
            // Someone else changed the attempt (a withdrawal, another review), the claim
            // lapsed, or the learner's record moved (a racing completion or approval).
            let (again, record) = tokio::try_join!(
                self.store.attempt(id),
                self.store.enrollment(attempt.learner_id, course_id),
            )?;
            let again = again.ok_or(ProgressError::AttemptNotFound)?;
            if again.version != attempt.version {
                if again.status != AttemptStatus::Waiting {
                    return Err(ProgressError::NotWaiting);
                }
                return Err(ProgressError::Rejected(
                    shared::ApiError::PreconditionFailed,
                ));
            }
            reviewable_by(&again, caller, now)?;
            (attempt, enrollment) = (again, record);
        }
        Err(ProgressError::Contended)
    }

    /// What a review writes besides the attempt: for an approval, the portfolio entry, the
    /// lesson's completion and, when it completes the course, the certificate.
    fn plan_review(
        &self,
        course: &CourseSummary,
        attempt: &Attempt,
        enrollment: Option<&Enrollment>,
        outcome: Outcome,
        now: Timestamp,
    ) -> Result<ReviewPlan, ProgressError> {
        let reviewed = Notification {
            id: NotificationId::new(),
            learner_id: attempt.learner_id,
            kind: NotificationKind::Reviewed,
            course_id: course.id,
            course_title: course.title.clone(),
            lesson_id: Some(attempt.lesson_id),
            project_title: Some(attempt.project_title.clone()),
            attempt_id: Some(attempt.id),
            outcome: Some(outcome),
            certificate_id: None,
            created_at: now,
            read_at: None,
        };
        if outcome == Outcome::ChangesRequested {
            return Ok(ReviewPlan {
                notifications: vec![reviewed],
                ..ReviewPlan::default()
            });
        }
        let enrollment = enrollment
            .filter(|e| e.is_active())
            .ok_or(ProgressError::LearnerLeft)?;
        let completion = self.plan_completion(
            course,
            enrollment,
            attempt.lesson_id,
            &enrollment.learner_name,
            now,
        )?;
        let mut notifications = vec![reviewed];
        if let Some(certificate) = &completion.certificate {
            notifications.push(Notification {
                id: NotificationId::new(),
                kind: NotificationKind::CertificateIssued,
                lesson_id: None,
                project_title: None,
                attempt_id: None,
                outcome: None,
                certificate_id: Some(certificate.id.clone()),
                ..notifications[0].clone()
            });
        }
        Ok(ReviewPlan {
            approval: Some(Approval {
                attempt_id: attempt.id,
                course_title: course.title.clone(),
                project_title: attempt.project_title.clone(),
                repository_url: attempt.repository_url.clone(),
                deployment_url: attempt.deployment_url.clone(),
                approved_at: now,
            }),
            learner_name: enrollment.learner_name.clone(),
            completion: Some(completion),
            notifications,
        })
    }
}

/// What a review writes besides the attempt (see [`ProgressService::plan_review`]).
#[derive(Debug, Default)]
struct ReviewPlan {
    approval: Option<Approval>,
    learner_name: String,
    /// The lesson's completion, for an approval.
    completion: Option<CompletionPlan>,
    notifications: Vec<Notification>,
}

impl ReviewPlan {
    /// The completion an approval makes; `None` for changes requested.
    fn completion<'a>(&'a self, attempt: &Attempt, now: Timestamp) -> Option<Completion<'a>> {
        let plan = self.completion.as_ref()?;
        Some(plan.completion(
            attempt.learner_id,
            attempt.course_id,
            &self.learner_name,
            now,
        ))
    }

    /// The certificate an approval issues, if it completes the course.
    fn certificate(&self) -> Option<&Certificate> {
        self.completion.as_ref()?.certificate.as_ref()
    }
}

/// Whether `caller` may claim `attempt` at `now`: it waits, and nobody else holds it.
fn claimable(attempt: &Attempt, caller: &AuthUser, now: Timestamp) -> Result<(), ProgressError> {
    if attempt.status != AttemptStatus::Waiting {
        return Err(ProgressError::NotWaiting);
    }
    match attempt.claim_at(now) {
        Some(claim) if claim.reviewer_id != caller.id => Err(ProgressError::ClaimedByAnother),
        _ => Ok(()),
    }
}

/// Whether `caller` may review `attempt` at `now`: it waits, and they hold its claim.
fn reviewable_by(
    attempt: &Attempt,
    caller: &AuthUser,
    now: Timestamp,
) -> Result<(), ProgressError> {
    if attempt.status != AttemptStatus::Waiting {
        return Err(ProgressError::NotWaiting);
    }
    match attempt.claim_at(now) {
        Some(claim) if claim.reviewer_id == caller.id => Ok(()),
        _ => Err(ProgressError::ClaimRequired),
    }
}
