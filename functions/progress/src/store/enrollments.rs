//! Enrollment items: reading one, enrolling, enrolling again, unenrolling, the position, and
//! the listings of a learner's enrollments and a course's learners.

use aws_sdk_dynamodb::types::AttributeValue;
use shared::catalog::CourseId;
use shared::clock::Timestamp;
use shared::dynamo::{
    Cond, DbError, Expr, GSI1_PK, GSI1_SK, Write, attr, from_item, s, to_item, ts,
};
use shared::enrollment::EnrollmentStatus;
use shared::identity::UserId;
use shared::page::{ListError, Page};

use super::counters::{self, ACTIVE, ENROLLED};
use super::{BY_COURSE, BY_LEARNER, ProgressStore, WriteError, keyed};
use crate::enrollment::{Enrollment, Position};
use crate::keys::{self, GSI2_PK, GSI2_SK, entity};

/// The `status` attribute of an enrollment in `state`.
pub(super) fn status(state: EnrollmentStatus) -> AttributeValue {
    s(match state {
        EnrollmentStatus::Active => "active",
        EnrollmentStatus::Unenrolled => "unenrolled",
    })
}

/// The enrollment is active.
pub(super) fn is_active() -> Cond {
    attr("status").eq(status(EnrollmentStatus::Active))
}

impl ProgressStore {
    /// A learner's enrollment in a course (strongly consistent: it is read to plan a write).
    ///
    /// # Errors
    /// When DynamoDB fails or the item is malformed.
    pub async fn enrollment(
        &self,
        learner: UserId,
        course: CourseId,
    ) -> Result<Option<Enrollment>, DbError> {
        let key = keys::enrollment_key(learner, course);
        self.table
            .get(&key, true, &[])
            .await?
            .map(from_item)
            .transpose()
    }

    /// Records a first enrollment and counts it.
    ///
    /// # Errors
    /// [`WriteError::Stale`] when the learner already has an enrollment in the course.
    pub async fn enroll(&self, enrollment: &Enrollment) -> Result<(), WriteError> {
        let (learner, course) = (enrollment.learner_id, enrollment.course_id);
        let item = keyed(
            to_item(enrollment)?,
            keys::enrollment_key(learner, course),
            entity::ENROLLMENT,
            [
                (GSI1_PK, keys::active_enrollments_partition(learner)),
                (
                    GSI1_SK,
                    keys::active_enrollment_sort(enrollment.enrolled_at, course),
                ),
                (GSI2_PK, keys::course_learners_partition(course)),
                (
                    GSI2_SK,
                    keys::course_learner_sort(enrollment.enrolled_at, learner),
                ),
            ],
        );
        let counted = counters::count(course, learner, &[(ENROLLED, 1), (ACTIVE, 1)]);
        self.table
            .transact(vec![Write::create(item), counted])
            .await?;
        Ok(())
    }

    /// Makes an unenrolled learner's enrollment active again, history intact, as `enrollment`
    /// (its name and last activity as of now) says.
    ///
    /// # Errors
    /// [`WriteError::Stale`] when the enrollment is not unenrolled.
    pub async fn reenroll(&self, enrollment: &Enrollment) -> Result<(), WriteError> {
        let (learner, course) = (enrollment.learner_id, enrollment.course_id);
        let expr = Expr::new()
            .set("status", status(EnrollmentStatus::Active))
            .set("learner_name", s(&enrollment.learner_name))
            .set("last_activity_at", ts(enrollment.last_activity_at))
            .set(GSI1_PK, s(keys::active_enrollments_partition(learner)))
            .set(
                GSI1_SK,
                s(keys::active_enrollment_sort(enrollment.enrolled_at, course)),
            )
            .remove("unenrolled_at")
            .condition(attr("status").eq(status(EnrollmentStatus::Unenrolled)));
        let record = Write::update(keys::enrollment_key(learner, course), expr);
        let counted = counters::count(course, learner, &[(ACTIVE, 1)]);
        self.table.transact(vec![record, counted]).await?;
        Ok(())
    }

    /// Unenrolls a learner: the record stays, marked unenrolled, and leaves the learner's list.
    ///
    /// # Errors
    /// [`WriteError::Stale`] when there is no active enrollment.
    pub async fn unenroll(
        &self,
        learner: UserId,
        course: CourseId,
        at: Timestamp,
    ) -> Result<(), WriteError> {
        let expr = Expr::new()
            .set("status", status(EnrollmentStatus::Unenrolled))
            .set("unenrolled_at", ts(at))
            .remove(GSI1_PK)
            .remove(GSI1_SK)
            .condition(is_active());
        let record = Write::update(keys::enrollment_key(learner, course), expr);
        let counted = counters::count(course, learner, &[(ACTIVE, -1)]);
        self.table.transact(vec![record, counted]).await?;
        Ok(())
    }

    /// Records where the learner stopped. One `UpdateItem`: no counter moves.
    ///
    /// # Errors
    /// [`WriteError::Stale`] when the learner has no active enrollment.
    pub async fn set_position(
        &self,
        learner: UserId,
        course: CourseId,
        position: &Position,
        learner_name: &str,
    ) -> Result<(), WriteError> {
        let at = ts(position.updated_at);
        let expr = Expr::new()
            .set("position", AttributeValue::M(to_item(position)?))
            .set("last_activity_at", at.clone())
            .set("learner_name", s(learner_name))
            .set_once("started_at", at)
            .condition(is_active());
        let key = keys::enrollment_key(learner, course);
        self.table.write(Write::update(key, expr)).await?;
        Ok(())
    }

    /// A learner's active enrollments, most recently enrolled first.
    ///
    /// # Errors
    /// [`ListError::Cursor`] for a cursor of another listing; when DynamoDB fails.
    pub async fn active_enrollments(
        &self,
        learner: UserId,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Enrollment>, ListError> {
        let partition = keys::active_enrollments_partition(learner);
        self.newest_first(BY_LEARNER, &partition, limit, cursor)
            .await
    }

    /// A course's learners (active and unenrolled), most recently enrolled first.
    ///
    /// # Errors
    /// [`ListError::Cursor`] for a cursor of another listing; when DynamoDB fails.
    pub async fn course_learners(
        &self,
        course: CourseId,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Enrollment>, ListError> {
        let partition = keys::course_learners_partition(course);
        self.newest_first(BY_COURSE, &partition, limit, cursor)
            .await
    }
}
