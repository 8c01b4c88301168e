//! The authors' workspace: an author's own documents in every status, newest edit first,
//! filtered by kind and status; admins see everyone's; nobody sees another author's.

use content_tests::{Caller, TestApp, course_body, unique_slug, with_cursor};
use serde_json::{Value, json};

/// Every entry of `caller`'s workspace at `first`, following `next_cursor`.
async fn workspace(app: &TestApp, caller: &Caller, first: &str) -> Vec<Value> {
    let mut entries = Vec::new();
    let mut path = first.to_owned();
    loop {
        let page = app.get_as(caller, &path).await.assert_status(200).json();
        entries.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => path = with_cursor(first, cursor),
            None => return entries,
        }
    }
}

/// The slugs of `entries`, in order.
fn slugs(entries: &[Value]) -> Vec<&str> {
    entries
        .iter()
        .map(|e| e["slug"].as_str().expect("a slug"))
        .collect()
}

#[tokio::test]
async fn an_author_lists_their_documents_in_every_status_newest_edit_first() {
    let app = TestApp::spawn().await;
    let author = app.instructor().await;
    let course = unique_slug("course");
    app.create_course(&author, course_body(&course)).await;
    let published = unique_slug("published");
    app.published_article(&author, &published, json!({})).await;
    let archived = unique_slug("archived");
    app.published_article(&author, &archived, json!({})).await;
    app.archive(&author, "articles", &archived)
        .await
        .assert_status(200);
    let draft = unique_slug("draft");
    let draft_article = app.create_article(&author, &draft, json!({})).await;
    let other = app.instructor().await;
    let theirs = unique_slug("theirs");
    app.create_article(&other, &theirs, json!({})).await;

    let all = workspace(&app, &author, "/workspace?limit=2").await;
    assert_eq!(
        slugs(&all),
        [draft.as_str(), &archived, &published, &course],
        "newest edit first, every status, a page at a time"
    );
    let first = &all[0];
    assert_eq!(first["kind"], "article");
    assert_eq!(first["status"], "draft");
    assert_eq!(first["id"], draft_article["id"]);
    assert_eq!(first["version"], draft_article["version"]);
    assert!(
        first["url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/articles/{draft}"))),
        "{first}"
    );

    let filtered = |query: &'static str| workspace(&app, &author, query);
    assert_eq!(
        slugs(&filtered("/workspace?kind=course").await),
        [course.as_str()]
    );
    assert_eq!(
        slugs(&filtered("/workspace?status=archived").await),
        [archived.as_str()]
    );
    assert_eq!(
        slugs(&filtered("/workspace?kind=article&status=published&limit=1").await),
        [published.as_str()]
    );

    let path = format!("/courses/{course}");
    app.patch(
        &author,
        &path,
        &app.etag_of(&author, &path).await,
        &json!({"title": "Renamed"}),
    )
    .await
    .assert_status(200);
    let all = workspace(&app, &author, "/workspace").await;
    assert_eq!(
        (all[0]["slug"].as_str(), all[0]["title"].as_str()),
        (Some(course.as_str()), Some("Renamed")),
        "an edit moves the document to the top, as it is now"
    );

    assert_eq!(
        slugs(&workspace(&app, &other, "/workspace").await),
        [theirs.as_str()],
        "an author sees only their own"
    );
}

#[tokio::test]
async fn admins_see_everyones_workspace_and_learners_none() {
    let app = TestApp::spawn().await;
    let (first, second) = (app.instructor().await, app.instructor().await);
    let (mine, theirs) = (unique_slug("mine"), unique_slug("theirs"));
    app.create_article(&first, &mine, json!({})).await;
    app.create_article(&second, &theirs, json!({})).await;

    let admin = app.admin().await;
    let everything = workspace(&app, &admin, "/workspace").await;
    assert_eq!(slugs(&everything), [theirs.as_str(), &mine]);

    let learner = app.learner().await;
    app.get_as(&learner, "/workspace")
        .await
        .assert_problem(403, "forbidden");
    app.get("/workspace").await.assert_status(401);
    app.get_as(&first, "/workspace?kind=lesson")
        .await
        .assert_status(400);
}

#[tokio::test]
async fn a_course_is_in_the_workspace_of_each_of_its_instructors_while_they_are() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (teacher, colleague) = (app.instructor().await, app.instructor().await);
    let slug = unique_slug("shared");
    let mut body = course_body(&slug);
    body["instructors"] = json!([teacher.id, colleague.id]);
    app.create_course(&admin, body).await;
    for instructor in [&teacher, &colleague] {
        assert_eq!(
            slugs(&workspace(&app, instructor, "/workspace").await),
            [slug.as_str()]
        );
    }

    let path = format!("/courses/{slug}");
    app.patch(
        &admin,
        &path,
        &app.etag_of(&admin, &path).await,
        &json!({"instructors": [teacher.id]}),
    )
    .await
    .assert_status(200);
    assert_eq!(
        slugs(&workspace(&app, &teacher, "/workspace").await),
        [slug.as_str()]
    );
    assert!(
        workspace(&app, &colleague, "/workspace").await.is_empty(),
        "an instructor taken off the course no longer has it"
    );
}
