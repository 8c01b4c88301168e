//! A career path's own reads: the courses and articles its steps name, found by id or slug,
//! and what its page shows of them.

use shared::ApiError;
use shared::FieldError;
use shared::catalog::CourseId;
use shared::dynamo::DbError;
use shared::token::AuthUser;

use super::{Presented, Service};
use crate::articles::ArticleId;
use crate::document::{Document, can_edit};
use crate::fields::{Note, Slug};
use crate::keys::Kind;
use crate::paths::{CareerPath, MAX_STEPS, PathView, Step, StepInput, StepTarget};

impl Presented for CareerPath {
    async fn present(
        self,
        service: &Service,
        caller: Option<&AuthUser>,
    ) -> Result<PathView, DbError> {
        let editor = caller.is_some_and(|c| can_edit(&self, c));
        let found = service.store.lookup(&self.refers_to()).await?;
        Ok(self.view(service.site(), editor, &found))
    }
}

impl Service {
    /// The steps `inputs` describe, with each course and article looked up.
    ///
    /// # Errors
    /// 422 naming each step that names no course or article, or names both.
    pub async fn path_steps(&self, inputs: Vec<StepInput>) -> Result<Vec<Step>, ApiError> {
        if inputs.len() > MAX_STEPS {
            return Err(ApiError::invalid(
                "steps",
                format!("at most {MAX_STEPS} steps"),
            ));
        }
        let mut errors = Vec::new();
        let mut wanted: Vec<(usize, Kind, String)> = Vec::new();
        for (i, input) in inputs.iter().enumerate() {
            match (&input.course, &input.article) {
                (Some(course), None) => wanted.push((i, Kind::Course, course.clone())),
                (None, Some(article)) => wanted.push((i, Kind::Article, article.clone())),
                _ => errors.push(FieldError::new(
                    format!("steps[{i}]"),
                    "names exactly one of `course` and `article`",
                )),
            }
        }
        let slugs: Vec<(Kind, Slug)> = wanted
            .iter()
            .filter_map(|(_, kind, reference)| Some((*kind, Slug::parse(reference).ok()?)))
            .collect();
        let owners = self.store.slug_owners(&slugs).await?;
        let id_of = |kind: Kind, reference: &str| -> Option<String> {
            let is_id = match kind {
                Kind::Course => reference.parse::<CourseId>().is_ok(),
                _ => reference.parse::<ArticleId>().is_ok(),
            };
            if is_id {
                return Some(reference.to_owned());
            }
            owners.get(&(kind, Slug::parse(reference).ok()?)).cloned()
        };
        let mut targets = Vec::with_capacity(wanted.len());
        for (i, kind, reference) in &wanted {
            let target = id_of(*kind, reference).and_then(|id| match kind {
                Kind::Course => id.parse().ok().map(StepTarget::Course),
                _ => id.parse().ok().map(StepTarget::Article),
            });
            match target {
                Some(target) => targets.push((*i, target)),
                None => errors.push(FieldError::new(
                    format!("steps[{i}]"),
                    format!("`{reference}` names no {} of the catalog", kind.as_str()),
                )),
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::Invalid(errors));
        }
        let mut notes: Vec<Option<Note>> = inputs.into_iter().map(|s| Some(s.note)).collect();
        Ok(targets
            .into_iter()
            .map(|(i, target)| Step {
                target,
                note: notes[i].take().unwrap_or_default(),
                title: None,
            })
            .collect())
    }
}
