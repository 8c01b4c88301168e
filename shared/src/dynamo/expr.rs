//! The one way expressions are written here: an [`Expr`] collects the clauses of one request
//! (update actions, conditions, a key condition, a filter, a projection) and allocates the
//! `#n…` / `:v…` placeholders they use, so no attribute name is ever spliced into expression
//! text (several of ours — `status`, `position`, `name` — are DynamoDB reserved words) and no
//! placeholder is named or mapped by hand.
//!
//! ```
//! use shared::dynamo::{attr, n, s, Expr};
//! let expr = Expr::new()
//!     .set("status", s("active"))
//!     .add("active", n(1))
//!     .condition(attr("status").eq(s("unenrolled")));
//! let parts = expr.into_parts();
//! assert_eq!(parts.update.as_deref(), Some("SET #n0 = :v0 ADD #n1 :v1"));
//! assert_eq!(parts.condition.as_deref(), Some("#n0 = :v2"));
//! ```

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

/// An attribute (or a dotted path into a map attribute, such as `card.level`) that a
/// condition is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attr(String);

/// The attribute `path` names: `"status"`, or `"card.level"` for a field of a map.
pub fn attr(path: &str) -> Attr {
    Attr(path.to_owned())
}

/// A condition on an item, made from [`attr`] and combined with [`Cond::and`], [`Cond::or`]
/// and [`Cond::not`].
#[derive(Debug, Clone, PartialEq)]
pub struct Cond(Node);

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Exists(Attr),
    Absent(Attr),
    Compare(Attr, &'static str, AttributeValue),
    Contains(Attr, AttributeValue),
    BeginsWith(Attr, AttributeValue),
    Not(Box<Node>),
    All(Vec<Node>),
    Any(Vec<Node>),
}

impl Attr {
    /// The item has this attribute.
    pub fn exists(self) -> Cond {
        Cond(Node::Exists(self))
    }

    /// The item does not have this attribute (or there is no item).
    pub fn absent(self) -> Cond {
        Cond(Node::Absent(self))
    }

    pub fn eq(self, value: AttributeValue) -> Cond {
        Cond(Node::Compare(self, "=", value))
    }

    pub fn ne(self, value: AttributeValue) -> Cond {
        Cond(Node::Compare(self, "<>", value))
    }

    pub fn lt(self, value: AttributeValue) -> Cond {
        Cond(Node::Compare(self, "<", value))
    }

    pub fn le(self, value: AttributeValue) -> Cond {
        Cond(Node::Compare(self, "<=", value))
    }

    pub fn gt(self, value: AttributeValue) -> Cond {
        Cond(Node::Compare(self, ">", value))
    }

    pub fn ge(self, value: AttributeValue) -> Cond {
        Cond(Node::Compare(self, ">=", value))
    }

    /// A set (or list, or string) attribute contains `value`.
    pub fn contains(self, value: AttributeValue) -> Cond {
        Cond(Node::Contains(self, value))
    }

    /// A string attribute starts with `prefix` (also a sort-key condition).
    pub fn begins_with(self, prefix: AttributeValue) -> Cond {
        Cond(Node::BeginsWith(self, prefix))
    }
}

impl Cond {
    /// Both hold.
    #[must_use]
    pub fn and(self, other: Cond) -> Cond {
        Cond::all([self, other])
    }

    /// Either holds.
    #[must_use]
    pub fn or(self, other: Cond) -> Cond {
        Cond::any([self, other])
    }

    /// It does not hold.
    #[must_use]
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Cond {
        Cond(Node::Not(Box::new(self.0)))
    }

    /// Every one holds (true when there are none).
    pub fn all(conds: impl IntoIterator<Item = Cond>) -> Cond {
        Cond(Node::All(conds.into_iter().map(|c| c.0).collect()))
    }

    /// At least one holds (false when there are none).
    pub fn any(conds: impl IntoIterator<Item = Cond>) -> Cond {
        Cond(Node::Any(conds.into_iter().map(|c| c.0).collect()))
    }
}

/// The clauses of one request and their placeholders; see the module docs.
#[derive(Debug, Clone, Default)]
pub struct Expr {
    names: Vec<String>,
    values: Vec<AttributeValue>,
    set: Vec<String>,
    add: Vec<String>,
    remove: Vec<String>,
    delete: Vec<String>,
    conditions: Vec<String>,
    key: Vec<String>,
    filters: Vec<String>,
    projection: Vec<String>,
}

