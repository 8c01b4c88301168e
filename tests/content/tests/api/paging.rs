//! Listings: one page per request, newest first, by opaque cursors that stay valid while new
//! things are published; filtered by tag and level through the index.

use std::collections::HashMap;
use std::future::Future;

use aws_sdk_dynamodb::types::AttributeValue;
use content_tests::{TestApp, unique_slug, with_cursor};
use serde_json::{Value, json};
use shared::dynamo::Item;
use shared::page::{CursorKey, Listing};
use testkit::env::CURSOR_KEY;

/// Pages through `first` (limit 2), publishing one new thing with `publish_one` after each
/// page, and returns the ids seen, in order.
async fn page_while_publishing<F, Fut>(
    app: &TestApp,
    first: &str,
    mut publish_one: F,
) -> Vec<String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Value>,
{
    let mut seen = Vec::new();
    let mut path = first.to_owned();
    loop {
        let page = app.get(&path).await.assert_status(200).json();
        let items = page["items"].as_array().expect("items");
        assert!(
            items.len() <= 2,
            "a page holds at most `limit` items: {page}"
        );
        seen.extend(
            items
                .iter()
                .map(|i| i["id"].as_str().expect("an id").to_owned()),
        );
        publish_one().await;
        match page["next_cursor"].as_str() {
            Some(cursor) => path = with_cursor(first, cursor),
            None => return seen,
        }
    }
}

fn assert_each_at_most_once_and_every_earlier_one_once(seen: &[String], before: &[String]) {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for id in seen {
        *counts.entry(id).or_default() += 1;
    }
    let repeated: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "listed more than once: {repeated:?}");
    for id in before {
        assert_eq!(
            counts.get(id.as_str()),
            Some(&1),
            "{id}, published before paging began, was not listed exactly once: {seen:?}"
        );
    }
}

#[tokio::test]
async fn paging_through_courses_while_new_ones_are_published_lists_each_existing_one_exactly_once()
{
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let mut before = Vec::new();
    for i in 0..7 {
        let course = app
            .published_course(&owner, &unique_slug(&format!("page{i}")), json!({}))
            .await;
        before.push(course["id"].as_str().expect("an id").to_owned());
    }

    let seen = page_while_publishing(&app, "/courses?limit=2", || async {
        app.published_course(&owner, &unique_slug("during"), json!({}))
            .await
    })
    .await;

    assert_each_at_most_once_and_every_earlier_one_once(&seen, &before);
}

#[tokio::test]
async fn paging_through_articles_of_a_tag_while_new_ones_are_published_lists_each_existing_one_exactly_once()
 {
    let app = TestApp::spawn().await;
    let author = app.instructor().await;
    let mut before = Vec::new();
    for i in 0..5 {
        let article = app
            .published_article(
                &author,
                &unique_slug(&format!("page{i}")),
                json!({"tags": ["apis", "careers"]}),
            )
            .await;
        before.push(article["id"].as_str().expect("an id").to_owned());
    }

    let seen = page_while_publishing(&app, "/articles?tag=apis&limit=2", || async {
        app.published_article(&author, &unique_slug("during"), json!({"tags": ["apis"]}))
            .await
    })
    .await;

    assert_each_at_most_once_and_every_earlier_one_once(&seen, &before);
}

#[tokio::test]
async fn listings_are_newest_first_and_filter_by_tag_and_level() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let sql = app
        .published_course(
            &owner,
            &unique_slug("sql"),
            json!({"tags": ["databases"], "level": "beginner"}),
        )
        .await;
    let tuning = app
        .published_course(
            &owner,
            &unique_slug("tuning"),
            json!({"tags": ["databases", "performance"], "level": "advanced"}),
        )
        .await;
    let k8s = app
        .published_course(
            &owner,
            &unique_slug("k8s"),
            json!({"tags": ["devops"], "level": "advanced"}),
        )
        .await;
    app.complete_course(
        &owner,
        &unique_slug("draft"),
        json!({"tags": ["databases"]}),
    )
    .await;
    let ids = |items: Vec<Value>| -> Vec<Value> { items.iter().map(|i| i["id"].clone()).collect() };

    assert_eq!(
        ids(app.all_pages("/courses").await),
        [k8s["id"].clone(), tuning["id"].clone(), sql["id"].clone()],
        "every published course, newest first"
    );
    assert_eq!(
        ids(app.all_pages("/courses?tag=databases").await),
        [tuning["id"].clone(), sql["id"].clone()]
    );
    assert_eq!(
        ids(app.all_pages("/courses?level=advanced").await),
        [k8s["id"].clone(), tuning["id"].clone()]
    );
    assert_eq!(
        ids(app.all_pages("/courses?tag=databases&level=advanced").await),
        [tuning["id"].clone()]
    );
    let card = &app.get("/courses?tag=performance").await.json()["items"][0];
    assert_eq!(card["lesson_count"], 2);
    assert_eq!(card["duration_minutes"], 24);
    assert!(
        card.get("outline").is_none(),
        "a card carries no outline: {card}"
    );
}

