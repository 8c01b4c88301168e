//! What `progress` does: enrol and unenrol, complete lessons, remember positions, issue and
//! revoke certificates, and count a course's learners.
//!
//! Each write reads what it decides on (the course from the content table and the learner's
//! record, in parallel), plans one write, and makes it conditional on what it read. When a
//! racing request changed the record in between, the store says so ([`WriteError::Stale`]) and
//! the operation reads again and re-plans, a few times at most.

use std::time::Duration;

use shared::ApiError;
use shared::catalog::{CourseId, CourseSummary, LessonId, PublicationStatus};
use shared::dynamo::DbError;
use shared::enrollment::EnrollmentStatus;
use shared::identity::{Role, UserId};
use shared::page::Page;
use shared::token::AuthUser;

use crate::certificate::{Achievement, Certificate, CertificateId, CertificateIssuer};
use crate::clock;
use crate::courses::Courses;
use crate::enrollment::{Enrollment, Position};
use crate::store::{Completion, CourseCounters, ProgressStore, WriteError};

/// Reads and re-plans of one write before giving up under contention (503).
const PLAN_ATTEMPTS: usize = 8;
/// At most this many missing lessons guard a completion that is not the last (see
/// [`Completion::still_missing`]); any one still missing proves the course is not complete.
const GUARD_LESSONS: usize = 16;

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
    #[error("no enrolment in the course")]
    NoEnrollment,
    #[error("no such certificate")]
    CertificateNotFound,
    /// The caller is neither an admin nor one of the course's instructors.
    #[error("only the course's instructors and admins")]
    NotCourseStaff,
    /// Racing requests kept changing the record; the client may retry.
    #[error("the record kept changing under concurrent requests")]
    Contended,
    #[error(transparent)]
    Store(#[from] DbError),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<ProgressError> for ApiError {
    fn from(err: ProgressError) -> Self {
        match err {
            ProgressError::CourseNotFound
            | ProgressError::LessonNotFound
            | ProgressError::NoEnrollment
            | ProgressError::CertificateNotFound => Self::NotFound,
            ProgressError::PositionOutsideCourse => {
                Self::invalid("lesson_id", "is not a lesson of this course")
            }
            ProgressError::NotEnrolled | ProgressError::NotCourseStaff => Self::Forbidden,
            ProgressError::Contended => Self::Unavailable {
                retry_after: Duration::from_secs(1),
                source: anyhow::anyhow!("{err}"),
            },
            ProgressError::Store(db) => db.into(),
            ProgressError::Unexpected(source) => Self::Unexpected(source),
        }
    }
}

/// Whether an enrolment was new.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enrolled {
    /// The learner's first enrolment in the course.
    First,
    /// Already enrolled, or enrolled again after unenrolling (the history resumes).
    Existing,
}

/// A learner's record in a course and the course it is measured against.
#[derive(Debug, Clone)]
pub struct Learning {
    pub enrollment: Enrollment,
    pub course: CourseSummary,
}

/// A learner's record in the listing of their enrolments, with its course if it still exists.
#[derive(Debug, Clone)]
pub struct ListedEnrollment {
    pub enrollment: Enrollment,
    pub course: Option<CourseSummary>,
}

/// A course's statistics.
#[derive(Debug, Clone)]
pub struct CourseStats {
    pub course: CourseSummary,
    pub counters: CourseCounters,
}

/// The operations, over the progress table and the content table's courses.
#[derive(Debug)]
pub struct ProgressService {
    store: ProgressStore,
    courses: Courses,
    issuer: CertificateIssuer,
}

fn published(course: Option<CourseSummary>) -> Result<CourseSummary, ProgressError> {
    course
        .filter(|c| c.status == PublicationStatus::Published)
        .ok_or(ProgressError::CourseNotFound)
}

impl ProgressService {
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

