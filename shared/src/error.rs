//! The one HTTP error type, rendered as RFC 9457 `application/problem+json` in one place.
//!
//! Handlers return `Result<_, ApiError>`; domain errors convert into it with `From`. A 5xx body
//! is always the same opaque text: its cause rides in a response extension
//! ([`ErrorReport`]) and is logged once, inside the request span, by [`crate::http`].

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Where the problem types are documented; a type is this plus its slug.
pub const PROBLEM_BASE: &str = "https://skillpath.dev/problems/";

/// One invalid field of a request, in a 422 body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name or JSON path, e.g. `email` or `modules[2].title`.
    pub field: String,
    /// What is wrong, in a sentence the client can show.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Everything a request can fail with, as the client sees it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request cannot be read (bad JSON, bad query string, tampered cursor).
    #[error("malformed request: {0}")]
    Malformed(String),
    /// 401: no credentials, or credentials that do not verify.
    #[error("unauthenticated")]
    Unauthenticated,
    /// 401: credentials sent in the body (a password, a refresh, reset or verification token)
    /// that do not verify. Says nothing about which part was wrong.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// 403: authenticated, but not allowed.
    #[error("forbidden")]
    Forbidden,
    /// 403: the account's address is not verified yet; enrolling, completing lessons and
    /// authoring wait for it.
    #[error("email address not verified")]
    EmailUnverified,
    /// 403: an admin's own role or status is changed by another admin, never by themselves.
    #[error("own account")]
    OwnAccount,
    /// 404: no such thing, or one the caller may not see.
    #[error("not found")]
    NotFound,
    /// 405: the path exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409: the request conflicts with the current state (a taken slug, say).
    #[error("conflict: {0}")]
    Conflict(String),
    /// 412: `If-Match` names a version that is no longer current.
    #[error("precondition failed")]
    PreconditionFailed,
    /// 428: an edit that must name the version it was made against has no `If-Match`
    /// (RFC 6585).
    #[error("precondition required")]
    PreconditionRequired,
    /// 413: the body is larger than the function accepts.
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    /// 415: the body is not JSON.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// 422: well-formed, but some fields are invalid.
    #[error("invalid request")]
    Invalid(Vec<FieldError>),
    /// 429: too many attempts; try again after `retry_after`.
    #[error("rate limited")]
    RateLimited { retry_after: Duration },
    /// 503: a dependency (DynamoDB, say) is throttling, timing out or unreachable.
    #[error("dependency unavailable")]
    Unavailable {
        retry_after: Duration,
        #[source]
        source: anyhow::Error,
    },
    /// 500: a bug or an unexpected failure; the cause is logged, never sent.
    #[error("unexpected error")]
    Unexpected(#[from] anyhow::Error),
}

impl ApiError {
    /// A 422 for one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Malformed(_) => StatusCode::BAD_REQUEST,
            Self::Unauthenticated | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::EmailUnverified | Self::OwnAccount => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable slug of the problem type (the last segment of `type`).
    pub fn slug(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed-request",
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidCredentials => "invalid-credentials",
            Self::Forbidden => "forbidden",
            Self::EmailUnverified => "email-unverified",
            Self::OwnAccount => "own-account",
            Self::NotFound => "not-found",
            Self::MethodNotAllowed => "method-not-allowed",
            Self::Conflict(_) => "conflict",
            Self::PreconditionFailed => "stale-version",
            Self::PreconditionRequired => "precondition-required",
            Self::PayloadTooLarge { .. } => "payload-too-large",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::Invalid(_) => "validation-failed",
            Self::RateLimited { .. } => "rate-limited",
            Self::Unavailable { .. } => "service-unavailable",
            Self::Unexpected(_) => "internal-error",
        }
    }

    fn title(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "The request could not be read",
            Self::Unauthenticated => "Authentication is required",
            Self::InvalidCredentials => "The credentials are not valid",
            Self::Forbidden => "You are not allowed to do this",
            Self::EmailUnverified => "Verify your email address first",
            Self::OwnAccount => "Your own account is changed by another admin",
            Self::NotFound => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::Conflict(_) => "The request conflicts with the current state",
            Self::PreconditionFailed => "The resource has changed since you read it",
            Self::PreconditionRequired => "The edit must name the version it was made against",
            Self::PayloadTooLarge { .. } => "The request body is too large",
            Self::UnsupportedMediaType => "The request body must be JSON",
            Self::Invalid(_) => "The request is not valid",
            Self::RateLimited { .. } => "Too many requests",
            Self::Unavailable { .. } => "The service is temporarily unavailable",
            Self::Unexpected(_) => "Something went wrong on our side",
        }
    }

    fn detail(&self) -> Option<String> {
        match self {
            Self::Malformed(detail) | Self::Conflict(detail) => Some(detail.clone()),
            Self::Unauthenticated => {
                Some("Send a valid access token as `Authorization: Bearer <token>`.".into())
            }
            Self::InvalidCredentials => Some(
                "Check the email address and password, or ask for a new link: tokens expire \
                 and work once."
                    .into(),
            ),
            Self::EmailUnverified => Some(
                "Follow the link mailed to your address (POST /auth/email/verify/resend sends \
                 a new one), then try again."
                    .into(),
            ),
            Self::OwnAccount => Some(
                "Nobody changes their own role, status or address verification; ask another \
                 admin."
                    .into(),
            ),
            Self::PreconditionFailed => {
                Some("Read the resource again and retry with its current ETag.".into())
            }
            Self::PreconditionRequired => {
                Some("Send If-Match with the ETag of the version you read.".into())
            }
            Self::PayloadTooLarge { limit } => {
                Some(format!("The body may be at most {limit} bytes."))
            }
            Self::UnsupportedMediaType => {
                Some("Send the body with `Content-Type: application/json`.".into())
            }
            Self::Invalid(errors) => Some(match errors.len() {
                1 => "One field is invalid.".into(),
                n => format!("{n} fields are invalid."),
            }),
            Self::RateLimited { retry_after } | Self::Unavailable { retry_after, .. } => {
                Some(match retry_seconds(*retry_after) {
                    1 => "Try again in a second.".to_owned(),
                    n => format!("Try again in {n} seconds."),
                })
            }
            Self::Forbidden | Self::NotFound | Self::MethodNotAllowed | Self::Unexpected(_) => None,
        }
    }
}

