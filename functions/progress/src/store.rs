//! The progress table: the only code that talks to DynamoDB about enrolments, counters and
//! certificates (see [`crate::keys`] for the items and their keys).
//!
//! Every write that moves a counter is one transaction with the write that moves it, and every
//! such transaction is conditioned on the enrolment being in the state the write was planned
//! on; so a repeated or racing request cannot move a counter twice, and a condition that no
//! longer holds comes back as [`WriteError::Stale`] for the caller to read again and re-plan.
//! Writes cancelled by a conflicting transaction (DynamoDB does this under contention) are
//! retried, a few times, with jittered back-off (`shared::dynamo::transact`).

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem, Update};
use serde::Deserialize;
use shared::catalog::{CourseId, LessonId};
use shared::config::TableName;
use shared::dynamo::{
    CONFLICT_ATTEMPTS, DbError, ENTITY, GSI1, GSI1_PK, GSI1_SK, Item, Key, PK, SK,
    conflict_back_off, from_item, from_items, query_partition, to_item,
};
use shared::enrollment::EnrollmentStatus;
use shared::identity::UserId;
use shared::page::{Listing, Page, decode_cursor, encode_cursor};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::certificate::{Certificate, CertificateId};
use crate::enrollment::{Enrollment, Position};
use crate::keys::{self, GSI2, GSI2_PK, GSI2_SK, entity};

/// Why a write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The record is no longer in the state the write was planned on (another request got
    /// there first, or it never was): read it again and decide anew.
    #[error("the record changed since it was read")]
    Stale,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A course's counters, as the stats show them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CourseCounters {
    /// Learners who ever enrolled.
    pub enrolled: i64,
    /// Learners enrolled now.
    pub active: i64,
    /// Learners who completed the course (and got its certificate).
    pub completed: i64,
    /// Learners who have each lesson completed now.
    pub lesson_completions: HashMap<LessonId, i64>,
}

/// A completion to record: a lesson, a certificate, or both.
#[derive(Debug, Clone)]
pub struct Completion<'a> {
    pub learner: UserId,
    pub course: CourseId,
    pub learner_name: &'a str,
    pub at: OffsetDateTime,
    /// The lesson completed; `None` when only the certificate is due.
    pub lesson: Option<LessonId>,
    /// Lessons the plan saw missing besides `lesson`. When it issues no certificate, the write
    /// holds only if one of these is still missing: so a completion planned as "not the last"
    /// cannot, because of a racing request, turn out to have been the last one and leave the
    /// course complete without a certificate.
    pub still_missing: &'a [LessonId],
    /// The certificate to issue with it, when this completes the course.
    pub certificate: Option<&'a Certificate>,
}

/// The progress table.
#[derive(Debug, Clone)]
pub struct ProgressStore {
    db: Client,
    table: TableName,
}

