//! A learner's record in a course (the enrollment item) and the progress it amounts to against
//! the course's current outline.
//!
//! The record keeps the set of lessons the learner completed, by id. Progress is computed on
//! every read against the outline as it is now: a lesson removed from the outline stops
//! counting (its completion is kept, and counts again if the lesson comes back), and a lesson
//! added lowers the percentage until it is completed.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use shared::catalog::{CourseId, LessonId, Outline};
use shared::clock::Timestamp;
use shared::enrollment::EnrollmentStatus;
use shared::identity::UserId;

use crate::certificate::CertificateId;

/// Where a learner stopped, to resume there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub lesson_id: LessonId,
    /// Seconds into the lesson (its video, say).
    pub seconds: u32,
    pub updated_at: Timestamp,
}

/// A learner's enrollment in a course, with their history in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    pub learner_id: UserId,
    pub course_id: CourseId,
    /// The learner's display name as of their last write (the course roster shows it).
    pub learner_name: String,
    pub status: EnrollmentStatus,
    /// The first enrollment; re-enrolling keeps it.
    pub enrolled_at: Timestamp,
    /// The last enrollment, completion or position change.
    pub last_activity_at: Timestamp,
    /// The first completion or position change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    /// When every lesson was first completed and the certificate issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unenrolled_at: Option<Timestamp>,
    /// Every lesson completed, including lessons since removed from the outline.
    #[serde(
        default,
        with = "serde_dynamo::string_set",
        skip_serializing_if = "BTreeSet::is_empty"
    )]
    pub completed_lessons: BTreeSet<LessonId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_id: Option<CertificateId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
}

impl Enrollment {
    /// A first enrollment, at `at`.
    pub fn new(learner_id: UserId, learner_name: &str, course_id: CourseId, at: Timestamp) -> Self {
        Self {
            learner_id,
            course_id,
            learner_name: learner_name.to_owned(),
            status: EnrollmentStatus::Active,
            enrolled_at: at,
            last_activity_at: at,
            started_at: None,
            completed_at: None,
            unenrolled_at: None,
            completed_lessons: BTreeSet::new(),
            certificate_id: None,
            position: None,
        }
    }

    /// Whether the learner is enrolled now.
    pub fn is_active(&self) -> bool {
        self.status == EnrollmentStatus::Active
    }

    /// Notes activity at `at` by the learner, now called `name`.
    pub fn record_activity(&mut self, name: &str, at: Timestamp) {
        name.clone_into(&mut self.learner_name);
        self.last_activity_at = at;
    }

    /// Progress against `outline`.
    pub fn progress(&self, outline: &Outline) -> Progress {
        Progress::of(outline, &self.completed_lessons)
    }

    /// The lessons of `outline` not completed yet, in outline order.
    pub fn missing_lessons<'a>(
        &'a self,
        outline: &'a Outline,
    ) -> impl Iterator<Item = LessonId> + 'a {
        let mut seen = BTreeSet::new();
        outline
            .lessons()
            .map(|lesson| lesson.id)
            .filter(move |id| !self.completed_lessons.contains(id) && seen.insert(*id))
    }
}

/// How far a learner is through a course's current outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Completed lessons of the current outline, in outline order.
    pub completed_lesson_ids: Vec<LessonId>,
    pub total_lessons: usize,
    /// The first lesson not completed, in outline order; `None` when all are.
    pub next_lesson_id: Option<LessonId>,
    /// Whole percent of the outline completed, rounded down: 100 only when every lesson is.
    pub percent: u8,
}

impl Progress {
    /// Progress with `completed` against `outline`.
    pub fn of(outline: &Outline, completed: &BTreeSet<LessonId>) -> Self {
        let mut lessons = BTreeSet::new();
        let ordered: Vec<LessonId> = outline
            .lessons()
            .map(|lesson| lesson.id)
            .filter(|id| lessons.insert(*id))
            .collect();
        let completed_lesson_ids: Vec<LessonId> = ordered
            .iter()
            .copied()
            .filter(|id| completed.contains(id))
            .collect();
        let next_lesson_id = ordered.iter().copied().find(|id| !completed.contains(id));
        let total_lessons = ordered.len();
        let percent = match total_lessons {
            0 => 0,
            total => (completed_lesson_ids.len() * 100 / total) as u8,
        };
        Self {
            completed_lesson_ids,
            total_lessons,
            next_lesson_id,
            percent,
        }
    }

    /// Whether every lesson of a non-empty outline is completed.
    pub fn is_complete(&self) -> bool {
        self.total_lessons > 0 && self.completed_lesson_ids.len() == self.total_lessons
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::catalog::{LessonOutline, ModuleId, ModuleOutline};

    fn outline(modules: &[&[LessonId]]) -> Outline {
        Outline {
            modules: modules
                .iter()
                .map(|lessons| ModuleOutline {
                    id: ModuleId::new(),
                    title: "Module".into(),
                    lessons: lessons
                        .iter()
                        .map(|id| LessonOutline {
                            id: *id,
                            slug: format!("lesson-{id}"),
                            title: "Lesson".into(),
                            duration_minutes: 10,
                            preview: false,
                            project: None,
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn the_next_lesson_is_the_first_incomplete_one_in_outline_order() {
        let [a, b, c] = [LessonId::new(), LessonId::new(), LessonId::new()];
        let progress = Progress::of(&outline(&[&[a, b], &[c]]), &BTreeSet::from([a, c]));
        assert_eq!(progress.next_lesson_id, Some(b));
        assert_eq!(progress.completed_lesson_ids, vec![a, c]);
        assert_eq!(progress.percent, 66, "2 of 3 rounds down");
        assert!(!progress.is_complete());
    }

    #[test]
    fn lessons_outside_the_outline_do_not_count() {
        let [a, b, removed] = [LessonId::new(), LessonId::new(), LessonId::new()];
        let progress = Progress::of(&outline(&[&[a, b]]), &BTreeSet::from([a, removed]));
        assert_eq!(progress.completed_lesson_ids, vec![a]);
        assert_eq!(progress.percent, 50);
    }

    #[test]
    fn an_empty_outline_is_never_complete() {
        let progress = Progress::of(&Outline::default(), &BTreeSet::new());
        assert_eq!((progress.percent, progress.total_lessons), (0, 0));
        assert!(!progress.is_complete());
        assert_eq!(progress.next_lesson_id, None);
    }

    #[test]
    fn every_lesson_completed_is_one_hundred_percent() {
        let [a, b] = [LessonId::new(), LessonId::new()];
        let progress = Progress::of(&outline(&[&[a], &[b]]), &BTreeSet::from([b, a]));
        assert_eq!(progress.percent, 100);
        assert!(progress.is_complete());
        assert_eq!(progress.next_lesson_id, None);
    }
}
