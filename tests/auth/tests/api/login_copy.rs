//! A login reads what it needs of the account from a copy on the address's guard item (one query
//! with the failed-login count) and answers in one transaction that checks the account still
//! holds that copy. Every change of the account leaves the copy behind; the login after it must
//! answer from the account as it is now, and bring the copy up to date.

use auth_tests::{PASSWORD, TestApp, Tokens, auth_env};
use serde_json::json;
use shared::identity::Role;
use testkit::TestResponse;
use testkit::proxy::DynamoProxy;

const NEW_PASSWORD: &str = "a new passphrase, longer";

async fn app_with_proxy() -> (TestApp, DynamoProxy) {
    let tables = testkit::create_tables(&testkit::dynamo_client().await).await;
    let proxy = DynamoProxy::start().await;
    let app = TestApp::on(tables.clone(), auth_env(&tables, &proxy.endpoint())).await;
    (app, proxy)
}

/// The login's answer, and the DynamoDB operations it made, in order.
async fn counted_login(
    app: &TestApp,
    proxy: &DynamoProxy,
    email: &str,
    password: &str,
) -> (TestResponse, Vec<String>) {
    proxy.clear_operations();
    let response = app.login(email, password).await;
    (response, proxy.operations())
}

const FROM_THE_COPY: [&str; 2] = ["Query", "TransactWriteItems"];
const COPY_WAS_OLD: [&str; 4] = [
    "Query",
    "TransactWriteItems",
    "GetItem",
    "TransactWriteItems",
];

/// Logs in twice: the first login finds the copy old (and reads the account), the second finds
/// it brought up to date. Returns the first's response.
async fn login_after_a_change(
    app: &TestApp,
    proxy: &DynamoProxy,
    email: &str,
    password: &str,
    change: &str,
) -> TestResponse {
    let (first, operations) = counted_login(app, proxy, email, password).await;
    assert_eq!(operations, COPY_WAS_OLD, "{change}: {}", first.text());
    let (second, operations) = counted_login(app, proxy, email, password).await;
    assert_eq!(
        operations,
        FROM_THE_COPY,
        "{change}, again: {}",
        second.text()
    );
    assert_eq!(first.status, second.status, "{change}");
    first
}

fn claims(tokens: &Tokens) -> shared::token::AuthSession {
    testkit::tokens::verifier()
        .verify_session(&tokens.access_token)
        .expect("a valid token")
}

#[tokio::test]
async fn a_login_answers_from_the_account_as_it_is_after_every_kind_of_change() {
    let (app, proxy) = app_with_proxy().await;
    let email = "changing@example.org";
    let (_, admin) = app.account_with_role("root@example.org", Role::Admin).await;
    let first = app.signed_up(email).await;
    let id = claims(&first).user.id.to_string();

    let (login, operations) = counted_login(&app, &proxy, email, PASSWORD).await;
    assert_eq!(operations, FROM_THE_COPY, "{}", login.text());
    let written = proxy.requests().pop().expect("the transaction");
    let checked = written.body.to_string();
    assert!(
        checked.contains("ConditionCheck") && checked.contains("USER#"),
        "the transaction checks the account: {checked}"
    );

    // A new name: the token carries it.
    app.router
        .patch("/auth/me")
        .bearer(&first.access_token)
        .json(&json!({"name": "Renamed Learner"}))
        .send()
        .await
        .assert_status(200);
    let renamed = login_after_a_change(&app, &proxy, email, PASSWORD, "renamed").await;
    assert_eq!(claims(&renamed.parse()).user.name, "Renamed Learner");

    // A new role: the token carries it.
    app.router
        .patch(&format!("/auth/users/{id}"))
        .bearer(&admin.access_token)
        .json(&json!({"role": "instructor"}))
        .send()
        .await
        .assert_status(200);
    let promoted = login_after_a_change(&app, &proxy, email, PASSWORD, "promoted").await;
    assert_eq!(claims(&promoted.parse()).user.role, Role::Instructor);

    // Every session ended (the epoch moved): the new session is of the new epoch, so it lives.
    let tokens: Tokens = promoted.parse();
    app.router
        .post("/auth/logout-all")
        .bearer(&tokens.access_token)
        .send()
        .await
        .assert_status(204);
    let after_logout = login_after_a_change(&app, &proxy, email, PASSWORD, "logged out").await;
    let tokens: Tokens = after_logout.parse();
    let refreshed = app.refresh(&tokens.refresh_token).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text());

    // A new password: the old one is refused, the new one admitted.
    let tokens: Tokens = refreshed.parse();
    app.change_password(&tokens.access_token, PASSWORD, NEW_PASSWORD)
        .await
        .assert_status(204);
    let (old, operations) = counted_login(&app, &proxy, email, PASSWORD).await;
    old.assert_problem(401, "invalid-credentials");
    assert_eq!(
        operations, COPY_WAS_OLD,
        "the old password checked against the account"
    );
    let (new, operations) = counted_login(&app, &proxy, email, NEW_PASSWORD).await;
    new.assert_status(200);
    assert_eq!(
        operations, FROM_THE_COPY,
        "the failed login brought the copy up to date"
    );
    // Changed back: now the copy holds the other password, and the right one is admitted.
    app.change_password(&new.parse::<Tokens>().access_token, NEW_PASSWORD, PASSWORD)
        .await
        .assert_status(204);
    login_after_a_change(&app, &proxy, email, PASSWORD, "the password changed back")
        .await
        .assert_status(200);

    // Disabled: the right password gets the account's answer.
    app.router
        .patch(&format!("/auth/users/{id}"))
        .bearer(&admin.access_token)
        .json(&json!({"disabled": true}))
        .send()
        .await
        .assert_status(200);
    login_after_a_change(&app, &proxy, email, PASSWORD, "disabled")
        .await
        .assert_problem(403, "forbidden");
}

