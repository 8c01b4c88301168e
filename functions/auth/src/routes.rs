//! The HTTP API of `auth`: each handler parses its request into domain types, authorises the
//! caller, calls the service and shapes the answer. Nothing here talks to DynamoDB.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use serde::{Deserialize, Serialize};
use shared::extract::{Path, Query};
use shared::identity::{Role, UserId};
use shared::page::Page;
use shared::token::{AuthSession, AuthUser};
use shared::{ApiError, FieldError, Json};

use crate::AppState;
use crate::email::Email;
use crate::password::Password;
use crate::secret::OpaqueToken;
use crate::session::{SessionId, SessionTokens};
use crate::store::AccountChange;
use crate::user::{Account, DisplayName};

/// How long caches may keep the JWKS. Key rotation publishes a new key at least this long
/// before signing with it.
const JWKS_MAX_AGE_SECONDS: u32 = 300;

/// Every route of `auth` (besides its liveness route).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(register))
        .route("/auth/login", post(login))
        .route("/auth/refresh", post(refresh))
        .route("/auth/logout", post(logout))
        .route("/auth/logout-all", post(logout_all))
        .route("/auth/me", get(me).patch(rename))
        .route("/auth/password/change", post(change_password))
        .route("/auth/password/forgot", post(forgot_password))
        .route("/auth/password/reset", post(reset_password))
        .route("/auth/email/verify", post(verify_email))
        .route("/auth/users", get(list_users))
        .route("/auth/users/{user}", patch(change_user))
        .route("/.well-known/jwks.json", get(jwks))
}

/// Collects the field errors of a request body, for one 422 naming every invalid field.
#[derive(Debug, Default)]
struct Fields {
    errors: Vec<FieldError>,
}

impl Fields {
    /// The value if valid; otherwise notes why, under `field`.
    fn check<T>(&mut self, field: &str, result: Result<T, &'static str>) -> Option<T> {
        result
            .map_err(|message| self.errors.push(FieldError::new(field, message)))
            .ok()
    }

    /// The parsed values, or 422 listing every invalid field.
    fn finish<T>(self, values: Option<T>) -> Result<T, ApiError> {
        match values {
            Some(values) if self.errors.is_empty() => Ok(values),
            _ => Err(ApiError::Invalid(self.errors)),
        }
    }
}

/// What a login or a refresh answers (RFC 6749's token response).
#[derive(Debug, Serialize)]
struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    refresh_token: String,
}

impl From<SessionTokens> for TokenResponse {
    fn from(tokens: SessionTokens) -> Self {
        Self {
            access_token: tokens.access_token,
            token_type: "Bearer",
            expires_in: tokens.expires_in,
            refresh_token: tokens.refresh_token.expose().to_owned(),
        }
    }
}

// Unknown fields are ignored, not refused: a `role` in the body must not make registration
// fail, only have no effect.
#[derive(Deserialize)]
struct RegisterBody {
    email: String,
    password: String,
    name: String,
}

async fn register(
    State(state): State<AppState>,
    Json(body): Json<RegisterBody>,
) -> Result<(StatusCode, Json<Account>), ApiError> {
    let mut fields = Fields::default();
    let email = fields.check("email", Email::parse(&body.email));
    let password = fields.check("password", Password::new_choice(&body.password));
    let name = fields.check("name", DisplayName::parse(&body.name));
    let ((email, password), name) = fields.finish(email.zip(password).zip(name))?;
    let account = state.service.register(email, password, name).await?;
    Ok((StatusCode::CREATED, Json(account)))
}

#[derive(Deserialize)]
struct LoginBody {
    email: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    Json(body): Json<LoginBody>,
) -> Result<Json<TokenResponse>, ApiError> {
    let mut fields = Fields::default();
    let email = fields.check("email", Email::parse(&body.email));
    let email = fields.finish(email)?;
    // Any text may be someone's password: the rules for new passwords do not apply here.
    let password = Password::new(&body.password);
    let tokens = state.service.login(email, password).await?;
    Ok(Json(tokens.into()))
}

#[derive(Deserialize)]
struct RefreshBody {
    refresh_token: String,
}

async fn refresh(
    State(state): State<AppState>,
    Json(body): Json<RefreshBody>,
) -> Result<Json<TokenResponse>, ApiError> {
    let token = OpaqueToken::presented(&body.refresh_token).ok_or(ApiError::InvalidCredentials)?;
    let tokens = state.service.refresh(token).await?;
    Ok(Json(tokens.into()))
}

