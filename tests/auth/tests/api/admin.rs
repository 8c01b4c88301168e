//! What admins do: list accounts, change roles, disable accounts; the school always keeps an
//! admin. And the operator's `create-user`, which makes the first one.

use auth_tests::{PASSWORD, TestApp, Tokens};
use serde_json::{Value, json};
use shared::identity::Role;
use tokio::task::JoinSet;

async fn change(app: &TestApp, admin: &Tokens, user: &str, body: Value) -> testkit::TestResponse {
    app.router
        .patch(&format!("/auth/users/{user}"))
        .bearer(&admin.access_token)
        .json(&body)
        .send()
        .await
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn an_admin_lists_accounts_by_role_a_page_at_a_time() {
    let app = TestApp::spawn().await;
    let (admin_id, admin) = app.account_with_role("root@example.org", Role::Admin).await;
    let (teacher_id, _) = app
        .account_with_role("teacher@example.org", Role::Instructor)
        .await;
    for i in 0..3 {
        app.register(&format!("learner{i}@example.org"), PASSWORD, "Learner")
            .await
            .assert_status(201);
    }

    let list = |query: &'static str| {
        let app = &app;
        let token = admin.access_token.clone();
        async move {
            let response = app
                .router
                .get(&format!("/auth/users{query}"))
                .bearer(&token)
                .send()
                .await;
            response.assert_status(200);
            response.json()
        }
    };
    let everyone = list("").await;
    assert_eq!(ids(&everyone).len(), 5);
    assert!(everyone["next_cursor"].is_null());
    let first = everyone["items"][0].clone();
    assert!(first.get("password_hash").is_none(), "no secrets: {first}");

    assert_eq!(ids(&list("?role=admin").await), [admin_id.to_string()]);
    assert_eq!(
        ids(&list("?role=instructor").await),
        [teacher_id.to_string()]
    );

    // Learners two at a time: three pages' worth of cursors, no account twice.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = match &cursor {
            Some(cursor) => format!("/auth/users?role=learner&limit=2&cursor={cursor}"),
            None => "/auth/users?role=learner&limit=2".into(),
        };
        let page = app
            .router
            .get(&query)
            .bearer(&admin.access_token)
            .send()
            .await;
        page.assert_status(200);
        let page = page.json();
        seen.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
        assert!(seen.len() <= 3, "the pages go on: {seen:?}");
    }
    assert_eq!(seen.len(), 3);

    // A cursor is only good for its own listing.
    let page = list("?limit=1").await;
    let cursor = page["next_cursor"].as_str().expect("more than one account");
    app.router
        .get(&format!("/auth/users?role=learner&cursor={cursor}"))
        .bearer(&admin.access_token)
        .send()
        .await
        .assert_problem(400, "malformed-request");
    app.router
        .get("/auth/users?role=root")
        .bearer(&admin.access_token)
        .send()
        .await
        .assert_problem(400, "malformed-request");
}

#[tokio::test]
async fn a_new_role_reaches_the_next_access_token_and_only_admins_may_give_it() {
    let app = TestApp::spawn().await;
    let (_, admin) = app.account_with_role("root@example.org", Role::Admin).await;
    let learner = app.signed_up("rising@example.org").await;
    let id = app.me(&learner.access_token).await.json()["id"]
        .as_str()
        .expect("an id")
        .to_owned();

    change(&app, &learner, &id, json!({"role": "admin"}))
        .await
        .assert_problem(403, "forbidden");
    let promoted = change(&app, &admin, &id, json!({"role": "instructor"})).await;
    promoted.assert_status(200);
    assert_eq!(promoted.json()["role"], "instructor");

    let next: Tokens = app.refresh(&learner.refresh_token).await.parse();
    let caller = testkit::tokens::verifier()
        .verify(&next.access_token)
        .expect("a valid token");
    assert_eq!(caller.role, Role::Instructor);

    change(
        &app,
        &admin,
        &id,
        json!({"role": "learner", "password_hash": "x"}),
    )
    .await
    .assert_problem(422, "validation-failed");
    change(&app, &admin, &id, json!({}))
        .await
        .assert_problem(422, "validation-failed");
    change(&app, &admin, &uuid_like(), json!({"role": "learner"}))
        .await
        .assert_problem(404, "not-found");
    change(&app, &admin, "not-an-id", json!({"role": "learner"}))
        .await
        .assert_problem(404, "not-found");
}

