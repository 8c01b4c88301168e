//! `Path` and `Query` extractors whose rejections are problem+json like every other error.
//!
//! A path segment that does not parse (an id that is not an id) is a 404: nothing can live
//! there. A query string that does not parse is a 400.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Typed path parameters; a value that does not parse answers 404.
#[derive(Debug, Clone, Copy)]
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Self(value))
            .map_err(|_| ApiError::NotFound)
    }
}

/// A typed query string; one that does not parse answers 400 saying why.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::try_from_uri(&parts.uri)
            .map(|axum::extract::Query(value)| Self(value))
            .map_err(|rejection| ApiError::Malformed(rejection.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    use super::*;
    use crate::page::PageParams;

    fn app() -> Router {
        Router::new()
            .route(
                "/users/{id}",
                get(|Path(id): Path<uuid::Uuid>| async move { id.to_string() }),
            )
            .route(
                "/list",
                get(|Query(page): Query<PageParams>| async move { format!("{:?}", page.limit) }),
            )
    }

    async fn status(uri: &str) -> u16 {
        let request = axum::http::Request::get(uri).body(Body::empty()).unwrap();
        app().oneshot(request).await.unwrap().status().as_u16()
    }

    #[tokio::test]
    async fn an_unparseable_id_is_not_found() {
        assert_eq!(status("/users/not-a-uuid").await, 404);
        assert_eq!(
            status("/users/0190a5b4-7c3e-7d2a-9b1e-3f4a5b6c7d8e").await,
            200
        );
    }

    #[tokio::test]
    async fn an_unparseable_query_is_a_bad_request() {
        assert_eq!(status("/list?limit=ten").await, 400);
        assert_eq!(status("/list?limit=10").await, 200);
    }
}
