//! The career-path routes (admins): creating and editing paths (the rest is every kind's, in
//! [`crate::catalog`]).

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use shared::extract::Path;
use shared::identity::Role;
use shared::token::VerifiedUser;
use shared::{ApiError, Json};

use super::{CareerPath, PathId, StepInput, check_roles};
use crate::AppState;
use crate::catalog::{self, written};
use crate::document::{Document, Lifecycle};
use crate::fields::{Description, RoleTitle, Slug, Title, set};
use crate::web::Precondition;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/paths/{path}/readiness",
            get(catalog::readiness::<CareerPath>),
        )
        .route(
            "/paths/{path}/publish",
            post(catalog::move_to::<CareerPath, true>),
        )
        .route(
            "/paths/{path}/archive",
            post(catalog::move_to::<CareerPath, false>),
        )
        .route("/paths", get(catalog::list::<CareerPath>).post(create))
        .route(
            "/paths/{path}",
            get(catalog::show::<CareerPath>).patch(update),
        )
}

/// The body of `POST /paths`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPath {
    slug: Slug,
    title: Title,
    #[serde(default)]
    description: Description,
    #[serde(default)]
    steps: Vec<StepInput>,
    #[serde(default)]
    roles: Vec<RoleTitle>,
}

/// `POST /paths` (admins): a new draft path.
async fn create(
    State(state): State<AppState>,
    VerifiedUser(caller): VerifiedUser,
    Json(input): Json<NewPath>,
) -> Result<Response, ApiError> {
    caller.require(Role::Admin)?;
    check_roles(&input.roles)?;
    let path = CareerPath {
        id: PathId::new(),
        slug: input.slug,
        title: input.title,
        description: input.description,
        steps: state.service.path_steps(input.steps).await?,
        roles: input.roles,
        lifecycle: Lifecycle::new(state.service.now()),
    };
    state.service.create(&path).await?;
    let location = path.url_path();
    written(&state, path, &caller, Some(location)).await
}

/// The body of `PATCH /paths/{path}`: the fields to change (`steps` and `roles` whole).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PathPatch {
    slug: Option<Slug>,
    title: Option<Title>,
    description: Option<Description>,
    steps: Option<Vec<StepInput>>,
    roles: Option<Vec<RoleTitle>>,
}

/// `PATCH /paths/{path}` with `If-Match` (admins).
async fn update(
    State(state): State<AppState>,
    VerifiedUser(caller): VerifiedUser,
    Path(reference): Path<String>,
    precondition: Precondition,
    Json(patch): Json<PathPatch>,
) -> Result<Response, ApiError> {
    if let Some(roles) = &patch.roles {
        check_roles(roles)?;
    }
    let new_steps = match patch.steps {
        Some(inputs) => Some(state.service.path_steps(inputs).await?),
        None => None,
    };
    catalog::edit::<CareerPath>(&state, &caller, &reference, &precondition, true, |path| {
        set(&mut path.slug, patch.slug);
        set(&mut path.title, patch.title);
        set(&mut path.description, patch.description);
        set(&mut path.steps, new_steps);
        set(&mut path.roles, patch.roles);
        Ok(Vec::new())
    })
    .await
}
