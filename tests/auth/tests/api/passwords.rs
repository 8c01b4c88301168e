//! The password rules: 8 characters or more, long ones and any Unicode welcome, never
//! truncated, the most common refused.

use auth_tests::{PASSWORD, TestApp};
use serde_json::json;

#[tokio::test]
async fn a_seven_character_password_is_refused() {
    let app = TestApp::spawn().await;
    let response = app.register("short@example.org", "abc1234", "Short").await;
    response.assert_problem(422, "validation-failed");
    assert_eq!(response.json()["errors"][0]["field"], "password");
    assert!(
        app.mail().await.to("short@example.org").is_empty(),
        "nothing was registered"
    );
}

#[tokio::test]
async fn a_hundred_character_password_works() {
    let app = TestApp::spawn().await;
    let password: String = "the quick brown fox jumps over the lazy dog "
        .chars()
        .cycle()
        .take(100)
        .collect();
    assert_eq!(password.chars().count(), 100);
    app.register("long@example.org", &password, "Long")
        .await
        .assert_status(201);
    app.login("long@example.org", &password)
        .await
        .assert_status(200);
}

#[tokio::test]
async fn a_non_ascii_password_works_in_either_unicode_form() {
    let app = TestApp::spawn().await;
    let composed = "pässwörd-日本語-🔑";
    app.register("unicode@example.org", composed, "Ünïcode")
        .await
        .assert_status(201);
    app.login("unicode@example.org", composed)
        .await
        .assert_status(200);
    // The same characters with the accents decomposed are the same password.
    let decomposed = "pa\u{308}sswo\u{308}rd-日本語-🔑";
    assert_ne!(composed.as_bytes(), decomposed.as_bytes());
    app.login("unicode@example.org", decomposed)
        .await
        .assert_status(200);
}

#[tokio::test]
async fn passwords_that_differ_only_after_the_72nd_byte_are_different_passwords() {
    let app = TestApp::spawn().await;
    let prefix = "a".repeat(72);
    let (first, second) = (format!("{prefix}-first"), format!("{prefix}-second"));
    assert_eq!(first.as_bytes()[..72], second.as_bytes()[..72]);
    app.register("bcrypt@example.org", &first, "Limit")
        .await
        .assert_status(201);

    app.login("bcrypt@example.org", &second)
        .await
        .assert_problem(401, "invalid-credentials");
    app.login("bcrypt@example.org", &first)
        .await
        .assert_status(200);
}

#[tokio::test]
async fn a_common_password_is_refused_wherever_a_password_is_chosen() {
    let app = TestApp::spawn().await;
    for common in ["password123", "Password1", "qwertyuiop", "iloveyou1"] {
        let response = app.register("common@example.org", common, "Common").await;
        response.assert_problem(422, "validation-failed");
        let message = response.json()["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.contains("common"), "{common}: {message}");
    }

    let tokens = app.signed_up("careful@example.org").await;
    app.change_password(&tokens.access_token, PASSWORD, "baseball1")
        .await
        .assert_problem(422, "validation-failed");
    app.forgot_password("careful@example.org")
        .await
        .assert_status(202);
    let token = app
        .mail()
        .await
        .token("careful@example.org", "/reset-password");
    let response = app.reset_password(&token, "football1").await;
    response.assert_problem(422, "validation-failed");
    assert_eq!(response.json()["errors"][0]["field"], "new_password");
}

#[tokio::test]
async fn a_wrong_current_password_changes_nothing() {
    let app = TestApp::spawn().await;
    let tokens = app.signed_up("mind@example.org").await;
    let response = app
        .change_password(
            &tokens.access_token,
            "not my password",
            "a brand new passphrase",
        )
        .await;
    response.assert_problem(422, "validation-failed");
    assert_eq!(response.json()["errors"][0]["field"], "current_password");
    app.login("mind@example.org", PASSWORD)
        .await
        .assert_status(200);
    app.login("mind@example.org", "a brand new passphrase")
        .await
        .assert_problem(401, "invalid-credentials");
    // A malformed body is refused before anything is checked.
    app.router
        .post("/auth/password/change")
        .bearer(&tokens.access_token)
        .json(&json!({"new_password": "a brand new passphrase"}))
        .send()
        .await
        .assert_problem(422, "validation-failed");
}
