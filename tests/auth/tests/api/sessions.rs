//! Sessions under pressure: concurrent refreshes, password change and reset revoking the
//! other sessions, single-use expiring reset tokens, disabled accounts.

use std::collections::HashMap;
use std::time::Duration;

use auth::secret::OpaqueToken;
use auth_tests::{PASSWORD, TestApp, Tokens};
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::json;
use shared::identity::Role;
use tokio::task::JoinSet;

const NEW_PASSWORD: &str = "an entirely new passphrase";

#[tokio::test]
async fn of_concurrent_refreshes_of_one_token_exactly_one_succeeds_and_none_fails_with_5xx() {
    let app = TestApp::spawn().await;
    let tokens = app.signed_up("racer@example.org").await;
    let mut refreshes = JoinSet::new();
    for _ in 0..10 {
        let app = app.clone();
        let token = tokens.refresh_token.clone();
        refreshes.spawn(async move { app.refresh(&token).await });
    }
    let mut succeeded = 0;
    while let Some(response) = refreshes.join_next().await {
        let response = response.expect("a refresh task");
        match response.status.as_u16() {
            200 => succeeded += 1,
            401 => {
                response.assert_problem(401, "invalid-credentials");
            }
            other => panic!("a concurrent refresh answered {other}: {}", response.text()),
        }
    }
    assert_eq!(
        succeeded, 1,
        "{succeeded} of 10 concurrent refreshes of one token succeeded; exactly one must"
    );
}

#[tokio::test]
async fn a_password_change_keeps_the_callers_session_and_revokes_the_others() {
    let app = TestApp::spawn().await;
    let laptop = app.signed_up("changer@example.org").await;
    let phone = app.logged_in("changer@example.org", PASSWORD).await;
    let tablet = app.logged_in("changer@example.org", PASSWORD).await;
    // The laptop's session has moved on by one refresh: its current token is the one kept.
    let laptop: Tokens = app.refresh(&laptop.refresh_token).await.parse();

    app.change_password(&laptop.access_token, PASSWORD, NEW_PASSWORD)
        .await
        .assert_status(204);

    for (device, tokens) in [("phone", &phone), ("tablet", &tablet)] {
        let response = app.refresh(&tokens.refresh_token).await;
        assert_eq!(
            response.status, 401,
            "the {device}'s session survived the password change"
        );
    }
    let kept = app.refresh(&laptop.refresh_token).await;
    assert_eq!(
        kept.status,
        200,
        "the session that changed the password survives: {}",
        kept.text()
    );
    app.login("changer@example.org", PASSWORD)
        .await
        .assert_problem(401, "invalid-credentials");
    app.login("changer@example.org", NEW_PASSWORD)
        .await
        .assert_status(200);
}

#[tokio::test]
async fn a_reset_revokes_every_session_and_its_token_works_once() {
    let app = TestApp::spawn().await;
    let laptop = app.signed_up("resetter@example.org").await;
    let phone = app.logged_in("resetter@example.org", PASSWORD).await;
    app.forgot_password("resetter@example.org")
        .await
        .assert_status(202);
    let token = app
        .mail()
        .await
        .token("resetter@example.org", "/reset-password");

    app.reset_password(&token, NEW_PASSWORD)
        .await
        .assert_status(204);

    for tokens in [&laptop, &phone] {
        app.refresh(&tokens.refresh_token)
            .await
            .assert_problem(401, "invalid-credentials");
    }
    app.login("resetter@example.org", PASSWORD)
        .await
        .assert_problem(401, "invalid-credentials");
    let after = app.logged_in("resetter@example.org", NEW_PASSWORD).await;
    assert_eq!(
        app.me(&after.access_token).await.json()["email_verified"],
        true,
        "a reset proves the address"
    );

    // Once only.
    app.reset_password(&token, "yet another passphrase")
        .await
        .assert_problem(401, "invalid-credentials");
    app.login("resetter@example.org", NEW_PASSWORD)
        .await
        .assert_status(200);
}

#[tokio::test]
async fn a_reset_token_expires() {
    let app = TestApp::spawn_with(&[("PASSWORD_RESET_TTL_SECONDS", "1")]).await;
    app.signed_up("slow@example.org").await;
    app.forgot_password("slow@example.org")
        .await
        .assert_status(202);
    let token = app
        .mail()
        .await
        .token("slow@example.org", "/reset-password");

    app.clock.advance(Duration::from_secs(1));

    app.reset_password(&token, NEW_PASSWORD)
        .await
        .assert_problem(401, "invalid-credentials");
    app.login("slow@example.org", PASSWORD)
        .await
        .assert_status(200);
}

#[tokio::test]
async fn an_older_reset_token_dies_when_the_password_changes() {
    let app = TestApp::spawn().await;
    app.signed_up("twice@example.org").await;
    app.forgot_password("twice@example.org")
        .await
        .assert_status(202);
    let older = app
        .mail()
        .await
        .token("twice@example.org", "/reset-password");
    app.forgot_password("twice@example.org")
        .await
        .assert_status(202);
    let newer = app
        .mail()
        .await
        .token("twice@example.org", "/reset-password");
    assert_ne!(older, newer);

    app.reset_password(&newer, NEW_PASSWORD)
        .await
        .assert_status(204);
    app.reset_password(&older, "someone else's passphrase")
        .await
        .assert_problem(401, "invalid-credentials");
    app.login("twice@example.org", NEW_PASSWORD)
        .await
        .assert_status(200);
}

