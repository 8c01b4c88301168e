//! Requests through a function's router, as API Gateway would hand them over, and readable
//! assertions on the responses.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{
    Extensions, HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, header,
};
use http_body_util::BodyExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tower::ServiceExt;

/// A function's router, ready to take requests.
#[derive(Debug, Clone)]
pub struct TestRouter {
    router: Router,
}

impl TestRouter {
    pub fn new(router: Router) -> Self {
        Self { router }
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder<'_> {
        RequestBuilder {
            router: self,
            builder: Request::builder().method(method).uri(path),
            body: Body::empty(),
        }
    }

    pub fn get(&self, path: &str) -> RequestBuilder<'_> {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> RequestBuilder<'_> {
        self.request(Method::POST, path)
    }

    pub fn put(&self, path: &str) -> RequestBuilder<'_> {
        self.request(Method::PUT, path)
    }

    pub fn patch(&self, path: &str) -> RequestBuilder<'_> {
        self.request(Method::PATCH, path)
    }

    pub fn delete(&self, path: &str) -> RequestBuilder<'_> {
        self.request(Method::DELETE, path)
    }

    /// Sends a request built by hand.
    ///
    /// # Panics
    /// When the router itself fails (it is infallible).
    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("axum routers are infallible");
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .expect("a response body that can be read")
            .to_bytes();
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            extensions: parts.extensions,
            body,
        }
    }
}

/// A request being built.
#[derive(Debug)]
pub struct RequestBuilder<'a> {
    router: &'a TestRouter,
    builder: axum::http::request::Builder,
    body: Body,
}

impl RequestBuilder<'_> {
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        self.builder = self.builder.header(
            HeaderName::try_from(name.as_ref()).expect("a header name"),
            HeaderValue::try_from(value.as_ref()).expect("a header value"),
        );
        self
    }

    /// `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", format!("Bearer {token}"))
    }

    /// A JSON body with `Content-Type: application/json`.
    pub fn json(self, body: &impl Serialize) -> Self {
        let bytes = serde_json::to_vec(body).expect("a serialisable body");
        self.body("application/json", bytes)
    }

    /// A raw body with the given content type.
    pub fn body(mut self, content_type: &str, body: impl Into<Body>) -> Self {
        self.builder = self.builder.header(header::CONTENT_TYPE, content_type);
        self.body = body.into();
        self
    }

    /// # Panics
    /// When the request is malformed.
    pub async fn send(self) -> TestResponse {
        let request = self.builder.body(self.body).expect("a well-formed request");
        self.router.send(request).await
    }
}

/// A response, read whole.
#[derive(Debug, Clone)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// What the layers attached for in-process observers (never sent), e.g.
    /// `shared::http::Unrouted`.
    pub extensions: Extensions,
    pub body: Bytes,
}

impl TestResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON.
    ///
    /// # Panics
    /// When it is not JSON, showing the status and body.
    pub fn json(&self) -> serde_json::Value {
        self.parse()
    }

    /// The body read into `T`.
    ///
    /// # Panics
    /// When it does not parse, showing the status and body.
    pub fn parse<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "expected a JSON body ({e}); got {} with {:?}",
                self.status,
                self.text()
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts the status, showing the body when it differs.
    ///
    /// # Panics
    /// When the status differs.
    #[track_caller]
    pub fn assert_status(&self, expected: u16) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            expected,
            "expected {expected}, got {} with body {}",
            self.status,
            self.text()
        );
        self
    }

    /// Asserts an RFC 9457 problem of the given status and type slug.
    ///
    /// # Panics
    /// When the status, media type or type differ.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, slug: &str) -> &Self {
        self.assert_status(status);
        assert_eq!(
            self.header("content-type"),
            Some(shared::error::PROBLEM_JSON),
            "errors are problem+json: {}",
            self.text()
        );
        assert_eq!(
            self.json()["type"],
            format!("{}{slug}", shared::error::PROBLEM_BASE),
            "problem type"
        );
        self
    }
}
