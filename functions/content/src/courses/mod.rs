//! Courses: the course item (with its outline of modules and lessons), lessons' own items, and
//! the rules for changing them.
//!
//! The course item holds everything a course page shows, outline included, so one `GetItem`
//! (or one `Query` by slug) serves it; its top-level `id`, `slug`, `title`, `status`,
//! `instructors` and `outline` are also what `progress` reads ([`shared::catalog`]). A lesson's
//! body lives in its own item. A course has one version: any change to it or to one of its
//! lessons makes the next one, so an `If-Match` always names the whole course.

pub mod routes;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use shared::catalog::{CourseId, LessonId, LessonOutline, ModuleId, ModuleOutline, Outline};
use shared::dynamo::DbError;
use shared::identity::{Role, UserId};
use shared::token::AuthUser;
use shared::{ApiError, FieldError};
use time::OffsetDateTime;

use crate::config::BaseUrl;
use crate::document::{Document, Lifecycle};
use crate::fields::{Body, Description, Level, Minutes, Slug, Summary, Tag, Tags, Title, WebUrl};
use crate::keys::{Facet, Kind};
use crate::markdown;
use crate::seo::{self, Seo};
use crate::store::Store;

/// Most modules a course may have.
pub const MAX_MODULES: usize = 30;
/// Most lessons a module may have (deleting a module deletes them in one transaction).
pub const MAX_LESSONS_PER_MODULE: usize = 50;
/// Most lessons a course may have (the course item stays far below 400 KB).
pub const MAX_LESSONS: usize = 300;
/// Most instructors a course may have.
pub const MAX_INSTRUCTORS: usize = 10;

/// A course, as stored and as its page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Course {
    pub id: CourseId,
    pub slug: Slug,
    pub title: Title,
    pub summary: Summary,
    pub description: Description,
    pub level: Level,
    pub tags: Tags,
    /// The instructors who own it: they edit it and read all of its lessons.
    pub instructors: Vec<UserId>,
    #[serde(flatten)]
    pub lifecycle: Lifecycle,
    pub seo: Seo,
    pub outline: Outline,
    /// Slugs its lessons had before, and the lesson each belongs to: old lesson URLs redirect.
    #[serde(default)]
    pub former_lesson_slugs: BTreeMap<String, LessonId>,
}

/// A course in a listing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CourseCard {
    pub id: CourseId,
    pub slug: Slug,
    pub title: Title,
    pub summary: Summary,
    pub level: Level,
    pub tags: Tags,
    pub duration_minutes: u32,
    pub lesson_count: usize,
    pub url: String,
    pub image: Option<WebUrl>,
    #[serde(with = "time::serde::rfc3339")]
    pub published_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A course's page: the course, its outline (without lesson bodies), and what is derived from
/// them.
#[derive(Debug, Serialize)]
pub struct CourseView {
    #[serde(flatten)]
    pub course: Course,
    /// The description, rendered and sanitised.
    pub description_html: String,
    /// The estimated duration: the sum of its lessons'.
    pub duration_minutes: u32,
    pub lesson_count: usize,
    pub canonical_url: String,
    /// schema.org `Course`, ready for a `<script type="application/ld+json">` element.
    pub json_ld: String,
}

/// A lesson's own item: what the outline does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LessonContent {
    /// Markdown, as written.
    pub body: Body,
    pub video_url: Option<WebUrl>,
    /// Further reading.
    pub links: Vec<Reading>,
}

/// A link a lesson recommends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reading {
    pub title: Title,
    pub url: WebUrl,
}

impl Course {
    /// The estimated duration: the sum of its lessons'.
    pub fn duration_minutes(&self) -> u32 {
        self.outline.lessons().map(|l| l.duration_minutes).sum()
    }

    /// The module with `id`, to change.
    ///
    /// # Errors
    /// 404 when it has none.
    pub fn module_mut(&mut self, id: ModuleId) -> Result<&mut ModuleOutline, ApiError> {
        self.outline
            .modules
            .iter_mut()
            .find(|m| m.id == id)
            .ok_or(ApiError::NotFound)
    }

    /// The lesson `reference` (its id or slug) names: its module's index and its own.
    pub fn find_lesson(&self, reference: &str) -> Option<(usize, usize)> {
        let id = reference.parse::<LessonId>().ok();
        self.outline
            .modules
            .iter()
            .enumerate()
            .find_map(|(m, module)| {
                module
                    .lessons
                    .iter()
                    .position(|l| Some(l.id) == id || l.slug == reference)
                    .map(|l| (m, l))
            })
    }

