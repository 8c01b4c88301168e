//! Addresses that look alike are one address: a lookalike of a taken address is answered as
//! the taken address is (and its owner is told), an address is found however it is typed, and
//! names carry no invisible or bidi characters.

use std::collections::BTreeSet;

use auth_tests::{PASSWORD, TestApp};
use serde_json::json;
use tokio::task::JoinSet;

const OWNER: &str = "admin@skillpath.local";
const NOTE: &str = "Your skillpath account";

/// The addresses of every account.
async fn addresses(app: &TestApp) -> Vec<String> {
    app.accounts()
        .await
        .iter()
        .filter_map(|a| a["email"].as_str().map(str::to_owned))
        .collect()
}

/// Deletes the skeleton guard of `email`'s account, as if it were made before guards were kept.
async fn forget_skeleton_guard(app: &TestApp, email: &auth::email::Email) {
    testkit::dynamo_client()
        .await
        .delete_item()
        .table_name(&app.tables.auth)
        .set_key(Some(auth::keys::skeleton_guard(email).to_item()))
        .send()
        .await
        .expect("the guard deleted");
}

fn keys(v: &serde_json::Value) -> BTreeSet<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// The fields a 422 names.
fn invalid_fields(response: &testkit::http::TestResponse) -> BTreeSet<String> {
    response.assert_problem(422, "validation-failed");
    response.json()["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["field"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_lookalike_of_a_taken_address_is_answered_as_the_taken_address_and_makes_no_account() {
    let app = TestApp::spawn().await;
    app.register(OWNER, PASSWORD, "Admin")
        .await
        .assert_status(201);
    let taken = app
        .register(OWNER, "another fine passphrase", "Impostor")
        .await;
    taken.assert_status(201);

    for lookalike in [
        "\u{ff41}dmin@skillpath.local", // full-width a
        "\u{430}dmin@skillpath.local",  // Cyrillic a
        "admin@\u{ff53}killpath.local", // full-width s in the domain
    ] {
        let response = app
            .register(lookalike, "another fine passphrase", "Impostor")
            .await;
        assert_eq!(
            response.status,
            201,
            "{lookalike:?} is answered as a taken address is: {}",
            response.text()
        );
        assert_eq!(
            keys(&response.json()),
            keys(&taken.json()),
            "{lookalike:?}: same shape"
        );
        assert_eq!(response.json()["name"], "Impostor");
        app.login(lookalike, "another fine passphrase")
            .await
            .assert_problem(401, "invalid-credentials");
    }

    assert_eq!(addresses(&app).await, [OWNER], "no second account");
    let notes = app
        .mail()
        .await
        .to(OWNER)
        .iter()
        .filter(|m| m.subject == NOTE)
        .count();
    assert_eq!(
        notes, 4,
        "the owner heard of the taken address and each lookalike"
    );
    assert_eq!(
        app.mail().await.all().len(),
        5,
        "a verification and four notes, nothing to a lookalike: {:?}",
        app.mail().await.all()
    );
    app.login(OWNER, PASSWORD).await.assert_status(200);
}

#[tokio::test]
async fn an_address_with_an_invisible_or_control_character_is_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    app.register(OWNER, PASSWORD, "Admin")
        .await
        .assert_status(201);
    for raw in [
        "admin\u{200b}@skillpath.local",
        "\u{202e}admin@skillpath.local",
        "admin@skill\u{ad}path.local",
        "ad\u{feff}min@skillpath.local",
    ] {
        let response = app.register(raw, PASSWORD, "Admin").await;
        assert_eq!(
            invalid_fields(&response),
            BTreeSet::from(["email".into()]),
            "{raw:?}"
        );
    }
    assert_eq!(addresses(&app).await, [OWNER], "no second account");
}

