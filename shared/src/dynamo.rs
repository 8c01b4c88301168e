//! DynamoDB: the client every function builds once per cold start, the attribute names every
//! single-table design here uses, item mapping, and the translation of SDK failures into
//! [`DbError`] (and from there into 503 or 500).

use std::collections::HashMap;
use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::config::{ConfigError, Env};
use crate::error::ApiError;

/// The SDK behaviour this code was written and tested against; pinned so an SDK upgrade never
/// changes retry or timeout defaults silently.
pub const BEHAVIOR_VERSION: fn() -> BehaviorVersion = BehaviorVersion::v2026_01_12;

/// A DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

/// Partition key attribute of every table.
pub const PK: &str = "pk";
/// Sort key attribute of every table.
pub const SK: &str = "sk";
/// The first global secondary index of every table, and its key attributes.
pub const GSI1: &str = "gsi1";
pub const GSI1_PK: &str = "gsi1pk";
pub const GSI1_SK: &str = "gsi1sk";
/// The attribute naming what kind of entity an item is.
pub const ENTITY: &str = "entity";
/// The TTL attribute (epoch seconds) of items that expire: sessions, tokens, counters.
pub const EXPIRES_AT: &str = "expires_at";

/// The primary key of an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
        }
    }

    /// The key as the attribute map `GetItem`, `DeleteItem` and friends take.
    pub fn to_item(&self) -> Item {
        HashMap::from([
            (PK.to_owned(), AttributeValue::S(self.pk.clone())),
            (SK.to_owned(), AttributeValue::S(self.sk.clone())),
        ])
    }
}

/// How the DynamoDB client connects, times out and retries.
///
/// The defaults keep a whole call (every attempt and back-off) under three seconds, well inside
/// the functions' timeouts, so a slow or unreachable DynamoDB becomes a 503 the client can
/// retry rather than a Lambda timeout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamoSettings {
    /// `DYNAMODB_ENDPOINT`: an endpoint override (the local emulator); unset in AWS.
    pub endpoint: Option<String>,
    /// `DYNAMODB_CONNECT_TIMEOUT_MS` (default 500).
    pub connect_timeout: Duration,
    /// `DYNAMODB_ATTEMPT_TIMEOUT_MS` (default 800): one HTTP attempt.
    pub attempt_timeout: Duration,
    /// `DYNAMODB_OPERATION_TIMEOUT_MS` (default 2500): all attempts of one call.
    pub operation_timeout: Duration,
    /// `DYNAMODB_MAX_ATTEMPTS` (default 3).
    pub max_attempts: u32,
}

impl Default for DynamoSettings {
    fn default() -> Self {
        Self {
            endpoint: None,
            connect_timeout: Duration::from_millis(500),
            attempt_timeout: Duration::from_millis(800),
            operation_timeout: Duration::from_millis(2500),
            max_attempts: 3,
        }
    }
}

impl DynamoSettings {
    /// # Errors
    /// When a variable is malformed, or the endpoint is not an http(s) URL.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let defaults = Self::default();
        let endpoint = env.optional("DYNAMODB_ENDPOINT").map(str::to_owned);
        if let Some(url) = &endpoint
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::malformed(
                "DYNAMODB_ENDPOINT",
                format!("{url:?} is not an http(s) URL"),
            ));
        }
        let max_attempts = env.parsed_or("DYNAMODB_MAX_ATTEMPTS", defaults.max_attempts)?;
        if max_attempts == 0 {
            return Err(ConfigError::malformed(
                "DYNAMODB_MAX_ATTEMPTS",
                "must be at least 1",
            ));
        }
        Ok(Self {
            endpoint,
            connect_timeout: env
                .millis_or("DYNAMODB_CONNECT_TIMEOUT_MS", defaults.connect_timeout)?,
            attempt_timeout: env
                .millis_or("DYNAMODB_ATTEMPT_TIMEOUT_MS", defaults.attempt_timeout)?,
            operation_timeout: env
                .millis_or("DYNAMODB_OPERATION_TIMEOUT_MS", defaults.operation_timeout)?,
            max_attempts,
        })
    }
}

/// Loads the AWS SDK configuration (region, credentials) once per cold start.
pub async fn load_aws_config() -> SdkConfig {
    aws_config::defaults(BEHAVIOR_VERSION()).load().await
}

