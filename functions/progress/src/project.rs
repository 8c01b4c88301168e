//! Projects: a learner hands in links to what they built (an attempt), a reviewer of the course
//! claims the attempt and scores it against the project's rubric, and an approved attempt
//! completes the project lesson. Plus what follows from reviews: the learner's notifications
//! and their public portfolio of approved projects.
//!
//! An attempt waits for review until it is reviewed or withdrawn; at most one of a learner's
//! attempts of a project waits at a time. A reviewer claims an attempt before reviewing it; a
//! claim lapses after [`CLAIM_TTL`], so an abandoned one can be claimed by someone else.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use shared::catalog::{CourseId, HandIn, LessonId, RubricSummary, Scoring};
use shared::clock::Timestamp;
use shared::fields::{HttpsUrl, Markdown};
use shared::identity::UserId;
use shared::{ApiError, FieldError};

use crate::certificate::CertificateId;

shared::typed_id!(
    /// A hand-in of a project.
    AttemptId
);
shared::typed_id!(
    /// A notification of a learner; UUIDv7, so ids order by time.
    NotificationId
);
crate::capability_id!(
    /// The id in a public portfolio's URL: random, so the URL shows neither the learner's id
    /// nor their address; a new one each time the portfolio is made public.
    PortfolioId
);

/// How long a claim holds an attempt for its reviewer.
pub const CLAIM_TTL: Duration = Duration::from_secs(4 * 60 * 60);

/// A learner's notes on a hand-in: Markdown.
pub type Notes = Markdown<10_000>;
/// A reviewer's overall comment: Markdown.
pub type ReviewComment = Markdown<10_000>;
/// A reviewer's comment on one criterion.
pub type CriterionComment = Markdown<2_000>;

/// Where an attempt is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptStatus {
    Waiting,
    Withdrawn,
    Approved,
    ChangesRequested,
}

/// What a review decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Approved,
    ChangesRequested,
}

impl From<Outcome> for AttemptStatus {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Approved => Self::Approved,
            Outcome::ChangesRequested => Self::ChangesRequested,
        }
    }
}

/// A reviewer's hold on an attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub reviewer_id: UserId,
    pub reviewer_name: String,
    pub expires_at: Timestamp,
}

impl Claim {
    /// Whether the claim still holds at `now`.
    pub fn holds_at(&self, now: Timestamp) -> bool {
        now < self.expires_at
    }
}

/// One criterion's score in a review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    /// The criterion's title when it was scored.
    pub criterion: String,
    pub points: Option<u16>,
    pub max_points: Option<u16>,
    pub passed: Option<bool>,
    pub comment: String,
}

/// A review of an attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub outcome: Outcome,
    pub reviewer_id: UserId,
    pub reviewer_name: String,
    pub reviewed_at: Timestamp,
    pub points: u16,
    pub max_points: u16,
    pub comment: String,
    pub scores: Vec<Score>,
}

/// A hand-in of a project, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub id: AttemptId,
    /// 1 for a learner's first attempt of the project, and so on.
    pub number: u32,
    pub course_id: CourseId,
    pub lesson_id: LessonId,
    /// The project lesson's title at hand-in.
    pub project_title: String,
    pub learner_id: UserId,
    pub learner_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_url: Option<HttpsUrl>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_url: Option<HttpsUrl>,
    pub notes: String,
    pub status: AttemptStatus,
    pub submitted_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<Claim>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<Review>,
    /// Moves with every change, for `If-Match`.
    pub version: u64,
}

impl Attempt {
    /// The claim, if it still holds at `now`.
    pub fn claim_at(&self, now: Timestamp) -> Option<&Claim> {
        self.claim.as_ref().filter(|claim| claim.holds_at(now))
    }
}

/// `POST /me/courses/{course}/projects/{lesson}/attempts`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandInRequest {
    #[serde(default, deserialize_with = "shared::json::nullable")]
    pub repository_url: Option<HttpsUrl>,
    #[serde(default, deserialize_with = "shared::json::nullable")]
    pub deployment_url: Option<HttpsUrl>,
    #[serde(default)]
    pub notes: Option<Notes>,
}

