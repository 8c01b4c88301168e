//! The course routes: creating and editing a course, its modules and lessons, and reading a
//! lesson (open to its enrolled learners unless it is a preview).

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post, put};
use serde::Deserialize;
use shared::catalog::{CourseId, ModuleId, Outline};
use shared::extract::Path;
use shared::identity::{Role, UserId};
use shared::token::{AuthUser, MaybeAuthUser, VerifiedUser};
use shared::{ApiError, Json};

use super::{
    Course, LessonContent, LessonEdit, MAX_INSTRUCTORS, ModuleOrder, NewLesson, Project, Reading,
};
use crate::AppState;
use crate::catalog::{self, written};
use crate::document::{Document, Lifecycle};
use crate::fields::{
    self, Body, Description, Level, Minutes, Slug, Summary, Tags, Title, WebUrl, set,
};
use crate::seo::Seo;
use crate::service::Part;
use crate::store::{Read, StoredRead};
use crate::web::{self, Precondition};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/courses/{course}/readiness",
            get(catalog::readiness::<Course>),
        )
        .route(
            "/courses/{course}/publish",
            post(catalog::move_to::<Course, true>),
        )
        .route(
            "/courses/{course}/archive",
            post(catalog::move_to::<Course, false>),
        )
        .route("/courses", get(catalog::list::<Course>).post(create))
        .route("/courses/{course}", get(show).patch(update))
        .route("/courses/{course}/outline", put(reorder))
        .route("/courses/{course}/modules", post(add_module))
        .route(
            "/courses/{course}/modules/{module}",
            get(show_module).patch(rename_module).delete(delete_module),
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

/// `GET /courses/{course}`: a published course's page as stored when it was written (one read
/// of its status and page, [`crate::pages`]); a draft, an archived course, a slug it had
/// before, or a course written before pages were kept, as [`catalog::show`] renders them.
///
/// # Errors
/// 404 when there is none the caller may see.
async fn show(
    State(state): State<AppState>,
    MaybeAuthUser(caller): MaybeAuthUser,
    Path(reference): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let read = match state.service.course_page(&reference).await? {
        StoredRead::Page(page) => {
            let private = caller.is_some();
            let json = "application/json";
            return Ok(web::respond(&headers, private, &page.tag, json, page.body));
        }
        StoredRead::Render => Read::Fast,
        StoredRead::OldSlug => Read::Fresh,
        StoredRead::Missing => return Err(ApiError::NotFound),
    };
    catalog::render::<Course>(&state, caller.as_ref(), &reference, &headers, read).await
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
    VerifiedUser(caller): VerifiedUser,
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
        lifecycle: Lifecycle::new(state.service.now()),
        seo: input.seo,
        outline: Outline::default(),
        former_lesson_slugs: BTreeMap::new(),
    };
    state.service.create(&course).await?;
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
    VerifiedUser(caller): VerifiedUser,
    Path(reference): Path<String>,
    precondition: Precondition,
    Json(patch): Json<CoursePatch>,
) -> Result<Response, ApiError> {
    catalog::edit::<Course>(&state, &caller, &reference, &precondition, true, |course| {
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
        Ok(Vec::new())
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
    VerifiedUser(caller): VerifiedUser,
    Path(reference): Path<String>,
    precondition: Precondition,
    Json(input): Json<ModuleInput>,
) -> Result<Response, ApiError> {
    let (course, id) = state
        .service
        .add_module(&caller, &reference, &precondition, input.title)
        .await?;
    let location = format!("/courses/{}/modules/{id}", course.id);
    written(&state, course, &caller, Some(location)).await
}

/// `PATCH /courses/{course}/modules/{module}` with `If-Match`: renames a module.
async fn rename_module(
    State(state): State<AppState>,
    VerifiedUser(caller): VerifiedUser,
    Path((reference, module)): Path<(String, ModuleId)>,
    precondition: Precondition,
    Json(input): Json<ModuleInput>,
) -> Result<Response, ApiError> {
    catalog::edit::<Course>(&state, &caller, &reference, &precondition, true, |course| {
        course.module_mut(module)?.title = input.title.to_string();
        Ok(Vec::new())
    })
    .await
}

/// `DELETE /courses/{course}/modules/{module}` with `If-Match`: removes a module and its
/// lessons. Answers with the course.
async fn delete_module(
    State(state): State<AppState>,
    VerifiedUser(caller): VerifiedUser,
    Path((reference, module)): Path<(String, ModuleId)>,
    precondition: Precondition,
) -> Result<Response, ApiError> {
    let course = state
        .service
        .delete_module(&caller, &reference, &precondition, module)
        .await?;
    written(&state, course, &caller, None).await
}

/// `PUT /courses/{course}/outline` with `If-Match`: the modules and lessons in a new order.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutlineOrder {
    modules: Vec<ModuleOrder>,
}

async fn reorder(
    State(state): State<AppState>,
    VerifiedUser(caller): VerifiedUser,
    Path(reference): Path<String>,
    precondition: Precondition,
    Json(order): Json<OutlineOrder>,
) -> Result<Response, ApiError> {
    catalog::edit::<Course>(&state, &caller, &reference, &precondition, true, |course| {
        course.reorder(order.modules)?;
        Ok(Vec::new())
    })
    .await
}

/// The body of `POST /courses/{course}/modules/{module}/lessons`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LessonInput {
    slug: Slug,
    title: Title,
    body: Body,
    #[serde(default, deserialize_with = "shared::json::nullable")]
    video_url: Option<WebUrl>,
    duration_minutes: Minutes,
    #[serde(default)]
    preview: bool,
    #[serde(default)]
    links: Vec<Reading>,
    /// Makes it a project lesson (its body is then the brief).
    #[serde(default, deserialize_with = "shared::json::nullable")]
    project: Option<Project>,
}