/// The DynamoDB client, with the timeouts, retries and endpoint of `settings`.
pub fn client(sdk: &SdkConfig, settings: &DynamoSettings) -> Client {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(settings.connect_timeout)
        .operation_attempt_timeout(settings.attempt_timeout)
        .operation_timeout(settings.operation_timeout)
        .build();
    let retries = RetryConfig::standard()
        .with_max_attempts(settings.max_attempts)
        .with_initial_backoff(Duration::from_millis(50))
        .with_max_backoff(Duration::from_millis(500));
    let mut builder = aws_sdk_dynamodb::config::Builder::from(sdk)
        .timeout_config(timeouts)
        .retry_config(retries);
    if let Some(endpoint) = &settings.endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    Client::from_conf(builder.build())
}

/// What went wrong talking to DynamoDB, in the terms a store decides on.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// Throttled, timed out, unreachable, or DynamoDB's own 5xx: worth retrying later.
    #[error("DynamoDB is unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// A `ConditionExpression` of a single-item write did not hold.
    #[error("a condition check failed")]
    ConditionFailed,
    /// A transaction was cancelled; `reasons[i]` is the code for item `i` (`None` when that
    /// item was fine), e.g. `ConditionalCheckFailed`.
    #[error("the transaction was cancelled: {reasons:?}")]
    TransactionCanceled { reasons: Vec<Option<String>> },
    /// Anything else: a bug, a missing table, a malformed item.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl DbError {
    /// Whether the transaction failed because of the condition on item `index`.
    pub fn failed_condition_at(&self, index: usize) -> bool {
        matches!(self, Self::TransactionCanceled { reasons }
            if reasons.get(index).and_then(Option::as_deref) == Some("ConditionalCheckFailed"))
    }

    /// Whether any item of a cancelled transaction failed its condition.
    pub fn failed_any_condition(&self) -> bool {
        matches!(self, Self::TransactionCanceled { reasons }
            if reasons.iter().flatten().any(|r| r == "ConditionalCheckFailed"))
    }
}

const UNAVAILABLE_CODES: &[&str] = &[
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    // A single-item write that met an item in the middle of a transaction: transient.
    "TransactionConflictException",
];

/// Codes of a cancelled transaction's items that mean "try again", not "your data is wrong".
const TRANSIENT_REASONS: &[&str] = &[
    "TransactionConflict",
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
    "RequestLimitExceeded",
];

impl<E, R> From<SdkError<E, R>> for DbError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    fn from(err: SdkError<E, R>) -> Self {
        match &err {
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => {
                return Self::Unavailable(anyhow::Error::new(err));
            }
            SdkError::ServiceError(service) => match service.err().code() {
                Some("ConditionalCheckFailedException") => return Self::ConditionFailed,
                Some(code) if UNAVAILABLE_CODES.contains(&code) => {
                    return Self::Unavailable(anyhow::Error::new(err));
                }
                _ => {}
            },
            _ => {}
        }
        Self::Other(anyhow::Error::new(err))
    }
}

/// Translates a `TransactWriteItems` failure, keeping the per-item cancellation reasons.
/// A transaction cancelled only by conflicts or throttling is [`DbError::Unavailable`].
pub fn transaction_error<R>(err: SdkError<TransactWriteItemsError, R>) -> DbError
where
    R: std::fmt::Debug + Send + Sync + 'static,
{
    if let SdkError::ServiceError(service) = &err
        && let TransactWriteItemsError::TransactionCanceledException(cancelled) = service.err()
    {
        let reasons: Vec<Option<String>> = cancelled
            .cancellation_reasons()
            .iter()
            .map(|r| r.code().filter(|c| *c != "None").map(str::to_owned))
            .collect();
        let transient = reasons.iter().flatten().next().is_some()
            && reasons
                .iter()
                .flatten()
                .all(|code| TRANSIENT_REASONS.contains(&code.as_str()));
        if transient {
            return DbError::Unavailable(anyhow::Error::new(err));
        }
        return DbError::TransactionCanceled { reasons };
    }
    DbError::from(err)
}

/// Every item of the partition `pk` of `table`: all pages of one `Query`. For the partitions a
/// request reads whole, which stay small by design (a course's counters, the tag counts).
///
/// # Errors
/// When DynamoDB fails.
pub async fn query_partition(db: &Client, table: &str, pk: &str) -> Result<Vec<Item>, DbError> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let output = db
            .query()
            .table_name(table)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":pk", AttributeValue::S(pk.to_owned()))
            .set_exclusive_start_key(start)
            .send()
            .await?;
        items.extend(output.items.unwrap_or_default());
        start = output.last_evaluated_key;
        if start.is_none() {
            return Ok(items);
        }
    }
}

