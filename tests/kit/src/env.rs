//! The environment each function reads, pointed at a test's tables and the emulator (or a
//! fault proxy in front of it): what `Config::from_env` parses in a test.

use std::path::PathBuf;

use shared::config::Env;

use crate::tables::Tables;
use crate::tokens;

/// The base URL tests configure as `PUBLIC_BASE_URL`.
pub const PUBLIC_BASE_URL: &str = "https://skillpath.test";
/// The key the functions sign their cursors with in tests (`CURSOR_KEY`).
pub const CURSOR_KEY: &str = "the test cursor key, thirty-two bytes or more";

/// The kid of the test certificate key.
pub const CERTIFICATE_KID: &str = "test-cert-1";

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/keys")
        .join(name)
        .display()
        .to_string()
}

/// The JWKS of the test certificate key.
///
/// # Panics
/// Never: the fixture is a valid key.
pub fn certificate_jwks_json() -> String {
    let pem =
        std::fs::read(fixture("test-certificate-key.pem")).expect("the certificate key fixture");
    let key = shared::token::SigningKey::from_pem(CERTIFICATE_KID, &pem).expect("a valid key");
    serde_json::to_string(&shared::token::jwks([key.public_jwk()])).expect("a JWKS serialises")
}

/// The environment of `function` (`auth`, `content` or `progress`) for a test: its tables,
/// DynamoDB at `dynamodb_endpoint`, the test keys, the tables' mail queue (SQS in the emulator).
///
/// # Panics
/// For an unknown function name.
pub fn function_env(function: &str, tables: &Tables, dynamodb_endpoint: &str) -> Env {
    let mut pairs: Vec<(String, String)> = vec![
        ("DYNAMODB_ENDPOINT".into(), dynamodb_endpoint.into()),
        ("PUBLIC_BASE_URL".into(), PUBLIC_BASE_URL.into()),
        ("CURSOR_KEY".into(), CURSOR_KEY.into()),
    ];
    pairs.extend(
        tokens::token_env()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v)),
    );
    let specific: Vec<(&str, String)> = match function {
        "auth" => vec![
            ("TABLE_NAME", tables.auth.clone()),
            ("SIGNING_KEY_ID", tokens::TEST_KID.into()),
            ("SIGNING_KEY_FILE", fixture("test-signing-key.pem")),
            ("CERTIFICATE_JWKS", certificate_jwks_json()),
            ("MAIL_QUEUE_URL", tables.mail_queue.clone()),
            ("SQS_ENDPOINT", crate::emulator_endpoint()),
        ],
        "content" => vec![
            ("TABLE_NAME", tables.content.clone()),
            ("PROGRESS_TABLE_NAME", tables.progress.clone()),
            ("AUTH_TABLE_NAME", tables.auth.clone()),
        ],
        "progress" => vec![
            ("TABLE_NAME", tables.progress.clone()),
            ("CONTENT_TABLE_NAME", tables.content.clone()),
            ("AUTH_TABLE_NAME", tables.auth.clone()),
            ("CERTIFICATE_KEY_ID", CERTIFICATE_KID.into()),
            ("CERTIFICATE_KEY_FILE", fixture("test-certificate-key.pem")),
        ],
        other => panic!("no function called {other}"),
    };
    pairs.extend(specific.into_iter().map(|(k, v)| (k.to_owned(), v)));
    Env::from_pairs(pairs)
}
