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
