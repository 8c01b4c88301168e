//! The routes of `progress` and their handlers: parse the request into domain types, authorize,
//! call the service, shape the answer.
//!
//! Learner routes live under `/me` and never take a user id: the learner is the caller named
//! by the access token, so nobody can reach another learner's records through them.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use shared::catalog::{CourseId, LessonId};
use shared::extract::{Path, Query};
use shared::identity::Role;
use shared::page::{Page, PageParams};
use shared::token::AuthUser;
use shared::{ApiError, Json};

use crate::AppState;
use crate::certificate::CertificateId;
use crate::service::Enrolled;
use crate::views::{CertificateView, EnrollmentView, LearnerView, ProgressView, StatsView};

/// Page sizes: enrolments are joined with their courses in one `BatchGetItem` (at most 100
/// keys), so their pages stay smaller.
const ENROLLMENTS_PAGE: (u32, u32) = (20, 50);
const CERTIFICATES_PAGE: (u32, u32) = (20, 100);
const LEARNERS_PAGE: (u32, u32) = (20, 100);

/// The longest a saved position may be into a lesson.
const MAX_POSITION_SECONDS: u32 = 24 * 60 * 60;

/// How long anyone may cache a certificate's public verification page.
const CERTIFICATE_CACHE_CONTROL: &str = "public, max-age=60";

/// Every route `progress` serves (see `infra/routes.txt`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/enrollments", post(enroll).get(enrollments))
        .route("/me/enrollments/{course}", axum::routing::delete(unenroll))
        .route("/me/courses/{course}/progress", get(progress))
        .route(
            "/me/courses/{course}/lessons/{lesson}/completion",
            put(complete).delete(uncomplete),
        )
        .route("/me/courses/{course}/position", put(set_position))
        .route("/me/certificates", get(my_certificates))
        .route("/certificates/{certificate}", get(verify_certificate))
        .route(
            "/certificates/{certificate}/revoke",
            post(revoke_certificate),
        )
        .route("/courses/{course}/stats", get(course_stats))
        .route("/courses/{course}/learners", get(course_learners))
}

/// `POST /me/enrollments`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EnrollRequest {
    course_id: CourseId,
}

async fn enroll(
    State(state): State<AppState>,
    learner: AuthUser,
    Json(request): Json<EnrollRequest>,
) -> Result<(StatusCode, Json<EnrollmentView>), ApiError> {
    let (enrolled, learning) = state.service.enroll(&learner, request.course_id).await?;
    let status = match enrolled {
        Enrolled::First => StatusCode::CREATED,
        Enrolled::Existing => StatusCode::OK,
    };
    Ok((status, Json(EnrollmentView::from(&learning))))
}

async fn enrollments(
    State(state): State<AppState>,
    learner: AuthUser,
    Query(page): Query<PageParams>,
) -> Result<Json<Page<EnrollmentView>>, ApiError> {
    let (default, max) = ENROLLMENTS_PAGE;
    let listed = state
        .service
        .enrollments(
            learner.id,
            page.limit(default, max)?,
            page.cursor.as_deref(),
        )
        .await?;
    Ok(Json(Page {
        items: listed.items.iter().map(EnrollmentView::from).collect(),
        next_cursor: listed.next_cursor,
    }))
}

async fn unenroll(
    State(state): State<AppState>,
    learner: AuthUser,
    Path(course): Path<CourseId>,
) -> Result<StatusCode, ApiError> {
    state.service.unenroll(learner.id, course).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn progress(
    State(state): State<AppState>,
    learner: AuthUser,
    Path(course): Path<CourseId>,
) -> Result<Json<ProgressView>, ApiError> {
    let learning = state.service.progress(learner.id, course).await?;
    Ok(Json(ProgressView::from(&learning)))
}

async fn complete(
    State(state): State<AppState>,
    learner: AuthUser,
    Path((course, lesson)): Path<(CourseId, LessonId)>,
) -> Result<Json<ProgressView>, ApiError> {
    let learning = state.service.complete(&learner, course, lesson).await?;
    Ok(Json(ProgressView::from(&learning)))
}

async fn uncomplete(
    State(state): State<AppState>,
    learner: AuthUser,
    Path((course, lesson)): Path<(CourseId, LessonId)>,
) -> Result<Json<ProgressView>, ApiError> {
    let learning = state.service.uncomplete(&learner, course, lesson).await?;
    Ok(Json(ProgressView::from(&learning)))
}

/// `PUT /me/courses/{course}/position`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PositionRequest {
    lesson_id: LessonId,
    /// Seconds into the lesson.
    seconds: u32,
}

