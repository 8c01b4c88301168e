//! Every forged or misused token is refused with 401 at every bearer route of `auth`.

use auth_tests::TestApp;
use serde_json::json;
use shared::identity::{Role, UserId};
use testkit::TestResponse;
use testkit::forgery::forged_tokens;

/// Each bearer route of `auth`, called with `token`.
async fn bearer_routes(app: &TestApp, token: &str) -> Vec<(&'static str, TestResponse)> {
    let someone = UserId::new();
    let router = &app.router;
    vec![
        (
            "GET /auth/me",
            router.get("/auth/me").bearer(token).send().await,
        ),
        (
            "PATCH /auth/me",
            router
                .patch("/auth/me")
                .bearer(token)
                .json(&json!({"name": "Forger"}))
                .send()
                .await,
        ),
        (
            "POST /auth/password/change",
            router
                .post("/auth/password/change")
                .bearer(token)
                .json(&json!({"current_password": "x", "new_password": "a brand new passphrase"}))
                .send()
                .await,
        ),
        (
            "GET /auth/users",
            router.get("/auth/users").bearer(token).send().await,
        ),
        (
            "PATCH /auth/users/{user}",
            router
                .patch(&format!("/auth/users/{someone}"))
                .bearer(token)
                .json(&json!({"role": "admin"}))
                .send()
                .await,
        ),
        // Last: it ends the caller's sessions, so a genuine token is stale on the admin routes
        // after it.
        (
            "POST /auth/logout-all",
            router.post("/auth/logout-all").bearer(token).send().await,
        ),
    ]
}

#[tokio::test]
async fn every_forged_access_token_is_refused_at_every_bearer_route() {
    let app = TestApp::spawn().await;
    let genuine = app.signed_up("genuine@example.org").await.access_token;
    let user: UserId = app.me(&genuine).await.json()["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("an account id");

    // The genuine token gets past authentication everywhere, so each 401 below is the
    // forgery's doing. (A learner's: the edited-payload forgery then claims admin.)
    for (route, response) in bearer_routes(&app, &genuine).await {
        assert_ne!(response.status, 401, "{route} refused a genuine token");
    }
    for (name, token) in forged_tokens(user, Role::Learner) {
        for (route, response) in bearer_routes(&app, &token).await {
            assert_eq!(
                response.status,
                401,
                "{route} accepted the {name} forgery: {}",
                response.text()
            );
            response.assert_problem(401, "unauthenticated");
        }
    }
}

#[tokio::test]
async fn refresh_and_reset_tokens_are_not_access_tokens() {
    let app = TestApp::spawn().await;
    let tokens = app.signed_up("holder@example.org").await;
    app.forgot_password("holder@example.org")
        .await
        .assert_status(202);
    let reset = app
        .mail()
        .await
        .token("holder@example.org", "/reset-password");
    let verify = app
        .mail()
        .await
        .token("holder@example.org", "/verify-email");

    for (kind, token) in [
        ("refresh", tokens.refresh_token.as_str()),
        ("reset", reset.as_str()),
        ("verification", verify.as_str()),
    ] {
        for (route, response) in bearer_routes(&app, token).await {
            assert_eq!(response.status, 401, "{route} accepted a {kind} token");
        }
    }
    // Nor is an access token a refresh token.
    app.refresh(&tokens.access_token)
        .await
        .assert_problem(401, "invalid-credentials");
}

#[tokio::test]
async fn a_missing_or_malformed_authorization_header_is_401() {
    let app = TestApp::spawn().await;
    app.router
        .get("/auth/me")
        .send()
        .await
        .assert_problem(401, "unauthenticated");
    for header in ["Bearer", "Basic dXNlcjpwYXNz", "Bearer    "] {
        app.router
            .get("/auth/me")
            .header("authorization", header)
            .send()
            .await
            .assert_problem(401, "unauthenticated");
    }
}
