//! Authorization from the account as it is now, not as the access token remembers it: admin
//! routes check the token against the account's current state, nobody changes their own role
//! or status, an address can be verified by an admin or by a fresh link, and a request names
//! one bearer token only.

use auth_tests::{PASSWORD, TestApp, Tokens};
use serde_json::{Value, json};
use shared::identity::{Role, UserId};
use testkit::TestResponse;
use testkit::logs::LogCapture;

async fn change(app: &TestApp, token: &str, user: UserId, body: Value) -> TestResponse {
    app.router
        .patch(&format!("/auth/users/{user}"))
        .bearer(token)
        .json(&body)
        .send()
        .await
}

async fn list_users(app: &TestApp, token: &str) -> TestResponse {
    app.router.get("/auth/users").bearer(token).send().await
}

#[tokio::test]
async fn an_admin_demoted_and_disabled_by_another_cannot_restore_itself_with_its_old_token() {
    let app = TestApp::spawn().await;
    let (_, keeper) = app
        .account_with_role("keeper@example.org", Role::Admin)
        .await;
    let (rogue_id, rogue) = app
        .account_with_role("rogue@example.org", Role::Admin)
        .await;
    list_users(&app, &rogue.access_token)
        .await
        .assert_status(200);

    change(
        &app,
        &keeper.access_token,
        rogue_id,
        json!({"role": "learner", "disabled": true}),
    )
    .await
    .assert_status(200);

    let restored = change(
        &app,
        &rogue.access_token,
        rogue_id,
        json!({"role": "admin", "disabled": false}),
    )
    .await;
    assert_eq!(
        restored.status,
        401,
        "the demoted admin's old token restored it: {}",
        restored.text()
    );
    list_users(&app, &rogue.access_token)
        .await
        .assert_problem(401, "unauthenticated");
    app.login("rogue@example.org", PASSWORD)
        .await
        .assert_problem(403, "forbidden");
    let account = app.store().await.user(rogue_id).await.unwrap().unwrap();
    assert_eq!(
        (account.account.role, account.account.disabled),
        (Role::Learner, true),
        "the account stays demoted and disabled"
    );
}

#[tokio::test]
async fn nobody_changes_their_own_role_or_disabled_flag() {
    let app = TestApp::spawn().await;
    app.account_with_role("other-admin@example.org", Role::Admin)
        .await;
    let (me, admin) = app.account_with_role("self@example.org", Role::Admin).await;
    for body in [
        json!({"disabled": true}),
        json!({"role": "instructor"}),
        json!({"role": "admin", "disabled": false}),
    ] {
        change(&app, &admin.access_token, me, body.clone())
            .await
            .assert_problem(403, "own-account");
    }
    let account = app.store().await.user(me).await.unwrap().unwrap().account;
    assert_eq!((account.role, account.disabled), (Role::Admin, false));
}

#[tokio::test]
async fn after_logout_or_a_demotion_the_old_access_token_no_longer_opens_admin_routes() {
    let app = TestApp::spawn().await;
    let (_, keeper) = app
        .account_with_role("keeper@example.org", Role::Admin)
        .await;
    let (_, leaving) = app
        .account_with_role("leaving@example.org", Role::Admin)
        .await;
    list_users(&app, &leaving.access_token)
        .await
        .assert_status(200);
    app.logout(&leaving.refresh_token).await.assert_status(204);
    list_users(&app, &leaving.access_token)
        .await
        .assert_problem(401, "unauthenticated");

    // A demotion (without a disable) ends the admin's sessions too.
    let (demoted_id, demoted) = app
        .account_with_role("demoted@example.org", Role::Admin)
        .await;
    list_users(&app, &demoted.access_token)
        .await
        .assert_status(200);
    change(
        &app,
        &keeper.access_token,
        demoted_id,
        json!({"role": "instructor"}),
    )
    .await
    .assert_status(200);
    list_users(&app, &demoted.access_token)
        .await
        .assert_problem(401, "unauthenticated");
    app.refresh(&demoted.refresh_token)
        .await
        .assert_problem(401, "invalid-credentials");

    // A promotion counts at once: the decision reads the account's role, not the token's.
    let (promoted_id, promoted) = app
        .account_with_role("promoted@example.org", Role::Instructor)
        .await;
    list_users(&app, &promoted.access_token)
        .await
        .assert_problem(403, "forbidden");
    change(
        &app,
        &keeper.access_token,
        promoted_id,
        json!({"role": "admin"}),
    )
    .await
    .assert_status(200);
    list_users(&app, &promoted.access_token)
        .await
        .assert_status(200);
}

