//! Search over what is published: `GET /search?q=…`.
//!
//! Each published course, article and career path has a *search entry* in the content table,
//! written in the same transaction that publishes, edits or archives it, and every such
//! transaction moves the *search stamp* (see [`crate::keys::search_stamp`]). A warm function
//! holds an [`engine::Index`] built from all entries; before each search it reads the stamp
//! (one strongly consistent `GetItem`) and, only when the stamp has moved, reloads the entries
//! (one `Query` per megabyte of entries) and rebuilds the index. So a search is one DynamoDB
//! request while nothing changes, and a publication shows in the next search of every
//! instance. DESIGN.md (§ search) gives the measurements this rests on and where it stops
//! fitting.
//!
//! [`Searcher`] is the seam for a managed engine (OpenSearch Serverless, Meilisearch): an
//! implementation of it that asks that engine, fed from the table's stream of search entries,
//! replaces [`InMemory`] without touching the route or the publishing path.

pub mod engine;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use aws_sdk_dynamodb::types::AttributeValue;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use shared::ApiError;
use shared::dynamo::{DbError, Item};
use shared::extract::Query as HttpQuery;
use shared::page::{CursorError, Listing, Page, PageParams};

use crate::AppState;
use crate::catalog::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::fields::{Level, Tag};
use crate::keys::Kind;
use crate::markdown::KindName;
use crate::store::Store;
use crate::web;
use engine::{Filter, Index, MAX_QUERY_CHARS, Query, QueryError, Snippet};

/// A search as the route asks it: the parsed query, its filters, and the page wanted.
#[derive(Debug)]
pub struct Request<'a> {
    pub query: &'a Query,
    pub filter: &'a Filter,
    /// How many hits to skip (from the cursor) and how many to answer.
    pub offset: usize,
    pub limit: usize,
}

/// One hit, as the API answers it.
#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    pub kind: String,
    pub id: String,
    pub url: String,
    pub title: String,
    pub snippet: Snippet,
}

/// One page of hits, and whether more follow.
#[derive(Debug)]
pub struct Hits {
    pub items: Vec<SearchHit>,
    pub more: bool,
}

/// What answers searches. One implementation here ([`InMemory`]); a managed engine would be
/// another.
pub trait Searcher: Send + Sync + std::fmt::Debug {
    fn search<'a>(
        &'a self,
        request: Request<'a>,
    ) -> Pin<Box<dyn Future<Output = Result<Hits, DbError>> + Send + 'a>>;
}

/// The index this instance holds, and the stamp it was built at.
#[derive(Debug)]
struct Loaded {
    stamp: u64,
    index: Index,
}

/// The search entries, indexed in this function's memory and reloaded when the stamp moves.
#[derive(Debug)]
pub struct InMemory {
    store: Store,
    loaded: RwLock<Option<Arc<Loaded>>>,
}

impl InMemory {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            loaded: RwLock::new(None),
        }
    }

    /// The index as of the current stamp: the one held, or a new one from the entries.
    async fn current(&self) -> Result<Arc<Loaded>, DbError> {
        let stamp = self.store.search_stamp().await?;
        let held = self
            .loaded
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if let Some(held) = held.filter(|held| held.stamp == stamp) {
            return Ok(held);
        }
        let started = std::time::Instant::now();
        let entries = self.store.search_entries().await?;
        let loaded = Arc::new(Loaded {
            stamp,
            index: Index::new(entries),
        });
        tracing::info!(
            stamp,
            entries = loaded.index.len(),
            took_ms = started.elapsed().as_millis(),
            "loaded the search index"
        );
        *self
            .loaded
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(loaded.clone());
        Ok(loaded)
    }
}

impl Searcher for InMemory {
    fn search<'a>(
        &'a self,
        request: Request<'a>,
    ) -> Pin<Box<dyn Future<Output = Result<Hits, DbError>> + Send + 'a>> {
        Box::pin(async move {
            let loaded = self.current().await?;
            let results = loaded.index.results(request.query, request.filter);
            let more = results.len() > request.offset.saturating_add(request.limit);
            let items = results
                .page(request.offset, request.limit)
                .into_iter()
                .map(|hit| SearchHit {
                    kind: hit.entry.kind.clone(),
                    id: hit.entry.id.clone(),
                    url: hit.entry.url.clone(),
                    title: hit.entry.title.clone(),
                    snippet: hit.snippet,
                })
                .collect();
            Ok(Hits { items, more })
        })
    }
}

