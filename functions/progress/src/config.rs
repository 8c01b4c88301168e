//! `progress`'s configuration, read once at cold start.

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
        })
    }
}
