//! The JSON the API answers with. Times are RFC 3339 in UTC, to the microsecond; absent values
//! are `null`.

use serde::Serialize;
use shared::catalog::{CourseId, CourseSummary, LessonId};
use shared::clock::Timestamp;
use shared::enrollment::EnrollmentStatus;
use shared::identity::UserId;

use crate::certificate::{Certificate, CertificateId, CertificateStatus, CertifiedProject};
use crate::enrollment::{Enrollment, Position};
use crate::project::{
    Attempt, AttemptId, AttemptStatus, Claim, LearnerProject, Notification, NotificationId,
    NotificationKind, Outcome, Portfolio, Review,
};
use crate::service::{CourseStats, Learning, ListedEnrollment};

/// An entry of `GET /me/enrollments` (and the answer to enrolling).
#[derive(Debug, Serialize)]
pub struct EnrollmentView {
    pub course_id: CourseId,
    /// `null` when the course no longer exists.
    pub course_title: Option<String>,
    pub status: EnrollmentStatus,
    pub percent: u8,
    pub completed_lessons: usize,
    pub total_lessons: usize,
    pub next_lesson_id: Option<LessonId>,
    pub enrolled_at: Timestamp,
    pub last_activity_at: Timestamp,
    pub completed_at: Option<Timestamp>,
    pub certificate_id: Option<CertificateId>,
}

impl EnrollmentView {
    /// The entry of `enrollment`, measured against `course` when it still exists.
    pub fn new(enrollment: &Enrollment, course: Option<&CourseSummary>) -> Self {
        let progress = course.map(|c| enrollment.progress(&c.outline));
        Self {
            course_id: enrollment.course_id,
            course_title: course.map(|c| c.title.clone()),
            status: enrollment.status,
            percent: progress.as_ref().map_or(0, |p| p.percent),
            completed_lessons: progress
                .as_ref()
                .map_or(0, |p| p.completed_lesson_ids.len()),
            total_lessons: progress.as_ref().map_or(0, |p| p.total_lessons),
            next_lesson_id: progress.and_then(|p| p.next_lesson_id),
            enrolled_at: enrollment.enrolled_at,
            last_activity_at: enrollment.last_activity_at,
            completed_at: enrollment.completed_at,
            certificate_id: enrollment.certificate_id.clone(),
        }
    }
}

impl From<&Learning> for EnrollmentView {
    fn from(learning: &Learning) -> Self {
        Self::new(&learning.enrollment, Some(&learning.course))
    }
}

impl From<&ListedEnrollment> for EnrollmentView {
    fn from(listed: &ListedEnrollment) -> Self {
        Self::new(&listed.enrollment, listed.course.as_ref())
    }
}

/// `GET /me/courses/{course}/progress`, and the answer to completing a lesson.
#[derive(Debug, Serialize)]
pub struct ProgressView {
    pub course_id: CourseId,
    pub status: EnrollmentStatus,
    pub percent: u8,
    /// In outline order; only lessons of the current outline.
    pub completed_lesson_ids: Vec<LessonId>,
    pub total_lessons: usize,
    pub next_lesson_id: Option<LessonId>,
    /// Where to resume.
    pub position: Option<Position>,
    pub enrolled_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub last_activity_at: Timestamp,
    pub completed_at: Option<Timestamp>,
    pub certificate_id: Option<CertificateId>,
}

impl From<&Learning> for ProgressView {
    fn from(Learning { enrollment, course }: &Learning) -> Self {
        let progress = enrollment.progress(&course.outline);
        Self {
            course_id: enrollment.course_id,
            status: enrollment.status,
            percent: progress.percent,
            completed_lesson_ids: progress.completed_lesson_ids,
            total_lessons: progress.total_lessons,
            next_lesson_id: progress.next_lesson_id,
            position: enrollment.position.clone(),
            enrolled_at: enrollment.enrolled_at,
            started_at: enrollment.started_at,
            last_activity_at: enrollment.last_activity_at,
            completed_at: enrollment.completed_at,
            certificate_id: enrollment.certificate_id.clone(),
        }
    }
}

