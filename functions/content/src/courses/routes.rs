//! The course routes: creating and editing a course, its modules and lessons, and reading a
//! lesson (gated by enrolment unless it is a preview).

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, patch, post, put};
use serde::{Deserialize, Serialize};
use shared::ApiError;
use shared::Json;
use shared::catalog::{CourseId, LessonId, ModuleId, ModuleOutline, Outline};
use shared::extract::Path;
use shared::identity::{Role, UserId};
use shared::token::{AuthUser, MaybeAuthUser};

use super::{
    Course, LessonContent, MAX_INSTRUCTORS, MAX_MODULES, ModuleOrder, Reading, lesson_outline,
    needs_enrolment,
};
use crate::AppState;
use crate::catalogue::{self, written};
use crate::document::{self, Document, Lifecycle, now};
use crate::fields::{
    self, Body, Description, Level, Minutes, Slug, Summary, Tags, Title, WebUrl, set,
};
use crate::keys;
use crate::markdown;
use crate::seo::Seo;
use crate::store::{LessonItem, Transaction};
use crate::web::{self, Precondition};

/// Most further-reading links a lesson may have.
const MAX_READINGS: usize = 20;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/courses", get(catalogue::list::<Course>).post(create))
        .route(
            "/courses/{course}",
            get(catalogue::show::<Course>).patch(update),
        )
        .route(
            "/courses/{course}/publish",
            post(catalogue::publish::<Course>),
        )
        .route(
            "/courses/{course}/archive",
            post(catalogue::archive::<Course>),
        )
        .route("/courses/{course}/outline", put(reorder))
        .route("/courses/{course}/modules", post(add_module))
        .route(
            "/courses/{course}/modules/{module}",
            patch(rename_module).delete(delete_module),
        )
        .route(
            "/courses/{course}/modules/{module}/lessons",
            post(add_lesson),
        )
        .route(
            "/courses/{course}/lessons/{lesson}",
            get(show_lesson).patch(update_lesson).delete(delete_lesson),
        )
}

/// The body of `POST /courses`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCourse {
    slug: Slug,
    title: Title,
    #[serde(default)]
    summary: Summary,
    #[serde(default)]
    description: Description,
    level: Level,
    #[serde(default)]
    tags: Tags,
    #[serde(default)]
    seo: Seo,
    /// Admins only; otherwise the author.
    instructors: Option<Vec<UserId>>,
}

/// The instructors `caller` asks for, if they may choose them.
fn chosen_instructors(caller: &AuthUser, wanted: Vec<UserId>) -> Result<Vec<UserId>, ApiError> {
    if !caller.is_admin() {
        return Err(ApiError::invalid(
            "instructors",
            "only an admin may choose a course's instructors",
        ));
    }
    if wanted.len() > MAX_INSTRUCTORS {
        return Err(ApiError::invalid(
            "instructors",
            format!("at most {MAX_INSTRUCTORS} instructors"),
        ));
    }
    let mut instructors = Vec::with_capacity(wanted.len());
    for id in wanted {
        if !instructors.contains(&id) {
            instructors.push(id);
        }
    }
    Ok(instructors)
}

/// `POST /courses`: a new draft course, owned by its author (or, for an admin, by the
/// instructors named).
async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    Json(input): Json<NewCourse>,
) -> Result<Response, ApiError> {
    caller.require(Role::Instructor)?;
    let instructors = match input.instructors {
        None => vec![caller.id],
        Some(wanted) => chosen_instructors(&caller, wanted)?,
    };
    let course = Course {
        id: CourseId::new(),
        slug: input.slug,
        title: input.title,
        summary: input.summary,
        description: input.description,
        level: input.level,
        tags: input.tags,
        instructors,
        lifecycle: Lifecycle::new(now()),
        seo: input.seo,
        outline: Outline::default(),
        former_lesson_slugs: BTreeMap::new(),
    };
    document::create(&state.store, &state.site, &course, Transaction::default()).await?;
    tracing::info!(course = %course.id, slug = %course.slug, "course created");
    let location = course.url_path();
    written(&state, course, &caller, Some(location)).await
}

