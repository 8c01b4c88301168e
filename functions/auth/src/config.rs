//! `auth`'s configuration, read once at cold start: the function's ([`Config`]) and its mail
//! sender's ([`SenderConfig`]).
//!
//! | variable | meaning |
//! |---|---|
//! | `TABLE_NAME` | the auth table |
//! | `DYNAMODB_*` | the DynamoDB client (see [`DynamoSettings`]) |
//! | `JWT_ISSUER`, `JWT_AUDIENCE` | `iss` and `aud` of access tokens |
//! | `JWKS` | the access-token public keys (current and previous), a JWKS document; must hold `SIGNING_KEY_ID` |
//! | `CERTIFICATE_JWKS` / `CERTIFICATE_JWKS_SECRET_ARN` | optional: the public keys that sign certificates, served beside `JWKS`: the document itself (local), or a Secrets Manager secret whose string is the document (AWS: every certificate key stays published, and with the access-token keys they would outgrow Lambda's 4 KB of environment); at most one |
//! | `CERTIFICATE_KEY_ID` | optional: the `kid` progress signs certificates with; the published certificate keys must hold it (a change of it also starts fresh instances, which read the keys again) |
//! | `SIGNING_KEY_ID` | the `kid` of the private key that signs access tokens |
//! | `SIGNING_KEY_FILE` / `SIGNING_KEY_SECRET_ARN` | where that key's PEM is: a local file (dev), or the secret string of a Secrets Manager secret (AWS); exactly one |
//! | `MAIL_QUEUE_URL` | the queue of mail to send (SQS), which the mail sender drains |
//! | `SQS_ENDPOINT` | optional: an SQS endpoint override (the local emulator); unset in AWS |
//! | `PUBLIC_BASE_URL` | where the school's site is |
//! | `CURSOR_KEY` / `CURSOR_KEY_SECRET_ARN` | what signs the account listing's cursors: the key itself (local), or a Secrets Manager secret whose string is the key (AWS); exactly one |
//! | `ACCESS_TOKEN_TTL_SECONDS` | optional, default and maximum 900 |
//! | `SESSION_TTL_DAYS` | optional, default 30: how long a login's refresh tokens can be used |
//! | `EMAIL_VERIFICATION_TTL_HOURS` | optional, default 48 |
//! | `PASSWORD_RESET_TTL_SECONDS` | optional, default 1800, at most 3600 |
//! | `LOGIN_LOCKOUT_BASE_MS` | optional, default 1000: the first lockout after 5 failed logins; each further failure doubles it, up to 15 minutes |
//!
//! The mail sender reads `TABLE_NAME`, `DYNAMODB_*`, `PUBLIC_BASE_URL` (links in mail point
//! there), the two link lifetimes above, and:
//!
//! | variable | meaning |
//! |---|---|
//! | `MAILER` | `log` (local only: mail is written to the log) or `ses` (with `MAIL_FROM`) |
//! | `MAIL_QUEUE_URL`, `SQS_ENDPOINT` | locally, where `mail-sender --poll` reads the queue; under Lambda the queue invokes it |

use std::time::Duration;

use jsonwebtoken::jwk::JwkSet;
use shared::config::{BaseUrl, ConfigError, Env, TableName};
use shared::dynamo::DynamoSettings;
use shared::page::CursorKeySource;
use shared::token::{KeySource, MAX_ACCESS_TOKEN_TTL, TokenSettings, VerifyingKeys};

/// The queue of mail to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSettings {
    /// `MAIL_QUEUE_URL`.
    pub url: String,
    /// `SQS_ENDPOINT`, if set.
    pub endpoint: Option<String>,
}

impl QueueSettings {
    fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let url = env.required("MAIL_QUEUE_URL")?.to_owned();
        let endpoint = env.optional("SQS_ENDPOINT").map(str::to_owned);
        for (name, value) in [
            ("MAIL_QUEUE_URL", Some(&url)),
            ("SQS_ENDPOINT", endpoint.as_ref()),
        ] {
            if let Some(value) = value
                && !(value.starts_with("https://") || value.starts_with("http://"))
            {
                return Err(ConfigError::malformed(
                    name,
                    format!("{value:?} is not an http(s) URL"),
                ));
            }
        }
        Ok(Self { url, endpoint })
    }
}

