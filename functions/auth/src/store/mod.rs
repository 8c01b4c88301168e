//! The auth table, the only code that talks to DynamoDB (through one [`Table`]): storage
//! conditions become domain errors here, and an invariant that spans items is one transaction
//! with conditions, never a read followed by a write that trusts it.

mod accounts;
mod addresses;
mod credentials;
mod sessions;

use aws_sdk_dynamodb::Client;
use shared::clock::Timestamp;
use shared::config::TableName;
use shared::dynamo::{Cond, DbError, EXPIRES_AT, PK, Table, attr, n};
use shared::page::CursorKey;

pub use accounts::{AccountWriteError, CreateAccountError, LoginCopy, StoredUser};
pub use addresses::{AddressRecords, MailRequest, SkeletonClaim, freed};
pub use credentials::{EmailTokenRecord, PasswordWriteError};
pub use sessions::{LoginOutcome, LoginWriteError, NewSession, RefreshTokenRecord};

/// The auth table.
#[derive(Debug, Clone)]
pub struct Store {
    table: Table,
    /// Signs the account listing's cursors.
    cursors: CursorKey,
}

impl Store {
    pub fn new(db: Client, table: TableName, cursors: CursorKey) -> Self {
        Self {
            table: Table::new(db, table),
            cursors,
        }
    }
}

/// Why a single-use write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SpentError {
    /// The token was used, expired, or belongs to a state that has moved on.
    #[error("the token is spent")]
    Spent,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The TTL attribute of an item that expires at `at` (whole seconds, as DynamoDB's TTL reads
/// it).
fn ttl(at: Timestamp) -> i64 {
    at.unix_seconds()
}

/// The instant a TTL attribute stands for.
fn expiry(ttl: i64) -> Timestamp {
    Timestamp::from_unix_micros(ttl.saturating_mul(1_000_000))
}

/// The item is there and has not expired at `now`. DynamoDB deletes expired items lazily
/// (within days), so every read and condition checks the expiry itself.
fn unexpired(now: Timestamp) -> Cond {
    attr(PK).exists().and(attr(EXPIRES_AT).gt(n(ttl(now))))
}