#[tokio::test]
async fn twenty_concurrent_registrations_of_lookalikes_make_exactly_one_account() {
    let app = TestApp::spawn().await;
    // Twenty spellings of one address: Latin, Cyrillic or Armenian letters at five places.
    let places = [
        ('s', '\u{455}'),
        ('o', '\u{43e}'),
        ('n', '\u{578}'),
        ('i', '\u{456}'),
        ('a', '\u{430}'),
    ];
    let spellings: Vec<String> = (0..20u32)
        .map(|bits| {
            let local: String = places
                .iter()
                .enumerate()
                .map(|(i, (latin, other))| if bits & (1 << i) == 0 { *latin } else { *other })
                .collect();
            format!("{local}@example.org")
        })
        .collect();
    assert_eq!(
        spellings.iter().collect::<BTreeSet<_>>().len(),
        20,
        "twenty spellings"
    );

    let mut registrations = JoinSet::new();
    for spelling in spellings.clone() {
        let app = app.clone();
        registrations.spawn(async move { app.register(&spelling, PASSWORD, "Twin").await });
    }
    while let Some(joined) = registrations.join_next().await {
        let response = joined.expect("a registration task");
        assert_eq!(
            response.status,
            201,
            "every registration answers alike: {}",
            response.text()
        );
    }

    let accounts = addresses(&app).await;
    assert_eq!(
        accounts.len(),
        1,
        "one account for twenty lookalikes: {accounts:?}"
    );
    let owner = &accounts[0];
    let notes = app
        .mail()
        .await
        .to(owner)
        .iter()
        .filter(|m| m.subject == NOTE)
        .count();
    assert_eq!(notes, 19, "the owner heard of each other attempt");
    assert_eq!(
        app.mail().await.all().len(),
        20,
        "one verification and 19 notes, all to the owner"
    );
}

#[tokio::test]
async fn an_address_is_found_however_its_case_or_width_is_typed() {
    let app = TestApp::spawn().await;
    app.register("ada@example.org", PASSWORD, "Ada")
        .await
        .assert_status(201);
    for typed in [
        "ADA@EXAMPLE.ORG",
        "Ada@Example.Org",
        "ada@\u{ff45}xample.org",
        "\u{ff21}da@example.org",
    ] {
        app.login(typed, PASSWORD).await.assert_status(200);
    }
    app.forgot_password("ADA@EXAMPLE.ORG")
        .await
        .assert_status(202);
    assert_eq!(
        app.mail()
            .await
            .token("ada@example.org", "/reset-password")
            .len(),
        43,
        "the reset link went to the account's address"
    );
    assert_eq!(addresses(&app).await, ["ada@example.org"]);
}

#[tokio::test]
async fn an_international_domain_is_kept_in_its_ascii_form() {
    let app = TestApp::spawn().await;
    let response = app
        .register("Zoe@B\u{fc}cher.example", PASSWORD, "Zo\u{eb}")
        .await;
    response.assert_status(201);
    assert_eq!(response.json()["email"], "zoe@xn--bcher-kva.example");
    app.login("zoe@xn--bcher-kva.example", PASSWORD)
        .await
        .assert_status(200);
    app.login("ZOE@B\u{dc}CHER.EXAMPLE", PASSWORD)
        .await
        .assert_status(200);
}

#[tokio::test]
async fn a_display_name_with_a_bidi_override_or_an_invisible_character_is_refused() {
    let app = TestApp::spawn().await;
    let tokens = app.signed_up("ada@example.org").await;
    for name in [
        "Ada \u{202e}ecalevoL",
        "Ada\u{200b}Lovelace",
        "\u{2066}Ada\u{2069}",
        "Ada\u{2028}Lovelace",
    ] {
        let registration = app.register("grace@example.org", PASSWORD, name).await;
        assert_eq!(
            invalid_fields(&registration),
            BTreeSet::from(["name".into()]),
            "{name:?}"
        );
        let rename = app
            .router
            .patch("/auth/me")
            .bearer(&tokens.access_token)
            .json(&json!({ "name": name }))
            .send()
            .await;
        assert_eq!(
            invalid_fields(&rename),
            BTreeSet::from(["name".into()]),
            "{name:?}"
        );
    }
    assert_eq!(addresses(&app).await, ["ada@example.org"]);
}