/// Registers `email` and removes the copy from its guard, as guards were written before they
/// kept one.
async fn older_account(app: &TestApp, email: &str) {
    app.register(email, PASSWORD, "Older Learner")
        .await
        .assert_status(201);
    let address = auth::email::Email::parse(email).expect("an address");
    testkit::dynamo_client()
        .await
        .update_item()
        .table_name(&app.tables.auth)
        .set_key(Some(auth::keys::email_guard(&address).to_item()))
        .update_expression("REMOVE login")
        .send()
        .await
        .expect("the copy removed");
}

#[tokio::test]
async fn an_address_whose_guard_has_no_copy_reads_the_account_and_keeps_a_copy() {
    let (app, proxy) = app_with_proxy().await;
    let email = "older@example.org";
    older_account(&app, email).await;

    let (wrong, operations) = counted_login(&app, &proxy, email, "not the password").await;
    wrong.assert_problem(401, "invalid-credentials");
    assert_eq!(operations, ["Query", "GetItem", "TransactWriteItems"]);
    let (right, operations) = counted_login(&app, &proxy, email, PASSWORD).await;
    right.assert_status(200);
    assert_eq!(operations, FROM_THE_COPY, "the failed login kept a copy");
}

#[tokio::test]
async fn copy_logins_gives_older_accounts_the_requests_of_any_other_address() {
    let (app, proxy) = app_with_proxy().await;
    let (older, other) = ("older@example.org", "other-older@example.org");
    older_account(&app, older).await;
    older_account(&app, other).await;
    app.register("newer@example.org", PASSWORD, "Newer Learner")
        .await
        .assert_status(201);
    let (_, before) = counted_login(&app, &proxy, older, "not the password").await;
    let (_, unknown) = counted_login(&app, &proxy, "nobody@example.org", "not the password").await;
    assert_ne!(
        before, unknown,
        "an older account's login reads the account first"
    );

    let store = app.store().await;
    let copied = auth::service::copy_logins(&store).await.expect("copied");
    assert_eq!(
        copied, 1,
        "the other older account; the failed login copied the first"
    );
    assert_eq!(auth::service::copy_logins(&store).await.expect("copied"), 0);

    let (wrong, after) = counted_login(&app, &proxy, other, "not the password").await;
    wrong.assert_problem(401, "invalid-credentials");
    assert_eq!(after, unknown, "the same requests as an unknown address's");
    let (right, operations) = counted_login(&app, &proxy, other, PASSWORD).await;
    right.assert_status(200);
    assert_eq!(operations, FROM_THE_COPY);
}