/// The body of `PATCH /courses/{course}`: the fields to change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CoursePatch {
    slug: Option<Slug>,
    title: Option<Title>,
    summary: Option<Summary>,
    description: Option<Description>,
    level: Option<Level>,
    tags: Option<Tags>,
    seo: Option<Seo>,
    instructors: Option<Vec<UserId>>,
}

/// `PATCH /courses/{course}` with `If-Match`: changes the fields given. A new slug keeps the
/// old one redirecting here.
async fn update(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(reference): Path<String>,
    precondition: Precondition,
    Json(patch): Json<CoursePatch>,
) -> Result<Response, ApiError> {
    catalogue::edit::<Course>(&state, &caller, &reference, &precondition, true, |course| {
        if let Some(wanted) = patch.instructors {
            course.instructors = chosen_instructors(&caller, wanted)?;
        }
        set(&mut course.slug, patch.slug);
        set(&mut course.title, patch.title);
        set(&mut course.summary, patch.summary);
        set(&mut course.description, patch.description);
        set(&mut course.level, patch.level);
        set(&mut course.tags, patch.tags);
        set(&mut course.seo, patch.seo);
        Ok(Transaction::default())
    })
    .await
}

/// The body of `POST /courses/{course}/modules` and `PATCH .../modules/{module}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModuleInput {
    title: Title,
}

/// `POST /courses/{course}/modules`: a new, empty module at the end of the outline. Answers
/// with the course and the new module's URL in `Location`.
async fn add_module(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(reference): Path<String>,
    precondition: Precondition,
    Json(input): Json<ModuleInput>,
) -> Result<Response, ApiError> {
    let id = ModuleId::new();
    let course = document::edit::<Course>(
        &state.store,
        &state.site,
        &caller,
        &reference,
        &precondition,
        false,
        |course| {
            if course.outline.modules.len() >= MAX_MODULES {
                return Err(ApiError::invalid(
                    "outline",
                    format!("a course has at most {MAX_MODULES} modules"),
                ));
            }
            course.outline.modules.push(ModuleOutline {
                id,
                title: input.title.to_string(),
                lessons: Vec::new(),
            });
            Ok(Transaction::default())
        },
    )
    .await?;
    let location = format!("/courses/{}/modules/{id}", course.id);
    written(&state, course, &caller, Some(location)).await
}

/// `PATCH /courses/{course}/modules/{module}` with `If-Match`: renames a module.
async fn rename_module(
    State(state): State<AppState>,
    caller: AuthUser,
    Path((reference, module)): Path<(String, ModuleId)>,
    precondition: Precondition,
    Json(input): Json<ModuleInput>,
) -> Result<Response, ApiError> {
    catalogue::edit::<Course>(&state, &caller, &reference, &precondition, true, |course| {
        course.module_mut(module)?.title = input.title.to_string();
        Ok(Transaction::default())
    })
    .await
}

/// `DELETE /courses/{course}/modules/{module}` with `If-Match`: removes a module and its
/// lessons. Answers with the course.
async fn delete_module(
    State(state): State<AppState>,
    caller: AuthUser,
    Path((reference, module)): Path<(String, ModuleId)>,
    precondition: Precondition,
) -> Result<Response, ApiError> {
    catalogue::edit::<Course>(&state, &caller, &reference, &precondition, true, |course| {
        let at = course
            .outline
            .modules
            .iter()
            .position(|m| m.id == module)
            .ok_or(ApiError::NotFound)?;
        let removed = course.outline.modules.remove(at);
        for lesson in &removed.lessons {
            course.forget_lesson(lesson.id);
        }
        Ok(removed
            .lessons
            .iter()
            .fold(Transaction::default(), |also, lesson| {
                also.delete(keys::lesson(course.id, lesson.id))
            }))
    })
    .await
}

/// `PUT /courses/{course}/outline` with `If-Match`: the modules and lessons in a new order.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutlineOrder {
    modules: Vec<ModuleOrder>,
}

async fn reorder(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(reference): Path<String>,
    precondition: Precondition,
    Json(order): Json<OutlineOrder>,
) -> Result<Response, ApiError> {
    catalogue::edit::<Course>(&state, &caller, &reference, &precondition, true, |course| {
        course.reorder(order.modules)?;
        Ok(Transaction::default())
    })
    .await
}

