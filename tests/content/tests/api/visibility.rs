//! Drafts and archived things are 404 to the public and to other instructors, and visible to
//! their authors and to admins; only instructors and admins write.

use content_tests::{Caller, TestApp, course_body, unique_slug};
use serde_json::json;

#[tokio::test]
async fn a_draft_course_is_404_for_the_public_and_another_instructor_and_200_for_its_owner() {
    let app = TestApp::spawn().await;
    let owner = Caller::instructor();
    let slug = unique_slug("draft");
    let course = app.create_course(&owner, course_body(&slug)).await;
    let id = course["id"].as_str().expect("an id");

    for reference in [id, slug.as_str()] {
        let path = format!("/courses/{reference}");
        app.get(&path).await.assert_problem(404, "not-found");
        app.get_as(&Caller::instructor(), &path)
            .await
            .assert_problem(404, "not-found");
        app.get_as(&Caller::learner(), &path)
            .await
            .assert_problem(404, "not-found");
        let mine = app.get_as(&owner, &path).await;
        mine.assert_status(200);
        assert_eq!(mine.json()["status"], "draft", "the owner sees the draft as a draft");
        app.get_as(&Caller::admin(), &path).await.assert_status(200);
    }
}
