//! Courses: the course item (with its outline of modules and lessons), lessons' own items, and
//! the rules for changing them.
//!
//! The course item holds everything a course page shows, outline included, so one `GetItem`
//! (or one `Query` by slug) serves it; its top-level `id`, `slug`, `title`, `status`,
//! `instructors` and `outline` are also what `progress` reads ([`shared::catalog`]). A lesson's
//! body lives in its own item. A course has one version: any change to it or to one of its
//! lessons makes the next one, so an `If-Match` always names the whole course.

mod lessons;
mod outline;
mod project;
mod routes;

pub use lessons::{
    CourseRef, LessonContent, LessonEdit, LessonView, ModuleRef, NewLesson, Reading,
};
pub use outline::ModuleOrder;
pub use project::{Criterion, MAX_CRITERIA, Project, Rubric, Scoring};
pub use routes::router;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use shared::FieldError;
use shared::catalog::{CourseId, LessonId, LessonOutline, ModuleId, Outline};
use shared::clock::Timestamp;
use shared::config::BaseUrl;
use shared::dynamo::{DbError, Item, json_attribute};
use shared::identity::{Role, UserId};
use shared::token::AuthUser;

use crate::document::{Document, Lifecycle, Lookup, Searched, can_edit, document_fields, required};
use crate::fields::{Description, Level, Slug, Summary, Tag, Tags, Title, WebUrl};
use crate::keys::{Facet, Kind};
use crate::markdown;
use crate::pages::StoredPage;
use crate::seo::{self, Seo};

/// Most modules a course may have.
pub const MAX_MODULES: usize = 30;
/// Most lessons a module may have (deleting a module deletes them in one transaction).
pub const MAX_LESSONS_PER_MODULE: usize = 50;
/// Most lessons a course may have (the course item stays far below 400 KB).
pub const MAX_LESSONS: usize = 300;
/// Most instructors a course may have.
pub const MAX_INSTRUCTORS: usize = 10;
/// Most further-reading links a lesson may have.
pub const MAX_READINGS: usize = 20;

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
    /// Stored as one JSON string (see [`Document::compact`]), read in either form.
    #[serde(deserialize_with = "shared::dynamo::from_json_attribute")]
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
    pub published_at: Timestamp,
    pub updated_at: Timestamp,
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

impl Course {
    /// The estimated duration: the sum of its lessons'.
    pub fn duration_minutes(&self) -> u32 {
        self.outline.lessons().map(|l| l.duration_minutes).sum()
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

    /// The lesson `reference` (its id or slug) names.
    pub fn lesson(&self, reference: &str) -> Option<&LessonOutline> {
        let (m, l) = self.find_lesson(reference)?;
        Some(&self.outline.modules[m].lessons[l])
    }

    /// The URL path of module `module`: `/courses/<slug>/modules/<id>`.
    pub fn module_path(&self, module: ModuleId) -> String {
        format!("{}/modules/{module}", self.url_path())
    }

    /// The URL path of `lesson`: `/courses/<slug>/lessons/<slug>`.
    pub fn lesson_path(&self, lesson: &LessonOutline) -> String {
        format!("{}/lessons/{}", self.url_path(), lesson.slug)
    }

    /// Whether `caller` must be enrolled to read `lesson`: previews are open to all, and the
    /// course's editors read every lesson.
    pub fn needs_enrollment(&self, lesson: &LessonOutline, caller: Option<&AuthUser>) -> bool {
        !lesson.preview && !caller.is_some_and(|c| can_edit(self, c))
    }

    /// The lesson that had the slug `reference` before it was renamed.
    pub fn renamed_lesson(&self, reference: &str) -> Option<&LessonOutline> {
        let id = self.former_lesson_slugs.get(reference)?;
        self.outline.lesson(*id)
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
            "dateCreated": life.created_at.to_string(),
            "dateModified": life.updated_at.to_string(),
        });
        if let Some(published) = life.published_at {
            document["datePublished"] = published.to_string().into();
        }
        if let Some(image) = &self.seo.image {
            document["image"] = image.as_str().into();
        }
        document
    }
}

