//! A lesson beside its place in the outline: its own item (body, video, further reading, and
//! for a project its rubric), what an author gives to add or change one, and its page.

use serde::{Deserialize, Serialize};
use shared::ApiError;
use shared::catalog::{CourseId, LessonId, ModuleId};

use super::{Course, MAX_READINGS, Project};
use crate::fields::{Body, Minutes, Slug, Title, WebUrl};
use crate::markdown;

/// A lesson's own item: what the outline does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonContent {
    /// Markdown, as written.
    pub body: Body,
    pub video_url: Option<WebUrl>,
    /// Further reading.
    pub links: Vec<Reading>,
    /// Set for a project lesson, whose body is the project's brief.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<Project>,
}

/// A link a lesson recommends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reading {
    pub title: Title,
    pub url: WebUrl,
}

impl LessonContent {
    /// Refuses a lesson without a body, with too much further reading, or with a project
    /// whose rubric could never be scored.
    ///
    /// # Errors
    /// 422 naming the field.
    pub fn check(&self) -> Result<(), ApiError> {
        if self.body.is_blank() {
            return Err(ApiError::invalid("body", "is required"));
        }
        if self.links.len() > MAX_READINGS {
            return Err(ApiError::invalid(
                "links",
                format!("at most {MAX_READINGS} links"),
            ));
        }
        match &self.project {
            Some(project) => project.check("project"),
            None => Ok(()),
        }
    }
}

/// A new lesson, as its author gives it.
#[derive(Debug)]
pub struct NewLesson {
    pub slug: Slug,
    pub title: Title,
    pub duration: Minutes,
    pub preview: bool,
    pub content: LessonContent,
}

/// The fields of a lesson to change (`video_url: Some(None)` removes the video).
#[derive(Debug, Default)]
pub struct LessonEdit {
    pub slug: Option<Slug>,
    pub title: Option<Title>,
    pub body: Option<Body>,
    pub video_url: Option<Option<WebUrl>>,
    pub duration: Option<Minutes>,
    pub preview: Option<bool>,
    pub links: Option<Vec<Reading>>,
    /// `Some(None)` makes it an ordinary lesson again.
    pub project: Option<Option<Project>>,
}

/// A lesson's page.
#[derive(Debug, Serialize)]
pub struct LessonView {
    pub id: LessonId,
    pub slug: String,
    pub title: String,
    pub duration_minutes: u32,
    pub preview: bool,
    pub course: CourseRef,
    pub module: ModuleRef,
    #[serde(flatten)]
    pub content: LessonContent,
    /// The body, rendered and sanitised.
    pub body_html: String,
}

/// The course a lesson belongs to.
#[derive(Debug, Serialize)]
pub struct CourseRef {
    pub id: CourseId,
    pub slug: Slug,
    pub title: Title,
}

/// The module a lesson belongs to.
#[derive(Debug, Serialize)]
pub struct ModuleRef {
    pub id: ModuleId,
    pub title: String,
}

impl LessonView {
    /// The page of the lesson `id` of `course`, with its own item's `content`.
    ///
    /// # Errors
    /// 404 when the course has no such lesson.
    pub fn new(course: &Course, id: LessonId, content: LessonContent) -> Result<Self, ApiError> {
        let (m, l) = course
            .find_lesson(&id.to_string())
            .ok_or(ApiError::NotFound)?;
        let module = &course.outline.modules[m];
        let lesson = &module.lessons[l];
        Ok(Self {
            id: lesson.id,
            slug: lesson.slug.clone(),
            title: lesson.title.clone(),
            duration_minutes: lesson.duration_minutes,
            preview: lesson.preview,
            course: CourseRef {
                id: course.id,
                slug: course.slug.clone(),
                title: course.title.clone(),
            },
            module: ModuleRef {
                id: module.id,
                title: module.title.clone(),
            },
            body_html: markdown::to_safe_html(content.body.as_str()),
            content,
        })
    }
}
