//! HTTP caching and conditional requests.
//!
//! Every public read answers with a strong `ETag` and a `Cache-Control`, and with 304 when
//! `If-None-Match` names the current `ETag`. The `ETag` of a course, article or career path is
//! `"v<version>-<digest>"`: the digest (of the response body) makes it change whenever the
//! body does, related articles included; the version lets an edit's `If-Match` name the
//! version it was made against, checked against the stored version.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use sha2::{Digest, Sha256};
use shared::ApiError;

/// How long shared caches may keep a public read.
pub const PUBLIC_CACHE: &str = "public, max-age=60, stale-while-revalidate=300";
/// What a read made with a token may be cached as: by the caller only, revalidated each time.
pub const PRIVATE_CACHE: &str = "private, no-cache";

/// The `If-Match` of an edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// No `If-Match`.
    Absent,
    /// `If-Match: *`: any current version.
    Any,
    /// The versions named by the listed entity tags (empty when none is one of ours, which
    /// then matches nothing).
    Versions(Vec<u64>),
}

impl Precondition {
    /// Reads an `If-Match` header value.
    pub fn parse(value: Option<&str>) -> Self {
        let Some(value) = value else {
            return Self::Absent;
        };
        if value.trim() == "*" {
            return Self::Any;
        }
        Self::Versions(
            value
                .split(',')
                .filter_map(|tag| {
                    tag.trim()
                        .trim_start_matches("W/")
                        .trim_matches('"')
                        .strip_prefix('v')?
                        .split('-')
                        .next()?
                        .parse()
                        .ok()
                })
                .collect(),
        )
    }

    pub fn is_given(&self) -> bool {
        *self != Self::Absent
    }

    /// Checks the precondition against the stored `version`.
    ///
    /// # Errors
    /// 412 when it names another version; 422 when it is absent and `required`.
    pub fn check(&self, version: u64, required: bool) -> Result<(), ApiError> {
        match self {
            Self::Absent if required => Err(ApiError::invalid(
                "If-Match",
                "is required: send the ETag of the version you edited",
            )),
            Self::Absent | Self::Any => Ok(()),
            Self::Versions(versions) if versions.contains(&version) => Ok(()),
            Self::Versions(_) => Err(ApiError::PreconditionFailed),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Precondition {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.headers.get(header::IF_MATCH) {
            None => Ok(Self::Absent),
            Some(value) => value
                .to_str()
                .map(|v| Self::parse(Some(v)))
                .map_err(|_| ApiError::Malformed("If-Match is not a list of entity tags".into())),
        }
    }
}

/// The strong entity tag of `body`, naming `version` when the body is one thing's.
pub fn entity_tag(version: Option<u64>, body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let digest = URL_SAFE_NO_PAD.encode(&digest[..12]);
    match version {
        Some(version) => format!("\"v{version}-{digest}\""),
        None => format!("\"{digest}\""),
    }
}

/// Whether `If-None-Match` in `request` names `etag` (weak comparison, as RFC 9110 asks).
fn not_modified(request: &HeaderMap, etag: &str) -> bool {
    let Some(value) = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let bare = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    value.trim() == "*" || value.split(',').any(|tag| bare(tag) == bare(etag))
}

/// A read's response: a body of `content_type` with its `ETag` and `Cache-Control` — or 304
/// when the request's `If-None-Match` already names that `ETag`. Reads made with a token
/// (`private`) may show what the public does not see, so only the caller may cache them.
pub fn cached(
    request: &HeaderMap,
    private: bool,
    version: Option<u64>,
    content_type: &'static str,
    body: Vec<u8>,
) -> Response {
    let etag = entity_tag(version, &body);
    let cache_control = if private { PRIVATE_CACHE } else { PUBLIC_CACHE };
    let headers = [
        (header::ETAG, etag.clone()),
        (header::CACHE_CONTROL, cache_control.to_owned()),
        (header::VARY, "Authorization".to_owned()),
    ];
    if not_modified(request, &etag) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    let mut response = (headers, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A JSON read's response; see [`cached`].
pub fn cached_json(
    request: &HeaderMap,
    private: bool,
    version: Option<u64>,
    body: &impl Serialize,
) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => cached(request, private, version, "application/json", bytes),
        Err(e) => ApiError::Unexpected(anyhow::Error::new(e).context("serialising a response"))
            .into_response(),
    }
}

/// The response to a write: the new state with its `ETag` (for the next `If-Match`), never
/// cached; `201` with `Location` for a creation.
pub fn written(version: u64, body: &impl Serialize, created_at: Option<&str>) -> Response {
    let bytes = match serde_json::to_vec(body) {
        Ok(bytes) => bytes,
        Err(e) => {
            return ApiError::Unexpected(anyhow::Error::new(e).context("serialising a response"))
                .into_response();
        }
    };
    let etag = entity_tag(Some(version), &bytes);
    let status = if created_at.is_some() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut response = (
        status,
        [
            (header::ETAG, etag),
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response();
    if let Some(location) = created_at.and_then(|l| HeaderValue::from_str(l).ok()) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// `301 Moved Permanently` to `location` (a path), cacheable like the page it stands for.
pub fn moved_permanently(location: &str, private: bool) -> Response {
    let cache_control = if private { PRIVATE_CACHE } else { PUBLIC_CACHE };
    match HeaderValue::from_str(location) {
        Ok(location) => (
            StatusCode::MOVED_PERMANENTLY,
            [
                (header::LOCATION, location),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static(cache_control),
                ),
                (header::VARY, HeaderValue::from_static("Authorization")),
            ],
        )
            .into_response(),
        Err(_) => ApiError::NotFound.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_names_versions_by_our_entity_tags() {
        let tag = entity_tag(Some(7), b"{}");
        assert_eq!(
            Precondition::parse(Some(&tag)),
            Precondition::Versions(vec![7])
        );
        assert_eq!(
            Precondition::parse(Some(&format!("W/{tag}, \"v9-x\""))),
            Precondition::Versions(vec![7, 9])
        );
        assert_eq!(Precondition::parse(Some("*")), Precondition::Any);
        assert_eq!(Precondition::parse(None), Precondition::Absent);
        assert!(Precondition::parse(Some("\"abc\"")).check(7, true).is_err());
        assert!(Precondition::parse(Some(&tag)).check(7, true).is_ok());
        assert!(Precondition::parse(Some(&tag)).check(8, true).is_err());
        assert!(Precondition::Absent.check(8, true).is_err());
        assert!(Precondition::Absent.check(8, false).is_ok());
    }

    #[test]
    fn if_none_match_compares_weakly_and_accepts_lists() {
        let etag = entity_tag(None, b"body");
        let mut headers = HeaderMap::new();
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&format!("\"other\", W/{etag}")).unwrap(),
        );
        assert!(not_modified(&headers, &etag));
        assert!(!not_modified(&HeaderMap::new(), &etag));
    }
}