/// DynamoDB's limit on the keys of one `BatchGetItem`.
pub const MAX_BATCH_KEYS: usize = 100;

/// How many times a batch read asks again for the keys DynamoDB left unprocessed (it does so
/// under load) before giving up with [`DbError::Unavailable`].
const BATCH_ATTEMPTS: u64 = 5;

/// The items at `keys` in `table` that exist, with only the `attributes` named, in any order:
/// duplicate keys are asked for once, `BatchGetItem`s of at most [`MAX_BATCH_KEYS`] keys, the
/// keys DynamoDB leaves unprocessed asked for again after a back-off.
///
/// # Errors
/// When DynamoDB fails, or keeps leaving keys unprocessed.
pub async fn batch_get(
    db: &Client,
    table: &str,
    keys: Vec<Key>,
    attributes: &[&str],
    consistent: bool,
) -> Result<Vec<Item>, DbError> {
    let names: HashMap<String, String> = attributes
        .iter()
        .enumerate()
        .map(|(i, name)| (format!("#a{i}"), (*name).to_owned()))
        .collect();
    let projection = (0..attributes.len())
        .map(|i| format!("#a{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut unique: Vec<Key> = Vec::with_capacity(keys.len());
    for key in keys {
        if !unique.contains(&key) {
            unique.push(key);
        }
    }
    let mut found = Vec::new();
    for chunk in unique.chunks(MAX_BATCH_KEYS) {
        let mut pending: Vec<Item> = chunk.iter().map(Key::to_item).collect();
        for attempt in 0..BATCH_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(25 << attempt)).await;
            }
            let request = aws_sdk_dynamodb::types::KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut pending)))
                .projection_expression(projection.clone())
                .set_expression_attribute_names(Some(names.clone()))
                .consistent_read(consistent)
                .build()
                .map_err(|e| DbError::Other(anyhow::Error::new(e)))?;
            let output = db
                .batch_get_item()
                .request_items(table, request)
                .send()
                .await?;
            found.extend(output.responses.unwrap_or_default().into_values().flatten());
            pending = output
                .unprocessed_keys
                .and_then(|mut tables| tables.remove(table))
                .map(|unprocessed| unprocessed.keys)
                .unwrap_or_default();
            if pending.is_empty() {
                break;
            }
        }
        if !pending.is_empty() {
            return Err(DbError::Unavailable(anyhow::anyhow!(
                "DynamoDB left {} keys of a batch read unprocessed {BATCH_ATTEMPTS} times",
                pending.len()
            )));
        }
    }
    Ok(found)
}

/// DynamoDB's limit on the items of one transaction.
pub const MAX_TRANSACTION_ITEMS: usize = 100;

/// How many times, in all, a write is tried when concurrent transactions got in its way.
pub const CONFLICT_ATTEMPTS: u32 = 6;

/// Waits before the next attempt of a write that met a conflict: a random time below
/// 20 ms · 2^`attempt` ("full jitter"), so racing writers spread out instead of colliding again.
pub async fn conflict_back_off(attempt: u32) {
    let ceiling = 20_000u64 << attempt.min(6);
    let mut random = [0u8; 8];
    let micros = match aws_lc_rs::rand::fill(&mut random) {
        Ok(()) => u64::from_le_bytes(random) % ceiling,
        Err(_) => ceiling / 2,
    };
    tokio::time::sleep(Duration::from_micros(micros)).await;
}

/// Runs a `TransactWriteItems`, trying it again (up to [`CONFLICT_ATTEMPTS`] in all, with
/// [`conflict_back_off`]) while it is cancelled because a concurrent transaction touched the same
/// items. DynamoDB cancels such transactions instead of queueing them; retried, the write meets
/// the other's outcome in its own conditions, so contention ends in the right domain answer (a
/// taken email, a spent token, a counted completion) rather than a 503.
///
/// # Errors
/// As [`transaction_error`]: per-item cancellation reasons, or `Unavailable` when conflicts
/// outlast the attempts.
pub async fn transact(db: &Client, items: Vec<TransactWriteItem>) -> Result<(), DbError> {
    if items.len() > MAX_TRANSACTION_ITEMS {
        return Err(DbError::Other(anyhow::anyhow!(
            "a transaction of {} items is over DynamoDB's limit of {MAX_TRANSACTION_ITEMS}",
            items.len()
        )));
    }
    let mut attempt = 1;
    loop {
        let result = db
            .transact_write_items()
            .set_transact_items(Some(items.clone()))
            .send()
            .await;
        match result {
            Ok(_) => return Ok(()),
            Err(err) if attempt < CONFLICT_ATTEMPTS && cancelled_by_conflict(&err) => {
                tracing::debug!(attempt, "transaction conflict; trying again");
                conflict_back_off(attempt).await;
                attempt += 1;
            }
            Err(err) => return Err(transaction_error(err)),
        }
    }
}