    /// The lesson that had the slug `reference` before it was renamed.
    pub fn renamed_lesson(&self, reference: &str) -> Option<&LessonOutline> {
        let id = self.former_lesson_slugs.get(reference)?;
        self.outline.lesson(*id)
    }

    /// Records that the lesson `id` is now `slug` and no longer `former`.
    pub fn rename_lesson(&mut self, id: LessonId, former: &str, slug: &Slug) {
        if former != slug.as_str() {
            self.former_lesson_slugs.insert(former.to_owned(), id);
        }
        self.former_lesson_slugs.remove(slug.as_str());
    }

    /// Forgets the former slugs of the lesson `id` (which is gone).
    pub fn forget_lesson(&mut self, id: LessonId) {
        self.former_lesson_slugs.retain(|_, lesson| *lesson != id);
    }

    /// Refuses `slug` for a lesson unless no other lesson of the course (than `except`) has it.
    ///
    /// # Errors
    /// 409 when another lesson has it.
    pub fn ensure_lesson_slug_free(
        &self,
        slug: &Slug,
        except: Option<LessonId>,
    ) -> Result<(), ApiError> {
        if self
            .outline
            .lessons()
            .any(|l| l.slug == slug.as_str() && Some(l.id) != except)
        {
            return Err(ApiError::Conflict(format!(
                "another lesson of this course has the slug `{slug}`"
            )));
        }
        Ok(())
    }

    /// Adds a lesson at the end of module `module`.
    ///
    /// # Errors
    /// 404 without that module; 422 when the module or the course is full.
    pub fn add_lesson(&mut self, module: ModuleId, lesson: LessonOutline) -> Result<(), ApiError> {
        if self.outline.total_lessons() >= MAX_LESSONS {
            return Err(ApiError::invalid(
                "outline",
                format!("a course has at most {MAX_LESSONS} lessons"),
            ));
        }
        let module = self.module_mut(module)?;
        if module.lessons.len() >= MAX_LESSONS_PER_MODULE {
            return Err(ApiError::invalid(
                "outline",
                format!("a module has at most {MAX_LESSONS_PER_MODULE} lessons"),
            ));
        }
        module.lessons.push(lesson);
        Ok(())
    }

    /// Puts the modules and lessons in the order of `order`, which must name each of them
    /// exactly once (lessons may move between modules).
    ///
    /// # Errors
    /// 422 when `order` leaves out, repeats or invents a module or lesson, or overfills one.
    pub fn reorder(&mut self, order: Vec<ModuleOrder>) -> Result<(), ApiError> {
        let mut modules = self.outline.modules.clone();
        let mut lessons: Vec<LessonOutline> = modules
            .iter_mut()
            .flat_map(|m| std::mem::take(&mut m.lessons))
            .collect();
        let mut reordered = Vec::with_capacity(order.len());
        let mut errors = Vec::new();
        for (i, wanted) in order.into_iter().enumerate() {
            let Some(at) = modules.iter().position(|m| m.id == wanted.id) else {
                errors.push(FieldError::new(
                    format!("modules[{i}].id"),
                    "is not a module of this course, or is listed twice",
                ));
                continue;
            };
            let mut module = modules.swap_remove(at);
            if wanted.lessons.len() > MAX_LESSONS_PER_MODULE {
                errors.push(FieldError::new(
                    format!("modules[{i}].lessons"),
                    format!("a module has at most {MAX_LESSONS_PER_MODULE} lessons"),
                ));
            }
            for (j, lesson_id) in wanted.lessons.into_iter().enumerate() {
                match lessons.iter().position(|l| l.id == lesson_id) {
                    Some(at) => module.lessons.push(lessons.swap_remove(at)),
                    None => errors.push(FieldError::new(
                        format!("modules[{i}].lessons[{j}]"),
                        "is not a lesson of this course, or is listed twice",
                    )),
                }
            }
            reordered.push(module);
        }
        if !modules.is_empty() {
            errors.push(FieldError::new(
                "modules",
                "must list every module of the course",
            ));
        }
        if !lessons.is_empty() {
            errors.push(FieldError::new(
                "modules",
                "must list every lesson of the course",
            ));
        }
        if !errors.is_empty() {
            return Err(ApiError::Invalid(errors));
        }
        self.outline.modules = reordered;
        Ok(())
    }

