//! Public reads carry an `ETag` and a `Cache-Control`, and answer `If-None-Match` with 304.

use content_tests::{TestApp, etag, unique_slug};
use serde_json::json;

#[tokio::test]
async fn a_course_page_sends_an_etag_and_answers_if_none_match_with_304_until_it_changes() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let slug = unique_slug("cached");
    app.published_course(&owner, &slug, json!({})).await;
    let path = format!("/courses/{slug}");

    let first = app.get(&path).await;
    first.assert_status(200);
    let tag = etag(&first);
    assert!(
        first
            .header("cache-control")
            .is_some_and(|c| c.starts_with("public")),
        "a public read is cacheable: {:?}",
        first.header("cache-control")
    );

    let again = app
        .api
        .get(&path)
        .header("if-none-match", &tag)
        .send()
        .await;
    again.assert_status(304);
    assert!(again.body.is_empty(), "a 304 has no body");
    assert_eq!(again.header("etag"), Some(tag.as_str()));
    assert!(again.header("cache-control").is_some());

    let edited = app
        .patch(&owner, &path, &tag, &json!({"summary": "Changed"}))
        .await;
    edited.assert_status(200);
    let changed = app
        .api
        .get(&path)
        .header("if-none-match", &tag)
        .send()
        .await;
    changed.assert_status(200);
    assert_ne!(etag(&changed), tag, "a changed course has a new ETag");
    assert_eq!(
        etag(&changed),
        etag(&edited),
        "the write answered the new ETag"
    );
}

#[tokio::test]
async fn listings_tags_articles_lessons_paths_the_sitemap_and_the_api_document_answer_304_too() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let slug = unique_slug("cached");
    app.published_course(&owner, &slug, json!({})).await;
    let article = unique_slug("cached-article");
    app.published_article(&owner, &article, json!({})).await;
    let path = unique_slug("cached-path");
    let admin = app.admin().await;
    app.post(&admin, "/paths", &json!({
        "slug": path, "title": "Cached path", "description": "Go.", "roles": ["Backend developer"],
        "steps": [{"course": slug, "note": "Start here"}],
    }))
    .await
    .assert_status(201);
    app.publish(&admin, "paths", &path).await.assert_status(200);

    for page in [
        "/courses".to_owned(),
        "/courses?tag=backend".to_owned(),
        "/articles".to_owned(),
        format!("/articles/{article}"),
        format!("/courses/{slug}/lessons/{slug}-intro"),
        "/paths".to_owned(),
        format!("/paths/{path}"),
        "/tags".to_owned(),
        "/sitemap.xml".to_owned(),
        "/openapi.json".to_owned(),
    ] {
        let first = app.get(&page).await;
        first.assert_status(200);
        let tag = etag(&first);
        assert!(
            first.header("cache-control").is_some(),
            "{page} has no Cache-Control"
        );
        app.api
            .get(&page)
            .header("if-none-match", &tag)
            .send()
            .await
            .assert_status(304);
    }
}

#[tokio::test]
async fn what_a_token_shows_is_cached_only_by_its_caller() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let slug = unique_slug("private");
    app.complete_course(&owner, &slug, json!({})).await;
    let draft = app.get_as(&owner, &format!("/courses/{slug}")).await;
    draft.assert_status(200);
    assert_eq!(draft.header("cache-control"), Some("private, no-cache"));
    assert_eq!(draft.header("vary"), Some("Authorization"));
}

#[tokio::test]
async fn the_api_document_is_served_as_json_exactly_as_infra_openapi_yaml_says() {
    let app = TestApp::spawn().await;
    let served = app.get("/openapi.json").await;
    served.assert_status(200);
    assert_eq!(served.header("content-type"), Some("application/json"));
    assert!(
        served
            .header("cache-control")
            .is_some_and(|c| c.starts_with("public")),
        "cached like the other public reads"
    );
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../infra/openapi.yaml");
    let written: serde_json::Value =
        serde_yaml::from_str(&std::fs::read_to_string(path).expect("infra/openapi.yaml"))
            .expect("the document is YAML");
    assert_eq!(
        served.json(),
        written,
        "the served document is the repository's"
    );
    assert!(served.json()["paths"]["/openapi.json"]["get"].is_object());
}
