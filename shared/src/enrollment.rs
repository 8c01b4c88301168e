//! The enrollment item of the progress table, as other functions read it.
//!
//! `progress` owns the progress table and writes enrollments; `content` reads one (a single
//! `GetItem`, read-only, as the template grants) to let an enrolled learner read a course's
//! non-preview lessons. The key and the `status` field are that contract.

use serde::{Deserialize, Serialize};

use crate::catalog::CourseId;
use crate::dynamo::Key;
use crate::identity::UserId;

/// Whether a learner is enrolled. Unenrolling keeps the item (and the learner's history) and
/// marks it `unenrolled`; enrolling again makes it `active` again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EnrollmentStatus {
    Active,
    Unenrolled,
}

/// The key of a learner's enrollment in a course, in the progress table.
pub fn enrollment_key(learner: UserId, course: CourseId) -> Key {
    Key::new(format!("USER#{learner}"), format!("ENROLLMENT#{course}"))
}

/// The attributes of the enrollment item other functions read.
pub const ENROLLMENT_SUMMARY_ATTRIBUTES: &[&str] = &["status"];

/// What another function reads of an enrollment item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct EnrollmentSummary {
    pub status: EnrollmentStatus,
}

impl EnrollmentSummary {
    pub fn is_active(&self) -> bool {
        self.status == EnrollmentStatus::Active
    }
}
