//! The routes of `progress` and their handlers: parse the request into domain types, authorize,
//! call the service, shape the answer.
//!
//! Learner routes live under `/me` and never take a user id: the learner is the caller named
//! by the access token, so nobody can reach another learner's records through them. Enrolling
//! and completing lessons need the caller's account as it is now, with a verified address
//! ([`VerifiedUser`]); the admins' and instructors' routes need it as it is now
//! ([`CurrentUser`]).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use serde::Deserialize;
use shared::caching::{Cacheable, Precondition, entity_tag, respond, versioned_tag};
use shared::catalog::{CourseId, LessonId};
use shared::clock::Timestamp;
use shared::extract::{Path, Query};
use shared::identity::Role;
use shared::page::{Page, PageParams};
use shared::token::{AuthUser, CurrentUser, VerifiedUser};
use shared::{ApiError, Json};

use crate::AppState;
use crate::certificate::CertificateId;
use crate::project::{
    Attempt, AttemptId, HandInRequest, NotificationId, PortfolioId, ReviewRequest,
};
use crate::service::Enrolled;
use crate::views::{
    AttemptView, CertificateView, EnrollmentView, LearnerView, NotificationView,
    PortfolioSettingsView, PortfolioView, ProgressView, StatsView,
};

/// Page sizes: enrollments are joined with their courses in one `BatchGetItem` (at most 100
/// keys), so their pages stay smaller.
const ENROLLMENTS_PAGE: (u32, u32) = (20, 50);
const CERTIFICATES_PAGE: (u32, u32) = (20, 100);
const LEARNERS_PAGE: (u32, u32) = (20, 100);
const ATTEMPTS_PAGE: (u32, u32) = (20, 100);
const NOTIFICATIONS_PAGE: (u32, u32) = (20, 100);

/// How a public portfolio may be cached: revalidated every time, since one made private must
/// be gone at once.
const PORTFOLIO_CACHE_CONTROL: &str = "public, no-cache";

/// The longest a saved position may be into a lesson.
const MAX_POSITION_SECONDS: u32 = 24 * 60 * 60;

/// How long anyone may cache a certificate's public verification page.
const CERTIFICATE_CACHE_CONTROL: &str = "public, max-age=60";

/// Every route `progress` serves (see `infra/routes.txt`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me/enrollments", post(enroll).get(enrollments))
        .route("/me/enrollments/{course}", delete(unenroll))
        .route("/me/courses/{course}/progress", get(progress))
        .route(
            "/me/courses/{course}/lessons/{lesson}/completion",
            put(completion::<true>).delete(completion::<false>),
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
        .route(
            "/me/courses/{course}/projects/{lesson}/attempts",
            post(hand_in).get(my_attempts),
        )
        .route(
            "/me/courses/{course}/projects/{lesson}/attempts/{attempt}",
            delete(withdraw),
        )
        .route("/me/notifications", get(notifications))
        .route(
            "/me/notifications/{notification}/read",
            post(read_notification),
        )
        .route("/me/portfolio", get(portfolio).put(switch_portfolio))
        .route("/portfolios/{portfolio}", get(public_portfolio))
        .route("/courses/{course}/attempts", get(review_queue))
        .route("/courses/{course}/attempts/{attempt}", get(reviewable))
        .route("/courses/{course}/attempts/{attempt}/claim", post(claim))
        .route("/courses/{course}/attempts/{attempt}/review", post(review))
}

/// `POST /me/enrollments`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EnrollRequest {
    course_id: CourseId,
}

async fn enroll(
    State(state): State<AppState>,
    VerifiedUser(learner): VerifiedUser,
    Json(request): Json<EnrollRequest>,
) -> Result<(StatusCode, Json<EnrollmentView>), ApiError> {
    let now = state.clock.now();
    let (enrolled, learning) = state
        .service
        .enroll(&learner, request.course_id, now)
        .await?;
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
    let (limit, cursor) = page.bounds(ENROLLMENTS_PAGE)?;
    let listed = state.service.enrollments(learner.id, limit, cursor).await?;
    Ok(Json(listed.map(|learning| EnrollmentView::from(&learning))))
}