    /// Enrols the caller in a published course; enrolling again after unenrolling resumes the
    /// old record.
    ///
    /// # Errors
    /// [`ProgressError::CourseNotFound`] unless the course is published.
    pub async fn enroll(
        &self,
        learner: &AuthUser,
        course_id: CourseId,
    ) -> Result<(Enrolled, Learning), ProgressError> {
        let (course, mut record) = self.read(learner.id, course_id).await?;
        let course = published(course)?;
        for _ in 0..PLAN_ATTEMPTS {
            let now = clock::now();
            let (kind, written, enrollment) = match record {
                Some(existing) if existing.is_active() => {
                    let learning = Learning {
                        enrollment: existing,
                        course,
                    };
                    return Ok((Enrolled::Existing, learning));
                }
                None => {
                    let enrollment = Enrollment::new(learner.id, &learner.name, course_id, now);
                    let written = self.store.enroll(&enrollment).await;
                    (Enrolled::First, written, enrollment)
                }
                Some(mut enrollment) => {
                    let written = self.store.reenroll(&enrollment, &learner.name, now).await;
                    enrollment.status = EnrollmentStatus::Active;
                    enrollment.unenrolled_at = None;
                    enrollment.learner_name.clone_from(&learner.name);
                    enrollment.last_activity_at = now;
                    (Enrolled::Existing, written, enrollment)
                }
            };
            match written {
                Ok(()) => {
                    tracing::info!(learner = %learner.id, course = %course_id, ?kind, "enrolled");
                    return Ok((kind, Learning { enrollment, course }));
                }
                Err(WriteError::Stale) => {
                    record = self.store.enrollment(learner.id, course_id).await?;
                }
                Err(WriteError::Db(err)) => return Err(err.into()),
            }
        }
        Err(ProgressError::Contended)
    }

