//! What courses, articles and career paths have in common, as pure domain: a slug, a life
//! (draft → published → archived) with a version, who may see and edit them, the listing cards
//! they appear as, the other documents they refer to, and what keeps them from being published.
//! Nothing here reads or writes the table: the service looks up what a check needs
//! ([`Refs`] → [`Lookup`]) and hands it in.

use std::collections::HashMap;
use std::fmt::Display;
use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use shared::FieldError;
use shared::catalog::{CourseId, PublicationStatus};
use shared::clock::Timestamp;
use shared::config::BaseUrl;
use shared::dynamo::{DbError, Item};
use shared::identity::{Role, UserId};
use shared::token::AuthUser;

use crate::fields::{Slug, Tag, Title};
use crate::keys::{Facet, Kind};
use crate::search::engine::Entry;

/// Where a document is in its life, and which edit of it this is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    pub status: PublicationStatus,
    /// 1 at creation, one more with every change; the `If-Match` of an edit names it.
    pub version: u64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// When it was first published; kept through archiving and publishing again.
    #[serde(default)]
    pub published_at: Option<Timestamp>,
}

impl Lifecycle {
    /// A new draft, version 1.
    pub fn new(now: Timestamp) -> Self {
        Self {
            status: PublicationStatus::Draft,
            version: 1,
            created_at: now,
            updated_at: now,
            published_at: None,
        }
    }

    /// Records one change at `now`.
    pub fn touch(&mut self, now: Timestamp) {
        self.version += 1;
        self.updated_at = now;
    }

    /// Moves to `status` at `now` (recording the first publication).
    pub fn move_to(&mut self, status: PublicationStatus, now: Timestamp) {
        self.status = status;
        if status == PublicationStatus::Published && self.published_at.is_none() {
            self.published_at = Some(now);
        }
        self.touch(now);
    }

    pub fn is_published(&self) -> bool {
        self.status == PublicationStatus::Published
    }

    /// When it went into the listings: its first publication (its last change, for one that
    /// never was published).
    pub fn listed_at(&self) -> Timestamp {
        self.published_at.unwrap_or(self.updated_at)
    }
}

/// What other documents show of a course, article or career path: a link's target, a path's
/// step.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Outline {
    pub id: String,
    pub slug: Slug,
    pub title: Title,
    pub status: PublicationStatus,
    /// A course's summary.
    #[serde(default)]
    pub summary: Option<String>,
    /// An article's excerpt.
    #[serde(default)]
    pub excerpt: Option<String>,
    /// An article's author: whose drafts may be named as drafts to them.
    #[serde(default)]
    pub author: Option<crate::articles::Author>,
    /// A course's instructors.
    #[serde(default)]
    pub instructors: Vec<UserId>,
}

impl Outline {
    /// Whether `caller` may see the document as it is: it is published, or it is an article
    /// of theirs, or they are an admin. Anything else is answered as if it did not exist.
    pub fn is_visible_to(&self, caller: &AuthUser) -> bool {
        self.status == PublicationStatus::Published
            || caller.is_admin()
            || self.is_edited_by(caller.id)
    }

    /// Whether `user` writes it: an article's author, one of a course's instructors.
    pub fn is_edited_by(&self, user: UserId) -> bool {
        self.author.as_ref().is_some_and(|a| a.id == user) || self.instructors.contains(&user)
    }
}

/// What search finds a document by besides its title and tags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Searched {
    /// A course's summary, an article's excerpt, a path's description as plain text.
    pub summary: String,
    /// A course's level.
    pub level: Option<crate::fields::Level>,
    /// The titles within it: a course's modules and lessons, an article's headings, a path's
    /// steps (and the notes and roles that go with them).
    pub sections: Vec<String>,
}

/// The other documents a document refers to, which a check or a page needs looked up.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refs {
    /// Named by slug (a link in a body).
    pub slugs: Vec<(Kind, Slug)>,
    /// Named by id (a path's steps).
    pub ids: Vec<(Kind, String)>,
}

/// What the table knows of [`Refs`]: who has each slug (now or before a rename), and the
/// outline of each document that exists.
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    pub owners: HashMap<(Kind, Slug), String>,
    pub outlines: HashMap<(Kind, String), Outline>,
}

impl Lookup {
    /// The outline of the document of `kind` with `id`, if it exists.
    pub fn by_id(&self, kind: Kind, id: &str) -> Option<&Outline> {
        self.outlines.get(&(kind, id.to_owned()))
    }

    /// The id of the document of `kind` that has (or had) `slug`.
    pub fn owner(&self, kind: Kind, slug: &Slug) -> Option<&String> {
        self.owners.get(&(kind, slug.clone()))
    }
}

/// What every `impl Document` block says the same way: the kind, the least role that authors
/// it, its id, card and view types, and the accessors of its `id`, `slug`, `title` and
/// `lifecycle` fields: `document_fields!(Kind::Course, Role::Instructor, CourseId, CourseCard, CourseView);`.
macro_rules! document_fields {
    ($kind:expr, $author:expr, $id:ty, $card:ty, $view:ty) => {
        const KIND: $crate::keys::Kind = $kind;
        const AUTHOR_ROLE: shared::identity::Role = $author;
        type Id = $id;
        type Card = $card;
        type View = $view;

        fn id(&self) -> Self::Id {
            self.id
        }

        fn slug(&self) -> &$crate::fields::Slug {
            &self.slug
        }

        fn title(&self) -> &$crate::fields::Title {
            &self.title
        }

        fn lifecycle(&self) -> &$crate::document::Lifecycle {
            &self.lifecycle
        }

        fn lifecycle_mut(&mut self) -> &mut $crate::document::Lifecycle {
            &mut self.lifecycle
        }
    };
}
pub(crate) use document_fields;