    fn json_ld(&self, site: &BaseUrl, canonical: &str) -> serde_json::Value {
        let life = &self.lifecycle;
        let mut document = serde_json::json!({
            "@context": "https://schema.org",
            "@type": "Course",
            "@id": canonical,
            "url": canonical,
            "name": self.title.as_str(),
            "description": self.seo.meta_description.as_ref()
                .map_or(self.summary.as_str(), |d| d.as_str()),
            "educationalLevel": self.level.as_str(),
            "keywords": self.tags.as_slice().iter().map(Tag::as_str).collect::<Vec<_>>().join(", "),
            "inLanguage": "en",
            "provider": seo::organization(site),
            "timeRequired": format!("PT{}M", self.duration_minutes()),
            "hasCourseInstance": {
                "@type": "CourseInstance",
                "courseMode": "online",
                "courseWorkload": format!("PT{}M", self.duration_minutes()),
            },
            "syllabusSections": self.outline.modules.iter().map(|m| serde_json::json!({
                "@type": "Syllabus",
                "name": m.title,
                "timeRequired": format!("PT{}M", m.lessons.iter().map(|l| l.duration_minutes).sum::<u32>()),
            })).collect::<Vec<_>>(),
            "dateCreated": seo::w3c_time(life.created_at),
            "dateModified": seo::w3c_time(life.updated_at),
        });
        if let Some(published) = life.published_at {
            document["datePublished"] = seo::w3c_time(published).into();
        }
        if let Some(image) = &self.seo.image {
            document["image"] = image.as_str().into();
        }
        document
    }
}

/// A module's place in a reordered outline.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleOrder {
    pub id: ModuleId,
    pub lessons: Vec<LessonId>,
}

impl Document for Course {
    const KIND: Kind = Kind::Course;
    const AUTHOR_ROLE: Role = Role::Instructor;
    type Id = CourseId;
    type Card = CourseCard;
    type View = CourseView;

    fn id(&self) -> CourseId {
        self.id
    }

    fn slug(&self) -> &Slug {
        &self.slug
    }

    fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }

    fn lifecycle_mut(&mut self) -> &mut Lifecycle {
        &mut self.lifecycle
    }

    fn is_authored_by(&self, user: UserId) -> bool {
        self.instructors.contains(&user)
    }

    fn tags(&self) -> &[Tag] {
        self.tags.as_slice()
    }

    fn facets(&self) -> Vec<Facet> {
        let mut facets = vec![Facet::All, Facet::Level(self.level)];
        facets.extend(self.tags.as_slice().iter().cloned().map(Facet::Tag));
        facets
    }

    fn card(&self, site: &BaseUrl) -> CourseCard {
        CourseCard {
            id: self.id,
            slug: self.slug.clone(),
            title: self.title.clone(),
            summary: self.summary.clone(),
            level: self.level,
            tags: self.tags.clone(),
            duration_minutes: self.duration_minutes(),
            lesson_count: self.outline.total_lessons(),
            url: site.join(&self.url_path()),
            image: self.seo.image.clone(),
            published_at: self
                .lifecycle
                .published_at
                .unwrap_or(self.lifecycle.updated_at),
            updated_at: self.lifecycle.updated_at,
        }
    }

    async fn missing(&self, _store: &Store, _site: &BaseUrl) -> Result<Vec<FieldError>, DbError> {
        let mut missing = Vec::new();
        if self.summary.is_empty() {
            missing.push(FieldError::new("summary", "is required to publish"));
        }
        if self.description.is_blank() {
            missing.push(FieldError::new("description", "is required to publish"));
        }
        if self.seo.meta_description.is_none() {
            missing.push(FieldError::new(
                "seo.meta_description",
                "is required to publish",
            ));
        }
        if self.outline.total_lessons() == 0 {
            missing.push(FieldError::new(
                "outline",
                "has no lesson: add at least one to publish",
            ));
        }
        for (i, module) in self.outline.modules.iter().enumerate() {
            if module.lessons.is_empty() {
                missing.push(FieldError::new(
                    format!("outline.modules[{i}]"),
                    format!("module `{}` has no lesson", module.title),
                ));
            }
        }
        Ok(missing)
    }

    async fn present(
        self,
        _store: &Store,
        site: &BaseUrl,
        _caller: Option<&AuthUser>,
    ) -> Result<CourseView, DbError> {
        let canonical_url = self.seo.canonical(site, &self.url_path());
        let json_ld = seo::script_text(&self.json_ld(site, &canonical_url));
        Ok(CourseView {
            description_html: markdown::to_safe_html(self.description.as_str()),
            duration_minutes: self.duration_minutes(),
            lesson_count: self.outline.total_lessons(),
            canonical_url,
            json_ld,
            course: self,
        })
    }
}

