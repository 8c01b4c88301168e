//! The handlers every kind shares — its listing, its page, publishing and archiving — and the
//! catalog-wide reads: `/tags`, `/sitemap.xml` and `/openapi.json`.

use std::sync::LazyLock;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use shared::ApiError;
use shared::catalog::PublicationStatus;
use shared::clock::Timestamp;
use shared::extract::{Path, Query};
use shared::page::PageParams;
use shared::token::{AuthUser, MaybeAuthUser, VerifiedUser};

use crate::AppState;
use crate::document::Document;
use crate::fields::{Level, Tag};
use crate::keys::{Facet, Kind};
use crate::seo::{self, SitemapEntry};
use crate::service::Presented;
use crate::store::{LessonChange, Read};
use crate::web::{self, Precondition};

/// A listing page's size when the client does not ask, and the most it may ask for.
pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// The query string of a listing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListingQuery {
    pub tag: Option<Tag>,
    pub level: Option<Level>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Which listing answers `query` for `kind`, and the level to keep (courses by tag and level).
///
/// # Errors
/// 400 when the kind has no such filter.
fn facet(kind: Kind, query: &ListingQuery) -> Result<(Facet, Option<Level>), ApiError> {
    let unsupported = |filter: &str| {
        ApiError::Malformed(format!(
            "{} cannot be filtered by {filter}",
            kind.collection()
        ))
    };
    match (kind, &query.tag, query.level) {
        (Kind::Path, Some(_), _) => Err(unsupported("tag")),
        (Kind::Article | Kind::Path, _, Some(_)) => Err(unsupported("level")),
        (_, Some(tag), level) => Ok((Facet::Tag(tag.clone()), level)),
        (_, None, Some(level)) => Ok((Facet::Level(level), None)),
        (_, None, None) => Ok((Facet::All, None)),
    }
}

/// `GET /courses`, `/articles`, `/paths`: one page of what is published, newest first. Courses
/// by tag *and* level read the tag's listing and keep that level, so such a page may hold fewer
/// than `limit` courses while `next_cursor` says there is more.
///
/// # Errors
/// 400 for a foreign cursor or an unsupported filter; 422 for `limit=0`.
pub async fn list<D: Document>(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ListingQuery>,
) -> Result<Response, ApiError> {
    let (facet, level) = facet(D::KIND, &query)?;
    let limit = PageParams {
        limit: query.limit,
        cursor: None,
    }
    .limit(DEFAULT_LIMIT, MAX_LIMIT)?;
    let page = state
        .service
        .list::<D>(&facet, level, limit, query.cursor.as_deref())
        .await?;
    Ok(web::cached_json(&headers, false, None, &page))
}

/// `GET /courses/{course}` and friends: the page of the thing an id or slug names, if the
/// caller may see it; `301` to the current URL for a slug it no longer has.
///
/// # Errors
/// 404 when there is none the caller may see.
pub async fn show<D: Presented>(
    State(state): State<AppState>,
    MaybeAuthUser(caller): MaybeAuthUser,
    Path(reference): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    render::<D>(&state, caller.as_ref(), &reference, &headers, Read::Fast).await
}

/// The page of the thing `reference` names, as [`show`] answers it, looked up by slug as
/// `read` says.
///
/// # Errors
/// 404 when there is none the caller may see.
pub async fn render<D: Presented>(
    state: &AppState,
    caller: Option<&AuthUser>,
    reference: &str,
    headers: &HeaderMap,
    read: Read,
) -> Result<Response, ApiError> {
    let found = state
        .service
        .find_visible::<D>(reference, caller, read)
        .await?;
    let private = caller.is_some();
    if found.moved {
        return Ok(web::moved_permanently(&found.doc.url_path(), private));
    }
    let version = found.doc.lifecycle().version;
    let view = state.service.page(found.doc, caller).await?;
    Ok(web::cached_json(headers, private, Some(version), &view))
}

/// `POST /courses/{course}/publish` (`PUBLISH`) and `POST /courses/{course}/archive`, and the
/// same for articles and paths: publishing (422 listing what is missing), or archiving (out of
/// the listings and the sitemap, 404 for the public; its authors still see it and may publish
/// it again).
///
/// # Errors
/// 404/403/412 as any edit.
pub async fn move_to<D: Presented, const PUBLISH: bool>(
    State(state): State<AppState>,
    VerifiedUser(caller): VerifiedUser,
    Path(reference): Path<String>,
    precondition: Precondition,
) -> Result<Response, ApiError> {
    let status = if PUBLISH {
        PublicationStatus::Published
    } else {
        PublicationStatus::Archived
    };
    let doc = state
        .service
        .move_to::<D>(&caller, &reference, &precondition, status)
        .await?;
    written(&state, doc, &caller, None).await
}

