//! Certificates: what a learner earns by completing every lesson of a course, and the signed
//! credential that lets anyone check it without asking us.
//!
//! A certificate is issued once per learner and course, when the last lesson of the course's
//! outline is completed. Its id is 128 random bits (32 hex digits), so holding the id is what
//! gives access to the public verification page, `{PUBLIC_BASE_URL}/certificates/{id}`. The
//! learner's name (from their access token) and the course title are frozen at issue.
//!
//! # Verifying a certificate offline
//!
//! Every certificate carries `credential`: a JWT (JWS compact serialisation) signed by the
//! school. To check one without calling the API:
//!
//! 1. Fetch the school's public keys once from `GET {PUBLIC_BASE_URL}/.well-known/jwks.json`
//!    (served by `auth`; it lists the certificate keys beside the access-token keys).
//! 2. Read the JWT header: `alg` must be `RS256`, `typ` must be `certificate+jwt`, and `kid`
//!    must name a key of the JWKS. Refuse anything else (never follow `jku`, `x5u` or `jwk`).
//! 3. Verify the RS256 signature over `header.payload` with that key.
//! 4. Check the claims: `iss` is the school's base URL, `token_use` is `certificate`, `jti` is
//!    the certificate id; `learner_name`, `course_id`, `course_title` and `iat` (the issue
//!    time, in seconds since the epoch) say who completed what and when, and `projects` (each
//!    `lesson_id` and `title`) the course's projects a reviewer approved. A credential has no
//!    `exp`: certificates do not expire (with `jsonwebtoken`, turn `validate_exp` off and require
//!    no `exp` claim).
//!
//! Any change to the token, even one byte, breaks the signature. Revocation cannot be seen
//! offline: the verification URL (`verification_url` in the claims) answers with the current
//! `status`, `valid` or `revoked`.
//!
//! A credential is never an access token: its `typ` is not `at+jwt`, its `token_use` is not
//! `access`, and it is signed with a key the access-token verifier does not hold.

use anyhow::Context;
use serde::{Deserialize, Serialize};
use shared::catalog::CourseId;
use shared::clock::Timestamp;
use shared::config::BaseUrl;
use shared::identity::UserId;
use shared::token::{Secrets, SigningKey};

use crate::config::CertificateKeyConfig;

/// The JOSE `typ` of a certificate credential.
pub const CREDENTIAL_TYPE: &str = "certificate+jwt";
/// The `token_use` claim of a certificate credential.
pub const CREDENTIAL_USE: &str = "certificate";

crate::capability_id!(
    /// The id of a certificate: 128 random bits as 32 lowercase hex digits. Holding it is what
    /// opens the public verification page.
    CertificateId
);

/// Whether a certificate still stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CertificateStatus {
    Valid,
    Revoked,
}

/// A certificate as stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certificate {
    pub id: CertificateId,
    /// Whose it is; never shown on the public verification page.
    pub learner_id: UserId,
    /// The learner's display name at issue.
    pub learner_name: String,
    pub course_id: CourseId,
    /// The course's title at issue.
    pub course_title: String,
    pub issued_at: Timestamp,
    pub status: CertificateStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<Timestamp>,
    /// `{PUBLIC_BASE_URL}/certificates/{id}`.
    pub verification_url: String,
    /// The signed credential (see the module docs).
    pub credential: String,
    /// The course's projects the learner had approved, in outline order.
    #[serde(default)]
    pub projects: Vec<CertifiedProject>,
}

/// A project a certificate names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertifiedProject {
    pub lesson_id: shared::catalog::LessonId,
    pub title: String,
}

/// The claims of a certificate credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateClaims {
    /// The school: its public base URL.
    pub iss: String,
    /// The certificate id.
    pub jti: CertificateId,
    /// The issue time, seconds since the epoch.
    pub iat: i64,
    pub nbf: i64,
    pub learner_name: String,
    pub course_id: CourseId,
    pub course_title: String,
    pub verification_url: String,
    /// The approved projects of the course, in outline order.
    #[serde(default)]
    pub projects: Vec<CertifiedProject>,
    /// Always [`CREDENTIAL_USE`].
    pub token_use: String,
}

