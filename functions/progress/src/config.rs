//! `progress`'s configuration, read once at cold start.

use std::path::PathBuf;

use shared::config::{ConfigError, Env, TableName};
use shared::dynamo::DynamoSettings;
use shared::token::AccessTokenVerifier;

/// Everything `progress` reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// `TABLE_NAME`: the progress table.
    pub table: TableName,
    /// `CONTENT_TABLE_NAME`: the content table, read-only: course outlines.
    pub content_table: TableName,
    pub dynamo: DynamoSettings,
    /// From `JWKS`, `JWT_ISSUER` and `JWT_AUDIENCE`.
    pub tokens: AccessTokenVerifier,
    /// `PUBLIC_BASE_URL`: where the API is reached from outside; a certificate's public
    /// verification URL is `{PUBLIC_BASE_URL}/certificates/{id}`, and its credential's issuer is
    /// this URL.
    pub public_base_url: PublicBaseUrl,
    /// The key certificates are signed with.
    pub certificate_key: CertificateKeyConfig,
}

impl Config {
    /// # Errors
    /// Names the first variable that is missing or malformed.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            table: TableName::from_env(env, "TABLE_NAME")?,
            content_table: TableName::from_env(env, "CONTENT_TABLE_NAME")?,
            dynamo: DynamoSettings::from_env(env)?,
            tokens: AccessTokenVerifier::from_env(env)?,
            public_base_url: PublicBaseUrl::from_env(env)?,
            certificate_key: CertificateKeyConfig::from_env(env)?,
        })
    }
}

/// The API's public base URL: `http(s)://host[/prefix]`, without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicBaseUrl(String);

impl PublicBaseUrl {
    const VARIABLE: &str = "PUBLIC_BASE_URL";

    /// # Errors
    /// When `PUBLIC_BASE_URL` is unset, or not an http(s) URL without query or fragment.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let raw = env.required(Self::VARIABLE)?;
        let rest = raw
            .strip_prefix("https://")
            .or_else(|| raw.strip_prefix("http://"));
        let host = rest.and_then(|r| r.split('/').next()).unwrap_or("");
        if host.is_empty() || raw.contains(['?', '#', ' ']) {
            return Err(ConfigError::malformed(
                Self::VARIABLE,
                format!("{raw:?} is not an http(s) URL such as https://api.example.com"),
            ));
        }
        Ok(Self(raw.trim_end_matches('/').to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where the certificate signing key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateKeySource {
    /// `CERTIFICATE_KEY_FILE`: a PEM file (local development).
    File(PathBuf),
    /// `CERTIFICATE_KEY_SECRET_ARN`: an AWS Secrets Manager secret whose string is the PEM,
    /// fetched once at cold start.
    Secret(String),
}

/// The certificate signing key's id and where to load it from. Holds no key material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateKeyConfig {
    /// `CERTIFICATE_KEY_ID`: the `kid` certificates carry and the JWKS publishes.
    pub kid: String,
    pub source: CertificateKeySource,
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
        let file = env.optional("CERTIFICATE_KEY_FILE");
        let secret = env.optional("CERTIFICATE_KEY_SECRET_ARN");
        let source = match (file, secret) {
            (Some(path), None) => CertificateKeySource::File(PathBuf::from(path)),
            (None, Some(arn)) if arn.starts_with("arn:") => {
                CertificateKeySource::Secret(arn.to_owned())
            }
            (None, Some(other)) => {
                return Err(ConfigError::malformed(
                    "CERTIFICATE_KEY_SECRET_ARN",
                    format!("{other:?} is not an ARN"),
                ));
            }
            (None, None) => {
                return Err(ConfigError::Missing {
                    name: "CERTIFICATE_KEY_FILE or CERTIFICATE_KEY_SECRET_ARN".into(),
                });
            }
            (Some(_), Some(_)) => {
                return Err(ConfigError::malformed(
                    "CERTIFICATE_KEY_FILE",
                    "set either it or CERTIFICATE_KEY_SECRET_ARN, not both",
                ));
            }
        };
        Ok(Self {
            kid: kid.to_owned(),
            source,
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
    fn the_public_base_url_loses_its_trailing_slash() {
        let url =
            PublicBaseUrl::from_env(&env(&[("PUBLIC_BASE_URL", "https://api.skillpath.dev/")]))
                .unwrap();
        assert_eq!(url.as_str(), "https://api.skillpath.dev");
    }

    #[test]
    fn a_public_base_url_that_is_not_http_is_refused_by_name() {
        for raw in [
            "api.skillpath.dev",
            "ftp://x",
            "https://",
            "https://a.dev/?x=1",
        ] {
            let err = PublicBaseUrl::from_env(&env(&[("PUBLIC_BASE_URL", raw)])).unwrap_err();
            assert!(err.to_string().contains("PUBLIC_BASE_URL"), "{raw}: {err}");
        }
    }

    #[test]
    fn the_certificate_key_comes_from_a_file_or_a_secret() {
        let file = CertificateKeyConfig::from_env(&env(&[
            ("CERTIFICATE_KEY_ID", "cert-1"),
            ("CERTIFICATE_KEY_FILE", "/keys/cert-1.pem"),
        ]))
        .unwrap();
        assert_eq!(
            file.source,
            CertificateKeySource::File("/keys/cert-1.pem".into())
        );
        let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:cert-1";
        let secret = CertificateKeyConfig::from_env(&env(&[
            ("CERTIFICATE_KEY_ID", "cert-1"),
            ("CERTIFICATE_KEY_SECRET_ARN", arn),
        ]))
        .unwrap();
        assert_eq!(secret.source, CertificateKeySource::Secret(arn.into()));
    }

    #[test]
    fn the_certificate_key_needs_exactly_one_source_and_an_id() {
        let neither = CertificateKeyConfig::from_env(&env(&[("CERTIFICATE_KEY_ID", "c")]));
        assert!(
            neither
                .unwrap_err()
                .to_string()
                .contains("CERTIFICATE_KEY_FILE")
        );
        let both = CertificateKeyConfig::from_env(&env(&[
            ("CERTIFICATE_KEY_ID", "c"),
            ("CERTIFICATE_KEY_FILE", "/k.pem"),
            ("CERTIFICATE_KEY_SECRET_ARN", "arn:aws:secretsmanager:x"),
        ]));
        assert!(both.unwrap_err().to_string().contains("not both"));
        let no_id = CertificateKeyConfig::from_env(&env(&[("CERTIFICATE_KEY_FILE", "/k.pem")]));
        assert!(
            no_id
                .unwrap_err()
                .to_string()
                .contains("CERTIFICATE_KEY_ID")
        );
    }
}
