//! Career paths: an ordered route through courses and articles, each step with a note, towards
//! the roles it leads to. Admins write them.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use shared::catalog::{CourseId, PublicationStatus};
use shared::dynamo::DbError;
use shared::extract::Path;
use shared::identity::{Role, UserId};
use shared::token::AuthUser;
use shared::{ApiError, FieldError, Json};
use time::OffsetDateTime;

use crate::AppState;
use crate::articles::ArticleId;
use crate::catalogue::{self, written};
use crate::config::BaseUrl;
use crate::document::{self, Document, Lifecycle, can_edit, now};
use crate::fields::{Description, Note, RoleTitle, Slug, Title, set};
use crate::keys::Kind;
use crate::markdown;
use crate::store::{Store, ThingOutline, Transaction};
use crate::web::Precondition;

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
}

/// What a step asks the learner to take or read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "lowercase")]
pub enum StepTarget {
    Course(CourseId),
    Article(ArticleId),
}

impl StepTarget {
    fn thing(self) -> (Kind, String) {
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
    #[serde(with = "time::serde::rfc3339")]
    pub published_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
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

fn step_view(site: &BaseUrl, kind: Kind, outline: ThingOutline, note: Note) -> StepView {
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
    const KIND: Kind = Kind::Path;
    const AUTHOR_ROLE: Role = Role::Admin;
    type Id = PathId;
    type Card = PathCard;
    type View = PathView;

    fn id(&self) -> PathId {
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

    /// Paths have no authors: they are the school's, edited by admins.
    fn is_authored_by(&self, _user: UserId) -> bool {
        false
    }

    fn card(&self, site: &BaseUrl) -> PathCard {
        PathCard {
            id: self.id,
            slug: self.slug.clone(),
            title: self.title.clone(),
            roles: self.roles.clone(),
            step_count: self.steps.len(),
            url: site.join(&self.url_path()),
            published_at: self
                .lifecycle
                .published_at
                .unwrap_or(self.lifecycle.updated_at),
            updated_at: self.lifecycle.updated_at,
        }
    }

    async fn missing(&self, store: &Store, _site: &BaseUrl) -> Result<Vec<FieldError>, DbError> {
        let mut missing = Vec::new();
        if self.description.is_blank() {
            missing.push(FieldError::new("description", "is required to publish"));
        }
        if self.roles.is_empty() {
            missing.push(FieldError::new(
                "roles",
                "at least one is required to publish",
            ));
        }
        if self.steps.is_empty() {
            missing.push(FieldError::new(
                "steps",
                "at least one is required to publish",
            ));
        }
        let things: Vec<(Kind, String)> = self.steps.iter().map(|s| s.target.thing()).collect();
        let outlines = store.outlines_of(&things).await?;
        for (i, (kind, id)) in things.iter().enumerate() {
            match outlines.get(&(*kind, id.clone())).map(|o| o.status) {
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
        Ok(missing)
    }

    async fn present(
        self,
        store: &Store,
        site: &BaseUrl,
        caller: Option<&AuthUser>,
    ) -> Result<PathView, DbError> {
        let editor = caller.is_some_and(|c| can_edit(&self, c));
        let things: Vec<(Kind, String)> = self.steps.iter().map(|s| s.target.thing()).collect();
        let mut outlines = store.outlines_of(&things).await?;
        let steps = self
            .steps
            .into_iter()
            .zip(things)
            .filter_map(|(step, thing)| {
                let outline = outlines.remove(&thing)?;
                let shown = editor || outline.status == PublicationStatus::Published;
                shown.then(|| step_view(site, thing.0, outline, step.note))
            })
            .collect();
        Ok(PathView {
            description_html: markdown::to_safe_html(self.description.as_str()),
            id: self.id,
            slug: self.slug,
            title: self.title,
            description: self.description,
            roles: self.roles,
            steps,
            lifecycle: self.lifecycle,
        })
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/paths", get(catalogue::list::<CareerPath>).post(create))
        .route(
            "/paths/{path}",
            get(catalogue::show::<CareerPath>).patch(update),
        )
        .route(
            "/paths/{path}/publish",
            post(catalogue::publish::<CareerPath>),
        )
        .route(
            "/paths/{path}/archive",
            post(catalogue::archive::<CareerPath>),
        )
}

/// A step as a request gives it: exactly one of `course` and `article` (an id or a slug).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepInput {
    course: Option<String>,
    article: Option<String>,
    #[serde(default)]
    note: Note,
}

/// The steps `inputs` describe, with each course and article looked up.
///
/// # Errors
/// 422 naming each step that names no course or article, or names both.
async fn steps(store: &Store, inputs: Vec<StepInput>) -> Result<Vec<Step>, ApiError> {
    if inputs.len() > MAX_STEPS {
        return Err(ApiError::invalid(
            "steps",
            format!("at most {MAX_STEPS} steps"),
        ));
    }
    let mut errors = Vec::new();
    let mut wanted: Vec<(usize, Kind, String)> = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        match (&input.course, &input.article) {
            (Some(course), None) => wanted.push((i, Kind::Course, course.clone())),
            (None, Some(article)) => wanted.push((i, Kind::Article, article.clone())),
            _ => errors.push(FieldError::new(
                format!("steps[{i}]"),
                "names exactly one of `course` and `article`",
            )),
        }
    }
    let slugs: Vec<(Kind, Slug)> = wanted
        .iter()
        .filter_map(|(_, kind, reference)| Some((*kind, Slug::parse(reference).ok()?)))
        .collect();
    let owners = store.slug_owners(&slugs).await?;
    let id_of = |kind: Kind, reference: &str| -> Option<String> {
        let is_id = match kind {
            Kind::Course => reference.parse::<CourseId>().is_ok(),
            _ => reference.parse::<ArticleId>().is_ok(),
        };
        if is_id {
            return Some(reference.to_owned());
        }
        owners.get(&(kind, Slug::parse(reference).ok()?)).cloned()
    };
    let mut targets = Vec::with_capacity(wanted.len());
    for (i, kind, reference) in &wanted {
        let target = id_of(*kind, reference).and_then(|id| match kind {
            Kind::Course => id.parse().ok().map(StepTarget::Course),
            _ => id.parse().ok().map(StepTarget::Article),
        });
        match target {
            Some(target) => targets.push((*i, target)),
            None => errors.push(FieldError::new(
                format!("steps[{i}]"),
                format!("`{reference}` is not a {}", kind.as_str()),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let mut notes: Vec<Option<Note>> = inputs.into_iter().map(|s| Some(s.note)).collect();
    Ok(targets
        .into_iter()
        .map(|(i, target)| Step {
            target,
            note: notes[i].take().unwrap_or_default(),
        })
        .collect())
}

fn check_roles(roles: &[RoleTitle]) -> Result<(), ApiError> {
    if roles.len() > MAX_ROLES {
        return Err(ApiError::invalid(
            "roles",
            format!("at most {MAX_ROLES} roles"),
        ));
    }
    Ok(())
}

/// The body of `POST /paths`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPath {
    slug: Slug,
    title: Title,
    #[serde(default)]
    description: Description,
    #[serde(default)]
    steps: Vec<StepInput>,
    #[serde(default)]
    roles: Vec<RoleTitle>,
}

/// `POST /paths` (admins): a new draft path.
async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    Json(input): Json<NewPath>,
) -> Result<Response, ApiError> {
    caller.require(Role::Admin)?;
    check_roles(&input.roles)?;
    let path = CareerPath {
        id: PathId::new(),
        slug: input.slug,
        title: input.title,
        description: input.description,
        steps: steps(&state.store, input.steps).await?,
        roles: input.roles,
        lifecycle: Lifecycle::new(now()),
    };
    document::create(&state.store, &state.site, &path, Transaction::default()).await?;
    tracing::info!(path = %path.id, slug = %path.slug, "career path created");
    let location = path.url_path();
    written(&state, path, &caller, Some(location)).await
}

/// The body of `PATCH /paths/{path}`: the fields to change (`steps` and `roles` whole).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PathPatch {
    slug: Option<Slug>,
    title: Option<Title>,
    description: Option<Description>,
    steps: Option<Vec<StepInput>>,
    roles: Option<Vec<RoleTitle>>,
}

/// `PATCH /paths/{path}` with `If-Match` (admins).
async fn update(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(reference): Path<String>,
    precondition: Precondition,
    Json(patch): Json<PathPatch>,
) -> Result<Response, ApiError> {
    if let Some(roles) = &patch.roles {
        check_roles(roles)?;
    }
    let new_steps = match patch.steps {
        Some(inputs) => Some(steps(&state.store, inputs).await?),
        None => None,
    };
    catalogue::edit::<CareerPath>(&state, &caller, &reference, &precondition, true, |path| {
        set(&mut path.slug, patch.slug);
        set(&mut path.title, patch.title);
        set(&mut path.description, patch.description);
        set(&mut path.steps, new_steps);
        set(&mut path.roles, patch.roles);
        Ok(Transaction::default())
    })
    .await
}