/// Whether `caller` may read the full lesson `lesson` of `course`: previews are open to all;
/// other lessons to the course's editors and (checked by the caller of this) enrolled learners.
pub fn needs_enrolment(course: &Course, lesson: &LessonOutline, caller: Option<&AuthUser>) -> bool {
    !lesson.preview && !caller.is_some_and(|c| crate::document::can_edit(course, c))
}

/// A new lesson's place in the outline.
pub fn lesson_outline(
    id: LessonId,
    slug: &Slug,
    title: &Title,
    duration: Minutes,
    preview: bool,
) -> LessonOutline {
    LessonOutline {
        id,
        slug: slug.to_string(),
        title: title.to_string(),
        duration_minutes: duration.get(),
        preview,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn course() -> Course {
        let lesson = |slug: &str| LessonOutline {
            id: LessonId::new(),
            slug: slug.into(),
            title: slug.into(),
            duration_minutes: 10,
            preview: false,
        };
        Course {
            id: CourseId::new(),
            slug: Slug::parse("backend").unwrap(),
            title: Title::parse("Backend").unwrap(),
            summary: Summary::default(),
            description: Description::default(),
            level: Level::Beginner,
            tags: Tags::default(),
            instructors: vec![],
            lifecycle: Lifecycle::new(OffsetDateTime::UNIX_EPOCH),
            seo: Seo::default(),
            former_lesson_slugs: BTreeMap::new(),
            outline: Outline {
                modules: vec![
                    ModuleOutline {
                        id: ModuleId::new(),
                        title: "One".into(),
                        lessons: vec![lesson("a"), lesson("b")],
                    },
                    ModuleOutline {
                        id: ModuleId::new(),
                        title: "Two".into(),
                        lessons: vec![lesson("c")],
                    },
                ],
            },
        }
    }

    fn order(course: &Course, layout: &[(usize, &[&str])]) -> Vec<ModuleOrder> {
        layout
            .iter()
            .map(|(m, slugs)| ModuleOrder {
                id: course.outline.modules[*m].id,
                lessons: slugs
                    .iter()
                    .map(|s| course.outline.lessons().find(|l| l.slug == *s).unwrap().id)
                    .collect(),
            })
            .collect()
    }

    #[test]
    fn reordering_moves_modules_and_lessons_between_modules() {
        let mut course = course();
        let wanted = order(&course, &[(1, &["c", "a"]), (0, &["b"])]);
        course.reorder(wanted).unwrap();
        let layout: Vec<(String, Vec<String>)> = course
            .outline
            .modules
            .iter()
            .map(|m| {
                (
                    m.title.clone(),
                    m.lessons.iter().map(|l| l.slug.clone()).collect(),
                )
            })
            .collect();
        assert_eq!(
            layout,
            [
                ("Two".to_owned(), vec!["c".to_owned(), "a".to_owned()]),
                ("One".to_owned(), vec!["b".to_owned()])
            ]
        );
    }

    #[test]
    fn a_reorder_that_loses_or_repeats_a_lesson_changes_nothing() {
        let mut course = course();
        let before = course.clone();
        let lost = order(&course, &[(0, &["a"]), (1, &["c"])]);
        assert!(course.reorder(lost).is_err());
        let repeated = order(&course, &[(0, &["a", "b", "a"]), (1, &["c"])]);
        assert!(course.reorder(repeated).is_err());
        let module_twice = order(&course, &[(0, &["a", "b"]), (0, &["c"])]);
        assert!(course.reorder(module_twice).is_err());
        assert_eq!(course, before, "a refused reorder left the outline changed");
    }

    #[test]
    fn a_lesson_is_found_by_id_or_slug() {
        let course = course();
        let b = course.outline.modules[0].lessons[1].id;
        assert_eq!(course.find_lesson("b"), Some((0, 1)));
        assert_eq!(course.find_lesson(&b.to_string()), Some((0, 1)));
        assert_eq!(course.find_lesson("c"), Some((1, 0)));
        assert_eq!(course.find_lesson("zzz"), None);
    }
}