/// `POST /courses/{course}/modules/{module}/lessons`: a new lesson at the end of a module.
/// Answers with the lesson.
async fn add_lesson(
    State(state): State<AppState>,
    VerifiedUser(caller): VerifiedUser,
    Path((reference, module)): Path<(String, ModuleId)>,
    precondition: Precondition,
    Json(input): Json<LessonInput>,
) -> Result<Response, ApiError> {
    let lesson = NewLesson {
        slug: input.slug,
        title: input.title,
        duration: input.duration_minutes,
        preview: input.preview,
        content: LessonContent {
            body: input.body,
            video_url: input.video_url,
            links: input.links,
            project: input.project,
        },
    };
    let (course, view) = state
        .service
        .add_lesson(&caller, &reference, module, &precondition, lesson)
        .await?;
    let location = format!("{}/lessons/{}", course.url_path(), view.slug);
    Ok(web::written(
        course.lifecycle.version,
        &view,
        Some(&location),
    ))
}

/// `GET /courses/{course}/lessons/{lesson}` (each an id or a slug; a slug the course or the
/// lesson had before answers `301`): the lesson's body. A preview is open to anyone who may see the course; any other lesson to the course's editors
/// and to learners enrolled in it (401 without a token, 403 without an enrollment).
async fn show_lesson(
    State(state): State<AppState>,
    MaybeAuthUser(caller): MaybeAuthUser,
    Path((course_ref, lesson_ref)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let part = state
        .service
        .lesson(caller.as_ref(), &course_ref, &lesson_ref)
        .await?;
    Ok(part_response(part, &headers, caller.is_some()))
}

/// The answer of a part of a course: it, cached like its course, or a redirect to where it
/// moved.
fn part_response<V: serde::Serialize>(
    part: Part<V>,
    headers: &HeaderMap,
    private: bool,
) -> Response {
    match part {
        Part::Moved(location) => web::moved_permanently(&location, private),
        Part::Here { view, version } => web::cached_json(headers, private, Some(version), &view),
    }
}

/// `GET /courses/{course}/modules/{module}`: a module and its lessons' places, for whoever may
/// see the course (where `POST /courses/{course}/modules` points its `Location`).
async fn show_module(
    State(state): State<AppState>,
    MaybeAuthUser(caller): MaybeAuthUser,
    Path((course_ref, module)): Path<(String, ModuleId)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let part = state
        .service
        .module(caller.as_ref(), &course_ref, module)
        .await?;
    Ok(part_response(part, &headers, caller.is_some()))
}

/// The body of `PATCH /courses/{course}/lessons/{lesson}`: the fields to change
/// (`video_url: null` removes the video; `project` replaces the whole project, `null` makes it
/// an ordinary lesson).
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
    #[serde(default, deserialize_with = "fields::nullable")]
    project: Option<Option<Project>>,
}

/// `PATCH /courses/{course}/lessons/{lesson}` with `If-Match` (the course's): changes the
/// fields given. Answers with the lesson.
async fn update_lesson(
    State(state): State<AppState>,
    VerifiedUser(caller): VerifiedUser,
    Path((course_ref, lesson_ref)): Path<(String, String)>,
    precondition: Precondition,
    Json(patch): Json<LessonPatch>,
) -> Result<Response, ApiError> {
    let edit = LessonEdit {
        slug: patch.slug,
        title: patch.title,
        body: patch.body,
        video_url: patch.video_url,
        duration: patch.duration_minutes,
        preview: patch.preview,
        links: patch.links,
        project: patch.project,
    };
    let (course, view) = state
        .service
        .update_lesson(&caller, &course_ref, &lesson_ref, &precondition, edit)
        .await?;
    Ok(web::written(course.lifecycle.version, &view, None))
}

/// `DELETE /courses/{course}/lessons/{lesson}` with `If-Match`: removes the lesson. Answers
/// with the course.
async fn delete_lesson(
    State(state): State<AppState>,
    VerifiedUser(caller): VerifiedUser,
    Path((course_ref, lesson_ref)): Path<(String, String)>,
    precondition: Precondition,
) -> Result<Response, ApiError> {
    let course = state
        .service
        .delete_lesson(&caller, &course_ref, &lesson_ref, &precondition)
        .await?;
    written(&state, course, &caller, None).await
}