/// A certificate, as its public verification page and its learner see it. The learner's id is
/// not shown.
#[derive(Debug, Serialize)]
pub struct CertificateView {
    pub id: CertificateId,
    pub status: CertificateStatus,
    pub learner_name: String,
    pub course_id: CourseId,
    pub course_title: String,
    pub issued_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub verification_url: String,
    /// The signed credential, to verify offline against the published keys.
    pub credential: String,
    /// The course's approved projects, in outline order.
    pub projects: Vec<CertifiedProject>,
}

impl From<Certificate> for CertificateView {
    fn from(certificate: Certificate) -> Self {
        Self {
            id: certificate.id,
            status: certificate.status,
            learner_name: certificate.learner_name,
            course_id: certificate.course_id,
            course_title: certificate.course_title,
            issued_at: certificate.issued_at,
            revoked_at: certificate.revoked_at,
            verification_url: certificate.verification_url,
            credential: certificate.credential,
            projects: certificate.projects,
        }
    }
}

/// One lesson's line in a course's statistics.
#[derive(Debug, Serialize)]
pub struct LessonStatsView {
    pub lesson_id: LessonId,
    pub title: String,
    /// Learners who have it completed now.
    pub completions: i64,
}

/// `GET /courses/{course}/stats`.
#[derive(Debug, Serialize)]
pub struct StatsView {
    pub course_id: CourseId,
    /// Learners who ever enrolled.
    pub enrolled: i64,
    /// Learners enrolled now.
    pub active: i64,
    /// Learners who completed the course.
    pub completed: i64,
    /// `completed / enrolled`, from 0 to 1.
    pub completion_rate: f64,
    /// Attempts of the course's projects waiting for review now.
    pub waiting_attempts: i64,
    /// The median time from hand-in to review, as the upper bound of its power-of-two bucket
    /// (1, 2, 4, … minutes); `null` before the first review.
    pub median_minutes_to_review: Option<u64>,
    /// Every lesson of the current outline, in order.
    pub lessons: Vec<LessonStatsView>,
}

impl From<CourseStats> for StatsView {
    fn from(CourseStats { course, counters }: CourseStats) -> Self {
        let completion_rate = if counters.enrolled > 0 {
            counters.completed as f64 / counters.enrolled as f64
        } else {
            0.0
        };
        Self {
            course_id: course.id,
            enrolled: counters.enrolled,
            active: counters.active,
            completed: counters.completed,
            completion_rate,
            waiting_attempts: counters.waiting,
            median_minutes_to_review: counters.median_minutes_to_review(),
            lessons: course
                .outline
                .lessons()
                .map(|lesson| LessonStatsView {
                    lesson_id: lesson.id,
                    title: lesson.title.clone(),
                    completions: counters
                        .lesson_completions
                        .get(&lesson.id)
                        .copied()
                        .unwrap_or(0),
                })
                .collect(),
        }
    }
}

/// An entry of `GET /courses/{course}/learners`.
#[derive(Debug, Serialize)]
pub struct LearnerView {
    pub learner_id: UserId,
    pub learner_name: String,
    pub status: EnrollmentStatus,
    pub percent: u8,
    pub completed_lessons: usize,
    pub total_lessons: usize,
    pub enrolled_at: Timestamp,
    pub last_activity_at: Timestamp,
    pub completed_at: Option<Timestamp>,
}

impl LearnerView {
    /// The roster line of `enrollment`, measured against `course`.
    pub fn new(enrollment: Enrollment, course: &CourseSummary) -> Self {
        let progress = enrollment.progress(&course.outline);
        Self {
            learner_id: enrollment.learner_id,
            learner_name: enrollment.learner_name,
            status: enrollment.status,
            percent: progress.percent,
            completed_lessons: progress.completed_lesson_ids.len(),
            total_lessons: progress.total_lessons,
            enrolled_at: enrollment.enrolled_at,
            last_activity_at: enrollment.last_activity_at,
            completed_at: enrollment.completed_at,
        }
    }
}

