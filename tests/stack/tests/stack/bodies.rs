//! Every function answers a body it cannot take — malformed JSON, the wrong media type, or
//! 2 MiB — with a problem+json 4xx, never a 500 or plain text.

use shared::identity::Role;
use stack_tests::{Stack, access};
use testkit::TestResponse;

/// Posts `body` as `content_type` to a route of each function that takes a JSON body (with the
/// token it needs); returns each function's answer.
async fn post_to_every_function(
    stack: &Stack,
    content_type: &str,
    body: &str,
) -> Vec<(&'static str, TestResponse)> {
    let (_, instructor) = stack
        .account("teacher@skillpath.test", Role::Instructor)
        .await;
    let (_, learner) = stack.account("ada@skillpath.test", Role::Learner).await;
    let routes = [
        ("auth", "/auth/login", None),
        ("content", "/courses", Some(access(&instructor))),
        ("progress", "/me/enrollments", Some(access(&learner))),
    ];
    let mut answers = Vec::new();
    for (function, path, token) in routes {
        let mut request = stack.router(function).post(path);
        if let Some(token) = &token {
            request = request.bearer(token);
        }
        let response = request.body(content_type, body.to_owned()).send().await;
        answers.push((function, response));
    }
    answers
}

#[tokio::test]
async fn malformed_json_is_a_400_problem_in_every_function() {
    let stack = Stack::start().await;
    for (function, response) in
        post_to_every_function(&stack, "application/json", "{\"email\": \"ada@").await
    {
        assert_eq!(response.status, 400, "{function}: {}", response.text());
        response.assert_problem(400, "malformed-request");
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415_problem_in_every_function() {
    let stack = Stack::start().await;
    for (function, response) in
        post_to_every_function(&stack, "text/plain", "email=ada@example.com").await
    {
        assert_eq!(response.status, 415, "{function}: {}", response.text());
        response.assert_problem(415, "unsupported-media-type");
    }
}

#[tokio::test]
async fn a_two_mebibyte_body_is_a_413_problem_in_every_function() {
    let stack = Stack::start().await;
    let padding = "x".repeat(2 * 1024 * 1024);
    let body = format!("{{\"email\":\"ada@example.com\",\"padding\":\"{padding}\"}}");
    for (function, response) in post_to_every_function(&stack, "application/json", &body).await {
        assert_eq!(response.status, 413, "{function}: {}", response.text());
        response.assert_problem(413, "payload-too-large");
    }
}