#[tokio::test]
async fn an_admin_marks_an_address_verified_and_the_change_is_logged_as_an_audit_line() {
    let app = TestApp::spawn().await;
    let (admin_id, admin) = app.account_with_role("root@example.org", Role::Admin).await;
    let learner: Tokens = app.signed_up("unread@example.org").await;
    let me = app.me(&learner.access_token).await.json();
    assert_eq!(me["email_verified"], false);
    let learner_id: UserId = me["id"].as_str().unwrap().parse().unwrap();

    let logs = LogCapture::start();
    let marked = change(
        &app,
        &admin.access_token,
        learner_id,
        json!({"email_verified": true}),
    )
    .await;
    marked.assert_status(200);
    assert_eq!(marked.json()["email_verified"], true);
    assert_eq!(
        app.me(&learner.access_token).await.json()["email_verified"],
        true
    );
    let audit = logs
        .lines()
        .into_iter()
        .find(|line| line.contains("\"audit\"") && line.contains(&learner_id.to_string()))
        .unwrap_or_else(|| panic!("no audit line for the change:\n{}", logs.text()));
    assert!(
        audit.contains(&admin_id.to_string()) && audit.contains("email_verified"),
        "the audit line names who, whom and what: {audit}"
    );

    change(
        &app,
        &admin.access_token,
        learner_id,
        json!({"email_verified": false}),
    )
    .await
    .assert_problem(422, "validation-failed");
}

#[tokio::test]
async fn the_verification_mail_can_be_sent_again_a_few_times_an_hour() {
    let app = TestApp::spawn().await;
    let email = "lost-mail@example.org";
    app.register(email, PASSWORD, "Lost Mail")
        .await
        .assert_status(201);
    let first = app.mail().await.token(email, "/verify-email");
    let body = json!({"email": email});
    let resend = || app.post_json("/auth/email/verify/resend", &body);
    resend().await.assert_status(202);
    let second = app.mail().await.token(email, "/verify-email");
    assert_ne!(first, second, "a new link was mailed");
    resend().await.assert_status(202);
    resend().await.assert_status(202);
    let limited = resend().await;
    limited.assert_problem(429, "rate-limited");
    assert!(limited.header("retry-after").is_some());

    // An unknown address answers the same, and gets no mail.
    app.post_json(
        "/auth/email/verify/resend",
        &json!({"email": "nobody@example.org"}),
    )
    .await
    .assert_status(202);
    assert!(app.mail().await.to("nobody@example.org").is_empty());

    app.verify_email(&second).await.assert_status(204);
    let tokens = app.logged_in(email, PASSWORD).await;
    assert_eq!(
        app.me(&tokens.access_token).await.json()["email_verified"],
        true
    );
}

#[tokio::test]
async fn a_request_with_two_authorization_headers_is_refused_whole() {
    let app = TestApp::spawn().await;
    let tokens = app.signed_up("twice@example.org").await;
    app.me(&tokens.access_token).await.assert_status(200);
    let bearer = format!("Bearer {}", tokens.access_token);

    let twice = app
        .router
        .get("/auth/me")
        .header("authorization", &bearer)
        .header("authorization", "Bearer not-a-token")
        .send()
        .await;
    twice.assert_problem(400, "malformed-request");

    // API Gateway joins repeated headers with a comma: the joined value is refused too.
    let joined = app
        .router
        .get("/auth/me")
        .header("authorization", format!("{bearer}, Bearer not-a-token"))
        .send()
        .await;
    joined.assert_problem(400, "malformed-request");
}
