//! Articles: the school's writing for search engines and learners — tags (the first is the
//! primary), SEO fields, related articles, JSON-LD, and the links a body makes to the rest of
//! the catalogue, checked when the article is published.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use shared::catalog::PublicationStatus;
use shared::dynamo::DbError;
use shared::extract::Path;
use shared::identity::{Role, UserId};
use shared::token::AuthUser;
use shared::{ApiError, FieldError, Json};
use time::OffsetDateTime;

use crate::AppState;
use crate::catalogue::{self, written};
use crate::config::BaseUrl;
use crate::document::{self, Document, Lifecycle, now};
use crate::fields::{Body, Excerpt, Slug, Tag, Tags, Title, WebUrl, set};
use crate::keys::{Facet, Kind};
use crate::markdown::{self, InternalLink, LinkTarget};
use crate::seo::{self, Seo};
use crate::store::{Store, Transaction};
use crate::web::Precondition;

shared::typed_id!(
    /// An article of the catalogue.
    ArticleId
);

/// How many related articles a page shows.
pub const RELATED: usize = 4;
/// Most articles an author may pin as related.
pub const MAX_PINNED: usize = RELATED;

/// An article, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub id: ArticleId,
    pub slug: Slug,
    pub title: Title,
    pub excerpt: Excerpt,
    /// Markdown, as written.
    pub body: Body,
    /// The first is the primary tag.
    pub tags: Tags,
    pub author: Author,
    #[serde(flatten)]
    pub lifecycle: Lifecycle,
    pub seo: Seo,
    /// Articles the author chose to show as related, before those found by shared tags.
    pub pinned_related: Vec<ArticleId>,
    /// The links its body makes to this site, found when the body is written.
    pub internal_links: Vec<InternalLink>,
}

/// Who wrote an article, as of writing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    pub id: UserId,
    pub name: String,
}

/// An article in a listing (and among related articles).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArticleCard {
    pub id: ArticleId,
    pub slug: Slug,
    pub title: Title,
    pub excerpt: Excerpt,
    pub tags: Tags,
    pub author_name: String,
    pub reading_minutes: u32,
    pub url: String,
    pub image: Option<WebUrl>,
    #[serde(with = "time::serde::rfc3339")]
    pub published_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// An article's page.
#[derive(Debug, Serialize)]
pub struct ArticleView {
    #[serde(flatten)]
    pub article: Article,
    /// The body, rendered and sanitised.
    pub body_html: String,
    pub reading_minutes: u32,
    pub canonical_url: String,
    /// Pinned articles first, then the newest sharing a tag (primary first); published only.
    pub related: Vec<ArticleCard>,
    /// schema.org `Article`, ready for a `<script type="application/ld+json">` element.
    pub json_ld: String,
}

impl Article {
    fn json_ld(&self, site: &BaseUrl, canonical: &str) -> serde_json::Value {
        let life = &self.lifecycle;
        let mut document = serde_json::json!({
            "@context": "https://schema.org",
            "@type": "Article",
            "@id": canonical,
            "url": canonical,
            "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
            "headline": self.title.as_str(),
            "description": self.seo.meta_description.as_ref()
                .map_or(self.excerpt.as_str(), |d| d.as_str()),
            "author": {"@type": "Person", "name": self.author.name},
            "publisher": seo::organization(site),
            "keywords": self.tags.as_slice().iter().map(Tag::as_str).collect::<Vec<_>>(),
            "wordCount": self.body.as_str().split_whitespace().count(),
            "timeRequired": format!("PT{}M", markdown::reading_minutes(self.body.as_str())),
            "inLanguage": "en",
            "dateCreated": seo::w3c_time(life.created_at),
            "dateModified": seo::w3c_time(life.updated_at),
        });
        if let Some(primary) = self.tags.primary() {
            document["articleSection"] = primary.as_str().into();
        }
        if let Some(published) = life.published_at {
            document["datePublished"] = seo::w3c_time(published).into();
        }
        if let Some(image) = &self.seo.image {
            document["image"] = image.as_str().into();
        }
        document
    }

