//! Test support for skillpath's integration tests.
//!
//! Tests go through the real path: an HTTP request into a function's router, the real
//! `aws-sdk-dynamodb` client, and the local DynamoDB emulator (`DYNAMODB_ENDPOINT`, started by
//! the README's test command). Each test creates its own tables, named afresh, from the table
//! definitions in `infra/template.yaml`, so tests run in parallel against one emulator.

pub mod accounts;
pub mod env;
pub mod forgery;
pub mod http;
pub mod logs;
pub mod proxy;
pub mod tables;
pub mod tls;
pub mod tokens;

use std::time::Duration;

use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use shared::config::Env;
use shared::dynamo::{BEHAVIOR_VERSION, DynamoSettings};

pub use http::{TestResponse, TestRouter};
pub use tables::{Tables, create_tables};

/// The emulator's endpoint, from `DYNAMODB_ENDPOINT`.
///
/// # Panics
/// When it is unset: the tests need the emulator the test command starts.
pub fn emulator_endpoint() -> String {
    std::env::var("DYNAMODB_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "DYNAMODB_ENDPOINT is not set: run the README's test command, which starts the \
             local DynamoDB emulator, or start it yourself and export its URL"
        )
    })
}

/// SDK configuration for the emulator: fixed region and dummy credentials, no probing of the
/// environment or instance metadata.
pub async fn sdk_config() -> SdkConfig {
    sdk_config_as("test").await
}

/// SDK configuration for the emulator under the access key `principal`: a function's name for
/// the function under test, so that the emulator's audit (`dynamodb-emulator --audit`, read
/// by `infra/check-grants`) tells which function made each request. The HTTP client is the
/// functions' own (`shared::tls`; the workspace builds the SDK without a default one).
pub async fn sdk_config_as(principal: &str) -> SdkConfig {
    let roots = shared::tls::roots(&Env::default()).expect("the bundled roots");
    aws_config::defaults(BEHAVIOR_VERSION())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(Credentials::new(principal, "test", None, None, "testkit"))
        .http_client(shared::tls::https_client(roots))
        .load()
        .await
}

/// DynamoDB settings pointing at the emulator, with the production timeouts.
pub fn dynamo_settings() -> DynamoSettings {
    DynamoSettings {
        endpoint: Some(emulator_endpoint()),
        ..DynamoSettings::default()
    }
}

/// DynamoDB settings pointing at `endpoint`, with short timeouts, for fault tests.
pub fn dynamo_settings_at(endpoint: &str) -> DynamoSettings {
    DynamoSettings {
        endpoint: Some(endpoint.to_owned()),
        connect_timeout: Duration::from_millis(200),
        attempt_timeout: Duration::from_millis(300),
        operation_timeout: Duration::from_millis(1000),
        max_attempts: 2,
    }
}

/// A DynamoDB client for the emulator, to arrange data or check what a request wrote. Not the
/// functions' timeouts: a test that arranges a dozen accounts at once, beside other tests, on
/// an emulator that takes one request at a time, may wait seconds for its turn, and what it
/// arranges is not what it tests (a setup write that timed out at 800 ms failed a race test).
pub async fn dynamo_client() -> aws_sdk_dynamodb::Client {
    let settings = DynamoSettings {
        connect_timeout: Duration::from_secs(2),
        attempt_timeout: Duration::from_secs(10),
        operation_timeout: Duration::from_secs(30),
        ..dynamo_settings()
    };
    shared::dynamo::client(&sdk_config().await, &settings)
}
