//! [`Write`]: one write, on its own or as a part of a transaction.

use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem, Update};

use super::expr::{Cond, Expr, attr};
use super::{DbError, Item, Key, PK};

/// One write: alone ([`Table::write`]) or in a transaction ([`Table::transact`]).
#[derive(Debug, Clone)]
pub enum Write {
    /// Replaces the whole item (its key attributes are in it).
    Put { item: Item, expr: Expr },
    /// Changes the item at `key` (creating it when there is none) as `expr` says.
    Update { key: Key, expr: Expr },
    /// Removes the item at `key`.
    Delete { key: Key, expr: Expr },
    /// Only checks a condition on the item at `key` (in a transaction).
    Check { key: Key, expr: Expr },
}

impl Write {
    pub fn put(item: Item) -> Self {
        Self::Put {
            item,
            expr: Expr::new(),
        }
    }

    /// A put that must not replace an item: the key is new.
    pub fn create(item: Item) -> Self {
        Self::put(item).when(attr(PK).absent())
    }

    pub fn update(key: Key, expr: Expr) -> Self {
        Self::Update { key, expr }
    }

    pub fn delete(key: Key) -> Self {
        Self::Delete {
            key,
            expr: Expr::new(),
        }
    }

    pub fn check(key: Key, cond: Cond) -> Self {
        Self::Check {
            key,
            expr: Expr::new().condition(cond),
        }
    }

    /// This write, only if `cond` holds too.
    #[must_use]
    pub fn when(self, cond: Cond) -> Self {
        match self {
            Self::Put { item, expr } => Self::Put {
                item,
                expr: expr.condition(cond),
            },
            Self::Update { key, expr } => Self::Update {
                key,
                expr: expr.condition(cond),
            },
            Self::Delete { key, expr } => Self::Delete {
                key,
                expr: expr.condition(cond),
            },
            Self::Check { key, expr } => Self::Check {
                key,
                expr: expr.condition(cond),
            },
        }
    }

    pub(super) fn into_transact_item(self, table: &str) -> Result<TransactWriteItem, DbError> {
        let item = TransactWriteItem::builder();
        Ok(match self {
            Self::Put { item: value, expr } => {
                let put = Put::builder().table_name(table).set_item(Some(value));
                item.put(
                    with_expressions!(put, expr.into_parts())
                        .build()
                        .map_err(DbError::building)?,
                )
            }
            Self::Update { key, expr } => {
                let mut parts = expr.into_parts();
                let update = Update::builder()
                    .table_name(table)
                    .set_key(Some(key.to_item()))
                    .set_update_expression(parts.update.take());
                item.update(
                    with_expressions!(update, parts)
                        .build()
                        .map_err(DbError::building)?,
                )
            }
            Self::Delete { key, expr } => {
                let delete = Delete::builder()
                    .table_name(table)
                    .set_key(Some(key.to_item()));
                item.delete(
                    with_expressions!(delete, expr.into_parts())
                        .build()
                        .map_err(DbError::building)?,
                )
            }
            Self::Check { key, expr } => {
                let check = ConditionCheck::builder()
                    .table_name(table)
                    .set_key(Some(key.to_item()));
                item.condition_check(
                    with_expressions!(check, expr.into_parts())
                        .build()
                        .map_err(DbError::building)?,
                )
            }
        }
        .build())
    }
}
