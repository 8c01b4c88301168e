//! The whole life of an account, as a learner lives it.

use auth_tests::{PASSWORD, TestApp, Tokens};

#[tokio::test]
async fn register_verify_login_refresh_reuse_login_logout() {
    let app = TestApp::spawn().await;
    let email = "grace@example.org";

    // Register: a learner whose address is not yet verified.
    let registered = app.register(email, PASSWORD, "Grace Hopper").await;
    registered.assert_status(201);
    let account = registered.json();
    assert_eq!(account["email"], email);
    assert_eq!(account["role"], "learner");
    assert_eq!(account["email_verified"], false);

    // Verify the address with the mailed link.
    let token = app.mail().await.token(email, "/verify-email");
    app.verify_email(&token).await.assert_status(204);

    // Login, then read the account with the access token.
    let first: Tokens = app.logged_in(email, PASSWORD).await;
    assert_eq!(first.token_type, "Bearer");
    assert!(
        first.expires_in <= 900,
        "access tokens live at most 15 minutes"
    );
    let me = app.me(&first.access_token).await;
    me.assert_status(200);
    assert_eq!(me.json()["id"], account["id"]);
    assert_eq!(
        me.json()["email_verified"],
        true,
        "the verified address shows"
    );

    // Refresh: new tokens, and the old refresh token is consumed.
    let refreshed = app.refresh(&first.refresh_token).await;
    refreshed.assert_status(200);
    let second: Tokens = refreshed.parse();
    assert_ne!(second.refresh_token, first.refresh_token, "rotated");
    app.me(&second.access_token).await.assert_status(200);

    // The consumed token again: refused, and the family's newest token dies with it.
    app.refresh(&first.refresh_token)
        .await
        .assert_problem(401, "invalid-credentials");
    app.refresh(&second.refresh_token)
        .await
        .assert_problem(401, "invalid-credentials");

    // A new login starts a new family; logging out ends it.
    let third = app.logged_in(email, PASSWORD).await;
    app.logout(&third.refresh_token).await.assert_status(204);
    app.refresh(&third.refresh_token)
        .await
        .assert_problem(401, "invalid-credentials");
}

#[tokio::test]
async fn a_verification_link_works_once() {
    let app = TestApp::spawn().await;
    app.register("ada@example.org", PASSWORD, "Ada")
        .await
        .assert_status(201);
    let token = app.mail().await.token("ada@example.org", "/verify-email");
    app.verify_email(&token).await.assert_status(204);
    app.verify_email(&token)
        .await
        .assert_problem(401, "invalid-credentials");
    app.verify_email("not-a-token")
        .await
        .assert_problem(401, "invalid-credentials");
}

#[tokio::test]
async fn logout_everywhere_ends_every_session_of_the_account_and_only_its() {
    let app = TestApp::spawn().await;
    let laptop = app.signed_up("lin@example.org").await;
    let phone = app.logged_in("lin@example.org", PASSWORD).await;
    let other = app.signed_up("someone.else@example.org").await;

    app.router
        .post("/auth/logout-all")
        .bearer(&laptop.access_token)
        .send()
        .await
        .assert_status(204);

    for (device, tokens) in [("laptop", &laptop), ("phone", &phone)] {
        let response = app.refresh(&tokens.refresh_token).await;
        assert_eq!(
            response.status, 401,
            "the {device}'s session survived logout-all"
        );
    }
    app.refresh(&other.refresh_token).await.assert_status(200);
    // A login after it works as usual.
    let again = app.logged_in("lin@example.org", PASSWORD).await;
    app.refresh(&again.refresh_token).await.assert_status(200);
}

#[tokio::test]
async fn the_name_can_be_changed_and_nothing_else_through_me() {
    let app = TestApp::spawn().await;
    let tokens = app.signed_up("kat@example.org").await;
    let renamed = app
        .router
        .patch("/auth/me")
        .bearer(&tokens.access_token)
        .json(&serde_json::json!({"name": "  Katherine Johnson "}))
        .send()
        .await;
    renamed.assert_status(200);
    assert_eq!(renamed.json()["name"], "Katherine Johnson");

    let escalation = app
        .router
        .patch("/auth/me")
        .bearer(&tokens.access_token)
        .json(&serde_json::json!({"name": "Kat", "role": "admin"}))
        .send()
        .await;
    escalation.assert_problem(422, "validation-failed");
    let me = app.me(&tokens.access_token).await;
    assert_eq!(me.json()["role"], "learner");
    assert_eq!(me.json()["name"], "Katherine Johnson");

    // The next access token carries the new name (certificates print it).
    let refreshed: Tokens = app.refresh(&tokens.refresh_token).await.parse();
    let caller = testkit::tokens::verifier()
        .verify(&refreshed.access_token)
        .expect("a valid access token");
    assert_eq!(caller.name, "Katherine Johnson");
}