/// An attempt, as its learner and its reviewers see it.
#[derive(Debug, Serialize)]
pub struct AttemptView {
    pub id: AttemptId,
    pub number: u32,
    pub course_id: CourseId,
    pub lesson_id: LessonId,
    pub project_title: String,
    pub learner_id: UserId,
    pub learner_name: String,
    pub repository_url: Option<String>,
    pub deployment_url: Option<String>,
    pub notes: String,
    pub status: AttemptStatus,
    pub submitted_at: Timestamp,
    pub withdrawn_at: Option<Timestamp>,
    /// `null` when nobody holds it, or the claim lapsed.
    pub claim: Option<Claim>,
    pub review: Option<Review>,
}

impl AttemptView {
    /// The attempt as of `now` (a lapsed claim is no claim).
    pub fn new(attempt: Attempt, now: Timestamp) -> Self {
        let claim = attempt.claim_at(now).cloned();
        Self {
            id: attempt.id,
            number: attempt.number,
            course_id: attempt.course_id,
            lesson_id: attempt.lesson_id,
            project_title: attempt.project_title,
            learner_id: attempt.learner_id,
            learner_name: attempt.learner_name,
            repository_url: attempt.repository_url.map(String::from),
            deployment_url: attempt.deployment_url.map(String::from),
            notes: attempt.notes,
            status: attempt.status,
            submitted_at: attempt.submitted_at,
            withdrawn_at: attempt.withdrawn_at,
            claim,
            review: attempt.review,
        }
    }
}

/// An entry of `GET /me/notifications`.
#[derive(Debug, Serialize)]
pub struct NotificationView {
    pub id: NotificationId,
    pub kind: NotificationKind,
    pub course_id: CourseId,
    pub course_title: String,
    pub lesson_id: Option<LessonId>,
    pub project_title: Option<String>,
    pub attempt_id: Option<AttemptId>,
    pub outcome: Option<Outcome>,
    pub certificate_id: Option<CertificateId>,
    pub created_at: Timestamp,
    pub read: bool,
}

impl From<Notification> for NotificationView {
    fn from(n: Notification) -> Self {
        Self {
            id: n.id,
            kind: n.kind,
            course_id: n.course_id,
            course_title: n.course_title,
            lesson_id: n.lesson_id,
            project_title: n.project_title,
            attempt_id: n.attempt_id,
            outcome: n.outcome,
            certificate_id: n.certificate_id,
            created_at: n.created_at,
            read: n.read_at.is_some(),
        }
    }
}

/// `GET` and `PUT /me/portfolio`.
#[derive(Debug, Serialize)]
pub struct PortfolioSettingsView {
    pub public: bool,
    pub url: Option<String>,
}

impl From<Option<String>> for PortfolioSettingsView {
    fn from(url: Option<String>) -> Self {
        Self {
            public: url.is_some(),
            url,
        }
    }
}

/// An approved project on a public portfolio.
#[derive(Debug, Serialize)]
pub struct PortfolioProjectView {
    pub course_id: CourseId,
    pub course_title: String,
    pub lesson_id: LessonId,
    pub project_title: String,
    pub repository_url: Option<String>,
    pub deployment_url: Option<String>,
    pub approved_at: Timestamp,
}

/// `GET /portfolios/{portfolio}`: a learner's name and approved projects, nothing else of
/// them.
#[derive(Debug, Serialize)]
pub struct PortfolioView {
    pub learner_name: String,
    pub projects: Vec<PortfolioProjectView>,
}

impl PortfolioView {
    pub fn new(portfolio: Portfolio, projects: Vec<LearnerProject>) -> Self {
        Self {
            learner_name: portfolio.learner_name,
            projects: projects
                .into_iter()
                .filter_map(|project| {
                    let approval = project.approval?;
                    Some(PortfolioProjectView {
                        course_id: project.course_id,
                        course_title: approval.course_title,
                        lesson_id: project.lesson_id,
                        project_title: approval.project_title,
                        repository_url: approval.repository_url.map(String::from),
                        deployment_url: approval.deployment_url.map(String::from),
                        approved_at: approval.approved_at,
                    })
                })
                .collect(),
        }
    }
}