impl HandInRequest {
    /// Refuses a hand-in without the links the project asks for.
    ///
    /// # Errors
    /// 422 naming each missing link.
    pub fn check(&self, hand_in: HandIn) -> Result<(), ApiError> {
        let (repository, deployment) = match hand_in {
            HandIn::Repository => (true, false),
            HandIn::Deployment => (false, true),
            HandIn::RepositoryAndDeployment => (true, true),
        };
        let mut errors = Vec::new();
        if repository && self.repository_url.is_none() {
            errors.push(FieldError::new(
                "repository_url",
                "is required: this project is handed in as a Git repository",
            ));
        }
        if deployment && self.deployment_url.is_none() {
            errors.push(FieldError::new(
                "deployment_url",
                "is required: this project is handed in as a deployed service",
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Invalid(errors))
        }
    }
}

/// `POST /courses/{course}/attempts/{attempt}/review`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    pub outcome: Outcome,
    pub scores: Vec<ScoreRequest>,
    #[serde(default)]
    pub comment: Option<ReviewComment>,
}

/// A reviewer's score of one criterion: `points` or `passed`, as the criterion is scored.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreRequest {
    #[serde(default)]
    pub points: Option<u16>,
    #[serde(default)]
    pub passed: Option<bool>,
    pub comment: CriterionComment,
}

impl ReviewRequest {
    /// The review this request makes of an attempt against `rubric`.
    ///
    /// # Errors
    /// 422 naming each field: a criterion skipped or scored the wrong way or out of range, a
    /// blank comment, an approval whose scores do not pass the rubric.
    pub fn score(
        self,
        rubric: &RubricSummary,
        reviewer_id: UserId,
        reviewer_name: &str,
        at: Timestamp,
    ) -> Result<Review, ApiError> {
        let criteria = rubric.criteria.len();
        if self.scores.len() != criteria {
            return Err(ApiError::invalid(
                "scores",
                format!("must score each of the rubric's {criteria} criteria, in order"),
            ));
        }
        let mut errors = Vec::new();
        let mut scores = Vec::with_capacity(criteria);
        let (mut points, mut max_points, mut all_passed) = (0u16, 0u16, true);
        for (i, (criterion, given)) in rubric.criteria.iter().zip(self.scores).enumerate() {
            if given.comment.as_str().trim().is_empty() {
                errors.push(FieldError::new(
                    format!("scores[{i}].comment"),
                    "is required: say what the learner did well or should change",
                ));
            }
            let mut score = Score {
                criterion: criterion.title.clone(),
                points: None,
                max_points: None,
                passed: None,
                comment: given.comment.into(),
            };
            match (criterion.scoring, given.points, given.passed) {
                (Scoring::Points(max), Some(given), None) if given <= max => {
                    (score.points, score.max_points) = (Some(given), Some(max));
                    points = points.saturating_add(given);
                    max_points = max_points.saturating_add(max);
                }
                (Scoring::Points(max), _, _) => errors.push(FieldError::new(
                    format!("scores[{i}].points"),
                    format!(
                        "must be 0 to {max}, and no `passed`: the criterion is scored in points"
                    ),
                )),
                (Scoring::PassFail, None, Some(passed)) => {
                    score.passed = Some(passed);
                    all_passed &= passed;
                }
                (Scoring::PassFail, _, _) => errors.push(FieldError::new(
                    format!("scores[{i}].passed"),
                    "must be true or false, and no `points`: the criterion is pass/fail",
                )),
            }
            scores.push(score);
        }
        if errors.is_empty()
            && self.outcome == Outcome::Approved
            && !(all_passed && points >= rubric.min_points)
        {
            errors.push(FieldError::new(
                "outcome",
                format!(
                    "cannot be approved: the scores do not pass the rubric (every pass/fail \
                     criterion passed and at least {} points)",
                    rubric.min_points
                ),
            ));
        }
        if !errors.is_empty() {
            return Err(ApiError::Invalid(errors));
        }
        Ok(Review {
            outcome: self.outcome,
            reviewer_id,
            reviewer_name: reviewer_name.to_owned(),
            reviewed_at: at,
            points,
            max_points,
            comment: self.comment.map(String::from).unwrap_or_default(),
            scores,
        })
    }
}

/// What a notification tells a learner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// An attempt was reviewed.
    Reviewed,
    /// A course was completed and its certificate issued.
    CertificateIssued,
}

