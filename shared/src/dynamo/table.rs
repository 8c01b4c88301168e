//! [`Table`]: the one door to DynamoDB. Every request a store makes goes through one of its
//! methods, which build the request from an [`Expr`], translate failures into [`DbError`], and
//! try writes again (with jittered back-off, within the request's deadline) while a concurrent
//! transaction gets in their way.

use std::future::Future;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{KeysAndAttributes, ReturnValue};

use super::error::transaction_error;
use super::expr::{Cond, Expr};
use super::{DbError, Item, Key, Query, QueryPage, Write};
use crate::config::TableName;
use crate::deadline;

/// How many times, in all, a write is tried while concurrent transactions get in its way.
pub const CONFLICT_ATTEMPTS: u32 = 6;

/// DynamoDB's limit on the writes of one transaction.
pub const MAX_TRANSACTION_ITEMS: usize = 100;

/// DynamoDB's limit on the keys of one `BatchGetItem`.
pub const MAX_BATCH_KEYS: usize = 100;

/// How many times a batch read asks for the keys DynamoDB left unprocessed (it does so under
/// load) before giving up with [`DbError::Unavailable`].
const BATCH_ATTEMPTS: u32 = 5;

/// A table of one function's, or one it reads; see the module docs.
#[derive(Debug, Clone)]
pub struct Table {
    db: Client,
    name: TableName,
}

impl Table {
    pub fn new(db: Client, name: TableName) -> Self {
        Self { db, name }
    }

    pub fn name(&self) -> &str {
        self.name.as_str()
    }

    /// The item at `key` (strongly consistent when `consistent`), with only `attributes`
    /// (all of them when empty).
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn get(
        &self,
        key: &Key,
        consistent: bool,
        attributes: &[&str],
    ) -> Result<Option<Item>, DbError> {
        let p = Expr::new().project(attributes).into_parts();
        Ok(self
            .db
            .get_item()
            .table_name(self.name())
            .set_key(Some(key.to_item()))
            .consistent_read(consistent)
            .set_projection_expression(p.projection)
            .set_expression_attribute_names(p.names)
            .send()
            .await?
            .item)
    }

    /// One write on its own: a `PutItem`, `UpdateItem` or `DeleteItem`.
    ///
    /// # Errors
    /// [`DbError::ConditionFailed`] when its condition does not hold; when DynamoDB fails.
    pub async fn write(&self, write: Write) -> Result<(), DbError> {
        self.write_returning(write, false).await.map(drop)
    }

    /// An update on its own, answering the item as it is afterwards.
    ///
    /// # Errors
    /// As [`Table::write`].
    pub async fn update_returning(&self, key: Key, expr: Expr) -> Result<Option<Item>, DbError> {
        self.write_returning(Write::update(key, expr), true).await
    }

    async fn write_returning(
        &self,
        write: Write,
        returning: bool,
    ) -> Result<Option<Item>, DbError> {
        retry_conflicts(|| async {
            let write = write.clone();
            let table = self.name();
            let db = &self.db;
            Ok(match write {
                Write::Put { item, expr } => {
                    let put = db.put_item().table_name(table).set_item(Some(item));
                    with_expressions!(put, expr.into_parts()).send().await?;
                    None
                }
                Write::Update { key, expr } => {
                    let mut parts = expr.into_parts();
                    let update = db
                        .update_item()
                        .table_name(table)
                        .set_key(Some(key.to_item()))
                        .set_update_expression(parts.update.take())
                        .set_return_values(returning.then_some(ReturnValue::AllNew));
                    with_expressions!(update, parts).send().await?.attributes
                }
                Write::Delete { key, expr } => {
                    let delete = db
                        .delete_item()
                        .table_name(table)
                        .set_key(Some(key.to_item()));
                    with_expressions!(delete, expr.into_parts()).send().await?;
                    None
                }
                Write::Check { .. } => {
                    return Err(DbError::Other(anyhow::anyhow!(
                        "a condition check is only a part of a transaction"
                    )));
                }
            })
        })
        .await
    }