#[tokio::test]
async fn a_cursor_that_was_tampered_with_or_belongs_to_another_listing_is_400() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    for i in 0..3 {
        app.published_course(
            &owner,
            &unique_slug(&format!("c{i}")),
            json!({"tags": ["apis"]}),
        )
        .await;
    }
    let page = app.get("/courses?limit=1").await.json();
    let cursor = page["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    app.get(&format!("/courses?limit=1&cursor={cursor}"))
        .await
        .assert_status(200);

    let mut tampered = cursor.clone();
    let last = tampered.pop().expect("a non-empty cursor");
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    app.get(&format!("/courses?cursor={tampered}"))
        .await
        .assert_problem(400, "malformed-request");
    app.get(&format!("/courses?tag=apis&cursor={cursor}"))
        .await
        .assert_problem(400, "malformed-request");
    app.get(&format!("/articles?cursor={cursor}"))
        .await
        .assert_problem(400, "malformed-request");
}

#[tokio::test]
async fn limit_is_capped_and_bad_filters_are_refused() {
    let (app, proxy) = TestApp::spawn_counting().await;
    for (asked, read) in [("", 20), ("?limit=7", 7), ("?limit=100000", 100)] {
        proxy.clear_operations();
        app.get(&format!("/courses{asked}"))
            .await
            .assert_status(200);
        let queries = proxy.requests();
        assert_eq!(queries.len(), 1, "one Query for /courses{asked}");
        assert_eq!(
            queries[0].body["Limit"], read,
            "/courses{asked} reads at most {read} cards"
        );
    }
    app.get("/courses?limit=0")
        .await
        .assert_problem(422, "validation-failed");
    app.get("/courses?level=expert")
        .await
        .assert_problem(400, "malformed-request");
    app.get("/courses?tag=Not%20A%20Tag")
        .await
        .assert_problem(400, "malformed-request");
    app.get("/articles?level=beginner")
        .await
        .assert_problem(400, "malformed-request");
    app.get("/paths?tag=x")
        .await
        .assert_problem(400, "malformed-request");
    app.get("/courses?sort=title")
        .await
        .assert_problem(400, "malformed-request");
}

#[tokio::test]
async fn tags_count_what_is_published() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let course = app
        .published_course(
            &owner,
            &unique_slug("counted"),
            json!({"tags": ["apis", "security"]}),
        )
        .await;
    app.published_article(&owner, &unique_slug("counted"), json!({"tags": ["apis"]}))
        .await;
    app.complete_course(
        &owner,
        &unique_slug("uncounted"),
        json!({"tags": ["drafts-only"]}),
    )
    .await;
    let count = |tags: &Value, tag: &str| -> Option<(u64, u64)> {
        tags["items"]
            .as_array()?
            .iter()
            .find(|t| t["tag"] == tag)
            .map(|t| {
                (
                    t["courses"].as_u64().unwrap_or_default(),
                    t["articles"].as_u64().unwrap_or_default(),
                )
            })
    };

    let tags = app.get("/tags").await.assert_status(200).json();
    assert_eq!(count(&tags, "apis"), Some((1, 1)));
    assert_eq!(count(&tags, "security"), Some((1, 0)));
    assert_eq!(count(&tags, "drafts-only"), None, "drafts are not counted");

    let id = course["id"].as_str().expect("an id");
    let version = app.etag_of(&owner, &format!("/courses/{id}")).await;
    app.patch(
        &owner,
        &format!("/courses/{id}"),
        &version,
        &json!({"tags": ["apis", "testing"]}),
    )
    .await
    .assert_status(200);
    let tags = app.get("/tags").await.json();
    assert_eq!(
        count(&tags, "security"),
        None,
        "a removed tag is no longer counted"
    );
    assert_eq!(count(&tags, "testing"), Some((1, 0)));

    app.archive(&owner, "courses", id).await.assert_status(200);
    let tags = app.get("/tags").await.json();
    assert_eq!(count(&tags, "apis"), Some((0, 1)));
    assert_eq!(count(&tags, "testing"), None);
}

#[tokio::test]
async fn a_cursor_signed_with_another_key_or_with_an_empty_key_value_is_400() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    for i in 0..2 {
        app.published_course(&owner, &unique_slug(&format!("k{i}")), json!({}))
            .await;
    }
    let page = app.get("/courses?limit=1").await.json();
    let cursor = page["next_cursor"].as_str().expect("a next page");
    let any_partition = Listing {
        key_attributes: &["pk", "sk", "gsi1pk", "gsi1sk"],
        partition: &[],
    };
    let functions_key = CursorKey::new(CURSOR_KEY.as_bytes()).expect("the test key");
    let position = functions_key
        .decode(cursor, any_partition)
        .expect("the function signs with the test key");
    let minted_with = |key: &CursorKey, position: &Item| {
        let cursor = key.encode(Some(position)).expect("a cursor");
        with_cursor("/courses?limit=1", &cursor)
    };
    app.get(&minted_with(&functions_key, &position))
        .await
        .assert_status(200);

    let another_key =
        CursorKey::new(b"not the function's key, though 32 bytes long").expect("a key");
    app.get(&minted_with(&another_key, &position))
        .await
        .assert_problem(400, "malformed-request");
    let mut emptied = position.clone();
    emptied.insert("gsi1sk".into(), AttributeValue::S(String::new()));
    app.get(&minted_with(&functions_key, &emptied))
        .await
        .assert_problem(400, "malformed-request");
}
