//! What a course's instructors and admins see of it: its statistics and its learners.

use shared::catalog::{CourseId, CourseSummary};
use shared::identity::Role;
use shared::page::Page;
use shared::token::AuthUser;

use super::{ProgressError, ProgressService};
use crate::enrollment::Enrollment;
use crate::store::CourseCounters;

/// A course's statistics.
#[derive(Debug, Clone)]
pub struct CourseStats {
    pub course: CourseSummary,
    pub counters: CourseCounters,
}

impl ProgressService {
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
    /// [`ProgressError::NotCourseStaff`] for anyone else, [`ProgressError::CourseNotFound`],
    /// [`ProgressError::Cursor`] for a cursor of another listing.
    pub async fn learners(
        &self,
        caller: &AuthUser,
        course_id: CourseId,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<(CourseSummary, Page<Enrollment>), ProgressError> {
        require_staff_role(caller)?;
        let (course, page) = tokio::try_join!(
            async { Ok::<_, ProgressError>(self.courses.get(course_id).await?) },
            async { Ok(self.store.course_learners(course_id, limit, cursor).await?) },
        )?;
        Ok((staff_course(caller, course)?, page))
    }
}

/// Learners never see course statistics; instructors and admins may, course permitting.
pub(super) fn require_staff_role(caller: &AuthUser) -> Result<(), ProgressError> {
    if caller.role >= Role::Instructor {
        Ok(())
    } else {
        Err(ProgressError::NotCourseStaff)
    }
}

/// The course, if `caller` is an admin or one of its instructors.
pub(super) fn staff_course(
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
