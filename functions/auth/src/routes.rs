//! The HTTP API of `auth`: each handler parses its request into domain types, authorizes the
//! caller, reads the clock, calls the service and shapes the answer. Nothing here talks to
//! DynamoDB.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, patch, post};
use serde::{Deserialize, Serialize};
use shared::caching::{Cacheable, respond};
use shared::extract::{Path, Query};
use shared::identity::{Role, UserId};
use shared::page::{Page, PageParams};
use shared::token::{AuthSession, AuthUser, BearerToken, CurrentUser};
use shared::{ApiError, FieldError, Json};

use crate::AppState;
use crate::email::Email;
use crate::password::Password;
use crate::secret::OpaqueToken;
use crate::service::AccountChange;
use crate::session::{SessionId, SessionTokens};
use crate::user::{Account, DisplayName};

/// How long caches may keep the JWKS. Key rotation publishes a new key at least this long
/// (300 s) before signing with it.
const JWKS_CACHE_CONTROL: &str = "public, max-age=300";

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
        .route("/auth/email/verify/resend", post(resend_verification))
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

/// What a login or a refresh answers (RFC 6749's token response). Its `Debug` shows neither
/// token; it serializes both.
#[derive(Debug, Serialize)]
struct TokenResponse {
    access_token: BearerToken,
    token_type: &'static str,
    expires_in: u64,
    refresh_token: OpaqueToken,
}

impl From<SessionTokens> for TokenResponse {
    fn from(tokens: SessionTokens) -> Self {
        Self {
            access_token: tokens.access_token,
            token_type: "Bearer",
            expires_in: tokens.expires_in,
            refresh_token: tokens.refresh_token,
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
    let now = state.clock.now();
    let account = state.service.register(email, password, name, now).await?;
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
    let now = state.clock.now();
    let tokens = state.service.login(email, password, now).await?;
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
    let now = state.clock.now();
    let tokens = state.service.refresh(token, now).await?;
    Ok(Json(tokens.into()))
}

async fn logout(
    State(state): State<AppState>,
    Json(body): Json<RefreshBody>,
) -> Result<StatusCode, ApiError> {
    let now = state.clock.now();
    state
        .service
        .logout(OpaqueToken::presented(&body.refresh_token), now)
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
    let now = state.clock.now();
    Ok(Json(state.service.rename(caller.id, name, now).await?))
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
    let now = state.clock.now();
    state
        .service
        .change_password(caller.user.id, keep, current, new, now)
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
    let now = state.clock.now();
    state.service.forgot_password(email, now).await?;
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
    let now = state.clock.now();
    state.service.reset_password(token, new, now).await?;
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
    let now = state.clock.now();
    state.service.verify_email(token, now).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct ResendVerificationBody {
    email: String,
}

async fn resend_verification(
    State(state): State<AppState>,
    Json(body): Json<ResendVerificationBody>,
) -> Result<StatusCode, ApiError> {
    let mut fields = Fields::default();
    let email = fields.check("email", Email::parse(&body.email));
    let email = fields.finish(email)?;
    let now = state.clock.now();
    state.service.resend_verification(email, now).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize)]
struct ListUsersQuery {
    role: Option<Role>,
    limit: Option<u32>,
    cursor: Option<String>,
}

async fn list_users(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Query(query): Query<ListUsersQuery>,
) -> Result<Json<Page<Account>>, ApiError> {
    caller.require(Role::Admin)?;
    let limit = PageParams {
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
    /// Only `true`: the admin vouches for the address (where nobody reads its mail).
    email_verified: Option<bool>,
}

async fn change_user(
    State(state): State<AppState>,
    CurrentUser(caller): CurrentUser,
    Path(user): Path<UserId>,
    Json(body): Json<ChangeUserBody>,
) -> Result<Json<Account>, ApiError> {
    caller.require(Role::Admin)?;
    if body.email_verified == Some(false) {
        return Err(ApiError::invalid(
            "email_verified",
            "an address can be marked verified, never unverified",
        ));
    }
    if body.role.is_none() && body.disabled.is_none() && body.email_verified.is_none() {
        return Err(ApiError::invalid(
            "body",
            "give `role`, `disabled`, `email_verified` or several",
        ));
    }
    let change = AccountChange {
        role: body.role,
        disabled: body.disabled,
        verify_email: body.email_verified == Some(true),
    };
    let now = state.clock.now();
    Ok(Json(
        state
            .service
            .change_account(caller.id, user, change, now)
            .await?,
    ))
}

async fn jwks(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let keys = &state.keys;
    let read = Cacheable {
        etag: &keys.etag,
        cache_control: JWKS_CACHE_CONTROL,
        content_type: "application/json",
        varies_by_caller: false,
    };
    respond(&headers, read, keys.body.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Letters;

    #[test]
    fn no_debug_output_of_a_token_carrying_type_shows_a_token() {
        let access = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl";
        let refresh = OpaqueToken::generate().unwrap();
        let tokens = || SessionTokens {
            access_token: BearerToken::new(access.to_owned()),
            expires_in: 900,
            refresh_token: refresh.clone(),
        };
        let site = shared::config::BaseUrl::parse("https://school.example").unwrap();
        let (email, name) = (
            Email::parse("ada@example.org").unwrap(),
            DisplayName::parse("Ada").unwrap(),
        );
        let mail = Letters::new(site).verify_email(&email, &name, &refresh, Default::default());
        let shown = [
            format!("{:?}", tokens()),
            format!("{:?}", TokenResponse::from(tokens())),
            format!("{:?}", tokens().access_token),
            format!("{refresh:?}"),
            format!("{mail:?}"),
        ];
        for debug in &shown {
            assert!(!debug.contains(access), "an access token in {debug}");
            assert!(
                !debug.contains(refresh.expose()),
                "a refresh token in {debug}"
            );
        }

        let body = serde_json::to_value(TokenResponse::from(tokens())).unwrap();
        assert_eq!(
            body["access_token"], access,
            "the response hands the tokens over"
        );
        assert_eq!(body["refresh_token"], refresh.expose());
    }
}
