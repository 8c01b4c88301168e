//! Who may see and change what: a learner only ever reaches their own records, course
//! statistics are for the course's instructors and admins, revocation for admins.

use progress_tests::{Caller, Course, TestApp};
use serde_json::json;
use shared::identity::{Role, UserId};
use testkit::forgery::forged_tokens;

/// A course where learner B has made progress and earned a certificate, and A has enrolled.
async fn two_learners() -> (TestApp, Course, Caller, Caller, String) {
    let app = TestApp::spawn().await;
    let instructor = app.instructor("Ken Thompson").await;
    let course = Course::published("Operating systems", 2, &instructor);
    app.put_course(&course).await;
    let (a, b) = (app.learner("Alice").await, app.learner("Bob").await);
    app.enrolled_with(&b, &course, &course.lessons()).await;
    app.enrolled_with(&a, &course, &[]).await;
    let certificate = app.certificate_of(&b, &course).await;
    (app, course, a, b, certificate)
}

#[tokio::test]
async fn a_learner_cannot_read_or_change_another_learners_progress_or_certificates() {
    let (app, course, a, b, b_certificate) = two_learners().await;
    let b_before = app.progress(&b, course.id).await.json();

    // Every learner route answers with A's own records only.
    let progress = app.progress(&a, course.id).await.json();
    assert_eq!(
        progress["percent"], 0,
        "A sees A's progress, not B's: {progress}"
    );
    assert!(progress["certificate_id"].is_null(), "{progress}");
    let listed = app.enrollments(&a, "").await.json();
    assert_eq!(
        listed["items"].as_array().map(Vec::len),
        Some(1),
        "{listed}"
    );
    assert_eq!(listed["items"][0]["percent"], 0, "{listed}");
    let certificates = app.my_certificates(&a).await.json();
    assert_eq!(
        certificates["items"].as_array().map(Vec::len),
        Some(0),
        "A does not see B's certificate: {certificates}"
    );

    // Writes through every learner route change A's record, never B's.
    app.uncomplete(&a, course.id, course.lesson(0))
        .await
        .assert_status(200);
    app.set_position(
        &a,
        course.id,
        &json!({"lesson_id": course.lesson(1), "seconds": 5}),
    )
    .await
    .assert_status(204);
    app.unenroll(&a, course.id).await.assert_status(204);
    assert_eq!(
        app.progress(&b, course.id).await.json(),
        b_before,
        "B's record is untouched by A's requests"
    );

    // No route takes a user id: an attempt to name B in a body is refused, not honoured.
    let smuggled = app
        .router
        .post("/me/enrollments")
        .bearer(&a.token)
        .json(&json!({"course_id": course.id, "learner_id": b.id}))
        .send()
        .await;
    smuggled.assert_problem(422, "validation-failed");

    // A learner cannot revoke B's certificate; it stays valid.
    app.revoke(&a, &b_certificate)
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(
        app.certificate(&b_certificate).await.json()["status"],
        "valid"
    );
}

#[tokio::test]
async fn a_learner_cannot_read_course_statistics_or_learners() {
    let (app, course, a, _, _) = two_learners().await;
    app.stats(&a, course.id)
        .await
        .assert_problem(403, "forbidden");
    app.learners(&a, course.id, "")
        .await
        .assert_problem(403, "forbidden");
}

#[tokio::test]
async fn an_instructor_reads_statistics_only_for_their_own_courses() {
    let app = TestApp::spawn().await;
    let (owner, other) = (app.instructor("Owner").await, app.instructor("Other").await);
    let course = Course::published("Cloud platforms", 2, &owner);
    let theirs = Course::published("Security", 2, &other);
    app.put_course(&course).await;
    app.put_course(&theirs).await;

    app.stats(&owner, course.id).await.assert_status(200);
    app.learners(&owner, course.id, "").await.assert_status(200);
    app.stats(&owner, theirs.id)
        .await
        .assert_problem(403, "forbidden");
    app.learners(&owner, theirs.id, "")
        .await
        .assert_problem(403, "forbidden");

    let admin = app.admin("Admin").await;
    app.stats(&admin, theirs.id).await.assert_status(200);
    app.learners(&admin, theirs.id, "").await.assert_status(200);
    let unknown = shared::catalog::CourseId::new();
    app.stats(&admin, unknown)
        .await
        .assert_problem(404, "not-found");
}

