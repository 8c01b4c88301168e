//! An article's own reads: the articles an author pins as related, found by id or slug, and
//! the related articles its page shows.

use shared::dynamo::{DbError, from_json_or_map};
use shared::token::AuthUser;
use shared::{ApiError, FieldError};

use super::{Presented, Service};
use crate::articles::{Article, ArticleCard, ArticleId, ArticleView, MAX_PINNED, RELATED};
use crate::document::Refs;
use crate::fields::{Slug, Tag};
use crate::keys::{Facet, Kind};
use crate::pages::{PageStamp, StoredPage};
use crate::store::KeptPage;

impl Presented for Article {
    async fn present(
        self,
        service: &Service,
        _caller: Option<&AuthUser>,
    ) -> Result<ArticleView, DbError> {
        let pinned: Vec<(Kind, String)> = self
            .pinned_related
            .iter()
            .map(|id| (Kind::Article, id.to_string()))
            .collect();
        let linked = self.link_targets();
        let wanted: Vec<(Kind, String)> = pinned.iter().chain(&linked).cloned().collect();
        // The pinned and linked articles' cards, and the newest articles of the first tag, in
        // one round trip: related articles are the pinned ones, then those (unless the pinned
        // ones are enough).
        let first_tag = self
            .tags
            .as_slice()
            .first()
            .filter(|_| self.pinned_related.len() < RELATED);
        let newest = async {
            match first_tag {
                Some(tag) => service.newest_with(tag).await.map(Some),
                None => Ok(None),
            }
        };
        let (mut published, newest) =
            tokio::try_join!(service.store.published_cards(&wanted), newest)?;
        let pinned = pinned
            .iter()
            .filter_map(|key| published.get(key).cloned())
            .map(from_json_or_map)
            .collect::<Result<Vec<ArticleCard>, _>>()?;
        let related = service.related(&self, pinned, newest).await?;
        published.retain(|key, _| linked.contains(key));
        Ok(self.view(service.site(), related, |kind, id| {
            published.contains_key(&(kind, id.to_owned()))
        }))
    }
}

impl Service {
    /// The page kept for the article whose slug `reference` is, and whether it is current
    /// ([`crate::pages`]); `None` for a reference that is no slug (an id).
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn kept_article_page(&self, reference: &str) -> Result<Option<KeptPage>, ApiError> {
        if reference.parse::<ArticleId>().is_ok() {
            return Ok(None);
        }
        match Slug::parse(reference) {
            Ok(slug) => Ok(Some(self.store.article_page(&slug).await?)),
            Err(_) => Ok(None),
        }
    }

    /// Keeps `page`, the page of `article` rendered after reading `stamp`, for the reads that
    /// follow — when the article is published and the stamp's last change has settled
    /// ([`PageStamp::has_settled`]). A page not kept is only rendered again: a failure here is
    /// logged, not answered.
    pub async fn keep_article_page(&self, article: &Article, page: &StoredPage, stamp: PageStamp) {
        if !article.lifecycle.is_published() || !stamp.has_settled(self.now()) {
            return;
        }
        let kept = self
            .store
            .keep_article_page(&article.slug, article.id, page, &stamp)
            .await;
        match kept {
            Ok(kept) => {
                tracing::debug!(article = %article.id, stamp = stamp.changes, kept, "article page")
            }
            Err(e) => {
                tracing::warn!(article = %article.id, error = %e, "an article page was not kept")
            }
        }
    }

    /// The ids of the articles `references` (ids or slugs) name, in order: articles `caller`
    /// may see (published, their own, or any for an admin).
    ///
    /// # Errors
    /// 422 naming each reference that is no article `caller` may see (another's draft is
    /// answered exactly like an article that does not exist) or is repeated, or when there
    /// are too many.
    pub async fn pinned_articles(
        &self,
        caller: &AuthUser,
        references: Vec<String>,
    ) -> Result<Vec<ArticleId>, ApiError> {
        if references.len() > MAX_PINNED {
            return Err(ApiError::invalid(
                "pinned_related",
                format!("at most {MAX_PINNED} articles"),
            ));
        }
        let refs = Refs {
            slugs: references
                .iter()
                .filter_map(|r| Slug::parse(r).ok().map(|slug| (Kind::Article, slug)))
                .collect(),
            ids: references
                .iter()
                .filter_map(|r| r.parse::<ArticleId>().ok())
                .map(|id| (Kind::Article, id.to_string()))
                .collect(),
        };
        let found = self.store.lookup(&refs).await?;
        let mut ids = Vec::with_capacity(references.len());
        let mut errors = Vec::new();
        for (i, reference) in references.iter().enumerate() {
            let id = reference
                .parse::<ArticleId>()
                .ok()
                .or_else(|| {
                    let slug = Slug::parse(reference).ok()?;
                    found.owner(Kind::Article, &slug)?.parse().ok()
                })
                .filter(|id| {
                    found
                        .by_id(Kind::Article, &id.to_string())
                        .is_some_and(|outline| outline.is_visible_to(caller))
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

    /// What `article`'s page shows as related: its `pinned` articles that are published
    /// first, then the newest sharing a tag (primary first); `first_tag` is the newest of
    /// its first tag when they were read already.
    async fn related(
        &self,
        article: &Article,
        pinned: Vec<ArticleCard>,
        mut first_tag: Option<Vec<ArticleCard>>,
    ) -> Result<Vec<ArticleCard>, DbError> {
        let mut related = pinned;
        for tag in article.tags.as_slice() {
            if related.len() >= RELATED {
                break;
            }
            let newest = match first_tag.take() {
                Some(newest) => newest,
                None => self.newest_with(tag).await?,
            };
            for card in newest {
                if card.id != article.id && !related.iter().any(|r| r.id == card.id) {
                    related.push(card);
                }
            }
        }
        related.truncate(RELATED);
        Ok(related)
    }

    /// The newest articles carrying `tag`: enough to show [`RELATED`] of them besides the
    /// article itself.
    async fn newest_with(&self, tag: &Tag) -> Result<Vec<ArticleCard>, DbError> {
        let enough = i32::try_from(RELATED + 1).unwrap_or(i32::MAX);
        self.store
            .newest(Kind::Article, &Facet::Tag(tag.clone()), enough)
            .await
    }
}
