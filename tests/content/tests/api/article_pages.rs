//! An article's page is rendered once and kept on its slug's claim under the page stamp; read
//! by slug while the stamp has not moved it is one request, byte for byte the page a render
//! makes. Every write that changes what an article page shows — of another article (related
//! cards), of a document linked to (published or not), of the article itself — moves the
//! stamp, so the next read shows the change; a write that changes no article page (a course's
//! title) does not. A page rendered before the stamp's last change settled is not kept.

use content::pages::{PageStamp, StoredPage};
use content::store::KeptPage;
use content_tests::{TestApp, etag, unique_slug};
use serde_json::{Value, json};
use testkit::proxy::DynamoProxy;

/// The article page at `path`, its `ETag`, and the DynamoDB requests it took.
async fn read(app: &TestApp, proxy: &DynamoProxy, path: &str) -> (String, String, Vec<String>) {
    proxy.clear_operations();
    let response = app.get(path).await;
    response.assert_status(200);
    (response.text(), etag(&response), proxy.operations())
}

/// The page at `path` after `settle_pages`: rendered, then served as kept in one request.
async fn kept(app: &TestApp, proxy: &DynamoProxy, path: &str) -> Value {
    app.settle_pages().await;
    let (rendered, rendered_tag, _) = read(app, proxy, path).await;
    let (served, served_tag, operations) = read(app, proxy, path).await;
    assert_eq!(operations, ["BatchGetItem"], "{path} kept");
    assert_eq!(
        (&served, &served_tag),
        (&rendered, &rendered_tag),
        "the kept page is the rendered one"
    );
    serde_json::from_str(&served).expect("a JSON page")
}

fn related(page: &Value) -> Vec<(String, String)> {
    page["related"]
        .as_array()
        .expect("related articles")
        .iter()
        .map(|card| {
            let field = |name: &str| card[name].as_str().expect("a card field").to_owned();
            (field("slug"), field("title"))
        })
        .collect()
}

fn links_to(page: &Value, href: &str) -> bool {
    page["body_html"]
        .as_str()
        .expect("body_html")
        .contains(&format!("<a href=\"{href}\""))
}

#[tokio::test]
async fn a_kept_article_page_shows_every_change_of_what_it_shows_at_the_next_read() {
    let (app, proxy) = TestApp::spawn_counting().await;
    let author = app.instructor().await;
    let course = unique_slug("linked-course");
    app.published_course(&author, &course, json!({})).await;
    let pinned = unique_slug("pinned");
    app.published_article(&author, &pinned, json!({"tags": ["careers"]}))
        .await;
    let slug = unique_slug("kept-article");
    let article = app
        .published_article(
            &author,
            &slug,
            json!({
                "tags": ["apis"],
                "pinned_related": [pinned],
                "body": format!("Start with [the course](/courses/{course})."),
            }),
        )
        .await;
    let id = article["id"].as_str().expect("an id").to_owned();
    let (by_slug, by_id) = (format!("/articles/{slug}"), format!("/articles/{id}"));

    let page = kept(&app, &proxy, &by_slug).await;
    assert!(links_to(&page, &format!("/courses/{course}")));
    assert_eq!(
        related(&page),
        [(pinned.clone(), format!("Article {pinned}"))]
    );
    let (by_id_page, _, operations) = read(&app, &proxy, &by_id).await;
    assert!(operations.len() > 1, "by id it is rendered: {operations:?}");
    assert_eq!(serde_json::from_str::<Value>(&by_id_page).unwrap(), page);

    // A course's title is on no article page: the page stays kept.
    let course_path = format!("/courses/{course}");
    let current = app.etag_of(&author, &course_path).await;
    app.patch(
        &author,
        &course_path,
        &current,
        &json!({"title": "Renamed course"}),
    )
    .await
    .assert_status(200);
    let (_, _, operations) = read(&app, &proxy, &by_slug).await;
    assert_eq!(
        operations,
        ["BatchGetItem"],
        "still kept after a course edit"
    );

    // A newer article of its tag.
    let newer = unique_slug("newer");
    app.published_article(&author, &newer, json!({"tags": ["apis"]}))
        .await;
    let page = kept(&app, &proxy, &by_slug).await;
    assert_eq!(
        related(&page),
        [
            (pinned.clone(), format!("Article {pinned}")),
            (newer.clone(), format!("Article {newer}"))
        ]
    );

    // The pinned article retitled.
    let pinned_path = format!("/articles/{pinned}");
    let current = app.etag_of(&author, &pinned_path).await;
    app.patch(
        &author,
        &pinned_path,
        &current,
        &json!({"title": "Retitled"}),
    )
    .await
    .assert_status(200);
    let page = kept(&app, &proxy, &by_slug).await;
    assert_eq!(related(&page)[0], (pinned.clone(), "Retitled".to_owned()));

    // The linked course archived, then published again.
    app.archive(&author, "courses", &course)
        .await
        .assert_status(200);
    let page = kept(&app, &proxy, &by_slug).await;
    assert!(
        !links_to(&page, &format!("/courses/{course}")),
        "a link to an archived course reads as its text: {}",
        page["body_html"]
    );
    app.publish(&author, "courses", &course)
        .await
        .assert_status(200);
    let page = kept(&app, &proxy, &by_slug).await;
    assert!(links_to(&page, &format!("/courses/{course}")));

    // The article itself edited.
    let current = app.etag_of(&author, &by_id).await;
    app.patch(
        &author,
        &by_id,
        &current,
        &json!({"title": "Edited itself"}),
    )
    .await
    .assert_status(200);
    let page = kept(&app, &proxy, &by_slug).await;
    assert_eq!(page["title"], "Edited itself");
}

