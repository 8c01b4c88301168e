//! Attempts, a learner's projects, notifications and portfolios: handing in, withdrawing,
//! claiming and reviewing — each one write, conditioned on the state it was planned on — and
//! the listings of a learner's attempts, the review queues and a learner's notifications.

use shared::catalog::{CourseId, LessonId};
use shared::clock::Timestamp;
use shared::dynamo::{
    Cond, DbError, Expr, GSI1_PK, GSI1_SK, Item, PK, Query, Write, attr, from_item, from_items, n,
    s, to_item, ts,
};
use shared::identity::UserId;
use shared::page::{ListError, Page};

use super::completions::Completion;
use super::counters::{self, WAITING};
use super::enrollments::is_active;
use super::{BY_COURSE, BY_LEARNER, BY_PROJECT, Order, ProgressStore, TABLE, WriteError, keyed};
use crate::keys::{self, GSI2_PK, GSI2_SK, GSI3_PK, GSI3_SK, entity};
use crate::project::{
    Approval, Attempt, AttemptId, Claim, LearnerProject, Notification, NotificationId, Portfolio,
    PortfolioId, Review,
};

/// The index attributes that keep a waiting attempt in the review queues.
const QUEUED: [&str; 4] = [GSI2_PK, GSI2_SK, GSI3_PK, GSI3_SK];

/// The attempt is waiting for review.
fn is_waiting() -> Cond {
    attr("status").eq(s("waiting"))
}

/// A value as the map attribute DynamoDB keeps it as.
fn map<T: serde::Serialize>(value: &T) -> Result<aws_sdk_dynamodb::types::AttributeValue, DbError> {
    Ok(aws_sdk_dynamodb::types::AttributeValue::M(to_item(value)?))
}

/// An approval or a request for changes, as one transaction.
#[derive(Debug)]
pub struct Reviewed<'a> {
    /// The attempt as it was read (its version is the one `If-Match` named).
    pub attempt: &'a Attempt,
    pub review: &'a Review,
    /// The review-wait counter this review moves.
    pub wait_counter: &'static str,
    /// For an approval: the project's entry of the learner's portfolio …
    pub approval: Option<&'a Approval>,
    /// … and the lesson's completion (with the certificate when it completes the course).
    pub completion: Option<Completion<'a>>,
    /// What the learner is told: `reviewed`, and `certificate issued` with a certificate.
    pub notifications: &'a [Notification],
}

impl ProgressStore {
    /// An attempt by id (strongly consistent: it is read to plan a write).
    ///
    /// # Errors
    /// When DynamoDB fails or the item is malformed.
    pub async fn attempt(&self, id: AttemptId) -> Result<Option<Attempt>, DbError> {
        read(self.table.get(&keys::attempt_key(id), true, &[]).await?)
    }

    /// A learner's record of a project (strongly consistent).
    ///
    /// # Errors
    /// When DynamoDB fails or the item is malformed.
    pub async fn learner_project(
        &self,
        learner: UserId,
        lesson: LessonId,
    ) -> Result<Option<LearnerProject>, DbError> {
        let key = keys::learner_project_key(learner, lesson);
        read(self.table.get(&key, true, &[]).await?)
    }

    /// Stores a new attempt, waiting for review, with the learner's record of the project and
    /// the course's waiting counter.
    ///
    /// # Errors
    /// [`WriteError::Stale`] when the learner is no longer enrolled, or another attempt was
    /// handed in since their record of the project was read with `seen` attempts (and, the
    /// caller checked, none waiting and no approval: both need a hand-in first).
    pub async fn hand_in(&self, attempt: &Attempt, seen: u32) -> Result<(), WriteError> {
        let queued = keys::queue_sort(attempt.submitted_at, attempt.id);
        let item = keyed(
            to_item(attempt)?,
            keys::attempt_key(attempt.id),
            entity::ATTEMPT,
            [
                (
                    GSI1_PK,
                    keys::learner_attempts_partition(attempt.learner_id, attempt.lesson_id),
                ),
                (GSI1_SK, keys::learner_attempt_sort(attempt.number)),
                (GSI2_PK, keys::course_queue_partition(attempt.course_id)),
                (GSI2_SK, queued.clone()),
                (GSI3_PK, keys::project_queue_partition(attempt.lesson_id)),
                (GSI3_SK, queued),
            ],
        );
        let as_read = if seen == 0 {
            attr("attempts").absent()
        } else {
            attr("attempts").eq(n(seen))
        };
        let project = Expr::new()
            .set(shared::dynamo::ENTITY, s(entity::LEARNER_PROJECT))
            .set("learner_id", s(attempt.learner_id.to_string()))
            .set("course_id", s(attempt.course_id.to_string()))
            .set("lesson_id", s(attempt.lesson_id.to_string()))
            .set("attempts", n(attempt.number))
            .set("waiting", s(attempt.id.to_string()))
            .condition(as_read);
        let enrollment = keys::enrollment_key(attempt.learner_id, attempt.course_id);
        self.table
            .transact(vec![
                Write::create(item),
                Write::update(
                    keys::learner_project_key(attempt.learner_id, attempt.lesson_id),
                    project,
                ),
                Write::check(enrollment, is_active()),
                counters::count(attempt.course_id, attempt.learner_id, &[(WAITING, 1)]),
            ])
            .await?;
        Ok(())
    }

