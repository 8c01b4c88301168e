//! Edits are optimistic: each names the version it was made against (`If-Match`), and a stale
//! one is 412 with nothing lost. The racing edits here overlap by construction: the proxy in
//! front of DynamoDB holds the first write until the second arrives, so both were planned on
//! the same stored version, and only the write's condition can tell them apart.

use content_tests::{TestApp, etag, unique_slug};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_two_concurrent_edits_from_one_version_one_wins_whole_and_the_other_gets_412() {
    let (app, proxy) = TestApp::spawn_counting().await;
    let owner = app.instructor().await;
    let co_author = app.admin().await;
    let slug = unique_slug("race");
    app.published_course(&owner, &slug, json!({})).await;
    let path = format!("/courses/{slug}");

    for round in 0..3 {
        let read = app.get(&path).await;
        let version = etag(&read);
        let first =
            json!({"title": format!("First {round}"), "summary": format!("First summary {round}")});
        let second = json!({"title": format!("Second {round}"), "summary": format!("Second summary {round}")});

        proxy.hold_until_together("PutItem", 2);
        let (a, b) = tokio::join!(
            app.patch(&owner, &path, &version, &first),
            app.patch(&co_author, &path, &version, &second),
        );

        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            [200, 412],
            "round {round}: {} / {}",
            a.text(),
            b.text()
        );
        let (winner, loser) = if a.status == 200 {
            (&first, &b)
        } else {
            (&second, &a)
        };
        loser.assert_problem(412, "stale-version");
        let stored = app.get(&path).await.json();
        assert_eq!(
            stored["title"], winner["title"],
            "round {round}: the winner's title"
        );
        assert_eq!(
            stored["summary"], winner["summary"],
            "round {round}: the winner's change is stored whole, not mixed with the loser's"
        );
    }
}

#[tokio::test]
async fn a_stale_if_match_is_412_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let slug = unique_slug("stale");
    app.published_course(&owner, &slug, json!({})).await;
    let path = format!("/courses/{slug}");
    let old = etag(&app.get(&path).await);
    let edited = app
        .patch(&owner, &path, &old, &json!({"title": "Newer"}))
        .await;
    edited.assert_status(200);

    app.patch(&owner, &path, &old, &json!({"title": "Older"}))
        .await
        .assert_problem(412, "stale-version");
    assert_eq!(app.get(&path).await.json()["title"], "Newer");

    let fresh = etag(&edited);
    app.patch(&owner, &path, &fresh, &json!({"title": "Newest"}))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn an_edit_without_if_match_is_428_precondition_required_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let slug = unique_slug("blind");
    app.published_course(&owner, &slug, json!({})).await;
    let response = app
        .api
        .patch(&format!("/courses/{slug}"))
        .bearer(&owner.token)
        .json(&json!({"title": "Blind write"}))
        .send()
        .await;
    response.assert_problem(428, "precondition-required");
    let course = app.api.get(&format!("/courses/{slug}")).send().await;
    assert_ne!(course.json()["title"], "Blind write", "nothing changed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_lesson_edits_of_one_course_never_lose_a_change() {
    let (app, proxy) = TestApp::spawn_counting().await;
    let owner = app.instructor().await;
    let slug = unique_slug("lessons-race");
    app.published_course(&owner, &slug, json!({})).await;
    let intro = format!("/courses/{slug}/lessons/{slug}-intro");
    let deep = format!("/courses/{slug}/lessons/{slug}-deep-dive");
    let version = etag(&app.get(&format!("/courses/{slug}")).await);

    let first = json!({"body": "Intro, rewritten"});
    let second = json!({"body": "Deep dive, rewritten"});

    proxy.hold_until_together("TransactWriteItems", 2);
    let (a, b) = tokio::join!(
        app.patch(&owner, &intro, &version, &first),
        app.patch(&owner, &deep, &version, &second),
    );

    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 412], "{} / {}", a.text(), b.text());
    let bodies = [
        app.get_as(&owner, &intro).await.json()["body"].clone(),
        app.get_as(&owner, &deep).await.json()["body"].clone(),
    ];
    let rewritten = bodies
        .iter()
        .filter(|b| b.as_str().is_some_and(|b| b.ends_with("rewritten")))
        .count();
    assert_eq!(
        rewritten, 1,
        "exactly the winner's lesson changed: {bodies:?}"
    );
}
