//! JSON in and out, with every rejection rendered as problem+json.
//!
//! axum's own `Json` answers a bad body with plain text; this one answers 415 for a missing or
//! wrong `Content-Type`, 413 over the body limit, 400 for syntax errors and 422 (naming the
//! field) for a body of the wrong shape — an array where the document says object included
//! ([`objects`]).

mod objects;

pub use objects::nullable;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

/// Request bodies above this many bytes are refused with 413.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A JSON request body or response.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge { limit: BODY_LIMIT },
                _ => ApiError::Malformed("the request body could not be read".into()),
            }
        })?;
        parse(&bytes).map(Json)
    }
}

/// Parses a JSON document into `T`, with the error a client would get for it.
///
/// # Errors
/// 400 when it is not JSON, 422 naming the field when it does not fit `T`.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Syntax first: `T` may refuse a field (`deny_unknown_fields`) before the parser reaches
    // the place where the document breaks, and a broken document is a 400 whatever it holds.
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map_err(|e| malformed(&e))?;
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(objects::Objects::new(&mut deserializer))
        .map_err(|err| {
            let path = err.path().to_string();
            let inner = err.into_inner();
            match inner.classify() {
                serde_json::error::Category::Data => field_error(&path, &inner),
                _ => malformed(&inner),
            }
        })?;
    deserializer.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

fn malformed(error: &serde_json::Error) -> ApiError {
    ApiError::Malformed(format!("the body is not valid JSON: {error}"))
}

fn field_error(path: &str, error: &serde_json::Error) -> ApiError {
    // serde reports a missing field at the parent's path; name the field itself.
    let message = error.to_string();
    let message = message
        .split_once(" at line ")
        .map_or(message.as_str(), |(m, _)| m);
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.trim_end_matches('`');
        let field = if path == "." {
            field.to_owned()
        } else {
            format!("{path}.{field}")
        };
        return ApiError::Invalid(vec![FieldError::new(field, "is required")]);
    }
    let field = if path == "." { "body" } else { path };
    ApiError::Invalid(vec![FieldError::new(field, message)])
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                body,
            )
                .into_response(),
            Err(e) => ApiError::Unexpected(anyhow::Error::new(e).context("serialising a response"))
                .into_response(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Register {
        email: String,
        age: u8,
    }

    #[test]
    fn a_missing_field_is_named() {
        let err = parse::<Register>(br#"{"email":"a@b.c"}"#).unwrap_err();
        match err {
            ApiError::Invalid(errors) => assert_eq!(errors[0].field, "age"),
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn a_field_of_the_wrong_type_is_named() {
        let err = parse::<Register>(br#"{"email":"a@b.c","age":"old"}"#).unwrap_err();
        match err {
            ApiError::Invalid(errors) => assert_eq!(errors[0].field, "age"),
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Seo {
        title: Option<String>,
        #[serde(default, deserialize_with = "nullable")]
        description: Option<String>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Article {
        #[serde(default, deserialize_with = "nullable")]
        seo: Option<Seo>,
        #[serde(default)]
        related: Vec<Seo>,
    }

    #[test]
    fn an_array_where_an_object_is_meant_is_invalid_at_any_depth() {
        for body in [
            &br#"[{"title": null, "description": null}, []]"#[..],
            br#"{"seo": [null, null]}"#,
            br#"{"seo": {"title": "t", "description": null}, "related": [["t", "d"]]}"#,
        ] {
            let err = parse::<Article>(body).unwrap_err();
            assert!(
                matches!(&err, ApiError::Invalid(errors) if errors[0].message.contains("sequence")),
                "{}: {err:?}",
                String::from_utf8_lossy(body)
            );
        }
        let err = parse::<Article>(br#"{"seo": [null, null]}"#).unwrap_err();
        assert!(
            matches!(&err, ApiError::Invalid(errors) if errors[0].field == "seo"),
            "{err:?}"
        );
    }

    #[test]
    fn objects_options_lists_and_enums_still_read() {
        #[derive(Debug, PartialEq, Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum Scoring {
            PassFail,
            Points(u8),
        }
        #[derive(Debug, PartialEq, Deserialize)]
        struct Criterion {
            scoring: Scoring,
            tags: Vec<String>,
        }
        let article: Article =
            parse(br#"{"seo": null, "related": [{"title": "t", "description": null}]}"#).unwrap();
        assert_eq!(
            article,
            Article {
                seo: None,
                related: vec![Seo {
                    title: Some("t".into()),
                    description: None
                }],
            }
        );
        let criteria: Vec<Criterion> = parse(
            br#"[{"scoring": "pass_fail", "tags": ["a"]}, {"scoring": {"points": 5}, "tags": []}]"#,
        )
        .unwrap();
        assert_eq!(criteria[1].scoring, Scoring::Points(5));
    }

    #[test]
    fn null_is_refused_for_an_optional_field_unless_it_is_nullable() {
        let err = parse::<Article>(br#"{"seo": {"title": null}}"#).unwrap_err();
        assert!(
            matches!(&err, ApiError::Invalid(errors)
                if errors[0].field == "seo.title" && errors[0].message.contains("null")),
            "{err:?}"
        );
        let err = parse::<Vec<Option<u8>>>(b"[1, null]").unwrap_err();
        assert!(matches!(&err, ApiError::Invalid(_)), "{err:?}");
        // Left out, an optional field is still absent; a nullable one may be null or a value.
        let absent: Article = parse(br#"{"seo": {}}"#).unwrap();
        assert_eq!(absent.seo.unwrap().title, None);
        let given: Article = parse(br#"{"seo": {"description": "d"}}"#).unwrap();
        assert_eq!(given.seo.unwrap().description.as_deref(), Some("d"));
        // Read by any other deserializer (the store's), a nullable field is its content.
        let stored: Article = serde_json::from_str(r#"{"seo": {"title": null}}"#).unwrap();
        assert_eq!(stored.seo.unwrap().title, None);
    }

    #[test]
    fn broken_json_is_malformed_not_invalid() {
        let err = parse::<Register>(br#"{"email": "#).unwrap_err();
        assert!(matches!(err, ApiError::Malformed(_)), "{err:?}");
        let err = parse::<Register>(br#"{"email":"a","age":1} trailing"#).unwrap_err();
        assert!(matches!(err, ApiError::Malformed(_)), "{err:?}");
    }

    #[test]
    fn broken_json_is_malformed_even_where_a_field_would_be_refused_first() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Strict {
            title: String,
        }
        let err = parse::<Strict>(br#"{"email": "ada@"#).unwrap_err();
        assert!(matches!(err, ApiError::Malformed(_)), "{err:?}");
        let err = parse::<Strict>(br#"{"email": "ada@example.org"}"#).unwrap_err();
        assert!(matches!(err, ApiError::Invalid(_)), "{err:?}");
    }

    #[test]
    fn json_content_types_are_recognised() {
        let mut headers = HeaderMap::new();
        assert!(!is_json(&headers));
        for (value, expected) in [
            ("application/json", true),
            ("application/json; charset=utf-8", true),
            ("Application/JSON", true),
            ("application/merge-patch+json", true),
            ("text/plain", false),
            ("application/x-www-form-urlencoded", false),
        ] {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
            assert_eq!(is_json(&headers), expected, "{value}");
        }
    }
}