    /// Withdraws a waiting attempt at `at`.
    ///
    /// # Errors
    /// [`WriteError::Stale`] when it is no longer waiting.
    pub async fn withdraw(&self, attempt: &Attempt, at: Timestamp) -> Result<(), WriteError> {
        let mut expr = Expr::new()
            .set("status", s("withdrawn"))
            .set("withdrawn_at", ts(at))
            .add("version", n(1))
            .remove("claim")
            .condition(is_waiting());
        for attribute in QUEUED {
            expr = expr.remove(attribute);
        }
        self.table
            .transact(vec![
                Write::update(keys::attempt_key(attempt.id), expr),
                leave_waiting(attempt, None)?,
                counters::count(attempt.course_id, attempt.learner_id, &[(WAITING, -1)]),
            ])
            .await?;
        Ok(())
    }

    /// Claims a waiting attempt for `claim`'s reviewer, unless another reviewer's claim still
    /// holds at `now`; answers the attempt as it is now.
    ///
    /// # Errors
    /// [`WriteError::Stale`] when the attempt is not waiting or someone else holds it.
    pub async fn claim(
        &self,
        attempt: AttemptId,
        claim: &Claim,
        now: Timestamp,
    ) -> Result<Attempt, WriteError> {
        let free = Cond::any([
            attr("claim").absent(),
            attr("claim.expires_at").le(ts(now)),
            attr("claim.reviewer_id").eq(s(claim.reviewer_id.to_string())),
        ]);
        let expr = Expr::new()
            .set("claim", map(claim)?)
            .add("version", n(1))
            .condition(is_waiting())
            .condition(free);
        let item = self
            .table
            .update_returning(keys::attempt_key(attempt), expr)
            .await?;
        read(item)?.ok_or(WriteError::Stale)
    }

    /// Records a review, in one transaction with everything that moves with it. It holds while
    /// the attempt is at the version it was read at (the one `If-Match` named), the version the
    /// caller checked it against (waiting, claimed by the reviewer): every change of an attempt
    /// (a claim, a withdrawal, a review) moves its version.
    ///
    /// # Errors
    /// [`WriteError::Stale`] when the attempt changed since it was read (another review, a
    /// withdrawal, a claim), or the learner's enrollment is not as the completion was planned
    /// on.
    pub async fn review(&self, reviewed: &Reviewed<'_>) -> Result<(), WriteError> {
        let Reviewed {
            attempt,
            review,
            wait_counter,
            approval,
            ref completion,
            notifications,
        } = *reviewed;
        let status = match review.outcome {
            crate::project::Outcome::Approved => "approved",
            crate::project::Outcome::ChangesRequested => "changes_requested",
        };
        let mut expr = Expr::new()
            .set("status", s(status))
            .set("review", map(review)?)
            .set("version", n(attempt.version + 1))
            .remove("claim")
            .condition(attr("version").eq(n(attempt.version)));
        for attribute in QUEUED {
            expr = expr.remove(attribute);
        }
        let mut writes = vec![
            Write::update(keys::attempt_key(attempt.id), expr),
            leave_waiting(attempt, approval)?,
        ];
        let moves = [(WAITING, -1), (wait_counter, 1)];
        match completion {
            Some(completion) => {
                let completion = Completion {
                    also_counted: &moves,
                    ..completion.clone()
                };
                writes.extend(completion.writes()?);
            }
            None => writes.push(counters::count(
                attempt.course_id,
                attempt.learner_id,
                &moves,
            )),
        }
        for notification in notifications {
            let key = keys::notification_key(notification.learner_id, notification.id);
            writes.push(Write::create(keyed(
                to_item(notification)?,
                key,
                entity::NOTIFICATION,
                [],
            )));
        }
        self.table.transact(writes).await?;
        Ok(())
    }

