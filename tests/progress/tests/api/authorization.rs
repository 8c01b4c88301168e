//! Enrolling follows the learner's account as it is now: an address not verified yet may read
//! its (empty) record but not enroll; a request that names more than one bearer token is
//! refused whole.

use progress_tests::{Course, TestApp};
use shared::identity::Role;

#[tokio::test]
async fn a_learner_whose_address_is_not_verified_cannot_enroll() {
    let app = TestApp::spawn().await;
    let course = Course::published("Verified first", 2, &app.instructor("I").await);
    app.put_course(&course).await;
    let verified = app.learner("Verified").await;
    app.enroll(&verified, course.id).await.assert_status(201);

    let unverified = app.account(Role::Learner, "Unverified", false).await;
    app.enroll(&unverified, course.id)
        .await
        .assert_problem(403, "email-unverified");
    let listed = app.enrollments(&unverified, "").await;
    listed.assert_status(200);
    assert_eq!(listed.json()["items"], serde_json::json!([]));
    app.progress(&unverified, course.id)
        .await
        .assert_problem(404, "not-found");
}

#[tokio::test]
async fn two_authorization_headers_are_refused() {
    let app = TestApp::spawn().await;
    let learner = app.learner("Twice").await;
    app.enrollments(&learner, "").await.assert_status(200);
    let bearer = format!("Bearer {}", learner.token);
    app.router
        .get("/me/enrollments")
        .header("authorization", &bearer)
        .header("authorization", &bearer)
        .send()
        .await
        .assert_problem(400, "malformed-request");
    app.router
        .get("/me/enrollments")
        .header("authorization", format!("{bearer}, {bearer}"))
        .send()
        .await
        .assert_problem(400, "malformed-request");
}
