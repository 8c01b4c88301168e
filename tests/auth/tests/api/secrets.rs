//! Nothing secret leaks: a whole journey, errors included, leaves no password, password hash,
//! refresh token or reset token in any log line, and none in any response body but the one
//! that hands a token to its holder.

use auth_tests::{TestApp, Tokens};
use aws_sdk_dynamodb::types::AttributeValue;
use testkit::TestResponse;
use testkit::logs::LogCapture;

const PASSWORD: &str = "sup3r secret passphrase";
const NEW_PASSWORD: &str = "an0ther secret passphrase";
const NEWEST_PASSWORD: &str = "th1rd secret passphrase";

async fn password_hash(app: &TestApp, user: &str) -> String {
    let item = testkit::dynamo_client()
        .await
        .get_item()
        .table_name(&app.tables.auth)
        .key("pk", AttributeValue::S(format!("USER#{user}")))
        .key("sk", AttributeValue::S("USER".into()))
        .send()
        .await
        .expect("reading the account")
        .item
        .expect("the account exists");
    match item.get("password_hash") {
        Some(AttributeValue::S(hash)) => hash.clone(),
        other => panic!("no password hash: {other:?}"),
    }
}

#[tokio::test]
async fn no_log_line_or_response_body_of_a_journey_contains_a_secret() {
    let logs = LogCapture::start();
    let app = TestApp::spawn().await;
    let email = "private@example.org";
    let mut bodies: Vec<(String, TestResponse)> = Vec::new();
    let mut issued: Vec<String> = Vec::new();
    let mut record = |step: &str, response: TestResponse| {
        bodies.push((step.to_owned(), response.clone()));
        response
    };

    let registered = record("register", app.register(email, PASSWORD, "Private").await);
    let user = registered.json()["id"].as_str().expect("an id").to_owned();
    let hash_after_register = password_hash(&app, &user).await;
    let verify = app.mail().await.token(email, "/verify-email");
    record("verify", app.verify_email(&verify).await);
    record("wrong login", app.login(email, "not the password").await);
    let login = record("login", app.login(email, PASSWORD).await);
    let first: Tokens = login.parse();
    issued.push(first.refresh_token.clone());
    record("me", app.me(&first.access_token).await);
    let refreshed = record("refresh", app.refresh(&first.refresh_token).await);
    let second: Tokens = refreshed.parse();
    issued.push(second.refresh_token.clone());
    record("reuse", app.refresh(&first.refresh_token).await);
    let again: Tokens = record("login again", app.login(email, PASSWORD).await).parse();
    issued.push(again.refresh_token.clone());
    record(
        "change",
        app.change_password(&again.access_token, PASSWORD, NEW_PASSWORD)
            .await,
    );
    let hash_after_change = password_hash(&app, &user).await;
    record("forgot", app.forgot_password(email).await);
    let reset = app.mail().await.token(email, "/reset-password");
    record("reset", app.reset_password(&reset, NEWEST_PASSWORD).await);
    record(
        "reset again",
        app.reset_password(&reset, "whatever passphrase").await,
    );
    let hash_after_reset = password_hash(&app, &user).await;
    let last: Tokens = record("login last", app.login(email, NEWEST_PASSWORD).await).parse();
    issued.push(last.refresh_token.clone());
    record("logout", app.logout(&last.refresh_token).await);
    record(
        "refresh after logout",
        app.refresh(&last.refresh_token).await,
    );

    let mut secrets: Vec<(&str, String)> = vec![
        ("password", PASSWORD.into()),
        ("new password", NEW_PASSWORD.into()),
        ("newest password", NEWEST_PASSWORD.into()),
        ("reset token", reset),
        ("verification token", verify),
    ];
    for (when, hash) in [
        ("register", &hash_after_register),
        ("change", &hash_after_change),
        ("reset", &hash_after_reset),
    ] {
        // The whole PHC string, and its digest alone.
        secrets.push(("password hash", hash.clone()));
        let digest = hash.rsplit('$').next().unwrap_or_default().to_owned();
        assert!(digest.len() > 20, "a hash after {when}: {hash}");
        secrets.push(("password hash digest", digest));
    }

    let log = logs.text();
    assert!(
        log.contains("logged in"),
        "the capture saw the journey's logs"
    );
    for (what, secret) in secrets.iter().chain(
        issued
            .iter()
            .map(|token| ("refresh token", token.clone()))
            .collect::<Vec<_>>()
            .iter(),
    ) {
        assert!(!log.contains(secret.as_str()), "the log contains a {what}");
        for (step, response) in &bodies {
            assert!(
                !response.text().contains(secret.as_str()) || issued_by(response, secret),
                "the {step} response contains a {what}"
            );
        }
    }
}

/// Whether `response` is the token response that handed `secret` to its holder.
fn issued_by(response: &TestResponse, secret: &str) -> bool {
    response.status == 200
        && serde_json::from_slice::<serde_json::Value>(&response.body)
            .is_ok_and(|body| body["refresh_token"] == secret)
}
