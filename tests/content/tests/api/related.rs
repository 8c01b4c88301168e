//! The articles an article's page shows as related: the ones its author pinned that are
//! published, then the newest sharing its tags (its first tag first), never itself, at most
//! four; read in as few round trips as that allows.

use content_tests::{TestApp, unique_slug};
use serde_json::json;

#[tokio::test]
async fn related_articles_are_the_published_pinned_ones_then_the_newest_by_tag_in_order() {
    let (app, proxy) = TestApp::spawn_counting().await;
    let author = app.instructor().await;
    let slug = |name: &str| unique_slug(name);
    let tagged = |tags: &[&str]| json!({"tags": tags});
    let older = slug("older-api-article");
    app.published_article(&author, &older, tagged(&["apis"]))
        .await;
    let newer = slug("newer-api-article");
    app.published_article(&author, &newer, tagged(&["apis"]))
        .await;
    let career = slug("career-article");
    app.published_article(&author, &career, tagged(&["careers"]))
        .await;
    let pinned = slug("pinned-article");
    app.published_article(&author, &pinned, tagged(&["careers"]))
        .await;
    let draft = slug("pinned-draft");
    app.create_article(&author, &draft, json!({})).await;
    let page = slug("the-page");
    app.published_article(
        &author,
        &page,
        json!({"tags": ["apis", "careers"], "pinned_related": [draft, pinned]}),
    )
    .await;

    proxy.clear_operations();
    let shown = app
        .get(&format!("/articles/{page}"))
        .await
        .assert_status(200)
        .json();
    let related: Vec<&str> = shown["related"]
        .as_array()
        .expect("related articles")
        .iter()
        .filter_map(|card| card["slug"].as_str())
        .collect();
    assert_eq!(
        related,
        [pinned.as_str(), &newer, &older, &career],
        "the published pinned article, then the newest of its first tag, then of its second; \
         not the draft, not itself"
    );

    // Rendered (no page is kept yet: the stamp's last change has not settled): the kept page
    // and the stamp read first, then one Query for the article, then its pinned cards and its
    // first tag's newest together; the second tag's Query only because the first did not fill
    // the four.
    let seen = proxy.requests();
    let operations: Vec<&str> = seen.iter().map(|s| s.operation.as_str()).collect();
    assert_eq!(operations.len(), 5, "{operations:?}");
    assert_eq!(operations[..2], ["BatchGetItem", "Query"], "{operations:?}");
    let (cards, first_tag) = (&seen[2], &seen[3]);
    let answered = |s: &testkit::proxy::Seen| s.answer.get().expect("answered").at;
    let mut together = [cards.operation.as_str(), first_tag.operation.as_str()];
    together.sort_unstable();
    assert_eq!(together, ["BatchGetItem", "Query"], "{operations:?}");
    assert!(
        cards.sent < answered(first_tag) && first_tag.sent < answered(cards),
        "the pinned cards and the first tag's articles are read at once"
    );
}
