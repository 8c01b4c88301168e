//! `progress`'s configuration, read once at cold start.

use shared::config::{BaseUrl, ConfigError, Env, TableName};
use shared::dynamo::DynamoSettings;
use shared::page::CursorKeySource;
use shared::token::{AccessTokenVerifier, KeySource};

/// Everything `progress` reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// `TABLE_NAME`: the progress table.
    pub table: TableName,
    /// `CONTENT_TABLE_NAME`: the content table, read-only: course outlines.
    pub content_table: TableName,
    /// `AUTH_TABLE_NAME`: the auth table, read-only: enrolling, completing and the staff's
    /// routes are checked against the caller's account as it is now (`shared::account`).
    pub auth_table: TableName,
    pub dynamo: DynamoSettings,
    /// From `JWKS`, `JWT_ISSUER` and `JWT_AUDIENCE`.
    pub tokens: AccessTokenVerifier,
    /// `PUBLIC_BASE_URL`: a certificate's public verification URL is
    /// `{PUBLIC_BASE_URL}/certificates/{id}`, and its credential's issuer is this URL.
    pub public_base_url: BaseUrl,
    /// The key certificates are signed with.
    pub certificate_key: CertificateKeyConfig,
    /// `CURSOR_KEY` or `CURSOR_KEY_SECRET_ARN`: what signs the listings' cursors.
    pub cursor_key: CursorKeySource,
}

impl Config {
    /// # Errors
    /// Names the first variable that is missing or malformed.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            table: TableName::from_env(env, "TABLE_NAME")?,
            content_table: TableName::from_env(env, "CONTENT_TABLE_NAME")?,
            auth_table: TableName::from_env(env, "AUTH_TABLE_NAME")?,
            dynamo: DynamoSettings::from_env(env)?,
            tokens: AccessTokenVerifier::from_env(env)?,
            public_base_url: BaseUrl::from_env(env, "PUBLIC_BASE_URL")?,
            certificate_key: CertificateKeyConfig::from_env(env)?,
            cursor_key: CursorKeySource::from_env(env)?,
        })
    }
}

/// The certificate signing key's id and where to load it from. Holds no key material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateKeyConfig {
    /// `CERTIFICATE_KEY_ID`: the `kid` certificates carry and the JWKS publishes.
    pub kid: String,
    /// `CERTIFICATE_KEY_FILE` (a PEM file, local development) or `CERTIFICATE_KEY_SECRET_ARN`
    /// (an AWS Secrets Manager secret whose string is the PEM).
    pub source: KeySource,
}

impl CertificateKeyConfig {
    /// # Errors
    /// When `CERTIFICATE_KEY_ID` is unset or longer than 64 characters, or not exactly one of
    /// `CERTIFICATE_KEY_FILE` and `CERTIFICATE_KEY_SECRET_ARN` is set.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let kid = env.required("CERTIFICATE_KEY_ID")?;
        if kid.len() > 64 {
            return Err(ConfigError::malformed(
                "CERTIFICATE_KEY_ID",
                "must be at most 64 characters",
            ));
        }
        Ok(Self {
            kid: kid.to_owned(),
            source: KeySource::from_env(env, "CERTIFICATE_KEY_FILE", "CERTIFICATE_KEY_SECRET_ARN")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        Env::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn the_certificate_key_comes_from_a_file_or_a_secret() {
        let file = CertificateKeyConfig::from_env(&env(&[
            ("CERTIFICATE_KEY_ID", "cert-1"),
            ("CERTIFICATE_KEY_FILE", "/keys/cert-1.pem"),
        ]))
        .unwrap();
        assert_eq!(file.source, KeySource::File("/keys/cert-1.pem".into()));
        let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:cert-1";
        let secret = CertificateKeyConfig::from_env(&env(&[
            ("CERTIFICATE_KEY_ID", "cert-1"),
            ("CERTIFICATE_KEY_SECRET_ARN", arn),
        ]))
        .unwrap();
        assert_eq!(secret.source, KeySource::Secret(arn.into()));
    }

    #[test]
    fn the_certificate_key_needs_exactly_one_source_and_an_id() {
        let neither = CertificateKeyConfig::from_env(&env(&[("CERTIFICATE_KEY_ID", "c")]));
        let neither = neither.unwrap_err().to_string();
        assert!(neither.contains("CERTIFICATE_KEY_FILE"), "{neither}");
        let both = CertificateKeyConfig::from_env(&env(&[
            ("CERTIFICATE_KEY_ID", "c"),
            ("CERTIFICATE_KEY_FILE", "/k.pem"),
            ("CERTIFICATE_KEY_SECRET_ARN", "arn:aws:secretsmanager:x"),
        ]));
        assert!(both.unwrap_err().to_string().contains("not both"));
        let no_id = CertificateKeyConfig::from_env(&env(&[("CERTIFICATE_KEY_FILE", "/k.pem")]));
        let no_id = no_id.unwrap_err().to_string();
        assert!(no_id.contains("CERTIFICATE_KEY_ID"), "{no_id}");
    }
}
