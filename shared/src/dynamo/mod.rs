//! DynamoDB: the client every function builds once per cold start, the attribute names every
//! single-table design here uses, item mapping, the one expression builder ([`Expr`]), the one
//! door every request goes through ([`Table`]), and the translation of SDK failures into
//! [`DbError`] (and from there into 503 or 500).

/// `$builder` with the condition expression and the placeholder maps of `$parts` (an
/// [`ExprParts`]): every request builder of the SDK has these three setters, under no common
/// trait.
macro_rules! with_expressions {
    ($builder:expr, $parts:expr) => {{
        let parts: $crate::dynamo::ExprParts = $parts;
        $builder
            .set_condition_expression(parts.condition)
            .set_expression_attribute_names(parts.names)
            .set_expression_attribute_values(parts.values)
    }};
}

mod error;
mod expr;
mod query;
mod table;
mod write;

pub use error::DbError;
pub use expr::{Attr, Cond, Expr, ExprParts, attr};
pub use query::{Query, QueryPage};
pub use table::{CONFLICT_ATTEMPTS, MAX_BATCH_KEYS, MAX_TRANSACTION_ITEMS, Table, retry_conflicts};
pub use write::Write;

use std::collections::HashMap;
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::SdkConfig;
use aws_types::region::Region;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::clock::Timestamp;
use crate::config::{ConfigError, Env, TableName};

/// The SDK behaviour this code was written and tested against; pinned so an SDK upgrade never
/// changes retry or timeout defaults silently.
pub const BEHAVIOR_VERSION: fn() -> BehaviorVersion = BehaviorVersion::v2026_01_12;

/// A DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

/// Partition key attribute of every table.
pub const PK: &str = "pk";
/// Sort key attribute of every table.
pub const SK: &str = "sk";
/// The first global secondary index of every table, and its key attributes.
pub const GSI1: &str = "gsi1";
pub const GSI1_PK: &str = "gsi1pk";
pub const GSI1_SK: &str = "gsi1sk";
/// The attribute naming what kind of entity an item is.
pub const ENTITY: &str = "entity";
/// The TTL attribute (epoch seconds) of items that expire: sessions, tokens, counters.
pub const EXPIRES_AT: &str = "expires_at";

/// The primary key of an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
        }
    }

    /// The key as the attribute map `GetItem`, `DeleteItem` and friends take.
    pub fn to_item(&self) -> Item {
        HashMap::from([
            (PK.to_owned(), AttributeValue::S(self.pk.clone())),
            (SK.to_owned(), AttributeValue::S(self.sk.clone())),
        ])
    }
}

/// How the DynamoDB client connects, times out and retries.
///
/// The defaults keep a whole call (every attempt and back-off) under three seconds, well inside
/// the functions' timeouts, so a slow or unreachable DynamoDB becomes a 503 the client can
/// retry rather than a Lambda timeout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamoSettings {
    /// `DYNAMODB_ENDPOINT`: an endpoint override (the local emulator); unset in AWS.
    pub endpoint: Option<String>,
    /// `DYNAMODB_CONNECT_TIMEOUT_MS` (default 500).
    pub connect_timeout: Duration,
    /// `DYNAMODB_ATTEMPT_TIMEOUT_MS` (default 800): one HTTP attempt.
    pub attempt_timeout: Duration,
    /// `DYNAMODB_OPERATION_TIMEOUT_MS` (default 2500): all attempts of one call.
    pub operation_timeout: Duration,
    /// `DYNAMODB_MAX_ATTEMPTS` (default 3).
    pub max_attempts: u32,
}

impl Default for DynamoSettings {
    fn default() -> Self {
        Self {
            endpoint: None,
            connect_timeout: Duration::from_millis(500),
            attempt_timeout: Duration::from_millis(800),
            operation_timeout: Duration::from_millis(2500),
            max_attempts: 3,
        }
    }
}

