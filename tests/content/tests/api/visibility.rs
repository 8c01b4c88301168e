//! Drafts and archived things are 404 to the public and to other instructors, and visible to
//! their authors and to admins; only instructors and admins write, and only what they own.

use content_tests::{TestApp, course_body, unique_slug};
use serde_json::json;

#[tokio::test]
async fn a_draft_course_is_404_for_the_public_and_another_instructor_and_200_for_its_owner() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let slug = unique_slug("draft");
    let course = app.create_course(&owner, course_body(&slug)).await;
    let id = course["id"].as_str().expect("an id");

    for reference in [id, slug.as_str()] {
        let path = format!("/courses/{reference}");
        app.get(&path).await.assert_problem(404, "not-found");
        app.get_as(&app.instructor().await, &path)
            .await
            .assert_problem(404, "not-found");
        app.get_as(&app.learner().await, &path)
            .await
            .assert_problem(404, "not-found");
        let mine = app.get_as(&owner, &path).await;
        mine.assert_status(200);
        assert_eq!(
            mine.json()["status"],
            "draft",
            "the owner sees the draft as a draft"
        );
        app.get_as(&app.admin().await, &path)
            .await
            .assert_status(200);
    }
}

#[tokio::test]
async fn a_draft_article_and_a_draft_path_are_404_to_everyone_but_their_editors() {
    let app = TestApp::spawn().await;
    let author = app.instructor().await;
    let admin = app.admin().await;
    let article = app
        .create_article(&author, &unique_slug("draft-article"), json!({}))
        .await;
    let article_path = format!("/articles/{}", article["slug"].as_str().expect("a slug"));
    let path = app
        .post(
            &admin,
            "/paths",
            &json!({"slug": unique_slug("draft-path"), "title": "Draft path"}),
        )
        .await
        .assert_status(201)
        .json();
    let path_path = format!("/paths/{}", path["slug"].as_str().expect("a slug"));

    for page in [&article_path, &path_path] {
        app.get(page).await.assert_problem(404, "not-found");
        app.get_as(&app.instructor().await, page)
            .await
            .assert_problem(404, "not-found");
        app.get_as(&admin, page).await.assert_status(200);
    }
    app.get_as(&author, &article_path).await.assert_status(200);
    app.get_as(&author, &path_path)
        .await
        .assert_problem(404, "not-found");
}

#[tokio::test]
async fn an_archived_course_disappears_for_the_public_but_not_for_its_owner() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let slug = unique_slug("archived");
    let course = app.published_course(&owner, &slug, json!({})).await;
    let id = course["id"].as_str().expect("an id");
    app.get(&format!("/courses/{slug}"))
        .await
        .assert_status(200);

    let archived = app.archive(&owner, "courses", id).await;
    archived.assert_status(200);
    assert_eq!(archived.json()["status"], "archived");

    app.get(&format!("/courses/{slug}"))
        .await
        .assert_problem(404, "not-found");
    app.get(&format!("/courses/{slug}/lessons/{slug}-intro"))
        .await
        .assert_problem(404, "not-found");
    app.get_as(&owner, &format!("/courses/{slug}"))
        .await
        .assert_status(200);
    let listed = app.all_pages("/courses").await;
    assert!(
        listed.iter().all(|c| c["id"] != course["id"]),
        "an archived course is still listed: {listed:?}"
    );
}

#[tokio::test]
async fn only_instructors_and_admins_write_and_only_what_they_own() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let slug = unique_slug("owned");
    app.published_course(&owner, &slug, json!({})).await;
    let path = format!("/courses/{slug}");
    let etag = app.etag_of(&owner, &path).await;

    app.api
        .post("/courses")
        .json(&course_body(&unique_slug("anonymous")))
        .send()
        .await
        .assert_problem(401, "unauthenticated");
    app.post(
        &app.learner().await,
        "/courses",
        &course_body(&unique_slug("learner")),
    )
    .await
    .assert_problem(403, "forbidden");
    app.patch(
        &app.instructor().await,
        &path,
        &etag,
        &json!({"title": "Taken over"}),
    )
    .await
    .assert_problem(403, "forbidden");
    app.publish(&app.instructor().await, "courses", &slug)
        .await
        .assert_problem(403, "forbidden");
    app.post(
        &app.instructor().await,
        "/paths",
        &json!({"slug": "p", "title": "P"}),
    )
    .await
    .assert_problem(403, "forbidden");

    let admin_edit = app
        .patch(
            &app.admin().await,
            &path,
            &etag,
            &json!({"title": "Edited by an admin"}),
        )
        .await;
    admin_edit.assert_status(200);
    assert_eq!(admin_edit.json()["title"], "Edited by an admin");
}

#[tokio::test]
async fn fields_the_server_owns_cannot_be_set_by_a_client() {
    let app = TestApp::spawn().await;
    let instructor = app.instructor().await;
    for (field, value) in [
        ("status", json!("published")),
        ("version", json!(99)),
        ("id", json!("0190a5b4-7c3e-7d2a-9b1e-3f4a5b6c7d8e")),
        ("published_at", json!("2020-01-01T00:00:00Z")),
    ] {
        let mut body = course_body(&unique_slug("mass"));
        body[field] = value;
        let response = app.post(&instructor, "/courses", &body).await;
        response.assert_problem(422, "validation-failed");
        assert!(
            response.text().contains(field),
            "the 422 names `{field}`: {}",
            response.text()
        );
    }
    let mut body = course_body(&unique_slug("mass"));
    body["instructors"] = json!([app.instructor().await.id]);
    let response = app.post(&instructor, "/courses", &body).await;
    response.assert_problem(422, "validation-failed");
    assert_eq!(response.json()["errors"][0]["field"], "instructors");
}

#[tokio::test]
async fn learners_enrolled_in_an_archived_course_keep_reading_it_and_nobody_else_does() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let slug = unique_slug("retired");
    let course = app.published_course(&owner, &slug, json!({})).await;
    let id = course["id"].as_str().expect("an id");
    let (enrolled, left, stranger) = (
        app.learner().await,
        app.learner().await,
        app.learner().await,
    );
    app.enroll(&enrolled, id, "active").await;
    app.enroll(&left, id, "unenrolled").await;
    app.archive(&owner, "courses", id).await.assert_status(200);

    let page = format!("/courses/{slug}");
    let lesson = format!("/courses/{slug}/lessons/{slug}-deep-dive");
    let course = app.get_as(&enrolled, &page).await;
    course.assert_status(200);
    assert_eq!(
        course.json()["status"],
        "archived",
        "the page says it is archived"
    );
    let read = app.get_as(&enrolled, &lesson).await;
    read.assert_status(200);
    assert!(
        !read.json()["body_html"]
            .as_str()
            .unwrap_or_default()
            .is_empty()
    );

    for outsider in [&left, &stranger] {
        app.get_as(outsider, &page)
            .await
            .assert_problem(404, "not-found");
        app.get_as(outsider, &lesson)
            .await
            .assert_problem(404, "not-found");
    }
    app.get(&page).await.assert_problem(404, "not-found");
}