async fn unenroll(
    State(state): State<AppState>,
    learner: AuthUser,
    Path(course): Path<CourseId>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    state.service.unenroll(learner.id, course, now).await?;
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

/// `PUT` (`DONE`) and `DELETE` `/me/courses/{course}/lessons/{lesson}/completion`.
async fn completion<const DONE: bool>(
    State(state): State<AppState>,
    VerifiedUser(learner): VerifiedUser,
    Path((course, lesson)): Path<(CourseId, LessonId)>,
) -> Result<Json<ProgressView>, ApiError> {
    let (service, now) = (&state.service, state.clock.now());
    let learning = if DONE {
        service.complete(&learner, course, lesson, now).await?
    } else {
        service.uncomplete(&learner, course, lesson, now).await?
    };
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
    let now = state.clock.now();
    state
        .service
        .set_position(&learner, course, request.lesson_id, request.seconds, now)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn my_certificates(
    State(state): State<AppState>,
    learner: AuthUser,
    Query(page): Query<PageParams>,
) -> Result<Json<Page<CertificateView>>, ApiError> {
    let (limit, cursor) = page.bounds(CERTIFICATES_PAGE)?;
    let certificates = state
        .service
        .certificates(learner.id, limit, cursor)
        .await?;
    Ok(Json(certificates.map(CertificateView::from)))
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
    let etag = entity_tag(&body);
    let read = Cacheable {
        etag: &etag,
        cache_control: CERTIFICATE_CACHE_CONTROL,
        content_type: "application/json",
        varies_by_caller: false,
    };
    Ok(respond(&headers, read, body))
}

async fn revoke_certificate(
    State(state): State<AppState>,
    CurrentUser(admin): CurrentUser,
    Path(id): Path<CertificateId>,
) -> Result<Json<CertificateView>, ApiError> {
    admin.require(Role::Admin)?;
    let now = state.clock.now();
    let certificate = state.service.revoke(&admin, &id, now).await?;
    Ok(Json(CertificateView::from(certificate)))
}

async fn course_stats(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path(course): Path<CourseId>,
) -> Result<Json<StatsView>, ApiError> {
    let stats = state.service.stats(&caller, course).await?;
    Ok(Json(StatsView::from(stats)))
}

async fn course_learners(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path(course): Path<CourseId>,
    Query(page): Query<PageParams>,
) -> Result<Json<Page<LearnerView>>, ApiError> {
    let (limit, cursor) = page.bounds(LEARNERS_PAGE)?;
    let (course, learners) = state
        .service
        .learners(&caller, course, limit, cursor)
        .await?;
    Ok(Json(
        learners.map(|enrollment| LearnerView::new(enrollment, &course)),
    ))
}

/// An attempt answered with its `ETag`, for the `If-Match` of its review; never cached.
fn attempt_response(status: StatusCode, attempt: Attempt, now: Timestamp) -> Response {
    let version = attempt.version;
    let view = AttemptView::new(attempt, now);
    match serde_json::to_vec(&view) {
        Ok(body) => (
            status,
            [
                (header::ETAG, versioned_tag(version, &body)),
                (header::CONTENT_TYPE, "application/json".to_owned()),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            body,
        )
            .into_response(),
        Err(e) => ApiError::Unexpected(e.into()).into_response(),
    }
}

async fn hand_in(
    State(state): State<AppState>,
    VerifiedUser(learner): VerifiedUser,
    Path((course, lesson)): Path<(CourseId, LessonId)>,
    Json(request): Json<HandInRequest>,
) -> Result<Response, ApiError> {
    let now = state.clock.now();
    let attempt = state
        .service
        .hand_in(&learner, course, lesson, request, now)
        .await?;
    Ok(attempt_response(StatusCode::CREATED, attempt, now))
}

async fn my_attempts(
    State(state): State<AppState>,
    learner: AuthUser,
    Path((course, lesson)): Path<(CourseId, LessonId)>,
    Query(page): Query<PageParams>,
) -> Result<Json<Page<AttemptView>>, ApiError> {
    let (limit, cursor) = page.bounds(ATTEMPTS_PAGE)?;
    let now = state.clock.now();
    let attempts = state
        .service
        .attempts(learner.id, course, lesson, limit, cursor)
        .await?;
    Ok(Json(attempts.map(|a| AttemptView::new(a, now))))
}

async fn withdraw(
    State(state): State<AppState>,
    learner: AuthUser,
    Path((course, lesson, attempt)): Path<(CourseId, LessonId, AttemptId)>,
) -> Result<Response, ApiError> {
    let now = state.clock.now();
    let attempt = state
        .service
        .withdraw(learner.id, course, lesson, attempt, now)
        .await?;
    Ok(attempt_response(StatusCode::OK, attempt, now))
}

async fn notifications(
    State(state): State<AppState>,
    learner: AuthUser,
    Query(page): Query<PageParams>,
) -> Result<Json<Page<NotificationView>>, ApiError> {
    let (limit, cursor) = page.bounds(NOTIFICATIONS_PAGE)?;
    let listed = state
        .service
        .notifications(learner.id, limit, cursor)
        .await?;
    Ok(Json(listed.map(NotificationView::from)))
}

async fn read_notification(
    State(state): State<AppState>,
    learner: AuthUser,
    Path(id): Path<NotificationId>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    state.service.read_notification(learner.id, id, now).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn portfolio(
    State(state): State<AppState>,
    learner: AuthUser,
) -> Result<Json<PortfolioSettingsView>, ApiError> {
    let url = state.service.portfolio_url(learner.id).await?;
    Ok(Json(url.into()))
}

/// `PUT /me/portfolio`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PortfolioRequest {
    public: bool,
}

async fn switch_portfolio(
    State(state): State<AppState>,
    learner: AuthUser,
    Json(request): Json<PortfolioRequest>,
) -> Result<Json<PortfolioSettingsView>, ApiError> {
    let url = state
        .service
        .switch_portfolio(&learner, request.public)
        .await?;
    Ok(Json(url.into()))
}

/// A public portfolio: no token needed, the unguessable id is the capability.
async fn public_portfolio(
    State(state): State<AppState>,
    Path(id): Path<PortfolioId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (portfolio, projects) = state.service.public_portfolio(&id).await?;
    let body = serde_json::to_vec(&PortfolioView::new(portfolio, projects))
        .map_err(|e| ApiError::Unexpected(e.into()))?;
    let etag = entity_tag(&body);
    let read = Cacheable {
        etag: &etag,
        cache_control: PORTFOLIO_CACHE_CONTROL,
        content_type: "application/json",
        varies_by_caller: false,
    };
    Ok(respond(&headers, read, body))
}

/// `GET /courses/{course}/attempts`: the page, and the project to narrow the queue to.
#[derive(Debug, Deserialize)]
struct QueueParams {
    project: Option<LessonId>,
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn review_queue(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path(course): Path<CourseId>,
    Query(params): Query<QueueParams>,
) -> Result<Json<Page<AttemptView>>, ApiError> {
    let page = PageParams {
        limit: params.limit,
        cursor: params.cursor,
    };
    let (limit, cursor) = page.bounds(ATTEMPTS_PAGE)?;
    let now = state.clock.now();
    let queue = state
        .service
        .queue(&caller, course, params.project, limit, cursor)
        .await?;
    Ok(Json(queue.map(|a| AttemptView::new(a, now))))
}

async fn reviewable(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path((course, attempt)): Path<(CourseId, AttemptId)>,
) -> Result<Response, ApiError> {
    let (_, attempt) = state.service.reviewable(&caller, course, attempt).await?;
    Ok(attempt_response(StatusCode::OK, attempt, state.clock.now()))
}

async fn claim(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path((course, attempt)): Path<(CourseId, AttemptId)>,
) -> Result<Response, ApiError> {
    let now = state.clock.now();
    let attempt = state.service.claim(&caller, course, attempt, now).await?;
    Ok(attempt_response(StatusCode::OK, attempt, now))
}

async fn review(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path((course, attempt)): Path<(CourseId, AttemptId)>,
    precondition: Precondition,
    Json(request): Json<ReviewRequest>,
) -> Result<Response, ApiError> {
    let now = state.clock.now();
    let attempt = state
        .service
        .review(&caller, course, attempt, &precondition, request, now)
        .await?;
    Ok(attempt_response(StatusCode::OK, attempt, now))
}