    /// A learner's attempts of a project, newest first.
    ///
    /// # Errors
    /// [`ListError::Cursor`] for a cursor of another listing; when DynamoDB fails.
    pub async fn attempts_of(
        &self,
        learner: UserId,
        lesson: LessonId,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Attempt>, ListError> {
        let partition = keys::learner_attempts_partition(learner, lesson);
        self.newest_first(BY_LEARNER, &partition, limit, cursor)
            .await
    }

    /// A course's review queue, or one project's: waiting attempts, oldest first.
    ///
    /// # Errors
    /// [`ListError::Cursor`] for a cursor of another listing; when DynamoDB fails.
    pub async fn queue(
        &self,
        course: CourseId,
        project: Option<LessonId>,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Attempt>, ListError> {
        let (index, partition) = match project {
            Some(lesson) => (BY_PROJECT, keys::project_queue_partition(lesson)),
            None => (BY_COURSE, keys::course_queue_partition(course)),
        };
        self.list(index, &partition, None, Order::OldestFirst, limit, cursor)
            .await
    }

    /// A learner's notifications, newest first.
    ///
    /// # Errors
    /// [`ListError::Cursor`] for a cursor of another listing; when DynamoDB fails.
    pub async fn notifications(
        &self,
        learner: UserId,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Notification>, ListError> {
        let partition = keys::learner_partition(learner);
        let prefix = Some(keys::NOTIFICATION_PREFIX);
        self.list(TABLE, &partition, prefix, Order::NewestFirst, limit, cursor)
            .await
    }

    /// Marks one of a learner's notifications read at `at` (again, harmlessly); `false` when
    /// the learner has no such notification.
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn read_notification(
        &self,
        learner: UserId,
        id: NotificationId,
        at: Timestamp,
    ) -> Result<bool, DbError> {
        let expr = Expr::new()
            .set_once("read_at", ts(at))
            .condition(attr(PK).exists());
        let write = Write::update(keys::notification_key(learner, id), expr);
        match self.table.write(write).await {
            Ok(()) => Ok(true),
            Err(DbError::ConditionFailed) => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// The id of a learner's public portfolio, if it is public (strongly consistent).
    ///
    /// # Errors
    /// When DynamoDB fails or the item is malformed.
    pub async fn portfolio_id(&self, learner: UserId) -> Result<Option<PortfolioId>, DbError> {
        #[derive(serde::Deserialize)]
        struct Switch {
            portfolio_id: Option<PortfolioId>,
        }
        let key = keys::portfolio_switch_key(learner);
        let switch: Option<Switch> = read(self.table.get(&key, true, &[]).await?)?;
        Ok(switch.and_then(|switch| switch.portfolio_id))
    }

    /// Makes a learner's portfolio public at `portfolio` (instead of at `current`, if it was
    /// public), or private when `portfolio` is `None`.
    ///
    /// # Errors
    /// [`WriteError::Stale`] when the portfolio is no longer public at `current`.
    pub async fn switch_portfolio(
        &self,
        learner: UserId,
        current: Option<&PortfolioId>,
        portfolio: Option<&Portfolio>,
    ) -> Result<(), WriteError> {
        let as_read = match current {
            Some(id) => attr("portfolio_id").eq(s(id.as_str())),
            None => attr("portfolio_id").absent(),
        };
        let mut switch = Expr::new()
            .set(shared::dynamo::ENTITY, s(entity::PORTFOLIO_SWITCH))
            .condition(as_read);
        switch = match portfolio {
            Some(public) => switch.set("portfolio_id", s(public.id.as_str())),
            None => switch.remove("portfolio_id"),
        };
        let mut writes = vec![Write::update(keys::portfolio_switch_key(learner), switch)];
        if let Some(id) = current {
            writes.push(Write::delete(keys::portfolio_key(id)));
        }
        if let Some(public) = portfolio {
            let item = keyed(
                to_item(public)?,
                keys::portfolio_key(&public.id),
                entity::PORTFOLIO,
                [],
            );
            writes.push(Write::create(item));
        }
        self.table.transact(writes).await?;
        Ok(())
    }

    /// A public portfolio by id (strongly consistent: one made private is gone at once).
    ///
    /// # Errors
    /// When DynamoDB fails or the item is malformed.
    pub async fn portfolio(&self, id: &PortfolioId) -> Result<Option<Portfolio>, DbError> {
        read(self.table.get(&keys::portfolio_key(id), true, &[]).await?)
    }

    /// A learner's approved projects, most recently approved first.
    ///
    /// # Errors
    /// When DynamoDB fails or an item is malformed.
    pub async fn approved_projects(&self, learner: UserId) -> Result<Vec<LearnerProject>, DbError> {
        let query = Query::partition(PK, keys::learner_partition(learner))
            .sort_begins_with(shared::dynamo::SK, keys::PROJECT_PREFIX)
            .consistent();
        let items = self.table.query_all(query).await?;
        let mut approved: Vec<LearnerProject> = from_items::<LearnerProject>(items)?
            .into_iter()
            .filter(|project| project.approval.is_some())
            .collect();
        approved.sort_by_key(|project| {
            std::cmp::Reverse(project.approval.as_ref().map(|a| a.approved_at))
        });
        Ok(approved)
    }
}

/// The learner's record of the project, once `attempt` no longer waits: approved, or free for
/// the next hand-in. Unconditional: the attempt's own condition, in the same transaction,
/// decides whether it stops waiting.
fn leave_waiting(attempt: &Attempt, approval: Option<&Approval>) -> Result<Write, DbError> {
    let mut expr = Expr::new().remove("waiting");
    if let Some(approval) = approval {
        expr = expr.set("approval", map(approval)?);
    }
    Ok(Write::update(
        keys::learner_project_key(attempt.learner_id, attempt.lesson_id),
        expr,
    ))
}

/// An item read whole, if there is one.
fn read<T: serde::de::DeserializeOwned>(item: Option<Item>) -> Result<Option<T>, DbError> {
    item.map(from_item).transpose()
}
