//! Privileged decisions follow the account as it is now, across the functions: a demotion, a
//! disable or a logout in `auth` stops the old access token at once in `content` and
//! `progress`; an unverified address may read but not enroll until it is verified; and every
//! function refuses a request that names more than one bearer token.

use serde_json::{Value, json};
use shared::identity::Role;
use stack_tests::{Stack, access};

fn course_body(slug: &str) -> Value {
    json!({
        "slug": slug,
        "title": "Backend foundations",
        "summary": "How the server side of the web works, from HTTP to data.",
        "description": "## What you learn\n\nRequests, responses, and the data behind them.",
        "level": "beginner",
        "tags": ["backend"],
        "seo": {"meta_description": "Learn how backends serve the web, step by step."},
    })
}

/// A published course of one lesson by the instructor whose token is `instructor`; its id.
async fn published_course(stack: &Stack, instructor: &str, slug: &str) -> String {
    let course = stack
        .content
        .post("/courses")
        .bearer(instructor)
        .json(&course_body(slug))
        .send()
        .await;
    course.assert_status(201);
    let id = course.json()["id"]
        .as_str()
        .expect("a course id")
        .to_owned();
    let module = stack
        .content
        .post(&format!("/courses/{id}/modules"))
        .bearer(instructor)
        .json(&json!({"title": "How the web works"}))
        .send()
        .await;
    module.assert_status(201);
    let module = module.json()["outline"]["modules"][0]["id"]
        .as_str()
        .expect("a module id")
        .to_owned();
    stack
        .content
        .post(&format!("/courses/{id}/modules/{module}/lessons"))
        .bearer(instructor)
        .json(&json!({
            "slug": format!("{slug}-http"),
            "title": "HTTP in depth",
            "body": "What a request goes through, step by step.",
            "duration_minutes": 15,
        }))
        .send()
        .await
        .assert_status(201);
    stack
        .content
        .post(&format!("/courses/{id}/publish"))
        .bearer(instructor)
        .send()
        .await
        .assert_status(200);
    id
}

async fn create_course(stack: &Stack, token: &str, slug: &str) -> testkit::TestResponse {
    stack
        .content
        .post("/courses")
        .bearer(token)
        .json(&course_body(slug))
        .send()
        .await
}

async fn enroll(stack: &Stack, token: &str, course: &str) -> testkit::TestResponse {
    stack
        .progress
        .post("/me/enrollments")
        .bearer(token)
        .json(&json!({"course_id": course}))
        .send()
        .await
}

#[tokio::test]
async fn a_demoted_instructor_cannot_create_a_course_with_its_old_token() {
    let stack = Stack::start().await;
    let (_, admin) = stack.account("root@skillpath.test", Role::Admin).await;
    let (id, login) = stack
        .account("former@skillpath.test", Role::Instructor)
        .await;
    let instructor = access(&login);
    create_course(&stack, &instructor, "before-demotion")
        .await
        .assert_status(201);

    stack
        .change_user(&access(&admin), id, &json!({"role": "learner"}))
        .await
        .assert_status(200);

    let after = create_course(&stack, &instructor, "after-demotion").await;
    assert_eq!(
        after.status,
        401,
        "the demoted instructor's old token authored: {}",
        after.text()
    );
    after.assert_problem(401, "unauthenticated");
    let relogged = access(&stack.log_in("former@skillpath.test").await);
    create_course(&stack, &relogged, "as-a-learner")
        .await
        .assert_problem(403, "forbidden");
}

#[tokio::test]
async fn a_disabled_learner_cannot_enroll_with_its_old_token() {
    let stack = Stack::start().await;
    let (_, admin) = stack.account("root@skillpath.test", Role::Admin).await;
    let (_, teacher) = stack
        .account("teacher@skillpath.test", Role::Instructor)
        .await;
    let first = published_course(&stack, &access(&teacher), "first-course").await;
    let second = published_course(&stack, &access(&teacher), "second-course").await;
    let (id, login) = stack.account("ada@skillpath.test", Role::Learner).await;
    let learner = access(&login);
    enroll(&stack, &learner, &first).await.assert_status(201);

    stack
        .change_user(&access(&admin), id, &json!({"disabled": true}))
        .await
        .assert_status(200);

    let after = enroll(&stack, &learner, &second).await;
    assert_eq!(
        after.status,
        401,
        "the disabled learner's old token enrolled: {}",
        after.text()
    );
}

#[tokio::test]
async fn after_logout_the_old_access_token_can_neither_author_nor_enroll() {
    let stack = Stack::start().await;
    let (_, teacher) = stack
        .account("teacher@skillpath.test", Role::Instructor)
        .await;
    let course = published_course(&stack, &access(&teacher), "logged-out").await;
    let (_, learner) = stack.account("ada@skillpath.test", Role::Learner).await;

    for login in [&teacher, &learner] {
        stack
            .auth
            .post("/auth/logout")
            .json(&json!({"refresh_token": login["refresh_token"]}))
            .send()
            .await
            .assert_status(204);
    }

    create_course(&stack, &access(&teacher), "after-logout")
        .await
        .assert_problem(401, "unauthenticated");
    enroll(&stack, &access(&learner), &course)
        .await
        .assert_problem(401, "unauthenticated");
}

#[tokio::test]
async fn an_unverified_learner_enrolls_once_an_admin_marks_the_address_verified() {
    let stack = Stack::start().await;
    let (_, admin) = stack.account("root@skillpath.test", Role::Admin).await;
    let (_, teacher) = stack
        .account("teacher@skillpath.test", Role::Instructor)
        .await;
    let course = published_course(&stack, &access(&teacher), "verified-only").await;
    let (id, login) = stack.register("new@skillpath.test", "New Learner").await;
    let learner = access(&login);

    // Reading is open to an unverified account.
    stack
        .content
        .get(&format!("/courses/{course}"))
        .bearer(&learner)
        .send()
        .await
        .assert_status(200);
    stack
        .progress
        .get("/me/enrollments")
        .bearer(&learner)
        .send()
        .await
        .assert_status(200);
    enroll(&stack, &learner, &course)
        .await
        .assert_problem(403, "email-unverified");

    let marked = stack
        .change_user(&access(&admin), id, &json!({"email_verified": true}))
        .await;
    marked.assert_status(200);
    assert_eq!(marked.json()["email_verified"], true);
    enroll(&stack, &learner, &course).await.assert_status(201);
}

#[tokio::test]
async fn every_function_refuses_two_authorization_headers() {
    let stack = Stack::start().await;
    let (_, admin) = stack.account("root@skillpath.test", Role::Admin).await;
    let bearer = format!("Bearer {}", access(&admin));
    for (function, method, path) in [
        ("auth", "GET", "/auth/users"),
        ("content", "POST", "/courses"),
        ("content", "GET", "/courses/backend-foundations"),
        ("progress", "GET", "/me/enrollments"),
    ] {
        let router = stack.router(function);
        let request = |value: &str| {
            router
                .request(method.parse().expect("a method"), path)
                .header("authorization", value)
        };
        let alone = request(&bearer).json(&course_body("alone")).send().await;
        assert_ne!(
            alone.status,
            400,
            "{function} {method} {path} refused one header: {}",
            alone.text()
        );
        request(&bearer)
            .header("authorization", "Bearer another")
            .json(&course_body("twice"))
            .send()
            .await
            .assert_problem(400, "malformed-request");
        request(&format!("{bearer}, Bearer another"))
            .json(&course_body("joined"))
            .send()
            .await
            .assert_problem(400, "malformed-request");
    }
}