fn text(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn number(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn timestamp(at: OffsetDateTime) -> AttributeValue {
    text(at.format(&Rfc3339).unwrap_or_default())
}

/// One `Update` of a transaction (or an `UpdateItem`), written clause by clause. Every
/// attribute is written `#name` and mapped to `name` (several of ours, such as `status` and
/// `position`, are DynamoDB reserved words).
#[derive(Debug)]
struct Change {
    key: Key,
    set: Vec<String>,
    add: Vec<String>,
    remove: Vec<String>,
    delete: Vec<String>,
    conditions: Vec<String>,
    values: HashMap<String, AttributeValue>,
}

impl Change {
    fn new(key: Key) -> Self {
        Self {
            key,
            set: Vec::new(),
            add: Vec::new(),
            remove: Vec::new(),
            delete: Vec::new(),
            conditions: Vec::new(),
            values: HashMap::new(),
        }
    }

    fn set(mut self, clause: impl Into<String>) -> Self {
        self.set.push(clause.into());
        self
    }

    fn add(mut self, clause: impl Into<String>) -> Self {
        self.add.push(clause.into());
        self
    }

    fn remove(mut self, clause: impl Into<String>) -> Self {
        self.remove.push(clause.into());
        self
    }

    fn delete(mut self, clause: impl Into<String>) -> Self {
        self.delete.push(clause.into());
        self
    }

    /// Adds a condition; all conditions must hold.
    fn condition(mut self, clause: impl Into<String>) -> Self {
        self.conditions.push(format!("({})", clause.into()));
        self
    }

    fn value(mut self, placeholder: &str, value: AttributeValue) -> Self {
        self.values.insert(placeholder.to_owned(), value);
        self
    }

    fn update_expression(&self) -> String {
        [
            ("SET", &self.set),
            ("ADD", &self.add),
            ("REMOVE", &self.remove),
            ("DELETE", &self.delete),
        ]
        .into_iter()
        .filter(|(_, clauses)| !clauses.is_empty())
        .map(|(action, clauses)| format!("{action} {}", clauses.join(", ")))
        .collect::<Vec<_>>()
        .join(" ")
    }

    fn condition_expression(&self) -> Option<String> {
        (!self.conditions.is_empty()).then(|| self.conditions.join(" AND "))
    }

    /// `#name` → `name` for every `#name` the expressions use.
    fn names(&self) -> HashMap<String, String> {
        let update = self.update_expression();
        let condition = self.condition_expression().unwrap_or_default();
        attribute_names(&[&update, &condition])
    }

    fn into_transact(self, table: &TableName) -> Result<TransactWriteItem, DbError> {
        let update = Update::builder()
            .table_name(table.as_str())
            .set_key(Some(self.key.to_item()))
            .update_expression(self.update_expression())
            .set_condition_expression(self.condition_expression())
            .set_expression_attribute_names(Some(self.names()))
            .set_expression_attribute_values((!self.values.is_empty()).then_some(self.values))
            .build()
            .map_err(|e| DbError::Other(e.into()))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }
}

/// `#name` → `name` for every `#name` in `expressions`.
fn attribute_names(expressions: &[&str]) -> HashMap<String, String> {
    let mut names = HashMap::new();
    for expression in expressions {
        let mut rest = *expression;
        while let Some(start) = rest.find('#') {
            let tail = &rest[start + 1..];
            let end = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(tail.len());
            names.insert(format!("#{}", &tail[..end]), tail[..end].to_owned());
            rest = &tail[end..];
        }
    }
    names
}

fn put(table: &TableName, item: Item, condition: &str) -> Result<TransactWriteItem, DbError> {
    let put = Put::builder()
        .table_name(table.as_str())
        .set_item(Some(item))
        .condition_expression(condition)
        .set_expression_attribute_names(Some(attribute_names(&[condition])))
        .build()
        .map_err(|e| DbError::Other(e.into()))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// `item` with its key, entity and index attributes.
fn with_keys(mut item: Item, key: &Key, kind: &str, indexes: &[(&str, String)]) -> Item {
    item.insert(PK.into(), text(&key.pk));
    item.insert(SK.into(), text(&key.sk));
    item.insert(ENTITY.into(), text(kind));
    for (name, value) in indexes {
        item.insert((*name).to_owned(), text(value));
    }
    item
}

/// The counters' item, as stored.
#[derive(Debug, Deserialize)]
struct CountersItem {
    sk: String,
    #[serde(default)]
    enrolled: i64,
    #[serde(default)]
    active: i64,
    #[serde(default)]
    completed: i64,
    lesson_id: Option<LessonId>,
    #[serde(default)]
    completions: i64,
}

impl ProgressStore {
    pub fn new(db: Client, table: TableName) -> Self {
        Self { db, table }
    }

    /// Runs a transaction (retried while concurrent transactions get in its way); a failed
    /// condition means the plan was made on a state that has changed since.
    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<(), WriteError> {
        shared::dynamo::transact(&self.db, items)
            .await
            .map_err(|err| {
                if err.failed_any_condition() {
                    WriteError::Stale
                } else {
                    WriteError::Db(err)
                }
            })
    }

    /// A learner's enrolment in a course (strongly consistent: it is read to plan a write).
    ///
    /// # Errors
    /// When DynamoDB fails or the item is malformed.
    pub async fn enrollment(
        &self,
        learner: UserId,
        course: CourseId,
    ) -> Result<Option<Enrollment>, DbError> {
        let output = self
            .db
            .get_item()
            .table_name(self.table.as_str())
            .set_key(Some(keys::enrollment_key(learner, course).to_item()))
            .consistent_read(true)
            .send()
            .await?;
        output.item.map(from_item).transpose()
    }

    /// Records a first enrolment and counts it.
    ///
    /// # Errors
    /// [`WriteError::Stale`] when the learner already has an enrolment in the course.
    pub async fn enroll(&self, enrollment: &Enrollment) -> Result<(), WriteError> {
        let (learner, course) = (enrollment.learner_id, enrollment.course_id);
        let key = keys::enrollment_key(learner, course);
        let item = with_keys(
            to_item(enrollment)?,
            &key,
            entity::ENROLLMENT,
            &[
                (GSI1_PK, keys::active_enrollments_partition(learner)),
                (
                    GSI1_SK,
                    keys::active_enrollment_sort(enrollment.enrolled_at, course),
                ),
                (GSI2_PK, keys::course_learners_partition(course)),
                (
                    GSI2_SK,
                    keys::course_learner_sort(enrollment.enrolled_at, learner),
                ),
            ],
        );
        let counters = self
            .counters(course)
            .add("#enrolled :one, #active :one")
            .value(":one", number(1));
        self.transact(vec![
            put(&self.table, item, "attribute_not_exists(#pk)")?,
            counters.into_transact(&self.table)?,
        ])
        .await
    }

    /// Makes an unenrolled learner's enrolment active again, history intact.
    ///
    /// # Errors
    /// [`WriteError::Stale`] when the enrolment is not unenrolled.
    pub async fn reenroll(
        &self,
        enrollment: &Enrollment,
        learner_name: &str,
        at: OffsetDateTime,
    ) -> Result<(), WriteError> {
        let (learner, course) = (enrollment.learner_id, enrollment.course_id);
        let record = Change::new(keys::enrollment_key(learner, course))
            .set("#status = :active, #learner_name = :name, #last_activity_at = :at")
            .set("#gsi1pk = :gsi1pk, #gsi1sk = :gsi1sk")
            .remove("#unenrolled_at")
            .condition("#status = :unenrolled")
            .value(":active", status(EnrollmentStatus::Active))
            .value(":unenrolled", status(EnrollmentStatus::Unenrolled))
            .value(":name", text(learner_name))
            .value(":at", timestamp(at))
            .value(":gsi1pk", text(keys::active_enrollments_partition(learner)))
            .value(
                ":gsi1sk",
                text(keys::active_enrollment_sort(enrollment.enrolled_at, course)),
            );
        let counters = self
            .counters(course)
            .add("#active :one")
            .value(":one", number(1));
        self.transact(vec![
            record.into_transact(&self.table)?,
            counters.into_transact(&self.table)?,
        ])
        .await
    }

    /// Unenrols a learner: the record stays, marked unenrolled, and leaves the learner's list.
    ///
    /// # Errors
    /// [`WriteError::Stale`] when there is no active enrolment.
    pub async fn unenroll(
        &self,
        learner: UserId,
        course: CourseId,
        at: OffsetDateTime,
    ) -> Result<(), WriteError> {
        let record = Change::new(keys::enrollment_key(learner, course))
            .set("#status = :unenrolled, #unenrolled_at = :at")
            .remove("#gsi1pk, #gsi1sk")
            .condition("#status = :active")
            .value(":active", status(EnrollmentStatus::Active))
            .value(":unenrolled", status(EnrollmentStatus::Unenrolled))
            .value(":at", timestamp(at));
        let counters = self
            .counters(course)
            .add("#active :minus_one")
            .value(":minus_one", number(-1));
        self.transact(vec![
            record.into_transact(&self.table)?,
            counters.into_transact(&self.table)?,
        ])
        .await
    }

    /// Records a lesson completion and/or issues the course's certificate, with their counters.
    ///
    /// # Errors
    /// [`WriteError::Stale`] when the enrolment is not active, already has the lesson (or the
    /// certificate), or a racing completion made the plan wrong (see
    /// [`Completion::still_missing`]).
    pub async fn complete(&self, completion: &Completion<'_>) -> Result<(), WriteError> {
        let Completion {
            learner,
            course,
            learner_name,
            at,
            lesson,
            still_missing,
            certificate,
        } = *completion;
        let mut record = Change::new(keys::enrollment_key(learner, course))
            .set("#last_activity_at = :at, #learner_name = :name")
            .set("#started_at = if_not_exists(#started_at, :at)")
            .condition("#status = :active")
            .value(":active", status(EnrollmentStatus::Active))
            .value(":at", timestamp(at))
            .value(":name", text(learner_name));
        let mut items = Vec::new();
        if let Some(lesson) = lesson {
            record = record
                .add("#completed_lessons :lessons")
                .condition("NOT contains(#completed_lessons, :lesson)")
                .value(":lessons", AttributeValue::Ss(vec![lesson.to_string()]))
                .value(":lesson", text(lesson.to_string()));
            items.push(
                self.lesson_counter(course, lesson)
                    .add("#completions :one")
                    .value(":one", number(1)),
            );
        }
        let mut puts = Vec::new();
        if let Some(certificate) = certificate {
            record = record
                .set("#certificate_id = :certificate, #completed_at = :at")
                .condition("attribute_not_exists(#certificate_id)")
                .value(":certificate", text(certificate.id.as_str()));
            puts.push(self.certificate_item(certificate)?);
            items.push(
                self.counters(course)
                    .add("#completed :one")
                    .value(":one", number(1)),
            );
        } else if !still_missing.is_empty() {
            let any_missing = (0..still_missing.len())
                .map(|i| format!("NOT contains(#completed_lessons, :missing{i})"))
                .collect::<Vec<_>>()
                .join(" OR ");
            record = record.condition(any_missing);
            for (i, missing) in still_missing.iter().enumerate() {
                record = record.value(&format!(":missing{i}"), text(missing.to_string()));
            }
        }
        let mut transaction = vec![record.into_transact(&self.table)?];
        for change in items {
            transaction.push(change.into_transact(&self.table)?);
        }
        transaction.extend(puts);
        self.transact(transaction).await
    }

    /// Takes back a lesson completion, with its counter.
    ///
    /// # Errors
    /// [`WriteError::Stale`] when the enrolment is not active or does not have the lesson.
    pub async fn uncomplete(
        &self,
        learner: UserId,
        course: CourseId,
        lesson: LessonId,
        learner_name: &str,
        at: OffsetDateTime,
    ) -> Result<(), WriteError> {
        let record = Change::new(keys::enrollment_key(learner, course))
            .set("#last_activity_at = :at, #learner_name = :name")
            .delete("#completed_lessons :lessons")
            .condition("#status = :active")
            .condition("contains(#completed_lessons, :lesson)")
            .value(":active", status(EnrollmentStatus::Active))
            .value(":at", timestamp(at))
            .value(":name", text(learner_name))
            .value(":lessons", AttributeValue::Ss(vec![lesson.to_string()]))
            .value(":lesson", text(lesson.to_string()));
        let counter = self
            .lesson_counter(course, lesson)
            .add("#completions :minus_one")
            .value(":minus_one", number(-1));
        self.transact(vec![
            record.into_transact(&self.table)?,
            counter.into_transact(&self.table)?,
        ])
        .await
    }

    /// Records where the learner stopped. One `UpdateItem`: no counter moves.
    ///
    /// # Errors
    /// [`WriteError::Stale`] when the learner has no active enrolment.
    pub async fn set_position(
        &self,
        learner: UserId,
        course: CourseId,
        position: &Position,
        learner_name: &str,
    ) -> Result<(), WriteError> {
        let record = Change::new(keys::enrollment_key(learner, course))
            .set("#position = :position, #last_activity_at = :at, #learner_name = :name")
            .set("#started_at = if_not_exists(#started_at, :at)")
            .condition("#status = :active")
            .value(":active", status(EnrollmentStatus::Active))
            .value(":position", AttributeValue::M(to_item(position)?))
            .value(":at", timestamp(position.updated_at))
            .value(":name", text(learner_name));
        let mut attempt = 0;
        loop {
            let result = self
                .db
                .update_item()
                .table_name(self.table.as_str())
                .set_key(Some(record.key.to_item()))
                .update_expression(record.update_expression())
                .set_condition_expression(record.condition_expression())
                .set_expression_attribute_names(Some(record.names()))
                .set_expression_attribute_values(Some(record.values.clone()))
                .send()
                .await;
            let Err(err) = result else {
                return Ok(());
            };
            attempt += 1;
            // A single write that meets an ongoing transaction on the same item is refused
            // with this code; it is safe to repeat.
            if err.code() == Some("TransactionConflictException") && attempt < CONFLICT_ATTEMPTS {
                conflict_back_off(attempt).await;
                continue;
            }
            return Err(match DbError::from(err) {
                DbError::ConditionFailed => WriteError::Stale,
                other => WriteError::Db(other),
            });
        }
    }

    /// A learner's active enrolments, most recently enrolled first.
    ///
    /// # Errors
    /// 400 for a cursor of another listing; DynamoDB failures.
    pub async fn active_enrollments(
        &self,
        learner: UserId,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Enrollment>, shared::ApiError> {
        let partition = keys::active_enrollments_partition(learner);
        self.query_index(GSI1, GSI1_PK, GSI1_SK, &partition, limit, cursor)
            .await
    }

    /// A course's learners (active and unenrolled), most recently enrolled first.
    ///
    /// # Errors
    /// 400 for a cursor of another listing; DynamoDB failures.
    pub async fn course_learners(
        &self,
        course: CourseId,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Enrollment>, shared::ApiError> {
        let partition = keys::course_learners_partition(course);
        self.query_index(GSI2, GSI2_PK, GSI2_SK, &partition, limit, cursor)
            .await
    }

    /// A learner's certificates, most recent first.
    ///
    /// # Errors
    /// 400 for a cursor of another listing; DynamoDB failures.
    pub async fn learner_certificates(
        &self,
        learner: UserId,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Certificate>, shared::ApiError> {
        let partition = keys::learner_certificates_partition(learner);
        self.query_index(GSI1, GSI1_PK, GSI1_SK, &partition, limit, cursor)
            .await
    }

    /// One page of `partition` in an index, newest first.
    async fn query_index<T: serde::de::DeserializeOwned>(
        &self,
        index: &str,
        partition_attribute: &str,
        sort_attribute: &str,
        partition: &str,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<T>, shared::ApiError> {
        let start = cursor
            .map(|cursor| {
                decode_cursor(
                    cursor,
                    Listing {
                        key_attributes: &[PK, SK, partition_attribute, sort_attribute],
                        partition: &[(partition_attribute, partition)],
                    },
                )
            })
            .transpose()?;
        let output = self
            .db
            .query()
            .table_name(self.table.as_str())
            .index_name(index)
            .key_condition_expression("#partition = :partition")
            .expression_attribute_names("#partition", partition_attribute)
            .expression_attribute_values(":partition", text(partition))
            .scan_index_forward(false)
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(DbError::from)?;
        Ok(Page {
            next_cursor: encode_cursor(output.last_evaluated_key.as_ref()),
            items: from_items(output.items.unwrap_or_default())?,
        })
    }

    /// A certificate by id.
    ///
    /// # Errors
    /// When DynamoDB fails or the item is malformed.
    pub async fn certificate(&self, id: &CertificateId) -> Result<Option<Certificate>, DbError> {
        let output = self
            .db
            .get_item()
            .table_name(self.table.as_str())
            .set_key(Some(keys::certificate_key(id).to_item()))
            .send()
            .await?;
        output.item.map(from_item).transpose()
    }

    /// Revokes a certificate (again, harmlessly, if it already is) and returns it as it is now;
    /// `None` when there is no such certificate.
    ///
    /// # Errors
    /// When DynamoDB fails or the item is malformed.
    pub async fn revoke(
        &self,
        id: &CertificateId,
        at: OffsetDateTime,
    ) -> Result<Option<Certificate>, DbError> {
        let change = Change::new(keys::certificate_key(id))
            .set("#status = :revoked, #revoked_at = if_not_exists(#revoked_at, :at)")
            .condition("attribute_exists(#pk)")
            .value(":revoked", text("revoked"))
            .value(":at", timestamp(at));
        let result = self
            .db
            .update_item()
            .table_name(self.table.as_str())
            .set_key(Some(change.key.to_item()))
            .update_expression(change.update_expression())
            .set_condition_expression(change.condition_expression())
            .set_expression_attribute_names(Some(change.names()))
            .set_expression_attribute_values(Some(change.values))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match result.map_err(DbError::from) {
            Ok(output) => output.attributes.map(from_item).transpose(),
            Err(DbError::ConditionFailed) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// A course's counters and per-lesson completions: one `Query` of the course's partition.
    ///
    /// # Errors
    /// When DynamoDB fails or an item is malformed.
    pub async fn course_counters(&self, course: CourseId) -> Result<CourseCounters, DbError> {
        let partition = keys::course_partition(course);
        let items = query_partition(&self.db, self.table.as_str(), &partition).await?;
        let mut counters = CourseCounters::default();
        for item in from_items::<CountersItem>(items)? {
            match item.lesson_id {
                Some(lesson) if item.sk.starts_with(keys::LESSON_PREFIX) => {
                    counters.lesson_completions.insert(lesson, item.completions);
                }
                _ => {
                    counters.enrolled = item.enrolled;
                    counters.active = item.active;
                    counters.completed = item.completed;
                }
            }
        }
        Ok(counters)
    }

    /// The update of a course's counters item (created by its first update).
    fn counters(&self, course: CourseId) -> Change {
        Change::new(keys::course_stats_key(course))
            .set("#entity = :stats_entity, #course_id = :course")
            .value(":stats_entity", text(entity::COURSE_STATS))
            .value(":course", text(course.to_string()))
    }

    /// The update of a lesson's completion counter (created by its first update).
    fn lesson_counter(&self, course: CourseId, lesson: LessonId) -> Change {
        Change::new(keys::lesson_completions_key(course, lesson))
            .set("#entity = :counter_entity, #course_id = :course, #lesson_id = :counter_lesson")
            .value(":counter_entity", text(entity::LESSON_COMPLETIONS))
            .value(":course", text(course.to_string()))
            .value(":counter_lesson", text(lesson.to_string()))
    }

    /// A new certificate's item; the id must be new.
    fn certificate_item(&self, certificate: &Certificate) -> Result<TransactWriteItem, DbError> {
        let key = keys::certificate_key(&certificate.id);
        let item = with_keys(
            to_item(certificate)?,
            &key,
            entity::CERTIFICATE,
            &[
                (
                    GSI1_PK,
                    keys::learner_certificates_partition(certificate.learner_id),
                ),
                (
                    GSI1_SK,
                    keys::learner_certificate_sort(certificate.issued_at, &certificate.id),
                ),
            ],
        );
        put(&self.table, item, "attribute_not_exists(#pk)")
    }
}

fn status(status: EnrollmentStatus) -> AttributeValue {
    text(match status {
        EnrollmentStatus::Active => "active",
        EnrollmentStatus::Unenrolled => "unenrolled",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hashed_name_in_an_expression_is_mapped() {
        let names = attribute_names(&[
            "SET #status = :a, #last_activity_at = if_not_exists(#last_activity_at, :b)",
            "(NOT contains(#completed_lessons, :l)) AND (#status = :s)",
        ]);
        let mut keys: Vec<_> = names.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["#completed_lessons", "#last_activity_at", "#status"]);
        assert_eq!(names["#status"], "status");
    }

    #[test]
    fn an_update_expression_groups_its_clauses_by_action() {
        let change = Change::new(Key::new("p", "s"))
            .set("#a = :a")
            .add("#n :one")
            .set("#b = :b")
            .remove("#c")
            .condition("#a <> :a")
            .condition("attribute_exists(#pk)");
        assert_eq!(
            change.update_expression(),
            "SET #a = :a, #b = :b ADD #n :one REMOVE #c"
        );
        assert_eq!(
            change.condition_expression().as_deref(),
            Some("(#a <> :a) AND (attribute_exists(#pk))")
        );
    }
}