/// Who earned a certificate for what, as the issuer needs it.
#[derive(Debug, Clone)]
pub struct Achievement<'a> {
    pub learner_id: UserId,
    pub learner_name: &'a str,
    pub course_id: CourseId,
    pub course_title: &'a str,
    pub at: Timestamp,
    pub projects: &'a [CertifiedProject],
}

/// Issues certificates: mints the id and signs the credential. Built once per cold start.
#[derive(Debug)]
pub struct CertificateIssuer {
    key: SigningKey,
    base_url: BaseUrl,
}

impl CertificateIssuer {
    /// An issuer signing with `key`, its URLs on `base_url`.
    pub fn new(key: SigningKey, base_url: BaseUrl) -> Self {
        Self { key, base_url }
    }

    /// Loads the signing key from its file or from AWS Secrets Manager.
    ///
    /// # Errors
    /// When the file or secret cannot be read, or does not hold an RSA private key in PEM.
    /// The message never contains key material.
    pub async fn load(
        config: &CertificateKeyConfig,
        base_url: BaseUrl,
        secrets: &Secrets,
    ) -> anyhow::Result<Self> {
        let key = SigningKey::load(&config.kid, &config.source, secrets)
            .await
            .context("loading the certificate key")?;
        Ok(Self::new(key, base_url))
    }

    /// The school's public URL of `path`.
    pub fn public_url(&self, path: &str) -> String {
        self.base_url.join(path)
    }

    /// The public verification URL of certificate `id`.
    pub fn verification_url(&self, id: &CertificateId) -> String {
        self.base_url.join(&format!("/certificates/{id}"))
    }

    /// A new certificate for `achievement`, with a fresh id and its signed credential.
    ///
    /// # Errors
    /// When the random source or signing fails.
    pub fn issue(&self, achievement: Achievement<'_>) -> anyhow::Result<Certificate> {
        let id = CertificateId::generate()?;
        let verification_url = self.verification_url(&id);
        let issued = achievement.at.unix_seconds();
        let claims = CertificateClaims {
            iss: self.base_url.as_str().to_owned(),
            jti: id.clone(),
            iat: issued,
            nbf: issued,
            learner_name: achievement.learner_name.to_owned(),
            course_id: achievement.course_id,
            course_title: achievement.course_title.to_owned(),
            verification_url: verification_url.clone(),
            projects: achievement.projects.to_vec(),
            token_use: CREDENTIAL_USE.to_owned(),
        };
        let credential = self
            .key
            .sign(CREDENTIAL_TYPE, &claims)
            .context("signing a certificate credential")?;
        Ok(Certificate {
            id,
            learner_id: achievement.learner_id,
            learner_name: claims.learner_name,
            course_id: achievement.course_id,
            course_title: claims.course_title,
            issued_at: achievement.at,
            status: CertificateStatus::Valid,
            revoked_at: None,
            verification_url,
            credential,
            projects: claims.projects,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_32_hex_digits_and_differ() {
        let a = CertificateId::generate().unwrap();
        let b = CertificateId::generate().unwrap();
        assert_eq!(a.as_str().len(), 32);
        assert_ne!(a, b);
        assert_eq!(a.as_str().parse::<CertificateId>(), Ok(a.clone()));
    }

    #[test]
    fn text_that_is_not_an_id_is_refused() {
        for text in [
            "",
            "0190a5b4-7c3e-7d2a-9b1e-3f4a5b6c7d8e",
            "ABCDEF0123456789ABCDEF0123456789",
            "0123456789abcdef0123456789abcde",
            "../../../../etc/passwd0123456789",
        ] {
            assert!(text.parse::<CertificateId>().is_err(), "{text}");
        }
    }
}
