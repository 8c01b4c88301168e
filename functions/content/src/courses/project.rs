//! Project lessons: the learner builds something and hands in links to it; a reviewer scores
//! it against the project's rubric. A project lesson's body is its brief; what this module adds
//! is the rubric, what is handed in, the starter repository and the estimated effort.

use serde::{Deserialize, Serialize};
pub use shared::catalog::Scoring;
use shared::catalog::{HandIn, ProjectOutline};
use shared::{ApiError, FieldError};

use crate::fields::{EffortHours, HttpsUrl, Note, Title};

/// Most criteria a rubric may have.
pub const MAX_CRITERIA: usize = 20;
/// Most points one criterion may be worth.
pub const MAX_POINTS: u16 = 100;

/// A project, as its author gives it and as the lesson's item keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Project {
    pub rubric: Rubric,
    pub hand_in: HandIn,
    /// A repository the learner may start from.
    #[serde(default, deserialize_with = "shared::json::nullable")]
    pub starter_repository: Option<HttpsUrl>,
    pub effort_hours: EffortHours,
}

/// How a project is judged: its criteria in order, and what passes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    /// Empty only while the course is a draft: publishing refuses a project without criteria.
    #[serde(default)]
    pub criteria: Vec<Criterion>,
    /// An attempt passes when every pass/fail criterion passes and its points add up to at
    /// least this many.
    #[serde(default)]
    pub min_points: u16,
}

/// One thing a reviewer scores and comments on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub title: Title,
    #[serde(default)]
    pub description: Note,
    pub scoring: Scoring,
}

impl Project {
    /// Refuses a rubric that could never be scored as written: too many criteria, a criterion
    /// worth no points or too many, a passing score above the total.
    ///
    /// # Errors
    /// 422 naming each field, under `prefix` (`project`).
    pub fn check(&self, prefix: &str) -> Result<(), ApiError> {
        let rubric = &self.rubric;
        let mut errors = Vec::new();
        if rubric.criteria.len() > MAX_CRITERIA {
            errors.push(FieldError::new(
                format!("{prefix}.rubric.criteria"),
                format!("at most {MAX_CRITERIA} criteria"),
            ));
        }
        for (i, criterion) in rubric.criteria.iter().enumerate() {
            if let Scoring::Points(points) = criterion.scoring
                && !(1..=MAX_POINTS).contains(&points)
            {
                errors.push(FieldError::new(
                    format!("{prefix}.rubric.criteria[{i}].scoring.points"),
                    format!("must be 1 to {MAX_POINTS}"),
                ));
            }
        }
        if rubric.min_points > rubric.total_points() {
            errors.push(FieldError::new(
                format!("{prefix}.rubric.min_points"),
                format!(
                    "must be at most the criteria's {} points",
                    rubric.total_points()
                ),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Invalid(errors))
        }
    }

    /// What the course's outline says of it.
    pub fn outline(&self) -> ProjectOutline {
        ProjectOutline {
            hand_in: self.hand_in,
            effort_hours: self.effort_hours.get(),
            criteria: u16::try_from(self.rubric.criteria.len()).unwrap_or(u16::MAX),
        }
    }
}

impl Rubric {
    /// The most points an attempt can score.
    pub fn total_points(&self) -> u16 {
        self.criteria
            .iter()
            .map(|c| match c.scoring {
                Scoring::Points(points) => points,
                Scoring::PassFail => 0,
            })
            .fold(0, u16::saturating_add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(json: serde_json::Value) -> Result<Project, serde_json::Error> {
        serde_json::from_value(json)
    }

    fn fields(error: ApiError) -> Vec<String> {
        match error {
            ApiError::Invalid(errors) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("not a 422: {other:?}"),
        }
    }

    #[test]
    fn a_rubric_mixes_points_and_pass_fail_and_passes_at_its_minimum() {
        let project = project(serde_json::json!({
            "rubric": {
                "criteria": [
                    {"title": "Endpoints", "description": "Each resource answers as documented.",
                     "scoring": {"points": 10}},
                    {"title": "Tests run in CI", "scoring": "pass_fail"},
                    {"title": "Error handling", "scoring": {"points": 5}}
                ],
                "min_points": 12
            },
            "hand_in": "repository",
            "effort_hours": 6
        }))
        .unwrap();
        assert_eq!(project.rubric.total_points(), 15);
        project.check("project").unwrap();
        assert_eq!(project.outline().criteria, 3);
    }

    #[test]
    fn a_rubric_that_could_never_be_scored_names_each_field() {
        let mut project = project(serde_json::json!({
            "rubric": {
                "criteria": [{"title": "Nothing to score", "scoring": {"points": 0}}],
                "min_points": 1
            },
            "hand_in": "deployment",
            "effort_hours": 2
        }))
        .unwrap();
        assert_eq!(
            fields(project.check("project").unwrap_err()),
            [
                "project.rubric.criteria[0].scoring.points",
                "project.rubric.min_points"
            ]
        );
        project.rubric.criteria = vec![project.rubric.criteria[0].clone(); MAX_CRITERIA + 1];
        assert!(
            fields(project.check("project").unwrap_err())
                .contains(&"project.rubric.criteria".into())
        );
    }

    #[test]
    fn what_is_handed_in_and_the_starter_repository_are_checked_when_read() {
        let base = |extra: serde_json::Value| {
            let mut json = serde_json::json!({
                "rubric": {"criteria": []}, "hand_in": "repository_and_deployment",
                "effort_hours": 4
            });
            json.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            project(json)
        };
        assert!(base(serde_json::json!({})).is_ok());
        for bad in [
            serde_json::json!({"hand_in": "zip_file"}),
            serde_json::json!({"starter_repository": "http://github.com/skillpath/starter"}),
            serde_json::json!({"starter_repository": "https://me:secret@github.com/x/y"}),
            serde_json::json!({"effort_hours": 0}),
            serde_json::json!({"rubric": "none"}),
            serde_json::json!({"unknown": true}),
        ] {
            assert!(base(bad.clone()).is_err(), "{bad} was accepted");
        }
    }
}
