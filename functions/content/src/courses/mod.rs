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

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::{Deserialize, Serialize};
use shared::FieldError;
use shared::catalog::{CourseId, LessonId, LessonOutline, ModuleId, Outline};
use shared::clock::Timestamp;
use shared::config::BaseUrl;
use shared::dynamo::{DbError, Item, MAX_ITEM_SIZE, item_size, json_attribute, s};
use shared::identity::{Role, UserId};
use shared::token::AuthUser;

use crate::document::{Document, Lifecycle, Lookup, Searched, can_edit, document_fields, required};
use crate::fields::{Description, Level, Slug, Summary, Tag, Tags, Title, WebUrl};
use crate::keys::{Facet, Kind};
use crate::markdown;
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
    /// rendered as it is written ([`StoredPage`]).
    fn compact(&self, item: &mut Item, site: &BaseUrl) -> Result<(), DbError> {
        item.insert("outline".to_owned(), json_attribute(&self.outline)?);
        StoredPage::of(self.clone().view(site))?.store(item);
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

/// A course's page as rendered when the course was written: the response body and its entity
/// tag, kept on the course item (the body deflated: a page is mostly repeated JSON, and
/// inflating it costs less than the SDK's reading of it as a string), so that reading a
/// published course's page is one read of three attributes — no Markdown, no serialising, no
/// digest on the read path. Every change to a course or its lessons rewrites the course item
/// and so its page; the page shows nothing else (not its caller, not another document). An
/// item written before pages were kept has none and is rendered when read, until its next
/// write or `content-admin reindex`.
#[derive(Debug)]
pub struct StoredPage {
    /// The response body, as [`crate::web::cached_json`] writes it.
    pub body: Vec<u8>,
    pub tag: String,
}

impl StoredPage {
    /// The attributes that hold it: the deflated body (binary) and the entity tag.
    pub const BODY: &str = "page";
    pub const TAG: &str = "page_tag";
    /// The most a stored page may inflate to: far more than a course of the most lessons.
    const MAX_BODY: usize = 4 * 1024 * 1024;
    /// Room left on the item for what is added after (its `gsi1` keys).
    const KEYS: usize = 1024;

    /// The page `view` answers with.
    ///
    /// # Errors
    /// When the view does not serialise (a bug).
    pub fn of(view: CourseView) -> Result<Self, DbError> {
        let version = view.course.lifecycle.version;
        let body = serde_json::to_vec(&view).map_err(|e| {
            DbError::Other(anyhow::Error::new(e).context("rendering a course page"))
        })?;
        let tag = crate::web::entity_tag(Some(version), &body);
        Ok(Self { body, tag })
    }

    /// Adds it to the course's `item`, unless the item would then outgrow DynamoDB's 400 KB
    /// (hundreds of lessons with long titles): then the page is rendered on read.
    pub fn store(self, item: &mut Item) {
        let deflated = miniz_oxide::deflate::compress_to_vec(&self.body, 9);
        let size = item_size(item);
        let added = Self::BODY.len() + deflated.len() + Self::TAG.len() + self.tag.len();
        if size + added + Self::KEYS > MAX_ITEM_SIZE {
            tracing::warn!(
                size,
                page = deflated.len(),
                "a course page too large for its item is rendered on read"
            );
            return;
        }
        item.insert(
            Self::BODY.to_owned(),
            AttributeValue::B(Blob::new(deflated)),
        );
        item.insert(Self::TAG.to_owned(), s(self.tag));
    }

    /// The page read back from its attributes.
    ///
    /// # Errors
    /// When the body does not inflate (a corrupt item).
    pub fn inflate(deflated: &[u8], tag: String) -> Result<Self, DbError> {
        use miniz_oxide::inflate::TINFLStatus;
        use miniz_oxide::inflate::core::inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
        use miniz_oxide::inflate::core::{DecompressorOxide, decompress};
        // A page deflates to a third or less: room for eight times that, zeroed at once
        // (miniz's own `decompress_to_vec` grows its buffer a byte at a time from twice it).
        let mut body = vec![0; deflated.len().saturating_mul(8).min(Self::MAX_BODY)];
        let mut state = Box::<DecompressorOxide>::default();
        let flags = TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
        let (status, _, written) = decompress(&mut state, deflated, &mut body, 0, flags);
        let body = if status == TINFLStatus::Done {
            body.truncate(written);
            body
        } else {
            miniz_oxide::inflate::decompress_to_vec_with_limit(deflated, Self::MAX_BODY)
                .map_err(|e| DbError::Other(anyhow::anyhow!("a stored course page: {e}")))?
        };
        Ok(Self { body, tag })
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
    fn a_stored_page_inflates_to_the_page_however_well_it_deflated() {
        let site = BaseUrl::parse("https://skillpath.test").unwrap();
        let mut course = outline::tests::course();
        for description in ["A short course.".to_owned(), "x".repeat(20_000)] {
            course.description = Description::parse(&description).unwrap();
            let page = StoredPage::of(course.clone().view(&site)).unwrap();
            let body = page.body.clone();
            let mut item = Item::new();
            page.store(&mut item);
            let Some(AttributeValue::B(deflated)) = item.get(StoredPage::BODY) else {
                panic!("no stored page");
            };
            let read = StoredPage::inflate(deflated.as_ref(), String::new()).unwrap();
            assert_eq!(read.body, body);
        }
        assert!(StoredPage::inflate(b"not deflated", String::new()).is_err());
    }

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
