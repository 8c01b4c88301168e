//! Who calls: the extractors that read a request's bearer token into the caller.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;

use super::AccessTokenVerifier;
use crate::error::ApiError;
use crate::identity::{Role, UserId};

/// The authenticated caller of a request, from its bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    pub id: UserId,
    pub role: Role,
    /// The display name as of the token's issue.
    pub name: String,
}

impl AuthUser {
    /// Admits the caller if their role is `role` or more powerful.
    ///
    /// # Errors
    /// 403 otherwise.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

fn bearer_token(parts: &Parts) -> Option<Result<&str, ()>> {
    let value = parts.headers.get(header::AUTHORIZATION)?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty());
    Some(token.ok_or(()))
}

fn authenticate(
    parts: &Parts,
    verifier: &AccessTokenVerifier,
) -> Result<Option<(AuthUser, Option<String>)>, ApiError> {
    match bearer_token(parts) {
        None => Ok(None),
        Some(Err(())) => Err(ApiError::Unauthenticated),
        Some(Ok(token)) => verifier.verify_session(token).map(Some).map_err(|reason| {
            tracing::info!(%reason, "access token refused");
            ApiError::Unauthenticated
        }),
    }
}

impl<S> FromRequestParts<S> for AuthUser
where
    S: Send + Sync,
    Arc<AccessTokenVerifier>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        AuthSession::from_request_parts(parts, state)
            .await
            .map(|caller| caller.user)
    }
}

/// The authenticated caller and the session their token was issued in (`None` for tokens
/// issued outside a session); for `auth`'s own routes that act on sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSession {
    pub user: AuthUser,
    /// The `sid` claim: the id of the refresh-token family the access token came from.
    pub session: Option<String>,
}

impl<S> FromRequestParts<S> for AuthSession
where
    S: Send + Sync,
    Arc<AccessTokenVerifier>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Arc::<AccessTokenVerifier>::from_ref(state);
        let (user, session) = authenticate(parts, &verifier)?.ok_or(ApiError::Unauthenticated)?;
        Ok(Self { user, session })
    }
}

/// The caller, if the request carries a bearer token; for routes open to everyone that show
/// more to some (an author sees their drafts). A token that does not verify is still a 401.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaybeAuthUser(pub Option<AuthUser>);

impl<S> FromRequestParts<S> for MaybeAuthUser
where
    S: Send + Sync,
    Arc<AccessTokenVerifier>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Arc::<AccessTokenVerifier>::from_ref(state);
        authenticate(parts, &verifier).map(|caller| MaybeAuthUser(caller.map(|(user, _)| user)))
    }
}
