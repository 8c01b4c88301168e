//! Every key of the progress table, in one place.
//!
//! | item | `pk` | `sk` | `gsi1pk` / `gsi1sk` | `gsi2pk` / `gsi2sk` |
//! |---|---|---|---|---|
//! | enrollment (a learner's record in a course) | `USER#{learner}` | `ENROLLMENT#{course}` | while active: `USER#{learner}#ENROLLMENTS` / `{enrolled_at}#{course}` | `COURSE#{course}#LEARNERS` / `{enrolled_at}#{learner}` |
//! | course counters | `COURSE#{course}` | `STATS` | | |
//! | a lesson's completion counter | `COURSE#{course}` | `LESSON#{lesson}` | | |
//! | certificate | `CERTIFICATE#{id}` | `CERTIFICATE` | `USER#{learner}#CERTIFICATES` / `{issued_at}#{id}` | |
//!
//! Access patterns: a learner's enrollment in a course (`GetItem`; `content` reads it too, see
//! [`shared::enrollment`]); a learner's active enrollments, newest first (`gsi1`, sparse: an
//! unenrolled record leaves the index and returns on re-enrollment); a course's learners
//! (`gsi2`); a course's counters and per-lesson completions (one `Query` on `COURSE#{course}`);
//! a certificate by id (`GetItem`); a learner's certificates (`gsi1`).
//!
//! Times in sort keys are in [`Timestamp`]'s one fixed-width text form, so text order is time
//! order to the microsecond; the id after the time keeps keys of the same instant apart.

use shared::catalog::{CourseId, LessonId};
use shared::clock::Timestamp;
use shared::dynamo::Key;
use shared::identity::UserId;

use crate::certificate::CertificateId;

/// The second global secondary index of the progress table, and its key attributes.
pub const GSI2: &str = "gsi2";
pub const GSI2_PK: &str = "gsi2pk";
pub const GSI2_SK: &str = "gsi2sk";

/// The `entity` of each kind of item.
pub mod entity {
    pub const ENROLLMENT: &str = "enrollment";
    pub const COURSE_STATS: &str = "course_stats";
    pub const LESSON_COMPLETIONS: &str = "lesson_completions";
    pub const CERTIFICATE: &str = "certificate";
}

pub use shared::enrollment::enrollment_key;

/// The partition of a learner's active enrollments in `gsi1`.
pub fn active_enrollments_partition(learner: UserId) -> String {
    format!("USER#{learner}#ENROLLMENTS")
}

/// An active enrollment's sort key in `gsi1`: by enrollment time, the course after it for
/// uniqueness.
pub fn active_enrollment_sort(enrolled_at: Timestamp, course: CourseId) -> String {
    format!("{enrolled_at}#{course}")
}

/// The partition of a course's learners in `gsi2`.
pub fn course_learners_partition(course: CourseId) -> String {
    format!("COURSE#{course}#LEARNERS")
}

/// A learner's sort key in `gsi2`: by enrollment time, the learner after it for uniqueness.
pub fn course_learner_sort(enrolled_at: Timestamp, learner: UserId) -> String {
    format!("{enrolled_at}#{learner}")
}

/// The partition holding a course's counters.
pub fn course_partition(course: CourseId) -> String {
    format!("COURSE#{course}")
}

/// The key of a course's counters: enrolled, active, completed.
pub fn course_stats_key(course: CourseId) -> Key {
    Key::new(course_partition(course), "STATS")
}

/// The sort-key prefix of the per-lesson completion counters.
pub const LESSON_PREFIX: &str = "LESSON#";

/// The key of a lesson's completion counter.
pub fn lesson_completions_key(course: CourseId, lesson: LessonId) -> Key {
    Key::new(course_partition(course), format!("{LESSON_PREFIX}{lesson}"))
}

/// The key of a certificate.
pub fn certificate_key(id: &CertificateId) -> Key {
    Key::new(format!("CERTIFICATE#{id}"), "CERTIFICATE")
}

/// The partition of a learner's certificates in `gsi1`.
pub fn learner_certificates_partition(learner: UserId) -> String {
    format!("USER#{learner}#CERTIFICATES")
}

/// A certificate's sort key in `gsi1`: by issue time, the id after it for uniqueness.
pub fn learner_certificate_sort(issued_at: Timestamp, id: &CertificateId) -> String {
    format!("{issued_at}#{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keys_order_by_time_to_the_microsecond_whatever_the_ids() {
        let at: Timestamp = "2026-11-01T09:59:59.999999Z".parse().unwrap();
        let (first, second) = (CourseId::new(), CourseId::new());
        let earlier = active_enrollment_sort(at, second);
        let later = active_enrollment_sort(at.plus(std::time::Duration::from_micros(1)), first);
        assert!(earlier < later, "{earlier} vs {later}");
        assert!(later.starts_with("2026-11-01T10:00:00.000000Z#"), "{later}");
    }
}