/// How mail is delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailerConfig {
    /// `MAILER=log`: written to the log, for the local stack only.
    Log,
    /// `MAILER=ses`: Amazon SES, sent from `MAIL_FROM`.
    Ses { from: String },
}

/// Lifetimes of what `auth` hands out, and the login lockout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifetimes {
    pub access_token: Duration,
    pub session: Duration,
    pub email_verification: Duration,
    pub password_reset: Duration,
    pub lockout_base: Duration,
}

/// Everything `auth` reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// `TABLE_NAME`: the auth table.
    pub table: TableName,
    pub dynamo: DynamoSettings,
    pub tokens: TokenSettings,
    /// `JWKS`, parsed.
    pub jwks: JwkSet,
    /// `CERTIFICATE_JWKS`, parsed, if set.
    pub certificate_jwks: Option<JwkSet>,
    /// `CERTIFICATE_JWKS_SECRET_ARN`, if set: where the certificate keys are instead.
    pub certificate_jwks_secret: Option<String>,
    /// `CERTIFICATE_KEY_ID`, if set: the certificate key that must be published.
    pub certificate_key_id: Option<String>,
    /// `SIGNING_KEY_ID`.
    pub signing_key_id: String,
    /// `SIGNING_KEY_FILE` or `SIGNING_KEY_SECRET_ARN`.
    pub signing_key: KeySource,
    pub mail_queue: QueueSettings,
    /// `PUBLIC_BASE_URL`.
    pub public_base_url: BaseUrl,
    pub lifetimes: Lifetimes,
    /// `CURSOR_KEY` or `CURSOR_KEY_SECRET_ARN`.
    pub cursor_key: CursorKeySource,
}

impl Config {
    /// # Errors
    /// Names the first variable that is missing or malformed.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let jwks = jwk_set(env, "JWKS")?.ok_or_else(|| ConfigError::Missing {
            name: "JWKS".into(),
        })?;
        let certificate_jwks = jwk_set(env, "CERTIFICATE_JWKS")?;
        let certificate_jwks_secret = env
            .optional("CERTIFICATE_JWKS_SECRET_ARN")
            .map(str::to_owned);
        if certificate_jwks.is_some() && certificate_jwks_secret.is_some() {
            return Err(ConfigError::malformed(
                "CERTIFICATE_JWKS",
                "set either CERTIFICATE_JWKS or CERTIFICATE_JWKS_SECRET_ARN, not both",
            ));
        }
        let certificate_key_id = env.optional("CERTIFICATE_KEY_ID").map(str::to_owned);
        if let Some(certificates) = &certificate_jwks {
            check_certificate_keys(&jwks, certificates, certificate_key_id.as_deref())
                .map_err(|reason| ConfigError::malformed("CERTIFICATE_JWKS", reason))?;
        }
        let signing_key_id = env.required("SIGNING_KEY_ID")?.to_owned();
        if jwks.find(&signing_key_id).is_none() {
            return Err(ConfigError::malformed(
                "JWKS",
                format!(
                    "it has no key with SIGNING_KEY_ID {signing_key_id}: publish the public key before signing with it"
                ),
            ));
        }
        let signing_key = KeySource::from_env(env, "SIGNING_KEY_FILE", "SIGNING_KEY_SECRET_ARN")?;
        let public_base_url = BaseUrl::from_env(env, "PUBLIC_BASE_URL")?;
        Ok(Self {
            table: TableName::from_env(env, "TABLE_NAME")?,
            dynamo: DynamoSettings::from_env(env)?,
            tokens: TokenSettings::from_env(env)?,
            jwks,
            certificate_jwks,
            certificate_jwks_secret,
            certificate_key_id,
            signing_key_id,
            signing_key,
            mail_queue: QueueSettings::from_env(env)?,
            public_base_url,
            lifetimes: Lifetimes::from_env(env)?,
            cursor_key: CursorKeySource::from_env(env)?,
        })
    }
}

/// Everything the mail sender reads from its environment.
#[derive(Debug, Clone)]
pub struct SenderConfig {
    /// `TABLE_NAME`: the auth table, where accounts and link tokens are.
    pub table: TableName,
    pub dynamo: DynamoSettings,
    pub mailer: MailerConfig,
    /// `PUBLIC_BASE_URL`: where the links in mail point.
    pub public_base_url: BaseUrl,
    pub lifetimes: Lifetimes,
    /// `MAIL_QUEUE_URL` and `SQS_ENDPOINT`, when set: the queue `--poll` reads.
    pub mail_queue: Option<QueueSettings>,
}

