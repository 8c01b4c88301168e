//! The progress table: the only code that talks to DynamoDB about enrollments, completions,
//! certificates and counters (see [`crate::keys`] for the items and their keys).
//!
//! Every write that moves a counter is one transaction with the write that moves it, and every
//! such transaction is conditioned on the enrollment being in the state the write was planned
//! on; so a repeated or racing request cannot move a counter twice, and a condition that no
//! longer holds comes back as [`WriteError::Stale`] for the caller to read again and re-plan.
//! Conflicts with concurrent transactions are tried again by [`Table`] itself.

mod certificates;
mod completions;
mod counters;
mod enrollments;
mod projects;

pub use completions::Completion;
pub use counters::{CourseCounters, review_wait_counter};
pub use projects::Reviewed;

use serde::de::DeserializeOwned;
use shared::dynamo::{DbError, ENTITY, GSI1, GSI1_PK, GSI1_SK, Item, Key, PK, Query, SK, Table, s};
use shared::page::{CursorKey, ListError, Listing, Page, read_items};

use crate::keys::{GSI2, GSI2_PK, GSI2_SK, GSI3, GSI3_PK, GSI3_SK};

/// Why a write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The record is no longer in the state the write was planned on (another request got
    /// there first, or it never was): read it again and decide anew.
    #[error("the record changed since it was read")]
    Stale,
    #[error(transparent)]
    Db(DbError),
}

// Every write here is conditioned on the state it was planned on, so a failed condition always
// means that state is gone.
impl From<DbError> for WriteError {
    fn from(err: DbError) -> Self {
        if err.failed_any_condition() {
            Self::Stale
        } else {
            Self::Db(err)
        }
    }
}

/// The progress table.
#[derive(Debug, Clone)]
pub struct ProgressStore {
    table: Table,
    /// Signs the listings' cursors.
    cursors: CursorKey,
}

/// Where a listing reads: the table, or a global secondary index, and its key attributes.
#[derive(Debug, Clone, Copy)]
struct Index {
    name: Option<&'static str>,
    pk: &'static str,
    sk: &'static str,
}

/// The table itself: a learner's notifications.
const TABLE: Index = Index {
    name: None,
    pk: PK,
    sk: SK,
};

/// `gsi1`: a learner's active enrollments, certificates, attempts of a project.
const BY_LEARNER: Index = Index {
    name: Some(GSI1),
    pk: GSI1_PK,
    sk: GSI1_SK,
};

/// `gsi2`: a course's learners, a course's review queue.
const BY_COURSE: Index = Index {
    name: Some(GSI2),
    pk: GSI2_PK,
    sk: GSI2_SK,
};

/// `gsi3`: a project's review queue.
const BY_PROJECT: Index = Index {
    name: Some(GSI3),
    pk: GSI3_PK,
    sk: GSI3_SK,
};

/// The order of a listing's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    NewestFirst,
    OldestFirst,
}

impl ProgressStore {
    /// The store over the progress table `table`, its cursors signed with `cursors`.
    pub fn new(table: Table, cursors: CursorKey) -> Self {
        Self { table, cursors }
    }

    /// One page of `partition` of `index`, newest first.
    async fn newest_first<T: DeserializeOwned>(
        &self,
        index: Index,
        partition: &str,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<T>, ListError> {
        self.list(index, partition, None, Order::NewestFirst, limit, cursor)
            .await
    }

    /// One page of `partition` of `index` (its sort keys starting with `prefix`, if given),
    /// in `order`.
    async fn list<T: DeserializeOwned>(
        &self,
        index: Index,
        partition: &str,
        prefix: Option<&str>,
        order: Order,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<T>, ListError> {
        let mut query = Query::partition(index.pk, partition).limit(limit);
        if let Some(name) = index.name {
            query = query.on(name);
        }
        if let Some(prefix) = prefix {
            query = query.sort_begins_with(index.sk, prefix);
        }
        if order == Order::NewestFirst {
            query = query.newest_first();
        }
        let indexed = [PK, SK, index.pk, index.sk];
        let listing = Listing {
            key_attributes: if index.name.is_some() {
                &indexed
            } else {
                &indexed[..2]
            },
            partition: &[(index.pk, partition)],
        };
        read_items(&self.table, &self.cursors, query, listing, cursor).await
    }
}

/// `item` with its key, entity and index attributes.
fn keyed<const N: usize>(
    mut item: Item,
    key: Key,
    entity: &str,
    indexes: [(&str, String); N],
) -> Item {
    item.insert(PK.into(), s(key.pk));
    item.insert(SK.into(), s(key.sk));
    item.insert(ENTITY.into(), s(entity));
    for (name, value) in indexes {
        item.insert(name.to_owned(), s(value));
    }
    item
}
