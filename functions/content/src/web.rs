//! HTTP caching and conditional requests.
//!
//! Every public read answers with a strong `ETag` and a `Cache-Control`, and with 304 when
//! `If-None-Match` names the current `ETag` ([`shared::caching`]). The `ETag` of a course,
//! article or career path is `"v<version>-<digest>"`: the digest (of the response body) makes it
//! change whenever the body does, related articles included; the version lets an edit's
//! `If-Match` name the version it was made against, checked against the stored version. Only
//! tags of that form count: a tag this function did not make names no version.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use shared::ApiError;
use shared::caching::{self, Cacheable};
pub use shared::caching::{Precondition, written};

/// How long shared caches may keep a public read.
pub const PUBLIC_CACHE: &str = "public, max-age=60, stale-while-revalidate=300";
/// What a read made with a token may be cached as: by the caller only, revalidated each time.
pub const PRIVATE_CACHE: &str = "private, no-cache";

/// The strong entity tag of `body`, naming `version` when the body is one document's.
pub fn entity_tag(version: Option<u64>, body: &[u8]) -> String {
    match version {
        Some(version) => caching::versioned_tag(version, body),
        None => caching::entity_tag(body),
    }
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
    respond(request, private, &etag, content_type, body)
}

/// As [`cached`], for a body whose `etag` is already known.
pub fn respond(
    request: &HeaderMap,
    private: bool,
    etag: &str,
    content_type: &'static str,
    body: impl Into<axum::body::Body>,
) -> Response {
    let read = Cacheable {
        etag,
        cache_control: if private { PRIVATE_CACHE } else { PUBLIC_CACHE },
        content_type,
        varies_by_caller: true,
    };
    caching::respond(request, read, body)
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
        let nine = entity_tag(Some(9), b"[]");
        assert_eq!(
            Precondition::parse(Some(&format!("W/{tag}, {nine}"))),
            Precondition::Versions(vec![7, 9])
        );
        assert_eq!(
            Precondition::parse(Some("\"v9-x\", \"v8\"")),
            Precondition::Versions(vec![]),
            "tags this function did not make name no version"
        );
        let digest = caching::digest(b"{}");
        for unlike_ours in [format!("\"v+7-{digest}\""), format!("\"v07-{digest}\"")] {
            assert_eq!(
                Precondition::parse(Some(&unlike_ours)),
                Precondition::Versions(vec![]),
                "{unlike_ours} is not written as we write versions"
            );
        }
        assert_eq!(Precondition::parse(Some("*")), Precondition::Any);
        assert_eq!(Precondition::parse(None), Precondition::Absent);
        assert!(Precondition::parse(Some("\"abc\"")).check(7, true).is_err());
        assert!(Precondition::parse(Some(&tag)).check(7, true).is_ok());
        assert!(Precondition::parse(Some(&tag)).check(8, true).is_err());
        assert!(Precondition::Absent.check(8, true).is_err());
        assert!(Precondition::Absent.check(8, false).is_ok());
    }
}
