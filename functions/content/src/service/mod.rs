//! The service: what a request does between its handler (which parsed it and knows the caller)
//! and the store. The steps every kind shares live here — find, create, edit, publish, archive,
//! list, show — and each kind's own workflows in a file of its own.

mod articles;
mod courses;
mod paths;

use std::future::Future;

use shared::ApiError;
use shared::catalog::PublicationStatus;
use shared::clock::{Clock, Timestamp};
use shared::config::BaseUrl;
use shared::dynamo::DbError;
use shared::page::{CursorKey, Page};
use shared::token::AuthUser;

pub use courses::{LessonPage, ModuleView, Part};

use crate::document::{Document, can_edit, can_see};
use crate::fields::Level;
use crate::keys::{Desk, Facet};
use crate::search::{Hits, Request, Searcher};
use crate::store::{Found, LessonChange, Read, Store, TagCount, WriteError};
use crate::web::Precondition;
use crate::workspace::{DeskEntry, WorkspaceQuery};

/// A document whose page the service can make: the document and what the table knows
/// besides it (an article's related articles, a path's steps).
pub trait Presented: Document {
    fn present(
        self,
        service: &Service,
        caller: Option<&AuthUser>,
    ) -> impl Future<Output = Result<Self::View, DbError>> + Send;
}

/// The catalog's service; built once per cold start.
#[derive(Debug)]
pub struct Service {
    store: Store,
    site: BaseUrl,
    clock: Clock,
    searcher: Box<dyn Searcher>,
}

impl Service {
    /// The service over `store`, answering searches with `searcher`.
    pub fn new(store: Store, site: BaseUrl, clock: Clock, searcher: Box<dyn Searcher>) -> Self {
        Self {
            store,
            site,
            clock,
            searcher,
        }
    }

    /// What signs the cursors of listings and searches.
    pub fn cursors(&self) -> &CursorKey {
        self.store.cursors()
    }

    /// One page of what is published that `request` finds.
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn search(&self, request: Request<'_>) -> Result<Hits, ApiError> {
        Ok(self.searcher.search(request).await?)
    }

    /// Where the school's pages live.
    pub fn site(&self) -> &BaseUrl {
        &self.site
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The document `reference` (an id or a slug) names, if `caller` may see it: one its
    /// editors may, or one that is published, or an archived course the caller is enrolled in.
    ///
    /// # Errors
    /// 404 when there is none or the caller may not see it.
    pub async fn find_visible<D: Document>(
        &self,
        reference: &str,
        caller: Option<&AuthUser>,
        read: Read,
    ) -> Result<Found<D>, ApiError> {
        let found = self
            .store
            .resolve::<D>(reference, read)
            .await?
            .ok_or(ApiError::NotFound)?;
        if can_see(&found.doc, caller) {
            return Ok(found);
        }
        let archived = found.doc.lifecycle().status == PublicationStatus::Archived;
        if let (true, Some(course), Some(learner)) =
            (archived, found.doc.kept_for_enrolled(), caller)
            && self.store.is_enrolled(learner.id, course).await?
        {
            return Ok(found);
        }
        Err(ApiError::NotFound)
    }

    /// The current state of the document `reference` names, for `caller` to change.
    ///
    /// # Errors
    /// 404 when the caller may not see it, 403 when they may see but not change it, 412 (or
    /// 422 when required and absent) when `precondition` does not name its current version.
    pub async fn find_editable<D: Document>(
        &self,
        reference: &str,
        caller: &AuthUser,
        precondition: &Precondition,
        required: bool,
    ) -> Result<D, ApiError> {
        let doc = self
            .store
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

    /// What keeps `doc` from being published (empty when nothing does), noting what its
    /// references name as it goes ([`Document::resolve`]).
    ///
    /// # Errors
    /// When DynamoDB fails.
    async fn check<D: Document>(&self, doc: &mut D) -> Result<Vec<shared::FieldError>, DbError> {
        let found = self.store.lookup(&doc.refers_to()).await?;
        doc.resolve(&found);
        Ok(doc.missing(&found))
    }

    /// Refuses a document that may not be published (or stay published) as it is.
    ///
    /// # Errors
    /// 422 listing what is missing.
    async fn ensure_complete<D: Document>(&self, doc: &mut D) -> Result<(), ApiError> {
        let missing = self.check(doc).await?;
        if missing.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Invalid(missing))
        }
    }

    /// What publishing the document `reference` names would refuse, as `caller` (one who may
    /// edit it) finds it now.
    ///
    /// # Errors
    /// As [`Service::find_editable`].
    pub async fn readiness<D: Document>(
        &self,
        caller: &AuthUser,
        reference: &str,
    ) -> Result<Vec<shared::FieldError>, ApiError> {
        let mut doc: D = self
            .find_editable(reference, caller, &Precondition::Absent, false)
            .await?;
        Ok(self.check(&mut doc).await?)
    }

