//! Every key of the progress table, in one place.
//!
//! | item | `pk` | `sk` | `gsi1pk` / `gsi1sk` | `gsi2pk` / `gsi2sk` |
//! |---|---|---|---|---|
//! | enrollment (a learner's record in a course) | `USER#{learner}` | `ENROLLMENT#{course}` | while active: `USER#{learner}#ENROLLMENTS` / `{enrolled_at}#{course}` | `COURSE#{course}#LEARNERS` / `{enrolled_at}#{learner}` |
//! | course counters, shard 0 / shard k of [`COUNTER_SHARDS`] | `COURSE#{course}` | `STATS` / `STATS#{k}` | | |
//! | a lesson's completion counter, shard 0 / shard k | `COURSE#{course}` | `LESSON#{lesson}` / `LESSON#{lesson}#{k}` | | |
//! | certificate | `CERTIFICATE#{id}` | `CERTIFICATE` | `USER#{learner}#CERTIFICATES` / `{issued_at}#{id}` | |
//! | attempt (a hand-in of a project, with its claim and review) | `ATTEMPT#{id}` | `ATTEMPT` | `USER#{learner}#PROJECT#{lesson}` / `{number}` | while waiting: `COURSE#{course}#QUEUE` / `{submitted_at}#{id}` |
//! | a learner's project (attempts so far, the one waiting, the approval) | `USER#{learner}` | `PROJECT#{lesson}` | | |
//! | notification | `USER#{learner}` | `NOTIFICATION#{id}` | | |
//! | portfolio switch (the learner's side) | `USER#{learner}` | `PORTFOLIO` | | |
//! | public portfolio (the URL's side) | `PORTFOLIO#{id}` | `PORTFOLIO` | | |
//!
//! A waiting attempt is also in `gsi3`, `PROJECT#{lesson}#QUEUE` / `{submitted_at}#{id}`: the
//! review queue of one project. Both queues are sparse: a review or a withdrawal removes the
//! attempt from them.
//!
//! Access patterns: a learner's enrollment in a course (`GetItem`; `content` reads it too, see
//! [`shared::enrollment`]); a learner's active enrollments, newest first (`gsi1`, sparse: an
//! unenrolled record leaves the index and returns on re-enrollment); a course's learners
//! (`gsi2`); a course's counters and per-lesson completions (one `Query` on `COURSE#{course}`);
//! a certificate by id (`GetItem`); a learner's certificates (`gsi1`); an attempt by id
//! (`GetItem`); a learner's attempts of a project (`gsi1`, newest first); a course's or a
//! project's review queue (`gsi2`, `gsi3`, oldest first); a learner's notifications (one `Query`
//! of `NOTIFICATION#` in their partition, newest first: the ids are UUIDv7, time-ordered); a
//! learner's projects, for the portfolio (one `Query` of `PROJECT#`); a public portfolio by its
//! id (`GetItem`).
//!
//! Times in sort keys are in [`Timestamp`]'s one fixed-width text form, so text order is time
//! order to the microsecond; the id after the time keeps keys of the same instant apart.

use shared::catalog::{CourseId, LessonId};
use shared::clock::Timestamp;
use shared::dynamo::Key;
use shared::identity::UserId;

use crate::certificate::CertificateId;
use crate::project::{AttemptId, NotificationId, PortfolioId};

/// The second global secondary index of the progress table, and its key attributes.
pub const GSI2: &str = "gsi2";
pub const GSI2_PK: &str = "gsi2pk";
pub const GSI2_SK: &str = "gsi2sk";
/// The third: a project's review queue.
pub const GSI3: &str = "gsi3";
pub const GSI3_PK: &str = "gsi3pk";
pub const GSI3_SK: &str = "gsi3sk";

