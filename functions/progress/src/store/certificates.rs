//! Certificate items: the write that issues one (in its completion's transaction), reading
//! one, revoking one, and the listing of a learner's certificates.

use shared::clock::Timestamp;
use shared::dynamo::{DbError, Expr, GSI1_PK, GSI1_SK, PK, Write, attr, from_item, s, to_item, ts};
use shared::identity::UserId;
use shared::page::{ListError, Page};

use super::{BY_LEARNER, ProgressStore, keyed};
use crate::certificate::{Certificate, CertificateId};
use crate::keys::{self, entity};

/// The write that stores a new certificate; its id must be new.
pub(super) fn issue(certificate: &Certificate) -> Result<Write, DbError> {
    let item = keyed(
        to_item(certificate)?,
        keys::certificate_key(&certificate.id),
        entity::CERTIFICATE,
        [
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
    Ok(Write::create(item))
}

impl ProgressStore {
    /// A certificate by id.
    ///
    /// # Errors
    /// When DynamoDB fails or the item is malformed.
    pub async fn certificate(&self, id: &CertificateId) -> Result<Option<Certificate>, DbError> {
        self.table
            .get(&keys::certificate_key(id), false, &[])
            .await?
            .map(from_item)
            .transpose()
    }

    /// Revokes a certificate (again, harmlessly, if it already is) and returns it as it is now;
    /// `None` when there is no such certificate.
    ///
    /// # Errors
    /// When DynamoDB fails or the item is malformed.
    pub async fn revoke(
        &self,
        id: &CertificateId,
        at: Timestamp,
    ) -> Result<Option<Certificate>, DbError> {
        let expr = Expr::new()
            .set("status", s("revoked"))
            .set_once("revoked_at", ts(at))
            .condition(attr(PK).exists());
        match self
            .table
            .update_returning(keys::certificate_key(id), expr)
            .await
        {
            Ok(item) => item.map(from_item).transpose(),
            Err(DbError::ConditionFailed) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// A learner's certificates, most recent first.
    ///
    /// # Errors
    /// [`ListError::Cursor`] for a cursor of another listing; when DynamoDB fails.
    pub async fn learner_certificates(
        &self,
        learner: UserId,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Certificate>, ListError> {
        let partition = keys::learner_certificates_partition(learner);
        self.newest_first(BY_LEARNER, &partition, limit, cursor)
            .await
    }
}
