//! A learner's public portfolio of approved projects: off by default, on at a new random URL
//! each time it is switched on, gone at once when switched off.

use shared::identity::UserId;
use shared::token::AuthUser;

use super::{ProgressError, ProgressService, rounds, written};
use crate::project::{LearnerProject, Portfolio, PortfolioId};

impl ProgressService {
    /// The public URL of the learner's portfolio; `None` while it is private.
    ///
    /// # Errors
    /// When DynamoDB fails.
    pub async fn portfolio_url(&self, learner: UserId) -> Result<Option<String>, ProgressError> {
        let id = self.store.portfolio_id(learner).await?;
        Ok(id.map(|id| self.portfolio_url_of(&id)))
    }

    /// Makes the learner's portfolio public (at a new URL, unless it already is) or private;
    /// answers its public URL, if any.
    ///
    /// # Errors
    /// [`ProgressError::Contended`] when racing switches kept changing it.
    pub async fn switch_portfolio(
        &self,
        learner: &AuthUser,
        public: bool,
    ) -> Result<Option<String>, ProgressError> {
        for _ in rounds() {
            let current = self.store.portfolio_id(learner.id).await?;
            let portfolio = match (&current, public) {
                (Some(id), true) => return Ok(Some(self.portfolio_url_of(id))),
                (None, false) => return Ok(None),
                (Some(_), false) => None,
                (None, true) => Some(Portfolio {
                    id: PortfolioId::generate()?,
                    learner_id: learner.id,
                    learner_name: learner.name.clone(),
                }),
            };
            let write = self
                .store
                .switch_portfolio(learner.id, current.as_ref(), portfolio.as_ref())
                .await;
            if written(write)? {
                tracing::info!(learner = %learner.id, public, "portfolio switched");
                return Ok(portfolio.map(|p| self.portfolio_url_of(&p.id)));
            }
        }
        Err(ProgressError::Contended)
    }

    /// A public portfolio and its approved projects, most recently approved first.
    ///
    /// # Errors
    /// [`ProgressError::PortfolioNotFound`] unless it is public.
    pub async fn public_portfolio(
        &self,
        id: &PortfolioId,
    ) -> Result<(Portfolio, Vec<LearnerProject>), ProgressError> {
        let portfolio = self
            .store
            .portfolio(id)
            .await?
            .ok_or(ProgressError::PortfolioNotFound)?;
        let projects = self.store.approved_projects(portfolio.learner_id).await?;
        Ok((portfolio, projects))
    }

    fn portfolio_url_of(&self, id: &PortfolioId) -> String {
        self.issuer.public_url(&format!("/portfolios/{id}"))
    }
}
