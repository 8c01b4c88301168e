//! `auth`'s configuration, read once at cold start.

use shared::config::{ConfigError, Env, TableName};
use shared::dynamo::DynamoSettings;

/// Everything `auth` reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// `TABLE_NAME`: the auth table.
    pub table: TableName,
    pub dynamo: DynamoSettings,
}

impl Config {
    /// # Errors
    /// Names the first variable that is missing or malformed.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            table: TableName::from_env(env, "TABLE_NAME")?,
            dynamo: DynamoSettings::from_env(env)?,
        })
    }
}
