//! The handlers every kind shares — its listing, its page, publishing and archiving — and the
//! catalogue-wide reads: `/tags` and `/sitemap.xml`.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use shared::ApiError;
use shared::catalog::PublicationStatus;
use shared::extract::{Path, Query};
use shared::page::PageParams;
use shared::token::{AuthUser, MaybeAuthUser};

use crate::AppState;
use crate::document::{self, Document};
use crate::fields::{Level, Tag};
use crate::keys::{Facet, Kind};
use crate::seo::{self, SitemapEntry};
use crate::store::Transaction;
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
        .store
        .list::<D::Card>(D::KIND, &facet, level, Some(limit), query.cursor.as_deref())
        .await?;
    Ok(web::cached_json(&headers, false, None, &page))
}

/// `GET /courses/{course}` and friends: the page of the thing an id or slug names, if the
/// caller may see it; `301` to the current URL for a slug it no longer has.
///
/// # Errors
/// 404 when there is none the caller may see.
pub async fn show<D: Document>(
    State(state): State<AppState>,
    MaybeAuthUser(caller): MaybeAuthUser,
    Path(reference): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let found = document::find_visible::<D>(&state.store, &reference, caller.as_ref()).await?;
    let private = caller.is_some();
    if found.moved {
        return Ok(web::moved_permanently(&found.doc.url_path(), private));
    }
    let version = found.doc.lifecycle().version;
    let view = found
        .doc
        .present(&state.store, &state.site, caller.as_ref())
        .await?;
    Ok(web::cached_json(&headers, private, Some(version), &view))
}

/// `POST /courses/{course}/publish` and friends.
///
/// # Errors
/// 422 listing what is missing; 404/403/412 as any edit.
pub async fn publish<D: Document>(
    state: State<AppState>,
    caller: AuthUser,
    reference: Path<String>,
    precondition: Precondition,
) -> Result<Response, ApiError> {
    move_to::<D>(
        state,
        caller,
        reference,
        precondition,
        PublicationStatus::Published,
    )
    .await
}

/// `POST /courses/{course}/archive` and friends: out of the listings and the sitemap, 404 for
/// the public; its authors still see and may publish it again.
///
/// # Errors
/// 404/403/412 as any edit.
pub async fn archive<D: Document>(
    state: State<AppState>,
    caller: AuthUser,
    reference: Path<String>,
    precondition: Precondition,
) -> Result<Response, ApiError> {
    move_to::<D>(
        state,
        caller,
        reference,
        precondition,
        PublicationStatus::Archived,
    )
    .await
}

async fn move_to<D: Document>(
    State(state): State<AppState>,
    caller: AuthUser,
    Path(reference): Path<String>,
    precondition: Precondition,
    status: PublicationStatus,
) -> Result<Response, ApiError> {
    let doc = document::move_to::<D>(
        &state.store,
        &state.site,
        &caller,
        &reference,
        &precondition,
        status,
    )
    .await?;
    written(&state, doc, &caller, None).await
}

/// Applies `change` to the thing `reference` names, as [`document::edit`] does, and answers
/// with its page.
///
/// # Errors
/// As [`document::edit`].
pub async fn edit<D: Document>(
    state: &AppState,
    caller: &AuthUser,
    reference: &str,
    precondition: &Precondition,
    required: bool,
    change: impl FnOnce(&mut D) -> Result<Transaction, ApiError>,
) -> Result<Response, ApiError> {
    let doc = document::edit::<D>(
        &state.store,
        &state.site,
        caller,
        reference,
        precondition,
        required,
        change,
    )
    .await?;
    written(state, doc, caller, None).await
}

/// The response to a write of `doc`: its page with the new `ETag`; `201` with `Location` when
/// `created_at` names the new resource.
///
/// # Errors
/// When reading what the page shows fails.
pub async fn written<D: Document>(
    state: &AppState,
    doc: D,
    caller: &AuthUser,
    created_at: Option<String>,
) -> Result<Response, ApiError> {
    let version = doc.lifecycle().version;
    let view = doc.present(&state.store, &state.site, Some(caller)).await?;
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
        .store
        .tag_counts()
        .await?
        .into_iter()
        .filter(|t| t.courses > 0 || t.articles > 0)
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
    #[serde(with = "time::serde::rfc3339")]
    updated_at: time::OffsetDateTime,
}

/// `GET /sitemap.xml`: the URL of every published course, article and career path.
///
/// # Errors
/// When DynamoDB fails.
pub async fn sitemap(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let store = &state.store;
    let (courses, articles, paths) = tokio::try_join!(
        store.list_all::<Located>(Kind::Course, &Facet::All),
        store.list_all::<Located>(Kind::Article, &Facet::All),
        store.list_all::<Located>(Kind::Path, &Facet::All),
    )?;
    let entries: Vec<SitemapEntry> = courses
        .into_iter()
        .chain(articles)
        .chain(paths)
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
