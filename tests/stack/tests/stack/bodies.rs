//! Every function answers a body it cannot take — malformed JSON, the wrong media type, or
//! 2 MiB — with a problem+json 4xx, never a 500 or plain text.

use shared::identity::{Role, UserId};
use stack_tests::Stack;
use testkit::tokens::access_token;

/// A route of each function that takes a JSON body, and the token it needs.
fn json_routes() -> Vec<(&'static str, &'static str, Option<String>)> {
    vec![
        ("auth", "/auth/login", None),
        (
            "content",
            "/courses",
            Some(access_token(UserId::new(), Role::Instructor)),
        ),
        (
            "progress",
            "/me/enrollments",
            Some(access_token(UserId::new(), Role::Learner)),
        ),
    ]
}

#[tokio::test]
async fn malformed_json_is_a_400_problem_in_every_function() {
    let stack = Stack::start().await;
    for (function, path, token) in json_routes() {
        let mut request = stack.router(function).post(path);
        if let Some(token) = &token {
            request = request.bearer(token);
        }
        let response = request
            .body("application/json", "{\"email\": \"ada@")
            .send()
            .await;
        response.assert_problem(400, "malformed-request");
        println!("{function}: malformed JSON → {}", response.status);
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415_problem_in_every_function() {
    let stack = Stack::start().await;
    for (function, path, token) in json_routes() {
        let mut request = stack.router(function).post(path);
        if let Some(token) = &token {
            request = request.bearer(token);
        }
        let response = request
            .body("text/plain", "email=ada@example.com")
            .send()
            .await;
        response.assert_problem(415, "unsupported-media-type");
    }
}

#[tokio::test]
async fn a_two_mebibyte_body_is_a_413_problem_in_every_function() {
    let stack = Stack::start().await;
    let padding = "x".repeat(2 * 1024 * 1024);
    let body = format!("{{\"email\":\"ada@example.com\",\"padding\":\"{padding}\"}}");
    for (function, path, token) in json_routes() {
        let mut request = stack.router(function).post(path);
        if let Some(token) = &token {
            request = request.bearer(token);
        }
        let response = request.body("application/json", body.clone()).send().await;
        response.assert_problem(413, "payload-too-large");
    }
}
