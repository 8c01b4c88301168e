//! `content`'s configuration, read once at cold start.

use shared::config::{BaseUrl, ConfigError, Env, TableName};
use shared::dynamo::DynamoSettings;
use shared::page::CursorKeySource;
use shared::token::AccessTokenVerifier;

/// Everything `content` reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// `TABLE_NAME`: the content table.
    pub table: TableName,
    /// `PROGRESS_TABLE_NAME`: the progress table, read-only: enrollments gate non-preview lessons.
    pub progress_table: TableName,
    /// `AUTH_TABLE_NAME`: the auth table, read-only: authoring is checked against the author's
    /// account as it is now (`shared::account`).
    pub auth_table: TableName,
    pub dynamo: DynamoSettings,
    /// From `JWKS`, `JWT_ISSUER` and `JWT_AUDIENCE`.
    pub tokens: AccessTokenVerifier,
    /// `PUBLIC_BASE_URL`: where the school's pages live; canonical URLs, the sitemap and
    /// JSON-LD are built on it.
    pub public_base_url: BaseUrl,
    /// `CURSOR_KEY` or `CURSOR_KEY_SECRET_ARN`: what signs the listings' cursors.
    pub cursor_key: CursorKeySource,
}

impl Config {
    /// # Errors
    /// Names the first variable that is missing or malformed.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            table: TableName::from_env(env, "TABLE_NAME")?,
            progress_table: TableName::from_env(env, "PROGRESS_TABLE_NAME")?,
            auth_table: TableName::from_env(env, "AUTH_TABLE_NAME")?,
            dynamo: DynamoSettings::from_env(env)?,
            tokens: AccessTokenVerifier::from_env(env)?,
            public_base_url: BaseUrl::from_env(env, "PUBLIC_BASE_URL")?,
            cursor_key: CursorKeySource::from_env(env)?,
        })
    }
}