/// The `entity` of each kind of item.
pub mod entity {
    pub const ENROLLMENT: &str = "enrollment";
    pub const COURSE_STATS: &str = "course_stats";
    pub const LESSON_COMPLETIONS: &str = "lesson_completions";
    pub const CERTIFICATE: &str = "certificate";
    pub const ATTEMPT: &str = "attempt";
    pub const LEARNER_PROJECT: &str = "learner_project";
    pub const NOTIFICATION: &str = "notification";
    pub const PORTFOLIO_SWITCH: &str = "portfolio_switch";
    pub const PORTFOLIO: &str = "portfolio";
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

/// Each course's counters are split into this many items (shards), so that learners moving
/// them at once mostly write different items: two transactions on one item at once conflict
/// in DynamoDB. The stats read them all in the one `Query` of the course's partition and add
/// them up (DESIGN.md § Counters).
pub const COUNTER_SHARDS: u32 = 16;

/// The shard of a course's counters that `learner`'s writes move: the same one every time,
/// from the random tail of the learner's UUIDv7 id.
pub fn counter_shard(learner: UserId) -> u32 {
    let text = learner.to_string();
    let tail = u32::from_str_radix(&text[text.len() - 8..], 16).unwrap_or(0);
    tail % COUNTER_SHARDS
}

/// `base`, or `base#{shard}` for a shard other than 0 (shard 0 keeps the key counters had
/// before they were sharded).
fn sharded(base: String, shard: u32) -> String {
    if shard == 0 {
        base
    } else {
        format!("{base}#{shard}")
    }
}

/// The sort key of a course's counters (shard 0), and the prefix of every shard's.
pub const STATS: &str = "STATS";

/// The key of a shard of a course's counters: enrolled, active, completed, waiting, reviews.
pub fn course_stats_key(course: CourseId, shard: u32) -> Key {
    Key::new(course_partition(course), sharded(STATS.into(), shard))
}

/// The sort-key prefix of the per-lesson completion counters.
pub const LESSON_PREFIX: &str = "LESSON#";

/// The key of a shard of a lesson's completion counter.
pub fn lesson_completions_key(course: CourseId, lesson: LessonId, shard: u32) -> Key {
    Key::new(
        course_partition(course),
        sharded(format!("{LESSON_PREFIX}{lesson}"), shard),
    )
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

/// The key of an attempt.
pub fn attempt_key(id: AttemptId) -> Key {
    Key::new(format!("ATTEMPT#{id}"), "ATTEMPT")
}

/// The partition of a learner's attempts of a project in `gsi1`.
pub fn learner_attempts_partition(learner: UserId, lesson: LessonId) -> String {
    format!("USER#{learner}#PROJECT#{lesson}")
}

/// An attempt's sort key in `gsi1`: its number, zero-padded so text order is number order.
pub fn learner_attempt_sort(number: u32) -> String {
    format!("{number:06}")
}

/// The partition of a course's review queue in `gsi2`.
pub fn course_queue_partition(course: CourseId) -> String {
    format!("COURSE#{course}#QUEUE")
}

/// The partition of a project's review queue in `gsi3`.
pub fn project_queue_partition(lesson: LessonId) -> String {
    format!("PROJECT#{lesson}#QUEUE")
}

/// A waiting attempt's sort key in both queues: by hand-in time, the id after it.
pub fn queue_sort(submitted_at: Timestamp, attempt: AttemptId) -> String {
    format!("{submitted_at}#{attempt}")
}

/// The partition of everything that is one learner's (their enrollments, projects,
/// notifications and portfolio switch).
pub fn learner_partition(learner: UserId) -> String {
    format!("USER#{learner}")
}

/// The sort-key prefix of a learner's projects.
pub const PROJECT_PREFIX: &str = "PROJECT#";

/// The key of a learner's project: their attempts so far, the one waiting, the approval.
pub fn learner_project_key(learner: UserId, lesson: LessonId) -> Key {
    Key::new(
        learner_partition(learner),
        format!("{PROJECT_PREFIX}{lesson}"),
    )
}

/// The sort-key prefix of a learner's notifications.
pub const NOTIFICATION_PREFIX: &str = "NOTIFICATION#";

/// The key of a notification.
pub fn notification_key(learner: UserId, id: NotificationId) -> Key {
    Key::new(
        learner_partition(learner),
        format!("{NOTIFICATION_PREFIX}{id}"),
    )
}

/// The key of a learner's portfolio switch: whether it is public, and at which id.
pub fn portfolio_switch_key(learner: UserId) -> Key {
    Key::new(learner_partition(learner), "PORTFOLIO")
}

/// The key of a public portfolio, by the id its URL holds.
pub fn portfolio_key(id: &PortfolioId) -> Key {
    Key::new(format!("PORTFOLIO#{id}"), "PORTFOLIO")
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
