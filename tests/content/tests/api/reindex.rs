//! `content-admin reindex`: documents written before search, the workspace and the sitemap's
//! cards existed get their entries, as a write of them would make, and running it again changes
//! nothing.

use aws_sdk_dynamodb::types::AttributeValue;
use content_tests::{TestApp, course_body, unique_slug};
use serde_json::{Value, json};

/// Deletes every item of `entity` from the test's content table: the table as it was before
/// such items were written.
async fn forget(app: &TestApp, entity: &str) {
    for item in app.stored(entity).await {
        let key = ["pk", "sk"].map(|name| (name.to_owned(), item[name].clone()));
        app.db
            .delete_item()
            .table_name(&app.tables.content)
            .set_key(Some(key.into_iter().collect()))
            .send()
            .await
            .expect("the item is deleted");
    }
}

fn slugs(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|item| item["slug"].as_str())
        .collect()
}

#[tokio::test]
async fn reindexing_gives_older_documents_their_search_workspace_and_sitemap_entries_once() {
    let app = TestApp::spawn().await;
    let author = app.instructor().await;
    let article = unique_slug("older-article");
    app.published_article(
        &author,
        &article,
        json!({"title": "Sharding a write-heavy table"}),
    )
    .await;
    let course = unique_slug("older-course");
    app.create_course(&author, course_body(&course)).await;
    forget(&app, "desk").await;
    forget(&app, "search").await;
    forget(&app, "card").await;
    let search = "/search?q=sharding";
    assert!(app.get_as(&author, "/workspace").await.json()["items"] == json!([]));
    let sitemap = || async { app.get("/sitemap.xml").await.assert_status(200).text() };
    assert!(!sitemap().await.contains(&article));

    let report = app.reindex().await;
    assert_eq!(report.reindexed, 2, "{report:?}");
    let workspace = app
        .get_as(&author, "/workspace")
        .await
        .assert_status(200)
        .json();
    assert_eq!(slugs(&workspace), [course.as_str(), &article]);
    let found = app.get(search).await.assert_status(200).json();
    assert!(
        found["items"][0]["url"]
            .as_str()
            .is_some_and(|url| url.ends_with(&article)),
        "{found}"
    );
    assert!(sitemap().await.contains(&format!("/articles/{article}<")));
    assert_eq!(
        slugs(&app.get("/articles").await.json()),
        [article.as_str()]
    );

    let again = app.reindex().await;
    assert_eq!(again.reindexed, 2);
    assert_eq!(
        app.stored("desk").await.len(),
        4,
        "one per author and one for all, each once"
    );
    assert_eq!(
        app.stored("search").await.len(),
        1,
        "the published article's only"
    );
    assert_eq!(
        app.stored("card").await.len(),
        3,
        "the published article's, in the listing of articles, of its one tag and the sitemap, \
         each once"
    );
    let stamp = app.stored("search-stamp").await;
    assert!(
        matches!(stamp[0].get("changes"), Some(AttributeValue::N(n)) if n != "0"),
        "the stamp moved, so warm functions reload: {stamp:?}"
    );
}

/// Rewrites every card of the test's content table as a release before cards were JSON strings
/// wrote it: the card a map, no `level` beside it.
async fn cards_as_maps(app: &TestApp) {
    for mut item in app.stored("card").await {
        let Some(AttributeValue::S(json)) = item.remove("card") else {
            panic!("a card is a JSON string: {item:?}");
        };
        let card: Value = serde_json::from_str(&json).expect("a card's JSON");
        let map = shared::dynamo::to_item(&card).expect("a card as a map");
        item.insert("card".to_owned(), AttributeValue::M(map));
        item.remove("level");
        app.db
            .put_item()
            .table_name(&app.tables.content)
            .set_item(Some(item))
            .send()
            .await
            .expect("the card is rewritten");
    }
}

#[tokio::test]
async fn cards_written_as_maps_before_still_list_filter_and_show_as_related() {
    let app = TestApp::spawn().await;
    let author = app.instructor().await;
    let course = unique_slug("map-card-course");
    app.published_course(&author, &course, json!({"tags": ["map-cards"]}))
        .await;
    let older = unique_slug("map-card-article");
    app.published_article(&author, &older, json!({"tags": ["map-cards"]}))
        .await;
    let page = unique_slug("map-card-page");
    app.published_article(
        &author,
        &page,
        json!({"tags": ["map-cards"], "pinned_related": [older]}),
    )
    .await;
    cards_as_maps(&app).await;

    let app = &app;
    let listed = |path: String| async move { app.get(&path).await.assert_status(200).json() };
    assert_eq!(slugs(&listed("/courses".into()).await), [course.as_str()]);
    let by_level = listed("/courses?tag=map-cards&level=beginner".into()).await;
    assert_eq!(slugs(&by_level), [course.as_str()]);
    let other_level = listed("/courses?tag=map-cards&level=advanced".into()).await;
    assert_eq!(slugs(&other_level), Vec::<&str>::new());
    let shown = listed(format!("/articles/{page}")).await;
    assert_eq!(shown["related"][0]["slug"], json!(older), "{shown}");
    let sitemap = app.get("/sitemap.xml").await.assert_status(200).text();
    assert!(
        sitemap.contains(&format!("/courses/{course}<")),
        "{sitemap}"
    );
}