/// A notification, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub id: NotificationId,
    pub learner_id: UserId,
    pub kind: NotificationKind,
    pub course_id: CourseId,
    pub course_title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lesson_id: Option<LessonId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt_id: Option<AttemptId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_id: Option<CertificateId>,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at: Option<Timestamp>,
}

/// A learner's record of a project: how many attempts, the one waiting, the approval. When
/// approved it is an entry of their portfolio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnerProject {
    pub learner_id: UserId,
    pub course_id: CourseId,
    pub lesson_id: LessonId,
    /// Attempts handed in so far.
    pub attempts: u32,
    /// The attempt waiting for review, if one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<AttemptId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<Approval>,
}

/// An approved project, as the portfolio shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub attempt_id: AttemptId,
    pub course_title: String,
    pub project_title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository_url: Option<HttpsUrl>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_url: Option<HttpsUrl>,
    pub approved_at: Timestamp,
}

/// A public portfolio: whose it is (by name only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Portfolio {
    pub id: PortfolioId,
    pub learner_id: UserId,
    pub learner_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::catalog::CriterionSummary;

    fn rubric() -> RubricSummary {
        RubricSummary {
            criteria: vec![
                CriterionSummary {
                    title: "Endpoints".into(),
                    scoring: Scoring::Points(10),
                },
                CriterionSummary {
                    title: "Tests run in CI".into(),
                    scoring: Scoring::PassFail,
                },
            ],
            min_points: 6,
        }
    }

    fn request(outcome: &str, scores: serde_json::Value) -> ReviewRequest {
        serde_json::from_value(serde_json::json!({"outcome": outcome, "scores": scores})).unwrap()
    }

    fn fields(error: ApiError) -> Vec<String> {
        match error {
            ApiError::Invalid(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("not a 422: {other:?}"),
        }
    }

    fn score(review: ReviewRequest) -> Result<Review, ApiError> {
        review.score(
            &rubric(),
            UserId::new(),
            "Grace",
            Timestamp::from_unix_micros(0),
        )
    }

    #[test]
    fn an_approval_passes_every_pass_fail_criterion_and_the_minimum_points() {
        let passing = serde_json::json!([
            {"points": 7, "comment": "Every resource answers as documented."},
            {"passed": true, "comment": "The pipeline is green."}
        ]);
        let review = score(request("approved", passing)).unwrap();
        assert_eq!((review.points, review.max_points), (7, 10));
        assert_eq!(review.scores[1].passed, Some(true));

        let failed_ci = serde_json::json!([
            {"points": 10, "comment": "Complete."},
            {"passed": false, "comment": "No pipeline."}
        ]);
        assert_eq!(
            fields(score(request("approved", failed_ci.clone())).unwrap_err()),
            ["outcome"]
        );
        assert!(score(request("changes_requested", failed_ci)).is_ok());
    }

    #[test]
    fn every_criterion_is_scored_its_own_way_within_its_range_with_a_comment() {
        let skipped = serde_json::json!([{"points": 7, "comment": "Fine."}]);
        assert_eq!(
            fields(score(request("approved", skipped)).unwrap_err()),
            ["scores"]
        );
        let wrong = serde_json::json!([
            {"points": 11, "comment": " "},
            {"points": 1, "comment": "Points for a pass/fail criterion."}
        ]);
        assert_eq!(
            fields(score(request("changes_requested", wrong)).unwrap_err()),
            ["scores[0].comment", "scores[0].points", "scores[1].passed"]
        );
    }

    #[test]
    fn a_hand_in_names_the_links_its_project_asks_for() {
        let none: HandInRequest = serde_json::from_value(serde_json::json!({})).unwrap();
        match none.check(HandIn::RepositoryAndDeployment) {
            Err(ApiError::Invalid(errors)) => assert_eq!(errors.len(), 2),
            other => panic!("{other:?}"),
        }
        let repo: HandInRequest = serde_json::from_value(
            serde_json::json!({"repository_url": "https://github.com/ada/api"}),
        )
        .unwrap();
        assert!(repo.check(HandIn::Repository).is_ok());
        assert!(repo.check(HandIn::Deployment).is_err());
    }
}