fn cancelled_by_conflict<R>(err: &SdkError<TransactWriteItemsError, R>) -> bool {
    matches!(
        err.as_service_error(),
        Some(TransactWriteItemsError::TransactionCanceledException(cancelled))
            if cancelled
                .cancellation_reasons()
                .iter()
                .any(|reason| reason.code() == Some("TransactionConflict"))
    )
}

impl From<DbError> for ApiError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::Unavailable(source) => ApiError::Unavailable {
                retry_after: Duration::from_secs(1),
                source,
            },
            other => ApiError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

/// Serialises a value into an item.
///
/// # Errors
/// [`DbError::Other`] when the value has no DynamoDB representation (a bug).
pub fn to_item<T: Serialize>(value: &T) -> Result<Item, DbError> {
    serde_dynamo::to_item(value)
        .map_err(|e| DbError::Other(anyhow::Error::new(e).context("serialising an item")))
}

/// Reads an item into a value.
///
/// # Errors
/// [`DbError::Other`] when the item does not have the expected shape.
pub fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, DbError> {
    serde_dynamo::from_item(item)
        .map_err(|e| DbError::Other(anyhow::Error::new(e).context("reading an item")))
}

/// Reads a list of items, as a `Query` returns them.
///
/// # Errors
/// [`DbError::Other`] when an item does not have the expected shape.
pub fn from_items<T: DeserializeOwned>(items: Vec<Item>) -> Result<Vec<T>, DbError> {
    items.into_iter().map(from_item).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_default_to_a_budget_that_fits_a_lambda_timeout() {
        let settings = DynamoSettings::from_env(&Env::default()).unwrap();
        assert_eq!(settings, DynamoSettings::default());
        assert!(settings.attempt_timeout < settings.operation_timeout);
        assert!(settings.operation_timeout <= Duration::from_secs(3));
    }

    #[test]
    fn an_endpoint_that_is_not_a_url_is_refused_by_name() {
        let env = Env::from_pairs([("DYNAMODB_ENDPOINT", "localhost:8000")]);
        let err = DynamoSettings::from_env(&env).unwrap_err();
        assert!(err.to_string().contains("DYNAMODB_ENDPOINT"), "{err}");
    }

    #[test]
    fn settings_are_read_from_the_environment() {
        let env = Env::from_pairs([
            ("DYNAMODB_ENDPOINT", "http://127.0.0.1:8000"),
            ("DYNAMODB_OPERATION_TIMEOUT_MS", "1500"),
            ("DYNAMODB_MAX_ATTEMPTS", "2"),
        ]);
        let settings = DynamoSettings::from_env(&env).unwrap();
        assert_eq!(settings.endpoint.as_deref(), Some("http://127.0.0.1:8000"));
        assert_eq!(settings.operation_timeout, Duration::from_millis(1500));
        assert_eq!(settings.max_attempts, 2);
    }

    #[test]
    fn a_cancelled_transaction_names_the_failed_item() {
        let err = DbError::TransactionCanceled {
            reasons: vec![None, Some("ConditionalCheckFailed".into())],
        };
        assert!(!err.failed_condition_at(0));
        assert!(err.failed_condition_at(1));
        assert!(err.failed_any_condition());
    }

    #[test]
    fn unavailable_becomes_503_and_anything_else_500() {
        let api: ApiError = DbError::Unavailable(anyhow::anyhow!("throttled")).into();
        assert_eq!(api.status(), 503);
        let api: ApiError = DbError::ConditionFailed.into();
        assert_eq!(api.status(), 500);
    }

    #[test]
    fn a_key_becomes_the_two_key_attributes() {
        let item = Key::new("USER#1", "PROFILE").to_item();
        assert_eq!(item.len(), 2);
        assert_eq!(item["pk"], AttributeValue::S("USER#1".into()));
    }
}