impl DynamoSettings {
    /// # Errors
    /// When a variable is malformed, or the endpoint is not an http(s) URL.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let defaults = Self::default();
        let endpoint = env.optional("DYNAMODB_ENDPOINT").map(str::to_owned);
        if let Some(url) = &endpoint
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::malformed(
                "DYNAMODB_ENDPOINT",
                format!("{url:?} is not an http(s) URL"),
            ));
        }
        let max_attempts = env.parsed_or("DYNAMODB_MAX_ATTEMPTS", defaults.max_attempts)?;
        if max_attempts == 0 {
            return Err(ConfigError::malformed(
                "DYNAMODB_MAX_ATTEMPTS",
                "must be at least 1",
            ));
        }
        Ok(Self {
            endpoint,
            connect_timeout: env
                .millis_or("DYNAMODB_CONNECT_TIMEOUT_MS", defaults.connect_timeout)?,
            attempt_timeout: env
                .millis_or("DYNAMODB_ATTEMPT_TIMEOUT_MS", defaults.attempt_timeout)?,
            operation_timeout: env
                .millis_or("DYNAMODB_OPERATION_TIMEOUT_MS", defaults.operation_timeout)?,
            max_attempts,
        })
    }
}

/// The AWS SDK configuration of a function (auth, content, progress, mail-sender), once per cold
/// start: the region, the keys and the HTTPS client of [`crate::tls`], built from the
/// environment alone.
///
/// The region and the keys are the environment's: `AWS_REGION`, and the role's keys Lambda sets
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`); the local stack, the
/// tests and the benchmarks set the same variables for the emulator. `AWS_ENDPOINT_URL`, the
/// SDK's own variable, points every client at one endpoint (the deploy rehearsal's emulator).
/// Nothing else is looked up: no profile, web identity (an STS client), container or instance
/// credentials, so aws-config's chains are neither run (~1.5 M instructions of every init,
/// BENCHMARKS.md §1) nor linked (~0.25 MB of each zip). What aws-config would add besides —
/// the sleep and time source, standard retries, the 3.1 s connect timeout, the identity cache —
/// every client built from this configuration gets from the SDK's defaults for
/// [`BEHAVIOR_VERSION`].
///
/// # Errors
/// When `AWS_CA_BUNDLE` is set and does not hold certificates, or without the region or the keys
/// (the error names the variable).
pub fn sdk_config(env: &Env) -> Result<SdkConfig, ConfigError> {
    let region = Region::new(env.required("AWS_REGION")?.to_owned());
    let keys = Credentials::new(
        env.required("AWS_ACCESS_KEY_ID")?,
        env.required("AWS_SECRET_ACCESS_KEY")?,
        env.optional("AWS_SESSION_TOKEN").map(str::to_owned),
        None,
        "the environment",
    );
    let mut builder = SdkConfig::builder()
        .behavior_version(BEHAVIOR_VERSION())
        .region(region)
        .credentials_provider(SharedCredentialsProvider::new(keys))
        .http_client(crate::tls::https_client(crate::tls::roots(env)?));
    if let Some(url) = env.optional("AWS_ENDPOINT_URL") {
        builder = builder.endpoint_url(url);
    }
    Ok(builder.build())
}

/// The AWS SDK configuration of an operator's command (`auth-admin`, `content-admin`): the SDK's
/// default region and credential chains (the environment, a profile, the instance's role, ...),
/// and the HTTPS client of [`crate::tls`]. Not for the functions: [`sdk_config`].
///
/// # Errors
/// When `AWS_CA_BUNDLE` is set and does not hold certificates.
pub async fn load_operator_config(env: &Env) -> Result<SdkConfig, ConfigError> {
    let http = crate::tls::https_client(crate::tls::roots(env)?);
    Ok(aws_config::defaults(BEHAVIOR_VERSION())
        .http_client(http)
        .load()
        .await)
}

/// The DynamoDB client, with the timeouts, retries and endpoint of `settings`.
pub fn client(sdk: &SdkConfig, settings: &DynamoSettings) -> Client {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(settings.connect_timeout)
        .operation_attempt_timeout(settings.attempt_timeout)
        .operation_timeout(settings.operation_timeout)
        .build();
    let retries = RetryConfig::standard()
        .with_max_attempts(settings.max_attempts)
        .with_initial_backoff(Duration::from_millis(50))
        .with_max_backoff(Duration::from_millis(500));
    let mut builder = aws_sdk_dynamodb::config::Builder::from(sdk)
        .timeout_config(timeouts)
        .retry_config(retries);
    if let Some(endpoint) = &settings.endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    Client::from_conf(builder.build())
}

/// Runs `work` (a cold start's loading of keys and secrets) while the connection to DynamoDB
/// opens, and answers what `work` answers. The first request then finds the connection open:
/// its TLS handshake runs while Lambda gives the init a full vCPU, not inside the request at the
/// memory setting's share (BENCHMARKS.md §1). The connection is `db`'s own, which the functions'
/// stores then use.
pub async fn while_connecting<T>(
    db: &Client,
    settings: &DynamoSettings,
    table: &TableName,
    work: impl Future<Output = T>,
) -> T {
    let (out, ()) = tokio::join!(work, open_connection(db, settings, table));
    out
}

/// One `GetItem` of a key no item has (half a read unit per cold start). One attempt, no
/// retries: a failure is only logged, and the first request meets it again and answers for it.
async fn open_connection(db: &Client, settings: &DynamoSettings, table: &TableName) {
    let read = db
        .get_item()
        .table_name(table.as_str())
        .key(PK, s("#CONNECTION"))
        .key(SK, s("#CONNECTION"))
        .projection_expression(PK)
        .customize()
        .config_override(aws_sdk_dynamodb::Config::builder().retry_config(RetryConfig::disabled()))
        .send();
    match tokio::time::timeout(settings.operation_timeout, read).await {
        Ok(Ok(_)) => {}
        Ok(Err(error)) => tracing::warn!(
            error = %aws_smithy_types::error::display::DisplayErrorContext(&error),
            "could not open the connection to DynamoDB during init"
        ),
        Err(_) => tracing::warn!("opening the connection to DynamoDB timed out during init"),
    }
}

/// The most an item may hold: 400 KB, attribute names and values together.
pub const MAX_ITEM_SIZE: usize = 400 * 1024;

/// `item`'s size by DynamoDB's rules: each attribute's name and value, in bytes — a string's
/// UTF-8 bytes; binary data's bytes; a number's significant digits, two to a byte, plus one; 1
/// for a boolean or null; a list or map 3, plus 1 per element and the elements (and a map's
/// names) themselves.
pub fn item_size(item: &Item) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + value_size(value))
        .sum()
}

fn value_size(value: &AttributeValue) -> usize {
    let number = |n: &String| {
        let digits = n.trim_start_matches(['-', '0']).replace('.', "");
        digits.trim_end_matches('0').len().div_ceil(2) + 1
    };
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => number(n),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Ss(all) => all.iter().map(String::len).sum(),
        AttributeValue::Ns(all) => all.iter().map(number).sum(),
        AttributeValue::Bs(all) => all.iter().map(|b| b.as_ref().len()).sum(),
        AttributeValue::L(all) => 3 + all.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        AttributeValue::M(all) => {
            3 + all
                .iter()
                .map(|(name, v)| 1 + name.len() + value_size(v))
                .sum::<usize>()
        }
        _ => 1,
    }
}

/// A string attribute.
pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// A number attribute.
pub fn n(value: impl Into<i128>) -> AttributeValue {
    AttributeValue::N(value.into().to_string())
}

/// A time attribute, in the one text form of [`Timestamp`].
pub fn ts(at: Timestamp) -> AttributeValue {
    AttributeValue::S(at.to_string())
}

/// A string-set attribute (DynamoDB refuses an empty one).
pub fn ss(values: impl IntoIterator<Item = impl Into<String>>) -> AttributeValue {
    AttributeValue::Ss(values.into_iter().map(Into::into).collect())
}

/// Serialises a value into an item.
///
/// # Errors
/// [`DbError::Other`] when the value has no DynamoDB representation (a bug).
pub fn to_item<T: Serialize>(value: &T) -> Result<Item, DbError> {
    serde_dynamo::to_item(value)
        .map_err(|e| DbError::Other(anyhow::Error::new(e).context("serialising an item")))
}

/// Reads an item into a value.
///
/// # Errors
/// [`DbError::Other`] when the item does not have the expected shape.
pub fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, DbError> {
    serde_dynamo::from_item(item)
        .map_err(|e| DbError::Other(anyhow::Error::new(e).context("reading an item")))
}

/// `value` as a JSON string attribute (`S`): for an item's large nested value, which DynamoDB
/// answers as one string and serde_json reads several times faster than the same value as
/// nested maps and lists (the SDK's `AttributeValue` tree, then serde_dynamo). Read it with
/// [`from_json_attribute`].
///
/// # Errors
/// [`DbError::Other`] when the value has no JSON representation (a bug).
pub fn json_attribute<T: Serialize>(value: &T) -> Result<AttributeValue, DbError> {
    serde_json::to_string(value)
        .map(AttributeValue::S)
        .map_err(|e| DbError::Other(anyhow::Error::new(e).context("serialising an attribute")))
}

/// A value stored by [`json_attribute`], or as a map, as items written before it was a string
/// hold it.
///
/// # Errors
/// When the string is not the value's JSON, the map is not the value, or it is neither.
pub fn from_json_or_map<T: DeserializeOwned>(value: AttributeValue) -> Result<T, DbError> {
    match value {
        AttributeValue::S(json) => serde_json::from_str(&json)
            .map_err(|e| DbError::Other(anyhow::Error::new(e).context("reading a JSON attribute"))),
        AttributeValue::M(map) => from_item(map),
        _ => Err(DbError::Other(anyhow::anyhow!(
            "an attribute is neither a JSON string nor a map"
        ))),
    }
}

/// For `#[serde(deserialize_with = "...")]`: a value stored by [`json_attribute`], or as maps and
/// lists, as items written before it was a string hold it.
///
/// # Errors
/// When the string is not the value's JSON, or the maps are not the value.
pub fn from_json_attribute<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: DeserializeOwned,
{
    struct Stored<T>(std::marker::PhantomData<T>);

    impl<'de, T: DeserializeOwned> serde::de::Visitor<'de> for Stored<T> {
        type Value = T;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON string, or maps and lists")
        }

        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
            serde_json::from_str(text).map_err(E::custom)
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
        }
    }

    deserializer.deserialize_any(Stored(std::marker::PhantomData))
}

