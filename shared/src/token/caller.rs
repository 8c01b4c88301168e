//! Who calls: the extractors that read a request's bearer token into the caller.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;

use super::AccessTokenVerifier;
use crate::account::AccountStates;
use crate::clock::Timestamp;
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

/// The one `Authorization` header's value, if there is one. Several headers, or one whose value
/// holds a comma (API Gateway delivers repeated headers joined by commas; no bearer token has
/// one), are refused whole: reading one of them would make the gateway and a local router
/// disagree on who calls.
fn authorization(parts: &Parts) -> Result<Option<&str>, ApiError> {
    let mut values = parts.headers.get_all(header::AUTHORIZATION).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let several =
        || ApiError::Malformed("send one Authorization header with one bearer token".into());
    if values.next().is_some() {
        return Err(several());
    }
    let value = value.to_str().map_err(|_| ApiError::Unauthenticated)?;
    if value.contains(',') {
        return Err(several());
    }
    Ok(Some(value))
}

fn bearer_token(value: &str) -> Option<&str> {
    value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
}

fn authenticate(
    parts: &Parts,
    verifier: &AccessTokenVerifier,
) -> Result<Option<AuthSession>, ApiError> {
    let Some(value) = authorization(parts)? else {
        return Ok(None);
    };
    let token = bearer_token(value).ok_or(ApiError::Unauthenticated)?;
    let caller = verifier.verify_session(token).map_err(|reason| {
        tracing::info!(%reason, "access token refused");
        ApiError::Unauthenticated
    })?;
    tracing::Span::current().record("user", tracing::field::display(caller.user.id));
    Ok(Some(caller))
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
    /// The `session_epoch` claim: the account's session epoch when the token was issued.
    pub epoch: Option<u64>,
}

impl<S> FromRequestParts<S> for AuthSession
where
    S: Send + Sync,
    Arc<AccessTokenVerifier>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Arc::<AccessTokenVerifier>::from_ref(state);
        authenticate(parts, &verifier)?.ok_or(ApiError::Unauthenticated)
    }
}

/// The caller of a privileged route, as their account is now: the token is checked against
/// the account's current state (one DynamoDB request, see [`crate::account`]), and `role` is
/// the account's current role. For whatever a demotion, a disable or a logout must stop at
/// once: admin routes, authoring, staff reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser(pub AuthUser);

/// As [`CurrentUser`], and the account's address is verified: for enrolling, completing
/// lessons and authoring. 403 `email-unverified` otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedUser(pub AuthUser);

/// The caller, checked against their account's current state; and whether its address is
/// verified.
async fn current<S>(parts: &mut Parts, state: &S) -> Result<(AuthUser, bool), ApiError>
where
    S: Send + Sync,
    Arc<AccessTokenVerifier>: FromRef<S>,
    Arc<AccountStates>: FromRef<S>,
{
    let caller = AuthSession::from_request_parts(parts, state).await?;
    let now = Timestamp::from(time::OffsetDateTime::now_utc());
    let account = Arc::<AccountStates>::from_ref(state)
        .check(&caller, now)
        .await?;
    let user = AuthUser {
        role: account.role,
        ..caller.user
    };
    Ok((user, account.email_verified))
}

impl<S> FromRequestParts<S> for CurrentUser
where
    S: Send + Sync,
    Arc<AccessTokenVerifier>: FromRef<S>,
    Arc<AccountStates>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        current(parts, state).await.map(|(user, _)| Self(user))
    }
}

impl<S> FromRequestParts<S> for VerifiedUser
where
    S: Send + Sync,
    Arc<AccessTokenVerifier>: FromRef<S>,
    Arc<AccountStates>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match current(parts, state).await? {
            (user, true) => Ok(Self(user)),
            (user, false) => {
                tracing::info!(user = %user.id, "refused: the address is not verified");
                Err(ApiError::EmailUnverified)
            }
        }
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
        authenticate(parts, &verifier).map(|caller| MaybeAuthUser(caller.map(|c| c.user)))
    }
}