    /// Stores a new document.
    ///
    /// # Errors
    /// 409 when its slug is taken.
    pub async fn create<D: Document>(&self, doc: &D) -> Result<(), ApiError> {
        self.store
            .create(doc, &self.site)
            .await
            .map_err(|e| write_error::<D>(e, true))?;
        tracing::info!(kind = D::KIND.as_str(), id = %doc.id(), slug = %doc.slug(), "created");
        Ok(())
    }

    /// Applies `change` to the document `reference` names, as `caller`, if `precondition`
    /// holds; `change` edits it and says what happens to lessons with it (see
    /// [`Service::commit`]).
    ///
    /// # Errors
    /// As [`Service::find_editable`], whatever `change` refuses, and as [`Service::commit`].
    pub async fn edit<D: Document>(
        &self,
        caller: &AuthUser,
        reference: &str,
        precondition: &Precondition,
        required: bool,
        change: impl FnOnce(&mut D) -> Result<Vec<LessonChange>, ApiError>,
    ) -> Result<D, ApiError> {
        let before: D = self
            .find_editable(reference, caller, precondition, required)
            .await?;
        let mut after = before.clone();
        let lessons = change(&mut after)?;
        self.commit(&before, after, lessons, precondition).await
    }

    /// Stores `after` (a change of `before`, as read) with `lessons`, in one request
    /// conditioned on `before`'s version; a published document must stay complete. A change
    /// that changes nothing writes nothing.
    ///
    /// # Errors
    /// 422 when the change would leave a published document incomplete; 412 when the stored
    /// version moved on and `precondition` named the old one (409 when there was no
    /// `If-Match`); 409 when a new slug is taken.
    pub async fn commit<D: Document>(
        &self,
        before: &D,
        mut after: D,
        lessons: Vec<LessonChange>,
        precondition: &Precondition,
    ) -> Result<D, ApiError> {
        if after == *before && lessons.is_empty() {
            return Ok(after);
        }
        after.lifecycle_mut().touch(self.now());
        if after.lifecycle().is_published() {
            self.ensure_complete(&mut after).await?;
        }
        self.store
            .save(before, &after, &self.site, lessons)
            .await
            .map_err(|e| write_error::<D>(e, precondition.is_given()))?;
        Ok(after)
    }

    /// Publishes or archives the document `reference` names. Asking for the status it already
    /// has changes nothing.
    ///
    /// # Errors
    /// As [`Service::edit`]; publishing answers 422 listing what is missing.
    pub async fn move_to<D: Document>(
        &self,
        caller: &AuthUser,
        reference: &str,
        precondition: &Precondition,
        status: PublicationStatus,
    ) -> Result<D, ApiError> {
        let before: D = self
            .find_editable(reference, caller, precondition, false)
            .await?;
        if before.lifecycle().status == status {
            return Ok(before);
        }
        let mut after = before.clone();
        after.lifecycle_mut().move_to(status, self.now());
        if status == PublicationStatus::Published {
            self.ensure_complete(&mut after).await?;
        }
        self.store
            .save(&before, &after, &self.site, Vec::new())
            .await
            .map_err(|e| write_error::<D>(e, precondition.is_given()))?;
        tracing::info!(kind = D::KIND.as_str(), id = %after.id(), ?status, "moved");
        Ok(after)
    }

    /// One page of the published documents of `kind` in `facet`, newest first.
    ///
    /// # Errors
    /// 400 for a cursor of another listing; when DynamoDB fails.
    pub async fn list<D: Document>(
        &self,
        facet: &Facet,
        level: Option<Level>,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<D::Card>, ApiError> {
        Ok(self
            .store
            .list(D::KIND, facet, level, limit, cursor)
            .await?)
    }

    /// The page of `doc`, as `caller` sees it.
    ///
    /// # Errors
    /// When reading what the page shows fails.
    pub async fn page<D: Presented>(
        &self,
        doc: D,
        caller: Option<&AuthUser>,
    ) -> Result<D::View, ApiError> {
        Ok(doc.present(self, caller).await?)
    }

    /// One page of `desk`'s workspace, as `query` filters it.
    ///
    /// # Errors
    /// 400 for a cursor of another workspace; when DynamoDB fails.
    pub async fn workspace(
        &self,
        desk: Desk,
        query: &WorkspaceQuery,
        limit: i32,
    ) -> Result<Page<DeskEntry>, ApiError> {
        Ok(self
            .store
            .workspace(
                desk,
                query.kind,
                query.status,
                limit,
                query.cursor.as_deref(),
            )
            .await?)
    }

    /// Every tag a published course or article carries, with how many do, by name.
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn tags(&self) -> Result<Vec<TagCount>, ApiError> {
        let mut counts = self.store.tag_counts().await?;
        counts.retain(|t| t.courses > 0 || t.articles > 0);
        Ok(counts)
    }

    /// Every published document's card, of every kind (the sitemap's pages).
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn everything_published<C: serde::de::DeserializeOwned>(
        &self,
    ) -> Result<Vec<C>, ApiError> {
        Ok(self.store.sitemap().await?)
    }
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