/// Reads a list of items, as a `Query` returns them.
///
/// # Errors
/// [`DbError::Other`] when an item does not have the expected shape.
pub fn from_items<T: DeserializeOwned>(items: Vec<Item>) -> Result<Vec<T>, DbError> {
    items.into_iter().map(from_item).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_credential_types::provider::ProvideCredentials;
    use serde::Deserialize;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn item_sizes_follow_dynamodbs_rules() {
        let item = Item::from([
            ("title".to_owned(), s("Rust")),                            // 5 + 4
            ("n".to_owned(), n(123_450)),                               // 1 + 3 + 1
            ("page".to_owned(), AttributeValue::B(vec![0; 10].into())), // 4 + 10
            ("ok".to_owned(), AttributeValue::Bool(true)),              // 2 + 1
            (
                "tags".to_owned(),
                AttributeValue::L(vec![s("a"), s("bc")]), // 4 + 3 + 2 + 3
            ),
            (
                "seo".to_owned(),
                AttributeValue::M([("x".to_owned(), s("é"))].into()), // 3 + 3 + 1 + 1 + 2
            ),
        ]);
        assert_eq!(item_size(&item), 9 + 5 + 14 + 3 + 12 + 10);
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Nested {
        modules: Vec<(String, u32)>,
        note: Option<String>,
    }

    /// A stored document as content's are: a flattened part, and a nested value.
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Stored {
        id: String,
        #[serde(flatten)]
        rest: std::collections::BTreeMap<String, u32>,
        #[serde(deserialize_with = "from_json_attribute")]
        nested: Nested,
    }

    #[test]
    fn a_json_attribute_reads_back_and_so_does_the_same_value_stored_as_maps() {
        let value = Stored {
            id: "c1".into(),
            rest: [("version".to_owned(), 3)].into(),
            nested: Nested {
                modules: vec![("Backend".into(), 7), ("Databases".into(), 5)],
                note: None,
            },
        };
        let as_maps = to_item(&value).unwrap();
        assert!(matches!(as_maps["nested"], AttributeValue::M(_)));
        let mut as_string = as_maps.clone();
        as_string.insert("nested".into(), json_attribute(&value.nested).unwrap());
        assert!(matches!(&as_string["nested"], AttributeValue::S(json) if json.starts_with('{')));
        assert_eq!(from_item::<Stored>(as_string).unwrap(), value);
        assert_eq!(
            from_item::<Stored>(as_maps).unwrap(),
            value,
            "an item written before"
        );
        let mut broken = to_item(&value).unwrap();
        broken.insert("nested".into(), s("{not json"));
        assert!(from_item::<Stored>(broken).is_err());
    }

    /// Lambda's environment: the region and the role's keys, as Lambda sets them.
    fn lambda_env() -> Env {
        Env::from_pairs([
            ("AWS_LAMBDA_FUNCTION_NAME", "skillpath-dev-content"),
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "token"),
        ])
    }

    #[tokio::test]
    async fn the_region_and_keys_are_the_environments() {
        let sdk = sdk_config(&lambda_env()).unwrap();
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("eu-west-1"));
        assert_eq!(sdk.behavior_version(), Some(BEHAVIOR_VERSION()));
        assert!(
            sdk.http_client().is_some(),
            "the HTTPS client of shared::tls"
        );
        assert_eq!(sdk.endpoint_url(), None);
        let keys = sdk
            .credentials_provider()
            .expect("a credentials provider")
            .provide_credentials()
            .await
            .unwrap();
        assert_eq!(keys.access_key_id(), "ASIAEXAMPLE");
        assert_eq!(keys.secret_access_key(), "secret");
        assert_eq!(keys.session_token(), Some("token"));
    }

    #[test]
    fn without_the_region_or_the_keys_the_start_stops_naming_the_variable() {
        for missing in ["AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
            let env = lambda_env().with(missing, "");
            let error = sdk_config(&env).unwrap_err();
            assert_eq!(
                error,
                ConfigError::Missing {
                    name: missing.to_owned()
                }
            );
        }
        let without_session = lambda_env().with("AWS_SESSION_TOKEN", "");
        assert!(sdk_config(&without_session).is_ok(), "long-term keys");
    }

    #[tokio::test]
    async fn aws_endpoint_url_points_every_client_at_one_endpoint() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let sdk = sdk_config(&lambda_env().with("AWS_ENDPOINT_URL", url.clone())).unwrap();
        assert_eq!(sdk.endpoint_url(), Some(url.as_str()));
        let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
        let read = secrets.get_secret_value().secret_id("a-secret").send();
        tokio::select! {
            accepted = listener.accept() => { accepted.expect("Secrets Manager's request"); }
            answered = read => panic!("the request went elsewhere: {answered:?}"),
        }
    }

    /// Without aws-config, the client finds its sleep (for its timeouts and retries), its time
    /// source (for signing) and its identity cache in the SDK's defaults: a request is built,
    /// signed and sent, and fails only at the connection.
    #[tokio::test]
    async fn a_client_built_from_it_sends_its_requests() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let closed = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let settings = DynamoSettings {
            endpoint: Some(closed),
            max_attempts: 1,
            ..DynamoSettings::default()
        };
        let db = client(&sdk_config(&lambda_env()).unwrap(), &settings);
        let error = db.list_tables().send().await.unwrap_err();
        let aws_sdk_dynamodb::error::SdkError::DispatchFailure(failure) = &error else {
            panic!("expected the connection to fail, got {error:?}");
        };
        assert!(
            failure.is_io(),
            "a refused connection is retried: {error:?}"
        );
    }

    /// A server error (500) is retried on a new connection: the SDK closes ("poisons") the one
    /// that failed, which the client hands it, rather than taking it from the pool again.
    #[tokio::test]
    async fn a_retry_after_a_server_error_opens_a_new_connection() {
        use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let first = counted.fetch_add(1, Ordering::SeqCst) == 0;
                tokio::spawn(async move {
                    let mut socket = BufReader::new(socket);
                    // Each request on this connection: its headers, then its body.
                    loop {
                        let mut length = 0;
                        loop {
                            let mut line = String::new();
                            if socket.read_line(&mut line).await.unwrap_or(0) == 0 {
                                return;
                            }
                            let lower = line.to_ascii_lowercase();
                            if let Some(value) = lower.strip_prefix("content-length:") {
                                length = value.trim().parse().unwrap();
                            }
                            if line == "\r\n" {
                                break;
                            }
                        }
                        let mut body = vec![0; length];
                        socket.read_exact(&mut body).await.unwrap();
                        let (status, body) = if first {
                            (
                                "500 Internal Server Error",
                                r#"{"__type":"InternalServerError"}"#,
                            )
                        } else {
                            ("200 OK", r#"{"TableNames":[]}"#)
                        };
                        let answer = format!(
                            "HTTP/1.1 {status}\r\nContent-Type: application/x-amz-json-1.0\r\n\
                             Content-Length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        socket.get_mut().write_all(answer.as_bytes()).await.unwrap();
                    }
                });
            }
        });
        let settings = DynamoSettings {
            endpoint: Some(endpoint),
            max_attempts: 2,
            ..DynamoSettings::default()
        };
        let db = client(&sdk_config(&lambda_env()).unwrap(), &settings);
        db.list_tables()
            .send()
            .await
            .expect("the retry is answered");
        assert_eq!(
            connections.load(Ordering::SeqCst),
            2,
            "the retry's own connection"
        );
    }

    /// Connections that break before the answer — closed with the request unanswered, or cut
    /// inside the response's headers — are tried again on a new connection, and the call
    /// answers once DynamoDB does.
    #[tokio::test]
    async fn a_connection_that_breaks_before_the_answer_is_tried_again() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let answers: [&[u8]; 3] = [
                b"",
                b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Le",
                b"HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n\
                  Content-Length: 17\r\n\r\n{\"TableNames\":[]}",
            ];
            for answer in answers {
                let (mut socket, _) = listener.accept().await.unwrap();
                let mut request = [0; 4096];
                let _ = socket.read(&mut request).await.unwrap();
                socket.write_all(answer).await.unwrap();
                socket.shutdown().await.unwrap();
            }
        });
        let settings = DynamoSettings {
            endpoint: Some(endpoint),
            max_attempts: 3,
            ..DynamoSettings::default()
        };
        let db = client(&sdk_config(&lambda_env()).unwrap(), &settings);
        let tables = db
            .list_tables()
            .send()
            .await
            .expect("the third attempt is answered");
        assert_eq!(tables.table_names(), &[] as &[String]);
        server.await.unwrap();
    }

    #[test]
    fn settings_default_to_a_budget_that_fits_a_lambda_timeout() {
        let settings = DynamoSettings::from_env(&Env::default()).unwrap();
        assert_eq!(settings, DynamoSettings::default());
        assert!(settings.attempt_timeout < settings.operation_timeout);
        assert!(settings.operation_timeout <= Duration::from_secs(3));
    }

    #[test]
    fn an_endpoint_that_is_not_a_url_is_refused_by_name() {
        let env = Env::from_pairs([("DYNAMODB_ENDPOINT", "localhost:8000")]);
        let err = DynamoSettings::from_env(&env).unwrap_err();
        assert!(err.to_string().contains("DYNAMODB_ENDPOINT"), "{err}");
    }

    #[test]
    fn settings_are_read_from_the_environment() {
        let env = Env::from_pairs([
            ("DYNAMODB_ENDPOINT", "http://127.0.0.1:8000"),
            ("DYNAMODB_OPERATION_TIMEOUT_MS", "1500"),
            ("DYNAMODB_MAX_ATTEMPTS", "2"),
        ]);
        let settings = DynamoSettings::from_env(&env).unwrap();
        assert_eq!(settings.endpoint.as_deref(), Some("http://127.0.0.1:8000"));
        assert_eq!(settings.operation_timeout, Duration::from_millis(1500));
        assert_eq!(settings.max_attempts, 2);
    }

    #[test]
    fn a_key_becomes_the_two_key_attributes() {
        let item = Key::new("USER#1", "PROFILE").to_item();
        assert_eq!(item.len(), 2);
        assert_eq!(item["pk"], AttributeValue::S("USER#1".into()));
    }
}
