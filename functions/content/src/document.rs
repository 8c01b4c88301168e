//! What courses, articles and career paths have in common: a slug, a life (draft → published →
//! archived) with a version, who may see and edit them, the listing cards they appear as, and
//! the service steps every kind goes through — find, create, edit, publish, archive.

use std::fmt::Display;
use std::future::Future;
use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use shared::catalog::PublicationStatus;
use shared::dynamo::DbError;
use shared::identity::{Role, UserId};
use shared::token::AuthUser;
use shared::{ApiError, FieldError};
use time::OffsetDateTime;

use crate::config::BaseUrl;
use crate::fields::{Slug, Tag};
use crate::keys::{Facet, Kind};
use crate::store::{Found, Read, Store, Transaction, WriteError};
use crate::web::Precondition;

/// Where a thing is in its life, and which edit of it this is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    pub status: PublicationStatus,
    /// 1 at creation, one more with every change; the `If-Match` of an edit names it.
    pub version: u64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// When it was first published; kept through archiving and publishing again.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub published_at: Option<OffsetDateTime>,
}

impl Lifecycle {
    /// A new draft, version 1.
    pub fn new(now: OffsetDateTime) -> Self {
        Self {
            status: PublicationStatus::Draft,
            version: 1,
            created_at: now,
            updated_at: now,
            published_at: None,
        }
    }

    /// Records one change at `now`.
    pub fn touch(&mut self, now: OffsetDateTime) {
        self.version += 1;
        self.updated_at = now;
    }

    /// Moves to `status` at `now` (recording the first publication).
    pub fn move_to(&mut self, status: PublicationStatus, now: OffsetDateTime) {
        self.status = status;
        if status == PublicationStatus::Published && self.published_at.is_none() {
            self.published_at = Some(now);
        }
        self.touch(now);
    }

    pub fn is_published(&self) -> bool {
        self.status == PublicationStatus::Published
    }
}

/// The current time, to the microsecond (what the listings sort by).
pub fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_microsecond(now.microsecond()).unwrap_or(now)
}

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
    fn lifecycle(&self) -> &Lifecycle;
    fn lifecycle_mut(&mut self) -> &mut Lifecycle;
    /// Whether `user` is one of its authors.
    fn is_authored_by(&self, user: UserId) -> bool;

    fn tags(&self) -> &[Tag] {
        &[]
    }

    /// The listings it appears in while published.
    fn facets(&self) -> Vec<Facet> {
        std::iter::once(Facet::All)
            .chain(self.tags().iter().cloned().map(Facet::Tag))
            .collect()
    }

    fn card(&self, site: &BaseUrl) -> Self::Card;

    /// What keeps it from being published, as field errors; empty when it is complete.
    fn missing(
        &self,
        store: &Store,
        site: &BaseUrl,
    ) -> impl Future<Output = Result<Vec<FieldError>, DbError>> + Send;

    /// Its page, as `caller` sees it.
    fn present(
        self,
        store: &Store,
        site: &BaseUrl,
        caller: Option<&AuthUser>,
    ) -> impl Future<Output = Result<Self::View, DbError>> + Send;

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
/// its editors see drafts and archived things.
pub fn can_see<D: Document>(doc: &D, caller: Option<&AuthUser>) -> bool {
    doc.lifecycle().is_published() || caller.is_some_and(|c| can_edit(doc, c))
}

/// The thing `reference` (an id or a slug) names, if `caller` may see it.
///
/// # Errors
/// 404 when there is none or the caller may not see it.
pub async fn find_visible<D: Document>(
    store: &Store,
    reference: &str,
    caller: Option<&AuthUser>,
) -> Result<Found<D>, ApiError> {
    store
        .resolve::<D>(reference, Read::Fast)
        .await?
        .filter(|found| can_see(&found.doc, caller))
        .ok_or(ApiError::NotFound)
}

/// The current state of the thing `reference` names, for `caller` to change.
///
/// # Errors
/// 404 when the caller may not see it, 403 when they may see but not change it, 412 (or 422
/// when required and absent) when `precondition` does not name its current version.
pub async fn find_editable<D: Document>(
    store: &Store,
    reference: &str,
    caller: &AuthUser,
    precondition: &Precondition,
    required: bool,
) -> Result<D, ApiError> {
    let doc = store
        .resolve::<D>(reference, Read::Fresh)
        .await?
        .map(|found| found.doc)
        .filter(|doc| can_see(doc, Some(caller)))
        .ok_or(ApiError::NotFound)?;
    if !can_edit(&doc, caller) {
        return Err(ApiError::Forbidden);
    }
    precondition.check(doc.lifecycle().version, required)?;
    Ok(doc)
}

