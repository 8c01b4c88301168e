//! Articles: the school's writing for search engines and learners — tags (the first is the
//! primary), SEO fields, related articles, JSON-LD, and the links a body makes to the rest of
//! the catalog, checked when the article is published.

mod routes;

use serde::{Deserialize, Serialize};
use shared::FieldError;
use shared::catalog::PublicationStatus;
use shared::clock::Timestamp;
use shared::config::BaseUrl;
use shared::identity::{Role, UserId};

pub use routes::router;

use crate::document::{Document, Lifecycle, Lookup, Refs, Searched, document_fields, required};
use crate::fields::{Body, Excerpt, Slug, Tag, Tags, Title, WebUrl};
use crate::keys::Kind;
use crate::markdown::{self, InternalLink, LinkTarget};
use crate::seo::{self, Seo};

shared::typed_id!(
    /// An article of the catalog.
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
    pub published_at: Timestamp,
    pub updated_at: Timestamp,
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
            "dateCreated": life.created_at.to_string(),
            "dateModified": life.updated_at.to_string(),
        });
        if let Some(primary) = self.tags.primary() {
            document["articleSection"] = primary.as_str().into();
        }
        if let Some(published) = life.published_at {
            document["datePublished"] = published.to_string().into();
        }
        if let Some(image) = &self.seo.image {
            document["image"] = image.as_str().into();
        }
        document
    }

    /// What is wrong with the links of its body: links to pages of this site that are not in
    /// the catalog, or to documents that do not exist. A link to a document that is not
    /// published yet is kept (its page shows it as plain text until it is), if the author may
    /// see that document: anything of another's that is not published is answered as a page
    /// that does not exist, so the answer tells nobody of another's drafts.
    fn broken_links(&self, found: &Lookup) -> Vec<FieldError> {
        let mut broken = Vec::new();
        for link in &self.internal_links {
            let Some(LinkTarget { kind, slug, .. }) = &link.target else {
                broken.push(FieldError::new(
                    "body",
                    format!(
                        "links to `{}`, which is not a page of the catalog",
                        link.href
                    ),
                ));
                continue;
            };
            let kind = Kind::from(*kind);
            let owner = found.owner(kind, slug);
            if kind == Kind::Article && owner == Some(&self.id.to_string()) {
                continue;
            }
            let outline = owner.and_then(|id| found.by_id(kind, id));
            if outline.is_some_and(|o| {
                o.status == PublicationStatus::Published || o.is_edited_by(self.author.id)
            }) {
                continue;
            }
            broken.push(FieldError::new(
                "body",
                format!("links to `{}`: no such {}", link.href, kind.as_str()),
            ));
        }
        broken
    }

    /// The documents its links name, as far as they are known (see [`Document::resolve`]).
    pub fn link_targets(&self) -> Vec<(Kind, String)> {
        self.internal_links
            .iter()
            .filter_map(|l| l.target.as_ref())
            .filter_map(|t| Some((Kind::from(t.kind), t.id.clone()?)))
            .collect()
    }

    /// Its page, with its `related` articles; a link to a catalog page whose document is known
    /// (see [`Document::resolve`]) shows as a link only while `is_published` says that document
    /// is (by kind and id), else as its text. A link not resolved yet (in a draft, or published
    /// before links were resolved, when its target had to be published) stays a link.
    pub fn view(
        self,
        site: &BaseUrl,
        related: Vec<ArticleCard>,
        is_published: impl Fn(Kind, &str) -> bool,
    ) -> ArticleView {
        let canonical_url = self.seo.canonical(site, &self.url_path());
        let unlink = |href: &str| {
            self.internal_links
                .iter()
                .find(|l| l.href == href)
                .and_then(|l| l.target.as_ref())
                .and_then(|t| Some((t.kind, t.id.as_ref()?)))
                .is_some_and(|(kind, id)| {
                    *id != self.id.to_string() && !is_published(kind.into(), id)
                })
        };
        ArticleView {
            body_html: markdown::to_safe_html_unlinking(self.body.as_str(), unlink),
            reading_minutes: markdown::reading_minutes(self.body.as_str()),
            json_ld: seo::script_text(&self.json_ld(site, &canonical_url)),
            canonical_url,
            related,
            article: self,
        }
    }
}

impl Document for Article {
    document_fields!(
        Kind::Article,
        Role::Instructor,
        ArticleId,
        ArticleCard,
        ArticleView
    );

    fn authors(&self) -> &[UserId] {
        std::slice::from_ref(&self.author.id)
    }

    fn tags(&self) -> &[Tag] {
        self.tags.as_slice()
    }

    fn searched(&self) -> Searched {
        Searched {
            summary: self.excerpt.to_string(),
            level: None,
            sections: markdown::headings(self.body.as_str()),
        }
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
            published_at: self.lifecycle.listed_at(),
            updated_at: self.lifecycle.updated_at,
        }
    }

    fn refers_to(&self) -> Refs {
        let mut slugs: Vec<(Kind, Slug)> = Vec::new();
        for target in self.internal_links.iter().filter_map(|l| l.target.as_ref()) {
            let named = (Kind::from(target.kind), target.slug.clone());
            if !slugs.contains(&named) {
                slugs.push(named);
            }
        }
        Refs {
            slugs,
            ids: Vec::new(),
        }
    }

    fn missing(&self, found: &Lookup) -> Vec<FieldError> {
        let mut missing = required(&[
            ("excerpt", self.excerpt.is_empty()),
            ("body", self.body.is_blank()),
        ]);
        if self.tags.as_slice().is_empty() {
            missing.push(FieldError::new(
                "tags",
                "at least one is required to publish",
            ));
        }
        missing.extend(required(&[(
            "seo.meta_description",
            self.seo.meta_description.is_none(),
        )]));
        missing.extend(self.broken_links(found));
        missing
    }

    fn resolve(&mut self, found: &Lookup) {
        for target in self
            .internal_links
            .iter_mut()
            .filter_map(|l| l.target.as_mut())
        {
            target.id = found.owner(target.kind.into(), &target.slug).cloned();
        }
    }
}