/// What `GET …/readiness` answers: whether publishing would go through, and if not, what it
/// would refuse, as the fields of its 422.
#[derive(Debug, Serialize)]
struct Readiness {
    ready: bool,
    errors: Vec<shared::FieldError>,
}

/// `GET /courses/{course}/readiness`, and the same for articles and paths: what publishing the
/// document as it is now would refuse, without publishing it; for those who may edit it.
///
/// # Errors
/// 404 when the caller may not see it, 403 when they may see but not edit it.
pub async fn readiness<D: Document>(
    State(state): State<AppState>,
    VerifiedUser(caller): VerifiedUser,
    Path(reference): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let errors = state.service.readiness::<D>(&caller, &reference).await?;
    let ready = errors.is_empty();
    Ok(web::cached_json(
        &headers,
        true,
        None,
        &Readiness { ready, errors },
    ))
}

/// Applies `change` to the document `reference` names, as [`crate::service::Service::edit`]
/// does, and answers with its page.
///
/// # Errors
/// As [`crate::service::Service::edit`].
pub async fn edit<D: Presented>(
    state: &AppState,
    caller: &AuthUser,
    reference: &str,
    precondition: &Precondition,
    required: bool,
    change: impl FnOnce(&mut D) -> Result<Vec<LessonChange>, ApiError>,
) -> Result<Response, ApiError> {
    let doc = state
        .service
        .edit::<D>(caller, reference, precondition, required, change)
        .await?;
    written(state, doc, caller, None).await
}

/// The response to a write of `doc`: its page with the new `ETag`; `201` with `Location` when
/// `created_at` names the new resource.
///
/// # Errors
/// When reading what the page shows fails.
pub async fn written<D: Presented>(
    state: &AppState,
    doc: D,
    caller: &AuthUser,
    created_at: Option<String>,
) -> Result<Response, ApiError> {
    let version = doc.lifecycle().version;
    let view = state.service.page(doc, Some(caller)).await?;
    Ok(web::written(version, &view, created_at.as_deref()))
}

/// A tag of `GET /tags`.
#[derive(Debug, Serialize)]
struct TagEntry {
    tag: Tag,
    courses: u64,
    articles: u64,
}

/// `GET /tags`: every tag of a published course or article, with how many carry it, by name.
///
/// # Errors
/// When DynamoDB fails.
pub async fn tags(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    #[derive(Serialize)]
    struct Tags {
        items: Vec<TagEntry>,
    }
    let items = state
        .service
        .tags()
        .await?
        .into_iter()
        .map(|t| TagEntry {
            tag: t.tag,
            courses: t.courses,
            articles: t.articles,
        })
        .collect();
    Ok(web::cached_json(&headers, false, None, &Tags { items }))
}

/// What the sitemap needs of a card.
#[derive(Debug, Deserialize)]
struct Located {
    url: String,
    updated_at: Timestamp,
}

/// `GET /sitemap.xml`: the URL of every published course, article and career path.
///
/// # Errors
/// When DynamoDB fails.
pub async fn sitemap(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let entries: Vec<SitemapEntry> = state
        .service
        .everything_published::<Located>()
        .await?
        .into_iter()
        .map(|card| SitemapEntry {
            location: card.url,
            last_modified: card.updated_at,
        })
        .collect();
    if entries.len() > seo::SITEMAP_MAX_URLS {
        tracing::warn!(
            urls = entries.len(),
            "the sitemap is over the protocol's limit; only the first 50,000 URLs are listed"
        );
    }
    let xml = seo::sitemap(&entries)
        .map_err(|e| ApiError::Unexpected(anyhow::Error::new(e).context("writing the sitemap")))?;
    Ok(web::cached(
        &headers,
        false,
        None,
        "application/xml; charset=utf-8",
        xml,
    ))
}

/// The API's description (`infra/openapi.yaml`, as JSON: see `build.rs`).
const OPENAPI_JSON: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/openapi.json"));

/// Its entity tag: the document never changes in a running function, so it is hashed once.
static OPENAPI_ETAG: LazyLock<String> = LazyLock::new(|| web::entity_tag(None, OPENAPI_JSON));

/// `GET /openapi.json`: the OpenAPI document of the whole API, for clients and their
/// generators; cached like the other public reads.
pub async fn openapi(headers: HeaderMap) -> Response {
    web::respond(
        &headers,
        false,
        &OPENAPI_ETAG,
        "application/json",
        OPENAPI_JSON,
    )
}