fn uuid_like() -> String {
    shared::identity::UserId::new().to_string()
}

#[tokio::test]
async fn the_last_admin_can_be_neither_demoted_nor_disabled() {
    let app = TestApp::spawn().await;
    let (root_id, root) = app.account_with_role("root@example.org", Role::Admin).await;
    let root_id = root_id.to_string();
    let operator_demotes = async |email: &str| {
        auth::service::provision(
            &app.store().await,
            auth::email::Email::parse(email).expect("an address"),
            auth::user::DisplayName::parse("Demoted").expect("a name"),
            Role::Learner,
            auth::password::Password::new_choice(PASSWORD).expect("a password"),
            app.clock.now(),
        )
        .await
    };

    // Not by itself (nobody changes their own account), nor by the operator.
    for body in [json!({"role": "instructor"}), json!({"disabled": true})] {
        change(&app, &root, &root_id, body.clone())
            .await
            .assert_problem(403, "own-account");
    }
    let refused = operator_demotes("root@example.org").await;
    assert!(
        matches!(refused, Err(auth::service::ProvisionError::LastAdmin)),
        "the operator demoted the last admin: {refused:?}"
    );
    assert_eq!(app.me(&root.access_token).await.json()["role"], "admin");

    // With a second admin, one of them may go; the other is then the last.
    let (_, deputy) = app
        .account_with_role("deputy@example.org", Role::Admin)
        .await;
    change(&app, &deputy, &root_id, json!({"role": "learner"}))
        .await
        .assert_status(200);
    let refused = operator_demotes("deputy@example.org").await;
    assert!(
        matches!(refused, Err(auth::service::ProvisionError::LastAdmin)),
        "the operator demoted the last admin: {refused:?}"
    );
}

#[tokio::test]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    let app = TestApp::spawn().await;
    let (a_id, a) = app.account_with_role("a@example.org", Role::Admin).await;
    let (b_id, b) = app.account_with_role("b@example.org", Role::Admin).await;
    let mut demotions = JoinSet::new();
    for (actor, target) in [(a.clone(), b_id), (b.clone(), a_id)] {
        let app = app.clone();
        demotions.spawn(async move {
            change(
                &app,
                &actor,
                &target.to_string(),
                json!({"role": "learner"}),
            )
            .await
            .status
            .as_u16()
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = demotions.join_next().await {
        statuses.push(status.expect("a demotion task"));
    }
    statuses.sort_unstable();
    // The loser is refused by the admin count (409), or, when the winner's demotion ended its
    // session before its request was checked, by its stale token (401).
    assert!(
        statuses == [200, 409] || statuses == [200, 401],
        "one demotion wins, the other is refused: {statuses:?}"
    );

    let admins = app
        .store()
        .await
        .list_accounts(Some(Role::Admin), 10, None)
        .await
        .expect("the accounts are listed");
    // DynamoDB leaves exactly one; the rule is that at least one is left. (The emulator
    // rolls a cancelled transaction back by restoring a copy of the whole table, which can
    // also undo the winner's write: then both remain, which still keeps the rule.)
    assert!(!admins.items.is_empty(), "no admin is left");
}

#[tokio::test]
async fn create_user_makes_an_account_with_its_role_and_running_it_again_changes_the_role() {
    let app = TestApp::spawn().await;
    let (id, tokens) = app
        .account_with_role("Operator.Made@example.org", Role::Instructor)
        .await;
    let me = app.me(&tokens.access_token).await.json();
    assert_eq!(me["role"], "instructor");
    assert_eq!(me["email"], "operator.made@example.org");
    assert_eq!(
        me["email_verified"], true,
        "the operator vouches for the address"
    );

    let (again, _) = app
        .account_with_role("operator.made@example.org", Role::Admin)
        .await;
    assert_eq!(again, id, "the same account");
    assert_eq!(app.me(&tokens.access_token).await.json()["role"], "admin");

    // A registered learner can be promoted the same way.
    app.register("self.made@example.org", PASSWORD, "Self")
        .await
        .assert_status(201);
    let (_, promoted) = app
        .account_with_role("self.made@example.org", Role::Instructor)
        .await;
    assert_eq!(
        app.me(&promoted.access_token).await.json()["role"],
        "instructor"
    );
}
