//! A course's page is rendered when the course is written and a published one is served as
//! stored: after every kind of write it is, byte for byte and with the same entity tag, the
//! page a render on read makes of the same item; it is one read of the course's status and
//! page; a course stored before pages were kept is rendered on read until `content-admin
//! reindex` (or its next write) gives it its page.

use aws_sdk_dynamodb::types::AttributeValue;
use content_tests::{TestApp, etag, lesson_body, unique_slug};
use serde_json::json;

/// The stored page attributes of course `id`'s item, if it has them.
async fn stored_page(app: &TestApp, id: &str) -> Option<(AttributeValue, AttributeValue)> {
    let item = app
        .stored("course")
        .await
        .into_iter()
        .find(|item| item.get("id") == Some(&AttributeValue::S(id.to_owned())))
        .expect("the course's item");
    Some((item.get("page")?.clone(), item.get("page_tag")?.clone()))
}

/// Sets (`Some`) or removes (`None`) course `id`'s stored page attributes.
async fn set_stored_page(app: &TestApp, id: &str, page: Option<(AttributeValue, AttributeValue)>) {
    let update = app
        .db
        .update_item()
        .table_name(&app.tables.content)
        .key("pk", AttributeValue::S(format!("COURSE#{id}")))
        .key("sk", AttributeValue::S("COURSE".to_owned()))
        .expression_attribute_names("#page", "page")
        .expression_attribute_names("#tag", "page_tag");
    let update = match page {
        Some((body, tag)) => update
            .update_expression("SET #page = :page, #tag = :tag")
            .expression_attribute_values(":page", body)
            .expression_attribute_values(":tag", tag),
        None => update.update_expression("REMOVE #page, #tag"),
    };
    update.send().await.expect("the course item is updated");
}

/// The public page at `path` (its body and `ETag`) as served, and as rendered on read from the
/// same item without its stored page; the stored page is put back.
async fn served_and_rendered(app: &TestApp, id: &str, path: &str) -> [(String, String); 2] {
    let read = || async {
        let response = app.get(path).await;
        response.assert_status(200);
        (response.text(), etag(&response))
    };
    let served = read().await;
    let stored = stored_page(app, id).await.expect("a stored page");
    set_stored_page(app, id, None).await;
    let rendered = read().await;
    set_stored_page(app, id, Some(stored)).await;
    [served, rendered]
}

#[tokio::test]
async fn a_published_course_page_is_the_page_a_render_on_read_makes_after_every_write() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let slug = unique_slug("stored-page");
    let course = app.published_course(&owner, &slug, json!({})).await;
    let id = course["id"].as_str().expect("an id").to_owned();
    let by_id = format!("/courses/{id}");
    let by_slug = format!("/courses/{slug}");
    let module = course["outline"]["modules"][0]["id"]
        .as_str()
        .expect("a module")
        .to_owned();

    let mut tags = Vec::new();
    for step in [
        "published",
        "course edited",
        "lesson added",
        "lesson edited",
        "module renamed",
    ] {
        let current = app.etag_of(&owner, &by_id).await;
        let (path, body) = match step {
            "published" => (None, json!(null)),
            "course edited" => (
                Some(by_id.clone()),
                json!({"title": "Backend Development, revised", "description": "## Now\n\n*More* APIs."}),
            ),
            "lesson edited" => (
                Some(format!("{by_id}/lessons/{slug}-extra")),
                json!({"title": "Caching, edited", "duration_minutes": 40}),
            ),
            "module renamed" => (
                Some(format!("{by_id}/modules/{module}")),
                json!({"title": "Foundations, renamed"}),
            ),
            _ => (None, json!(null)),
        };
        if step == "lesson added" {
            let mut lesson = lesson_body(&format!("{slug}-extra"), false);
            lesson["title"] = json!("Caching");
            app.add_lesson(&owner, &id, &module, lesson).await;
        } else if let Some(path) = path {
            app.patch(&owner, &path, &current, &body)
                .await
                .assert_status(200);
        }

        for path in [&by_id, &by_slug] {
            let [served, rendered] = served_and_rendered(&app, &id, path).await;
            assert_eq!(served, rendered, "after: {step} ({path})");
            tags.push(served.1);
        }
        let page = app.get(&by_slug).await.json();
        let shown = page.to_string();
        let expected = match step {
            "course edited" => "<em>More</em> APIs",
            "lesson added" => "\"Caching\"",
            "lesson edited" => "Caching, edited",
            "module renamed" => "Foundations, renamed",
            _ => "Foundations",
        };
        assert!(shown.contains(expected), "after {step}: {shown}");
    }
    tags.dedup();
    assert_eq!(
        tags.len(),
        5,
        "every write makes a new entity tag: {tags:?}"
    );

    app.archive(&owner, "courses", &id).await.assert_status(200);
    app.get(&by_slug).await.assert_status(404);
    app.get(&by_id).await.assert_status(404);
    app.get_as(&owner, &by_slug).await.assert_status(200);
}

#[tokio::test]
async fn a_published_course_page_is_one_read_of_its_status_and_page() {
    let (app, proxy) = TestApp::spawn_counting().await;
    let owner = app.instructor().await;
    let slug = unique_slug("one-read");
    let course = app.published_course(&owner, &slug, json!({})).await;
    let id = course["id"].as_str().expect("an id");

    for path in [format!("/courses/{id}"), format!("/courses/{slug}")] {
        proxy.clear_operations();
        app.get(&path).await.assert_status(200);
        let requests = proxy.requests();
        assert_eq!(requests.len(), 1, "{path}: {requests:?}");
        let projected = &requests[0].body["ProjectionExpression"];
        let names = requests[0].body["ExpressionAttributeNames"].to_string();
        assert!(projected.is_string(), "{path}: {:?}", requests[0].body);
        for attribute in ["status", "page", "page_tag"] {
            assert!(
                names.contains(&format!("\"{attribute}\"")),
                "{path}: {names}"
            );
        }
    }
}

#[tokio::test]
async fn a_course_stored_before_pages_were_kept_is_rendered_on_read_and_reindexing_stores_it() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let slug = unique_slug("older-page");
    let course = app.published_course(&owner, &slug, json!({})).await;
    let id = course["id"].as_str().expect("an id");
    let path = format!("/courses/{slug}");
    let before = app.get(&path).await.text();
    set_stored_page(&app, id, None).await;

    assert_eq!(app.get(&path).await.assert_status(200).text(), before);
    app.reindex().await;
    assert!(
        stored_page(&app, id).await.is_some(),
        "reindex stores its page"
    );
    assert_eq!(app.get(&path).await.assert_status(200).text(), before);
}