#[tokio::test]
async fn names_in_any_script_are_accepted() {
    let app = TestApp::spawn().await;
    let tokens = app.signed_up("ada@example.org").await;
    for (i, name) in [
        "Zo\u{eb} \u{c5}ngstr\u{f6}m",
        "\u{674e}\u{5c0f}\u{9f8d}",
        "\u{645}\u{62d}\u{645}\u{62f} \u{639}\u{628}\u{62f} \u{627}\u{644}\u{644}\u{647}",
        "\u{41d}\u{430}\u{442}\u{430}\u{448}\u{430} \u{420}\u{43e}\u{441}\u{442}\u{43e}\u{432}\u{430}",
        "\u{926}\u{947}\u{935}\u{928}\u{93e}\u{917}\u{930}\u{940}",
    ]
    .into_iter()
    .enumerate()
    {
        let registration = app.register(&format!("name{i}@example.org"), PASSWORD, name).await;
        registration.assert_status(201);
        assert_eq!(registration.json()["name"], name);
        let rename = app
            .router
            .patch("/auth/me")
            .bearer(&tokens.access_token)
            .json(&json!({ "name": name }))
            .send()
            .await;
        rename.assert_status(200);
        assert_eq!(rename.json()["name"], name);
    }
}

#[tokio::test]
async fn an_account_made_before_skeleton_guards_gets_one_and_its_lookalikes_are_refused() {
    let app = TestApp::spawn().await;
    app.register(OWNER, PASSWORD, "Admin")
        .await
        .assert_status(201);
    let store = app.store().await;
    let owner = auth::email::Email::parse(OWNER).expect("an address");
    forget_skeleton_guard(&app, &owner).await;
    assert_eq!(store.skeleton_owner(&owner).await.expect("a read"), None);

    let report = auth::service::claim_skeletons(&store)
        .await
        .expect("claimed");
    assert_eq!((report.claimed, report.lookalikes.len()), (1, 0));
    let again = auth::service::claim_skeletons(&store)
        .await
        .expect("claimed");
    assert_eq!(
        (again.claimed, again.lookalikes.len()),
        (0, 0),
        "nothing to do twice"
    );

    app.register("\u{430}dmin@skillpath.local", PASSWORD, "Impostor")
        .await
        .assert_status(201);
    assert_eq!(addresses(&app).await, [OWNER], "no second account");
    let notes = app
        .mail()
        .await
        .to(OWNER)
        .iter()
        .filter(|m| m.subject == NOTE)
        .count();
    assert_eq!(notes, 1, "the owner was told");
}

#[tokio::test]
async fn accounts_whose_addresses_already_look_alike_are_reported_to_the_operator() {
    let app = TestApp::spawn().await;
    app.register(OWNER, PASSWORD, "Admin")
        .await
        .assert_status(201);
    let owner = auth::email::Email::parse(OWNER).expect("an address");
    forget_skeleton_guard(&app, &owner).await;
    // Without the owner's guard, a lookalike registers: as one did before guards were kept.
    let impostor = "\u{430}dmin@skillpath.local";
    app.register(impostor, PASSWORD, "Impostor")
        .await
        .assert_status(201);
    assert_eq!(addresses(&app).await.len(), 2, "the premise: two accounts");

    let report = auth::service::claim_skeletons(&app.store().await)
        .await
        .expect("claimed");
    assert_eq!(report.claimed, 0);
    let reported: Vec<(String, String)> = report
        .lookalikes
        .iter()
        .map(|(account, other)| (account.email.to_string(), other.to_string()))
        .collect();
    assert_eq!(reported, [(OWNER.to_owned(), impostor.to_owned())]);
}
