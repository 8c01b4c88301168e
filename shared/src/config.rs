//! Typed configuration, read from the environment once at cold start.
//!
//! Every function builds its `Config` from an [`Env`] snapshot and fails before serving a
//! single request when a variable is missing or malformed, naming the variable. Tests build an
//! [`Env`] from pairs instead of touching the process environment.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Why the configuration could not be read. The message always names the variable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("environment variable {name} is required but not set")]
    Missing { name: String },
    #[error("environment variable {name} is malformed: {reason}")]
    Malformed { name: String, reason: String },
}

impl ConfigError {
    /// A malformed-variable error, for checks a function makes beyond parsing.
    pub fn malformed(name: &str, reason: impl fmt::Display) -> Self {
        Self::Malformed {
            name: name.to_owned(),
            reason: reason.to_string(),
        }
    }
}

/// A snapshot of environment variables. Empty values count as unset.
#[derive(Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
}

// Values may be secrets: list the names only.
impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<_> = self.vars.keys().collect();
        names.sort();
        f.debug_struct("Env").field("names", &names).finish()
    }
}

impl Env {
    /// The process environment, as Lambda (or the local stack) set it.
    pub fn from_process() -> Self {
        Self {
            vars: std::env::vars().collect(),
        }
    }

    /// An environment made of the given pairs only.
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// This environment with `name` set to `value` (replacing any earlier value).
    #[must_use]
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.vars.insert(name.into(), value.into());
        self
    }

    /// The value of `name`, if set and not empty.
    pub fn optional(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The value of `name`.
    ///
    /// # Errors
    /// [`ConfigError::Missing`] when it is unset or empty.
    pub fn required(&self, name: &str) -> Result<&str, ConfigError> {
        self.optional(name).ok_or_else(|| ConfigError::Missing {
            name: name.to_owned(),
        })
    }

    /// The value of `name` parsed as `T`, or `default` when unset.
    ///
    /// # Errors
    /// [`ConfigError::Malformed`] when it is set but does not parse.
    pub fn parsed_or<T>(&self, name: &str, default: T) -> Result<T, ConfigError>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        match self.optional(name) {
            None => Ok(default),
            Some(raw) => raw
                .parse()
                .map_err(|e| ConfigError::malformed(name, format!("{e} (got {raw:?})"))),
        }
    }

    /// A duration given in whole milliseconds, or `default` when unset.
    ///
    /// # Errors
    /// [`ConfigError::Malformed`] when it is not a positive whole number.
    pub fn millis_or(&self, name: &str, default: Duration) -> Result<Duration, ConfigError> {
        let millis: u64 =
            self.parsed_or(name, default.as_millis().try_into().unwrap_or(u64::MAX))?;
        if millis == 0 {
            return Err(ConfigError::malformed(name, "must be greater than zero"));
        }
        Ok(Duration::from_millis(millis))
    }

    /// Whether `name` is set to a true value (`1`, `true`, `yes`, `on`), or `default` when unset.
    ///
    /// # Errors
    /// [`ConfigError::Malformed`] for any other value.
    pub fn flag_or(&self, name: &str, default: bool) -> Result<bool, ConfigError> {
        match self.optional(name).map(str::to_ascii_lowercase).as_deref() {
            None => Ok(default),
            Some("1" | "true" | "yes" | "on") => Ok(true),
            Some("0" | "false" | "no" | "off") => Ok(false),
            Some(other) => Err(ConfigError::malformed(
                name,
                format!("expected true or false, got {other:?}"),
            )),
        }
    }

    /// Exactly one of `local` (a value given here: the local stack's) and `secret` (the ARN of
    /// the AWS Secrets Manager secret that holds it instead).
    ///
    /// # Errors
    /// When neither or both are set, or the secret is not an ARN.
    pub fn local_or_secret(&self, local: &str, secret: &str) -> Result<Sourced<'_>, ConfigError> {
        match (self.optional(local), self.optional(secret)) {
            (Some(value), None) => Ok(Sourced::Local(value)),
            (None, Some(arn)) if arn.starts_with("arn:") => Ok(Sourced::Secret(arn)),
            (None, Some(other)) => Err(ConfigError::malformed(
                secret,
                format!("{other:?} is not an ARN"),
            )),
            (None, None) => Err(ConfigError::Missing {
                name: format!("{local} or {secret}"),
            }),
            (Some(_), Some(_)) => Err(ConfigError::malformed(
                local,
                format!("set either it or {secret}, not both"),
            )),
        }
    }

    /// Whether the process runs inside AWS Lambda (as opposed to a test or a local tool).
    pub fn in_lambda(&self) -> bool {
        self.optional("AWS_LAMBDA_FUNCTION_NAME").is_some()
    }
}

