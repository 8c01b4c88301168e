//! What can go wrong talking to DynamoDB, in the terms a store decides on, and the translation
//! of the SDK's failures into it.

use std::time::Duration;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;

use crate::error::ApiError;

/// What went wrong talking to DynamoDB.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// Throttled, timed out, unreachable, DynamoDB's own 5xx, or out of time for this request:
    /// worth retrying later.
    #[error("DynamoDB is unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// A concurrent transaction touched the same item: the write was not applied and may be
    /// tried again at once ([`crate::dynamo::Table`] does, within the request's deadline).
    #[error("a concurrent transaction got in the way")]
    Conflict(#[source] anyhow::Error),
    /// The condition of a single-item write did not hold.
    #[error("a condition check failed")]
    ConditionFailed,
    /// A transaction was cancelled; `reasons[i]` is the code for write `i` (`None` when that
    /// write was fine), e.g. `ConditionalCheckFailed`.
    #[error("the transaction was cancelled: {reasons:?}")]
    TransactionCanceled { reasons: Vec<Option<String>> },
    /// Anything else: a bug, a missing table, a malformed item.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl DbError {
    /// Whether the transaction failed because of the condition of write `index`.
    pub fn failed_condition_at(&self, index: usize) -> bool {
        matches!(self, Self::TransactionCanceled { reasons }
            if reasons.get(index).and_then(Option::as_deref) == Some(CONDITION_FAILED))
    }

    /// Whether a single write's condition, or any condition of a transaction, failed.
    pub fn failed_any_condition(&self) -> bool {
        match self {
            Self::ConditionFailed => true,
            Self::TransactionCanceled { reasons } => {
                reasons.iter().flatten().any(|r| r == CONDITION_FAILED)
            }
            _ => false,
        }
    }

    /// A failure to build a request (a bug: a required field left out).
    pub(crate) fn building(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Other(anyhow::Error::new(err).context("building a DynamoDB request"))
    }
}

const CONDITION_FAILED: &str = "ConditionalCheckFailed";

/// Error codes that mean "try again later", not "your request is wrong".
const UNAVAILABLE_CODES: &[&str] = &[
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
];

/// Cancellation reasons of a transaction's writes that mean "try again later".
const TRANSIENT_REASONS: &[&str] = &[
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
                Self::Unavailable(anyhow::Error::new(err))
            }
            SdkError::ServiceError(service) => match service.err().code() {
                Some("ConditionalCheckFailedException") => Self::ConditionFailed,
                // A single-item write that met an item in the middle of a transaction.
                Some("TransactionConflictException") => Self::Conflict(anyhow::Error::new(err)),
                Some(code) if UNAVAILABLE_CODES.contains(&code) => {
                    Self::Unavailable(anyhow::Error::new(err))
                }
                _ => Self::Other(anyhow::Error::new(err)),
            },
            _ => Self::Other(anyhow::Error::new(err)),
        }
    }
}

/// Translates a `TransactWriteItems` failure, keeping the per-write cancellation reasons. A
/// transaction cancelled because a concurrent one touched its items is a [`DbError::Conflict`];
/// one cancelled only by throttling is [`DbError::Unavailable`].
pub(crate) fn transaction_error<R>(err: SdkError<TransactWriteItemsError, R>) -> DbError
where
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
        err.as_service_error()
    else {
        return DbError::from(err);
    };
    let reasons: Vec<Option<String>> = cancelled
        .cancellation_reasons()
        .iter()
        .map(|r| r.code().filter(|c| *c != "None").map(str::to_owned))
        .collect();
    let mut codes = reasons.iter().flatten();
    if codes.clone().any(|code| code == "TransactionConflict") {
        return DbError::Conflict(anyhow::Error::new(err));
    }
    if codes.next().is_some()
        && reasons
            .iter()
            .flatten()
            .all(|code| TRANSIENT_REASONS.contains(&code.as_str()))
    {
        return DbError::Unavailable(anyhow::Error::new(err));
    }
    DbError::TransactionCanceled { reasons }
}

impl From<DbError> for ApiError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::Unavailable(source) | DbError::Conflict(source) => ApiError::Unavailable {
                retry_after: Duration::from_secs(1),
                source,
            },
            other => ApiError::Unexpected(anyhow::Error::new(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancelled_transaction_names_the_failed_write() {
        let err = DbError::TransactionCanceled {
            reasons: vec![None, Some("ConditionalCheckFailed".into())],
        };
        assert!(!err.failed_condition_at(0));
        assert!(err.failed_condition_at(1));
        assert!(err.failed_any_condition());
        assert!(DbError::ConditionFailed.failed_any_condition());
    }

    #[test]
    fn unavailable_and_conflicts_become_503_and_anything_else_500() {
        let api: ApiError = DbError::Unavailable(anyhow::anyhow!("throttled")).into();
        assert_eq!(api.status(), 503);
        let api: ApiError = DbError::Conflict(anyhow::anyhow!("contended")).into();
        assert_eq!(api.status(), 503);
        let api: ApiError = DbError::ConditionFailed.into();
        assert_eq!(api.status(), 500);
    }
}
