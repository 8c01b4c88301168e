//! [`Query`]: one query of a partition, and the page it reads.

use super::expr::{Cond, Expr, attr};
use super::{Item, s};

/// One `Query`: a partition (of the table or an index), optionally a sort-key prefix, a
/// filter and a projection, read a page at a time.
#[derive(Debug, Clone)]
pub struct Query {
    pub(super) index: Option<&'static str>,
    pub(super) expr: Expr,
    pub(super) newest_first: bool,
    pub(super) limit: Option<i32>,
    pub(super) start: Option<Item>,
    pub(super) consistent: bool,
}

impl Query {
    /// The items whose partition attribute `attribute` is `value`.
    pub fn partition(attribute: &str, value: impl Into<String>) -> Self {
        Self {
            index: None,
            expr: Expr::new().key(attr(attribute).eq(s(value))),
            newest_first: false,
            limit: None,
            start: None,
            consistent: false,
        }
    }

    /// Reads the global secondary index `index` instead of the table.
    #[must_use]
    pub fn on(mut self, index: &'static str) -> Self {
        self.index = Some(index);
        self
    }

    /// Only the items whose sort attribute `attribute` starts with `prefix`.
    #[must_use]
    pub fn sort_begins_with(mut self, attribute: &str, prefix: impl Into<String>) -> Self {
        self.expr = self.expr.key(attr(attribute).begins_with(s(prefix)));
        self
    }

    /// Descending sort-key order.
    #[must_use]
    pub fn newest_first(mut self) -> Self {
        self.newest_first = true;
        self
    }

    /// At most `limit` items read (before the filter).
    #[must_use]
    pub fn limit(mut self, limit: i32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Starts after `start`, a page's `last_key`.
    #[must_use]
    pub fn start(mut self, start: Option<Item>) -> Self {
        self.start = start;
        self
    }

    #[must_use]
    pub fn filter(mut self, cond: Cond) -> Self {
        self.expr = self.expr.filter(cond);
        self
    }

    #[must_use]
    pub fn project(mut self, attributes: &[&str]) -> Self {
        self.expr = self.expr.project(attributes);
        self
    }

    /// A strongly consistent read (tables only, not indexes).
    #[must_use]
    pub fn consistent(mut self) -> Self {
        self.consistent = true;
        self
    }
}

/// A page of a query: its items, and where the next page starts (`None` on the last).
#[derive(Debug, Clone, Default)]
pub struct QueryPage {
    pub items: Vec<Item>,
    pub last_key: Option<Item>,
}