    /// Unenrols the caller; the record and its history stay. Unenrolling twice is harmless.
    ///
    /// # Errors
    /// [`ProgressError::NoEnrollment`] when the caller never enrolled in the course.
    pub async fn unenroll(
        &self,
        learner: UserId,
        course_id: CourseId,
    ) -> Result<(), ProgressError> {
        for _ in 0..PLAN_ATTEMPTS {
            match self.store.unenroll(learner, course_id, clock::now()).await {
                Ok(()) => {
                    tracing::info!(%learner, course = %course_id, "unenrolled");
                    return Ok(());
                }
                Err(WriteError::Stale) => match self.store.enrollment(learner, course_id).await? {
                    None => return Err(ProgressError::NoEnrollment),
                    Some(record) if !record.is_active() => return Ok(()),
                    Some(_) => {}
                },
                Err(WriteError::Db(err)) => return Err(err.into()),
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

    /// Reads a published course, the lesson in its outline and the caller's active record.
    async fn read_for_lesson(
        &self,
        learner: UserId,
        course_id: CourseId,
        lesson: LessonId,
    ) -> Result<(CourseSummary, Enrollment), ProgressError> {
        let (course, record) = self.read(learner, course_id).await?;
        let course = published(course)?;
        if course.outline.lesson(lesson).is_none() {
            return Err(ProgressError::LessonNotFound);
        }
        let enrollment = active(record)?;
        Ok((course, enrollment))
    }

    /// Marks a lesson completed (again, harmlessly). When it completes the course, the
    /// certificate is issued in the same transaction, exactly once.
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
    ) -> Result<Learning, ProgressError> {
        let (course, mut enrollment) = self.read_for_lesson(learner.id, course_id, lesson).await?;
        for _ in 0..PLAN_ATTEMPTS {
            let already = enrollment.completed_lessons.contains(&lesson);
            let mut after = enrollment.completed_lessons.clone();
            after.insert(lesson);
            // Also when the lesson was already done: an outline that lost its last missing
            // lesson is completed by completing any lesson (again).
            let completes = enrollment.certificate_id.is_none()
                && crate::enrollment::Progress::of(&course.outline, &after).is_complete();
            if already && !completes {
                return Ok(Learning { enrollment, course });
            }
            let now = clock::now();
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
            match self.store.complete(&completion).await {
                Ok(()) => {
                    enrollment.completed_lessons = after;
                    enrollment.learner_name.clone_from(&learner.name);
                    enrollment.last_activity_at = now;
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
                Err(WriteError::Stale) => {
                    enrollment = active(self.store.enrollment(learner.id, course_id).await?)?;
                }
                Err(WriteError::Db(err)) => return Err(err.into()),
            }
        }
        Err(ProgressError::Contended)
    }

    /// Takes back a lesson's completion (harmless when it was not completed). A certificate
    /// already issued stays.
    ///
    /// # Errors
    /// As [`Self::complete`].
    pub async fn uncomplete(
        &self,
        learner: &AuthUser,
        course_id: CourseId,
        lesson: LessonId,
    ) -> Result<Learning, ProgressError> {
        let (course, mut enrollment) = self.read_for_lesson(learner.id, course_id, lesson).await?;
        for _ in 0..PLAN_ATTEMPTS {
            if !enrollment.completed_lessons.contains(&lesson) {
                return Ok(Learning { enrollment, course });
            }
            let now = clock::now();
            match self
                .store
                .uncomplete(learner.id, course_id, lesson, &learner.name, now)
                .await
            {
                Ok(()) => {
                    enrollment.completed_lessons.remove(&lesson);
                    enrollment.learner_name.clone_from(&learner.name);
                    enrollment.last_activity_at = now;
                    return Ok(Learning { enrollment, course });
                }
                Err(WriteError::Stale) => {
                    enrollment = active(self.store.enrollment(learner.id, course_id).await?)?;
                }
                Err(WriteError::Db(err)) => return Err(err.into()),
            }
        }
        Err(ProgressError::Contended)
    }

    /// Remembers where the caller stopped in a course.
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
    ) -> Result<(), ProgressError> {
        let course = published(self.courses.get(course_id).await?)?;
        if course.outline.lesson(lesson_id).is_none() {
            return Err(ProgressError::PositionOutsideCourse);
        }
        let position = Position {
            lesson_id,
            seconds,
            updated_at: clock::now(),
        };
        match self
            .store
            .set_position(learner.id, course_id, &position, &learner.name)
            .await
        {
            Ok(()) => Ok(()),
            Err(WriteError::Stale) => Err(ProgressError::NotEnrolled),
            Err(WriteError::Db(err)) => Err(err.into()),
        }
    }

    /// The caller's active enrolments, each with its course (when it still exists).
    ///
    /// # Errors
    /// 400 for a foreign cursor; DynamoDB failures.
    pub async fn enrollments(
        &self,
        learner: UserId,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<ListedEnrollment>, ApiError> {
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

    /// The caller's certificates.
    ///
    /// # Errors
    /// 400 for a foreign cursor; DynamoDB failures.
    pub async fn certificates(
        &self,
        learner: UserId,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Certificate>, ApiError> {
        self.store
            .learner_certificates(learner, limit, cursor)
            .await
    }

    /// A certificate, for anyone holding its id.
    ///
    /// # Errors
    /// [`ProgressError::CertificateNotFound`].
    pub async fn certificate(&self, id: &CertificateId) -> Result<Certificate, ProgressError> {
        self.store
            .certificate(id)
            .await?
            .ok_or(ProgressError::CertificateNotFound)
    }

    /// Revokes a certificate (the caller must be an admin; checked by the handler).
    ///
    /// # Errors
    /// [`ProgressError::CertificateNotFound`].
    pub async fn revoke(
        &self,
        admin: &AuthUser,
        id: &CertificateId,
    ) -> Result<Certificate, ProgressError> {
        let certificate = self
            .store
            .revoke(id, clock::now())
            .await?
            .ok_or(ProgressError::CertificateNotFound)?;
        tracing::info!(admin = %admin.id, certificate = %id, "certificate revoked");
        Ok(certificate)
    }

    /// A course's counters, for its instructors and admins.
    ///
    /// # Errors
    /// [`ProgressError::NotCourseStaff`] for anyone else, [`ProgressError::CourseNotFound`].
    pub async fn stats(
        &self,
        caller: &AuthUser,
        course_id: CourseId,
    ) -> Result<CourseStats, ProgressError> {
        require_staff_role(caller)?;
        let (course, counters) = tokio::try_join!(
            self.courses.get(course_id),
            self.store.course_counters(course_id)
        )?;
        let course = staff_course(caller, course)?;
        Ok(CourseStats { course, counters })
    }

    /// A course's learners, for its instructors and admins.
    ///
    /// # Errors
    /// [`ProgressError::NotCourseStaff`] for anyone else, [`ProgressError::CourseNotFound`];
    /// 400 for a foreign cursor.
    pub async fn learners(
        &self,
        caller: &AuthUser,
        course_id: CourseId,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<(CourseSummary, Page<Enrollment>), ApiError> {
        require_staff_role(caller)?;
        let (course, page) = tokio::try_join!(
            async { self.courses.get(course_id).await.map_err(ApiError::from) },
            self.store.course_learners(course_id, limit, cursor)
        )?;
        Ok((staff_course(caller, course)?, page))
    }
}

/// The record, if it is active.
fn active(record: Option<Enrollment>) -> Result<Enrollment, ProgressError> {
    record
        .filter(Enrollment::is_active)
        .ok_or(ProgressError::NotEnrolled)
}

/// Learners never see course statistics; instructors and admins may, course permitting.
fn require_staff_role(caller: &AuthUser) -> Result<(), ProgressError> {
    if caller.role >= Role::Instructor {
        Ok(())
    } else {
        Err(ProgressError::NotCourseStaff)
    }
}

/// The course, if `caller` is an admin or one of its instructors.
fn staff_course(
    caller: &AuthUser,
    course: Option<CourseSummary>,
) -> Result<CourseSummary, ProgressError> {
    let course = course.ok_or(ProgressError::CourseNotFound)?;
    if caller.is_admin() || course.instructors.contains(&caller.id) {
        Ok(course)
    } else {
        Err(ProgressError::NotCourseStaff)
    }
}