/// A course, an article or a career path.
pub trait Document:
    Clone + PartialEq + Serialize + DeserializeOwned + Send + Sync + 'static
{
    const KIND: Kind;
    /// The least role that may author one: instructors write courses and articles, admins
    /// career paths. Admins may edit everything.
    const AUTHOR_ROLE: Role;
    type Id: Copy + FromStr + Display + Send + Sync;
    /// What a listing shows of it.
    type Card: Serialize + DeserializeOwned + Send;
    /// What its page shows.
    type View: Serialize + Send;

    fn id(&self) -> Self::Id;
    fn slug(&self) -> &Slug;
    fn title(&self) -> &Title;
    fn lifecycle(&self) -> &Lifecycle;
    fn lifecycle_mut(&mut self) -> &mut Lifecycle;
    /// Its authors: who may edit it besides admins, and whose workspace lists it.
    fn authors(&self) -> &[UserId];

    /// Whether `user` is one of its authors.
    fn is_authored_by(&self, user: UserId) -> bool {
        self.authors().contains(&user)
    }

    fn tags(&self) -> &[Tag] {
        &[]
    }

    /// The listings it appears in while published.
    fn facets(&self) -> Vec<Facet> {
        [Facet::All, Facet::Sitemap]
            .into_iter()
            .chain(self.tags().iter().cloned().map(Facet::Tag))
            .collect()
    }

    /// Stores some of its attributes otherwise than serde writes them into `item`, or adds
    /// what is derived from them (a page rendered for `site`): nothing by default.
    ///
    /// # Errors
    /// When an attribute has no representation (a bug).
    fn compact(&self, _item: &mut Item, _site: &BaseUrl) -> Result<(), DbError> {
        Ok(())
    }

    fn card(&self, site: &BaseUrl) -> Self::Card;

    /// What search finds it by besides its title and tags.
    fn searched(&self) -> Searched;

    /// Its search entry while it is published.
    fn search_entry(&self, site: &BaseUrl) -> Entry {
        let Searched {
            summary,
            level,
            sections,
        } = self.searched();
        Entry {
            kind: Self::KIND.as_str().to_owned(),
            id: self.id().to_string(),
            url: site.join(&self.url_path()),
            title: self.title().to_string(),
            summary,
            tags: self.tags().iter().map(ToString::to_string).collect(),
            level: level.map(|level| level.as_str().to_owned()),
            sections,
            published_at: self.lifecycle().listed_at().unix_micros(),
        }
    }

    /// The documents its checks refer to.
    fn refers_to(&self) -> Refs {
        Refs::default()
    }

    /// What keeps it from being published, as field errors (empty when it is complete), given
    /// what the table knows of the documents it refers to.
    fn missing(&self, found: &Lookup) -> Vec<FieldError>;

    /// Notes which documents its references name, as `found` answers them (an article's links
    /// keep their targets' ids), before it is checked and stored.
    fn resolve(&mut self, _found: &Lookup) {}

    /// The course whose enrolled learners may still read it once it is archived (a course's
    /// own id, for a course); `None` for what only its editors see once archived.
    fn kept_for_enrolled(&self) -> Option<CourseId> {
        None
    }

    /// Its URL path: `/courses/<slug>`.
    fn url_path(&self) -> String {
        format!("/{}/{}", Self::KIND.collection(), self.slug())
    }
}

/// Whether `caller` may change `doc`: an admin, or one of its authors who still holds the role
/// that authors this kind.
pub fn can_edit<D: Document>(doc: &D, caller: &AuthUser) -> bool {
    caller.is_admin() || (caller.role >= D::AUTHOR_ROLE && doc.is_authored_by(caller.id))
}

/// Whether `caller` (anyone, when `None`) may see `doc`: everyone sees what is published, only
/// its editors see drafts and archived documents (and, of an archived course, its enrolled
/// learners: see [`Document::kept_for_enrolled`]).
pub fn can_see<D: Document>(doc: &D, caller: Option<&AuthUser>) -> bool {
    doc.lifecycle().is_published() || caller.is_some_and(|c| can_edit(doc, c))
}

/// A "required to publish" error for each of `fields` that `blank` says is empty.
pub fn required(fields: &[(&str, bool)]) -> Vec<FieldError> {
    fields
        .iter()
        .filter(|(_, blank)| *blank)
        .map(|(field, _)| FieldError::new(*field, "is required to publish"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publishing_records_the_first_publication_only() {
        let start = Timestamp::from_unix_micros(0);
        let later = Timestamp::from_unix_micros(86_400_000_000);
        let mut life = Lifecycle::new(start);
        life.move_to(PublicationStatus::Published, start);
        life.move_to(PublicationStatus::Archived, later);
        life.move_to(PublicationStatus::Published, later);
        assert_eq!(life.published_at, Some(start));
        assert_eq!(life.listed_at(), start);
        assert_eq!(life.version, 4);
        assert_eq!(life.updated_at, later);
    }

    #[test]
    fn only_blank_fields_are_required() {
        let errors = required(&[("summary", true), ("description", false)]);
        assert_eq!(
            errors,
            [FieldError::new("summary", "is required to publish")]
        );
    }
}
