//! Lessons: previews are open; any other lesson only to learners enrolled in the course (the
//! progress table's enrollment, read-only), the course's instructors and admins.

use content_tests::{TestApp, unique_slug};
use serde_json::json;

#[tokio::test]
async fn anonymous_and_unenrolled_callers_cannot_read_a_members_lesson_and_an_enrolled_learner_can()
{
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let slug = unique_slug("gated");
    let course = app.published_course(&owner, &slug, json!({})).await;
    let course_id = course["id"].as_str().expect("an id");
    let lesson = format!("/courses/{slug}/lessons/{slug}-deep-dive");

    app.get(&lesson)
        .await
        .assert_problem(401, "unauthenticated");
    let stranger = app.learner().await;
    app.get_as(&stranger, &lesson)
        .await
        .assert_problem(403, "forbidden");
    let left = app.learner().await;
    app.enroll(&left, course_id, "unenrolled").await;
    app.get_as(&left, &lesson)
        .await
        .assert_problem(403, "forbidden");
    let elsewhere = app.learner().await;
    let other = app
        .published_course(&owner, &unique_slug("other"), json!({}))
        .await;
    app.enroll(&elsewhere, other["id"].as_str().expect("an id"), "active")
        .await;
    app.get_as(&elsewhere, &lesson)
        .await
        .assert_problem(403, "forbidden");

    let enrolled = app.learner().await;
    app.enroll(&enrolled, course_id, "active").await;
    let read = app.get_as(&enrolled, &lesson).await;
    read.assert_status(200);
    let read = read.json();
    assert_eq!(read["slug"], format!("{slug}-deep-dive"));
    assert!(
        read["body"].as_str().is_some_and(|b| !b.is_empty()),
        "the body is there: {read}"
    );
    assert_eq!(read["course"]["slug"], slug.as_str());
}

#[tokio::test]
async fn a_preview_is_open_to_anyone_and_the_course_s_editors_read_every_lesson() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let slug = unique_slug("preview");
    let course = app.published_course(&owner, &slug, json!({})).await;
    let preview = format!("/courses/{slug}/lessons/{slug}-intro");
    let members = format!("/courses/{slug}/lessons/{slug}-deep-dive");

    let open = app.get(&preview).await;
    open.assert_status(200);
    assert_eq!(open.json()["preview"], true);
    app.get_as(&app.learner().await, &preview)
        .await
        .assert_status(200);
    app.get_as(&owner, &members).await.assert_status(200);
    app.get_as(&app.admin().await, &members)
        .await
        .assert_status(200);
    app.get_as(&app.instructor().await, &members)
        .await
        .assert_problem(403, "forbidden");

    let lesson_id = course["outline"]["modules"][0]["lessons"][1]["id"]
        .as_str()
        .expect("a lesson id");
    app.get_as(&owner, &format!("/courses/{slug}/lessons/{lesson_id}"))
        .await
        .assert_status(200);
    app.get(&format!("/courses/{slug}/lessons/no-such-lesson"))
        .await
        .assert_problem(404, "not-found");
}

#[tokio::test]
async fn an_enrollment_does_not_open_a_draft_course() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let slug = unique_slug("unpublished");
    let course = app.complete_course(&owner, &slug, json!({})).await;
    let learner = app.learner().await;
    app.enroll(&learner, course["id"].as_str().expect("an id"), "active")
        .await;
    app.get_as(
        &learner,
        &format!("/courses/{slug}/lessons/{slug}-deep-dive"),
    )
    .await
    .assert_problem(404, "not-found");
}