async fn set_position(
    State(state): State<AppState>,
    learner: AuthUser,
    Path(course): Path<CourseId>,
    Json(request): Json<PositionRequest>,
) -> Result<StatusCode, ApiError> {
    if request.seconds > MAX_POSITION_SECONDS {
        return Err(ApiError::invalid(
            "seconds",
            format!("must be at most {MAX_POSITION_SECONDS}"),
        ));
    }
    state
        .service
        .set_position(&learner, course, request.lesson_id, request.seconds)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn my_certificates(
    State(state): State<AppState>,
    learner: AuthUser,
    Query(page): Query<PageParams>,
) -> Result<Json<Page<CertificateView>>, ApiError> {
    let (default, max) = CERTIFICATES_PAGE;
    let certificates = state
        .service
        .certificates(
            learner.id,
            page.limit(default, max)?,
            page.cursor.as_deref(),
        )
        .await?;
    Ok(Json(Page {
        items: certificates
            .items
            .into_iter()
            .map(CertificateView::from)
            .collect(),
        next_cursor: certificates.next_cursor,
    }))
}

/// The public verification page: no token needed, the unguessable id is the capability.
/// Cacheable for a minute, with an `ETag` that `If-None-Match` turns into a 304.
async fn verify_certificate(
    State(state): State<AppState>,
    Path(id): Path<CertificateId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let certificate = state.service.certificate(&id).await?;
    let body = serde_json::to_vec(&CertificateView::from(certificate))
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    let etag = format!(
        "\"{}\"",
        URL_SAFE_NO_PAD.encode(&Sha256::digest(&body)[..16])
    );
    let etag = HeaderValue::from_str(&etag).map_err(|e| ApiError::Unexpected(e.into()))?;
    let cache = HeaderValue::from_static(CERTIFICATE_CACHE_CONTROL);
    if matches_etag(&headers, &etag) {
        let headers = [(header::ETAG, etag), (header::CACHE_CONTROL, cache)];
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        ),
        (header::ETAG, etag),
        (header::CACHE_CONTROL, cache),
    ];
    Ok((headers, body).into_response())
}

/// Whether `If-None-Match` names `etag` (weakly, as RFC 9110 asks for GET) or is `*`.
fn matches_etag(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Ok(etag) = etag.to_str() else {
        return false;
    };
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim())
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}

async fn revoke_certificate(
    State(state): State<AppState>,
    admin: AuthUser,
    Path(id): Path<CertificateId>,
) -> Result<Json<CertificateView>, ApiError> {
    admin.require(Role::Admin)?;
    let certificate = state.service.revoke(&admin, &id).await?;
    Ok(Json(CertificateView::from(certificate)))
}

async fn course_stats(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(course): Path<CourseId>,
) -> Result<Json<StatsView>, ApiError> {
    let stats = state.service.stats(&caller, course).await?;
    Ok(Json(StatsView::from(stats)))
}

async fn course_learners(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(course): Path<CourseId>,
    Query(page): Query<PageParams>,
) -> Result<Json<Page<LearnerView>>, ApiError> {
    let (default, max) = LEARNERS_PAGE;
    let (course, learners) = state
        .service
        .learners(
            &caller,
            course,
            page.limit(default, max)?,
            page.cursor.as_deref(),
        )
        .await?;
    Ok(Json(Page {
        items: learners
            .items
            .into_iter()
            .map(|enrollment| LearnerView::new(enrollment, &course))
            .collect(),
        next_cursor: learners.next_cursor,
    }))
}