/// Where [`Env::local_or_secret`] found a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sourced<'a> {
    /// Given in the environment (the local stack).
    Local(&'a str),
    /// The ARN of the Secrets Manager secret that holds it (AWS).
    Secret(&'a str),
}

/// The name of a DynamoDB table, as given to the function by the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableName(String);

impl TableName {
    /// Reads a table name from `name`.
    ///
    /// # Errors
    /// When the variable is unset or not a valid DynamoDB table name (3–255 of `[A-Za-z0-9_.-]`).
    pub fn from_env(env: &Env, name: &str) -> Result<Self, ConfigError> {
        Self::parse(env.required(name)?).map_err(|reason| ConfigError::malformed(name, reason))
    }

    /// Checks a table name against DynamoDB's rules.
    ///
    /// # Errors
    /// A sentence saying what is wrong with it.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let valid_chars = raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !(3..=255).contains(&raw.len()) || !valid_chars {
            return Err(format!(
                "{raw:?} is not a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ - .)"
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where the school is reached from outside (`PUBLIC_BASE_URL`): an http(s) origin with an
/// optional path prefix, no query or fragment, kept without a trailing slash, e.g.
/// `https://skillpath.dev`. Links in mail, canonical URLs, the sitemap and certificates'
/// verification URLs are built on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// Reads it from the variable `name`.
    ///
    /// # Errors
    /// When the variable is unset or not such a URL.
    pub fn from_env(env: &Env, name: &str) -> Result<Self, ConfigError> {
        Self::parse(env.required(name)?).map_err(|reason| ConfigError::malformed(name, reason))
    }

    /// # Errors
    /// A sentence saying why `raw` is not an http(s) URL without query or fragment.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let refuse = || {
            format!(
                "{raw:?} is not an http(s) URL without query or fragment, such as https://skillpath.dev"
            )
        };
        if raw.contains(['?', '#']) || raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(refuse());
        }
        let uri: axum::http::Uri = raw.parse().map_err(|_| refuse())?;
        let web = matches!(uri.scheme_str(), Some("http" | "https"));
        let host = uri.host().is_some_and(|h| !h.is_empty());
        let no_user = uri.authority().is_some_and(|a| !a.as_str().contains('@'));
        if !(web && host && no_user) {
            return Err(refuse());
        }
        Ok(Self(raw.trim_end_matches('/').to_owned()))
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
    fn a_missing_variable_is_named_in_the_error() {
        let env = Env::from_pairs([("OTHER", "x")]);
        let err = TableName::from_env(&env, "TABLE_NAME").unwrap_err();
        assert_eq!(
            err.to_string(),
            "environment variable TABLE_NAME is required but not set"
        );
    }

    #[test]
    fn an_empty_variable_counts_as_missing() {
        let env = Env::from_pairs([("TABLE_NAME", "  ")]);
        assert!(matches!(
            env.required("TABLE_NAME"),
            Err(ConfigError::Missing { .. })
        ));
    }

    #[test]
    fn a_malformed_number_names_the_variable_and_the_value() {
        let env = Env::from_pairs([("DYNAMODB_MAX_ATTEMPTS", "three")]);
        let err = env.parsed_or("DYNAMODB_MAX_ATTEMPTS", 3u32).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("DYNAMODB_MAX_ATTEMPTS"), "{message}");
        assert!(message.contains("\"three\""), "{message}");
    }

    #[test]
    fn an_unset_variable_takes_the_default() {
        let env = Env::default();
        assert_eq!(env.parsed_or("X", 7u32), Ok(7));
        assert_eq!(
            env.millis_or("T", Duration::from_secs(1)),
            Ok(Duration::from_secs(1))
        );
        assert_eq!(env.flag_or("F", true), Ok(true));
    }

    #[test]
    fn zero_milliseconds_is_refused() {
        let env = Env::from_pairs([("T", "0")]);
        assert!(env.millis_or("T", Duration::from_secs(1)).is_err());
    }

    #[test]
    fn a_table_name_with_a_slash_is_refused() {
        let env = Env::from_pairs([("TABLE_NAME", "a/b")]);
        let err = TableName::from_env(&env, "TABLE_NAME").unwrap_err();
        assert!(matches!(err, ConfigError::Malformed { ref name, .. } if name == "TABLE_NAME"));
    }

    #[test]
    fn debug_output_lists_names_but_never_values() {
        let env = Env::from_pairs([("SIGNING_KEY", "very-secret")]);
        let shown = format!("{env:?}");
        assert!(shown.contains("SIGNING_KEY"));
        assert!(!shown.contains("very-secret"));
    }

    #[test]
    fn a_base_url_loses_its_trailing_slash_and_must_be_a_web_origin() {
        let env = Env::from_pairs([("PUBLIC_BASE_URL", "https://skillpath.dev/")]);
        let url = BaseUrl::from_env(&env, "PUBLIC_BASE_URL").unwrap();
        assert_eq!(url.as_str(), "https://skillpath.dev");
        assert_eq!(
            BaseUrl::parse("http://127.0.0.1:9000/school")
                .unwrap()
                .join("/courses/x"),
            "http://127.0.0.1:9000/school/courses/x"
        );
        for bad in [
            "skillpath.dev",
            "ftp://x.dev",
            "https://",
            "https://x.dev/?a=1",
            "https://x.dev/#top",
            "https://user:pw@x.dev",
            "https://x.dev/a b",
        ] {
            let err = BaseUrl::from_env(
                &Env::from_pairs([("PUBLIC_BASE_URL", bad)]),
                "PUBLIC_BASE_URL",
            )
            .unwrap_err();
            assert!(err.to_string().contains("PUBLIC_BASE_URL"), "{bad}: {err}");
        }
    }
}
