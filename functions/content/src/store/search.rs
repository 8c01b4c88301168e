//! The search entries of published documents and their stamp (see [`crate::search`]).

use aws_sdk_dynamodb::types::AttributeValue;
use shared::dynamo::{DbError, PK, Query, SK, from_item};

use super::{Store, number};
use crate::keys;
use crate::search::engine::Entry;

impl Store {
    /// The search stamp: how many times the search entries have changed (0 before the first).
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn search_stamp(&self) -> Result<u64, DbError> {
        let item = self
            .table
            .get(&keys::search_stamp(), true, &["changes"])
            .await?;
        Ok(item.and_then(|item| number(&item, "changes")).unwrap_or(0))
    }

    /// Every search entry, strongly consistent (so at least as new as a stamp read before).
    ///
    /// # Errors
    /// When DynamoDB fails or an entry is malformed.
    pub async fn search_entries(&self) -> Result<Vec<Entry>, DbError> {
        let items = self
            .table
            .query_all(Query::partition(PK, keys::SEARCH).consistent())
            .await?;
        let stamp = keys::search_stamp().sk;
        items
            .into_iter()
            .filter(|item| !matches!(item.get(SK), Some(AttributeValue::S(sk)) if *sk == stamp))
            .map(|mut item| match item.remove("entry") {
                Some(AttributeValue::M(entry)) => from_item(entry),
                _ => Err(DbError::Other(anyhow::anyhow!(
                    "a search item has no entry"
                ))),
            })
            .collect()
    }
}
