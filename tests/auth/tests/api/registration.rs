//! Registration: one account per address whatever runs concurrently, the role is never the
//! client's to choose, and the answer never tells whether an address has an account.

use std::collections::BTreeSet;

use auth_tests::{PASSWORD, TestApp};
use serde_json::json;
use shared::identity::Role;
use tokio::task::JoinSet;

fn passwords_by_index(i: usize) -> String {
    format!("{PASSWORD} number {i}")
}

#[tokio::test]
async fn twenty_concurrent_registrations_of_one_address_make_exactly_one_account() {
    let app = TestApp::spawn().await;
    let mut registrations = JoinSet::new();
    for i in 0..20 {
        let app = app.clone();
        registrations.spawn(async move {
            // Each uses its own password, so the login below tells whose account it is.
            let password = passwords_by_index(i);
            let response = app
                .register(" Twins@Example.org", &password, &format!("Twin {i}"))
                .await;
            (password, response)
        });
    }
    while let Some(joined) = registrations.join_next().await {
        let (_, response) = joined.expect("a registration task");
        assert_eq!(
            response.status,
            201,
            "every registration answers alike: {}",
            response.text()
        );
    }

    let accounts = app.accounts().await;
    let twins: Vec<_> = accounts
        .iter()
        .filter(|a| a["email"] == "twins@example.org")
        .collect();
    assert_eq!(twins.len(), 1, "accounts for the address: {accounts:?}");

    // The account is the one whose name it shows; its password signs in, another does not.
    let name = twins[0]["name"].as_str().expect("a name");
    let winner: usize = name["Twin ".len()..].parse().expect("Twin <n>");
    app.login("twins@example.org", &passwords_by_index(winner))
        .await
        .assert_status(200);
    app.login("twins@example.org", &passwords_by_index((winner + 1) % 20))
        .await
        .assert_problem(401, "invalid-credentials");
    assert_eq!(
        app.mail()
            .await
            .token("twins@example.org", "/verify-email")
            .len(),
        43,
        "the winner was asked to verify"
    );
    let notes = app
        .mail()
        .await
        .to("twins@example.org")
        .iter()
        .filter(|m| m.subject == "Your skillpath account")
        .count();
    assert_eq!(notes, 19, "the owner heard of each other attempt");
}

#[tokio::test]
async fn a_role_in_the_registration_body_has_no_effect() {
    let app = TestApp::spawn().await;
    let response = app
        .post_json(
            "/auth/register",
            &json!({
                "email": "mallory@example.org", "password": PASSWORD, "name": "Mallory",
                "role": "admin", "email_verified": true, "disabled": false
            }),
        )
        .await;
    response.assert_status(201);
    assert_eq!(response.json()["role"], "learner");
    assert_eq!(response.json()["email_verified"], false);

    let tokens = app.logged_in("mallory@example.org", PASSWORD).await;
    assert_eq!(app.me(&tokens.access_token).await.json()["role"], "learner");
    let caller = testkit::tokens::verifier()
        .verify(&tokens.access_token)
        .expect("a valid token");
    assert_eq!(caller.role, Role::Learner, "the token says learner too");
    app.router
        .get("/auth/users")
        .bearer(&tokens.access_token)
        .send()
        .await
        .assert_problem(403, "forbidden");
}

#[tokio::test]
async fn registering_a_taken_address_looks_like_a_new_registration_and_tells_the_owner() {
    let app = TestApp::spawn().await;
    let first = app.register("owner@example.org", PASSWORD, "Owner").await;
    first.assert_status(201);
    let second = app
        .register("OWNER@example.org", "another fine passphrase", "Impostor")
        .await;

    second.assert_status(201);
    let (a, b) = (first.json(), second.json());
    let keys = |v: &serde_json::Value| {
        v.as_object()
            .map(|o| o.keys().cloned().collect::<BTreeSet<_>>())
            .unwrap_or_default()
    };
    assert_eq!(keys(&a), keys(&b), "the same shape of answer");
    assert_eq!(b["email"], "owner@example.org");
    assert_eq!(
        b["name"], "Impostor",
        "it echoes the request, as a new account would"
    );
    assert_ne!(a["id"], b["id"]);

    let mails = app.mail().await.to("owner@example.org");
    assert_eq!(mails.len(), 2, "a verification, then a note: {mails:?}");
    assert_eq!(mails[1].subject, "Your skillpath account");
    assert!(
        !mails[1].text.contains("#token="),
        "the note carries no token"
    );
    app.login("owner@example.org", "another fine passphrase")
        .await
        .assert_problem(401, "invalid-credentials");
    app.login("owner@example.org", PASSWORD)
        .await
        .assert_status(200);
}

#[tokio::test]
async fn every_invalid_field_is_named_at_once() {
    let app = TestApp::spawn().await;
    let response = app
        .post_json(
            "/auth/register",
            &json!({"email": "not an address", "password": "short", "name": "  "}),
        )
        .await;
    response.assert_problem(422, "validation-failed");
    let fields: BTreeSet<String> = response.json()["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["field"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        fields,
        BTreeSet::from(["email".into(), "name".into(), "password".into()])
    );
    let missing = app
        .post_json("/auth/register", &json!({"email": "a@example.org"}))
        .await;
    missing.assert_problem(422, "validation-failed");
}