    /// Several writes in one `TransactWriteItems`: all or none. DynamoDB cancels a transaction
    /// that meets a concurrent one instead of queueing it; tried again, the write meets the
    /// other's outcome in its own conditions, so contention ends in the right domain answer (a
    /// taken email, a spent token, a counted completion) rather than a 503.
    ///
    /// # Errors
    /// [`DbError::TransactionCanceled`] with the per-write reasons; `Unavailable` when
    /// conflicts outlast the attempts or the deadline.
    pub async fn transact(&self, writes: Vec<Write>) -> Result<(), DbError> {
        if writes.len() > MAX_TRANSACTION_ITEMS {
            return Err(DbError::Other(anyhow::anyhow!(
                "a transaction of {} writes is over DynamoDB's limit of {MAX_TRANSACTION_ITEMS}",
                writes.len()
            )));
        }
        let items = writes
            .into_iter()
            .map(|w| w.into_transact_item(self.name()))
            .collect::<Result<Vec<_>, _>>()?;
        retry_conflicts(|| async {
            self.db
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .send()
                .await
                .map(drop)
                .map_err(transaction_error)
        })
        .await
    }

    /// One page of `query`.
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn query(&self, query: Query) -> Result<QueryPage, DbError> {
        let p = query.expr.into_parts();
        let output = self
            .db
            .query()
            .table_name(self.name())
            .set_index_name(query.index.map(str::to_owned))
            .set_key_condition_expression(p.key_condition)
            .set_filter_expression(p.filter)
            .set_projection_expression(p.projection)
            .set_expression_attribute_names(p.names)
            .set_expression_attribute_values(p.values)
            .scan_index_forward(!query.newest_first)
            .set_limit(query.limit)
            .set_exclusive_start_key(query.start)
            .consistent_read(query.consistent)
            .send()
            .await?;
        Ok(QueryPage {
            items: output.items.unwrap_or_default(),
            last_key: output.last_evaluated_key,
        })
    }

    /// One page of the whole table's items that `filter` keeps, from `start`, strongly
    /// consistent: a `Scan`. Only for an operator's command that must see every item once (a
    /// migration); a request reads by its keys, and the functions' roles grant no `Scan`.
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn scan_page(&self, filter: Cond, start: Option<Item>) -> Result<QueryPage, DbError> {
        let p = Expr::new().filter(filter).into_parts();
        let output = self
            .db
            .scan()
            .table_name(self.name())
            .set_filter_expression(p.filter)
            .set_expression_attribute_names(p.names)
            .set_expression_attribute_values(p.values)
            .set_exclusive_start_key(start)
            .consistent_read(true)
            .send()
            .await?;
        Ok(QueryPage {
            items: output.items.unwrap_or_default(),
            last_key: output.last_evaluated_key.filter(|key| !key.is_empty()),
        })
    }

    /// Every item `query` matches: all its pages. For partitions a request reads whole, which
    /// stay small by design (a course's counters, the tag counts, the sitemap's listings).
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn query_all(&self, query: Query) -> Result<Vec<Item>, DbError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self.query(query.clone().start(start)).await?;
            items.extend(page.items);
            match page.last_key {
                Some(last) => start = Some(last),
                None => return Ok(items),
            }
        }
    }

    /// The items at `keys` that exist, with only `attributes`, in any order: duplicate keys
    /// asked for once, `BatchGetItem`s of at most [`MAX_BATCH_KEYS`] keys, the keys DynamoDB
    /// leaves unprocessed asked for again after a back-off.
    ///
    /// # Errors
    /// When DynamoDB fails, or keeps leaving keys unprocessed.
    pub async fn batch_get(
        &self,
        keys: Vec<Key>,
        attributes: &[&str],
        consistent: bool,
    ) -> Result<Vec<Item>, DbError> {
        let p = Expr::new().project(attributes).into_parts();
        let mut unique: Vec<Key> = Vec::with_capacity(keys.len());
        for key in keys {
            if !unique.contains(&key) {
                unique.push(key);
            }
        }
        let mut found = Vec::new();
        for chunk in unique.chunks(MAX_BATCH_KEYS) {
            let mut pending: Vec<Item> = chunk.iter().map(Key::to_item).collect();
            let mut attempt = 1;
            loop {
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut pending)))
                    .set_projection_expression(p.projection.clone())
                    .set_expression_attribute_names(p.names.clone())
                    .consistent_read(consistent)
                    .build()
                    .map_err(DbError::building)?;
                let output = self
                    .db
                    .batch_get_item()
                    .request_items(self.name(), request)
                    .send()
                    .await?;
                found.extend(output.responses.unwrap_or_default().into_values().flatten());
                pending = output
                    .unprocessed_keys
                    .and_then(|mut tables| tables.remove(self.name()))
                    .map(|unprocessed| unprocessed.keys)
                    .unwrap_or_default();
                if pending.is_empty() {
                    break;
                }
                let wait = deadline::back_off(attempt);
                if attempt >= BATCH_ATTEMPTS || !deadline::allows(wait) {
                    return Err(DbError::Unavailable(anyhow::anyhow!(
                        "DynamoDB left {} keys of a batch read unprocessed {attempt} times",
                        pending.len()
                    )));
                }
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
        }
        Ok(found)
    }
}