impl SenderConfig {
    /// # Errors
    /// Names the first variable that is missing or malformed.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let mailer = match env.required("MAILER")? {
            "log" => MailerConfig::Log,
            "ses" => MailerConfig::Ses {
                from: env.required("MAIL_FROM")?.to_owned(),
            },
            other => {
                return Err(ConfigError::malformed(
                    "MAILER",
                    format!("expected log or ses, got {other:?}"),
                ));
            }
        };
        let mail_queue = match env.optional("MAIL_QUEUE_URL") {
            Some(_) => Some(QueueSettings::from_env(env)?),
            None => None,
        };
        Ok(Self {
            table: TableName::from_env(env, "TABLE_NAME")?,
            dynamo: DynamoSettings::from_env(env)?,
            mailer,
            public_base_url: BaseUrl::from_env(env, "PUBLIC_BASE_URL")?,
            lifetimes: Lifetimes::from_env(env)?,
            mail_queue,
        })
    }
}

impl Lifetimes {
    fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let access_token = seconds(env, "ACCESS_TOKEN_TTL_SECONDS", MAX_ACCESS_TOKEN_TTL)?;
        if access_token > MAX_ACCESS_TOKEN_TTL {
            return Err(ConfigError::malformed(
                "ACCESS_TOKEN_TTL_SECONDS",
                "access tokens live at most 900 seconds",
            ));
        }
        let password_reset = seconds(env, "PASSWORD_RESET_TTL_SECONDS", Duration::from_secs(1800))?;
        if password_reset > Duration::from_secs(3600) {
            return Err(ConfigError::malformed(
                "PASSWORD_RESET_TTL_SECONDS",
                "reset tokens live at most an hour",
            ));
        }
        let days: u64 = env.parsed_or("SESSION_TTL_DAYS", 30)?;
        let hours: u64 = env.parsed_or("EMAIL_VERIFICATION_TTL_HOURS", 48)?;
        if days == 0 || hours == 0 {
            return Err(ConfigError::malformed(
                if days == 0 {
                    "SESSION_TTL_DAYS"
                } else {
                    "EMAIL_VERIFICATION_TTL_HOURS"
                },
                "must be greater than zero",
            ));
        }
        Ok(Self {
            access_token,
            session: Duration::from_secs(days * 86_400),
            email_verification: Duration::from_secs(hours * 3600),
            password_reset,
            lockout_base: env.millis_or("LOGIN_LOCKOUT_BASE_MS", Duration::from_secs(1))?,
        })
    }
}

fn seconds(env: &Env, name: &str, default: Duration) -> Result<Duration, ConfigError> {
    let value: u64 = env.parsed_or(name, default.as_secs())?;
    if value == 0 {
        return Err(ConfigError::malformed(name, "must be greater than zero"));
    }
    Ok(Duration::from_secs(value))
}

/// Checks the certificate keys against the access-token keys (no kid in both) and, given the
/// kid progress signs with, that they publish it.
///
/// # Errors
/// Says which rule the keys break.
pub fn check_certificate_keys(
    access: &JwkSet,
    certificates: &JwkSet,
    signing_kid: Option<&str>,
) -> Result<(), String> {
    for key in &certificates.keys {
        if let Some(kid) = &key.common.key_id
            && access.find(kid).is_some()
        {
            return Err(format!("kid {kid} is also an access-token key in JWKS"));
        }
    }
    match signing_kid {
        Some(kid) if certificates.find(kid).is_none() => Err(format!(
            "it has no key with CERTIFICATE_KEY_ID {kid}: publish the certificate key before \
             progress signs with it"
        )),
        _ => Ok(()),
    }
}