    /// Pinned articles first, then the newest sharing a tag (primary first), published only.
    async fn related(&self, store: &Store) -> Result<Vec<ArticleCard>, DbError> {
        let pinned: Vec<String> = self
            .pinned_related
            .iter()
            .map(ToString::to_string)
            .collect();
        let mut related: Vec<ArticleCard> = store.published_cards(Kind::Article, &pinned).await?;
        for tag in self.tags.as_slice() {
            if related.len() >= RELATED {
                break;
            }
            let newest: Vec<ArticleCard> = store
                .newest(
                    Kind::Article,
                    &Facet::Tag(tag.clone()),
                    i32::try_from(RELATED + 1).unwrap_or(i32::MAX),
                )
                .await?;
            for card in newest {
                if card.id != self.id && !related.iter().any(|r| r.id == card.id) {
                    related.push(card);
                }
            }
        }
        related.truncate(RELATED);
        Ok(related)
    }

    /// What is wrong with the links of its body: links to pages of this site that are not in
    /// the catalogue, or to courses, articles and paths that do not exist or are not
    /// published.
    async fn broken_links(&self, store: &Store) -> Result<Vec<FieldError>, DbError> {
        let mut broken = Vec::new();
        let mut targets: Vec<(Kind, Slug)> = Vec::new();
        for link in &self.internal_links {
            match &link.target {
                None => broken.push(FieldError::new(
                    "body",
                    format!(
                        "links to `{}`, which is not a page of the catalogue",
                        link.href
                    ),
                )),
                Some(target) => {
                    let key = (Kind::from(target.kind), target.slug.clone());
                    if !targets.contains(&key) {
                        targets.push(key);
                    }
                }
            }
        }
        let owners = store.slug_owners(&targets).await?;
        let things: Vec<(Kind, String)> = owners
            .iter()
            .map(|((kind, _), id)| (*kind, id.clone()))
            .collect();
        let outlines = store.outlines_of(&things).await?;
        for link in &self.internal_links {
            let Some(LinkTarget { kind, slug }) = &link.target else {
                continue;
            };
            let kind = Kind::from(*kind);
            let owner = owners.get(&(kind, slug.clone()));
            if kind == Kind::Article && owner == Some(&self.id.to_string()) {
                continue;
            }
            let status = owner
                .and_then(|id| outlines.get(&(kind, id.clone())))
                .map(|o| o.status);
            let problem = match status {
                None => "no such",
                Some(PublicationStatus::Published) => continue,
                Some(_) => "an unpublished",
            };
            broken.push(FieldError::new(
                "body",
                format!("links to `{}`: {problem} {}", link.href, kind.as_str()),
            ));
        }
        Ok(broken)
    }
}

impl Document for Article {
    const KIND: Kind = Kind::Article;
    const AUTHOR_ROLE: Role = Role::Instructor;
    type Id = ArticleId;
    type Card = ArticleCard;
    type View = ArticleView;

    fn id(&self) -> ArticleId {
        self.id
    }

    fn slug(&self) -> &Slug {
        &self.slug
    }

    fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }

    fn lifecycle_mut(&mut self) -> &mut Lifecycle {
        &mut self.lifecycle
    }

    fn is_authored_by(&self, user: UserId) -> bool {
        self.author.id == user
    }

    fn tags(&self) -> &[Tag] {
        self.tags.as_slice()
    }

    fn card(&self, site: &BaseUrl) -> ArticleCard {
        ArticleCard {
            id: self.id,
            slug: self.slug.clone(),
            title: self.title.clone(),
            excerpt: self.excerpt.clone(),
            tags: self.tags.clone(),
            author_name: self.author.name.clone(),
            reading_minutes: markdown::reading_minutes(self.body.as_str()),
            url: site.join(&self.url_path()),
            image: self.seo.image.clone(),
            published_at: self
                .lifecycle
                .published_at
                .unwrap_or(self.lifecycle.updated_at),
            updated_at: self.lifecycle.updated_at,
        }
    }

    async fn missing(&self, store: &Store, _site: &BaseUrl) -> Result<Vec<FieldError>, DbError> {
        let mut missing = Vec::new();
        if self.excerpt.is_empty() {
            missing.push(FieldError::new("excerpt", "is required to publish"));
        }
        if self.body.is_blank() {
            missing.push(FieldError::new("body", "is required to publish"));
        }
        if self.tags.as_slice().is_empty() {
            missing.push(FieldError::new(
                "tags",
                "at least one is required to publish",
            ));
        }
        if self.seo.meta_description.is_none() {
            missing.push(FieldError::new(
                "seo.meta_description",
                "is required to publish",
            ));
        }
        missing.extend(self.broken_links(store).await?);
        Ok(missing)
    }

    async fn present(
        self,
        store: &Store,
        site: &BaseUrl,
        _caller: Option<&AuthUser>,
    ) -> Result<ArticleView, DbError> {
        let related = self.related(store).await?;
        let canonical_url = self.seo.canonical(site, &self.url_path());
        Ok(ArticleView {
            body_html: markdown::to_safe_html(self.body.as_str()),
            reading_minutes: markdown::reading_minutes(self.body.as_str()),
            json_ld: seo::script_text(&self.json_ld(site, &canonical_url)),
            canonical_url,
            related,
            article: self,
        })
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/articles", get(catalogue::list::<Article>).post(create))
        .route(
            "/articles/{article}",
            get(catalogue::show::<Article>).patch(update),
        )
        .route(
            "/articles/{article}/publish",
            post(catalogue::publish::<Article>),
        )
        .route(
            "/articles/{article}/archive",
            post(catalogue::archive::<Article>),
        )
}

/// The ids of the articles `references` (ids or slugs) name, in order.
///
/// # Errors
/// 422 naming each reference that is no article, or when there are too many.
async fn pinned(store: &Store, references: Vec<String>) -> Result<Vec<ArticleId>, ApiError> {
    if references.len() > MAX_PINNED {
        return Err(ApiError::invalid(
            "pinned_related",
            format!("at most {MAX_PINNED} articles"),
        ));
    }
    let slugs: Vec<(Kind, Slug)> = references
        .iter()
        .filter_map(|r| Slug::parse(r).ok().map(|slug| (Kind::Article, slug)))
        .collect();
    let owners = store.slug_owners(&slugs).await?;
    let mut ids = Vec::with_capacity(references.len());
    let mut errors = Vec::new();
    for (i, reference) in references.iter().enumerate() {
        let id = reference.parse::<ArticleId>().ok().or_else(|| {
            let slug = Slug::parse(reference).ok()?;
            owners.get(&(Kind::Article, slug))?.parse().ok()
        });
        match id {
            Some(id) if !ids.contains(&id) => ids.push(id),
            Some(_) => errors.push(FieldError::new(
                format!("pinned_related[{i}]"),
                "is listed twice",
            )),
            None => errors.push(FieldError::new(
                format!("pinned_related[{i}]"),
                "is not an article",
            )),
        }
    }
    if errors.is_empty() {
        Ok(ids)
    } else {
        Err(ApiError::Invalid(errors))
    }
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
    caller: AuthUser,
    Json(input): Json<NewArticle>,
) -> Result<Response, ApiError> {
    caller.require(Role::Instructor)?;
    let pinned_related = pinned(&state.store, input.pinned_related).await?;
    let article = Article {
        id: ArticleId::new(),
        internal_links: markdown::internal_links(input.body.as_str(), &state.site),
        slug: input.slug,
        title: input.title,
        excerpt: input.excerpt,
        body: input.body,
        tags: input.tags,
        author: Author {
            id: caller.id,
            name: caller.name.clone(),
        },
        lifecycle: Lifecycle::new(now()),
        seo: input.seo,
        pinned_related,
    };
    document::create(&state.store, &state.site, &article, Transaction::default()).await?;
    tracing::info!(article = %article.id, slug = %article.slug, "article created");
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
    caller: AuthUser,
    Path(reference): Path<String>,
    precondition: Precondition,
    Json(patch): Json<ArticlePatch>,
) -> Result<Response, ApiError> {
    let pinned_related = match patch.pinned_related {
        Some(references) => Some(pinned(&state.store, references).await?),
        None => None,
    };
    let site = state.site.clone();
    catalogue::edit::<Article>(
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
            Ok(Transaction::default())
        },
    )
    .await
}
