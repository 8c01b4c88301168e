//! The lines a request leaves are the ones an on-call engineer queries (infra/DEPLOY.md, "Logs"):
//! one closing line per request with its request id, route, status and latency, and the
//! caller's user id once a token names them — never their address or a token.

use auth_tests::{PASSWORD, TestApp, Tokens};
use serde_json::Value;
use testkit::logs::LogCapture;

#[tokio::test]
async fn each_request_closes_with_one_queryable_line_naming_the_caller_by_id_only() {
    let logs = LogCapture::start();
    let app = TestApp::spawn().await;
    let email = "on-call@example.org";
    app.register(email, PASSWORD, "On Call")
        .await
        .assert_status(201);
    let tokens: Tokens = app.login(email, PASSWORD).await.assert_status(200).parse();
    let me = app.me(&tokens.access_token).await.assert_status(200).json();
    let user = me["id"].as_str().expect("an id");

    let lines: Vec<Value> = logs
        .lines()
        .iter()
        .map(|line| serde_json::from_str(line).expect("every line is JSON"))
        .collect();
    let closing: Vec<&Value> = lines
        .iter()
        .filter(|l| l["message"] == "request completed")
        .collect();
    let routes: Vec<&str> = closing
        .iter()
        .filter_map(|l| l["span"]["route"].as_str())
        .collect();
    assert_eq!(routes, ["/auth/register", "/auth/login", "/auth/me"]);
    for line in &closing {
        assert!(
            line["span"]["request_id"]
                .as_str()
                .is_some_and(|id| !id.is_empty()),
            "{line}"
        );
        assert!(
            line["status"].is_u64() && line["latency_ms"].is_u64(),
            "{line}"
        );
    }
    assert_eq!(
        closing[2]["span"]["user"], user,
        "the caller of /auth/me, by id"
    );
    assert!(
        closing[..2].iter().all(|l| l["span"].get("user").is_none()),
        "no token, no user: {closing:?}"
    );
    let text = logs.text();
    for secret in [
        email,
        PASSWORD,
        tokens.access_token.as_str(),
        tokens.refresh_token.as_str(),
    ] {
        assert!(!text.contains(secret), "a log line holds {secret:?}");
    }
}