/// A JWKS document of RSA keys with kids, as the verifier accepts them.
fn jwk_set(env: &Env, name: &str) -> Result<Option<JwkSet>, ConfigError> {
    let Some(json) = env.optional(name) else {
        return Ok(None);
    };
    let set: JwkSet = serde_json::from_str(json)
        .map_err(|e| ConfigError::malformed(name, format!("not a JWKS document: {e}")))?;
    VerifyingKeys::from_jwks_set(&set).map_err(|reason| ConfigError::malformed(name, reason))?;
    Ok(Some(set))
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWKS: &str = r#"{"keys":[{"kty":"RSA","use":"sig","alg":"RS256","kid":"k1","n":"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw","e":"AQAB"}]}"#;

    fn env() -> Env {
        Env::from_pairs([
            ("TABLE_NAME", "auth-table"),
            ("JWT_ISSUER", "https://auth.example"),
            ("JWT_AUDIENCE", "api"),
            ("JWKS", JWKS),
            ("SIGNING_KEY_ID", "k1"),
            ("SIGNING_KEY_FILE", "/keys/k1.pem"),
            (
                "MAIL_QUEUE_URL",
                "http://127.0.0.1:8000/123456789012/skillpath-local-mail",
            ),
            ("PUBLIC_BASE_URL", "https://school.example/"),
            ("CURSOR_KEY", "a local cursor key of at least 32 bytes"),
        ])
    }

    #[test]
    fn the_local_environment_reads_with_its_defaults() {
        let config = Config::from_env(&env()).unwrap();
        assert_eq!(config.signing_key, KeySource::File("/keys/k1.pem".into()));
        assert_eq!(config.mail_queue.endpoint, None);
        assert_eq!(config.public_base_url.as_str(), "https://school.example");
        assert_eq!(config.lifetimes.access_token, Duration::from_secs(900));
        assert_eq!(config.lifetimes.password_reset, Duration::from_secs(1800));
    }

    #[test]
    fn a_signing_key_the_jwks_does_not_publish_is_refused() {
        let err = Config::from_env(&env().with("SIGNING_KEY_ID", "k2")).unwrap_err();
        assert!(err.to_string().contains("JWKS"), "{err}");
    }

    #[test]
    fn the_sender_reads_its_own_variables_and_ses_needs_a_sender() {
        let sender = Env::from_pairs([
            ("TABLE_NAME", "auth-table"),
            ("MAILER", "log"),
            ("PUBLIC_BASE_URL", "https://school.example/"),
        ]);
        let config = SenderConfig::from_env(&sender).unwrap();
        assert_eq!(config.mailer, MailerConfig::Log);
        assert_eq!(config.mail_queue, None);
        let err = SenderConfig::from_env(&sender.with("MAILER", "ses")).unwrap_err();
        assert!(err.to_string().contains("MAIL_FROM"), "{err}");
    }

    #[test]
    fn the_queue_is_a_url_and_the_key_needs_exactly_one_source() {
        let err = Config::from_env(&env().with("MAIL_QUEUE_URL", "skillpath-mail")).unwrap_err();
        assert!(err.to_string().contains("MAIL_QUEUE_URL"), "{err}");
        let err = Config::from_env(&env().with("SIGNING_KEY_SECRET_ARN", "arn:x")).unwrap_err();
        assert!(err.to_string().contains("not both"), "{err}");
    }

    #[test]
    fn lifetimes_beyond_the_rules_are_refused() {
        for (name, value) in [
            ("ACCESS_TOKEN_TTL_SECONDS", "901"),
            ("PASSWORD_RESET_TTL_SECONDS", "3601"),
            ("SESSION_TTL_DAYS", "0"),
        ] {
            let err = Config::from_env(&env().with(name, value)).unwrap_err();
            assert!(err.to_string().contains(name), "{name}: {err}");
        }
    }

    #[test]
    fn the_certificate_keys_come_from_one_place_and_publish_the_signing_kid() {
        let err = Config::from_env(
            &env()
                .with("CERTIFICATE_JWKS", JWKS.replace("k1", "c1"))
                .with("CERTIFICATE_JWKS_SECRET_ARN", "arn:x"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("not both"), "{err}");
        let err = Config::from_env(
            &env()
                .with("CERTIFICATE_JWKS", JWKS.replace("k1", "c1"))
                .with("CERTIFICATE_KEY_ID", "c2"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("CERTIFICATE_KEY_ID c2"), "{err}");
        let config = Config::from_env(&env().with("CERTIFICATE_JWKS_SECRET_ARN", "arn:x")).unwrap();
        assert_eq!(config.certificate_jwks_secret.as_deref(), Some("arn:x"));
    }

    #[test]
    fn a_certificate_key_may_not_reuse_an_access_token_kid() {
        let err = Config::from_env(&env().with("CERTIFICATE_JWKS", JWKS)).unwrap_err();
        assert!(err.to_string().contains("CERTIFICATE_JWKS"), "{err}");
    }
}
