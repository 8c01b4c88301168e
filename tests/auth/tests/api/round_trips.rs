//! DynamoDB requests per endpoint, counted by a proxy in front of the emulator: the cost
//! model of each route, pinned so a change that adds a round trip is noticed.

use auth_tests::{PASSWORD, TestApp, Tokens, auth_env};
use shared::identity::{Role, UserId};
use testkit::proxy::DynamoProxy;
use testkit::tokens::access_token;

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

    proxy.clear_operations();
    let registered = app.register(email, PASSWORD, "Counted").await;
    measure("register", &["TransactWriteItems"], registered).await;

    let verify = app.mail.token(email, "/verify-email");
    let verified = app.verify_email(&verify).await;
    measure("verify", &["GetItem", "TransactWriteItems"], verified).await;

    let login = app.login(email, PASSWORD).await;
    let tokens: Tokens = measure(
        "login",
        &["GetItem", "Query", "TransactWriteItems", "UpdateItem"],
        login,
    )
    .await
    .parse();

    let me = app.me(&tokens.access_token).await;
    measure("me", &["GetItem"], me).await;

    let refreshed = app.refresh(&tokens.refresh_token).await;
    let tokens: Tokens = measure(
        "refresh",
        &["GetItem", "GetItem", "TransactWriteItems"],
        refreshed,
    )
    .await
    .parse();

    let users = app
        .router
        .get("/auth/users")
        .bearer(&access_token(UserId::new(), Role::Admin))
        .send()
        .await;
    measure("list users", &["Query"], users).await;

    let keys = app.router.get("/.well-known/jwks.json").send().await;
    measure("jwks", &[], keys).await;

    let logout = app.logout(&tokens.refresh_token).await;
    measure("logout", &["GetItem", "UpdateItem"], logout).await;
}
