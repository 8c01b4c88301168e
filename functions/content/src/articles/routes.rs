//! The article routes: creating and editing articles (the rest is every kind's, in
//! [`crate::catalog`]).

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;
use shared::extract::Path;
use shared::identity::Role;
use shared::token::{MaybeAuthUser, VerifiedUser};
use shared::{ApiError, Json};

use super::{Article, ArticleId, Author};
use crate::AppState;
use crate::catalog::{self, written};
use crate::document::{Document, Lifecycle};
use crate::fields::{Body, Excerpt, Slug, Tags, Title, set};
use crate::markdown;
use crate::pages::StoredPage;
use crate::seo::Seo;
use crate::store::{KeptPage, Read};
use crate::web::{self, Precondition};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/articles/{article}/readiness",
            get(catalog::readiness::<Article>),
        )
        .route(
            "/articles/{article}/publish",
            post(catalog::move_to::<Article, true>),
        )
        .route(
            "/articles/{article}/archive",
            post(catalog::move_to::<Article, false>),
        )
        .route("/articles", get(catalog::list::<Article>).post(create))
        .route("/articles/{article}", get(show).patch(update))
}

/// `GET /articles/{article}`: by slug, a published article's page as kept on the slug's claim
/// while the page stamp is the one it was rendered at — one request for both
/// ([`crate::pages`]); else (and by id) rendered as [`catalog::show`] renders it, then kept
/// under the stamp read first.
///
/// # Errors
/// 404 when there is none the caller may see.
async fn show(
    State(state): State<AppState>,
    MaybeAuthUser(caller): MaybeAuthUser,
    Path(reference): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    const JSON: &str = "application/json";
    let service = &state.service;
    let private = caller.is_some();
    let stamp = match service.kept_article_page(&reference).await? {
        Some(KeptPage::Current(page)) => {
            return Ok(web::respond(&headers, private, &page.tag, JSON, page.body));
        }
        Some(KeptPage::Stale(stamp)) => Some(stamp),
        None => None,
    };
    let found = service
        .find_visible::<Article>(&reference, caller.as_ref(), Read::Fast)
        .await?;
    if found.moved {
        return Ok(web::moved_permanently(&found.doc.url_path(), private));
    }
    let article = found.doc;
    let version = article.lifecycle.version;
    let view = service.page(article, caller.as_ref()).await?;
    let page = StoredPage::of(version, &view)?;
    if let Some(stamp) = stamp {
        service.keep_article_page(&view.article, &page, stamp).await;
    }
    Ok(web::respond(&headers, private, &page.tag, JSON, page.body))
}

/// The body of `POST /articles`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewArticle {
    slug: Slug,
    title: Title,
    #[serde(default)]
    excerpt: Excerpt,
    #[serde(default)]
    body: Body,
    #[serde(default)]
    tags: Tags,
    #[serde(default)]
    seo: Seo,
    /// Ids or slugs of articles to show as related.
    #[serde(default)]
    pinned_related: Vec<String>,
}

/// `POST /articles`: a new draft article by the caller (an instructor or an admin).
async fn create(
    State(state): State<AppState>,
    VerifiedUser(caller): VerifiedUser,
    Json(input): Json<NewArticle>,
) -> Result<Response, ApiError> {
    caller.require(Role::Instructor)?;
    let service = &state.service;
    let pinned_related = service
        .pinned_articles(&caller, input.pinned_related)
        .await?;
    let article = Article {
        id: ArticleId::new(),
        internal_links: markdown::internal_links(input.body.as_str(), service.site()),
        slug: input.slug,
        title: input.title,
        excerpt: input.excerpt,
        body: input.body,
        tags: input.tags,
        author: Author {
            id: caller.id,
            name: caller.name.clone(),
        },
        lifecycle: Lifecycle::new(service.now()),
        seo: input.seo,
        pinned_related,
    };
    service.create(&article).await?;
    let location = article.url_path();
    written(&state, article, &caller, Some(location)).await
}

/// The body of `PATCH /articles/{article}`: the fields to change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArticlePatch {
    slug: Option<Slug>,
    title: Option<Title>,
    excerpt: Option<Excerpt>,
    body: Option<Body>,
    tags: Option<Tags>,
    seo: Option<Seo>,
    pinned_related: Option<Vec<String>>,
}

/// `PATCH /articles/{article}` with `If-Match`: changes the fields given. A published article
/// must stay complete, its links included.
async fn update(
    State(state): State<AppState>,
    VerifiedUser(caller): VerifiedUser,
    Path(reference): Path<String>,
    precondition: Precondition,
    Json(patch): Json<ArticlePatch>,
) -> Result<Response, ApiError> {
    let pinned_related = match patch.pinned_related {
        Some(references) => Some(state.service.pinned_articles(&caller, references).await?),
        None => None,
    };
    let site = state.service.site().clone();
    catalog::edit::<Article>(
        &state,
        &caller,
        &reference,
        &precondition,
        true,
        |article| {
            if let Some(pinned) = pinned_related {
                if pinned.contains(&article.id) {
                    return Err(ApiError::invalid(
                        "pinned_related",
                        "an article is not related to itself",
                    ));
                }
                article.pinned_related = pinned;
            }
            if let Some(body) = patch.body {
                article.internal_links = markdown::internal_links(body.as_str(), &site);
                article.body = body;
            }
            set(&mut article.slug, patch.slug);
            set(&mut article.title, patch.title);
            set(&mut article.excerpt, patch.excerpt);
            set(&mut article.tags, patch.tags);
            set(&mut article.seo, patch.seo);
            Ok(Vec::new())
        },
    )
    .await
}