#[tokio::test]
async fn a_disabled_account_cannot_log_in_or_refresh_but_its_access_token_lives_out_its_minutes() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.account_with_role("head@example.org", Role::Admin).await;
    let learner = app.signed_up("banned@example.org").await;
    let id = app.me(&learner.access_token).await.json()["id"]
        .as_str()
        .expect("an id")
        .to_owned();

    let disabled = app
        .router
        .patch(&format!("/auth/users/{id}"))
        .bearer(&admin.access_token)
        .json(&json!({"disabled": true}))
        .send()
        .await;
    disabled.assert_status(200);
    assert_eq!(disabled.json()["disabled"], true);

    app.login("banned@example.org", PASSWORD)
        .await
        .assert_problem(403, "forbidden");
    app.login("banned@example.org", "a wrong password")
        .await
        .assert_problem(401, "invalid-credentials");
    app.refresh(&learner.refresh_token)
        .await
        .assert_problem(401, "invalid-credentials");
    app.me(&learner.access_token).await.assert_status(200);

    // Enabled again: a new login works; the old sessions stay over.
    app.router
        .patch(&format!("/auth/users/{id}"))
        .bearer(&admin.access_token)
        .json(&json!({"disabled": false}))
        .send()
        .await
        .assert_status(200);
    app.login("banned@example.org", PASSWORD)
        .await
        .assert_status(200);
    app.refresh(&learner.refresh_token)
        .await
        .assert_problem(401, "invalid-credentials");
}

/// Makes `tokens`' session's current refresh token one of the form issued before refresh
/// tokens named their owner (256 random bits alone), as a table written then holds it.
async fn issued_before_tokens_named_their_owner(app: &TestApp, tokens: &Tokens) -> OpaqueToken {
    let db = testkit::dynamo_client().await;
    let key = |hash: &str| {
        HashMap::from([
            (
                "pk".to_owned(),
                AttributeValue::S(format!("REFRESH#{hash}")),
            ),
            ("sk".to_owned(), AttributeValue::S("REFRESH".to_owned())),
        ])
    };
    let current = OpaqueToken::presented(&tokens.refresh_token).expect("a refresh token");
    let mut record = db
        .get_item()
        .table_name(&app.tables.auth)
        .set_key(Some(key(current.hash().as_str())))
        .send()
        .await
        .expect("reading the token's record")
        .item
        .expect("the token has a record");
    let old = OpaqueToken::generate().expect("a token");
    record.extend(key(old.hash().as_str()));
    let session = |name: &str| match &record[name] {
        AttributeValue::S(value) => value.clone(),
        other => panic!("{name}: {other:?}"),
    };
    let session_key = HashMap::from([
        (
            "pk".to_owned(),
            AttributeValue::S(format!("USER#{}", session("user_id"))),
        ),
        (
            "sk".to_owned(),
            AttributeValue::S(format!("SESSION#{}", session("session_id"))),
        ),
    ]);
    db.update_item()
        .table_name(&app.tables.auth)
        .set_key(Some(session_key))
        .update_expression("SET current_token = :old")
        .expression_attribute_values(":old", AttributeValue::S(old.hash().as_str().to_owned()))
        .send()
        .await
        .expect("the session's current token is the old one");
    db.put_item()
        .table_name(&app.tables.auth)
        .set_item(Some(record))
        .send()
        .await
        .expect("the old token's record is stored");
    old
}

#[tokio::test]
async fn a_refresh_token_names_its_account_and_one_issued_before_that_still_refreshes() {
    let app = TestApp::spawn().await;
    let tokens = app.signed_up("named@example.org").await;
    let me = app.me(&tokens.access_token).await.json();
    let id = me["id"].as_str().expect("an id");
    assert!(
        tokens.refresh_token.starts_with(&format!("{id}.")),
        "a refresh token starts with its account's id: {}",
        tokens.refresh_token
    );

    let old = issued_before_tokens_named_their_owner(&app, &tokens).await;
    let renewed: Tokens = app.refresh(old.expose()).await.assert_status(200).parse();
    assert!(renewed.refresh_token.starts_with(&format!("{id}.")));
    app.refresh(old.expose())
        .await
        .assert_problem(401, "invalid-credentials");
    app.refresh(&renewed.refresh_token)
        .await
        .assert_problem(401, "invalid-credentials");
}

#[tokio::test]
async fn a_refresh_token_given_another_accounts_id_is_refused() {
    let app = TestApp::spawn().await;
    let victim = app.signed_up("victim@example.org").await;
    let thief = app.signed_up("thief@example.org").await;
    let thief_id = app.me(&thief.access_token).await.json()["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let random = victim.refresh_token.split_once('.').expect("an owner").1;
    app.refresh(&format!("{thief_id}.{random}"))
        .await
        .assert_problem(401, "invalid-credentials");
    app.refresh(&victim.refresh_token).await.assert_status(200);
}