/// Runs `attempt` again (up to [`CONFLICT_ATTEMPTS`] in all, with [`deadline::back_off`])
/// while it fails with [`DbError::Conflict`] and the request's deadline leaves time; a conflict
/// that outlasts them is [`DbError::Unavailable`].
///
/// # Errors
/// The last attempt's.
pub async fn retry_conflicts<T, F, Fut>(mut attempt: F) -> Result<T, DbError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, DbError>>,
{
    let mut tries = 1;
    loop {
        match attempt().await {
            Err(DbError::Conflict(source)) => {
                let wait = deadline::back_off(tries);
                if tries >= CONFLICT_ATTEMPTS || !deadline::allows(wait) {
                    tracing::warn!(tries, "conflicts outlasted the retries");
                    return Err(DbError::Unavailable(source));
                }
                tracing::debug!(
                    tries,
                    "a concurrent transaction got in the way; trying again"
                );
                tokio::time::sleep(wait).await;
                tries += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;

    use super::*;

    fn conflict() -> DbError {
        DbError::Conflict(anyhow::anyhow!("TransactionConflict"))
    }

    #[tokio::test(start_paused = true)]
    async fn a_conflict_is_tried_again_until_it_clears() {
        let tries = AtomicU32::new(0);
        let result = retry_conflicts(|| async {
            if tries.fetch_add(1, Ordering::SeqCst) < 2 {
                Err(conflict())
            } else {
                Ok("written")
            }
        })
        .await;
        assert_eq!(result.unwrap(), "written");
        assert_eq!(tries.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn endless_conflicts_end_as_unavailable_after_the_attempts() {
        let tries = AtomicU32::new(0);
        let result: Result<(), _> = retry_conflicts(|| async {
            tries.fetch_add(1, Ordering::SeqCst);
            Err(conflict())
        })
        .await;
        assert!(matches!(result, Err(DbError::Unavailable(_))), "{result:?}");
        assert_eq!(tries.load(Ordering::SeqCst), CONFLICT_ATTEMPTS);
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_stops_retries_early() {
        let tries = AtomicU32::new(0);
        let result: Result<(), _> = deadline::within(Duration::from_millis(850), async {
            retry_conflicts(|| async {
                tries.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
                Err(conflict())
            })
            .await
        })
        .await;
        assert!(matches!(result, Err(DbError::Unavailable(_))));
        assert_eq!(
            tries.load(Ordering::SeqCst),
            1,
            "no time for a second attempt"
        );
    }

    #[tokio::test]
    async fn other_failures_are_not_retried() {
        let tries = AtomicU32::new(0);
        let result: Result<(), _> = retry_conflicts(|| async {
            tries.fetch_add(1, Ordering::SeqCst);
            Err(DbError::ConditionFailed)
        })
        .await;
        assert!(matches!(result, Err(DbError::ConditionFailed)));
        assert_eq!(tries.load(Ordering::SeqCst), 1);
    }
}
