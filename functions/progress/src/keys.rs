//! Every key of the progress table, in one place.
//!
//! | item | `pk` | `sk` | `gsi1pk` / `gsi1sk` | `gsi2pk` / `gsi2sk` |
//! |---|---|---|---|---|
//! | enrolment (a learner's record in a course) | `USER#{learner}` | `ENROLLMENT#{course}` | while active: `USER#{learner}#ENROLLMENTS` / `{enrolled_at}#{course}` | `COURSE#{course}#LEARNERS` / `{enrolled_at}#{learner}` |
//! | course counters | `COURSE#{course}` | `STATS` | | |
//! | a lesson's completion counter | `COURSE#{course}` | `LESSON#{lesson}` | | |
//! | certificate | `CERTIFICATE#{id}` | `CERTIFICATE` | `USER#{learner}#CERTIFICATES` / `{issued_at}#{id}` | |
//!
//! Access patterns: a learner's enrolment in a course (`GetItem`; `content` reads it too, see
//! [`shared::enrollment`]); a learner's active enrolments, newest first (`gsi1`, sparse: an
//! unenrolled record leaves the index and returns on re-enrolment); a course's learners
//! (`gsi2`); a course's counters and per-lesson completions (one `Query` on `COURSE#{course}`);
//! a certificate by id (`GetItem`); a learner's certificates (`gsi1`).

use shared::catalog::{CourseId, LessonId};
use shared::dynamo::Key;
use shared::identity::UserId;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

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

/// The partition of a learner's active enrolments in `gsi1`.
pub fn active_enrollments_partition(learner: UserId) -> String {
    format!("USER#{learner}#ENROLLMENTS")
}

/// An active enrolment's sort key in `gsi1`: by enrolment time.
pub fn active_enrollment_sort(enrolled_at: OffsetDateTime, course: CourseId) -> String {
    format!("{}#{course}", sortable(enrolled_at))
}

/// The partition of a course's learners in `gsi2`.
pub fn course_learners_partition(course: CourseId) -> String {
    format!("COURSE#{course}#LEARNERS")
}

/// A learner's sort key in `gsi2`: by enrolment time.
pub fn course_learner_sort(enrolled_at: OffsetDateTime, learner: UserId) -> String {
    format!("{}#{learner}", sortable(enrolled_at))
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

/// A certificate's sort key in `gsi1`: by issue time.
pub fn learner_certificate_sort(issued_at: OffsetDateTime, id: &CertificateId) -> String {
    format!("{}#{id}", sortable(issued_at))
}

/// RFC 3339 at whole seconds in UTC: fixed width, so text order is time order.
fn sortable(at: OffsetDateTime) -> String {
    crate::clock::whole_seconds(at)
        .format(&Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn sort_keys_order_by_time_whatever_the_fraction_of_a_second() {
        let course = CourseId::new();
        let earlier = active_enrollment_sort(datetime!(2026-11-01 09:59:59.999 UTC), course);
        let later = active_enrollment_sort(datetime!(2026-11-01 10:00:00 UTC), course);
        assert!(earlier < later, "{earlier} vs {later}");
        assert!(later.starts_with("2026-11-01T10:00:00Z#"), "{later}");
    }
}