/// Refuses a thing that may not be published (or stay published) as it is.
///
/// # Errors
/// 422 listing what is missing.
pub async fn ensure_complete<D: Document>(
    doc: &D,
    store: &Store,
    site: &BaseUrl,
) -> Result<(), ApiError> {
    let missing = doc.missing(store, site).await?;
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(missing))
    }
}

/// Stores a new thing.
///
/// # Errors
/// 409 when its slug is taken.
pub async fn create<D: Document>(
    store: &Store,
    site: &BaseUrl,
    doc: &D,
    also: Transaction,
) -> Result<(), ApiError> {
    store
        .create(doc, site, also)
        .await
        .map_err(|e| write_error::<D>(e, true))
}

/// Applies `change` to the thing `reference` names, as `caller`, if `precondition` holds.
///
/// `change` edits the thing and returns the other writes that go with it (a lesson's item,
/// say); see [`commit`].
///
/// # Errors
/// As [`find_editable`], whatever `change` refuses, and as [`commit`].
pub async fn edit<D: Document>(
    store: &Store,
    site: &BaseUrl,
    caller: &AuthUser,
    reference: &str,
    precondition: &Precondition,
    required: bool,
    change: impl FnOnce(&mut D) -> Result<Transaction, ApiError>,
) -> Result<D, ApiError> {
    let before: D = find_editable(store, reference, caller, precondition, required).await?;
    let mut after = before.clone();
    let also = change(&mut after)?;
    commit(store, site, &before, after, also, precondition).await
}

/// Stores `after` (a change of `before`, as read) with `also`, in one request conditioned on
/// `before`'s version; a published thing must stay complete. A change that changes nothing
/// writes nothing.
///
/// # Errors
/// 422 when the change would leave a published thing incomplete; 412 when the stored version
/// moved on and `precondition` named the old one (409 when there was no `If-Match`); 409 when a
/// new slug is taken.
pub async fn commit<D: Document>(
    store: &Store,
    site: &BaseUrl,
    before: &D,
    mut after: D,
    also: Transaction,
    precondition: &Precondition,
) -> Result<D, ApiError> {
    if after == *before && also.is_empty() {
        return Ok(after);
    }
    after.lifecycle_mut().touch(now());
    if after.lifecycle().is_published() {
        ensure_complete(&after, store, site).await?;
    }
    store
        .save(before, &after, site, also)
        .await
        .map_err(|e| write_error::<D>(e, precondition.is_given()))?;
    Ok(after)
}

/// Publishes or archives the thing `reference` names. Asking for the status it already has
/// changes nothing.
///
/// # Errors
/// As [`edit`]; publishing answers 422 listing what is missing.
pub async fn move_to<D: Document>(
    store: &Store,
    site: &BaseUrl,
    caller: &AuthUser,
    reference: &str,
    precondition: &Precondition,
    status: PublicationStatus,
) -> Result<D, ApiError> {
    let before: D = find_editable(store, reference, caller, precondition, false).await?;
    if before.lifecycle().status == status {
        return Ok(before);
    }
    let mut after = before.clone();
    after.lifecycle_mut().move_to(status, now());
    if status == PublicationStatus::Published {
        ensure_complete(&after, store, site).await?;
    }
    store
        .save(&before, &after, site, Transaction::default())
        .await
        .map_err(|e| write_error::<D>(e, precondition.is_given()))?;
    Ok(after)
}

/// A failed write as the client sees it. A stale version is 412 when the client named the
/// version it edited, and 409 when the server did (it read, and someone else wrote first).
fn write_error<D: Document>(error: WriteError, client_named_version: bool) -> ApiError {
    match error {
        WriteError::Stale if client_named_version => ApiError::PreconditionFailed,
        WriteError::Stale => ApiError::Conflict(format!(
            "the {} changed while this request was applied; try again",
            D::KIND.as_str()
        )),
        WriteError::SlugTaken => ApiError::Conflict(format!(
            "another {} has or had this slug; choose another",
            D::KIND.as_str()
        )),
        WriteError::Db(e) => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publishing_records_the_first_publication_only() {
        let start = OffsetDateTime::UNIX_EPOCH;
        let later = start + time::Duration::days(1);
        let mut life = Lifecycle::new(start);
        life.move_to(PublicationStatus::Published, start);
        life.move_to(PublicationStatus::Archived, later);
        life.move_to(PublicationStatus::Published, later);
        assert_eq!(life.published_at, Some(start));
        assert_eq!(life.version, 4);
        assert_eq!(life.updated_at, later);
    }
}