#[tokio::test]
async fn only_an_admin_revokes_a_certificate_and_the_public_page_then_says_so() {
    let (app, course, _, _, certificate) = two_learners().await;
    let owner = app.instructor("Ken Thompson").await;
    app.revoke(&owner, &certificate)
        .await
        .assert_problem(403, "forbidden");

    let admin = app.admin("Registrar").await;
    let revoked = app.revoke(&admin, &certificate).await;
    revoked.assert_status(200);
    assert_eq!(revoked.json()["status"], "revoked");
    let again = app.revoke(&admin, &certificate).await;
    again.assert_status(200);
    assert_eq!(
        again.json()["revoked_at"],
        revoked.json()["revoked_at"],
        "revoking twice keeps the first revocation time"
    );
    let public = app.certificate(&certificate).await.json();
    assert_eq!(public["status"], "revoked", "{public}");
    assert_eq!(public["course_id"], course.id.to_string());

    let unknown = "0123456789abcdef0123456789abcdef";
    app.revoke(&admin, unknown)
        .await
        .assert_problem(404, "not-found");
}

#[tokio::test]
async fn every_route_but_the_public_pages_refuses_a_missing_or_forged_token() {
    let (app, course, _, _, certificate) = two_learners().await;
    let lesson = course.lesson(0);
    let attempts = format!("/me/courses/{}/projects/{lesson}/attempts", course.id);
    // An attempt's or a notification's: the token is checked before anything is looked up.
    let id = UserId::new();
    let routes = [
        ("POST", "/me/enrollments".to_owned()),
        ("GET", "/me/enrollments".to_owned()),
        ("DELETE", format!("/me/enrollments/{}", course.id)),
        ("GET", format!("/me/courses/{}/progress", course.id)),
        (
            "PUT",
            format!("/me/courses/{}/lessons/{lesson}/completion", course.id),
        ),
        (
            "DELETE",
            format!("/me/courses/{}/lessons/{lesson}/completion", course.id),
        ),
        ("PUT", format!("/me/courses/{}/position", course.id)),
        ("GET", "/me/certificates".to_owned()),
        ("POST", format!("/certificates/{certificate}/revoke")),
        ("GET", format!("/courses/{}/stats", course.id)),
        ("GET", format!("/courses/{}/learners", course.id)),
        ("POST", attempts.clone()),
        ("GET", attempts.clone()),
        ("DELETE", format!("{attempts}/{id}")),
        ("GET", "/me/notifications".to_owned()),
        ("POST", format!("/me/notifications/{id}/read")),
        ("GET", "/me/portfolio".to_owned()),
        ("PUT", "/me/portfolio".to_owned()),
        ("GET", format!("/courses/{}/attempts", course.id)),
        ("GET", format!("/courses/{}/attempts/{id}", course.id)),
        (
            "POST",
            format!("/courses/{}/attempts/{id}/claim", course.id),
        ),
        (
            "POST",
            format!("/courses/{}/attempts/{id}/review", course.id),
        ),
    ];
    // Forged from a learner's token: the "edited payload" forgery raises it to admin.
    for (method, path) in routes {
        let response = app
            .router
            .request(method.parse().expect("a method"), &path)
            .send()
            .await;
        assert_eq!(
            response.status,
            401,
            "{method} {path} without a token: {}",
            response.text()
        );
        for (forgery, token) in forged_tokens(UserId::new(), Role::Learner) {
            let forged = app
                .router
                .request(method.parse().expect("a method"), &path)
                .bearer(&token)
                .send()
                .await;
            assert_eq!(
                forged.status, 401,
                "{method} {path} accepted the {forgery} forgery"
            );
        }
    }
    app.certificate(&certificate).await.assert_status(200);
}
