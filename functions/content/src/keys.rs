//! Every key of the content table, in one place.
//!
//! ```text
//! item                 pk                    sk               gsi1pk                      gsi1sk
//! course               COURSE#<id>           COURSE           COURSE#SLUG#<slug>          COURSE
//! lesson (its body)    COURSE#<id>           LESSON#<id>
//! article              ARTICLE#<id>          ARTICLE          ARTICLE#SLUG#<slug>         ARTICLE
//! career path          PATH#<id>             PATH             PATH#SLUG#<slug>            PATH
//! listing card         <KIND>#<id>           CARD#<facet>     <KINDS>#<facet>             <published_at>#<id>
//! sitemap card         <KIND>#<id>           CARD#sitemap     SITEMAP                     <published_at>#<id>
//! workspace entry      <KIND>#<id>           DESK#<desk>      DESK#<desk>                 <updated_at>#<id>
//! slug claim           SLUG#<kind>#<slug>    SLUG
//! search entry         SEARCH                <KIND>#<id>
//! search stamp         SEARCH                #STAMP
//! page stamp           PAGES                 #STAMP
//! tag count            TAGS                  TAG#<tag>
//! ```
//!
//! A *slug claim* makes a slug unique per kind (created in the same transaction as the document)
//! and keeps answering for the document after it is renamed: old URLs redirect; an article's
//! current claim also keeps its page, under the *page stamp* ([`crate::pages`]). A *listing card*
//! exists only while its document is published, one per facet (`all`, `tag#<tag>`,
//! `level#<level>`), so a listing page is one `Query` on `gsi1`, newest first; one more card,
//! in a partition every kind shares, makes the sitemap one `Query` too. A *workspace
//! entry* exists in any status, one per author of the document and one on everyone's desk
//! (`all`, the admins'), so an author's workspace page is one `Query` on `gsi1`, newest edit
//! first. The course item's
//! key and top-level fields are the contract of [`shared::catalog`]. The *search entries* of
//! published documents share one partition, read whole when a function loads its index
//! ([`crate::search`]).

use shared::catalog::{CourseId, LessonId};
use shared::clock::Timestamp;
use shared::dynamo::Key;
use shared::identity::UserId;

use crate::fields::{Level, Slug, Tag};

/// The three kinds of documents the catalog publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Course,
    Article,
    Path,
}

impl Kind {
    /// The word for it in the API and the table: `course`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Course => "course",
            Self::Article => "article",
            Self::Path => "path",
        }
    }

    /// The first segment of its URLs: `courses`.
    pub fn collection(self) -> &'static str {
        match self {
            Self::Course => "courses",
            Self::Article => "articles",
            Self::Path => "paths",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Self::Course => "COURSE",
            Self::Article => "ARTICLE",
            Self::Path => "PATH",
        }
    }
}

/// The key of a course, article or career path, by its id's text.
pub fn entity(kind: Kind, id: &str) -> Key {
    Key::new(format!("{}#{id}", kind.prefix()), kind.prefix())
}

/// The `gsi1` key of a document's item, which finds it by its current slug.
pub fn by_slug(kind: Kind, slug: &Slug) -> (String, String) {
    (
        format!("{}#SLUG#{slug}", kind.prefix()),
        kind.prefix().to_owned(),
    )
}

/// The claim on a slug: which document it names (now, or before a rename).
pub fn slug_claim(kind: Kind, slug: &Slug) -> Key {
    Key::new(format!("SLUG#{}#{slug}", kind.as_str()), "SLUG")
}

/// A lesson's own item: its body, video and further reading.
pub fn lesson(course: CourseId, lesson: LessonId) -> Key {
    shared::catalog::lesson_key(course, lesson)
}

/// A listing a published document appears in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Facet {
    All,
    Tag(Tag),
    Level(Level),
    /// Every published document of every kind: the sitemap's pages.
    Sitemap,
}

impl Facet {
    fn name(&self) -> String {
        match self {
            Self::All => "all".to_owned(),
            Self::Tag(tag) => format!("tag#{tag}"),
            Self::Level(level) => format!("level#{}", level.as_str()),
            Self::Sitemap => "sitemap".to_owned(),
        }
    }
}

/// The card of a published document in one listing.
pub fn card(kind: Kind, id: &str, facet: &Facet) -> Key {
    Key::new(
        format!("{}#{id}", kind.prefix()),
        format!("CARD#{}", facet.name()),
    )
}

/// The `gsi1` partition of a listing: the sitemap's is one for every kind.
pub fn listing(kind: Kind, facet: &Facet) -> String {
    match facet {
        Facet::Sitemap => "SITEMAP".to_owned(),
        _ => format!("{}#{}", kind.collection().to_uppercase(), facet.name()),
    }
}

/// A card's place in its listing: by publication time (text order is time order), then id, so
/// the place never changes while the document stays published and ties cannot happen.
pub fn listing_position(published_at: Timestamp, id: &str) -> String {
    format!("{published_at}#{id}")
}

/// The partition of the tag counts.
pub const TAGS: &str = "TAGS";

/// The count of published courses and articles carrying `tag`.
pub fn tag_count(tag: &Tag) -> Key {
    Key::new(TAGS, format!("TAG#{tag}"))
}

/// The partition of the search entries (one per published document) and their stamp.
pub const SEARCH: &str = "SEARCH";

/// A published document's search entry.
pub fn search_entry(kind: Kind, id: &str) -> Key {
    Key::new(SEARCH, format!("{}#{id}", kind.prefix()))
}

/// The search stamp: a count of the changes to the search entries, moved in the transaction of
/// each, so a warm function knows whether the index it holds is current with one read.
pub fn search_stamp() -> Key {
    Key::new(SEARCH, "#STAMP")
}

/// The page stamp: a count of the writes that changed what article pages show, and the time of
/// the last, moved in the transaction of each; an article's kept page is served only while the
/// stamp is the one it was rendered at ([`crate::pages`]).
pub fn page_stamp() -> Key {
    Key::new("PAGES", "#STAMP")
}

/// Whose workspace lists a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Desk {
    /// One of its authors'.
    Author(UserId),
    /// Everyone's: what admins see.
    All,
}

impl Desk {
    fn name(self) -> String {
        match self {
            Self::Author(user) => user.to_string(),
            Self::All => "all".to_owned(),
        }
    }
}

/// A document's entry in `desk`'s workspace.
pub fn desk_entry(kind: Kind, id: &str, desk: Desk) -> Key {
    Key::new(
        format!("{}#{id}", kind.prefix()),
        format!("DESK#{}", desk.name()),
    )
}

/// The `gsi1` partition of `desk`'s workspace.
pub fn desk(desk: Desk) -> String {
    format!("DESK#{}", desk.name())
}
