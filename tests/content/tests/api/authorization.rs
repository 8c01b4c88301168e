//! Authoring follows the author's account as it is now: an address not verified yet may read
//! but not author; a request that names more than one bearer token is refused whole.

use content_tests::{TestApp, course_body, unique_slug};
use shared::identity::Role;

#[tokio::test]
async fn an_instructor_whose_address_is_not_verified_reads_but_does_not_author() {
    let app = TestApp::spawn().await;
    let verified = app.instructor().await;
    let unverified = app.account(Role::Instructor, false).await;
    let slug = unique_slug("verified-first");
    app.post(&verified, "/courses", &course_body(&slug))
        .await
        .assert_status(201);

    app.post(
        &unverified,
        "/courses",
        &course_body(&unique_slug("refused")),
    )
    .await
    .assert_problem(403, "email-unverified");
    app.get_as(&unverified, "/courses").await.assert_status(200);
    assert_eq!(app.stored("course").await.len(), 1, "nothing was authored");
}

#[tokio::test]
async fn two_authorization_headers_are_refused_on_reads_and_writes() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let bearer = format!("Bearer {}", owner.token);
    app.get_as(&owner, "/courses").await.assert_status(200);
    for (method, path) in [("GET", "/courses/anything"), ("POST", "/courses")] {
        app.api
            .request(method.parse().expect("a method"), path)
            .header("authorization", &bearer)
            .header("authorization", &bearer)
            .json(&course_body(&unique_slug("twice")))
            .send()
            .await
            .assert_problem(400, "malformed-request");
        app.api
            .request(method.parse().expect("a method"), path)
            .header("authorization", format!("{bearer}, {bearer}"))
            .json(&course_body(&unique_slug("joined")))
            .send()
            .await
            .assert_problem(400, "malformed-request");
    }
}