#[tokio::test]
async fn a_page_rendered_before_the_last_change_settled_is_rendered_again() {
    let (app, proxy) = TestApp::spawn_counting().await;
    let author = app.instructor().await;
    let slug = unique_slug("unsettled");
    app.published_article(&author, &slug, json!({})).await;
    let path = format!("/articles/{slug}");

    for _ in 0..2 {
        let (_, _, operations) = read(&app, &proxy, &path).await;
        assert!(
            operations.len() > 1,
            "rendered while the publication may not be in the indexes yet: {operations:?}"
        );
    }
    kept(&app, &proxy, &path).await;
}

#[tokio::test]
async fn a_renamed_article_s_old_slug_redirects_though_its_claim_kept_a_page() {
    let (app, proxy) = TestApp::spawn_counting().await;
    let author = app.instructor().await;
    let (old, new) = (unique_slug("old-name"), unique_slug("new-name"));
    let article = app.published_article(&author, &old, json!({})).await;
    let id = article["id"].as_str().expect("an id");
    kept(&app, &proxy, &format!("/articles/{old}")).await;

    let path = format!("/articles/{id}");
    let current = app.etag_of(&author, &path).await;
    app.patch(&author, &path, &current, &json!({"slug": new}))
        .await
        .assert_status(200);
    app.settle_pages().await;
    let moved = app.get(&format!("/articles/{old}")).await;
    moved.assert_status(301);
    assert_eq!(
        moved.header("location"),
        Some(format!("/articles/{new}").as_str())
    );
    kept(&app, &proxy, &format!("/articles/{new}")).await;
    app.get(&format!("/articles/{old}"))
        .await
        .assert_status(301);
}

#[tokio::test]
async fn a_page_of_an_older_stamp_never_replaces_one_of_a_newer_nor_lands_on_another_s_claim() {
    let app = TestApp::spawn().await;
    let author = app.instructor().await;
    let slug = unique_slug("stamped");
    let article = app.published_article(&author, &slug, json!({})).await;
    let id = article["id"]
        .as_str()
        .expect("an id")
        .parse()
        .expect("an article id");
    let other = app
        .published_article(&author, &unique_slug("other"), json!({}))
        .await;
    let other = other["id"]
        .as_str()
        .expect("an id")
        .parse()
        .expect("an article id");
    let store = app.store();
    let slug = content::fields::Slug::parse(&slug).expect("a slug");
    let stamp = |changes| PageStamp {
        changes,
        changed_at: None,
    };
    let page = |text: &str| StoredPage::of(1, &json!({"page": text})).expect("a page");

    let keep = |page, at, article| {
        let (store, slug) = (&store, &slug);
        async move {
            store
                .keep_article_page(slug, article, &page, &stamp(at))
                .await
                .expect("DynamoDB answers")
        }
    };
    let current = match store.article_page(&slug).await.expect("a read") {
        KeptPage::Stale(current) => current.changes,
        KeptPage::Current(_) => panic!("no page is kept yet"),
    };
    assert!(keep(page("now"), current, id).await);
    let KeptPage::Current(served) = store.article_page(&slug).await.expect("a read") else {
        panic!("the page kept under the current stamp is served");
    };
    assert_eq!(served.body, page("now").body);
    assert!(
        !keep(page("older"), current - 1, id).await,
        "an older stamp's page"
    );
    assert!(!keep(page("again"), current, id).await, "the same stamp's");
    assert!(
        !keep(page("another's"), current + 1, other).await,
        "another article's"
    );
    assert!(keep(page("newer"), current + 1, id).await);
    assert!(
        matches!(
            store.article_page(&slug).await.expect("a read"),
            KeptPage::Stale(_)
        ),
        "a page is served only under the stamp the table holds"
    );
}