/// The cause of an error response, for the request span to log. Never serialised.
#[derive(Debug, Clone)]
pub struct ErrorReport {
    pub status: StatusCode,
    /// The error and its cause chain, formatted once (`{:#}`).
    pub message: Arc<str>,
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a [FieldError]>,
}

fn retry_seconds(after: Duration) -> u64 {
    after.as_secs_f64().ceil().max(1.0) as u64
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let problem = Problem {
            kind: format!("{PROBLEM_BASE}{}", self.slug()),
            title: self.title(),
            status: status.as_u16(),
            detail: self.detail(),
            errors: match &self {
                Self::Invalid(errors) => Some(errors),
                _ => None,
            },
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        match &self {
            Self::RateLimited { retry_after } | Self::Unavailable { retry_after, .. } => {
                headers.insert(header::RETRY_AFTER, retry_seconds(*retry_after).into());
            }
            Self::Unauthenticated => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
            }
            // A 401 must name a scheme (RFC 9110); the body's credentials were not a bearer
            // token, so no error parameter.
            Self::InvalidCredentials => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"skillpath\""),
                );
            }
            _ => {}
        }
        let message = match &self {
            Self::Unavailable { source, .. } => format!("{self}: {source:#}"),
            Self::Unexpected(source) => format!("{source:#}"),
            other => other.to_string(),
        };
        response.extensions_mut().insert(ErrorReport {
            status,
            message: message.into(),
        });
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn render(error: ApiError) -> (Response, serde_json::Value) {
        let response = error.into_response();
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        let json = serde_json::from_slice(&bytes).unwrap();
        (Response::from_parts(parts, axum::body::Body::empty()), json)
    }

    #[tokio::test]
    async fn a_validation_error_lists_its_fields_as_problem_json() {
        let (response, body) = render(ApiError::invalid("email", "is not an email address")).await;
        assert_eq!(response.status(), 422);
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
        assert_eq!(
            body["type"],
            "https://skillpath.dev/problems/validation-failed"
        );
        assert_eq!(body["status"], 422);
        assert_eq!(body["errors"][0]["field"], "email");
    }

    #[tokio::test]
    async fn an_unexpected_error_never_shows_its_cause() {
        let cause = anyhow::anyhow!("ResourceNotFoundException: table arn:aws:dynamodb:secret");
        let (response, body) = render(ApiError::Unexpected(cause)).await;
        assert_eq!(response.status(), 500);
        let text = body.to_string();
        assert!(
            !text.contains("arn:aws"),
            "cause leaked into the body: {text}"
        );
        let report = response.extensions().get::<ErrorReport>().unwrap();
        assert!(
            report.message.contains("arn:aws"),
            "the cause must reach the log"
        );
    }

    #[tokio::test]
    async fn unavailable_and_rate_limited_say_when_to_retry() {
        let (response, _) = render(ApiError::Unavailable {
            retry_after: Duration::from_millis(200),
            source: anyhow::anyhow!("timeout"),
        })
        .await;
        assert_eq!(response.status(), 503);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");

        let (response, body) = render(ApiError::RateLimited {
            retry_after: Duration::from_secs(16),
        })
        .await;
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()[header::RETRY_AFTER], "16");
        assert_eq!(body["detail"], "Try again in 16 seconds.");
    }

    #[tokio::test]
    async fn unauthenticated_asks_for_a_bearer_token() {
        let (response, _) = render(ApiError::Unauthenticated).await;
        assert_eq!(response.status(), 401);
        assert!(
            response.headers()[header::WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
    }
}
