//! The course item of the content table, as other functions read it.
//!
//! `content` owns the content table and writes the course item; `progress` reads it (one
//! `GetItem`, read-only, as the template grants) to check that a lesson belongs to a course's
//! current outline, to compute percentages and to know a course's instructors. The key and the
//! fields below are that contract: `content` writes them, so they change only together. The
//! outline is stored as one JSON string ([`crate::dynamo::json_attribute`]): read whole on every
//! progress request, it costs a fraction of the same outline as nested maps; items written
//! before hold it as maps, and read as well.

use serde::{Deserialize, Serialize};

use crate::dynamo::Key;
use crate::identity::UserId;

crate::typed_id!(
    /// A course of the catalog.
    CourseId
);
crate::typed_id!(
    /// A module: an ordered group of lessons inside a course.
    ModuleId
);
crate::typed_id!(
    /// A lesson of a course.
    LessonId
);

/// Where a course, article or career path is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PublicationStatus {
    Draft,
    Published,
    Archived,
}

impl PublicationStatus {
    /// As the API and the table write it: `published`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Published => "published",
            Self::Archived => "archived",
        }
    }
}

/// A lesson's place in a course outline (no body: that lives in the lesson's own item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonOutline {
    pub id: LessonId,
    pub slug: String,
    pub title: String,
    pub duration_minutes: u32,
    /// Whether anyone may read it, enrolled or not.
    pub preview: bool,
    /// Set when the lesson is a project: learners hand work in and a reviewer approves it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<ProjectOutline>,
}

/// What the outline says of a project lesson (its brief and rubric live in the lesson's item).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectOutline {
    /// What a learner hands in.
    pub hand_in: HandIn,
    /// The estimated effort, in hours.
    pub effort_hours: u16,
    /// How many criteria its rubric has (none yet: the course cannot be published).
    pub criteria: u16,
}

/// What a learner hands in for a project: links to the work, never the work itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandIn {
    /// An https Git repository URL.
    Repository,
    /// The https URL where the work is deployed.
    Deployment,
    /// Both.
    RepositoryAndDeployment,
}

/// How a rubric's criterion is scored: `{"points": 10}` (0 to 10) or `"pass_fail"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    Points(u16),
    PassFail,
}

/// The key of a lesson's own item (its body, and for a project its rubric) in the content
/// table.
pub fn lesson_key(course: CourseId, lesson: LessonId) -> Key {
    Key::new(course_key(course).pk, format!("LESSON#{lesson}"))
}

/// The attribute of a lesson's item that `progress` reads: the project, for its rubric.
pub const LESSON_PROJECT_ATTRIBUTES: &[&str] = &["project"];

/// What `progress` reads of a lesson item: the project's rubric, to check a review against.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct LessonProject {
    pub project: Option<ProjectRubric>,
}

/// A project as a reviewer scores it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProjectRubric {
    pub rubric: RubricSummary,
}

/// A rubric's criteria in order, and the points an attempt needs to pass.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RubricSummary {
    pub criteria: Vec<CriterionSummary>,
    #[serde(default)]
    pub min_points: u16,
}

/// A criterion's title and how it is scored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CriterionSummary {
    pub title: String,
    pub scoring: Scoring,
}

/// A module and its ordered lessons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleOutline {
    pub id: ModuleId,
    pub title: String,
    pub lessons: Vec<LessonOutline>,
}

/// A course's ordered modules.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outline {
    pub modules: Vec<ModuleOutline>,
}

impl Outline {
    /// Every lesson, in the order a learner takes them.
    pub fn lessons(&self) -> impl Iterator<Item = &LessonOutline> {
        self.modules.iter().flat_map(|m| m.lessons.iter())
    }

    pub fn lesson(&self, id: LessonId) -> Option<&LessonOutline> {
        self.lessons().find(|l| l.id == id)
    }

    pub fn total_lessons(&self) -> usize {
        self.modules.iter().map(|m| m.lessons.len()).sum()
    }
}

/// The key of a course's item in the content table.
pub fn course_key(id: CourseId) -> Key {
    Key::new(format!("COURSE#{id}"), "COURSE")
}

/// The attributes of the course item other functions read: project them, nothing more.
pub const COURSE_SUMMARY_ATTRIBUTES: &[&str] =
    &["id", "slug", "title", "status", "instructors", "outline"];

/// What another function reads of a course item.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CourseSummary {
    pub id: CourseId,
    pub slug: String,
    pub title: String,
    pub status: PublicationStatus,
    /// The instructors who own the course (its authors; they see its statistics).
    pub instructors: Vec<UserId>,
    /// Stored as one JSON string (`content` writes it so), or as maps by older writes.
    #[serde(deserialize_with = "crate::dynamo::from_json_attribute")]
    pub outline: Outline,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lesson(title: &str) -> LessonOutline {
        LessonOutline {
            id: LessonId::new(),
            slug: title.to_lowercase().replace(' ', "-"),
            title: title.into(),
            duration_minutes: 10,
            preview: false,
            project: None,
        }
    }

    #[test]
    fn lessons_come_in_module_then_lesson_order() {
        let outline = Outline {
            modules: vec![
                ModuleOutline {
                    id: ModuleId::new(),
                    title: "Foundations".into(),
                    lessons: vec![lesson("How the web works"), lesson("HTTP in depth")],
                },
                ModuleOutline {
                    id: ModuleId::new(),
                    title: "Node.js and Express".into(),
                    lessons: vec![lesson("Your first Express server")],
                },
            ],
        };
        let titles: Vec<_> = outline.lessons().map(|l| l.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "How the web works",
                "HTTP in depth",
                "Your first Express server"
            ]
        );
        assert_eq!(outline.total_lessons(), 3);
        let second = outline.modules[0].lessons[1].id;
        assert_eq!(
            outline.lesson(second).map(|l| l.title.as_str()),
            Some("HTTP in depth")
        );
        assert!(outline.lesson(LessonId::new()).is_none());
    }
}
