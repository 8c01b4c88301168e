//! A learner's certificates, the public verification of one, and revocation.

use shared::clock::Timestamp;
use shared::identity::UserId;
use shared::page::Page;
use shared::token::AuthUser;

use super::{ProgressError, ProgressService};
use crate::certificate::{Certificate, CertificateId};

impl ProgressService {
    /// The caller's certificates.
    ///
    /// # Errors
    /// [`ProgressError::Cursor`] for a cursor of another listing; when DynamoDB fails.
    pub async fn certificates(
        &self,
        learner: UserId,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Certificate>, ProgressError> {
        Ok(self
            .store
            .learner_certificates(learner, limit, cursor)
            .await?)
    }

    /// A certificate, for anyone holding its id.
    ///
    /// # Errors
    /// [`ProgressError::CertificateNotFound`].
    pub async fn certificate(&self, id: &CertificateId) -> Result<Certificate, ProgressError> {
        self.store
            .certificate(id)
            .await?
            .ok_or(ProgressError::CertificateNotFound)
    }

    /// Revokes a certificate at `now` (the caller must be an admin; checked by the handler).
    ///
    /// # Errors
    /// [`ProgressError::CertificateNotFound`].
    pub async fn revoke(
        &self,
        admin: &AuthUser,
        id: &CertificateId,
        now: Timestamp,
    ) -> Result<Certificate, ProgressError> {
        let certificate = self
            .store
            .revoke(id, now)
            .await?
            .ok_or(ProgressError::CertificateNotFound)?;
        tracing::info!(admin = %admin.id, certificate = %id, "certificate revoked");
        Ok(certificate)
    }
}