impl Document for Course {
    document_fields!(
        Kind::Course,
        Role::Instructor,
        CourseId,
        CourseCard,
        CourseView
    );

    fn authors(&self) -> &[UserId] {
        &self.instructors
    }

    /// Learners enrolled in a course keep reading it (its page, which says it is archived, and
    /// its lessons) after it is archived; nobody new enrolls.
    fn kept_for_enrolled(&self) -> Option<CourseId> {
        Some(self.id)
    }

    fn tags(&self) -> &[Tag] {
        self.tags.as_slice()
    }

    fn facets(&self) -> Vec<Facet> {
        let mut facets = vec![Facet::All, Facet::Sitemap, Facet::Level(self.level)];
        facets.extend(self.tags.as_slice().iter().cloned().map(Facet::Tag));
        facets
    }

    fn searched(&self) -> Searched {
        let sections = self
            .outline
            .modules
            .iter()
            .flat_map(|module| {
                std::iter::once(module.title.clone())
                    .chain(module.lessons.iter().map(|lesson| lesson.title.clone()))
            })
            .collect();
        Searched {
            summary: self.summary.to_string(),
            level: Some(self.level),
            sections,
        }
    }

    /// The outline as one JSON string: a page reads it whole, and the 21-lesson demo course's
    /// nested maps cost more to read than the rest of its request. And the page itself,
    /// rendered as it is written ([`crate::pages`]).
    fn compact(&self, item: &mut Item, site: &BaseUrl) -> Result<(), DbError> {
        item.insert("outline".to_owned(), json_attribute(&self.outline)?);
        let version = self.lifecycle.version;
        StoredPage::of(version, &self.clone().view(site))?.store(item);
        Ok(())
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
            published_at: self.lifecycle.listed_at(),
            updated_at: self.lifecycle.updated_at,
        }
    }

    fn missing(&self, _found: &Lookup) -> Vec<FieldError> {
        let mut missing = required(&[
            ("summary", self.summary.is_empty()),
            ("description", self.description.is_blank()),
            ("seo.meta_description", self.seo.meta_description.is_none()),
        ]);
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
            for (j, lesson) in module.lessons.iter().enumerate() {
                if lesson.project.is_some_and(|p| p.criteria == 0) {
                    missing.push(FieldError::new(
                        format!("outline.modules[{i}].lessons[{j}].project.rubric"),
                        format!(
                            "project `{}` has no rubric: give it at least one criterion",
                            lesson.title
                        ),
                    ));
                }
            }
        }
        missing
    }
}

impl Course {
    /// Its page.
    pub fn view(self, site: &BaseUrl) -> CourseView {
        let canonical_url = self.seo.canonical(site, &self.url_path());
        let json_ld = seo::script_text(&self.json_ld(site, &canonical_url));
        CourseView {
            description_html: markdown::to_safe_html(self.description.as_str()),
            duration_minutes: self.duration_minutes(),
            lesson_count: self.outline.total_lessons(),
            canonical_url,
            json_ld,
            course: self,
        }
    }
}

#[cfg(test)]
mod tests {
    use shared::catalog::LessonId;

    use super::*;

    #[test]
    fn a_page_is_kept_on_its_item_unless_the_item_would_outgrow_400_kb() {
        let site = BaseUrl::parse("https://skillpath.test").unwrap();
        let kept = |course: &Course| {
            let mut item = Item::new();
            course.compact(&mut item, &site).unwrap();
            item.contains_key(StoredPage::BODY) && item.contains_key(StoredPage::TAG)
        };
        let mut course = outline::tests::course();
        assert!(kept(&course));

        let long_title = "𝄞".repeat(200);
        for module in &mut course.outline.modules {
            module.lessons.extend((0..250).map(|i| LessonOutline {
                id: LessonId::new(),
                slug: format!("lesson-{i}"),
                title: long_title.clone(),
                duration_minutes: 10,
                preview: false,
                project: None,
            }));
        }
        assert!(!kept(&course), "500 lessons with 800-byte titles");
    }
}
