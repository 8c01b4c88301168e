//! Career paths: an ordered route through courses and articles, each step with a note, towards
//! the roles it leads to. Admins write them.

mod routes;

use serde::{Deserialize, Serialize};
use shared::catalog::{CourseId, PublicationStatus};
use shared::clock::Timestamp;
use shared::config::BaseUrl;
use shared::identity::{Role, UserId};
use shared::{ApiError, FieldError};

pub use routes::router;

use crate::articles::ArticleId;
use crate::document::{
    Document, Lifecycle, Lookup, Outline, Refs, Searched, document_fields, required,
};
use crate::fields::{Description, Note, RoleTitle, Slug, Title};
use crate::keys::Kind;
use crate::markdown;

shared::typed_id!(
    /// A career path.
    PathId
);

/// Most steps a path may have.
pub const MAX_STEPS: usize = 30;
/// Most roles a path may lead to.
pub const MAX_ROLES: usize = 10;

/// A career path, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareerPath {
    pub id: PathId,
    pub slug: Slug,
    pub title: Title,
    /// Markdown, as written.
    pub description: Description,
    pub steps: Vec<Step>,
    /// The jobs it leads to, in order.
    pub roles: Vec<RoleTitle>,
    #[serde(flatten)]
    pub lifecycle: Lifecycle,
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub target: StepTarget,
    pub note: Note,
    /// The title of its course or article when the path was last checked for publishing
    /// (what search finds the path by; its page shows the current one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<Title>,
}

/// What a step asks the learner to take or read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "lowercase")]
pub enum StepTarget {
    Course(CourseId),
    Article(ArticleId),
}

impl StepTarget {
    /// The kind and id of the document it names.
    pub fn document(self) -> (Kind, String) {
        match self {
            Self::Course(id) => (Kind::Course, id.to_string()),
            Self::Article(id) => (Kind::Article, id.to_string()),
        }
    }
}

/// A path in a listing.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PathCard {
    pub id: PathId,
    pub slug: Slug,
    pub title: Title,
    pub roles: Vec<RoleTitle>,
    pub step_count: usize,
    pub url: String,
    pub published_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A path's page.
#[derive(Debug, Serialize)]
pub struct PathView {
    pub id: PathId,
    pub slug: Slug,
    pub title: Title,
    pub description: Description,
    /// The description, rendered and sanitised.
    pub description_html: String,
    pub roles: Vec<RoleTitle>,
    /// The steps the caller may follow: for the public, those whose course or article is
    /// published; for its editors, all of them, with their status.
    pub steps: Vec<StepView>,
    #[serde(flatten)]
    pub lifecycle: Lifecycle,
}

/// A step on a path's page.
#[derive(Debug, Serialize)]
pub struct StepView {
    pub kind: &'static str,
    pub id: String,
    pub slug: Slug,
    pub title: Title,
    /// The course's summary or the article's excerpt.
    pub teaser: String,
    pub url: String,
    pub status: PublicationStatus,
    pub note: Note,
}

fn step_view(site: &BaseUrl, kind: Kind, outline: Outline, note: Note) -> StepView {
    StepView {
        kind: kind.as_str(),
        url: site.join(&format!("/{}/{}", kind.collection(), outline.slug)),
        teaser: outline.summary.or(outline.excerpt).unwrap_or_default(),
        id: outline.id,
        slug: outline.slug,
        title: outline.title,
        status: outline.status,
        note,
    }
}

impl Document for CareerPath {
    document_fields!(Kind::Path, Role::Admin, PathId, PathCard, PathView);

    /// Paths have no authors: they are the school's, edited by admins.
    fn authors(&self) -> &[UserId] {
        &[]
    }

    fn searched(&self) -> Searched {
        let sections = self
            .steps
            .iter()
            .filter_map(|step| step.title.as_ref().map(ToString::to_string))
            .chain(self.steps.iter().map(|step| step.note.to_string()))
            .chain(self.roles.iter().map(ToString::to_string))
            .filter(|text| !text.is_empty())
            .collect();
        Searched {
            summary: markdown::plain_text(self.description.as_str()),
            level: None,
            sections,
        }
    }

    fn resolve(&mut self, found: &Lookup) {
        for step in &mut self.steps {
            let (kind, id) = step.target.document();
            step.title = found.by_id(kind, &id).map(|outline| outline.title.clone());
        }
    }

    fn card(&self, site: &BaseUrl) -> PathCard {
        PathCard {
            id: self.id,
            slug: self.slug.clone(),
            title: self.title.clone(),
            roles: self.roles.clone(),
            step_count: self.steps.len(),
            url: site.join(&self.url_path()),
            published_at: self.lifecycle.listed_at(),
            updated_at: self.lifecycle.updated_at,
        }
    }

    fn refers_to(&self) -> Refs {
        Refs {
            slugs: Vec::new(),
            ids: self.steps.iter().map(|s| s.target.document()).collect(),
        }
    }

    fn missing(&self, found: &Lookup) -> Vec<FieldError> {
        let mut missing = required(&[("description", self.description.is_blank())]);
        for (field, empty) in [
            ("roles", self.roles.is_empty()),
            ("steps", self.steps.is_empty()),
        ] {
            if empty {
                missing.push(FieldError::new(
                    field,
                    "at least one is required to publish",
                ));
            }
        }
        for (i, step) in self.steps.iter().enumerate() {
            let (kind, id) = step.target.document();
            match found.by_id(kind, &id).map(|o| o.status) {
                Some(PublicationStatus::Published) => {}
                Some(_) => missing.push(FieldError::new(
                    format!("steps[{i}]"),
                    format!("the {} is not published", kind.as_str()),
                )),
                None => missing.push(FieldError::new(
                    format!("steps[{i}]"),
                    format!("the {} no longer exists", kind.as_str()),
                )),
            }
        }
        missing
    }
}

impl CareerPath {
    /// Its page, with what `found` knows of its steps' courses and articles: for an editor
    /// every step, with its status; for anyone else the published ones.
    pub fn view(self, site: &BaseUrl, editor: bool, found: &Lookup) -> PathView {
        let steps = self
            .steps
            .into_iter()
            .filter_map(|step| {
                let (kind, id) = step.target.document();
                let outline = found.by_id(kind, &id)?.clone();
                let shown = editor || outline.status == PublicationStatus::Published;
                shown.then(|| step_view(site, kind, outline, step.note))
            })
            .collect();
        PathView {
            description_html: markdown::to_safe_html(self.description.as_str()),
            id: self.id,
            slug: self.slug,
            title: self.title,
            description: self.description,
            roles: self.roles,
            steps,
            lifecycle: self.lifecycle,
        }
    }
}

/// A step as its author names it: exactly one of `course` and `article` (an id or a slug).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepInput {
    pub course: Option<String>,
    pub article: Option<String>,
    #[serde(default)]
    pub note: Note,
}

/// Refuses more roles than a path may lead to.
///
/// # Errors
/// 422 naming `roles`.
pub fn check_roles(roles: &[RoleTitle]) -> Result<(), ApiError> {
    if roles.len() > MAX_ROLES {
        return Err(ApiError::invalid(
            "roles",
            format!("at most {MAX_ROLES} roles"),
        ));
    }
    Ok(())
}
