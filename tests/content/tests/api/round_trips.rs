//! Each read is the fewest DynamoDB requests its access pattern allows: a course page one, an
//! article page (kept, by slug) one, a listing page one, the sitemap one, and no `Scan`
//! anywhere. Counted by a proxy in front of the emulator.

use content_tests::{TestApp, unique_slug};
use serde_json::json;

#[tokio::test]
async fn pages_and_listings_take_one_request_and_nothing_scans() {
    let (app, proxy) = TestApp::spawn_counting().await;
    let owner = app.instructor().await;
    let slug = unique_slug("counted");
    let course = app
        .published_course(&owner, &slug, json!({"tags": ["apis"]}))
        .await;
    let id = course["id"].as_str().expect("an id");
    let learner = app.learner().await;
    app.enroll(&learner, id, "active").await;
    let article = unique_slug("counted-article");
    app.published_article(&owner, &article, json!({"tags": ["apis"]}))
        .await;
    app.settle_pages().await;
    app.get(&format!("/articles/{article}"))
        .await
        .assert_status(200);

    let mut figures = Vec::new();
    for (what, path, caller) in [
        ("course page by id", format!("/courses/{id}"), None),
        ("course page by slug", format!("/courses/{slug}"), None),
        ("article page by slug", format!("/articles/{article}"), None),
        ("course listing page", "/courses".to_owned(), None),
        (
            "course listing by tag",
            "/courses?tag=apis".to_owned(),
            None,
        ),
        (
            "course listing by level",
            "/courses?level=beginner".to_owned(),
            None,
        ),
        (
            "preview lesson",
            format!("/courses/{slug}/lessons/{slug}-intro"),
            None,
        ),
        (
            "members' lesson",
            format!("/courses/{slug}/lessons/{slug}-deep-dive"),
            Some(&learner),
        ),
        ("tags", "/tags".to_owned(), None),
        ("sitemap", "/sitemap.xml".to_owned(), None),
    ] {
        proxy.clear_operations();
        let response = match caller {
            Some(caller) => app.get_as(caller, &path).await,
            None => app.get(&path).await,
        };
        response.assert_status(200);
        let operations = proxy.operations();
        figures.push(format!("{what}: {operations:?}"));
        let expected: &[&str] = match what {
            "course page by id" => &["GetItem"],
            "article page by slug" => &["BatchGetItem"],
            "preview lesson" => &["GetItem", "Query"],
            "members' lesson" => &["GetItem", "GetItem", "Query"],
            _ => &["Query"],
        };
        let mut sorted = operations.clone();
        sorted.sort();
        assert_eq!(sorted, expected, "{what} ({path})");
    }
    println!("DynamoDB requests per read:\n  {}", figures.join("\n  "));

    proxy.clear_operations();
    app.get("/articles?tag=apis").await.assert_status(200);
    assert!(
        !proxy.operations().iter().any(|op| op == "Scan"),
        "no request path scans: {:?}",
        proxy.operations()
    );
}

#[tokio::test]
async fn an_edit_is_one_write_request() {
    let (app, proxy) = TestApp::spawn_counting().await;
    let owner = app.instructor().await;
    let slug = unique_slug("one-write");
    let draft = app.complete_course(&owner, &slug, json!({})).await;

    let path = format!("/courses/{}", draft["id"].as_str().expect("an id"));
    let etag = app.etag_of(&owner, &path).await;
    proxy.clear_operations();
    app.patch(&owner, &path, &etag, &json!({"title": "Edited"}))
        .await
        .assert_status(200);
    assert_eq!(
        proxy.operations(),
        ["BatchGetItem", "GetItem", "TransactWriteItems"],
        "a draft edit by id: the author's account and session, the course, then one \
         transaction (the course and its workspace entries)"
    );

    proxy.clear_operations();
    let published = app.publish(&owner, "courses", &slug).await;
    published.assert_status(200);
    let operations = proxy.operations();
    assert_eq!(
        operations.first().map(String::as_str),
        Some("BatchGetItem"),
        "publishing checks the author's account first: {operations:?}"
    );
    let writes: Vec<String> = operations
        .into_iter()
        .filter(|op| !op.contains("Get") && op != "Query")
        .collect();
    assert_eq!(
        writes,
        ["TransactWriteItems"],
        "publishing writes the course, its cards and tag counts at once"
    );
}
