//! `content`'s configuration, read once at cold start.

use std::fmt;

use shared::config::{ConfigError, Env, TableName};
use shared::dynamo::DynamoSettings;
use shared::token::AccessTokenVerifier;

/// Everything `content` reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// `TABLE_NAME`: the content table.
    pub table: TableName,
    /// `PROGRESS_TABLE_NAME`: the progress table, read-only: enrolments gate non-preview lessons.
    pub progress_table: TableName,
    pub dynamo: DynamoSettings,
    /// From `JWKS`, `JWT_ISSUER` and `JWT_AUDIENCE`.
    pub tokens: AccessTokenVerifier,
    /// `PUBLIC_BASE_URL`: where the school's pages live; canonical URLs, the sitemap and
    /// JSON-LD are built on it.
    pub public_base_url: BaseUrl,
}

impl Config {
    /// # Errors
    /// Names the first variable that is missing or malformed.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let base = env.required("PUBLIC_BASE_URL")?;
        Ok(Self {
            table: TableName::from_env(env, "TABLE_NAME")?,
            progress_table: TableName::from_env(env, "PROGRESS_TABLE_NAME")?,
            dynamo: DynamoSettings::from_env(env)?,
            tokens: AccessTokenVerifier::from_env(env)?,
            public_base_url: BaseUrl::parse(base)
                .map_err(|reason| ConfigError::malformed("PUBLIC_BASE_URL", reason))?,
        })
    }
}

/// The origin (and optional path prefix) of the school's public pages, without a trailing
/// slash: `https://skillpath.dev`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// # Errors
    /// When `raw` is not an http(s) URL without query or fragment.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url = url::Url::parse(raw).map_err(|e| format!("{raw:?} is not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https")
            || url.host_str().is_none()
            || url.query().is_some()
            || url.fragment().is_some()
        {
            return Err(format!(
                "{raw:?} must be an http(s) URL without query or fragment"
            ));
        }
        Ok(Self(url.as_str().trim_end_matches('/').to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_url_loses_its_trailing_slash_and_must_be_a_web_origin() {
        assert_eq!(
            BaseUrl::parse("https://skillpath.dev/").unwrap().as_str(),
            "https://skillpath.dev"
        );
        assert_eq!(
            BaseUrl::parse("http://127.0.0.1:9000")
                .unwrap()
                .join("/courses/x"),
            "http://127.0.0.1:9000/courses/x"
        );
        for bad in ["skillpath.dev", "ftp://x.dev", "https://x.dev/?a=1"] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad} was accepted");
        }
    }
}