/// An [`Expr`] as a request takes it: each expression, and the placeholder maps they share.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExprParts {
    pub update: Option<String>,
    pub condition: Option<String>,
    pub key_condition: Option<String>,
    pub filter: Option<String>,
    pub projection: Option<String>,
    pub names: Option<HashMap<String, String>>,
    pub values: Option<HashMap<String, AttributeValue>>,
}

impl Expr {
    pub fn new() -> Self {
        Self::default()
    }

    /// The placeholder of `path`, each segment of a dotted path mapped on its own.
    fn name(&mut self, path: &str) -> String {
        path.split('.')
            .map(|segment| {
                let index = match self.names.iter().position(|n| n == segment) {
                    Some(index) => index,
                    None => {
                        self.names.push(segment.to_owned());
                        self.names.len() - 1
                    }
                };
                format!("#n{index}")
            })
            .collect::<Vec<_>>()
            .join(".")
    }

    fn value(&mut self, value: AttributeValue) -> String {
        self.values.push(value);
        format!(":v{}", self.values.len() - 1)
    }

    /// `SET attribute = value`.
    #[must_use]
    pub fn set(mut self, attribute: &str, value: AttributeValue) -> Self {
        let clause = format!("{} = {}", self.name(attribute), self.value(value));
        self.set.push(clause);
        self
    }

    /// `SET attribute = if_not_exists(attribute, value)`: sets it only the first time.
    #[must_use]
    pub fn set_once(mut self, attribute: &str, value: AttributeValue) -> Self {
        let name = self.name(attribute);
        let clause = format!("{name} = if_not_exists({name}, {})", self.value(value));
        self.set.push(clause);
        self
    }

    /// `ADD attribute value`: adds to a number (created at 0) or to a set.
    #[must_use]
    pub fn add(mut self, attribute: &str, value: AttributeValue) -> Self {
        let clause = format!("{} {}", self.name(attribute), self.value(value));
        self.add.push(clause);
        self
    }

    /// `REMOVE attribute`.
    #[must_use]
    pub fn remove(mut self, attribute: &str) -> Self {
        let clause = self.name(attribute);
        self.remove.push(clause);
        self
    }

    /// `DELETE attribute value`: takes the elements of `value` out of a set.
    #[must_use]
    pub fn delete(mut self, attribute: &str, value: AttributeValue) -> Self {
        let clause = format!("{} {}", self.name(attribute), self.value(value));
        self.delete.push(clause);
        self
    }

    /// A condition the write needs; all of them must hold.
    #[must_use]
    pub fn condition(mut self, cond: Cond) -> Self {
        let text = self.render(&cond.0);
        self.conditions.push(text);
        self
    }

    /// A query's key condition: the partition's `eq`, and a sort key's `begins_with` or
    /// comparison.
    #[must_use]
    pub fn key(mut self, cond: Cond) -> Self {
        let text = self.render(&cond.0);
        self.key.push(text);
        self
    }

    /// A query's filter: items that do not match are read but not returned.
    #[must_use]
    pub fn filter(mut self, cond: Cond) -> Self {
        let text = self.render(&cond.0);
        self.filters.push(text);
        self
    }

    /// Reads only these attributes.
    #[must_use]
    pub fn project(mut self, attributes: &[&str]) -> Self {
        for attribute in attributes {
            let name = self.name(attribute);
            self.projection.push(name);
        }
        self
    }

    fn render(&mut self, node: &Node) -> String {
        match node {
            Node::Exists(a) => format!("attribute_exists({})", self.name(&a.0)),
            Node::Absent(a) => format!("attribute_not_exists({})", self.name(&a.0)),
            Node::Compare(a, op, v) => {
                let name = self.name(&a.0);
                format!("{name} {op} {}", self.value(v.clone()))
            }
            Node::Contains(a, v) => {
                let name = self.name(&a.0);
                format!("contains({name}, {})", self.value(v.clone()))
            }
            Node::BeginsWith(a, v) => {
                let name = self.name(&a.0);
                format!("begins_with({name}, {})", self.value(v.clone()))
            }
            Node::Not(inner) => format!("NOT ({})", self.render(inner)),
            Node::All(nodes) => self.join(nodes, " AND ", "attribute_not_exists(#nothing)"),
            Node::Any(nodes) => self.join(nodes, " OR ", "attribute_exists(#nothing)"),
        }
    }