/// The body of `POST /courses/{course}/modules/{module}/lessons`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewLesson {
    slug: Slug,
    title: Title,
    body: Body,
    video_url: Option<WebUrl>,
    duration_minutes: Minutes,
    #[serde(default)]
    preview: bool,
    #[serde(default)]
    links: Vec<Reading>,
}

fn check_lesson_content(content: &LessonContent) -> Result<(), ApiError> {
    if content.body.is_blank() {
        return Err(ApiError::invalid("body", "is required"));
    }
    if content.links.len() > MAX_READINGS {
        return Err(ApiError::invalid(
            "links",
            format!("at most {MAX_READINGS} links"),
        ));
    }
    Ok(())
}

/// `POST /courses/{course}/modules/{module}/lessons`: a new lesson at the end of a module.
/// Answers with the lesson.
async fn add_lesson(
    State(state): State<AppState>,
    caller: AuthUser,
    Path((reference, module)): Path<(String, ModuleId)>,
    precondition: Precondition,
    Json(input): Json<NewLesson>,
) -> Result<Response, ApiError> {
    let content = LessonContent {
        body: input.body,
        video_url: input.video_url,
        links: input.links,
    };
    check_lesson_content(&content)?;
    let id = LessonId::new();
    let outline = lesson_outline(
        id,
        &input.slug,
        &input.title,
        input.duration_minutes,
        input.preview,
    );
    let item_content = content.clone();
    let course = document::edit::<Course>(
        &state.store,
        &state.site,
        &caller,
        &reference,
        &precondition,
        false,
        |course| {
            course.ensure_lesson_slug_free(&input.slug, None)?;
            course.add_lesson(module, outline)?;
            let item = LessonItem {
                course_id: course.id,
                lesson_id: id,
                content: item_content,
            };
            Ok(Transaction::default().put(keys::lesson(course.id, id), "lesson", &item)?)
        },
    )
    .await?;
    let view = LessonView::new(&course, &id.to_string(), content).ok_or_else(|| {
        ApiError::Unexpected(anyhow::anyhow!(
            "the lesson just added is not in the outline"
        ))
    })?;
    let location = format!("{}/lessons/{}", course.url_path(), view.slug);
    Ok(web::written(
        course.lifecycle.version,
        &view,
        Some(&location),
    ))
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
    fn new(course: &Course, reference: &str, content: LessonContent) -> Option<Self> {
        let (m, l) = course.find_lesson(reference)?;
        let module = &course.outline.modules[m];
        let lesson = &module.lessons[l];
        Some(Self {
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

/// `GET /courses/{course}/lessons/{lesson}` (each an id or a slug; a slug the course or the
/// lesson had before answers `301`): the lesson's body. A preview is open to anyone who may see the course; any other lesson to the course's editors
/// and to learners enrolled in it (401 without a token, 403 without an enrolment).
async fn show_lesson(
    State(state): State<AppState>,
    MaybeAuthUser(caller): MaybeAuthUser,
    Path((course_ref, lesson_ref)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let store = &state.store;
    let found = document::find_visible::<Course>(store, &course_ref, caller.as_ref()).await?;
    let private = caller.is_some();
    let course = found.doc;
    if found.moved {
        let location = format!("{}/lessons/{lesson_ref}", course.url_path());
        return Ok(web::moved_permanently(&location, private));
    }
    let Some((m, l)) = course.find_lesson(&lesson_ref) else {
        let renamed = course
            .renamed_lesson(&lesson_ref)
            .ok_or(ApiError::NotFound)?;
        let location = format!("{}/lessons/{}", course.url_path(), renamed.slug);
        return Ok(web::moved_permanently(&location, private));
    };
    let lesson = &course.outline.modules[m].lessons[l];
    let item = if needs_enrolment(&course, lesson, caller.as_ref()) {
        let learner = caller.as_ref().ok_or(ApiError::Unauthenticated)?;
        let (item, enrolled) = tokio::try_join!(
            store.lesson::<LessonContent>(course.id, lesson.id),
            store.is_enrolled(learner.id, course.id),
        )?;
        if !enrolled {
            return Err(ApiError::Forbidden);
        }
        item
    } else {
        store.lesson::<LessonContent>(course.id, lesson.id).await?
    };
    let item = item.ok_or_else(|| {
        ApiError::Unexpected(anyhow::anyhow!(
            "lesson {} of course {} has no item",
            lesson.id,
            course.id
        ))
    })?;
    let view = LessonView::new(&course, &lesson_ref, item.content).ok_or(ApiError::NotFound)?;
    Ok(web::cached_json(
        &headers,
        private,
        Some(course.lifecycle.version),
        &view,
    ))
}

/// The body of `PATCH /courses/{course}/lessons/{lesson}`: the fields to change
/// (`video_url: null` removes the video).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LessonPatch {
    slug: Option<Slug>,
    title: Option<Title>,
    body: Option<Body>,
    #[serde(default, deserialize_with = "fields::nullable")]
    video_url: Option<Option<WebUrl>>,
    duration_minutes: Option<Minutes>,
    preview: Option<bool>,
    links: Option<Vec<Reading>>,
}

/// `PATCH /courses/{course}/lessons/{lesson}` with `If-Match` (the course's): changes the
/// fields given. Answers with the lesson.
async fn update_lesson(
    State(state): State<AppState>,
    caller: AuthUser,
    Path((course_ref, lesson_ref)): Path<(String, String)>,
    precondition: Precondition,
    Json(patch): Json<LessonPatch>,
) -> Result<Response, ApiError> {
    let store = &state.store;
    let before: Course =
        document::find_editable(store, &course_ref, &caller, &precondition, true).await?;
    let (m, l) = before.find_lesson(&lesson_ref).ok_or(ApiError::NotFound)?;
    let lesson_id = before.outline.modules[m].lessons[l].id;
    // Read after the course: a change to the lesson since then changed the course's version
    // too, and the write below is conditioned on the version read above.
    let mut content = store
        .lesson::<LessonContent>(before.id, lesson_id)
        .await?
        .ok_or(ApiError::NotFound)?
        .content;
    set(&mut content.body, patch.body);
    set(&mut content.video_url, patch.video_url);
    set(&mut content.links, patch.links);
    check_lesson_content(&content)?;
    let mut after = before.clone();
    if let Some(slug) = &patch.slug {
        after.ensure_lesson_slug_free(slug, Some(lesson_id))?;
    }
    if let Some(slug) = &patch.slug {
        let former = after.outline.modules[m].lessons[l].slug.clone();
        after.rename_lesson(lesson_id, &former, slug);
    }
    let lesson = &mut after.outline.modules[m].lessons[l];
    set(&mut lesson.slug, patch.slug.map(String::from));
    set(&mut lesson.title, patch.title.map(String::from));
    set(
        &mut lesson.duration_minutes,
        patch.duration_minutes.map(u32::from),
    );
    set(&mut lesson.preview, patch.preview);
    let item = LessonItem {
        course_id: after.id,
        lesson_id,
        content: content.clone(),
    };
    let also = Transaction::default().put(keys::lesson(after.id, lesson_id), "lesson", &item)?;
    let course = document::commit(store, &state.site, &before, after, also, &precondition).await?;
    let view =
        LessonView::new(&course, &lesson_id.to_string(), content).ok_or(ApiError::NotFound)?;
    Ok(web::written(course.lifecycle.version, &view, None))
}

/// `DELETE /courses/{course}/lessons/{lesson}` with `If-Match`: removes the lesson. Answers
/// with the course.
async fn delete_lesson(
    State(state): State<AppState>,
    caller: AuthUser,
    Path((course_ref, lesson_ref)): Path<(String, String)>,
    precondition: Precondition,
) -> Result<Response, ApiError> {
    catalogue::edit::<Course>(
        &state,
        &caller,
        &course_ref,
        &precondition,
        true,
        |course| {
            let (m, l) = course.find_lesson(&lesson_ref).ok_or(ApiError::NotFound)?;
            let removed = course.outline.modules[m].lessons.remove(l);
            course.forget_lesson(removed.id);
            Ok(Transaction::default().delete(keys::lesson(course.id, removed.id)))
        },
    )
    .await
}
