//! The HTTP layers every function wraps its router in.
//!
//! [`finish`] adds, around a function's routes: a request span carrying the Lambda request id
//! (so every log line of a request can be found by it), one log line per request with its
//! outcome, the logging of an error's cause chain (once, inside the span), the request's
//! deadline ([`crate::deadline`]: 503 when it runs out), the body limit, problem+json for
//! unknown routes and wrong methods, and a panic guard.

use std::any::Any;
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use lambda_http::Context;
use serde::Serialize;
use tower_http::catch_panic::CatchPanicLayer;
use tracing::Instrument;

use crate::deadline;
use crate::error::{ApiError, ErrorReport};
use crate::json::{BODY_LIMIT, Json};

/// The header a response carries its request id in, and a local caller may set.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Marks a response the router gave because no route matched (404) or the path has no such
/// method (405), as opposed to a handler's own 404. Never sent; the routing-table tests read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unrouted;

/// Wraps a function's routes in the layers every function shares, each request within
/// [`deadline::REQUEST_BUDGET`].
pub fn finish(routes: Router) -> Router {
    finish_within(routes, deadline::REQUEST_BUDGET)
}

/// [`finish`], each request within `budget`: for tests whose racing requests queue at the
/// emulator (it takes one request at a time), as they get longer DynamoDB timeouts; a
/// function in AWS keeps [`deadline::REQUEST_BUDGET`].
pub fn finish_within(routes: Router, budget: Duration) -> Router {
    routes
        .fallback(|| async { (Extension(Unrouted), ApiError::NotFound) })
        .method_not_allowed_fallback(|| async { (Extension(Unrouted), ApiError::MethodNotAllowed) })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            trace_request(request, next, budget)
        }))
        .layer(CatchPanicLayer::custom(panic_response))
}

/// A liveness route for `function`, at `path`: answers 200 without touching any dependency.
pub fn liveness<S>(path: &str, function: &'static str, version: &'static str) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    #[derive(Serialize)]
    struct Live {
        status: &'static str,
        function: &'static str,
        version: &'static str,
    }
    Router::new().route(
        path,
        get(move || async move {
            Json(Live {
                status: "ok",
                function,
                version,
            })
        }),
    )
}

async fn trace_request(request: Request, next: Next, budget: Duration) -> Response {
    let request_id = request_id(&request);
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().map_or_else(
        || request.uri().path().to_owned(),
        |p| p.as_str().to_owned(),
    );
    // `user` is recorded by the token check once it knows the caller (never an address or a
    // token): the fields every function's lines share, for Logs Insights (infra/DEPLOY.md).
    let span = tracing::info_span!(
        "request",
        %request_id,
        %method,
        %route,
        user = tracing::field::Empty
    );
    let started = Instant::now();

    async move {
        let work = deadline::within(budget, tokio::time::timeout(budget, next.run(request)));
        let mut response = work.await.unwrap_or_else(|_| {
            ApiError::Unavailable {
                retry_after: Duration::from_secs(1),
                source: anyhow::anyhow!("the request ran out of its {budget:?}"),
            }
            .into_response()
        });
        let status = response.status().as_u16();
        let latency_ms = started.elapsed().as_millis() as u64;
        match response.extensions().get::<ErrorReport>() {
            Some(report) if report.status.is_server_error() => {
                tracing::error!(status, latency_ms, error = %report.message, "request failed");
            }
            Some(report) => {
                tracing::info!(status, latency_ms, error = %report.message, "request refused");
            }
            None => tracing::info!(status, latency_ms, "request completed"),
        }
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            headers.insert(REQUEST_ID, value);
        }
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        // Safe by default: only responses that opt in (public reads) may be cached.
        headers
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
        response
    }
    .instrument(span)
    .await
}

/// The Lambda request id when running in Lambda; locally, the caller's `x-request-id` if it is
/// short and printable, else a fresh one.
fn request_id(request: &Request) -> String {
    if let Some(context) = request.extensions().get::<Context>() {
        return context.request_id.clone();
    }
    request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned)
}

fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a panic without a message");
    ApiError::Unexpected(anyhow::anyhow!("handler panicked: {message}")).into_response()
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::StatusCode;
    use axum::routing::post;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;
    use crate::telemetry::tests::Captured;

    fn app() -> Router {
        finish(
            Router::new()
                .route(
                    "/things",
                    post(|Json(v): Json<serde_json::Value>| async move {
                        tracing::info!("handling a thing");
                        Json(v)
                    }),
                )
                .route(
                    "/broken",
                    get(|| async {
                        tracing::warn!("about to fail");
                        Err::<(), _>(ApiError::Unexpected(anyhow::anyhow!("disk on fire")))
                    }),
                )
                .route("/panics", get(panicking)),
        )
    }

    async fn panicking() -> &'static str {
        panic!("boom")
    }

    async fn send(
        request: axum::http::Request<Body>,
    ) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
        let response = app().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        (
            parts.status,
            parts.headers,
            serde_json::from_slice(&bytes).unwrap_or_default(),
        )
    }

    #[tokio::test]
    async fn every_log_line_of_a_lambda_request_carries_its_request_id() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber =
            crate::telemetry::subscriber(&crate::telemetry::LogSettings::json("info"), move || {
                writer.clone()
            });
        let _guard = tracing::subscriber::set_default(subscriber);

        let mut context = Context::default();
        context.request_id = "8f3e-lambda-request".into();
        let request = axum::http::Request::get("/broken")
            .extension(context)
            .body(Body::empty())
            .unwrap();
        let (status, headers, _) = send(request).await;

        assert_eq!(status, 500);
        assert_eq!(headers[REQUEST_ID], "8f3e-lambda-request");
        let lines = captured.lines();
        assert!(
            lines.len() >= 2,
            "expected the handler's line and the outcome: {lines:?}"
        );
        for line in &lines {
            let json: serde_json::Value = serde_json::from_str(line).expect("JSON lines");
            assert_eq!(json["span"]["request_id"], "8f3e-lambda-request", "{line}");
        }
        let outcome = lines.last().unwrap();
        assert!(
            outcome.contains("disk on fire"),
            "the cause is logged: {outcome}"
        );
        assert!(outcome.contains("\"level\":\"ERROR\""), "{outcome}");
    }

    #[tokio::test]
    async fn an_unknown_route_and_a_wrong_method_are_problem_json() {
        let (status, headers, body) = send(
            axum::http::Request::get("/nowhere")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, 404);
        assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
        assert_eq!(body["status"], 404);

        let (status, headers, _) = send(
            axum::http::Request::delete("/things")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, 405);
        assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_an_opaque_500() {
        let (status, headers, body) = send(
            axum::http::Request::get("/panics")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(status, 500);
        assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
        assert!(!body.to_string().contains("boom"));
    }

    #[tokio::test]
    async fn bodies_over_the_limit_are_refused_with_413() {
        let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
        let request = axum::http::Request::post("/things")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(big))
            .unwrap();
        let (status, headers, body) = send(request).await;
        assert_eq!(status, 413);
        assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
        assert_eq!(
            body["type"],
            "https://skillpath.dev/problems/payload-too-large"
        );
    }

    #[tokio::test]
    async fn a_wrong_content_type_and_broken_json_are_4xx_problems() {
        let request = axum::http::Request::post("/things")
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Body::from("{}"))
            .unwrap();
        assert_eq!(send(request).await.0, 415);

        let request = axum::http::Request::post("/things")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{\"unterminated"))
            .unwrap();
        let (status, headers, _) = send(request).await;
        assert_eq!(status, 400);
        assert_eq!(headers[header::CONTENT_TYPE], "application/problem+json");
    }

    #[tokio::test]
    async fn responses_are_not_cacheable_unless_a_handler_says_so() {
        let request = axum::http::Request::post("/things")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{}"))
            .unwrap();
        let (status, headers, _) = send(request).await;
        assert_eq!(status, 200);
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
}
