//! Conditional requests, one way for every function: strong entity tags made from the body, every
//! `If-None-Match` header and every tag in it read (weak comparison, as RFC 9110 asks for
//! GET; `*` matches anything), and 304 answered with the same validators as the 200; and the
//! `If-Match` of an edit, checked against the version its entity tag names.

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::ApiError;

/// The digest part of an entity tag: the first 12 bytes of the body's SHA-256, base64url
/// (16 characters).
pub fn digest(body: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(&Sha256::digest(body)[..12])
}

/// A strong entity tag of `body`: `"<digest>"`.
pub fn entity_tag(body: &[u8]) -> String {
    format!("\"{}\"", digest(body))
}

/// A strong entity tag of `body` that names the `version` of the one document it shows:
/// `"v<version>-<digest>"`, so an edit's `If-Match` can name the version it was made against.
pub fn versioned_tag(version: u64, body: &[u8]) -> String {
    format!("\"v{version}-{}\"", digest(body))
}

/// The entity tags of a header value (`"a", W/"b"`), without their quotes and weakness
/// markers; `*` as itself. Anything that is not a well-formed list ends the list.
pub fn entity_tags(value: &str) -> Vec<&str> {
    let mut tags = Vec::new();
    let mut rest = value.trim_start();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('*') {
            tags.push("*");
            rest = after;
        } else {
            let unweak = rest.strip_prefix("W/").unwrap_or(rest);
            let Some(quoted) = unweak.strip_prefix('"') else {
                break;
            };
            let Some(end) = quoted.find('"') else {
                break;
            };
            tags.push(&quoted[..end]);
            rest = &quoted[end + 1..];
        }
        rest = rest.trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    tags
}

/// Whether the request's `If-None-Match` headers name `etag` (weakly) or are `*`.
pub fn none_match(request: &HeaderMap, etag: &str) -> bool {
    let ours = etag.trim_start_matches("W/").trim_matches('"');
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(entity_tags)
        .any(|tag| tag == "*" || tag == ours)
}

/// How a cacheable read is answered.
#[derive(Debug, Clone, Copy)]
pub struct Cacheable<'a> {
    pub etag: &'a str,
    pub cache_control: &'a str,
    pub content_type: &'static str,
    /// `Vary: Authorization` for reads whose body depends on the caller.
    pub varies_by_caller: bool,
}

/// The answer to a cacheable read: 304 with the validators when the request's
/// `If-None-Match` names `etag`, otherwise 200 with `body`.
pub fn respond(request: &HeaderMap, read: Cacheable<'_>, body: impl Into<Body>) -> Response {
    let mut headers = HeaderMap::new();
    for (name, value) in [
        (header::ETAG, read.etag),
        (header::CACHE_CONTROL, read.cache_control),
    ] {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(name, value);
        }
    }
    if read.varies_by_caller {
        headers.insert(header::VARY, HeaderValue::from_static("Authorization"));
    }
    if none_match(request, read.etag) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(read.content_type),
    );
    (headers, body.into()).into_response()
}

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
        let tags = entity_tags(value);
        if tags.contains(&"*") {
            return Self::Any;
        }
        Self::Versions(tags.into_iter().filter_map(version_of).collect())
    }

    pub fn is_given(&self) -> bool {
        *self != Self::Absent
    }

    /// Checks the precondition against the stored `version`.
    ///
    /// # Errors
    /// 412 when it names another version; 428 when it is absent and `required`.
    pub fn check(&self, version: u64, required: bool) -> Result<(), ApiError> {
        match self {
            Self::Absent if required => Err(ApiError::PreconditionRequired),
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

/// The version an entity tag of ours names: `v<version>-<digest>` (16 base64url characters),
/// the version written as we write it (digits, no sign, no leading zero).
fn version_of(tag: &str) -> Option<u64> {
    let (version, digest) = tag.strip_prefix('v')?.split_once('-')?;
    let ours = digest.len() == 16
        && digest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && version.bytes().all(|b| b.is_ascii_digit())
        && (version == "0" || !version.starts_with('0'));
    ours.then(|| version.parse().ok()).flatten()
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
    let etag = versioned_tag(version, &bytes);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn request(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::IF_NONE_MATCH, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn every_tag_of_every_header_counts_weak_or_strong() {
        let etag = entity_tag(b"body");
        assert!(none_match(&request(&[&etag]), &etag));
        assert!(none_match(&request(&[&format!("W/{etag}")]), &etag));
        assert!(none_match(
            &request(&["\"other\"", &format!("\"x\", W/{etag}")]),
            &etag
        ));
        assert!(none_match(&request(&["*"]), &etag));
        assert!(!none_match(&request(&["\"other\", W/\"else\""]), &etag));
        assert!(!none_match(&HeaderMap::new(), &etag));
    }

    #[test]
    fn tags_are_read_as_quoted_strings() {
        assert_eq!(entity_tags(r#""a,b", W/"c" ,"d""#), ["a,b", "c", "d"]);
        assert_eq!(entity_tags("*"), ["*"]);
        assert_eq!(entity_tags(r#""a", garbage, "b""#), ["a"]);
        assert!(entity_tags("").is_empty());
    }

    #[tokio::test]
    async fn a_named_tag_answers_304_with_the_validators_and_no_body() {
        let etag = entity_tag(b"{}");
        let read = Cacheable {
            etag: &etag,
            cache_control: "public, max-age=60",
            content_type: "application/json",
            varies_by_caller: true,
        };
        let fresh = respond(&HeaderMap::new(), read, "{}");
        assert_eq!(fresh.status(), 200);
        assert_eq!(fresh.headers()[header::CONTENT_TYPE], "application/json");
        let revalidated = respond(&request(&[&etag]), read, "{}");
        assert_eq!(revalidated.status(), 304);
        assert_eq!(revalidated.headers()[header::ETAG], etag.as_str());
        assert_eq!(revalidated.headers()[header::VARY], "Authorization");
        assert!(revalidated.headers().get(header::CONTENT_TYPE).is_none());
    }
}
