//! The functions trust Amazon's roots and nothing else (shared::tls): DynamoDB behind a
//! certificate another CA issued is refused at the handshake, before the request is sent; the
//! same endpoint is reached once `AWS_CA_BUNDLE` names that CA.

use aws_sdk_dynamodb::error::SdkError;
use shared::config::Env;
use shared::config::TableName;
use shared::dynamo::{DynamoSettings, client, load_operator_config, sdk_config, while_connecting};
use testkit::proxy::DynamoProxy;
use testkit::tls::{Chain, TlsEndpoint, test_ca};

/// A function's environment for the emulator (its region and keys), with `pairs`.
fn function_env(pairs: &[(&str, String)]) -> Env {
    pairs.iter().fold(
        Env::from_pairs([
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
        ]),
        |env, (name, value)| env.with(*name, value.clone()),
    )
}

async fn list_tables(
    env: &Env,
    endpoint: &TlsEndpoint,
) -> Result<(), SdkError<aws_sdk_dynamodb::operation::list_tables::ListTablesError>> {
    let settings = DynamoSettings {
        endpoint: Some(endpoint.url.clone()),
        max_attempts: 1,
        ..testkit::dynamo_settings()
    };
    let sdk = sdk_config(env).expect("the SDK's configuration");
    client(&sdk, &settings)
        .list_tables()
        .limit(1)
        .send()
        .await
        .map(drop)
}

/// Both kinds of chain AWS endpoints present, and both protocol versions: the ECDSA chain over
/// TLS 1.3, the RSA chain over TLS 1.2 only.
#[tokio::test]
async fn dynamodb_behind_a_certificate_amazon_did_not_issue_is_refused() {
    for chain in [Chain::Ecdsa, Chain::Rsa] {
        let endpoint = TlsEndpoint::start_with(&testkit::emulator_endpoint(), chain).await;

        let refused = list_tables(&function_env(&[]), &endpoint)
            .await
            .expect_err("a certificate chaining to the test CA is not trusted");
        let SdkError::DispatchFailure(failure) = &refused else {
            panic!("{chain:?}: expected the connection to fail, got {refused:?}");
        };
        let cause = format!("{:?}", failure.as_connector_error());
        assert!(
            cause.contains("UnknownIssuer"),
            "{chain:?}: refused for its issuer: {cause}"
        );

        let trusted = function_env(&[("AWS_CA_BUNDLE", chain.ca().display().to_string())]);
        list_tables(&trusted, &endpoint).await.unwrap_or_else(|e| {
            panic!("{chain:?}: its CA named in AWS_CA_BUNDLE, it answers: {e:?}")
        });
    }
}

#[tokio::test]
async fn an_aws_ca_bundle_without_certificates_stops_the_start() {
    let not_pem = std::env::temp_dir().join(format!("not-a-bundle-{}.pem", std::process::id()));
    std::fs::write(&not_pem, "# a comment and no certificate\n").expect("a temporary file");
    for path in [not_pem.clone(), "/nonexistent/ca.pem".into()] {
        let env = function_env(&[("AWS_CA_BUNDLE", path.display().to_string())]);
        let error = sdk_config(&env).expect_err("an unusable bundle is a configuration error");
        assert!(error.to_string().contains("AWS_CA_BUNDLE"), "{error}");
        let error = load_operator_config(&env)
            .await
            .expect_err("and stops an operator's command too");
        assert!(error.to_string().contains("AWS_CA_BUNDLE"), "{error}");
    }
    let _ = std::fs::remove_file(not_pem);
}

#[tokio::test]
async fn the_connection_opened_during_init_is_the_one_the_first_request_uses() {
    // The emulator closes every connection after its answer, as DynamoDB does not; the proxy
    // between keeps the client's open, as DynamoDB does.
    let proxy = DynamoProxy::start().await;
    let endpoint = TlsEndpoint::start(&proxy.endpoint()).await;
    let env = function_env(&[("AWS_CA_BUNDLE", test_ca().display().to_string())]);
    let sdk = sdk_config(&env).expect("the SDK's configuration");
    let settings = DynamoSettings {
        endpoint: Some(endpoint.url.clone()),
        ..testkit::dynamo_settings()
    };
    let table = TableName::parse("skillpath-no-such-table").expect("a table name");

    let db = client(&sdk, &settings);
    let loaded = while_connecting(&db, &settings, &table, async { "the keys" }).await;
    assert_eq!(
        loaded, "the keys",
        "it answers what the work beside it answered"
    );
    assert_eq!(endpoint.handshakes(), 1, "init opened one connection");
    // The first request: through the same client, as the state's stores use it.
    db.list_tables()
        .limit(1)
        .send()
        .await
        .expect("the first request");
    assert_eq!(
        endpoint.handshakes(),
        1,
        "the first request used the connection init opened, with no handshake of its own"
    );
}