async fn logout(
    State(state): State<AppState>,
    Json(body): Json<RefreshBody>,
) -> Result<StatusCode, ApiError> {
    state
        .service
        .logout(OpaqueToken::presented(&body.refresh_token))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn logout_all(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<StatusCode, ApiError> {
    state.service.logout_everywhere(caller.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(State(state): State<AppState>, caller: AuthUser) -> Result<Json<Account>, ApiError> {
    Ok(Json(state.service.account(caller.id).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RenameBody {
    name: String,
}

async fn rename(
    State(state): State<AppState>,
    caller: AuthUser,
    Json(body): Json<RenameBody>,
) -> Result<Json<Account>, ApiError> {
    let mut fields = Fields::default();
    let name = fields.check("name", DisplayName::parse(&body.name));
    let name = fields.finish(name)?;
    Ok(Json(state.service.rename(caller.id, name).await?))
}

#[derive(Deserialize)]
struct ChangePasswordBody {
    current_password: String,
    new_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    caller: AuthSession,
    Json(body): Json<ChangePasswordBody>,
) -> Result<StatusCode, ApiError> {
    let mut fields = Fields::default();
    let new = fields.check("new_password", Password::new_choice(&body.new_password));
    let new = fields.finish(new)?;
    let current = Password::new(&body.current_password);
    let keep = caller.session.and_then(|sid| sid.parse::<SessionId>().ok());
    state
        .service
        .change_password(caller.user.id, keep, current, new)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct ForgotPasswordBody {
    email: String,
}

async fn forgot_password(
    State(state): State<AppState>,
    Json(body): Json<ForgotPasswordBody>,
) -> Result<StatusCode, ApiError> {
    let mut fields = Fields::default();
    let email = fields.check("email", Email::parse(&body.email));
    let email = fields.finish(email)?;
    state.service.forgot_password(email).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize)]
struct ResetPasswordBody {
    token: String,
    new_password: String,
}

async fn reset_password(
    State(state): State<AppState>,
    Json(body): Json<ResetPasswordBody>,
) -> Result<StatusCode, ApiError> {
    let mut fields = Fields::default();
    let new = fields.check("new_password", Password::new_choice(&body.new_password));
    let new = fields.finish(new)?;
    let token = OpaqueToken::presented(&body.token).ok_or(ApiError::InvalidCredentials)?;
    state.service.reset_password(token, new).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct VerifyEmailBody {
    token: String,
}

async fn verify_email(
    State(state): State<AppState>,
    Json(body): Json<VerifyEmailBody>,
) -> Result<StatusCode, ApiError> {
    let token = OpaqueToken::presented(&body.token).ok_or(ApiError::InvalidCredentials)?;
    state.service.verify_email(token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct ListUsersQuery {
    role: Option<Role>,
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn list_users(
    State(state): State<AppState>,
    caller: AuthUser,
    Query(query): Query<ListUsersQuery>,
) -> Result<Json<Page<Account>>, ApiError> {
    caller.require(Role::Admin)?;
    let limit = shared::page::PageParams {
        limit: query.limit,
        cursor: None,
    }
    .limit(20, 100)?;
    let page = state
        .service
        .accounts(query.role, limit, query.cursor.as_deref())
        .await?;
    Ok(Json(page))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeUserBody {
    role: Option<Role>,
    disabled: Option<bool>,
}

async fn change_user(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(user): Path<UserId>,
    Json(body): Json<ChangeUserBody>,
) -> Result<Json<Account>, ApiError> {
    caller.require(Role::Admin)?;
    if body.role.is_none() && body.disabled.is_none() {
        return Err(ApiError::invalid("body", "give `role`, `disabled` or both"));
    }
    let change = AccountChange {
        role: body.role,
        disabled: body.disabled,
        verify_email: false,
    };
    Ok(Json(state.service.change_account(user, change).await?))
}

async fn jwks(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let keys = &state.keys;
    let cache = (
        header::CACHE_CONTROL,
        format!("public, max-age={JWKS_MAX_AGE_SECONDS}"),
    );
    let revalidated = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| keys.matches(value));
    if revalidated {
        return (
            StatusCode::NOT_MODIFIED,
            [
                cache,
                (
                    header::ETAG,
                    keys.etag.to_str().unwrap_or_default().to_owned(),
                ),
            ],
        )
            .into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            cache,
            (
                header::ETAG,
                keys.etag.to_str().unwrap_or_default().to_owned(),
            ),
        ],
        keys.body.clone(),
    )
        .into_response()
}