/// The query string of `GET /search`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    pub q: Option<String>,
    pub kind: Option<KindName>,
    pub level: Option<Level>,
    pub tag: Option<Tag>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl SearchQuery {
    /// The words to find.
    ///
    /// # Errors
    /// 422 naming `q` when it is absent, blank, or longer than 200 characters.
    fn words(&self) -> Result<Query, ApiError> {
        Query::parse(self.q.as_deref().unwrap_or_default()).map_err(|e| match e {
            QueryError::Empty => ApiError::invalid("q", "is required: the words to look for"),
            QueryError::TooLong => {
                ApiError::invalid("q", format!("must be at most {MAX_QUERY_CHARS} characters"))
            }
        })
    }

    fn filter(&self) -> Filter {
        Filter {
            kind: self.kind.map(|kind| Kind::from(kind).as_str().to_owned()),
            level: self.level.map(|level| level.as_str().to_owned()),
            tag: self.tag.as_ref().map(ToString::to_string),
        }
    }

    /// What a cursor of this search is bound to: its words and filters, digested.
    fn fingerprint(&self) -> String {
        let filter = self.filter();
        shared::caching::digest(
            format!(
                "{}\0{:?}\0{:?}\0{:?}",
                self.q.as_deref().unwrap_or_default().trim(),
                filter.kind,
                filter.level,
                filter.tag
            )
            .as_bytes(),
        )
    }
}

/// The key attributes of a search cursor: the search it belongs to, and how many hits it
/// has passed.
const CURSOR_ATTRIBUTES: [&str; 2] = ["search", "after"];

/// `GET /search?q=…`: published courses, articles and career paths matching every word of
/// `q` (the last also as the start of a word, as one types; words of five letters or more
/// with one typo forgiven), best first, a page at a time. A `q` of only common words ("the",
/// "how to") finds nothing: an empty page.
///
/// # Errors
/// 422 for a `q` that is absent, blank or over 200 characters, or `limit=0`; 400 for a cursor
/// of another search or an unknown filter.
pub async fn route(
    State(state): State<AppState>,
    headers: HeaderMap,
    HttpQuery(query): HttpQuery<SearchQuery>,
) -> Result<Response, ApiError> {
    let words = query.words()?;
    let limit = PageParams {
        limit: query.limit,
        cursor: None,
    }
    .limit(DEFAULT_LIMIT, MAX_LIMIT)?;
    let fingerprint = query.fingerprint();
    let listing = Listing {
        key_attributes: &CURSOR_ATTRIBUTES,
        partition: &[("search", &fingerprint)],
    };
    let cursors = state.service.cursors();
    let offset = match query.cursor.as_deref() {
        None => 0,
        Some(cursor) => match cursors.decode(cursor, listing)?.get("after") {
            Some(AttributeValue::S(after)) => after.parse::<usize>().map_err(|_| CursorError)?,
            _ => return Err(CursorError.into()),
        },
    };
    let limit = usize::try_from(limit).unwrap_or(1);
    let hits = if words.is_empty() {
        Hits {
            items: Vec::new(),
            more: false,
        }
    } else {
        let filter = query.filter();
        let request = Request {
            query: &words,
            filter: &filter,
            offset,
            limit,
        };
        state.service.search(request).await?
    };
    let next_cursor = hits.more.then(|| {
        let after = offset + hits.items.len();
        let key = Item::from([
            ("search".to_owned(), AttributeValue::S(fingerprint.clone())),
            ("after".to_owned(), AttributeValue::S(after.to_string())),
        ]);
        cursors.encode(Some(&key))
    });
    let page = Page {
        items: hits.items,
        next_cursor: next_cursor.flatten(),
    };
    Ok(web::cached_json(&headers, false, None, &page))
}
