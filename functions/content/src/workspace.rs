//! The authors' workspace: every document an author writes, in any status, newest edit first
//! (`GET /workspace`); admins see everyone's. Each document keeps an entry per author and one
//! on everyone's desk, written with the document itself ([`crate::keys::Desk`]).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use shared::ApiError;
use shared::catalog::PublicationStatus;
use shared::clock::Timestamp;
use shared::config::BaseUrl;
use shared::extract::Query;
use shared::identity::Role;
use shared::page::PageParams;
use shared::token::VerifiedUser;

use crate::AppState;
use crate::catalog::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::document::Document;
use crate::fields::{Slug, Title};
use crate::keys::Desk;
use crate::markdown::KindName;
use crate::web;

/// A document as its authors' workspace lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskEntry {
    pub kind: KindName,
    pub id: String,
    pub slug: Slug,
    pub title: Title,
    pub status: PublicationStatus,
    /// The version an edit's `If-Match` names.
    pub version: u64,
    pub updated_at: Timestamp,
    /// Where its page is (answered to its editors in any status).
    pub url: String,
}

impl DeskEntry {
    pub fn of<D: Document>(doc: &D, site: &BaseUrl) -> Self {
        let life = doc.lifecycle();
        Self {
            kind: D::KIND.into(),
            id: doc.id().to_string(),
            slug: doc.slug().clone(),
            title: doc.title().clone(),
            status: life.status,
            version: life.version,
            updated_at: life.updated_at,
            url: site.join(&doc.url_path()),
        }
    }
}

/// The query string of `GET /workspace`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceQuery {
    pub kind: Option<KindName>,
    pub status: Option<PublicationStatus>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// `GET /workspace`: one page of the caller's documents (an admin's: everyone's), newest edit
/// first, of one kind or status when asked. A filtered page may hold fewer than `limit` while
/// `next_cursor` says there is more.
///
/// # Errors
/// 403 for a learner; 400 for a cursor of another workspace; 422 for `limit=0`.
pub async fn list(
    State(state): State<AppState>,
    VerifiedUser(caller): VerifiedUser,
    headers: HeaderMap,
    Query(query): Query<WorkspaceQuery>,
) -> Result<Response, ApiError> {
    let desk = match caller.role {
        Role::Admin => Desk::All,
        Role::Instructor => Desk::Author(caller.id),
        Role::Learner => return Err(ApiError::Forbidden),
    };
    let limit = PageParams {
        limit: query.limit,
        cursor: None,
    }
    .limit(DEFAULT_LIMIT, MAX_LIMIT)?;
    let page = state.service.workspace(desk, &query, limit).await?;
    Ok(web::cached_json(&headers, true, None, &page))
}
