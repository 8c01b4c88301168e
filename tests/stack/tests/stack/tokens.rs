//! Forged access tokens are refused with 401 at the bearer routes of `content` and `progress`
//! (auth's own routes are covered in tests/auth).

use serde_json::json;
use shared::identity::Role;
use stack_tests::Stack;
use testkit::forgery::forged_tokens;

#[tokio::test]
async fn every_forged_token_is_refused_by_content_and_progress() {
    let stack = Stack::start().await;
    let (user, admin) = stack.account("root@skillpath.test", Role::Admin).await;
    let course = json!({"title": "Forged course"});

    // The same requests with a genuine token get past authentication, so each 401 below is
    // the forgery's doing.
    let genuine = stack_tests::access(&admin);
    let content = stack
        .content
        .post("/courses")
        .bearer(&genuine)
        .json(&course)
        .send()
        .await;
    assert_ne!(
        content.status,
        401,
        "content refused a genuine token: {}",
        content.text()
    );
    let progress = stack
        .progress
        .get("/me/enrollments")
        .bearer(&genuine)
        .send()
        .await;
    assert_ne!(
        progress.status,
        401,
        "progress refused a genuine token: {}",
        progress.text()
    );

    for (name, token) in forged_tokens(user, Role::Admin) {
        let content = stack
            .content
            .post("/courses")
            .bearer(&token)
            .json(&course)
            .send()
            .await;
        assert_eq!(
            content.status,
            401,
            "content accepted the {name} forgery: {}",
            content.text()
        );
        content.assert_problem(401, "unauthenticated");
        let progress = stack
            .progress
            .get("/me/enrollments")
            .bearer(&token)
            .send()
            .await;
        assert_eq!(
            progress.status,
            401,
            "progress accepted the {name} forgery: {}",
            progress.text()
        );
    }
}