    /// `nodes` joined by `op`, each in parentheses; `empty` stands for none (rendered as a
    /// condition on an attribute no item has, so `all([])` holds and `any([])` does not).
    fn join(&mut self, nodes: &[Node], op: &str, empty: &str) -> String {
        if nodes.is_empty() {
            let name = self.name("__none__");
            return empty.replace("#nothing", &name);
        }
        if let [only] = nodes {
            return self.render(only);
        }
        nodes
            .iter()
            .map(|node| format!("({})", self.render(node)))
            .collect::<Vec<_>>()
            .join(op)
    }

    /// Whether it has update actions.
    pub fn has_update(&self) -> bool {
        !(self.set.is_empty()
            && self.add.is_empty()
            && self.remove.is_empty()
            && self.delete.is_empty())
    }

    /// The expressions and placeholder maps, each `None` when empty.
    pub fn into_parts(self) -> ExprParts {
        let update = [
            ("SET", &self.set),
            ("ADD", &self.add),
            ("REMOVE", &self.remove),
            ("DELETE", &self.delete),
        ]
        .into_iter()
        .filter(|(_, clauses)| !clauses.is_empty())
        .map(|(action, clauses)| format!("{action} {}", clauses.join(", ")))
        .collect::<Vec<_>>()
        .join(" ");
        let and = |clauses: &[String]| match clauses {
            [] => None,
            [one] => Some(one.clone()),
            many => Some(
                many.iter()
                    .map(|c| format!("({c})"))
                    .collect::<Vec<_>>()
                    .join(" AND "),
            ),
        };
        ExprParts {
            update: (!update.is_empty()).then_some(update),
            condition: and(&self.conditions),
            key_condition: (!self.key.is_empty()).then(|| self.key.join(" AND ")),
            filter: and(&self.filters),
            projection: (!self.projection.is_empty()).then(|| self.projection.join(", ")),
            names: (!self.names.is_empty()).then(|| {
                self.names
                    .into_iter()
                    .enumerate()
                    .map(|(i, name)| (format!("#n{i}"), name))
                    .collect()
            }),
            values: (!self.values.is_empty()).then(|| {
                self.values
                    .into_iter()
                    .enumerate()
                    .map(|(i, value)| (format!(":v{i}"), value))
                    .collect()
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamo::{n, s};

    #[test]
    fn update_actions_are_grouped_and_every_placeholder_is_mapped() {
        let parts = Expr::new()
            .set("status", s("active"))
            .add("active", n(1))
            .set_once("started_at", s("t"))
            .remove("unenrolled_at")
            .delete("completed_lessons", AttributeValue::Ss(vec!["l".into()]))
            .into_parts();
        assert_eq!(
            parts.update.as_deref(),
            Some(
                "SET #n0 = :v0, #n2 = if_not_exists(#n2, :v2) ADD #n1 :v1 REMOVE #n3 \
                 DELETE #n4 :v3"
            )
        );
        let names = parts.names.unwrap();
        assert_eq!(names["#n0"], "status");
        assert_eq!(names["#n4"], "completed_lessons");
        assert_eq!(names.len(), 5);
        assert_eq!(parts.values.unwrap().len(), 4);
        assert_eq!(parts.condition, None);
    }

    #[test]
    fn conditions_nest_and_reuse_the_placeholder_of_an_attribute() {
        let parts = Expr::new()
            .condition(attr("pk").absent().or(attr("id").eq(s("x"))))
            .condition(attr("lessons").contains(s("a")).not())
            .into_parts();
        assert_eq!(
            parts.condition.as_deref(),
            Some("((attribute_not_exists(#n0)) OR (#n1 = :v0)) AND (NOT (contains(#n2, :v1)))")
        );
        assert_eq!(parts.update, None);
    }

    #[test]
    fn a_dotted_path_maps_each_segment() {
        let parts = Expr::new()
            .key(attr("gsi1pk").eq(s("COURSES")))
            .filter(attr("card.level").eq(s("beginner")))
            .project(&["card"])
            .into_parts();
        assert_eq!(parts.key_condition.as_deref(), Some("#n0 = :v0"));
        assert_eq!(parts.filter.as_deref(), Some("#n1.#n2 = :v1"));
        assert_eq!(parts.projection.as_deref(), Some("#n1"));
        assert_eq!(parts.names.unwrap()["#n2"], "level");
    }

    #[test]
    fn an_empty_all_holds_and_an_empty_any_does_not() {
        let all = Expr::new().condition(Cond::all([])).into_parts();
        assert_eq!(all.condition.as_deref(), Some("attribute_not_exists(#n0)"));
        let any = Expr::new().condition(Cond::any([])).into_parts();
        assert_eq!(any.condition.as_deref(), Some("attribute_exists(#n0)"));
    }
}
