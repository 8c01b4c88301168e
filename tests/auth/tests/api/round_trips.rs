//! DynamoDB requests per endpoint, counted by a proxy in front of the emulator: the cost
//! model of each route, pinned so a change that adds a round trip is noticed.

use auth_tests::{PASSWORD, TestApp, Tokens, auth_env};
use serde_json::json;
use shared::identity::Role;
use testkit::proxy::DynamoProxy;

fn sorted(mut operations: Vec<String>) -> Vec<String> {
    operations.sort();
    operations
}

#[tokio::test]
async fn each_endpoint_makes_the_dynamodb_requests_its_access_pattern_needs() {
    let tables = testkit::create_tables(&testkit::dynamo_client().await).await;
    let proxy = DynamoProxy::start().await;
    let app = TestApp::on(tables.clone(), auth_env(&tables, &proxy.endpoint())).await;
    let email = "counted@example.org";

    let measure = async |name: &str, expected: &[&str], response: testkit::TestResponse| {
        let operations = sorted(proxy.operations());
        proxy.clear_operations();
        assert_eq!(operations, expected, "{name}: {}", response.text());
        response
    };

    let (_, admin) = app
        .account_with_role("admin@example.org", Role::Admin)
        .await;
    proxy.clear_operations();
    let registered = app.register(email, PASSWORD, "Counted").await;
    measure("register", &["TransactWriteItems"], registered).await;

    let resent = app
        .post_json("/auth/email/verify/resend", &json!({"email": email}))
        .await;
    measure("resend verification", &["Query", "UpdateItem"], resent).await;

    // The mail sender's own requests (off the request path) are not the routes'.
    let verify = app.mail().await.token(email, "/verify-email");
    proxy.clear_operations();
    let verified = app.verify_email(&verify).await;
    measure("verify", &["GetItem", "TransactWriteItems"], verified).await;

    let login = app.login(email, PASSWORD).await;
    let tokens: Tokens = measure("login", &["Query", "TransactWriteItems"], login)
        .await
        .parse();

    let me = app.me(&tokens.access_token).await;
    measure("me", &["GetItem"], me).await;

    let refreshed = app.refresh(&tokens.refresh_token).await;
    let tokens: Tokens = measure(
        "refresh",
        &["BatchGetItem", "TransactWriteItems"],
        refreshed,
    )
    .await
    .parse();

    let users = app
        .router
        .get("/auth/users")
        .bearer(&admin.access_token)
        .send()
        .await;
    // Admin routes first check the admin's account and session (shared::account).
    let users = measure("list users", &["BatchGetItem", "Query"], users).await;
    let id = users.json()["items"]
        .as_array()
        .and_then(|items| items.iter().find(|a| a["email"] == email))
        .and_then(|account| account["id"].as_str())
        .expect("the counted account is listed")
        .to_owned();
    let changed = app
        .router
        .patch(&format!("/auth/users/{id}"))
        .bearer(&admin.access_token)
        .json(&json!({"role": "instructor"}))
        .send()
        .await;
    measure(
        "change a role",
        &["BatchGetItem", "GetItem", "TransactWriteItems"],
        changed,
    )
    .await;

    let keys = app.router.get("/.well-known/jwks.json").send().await;
    measure("jwks", &[], keys).await;

    let logout = app.logout(&tokens.refresh_token).await;
    measure("logout", &["GetItem", "UpdateItem"], logout).await;
}
