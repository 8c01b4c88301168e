//! When DynamoDB is unreachable, stalls or throttles, every function answers 503 problem+json
//! with `Retry-After` within its configured timeout, says nothing about the cause, and works
//! again as soon as DynamoDB is back. The faults are injected by a proxy between the SDK and the
//! emulator (testkit::proxy), so other tests sharing the emulator are not disturbed.

use std::time::{Duration, Instant};

use shared::identity::{Role, UserId};
use stack_tests::function_router;
use testkit::TestRouter;
use testkit::proxy::{DynamoProxy, Fault};
use testkit::tokens::access_token;

/// The operation timeout the functions get here; a 503 must come within it (plus slack for
/// the request's own work, e.g. a password hash).
const OPERATION_TIMEOUT: Duration = Duration::from_millis(1000);
const SLACK: Duration = Duration::from_millis(700);

/// Each function behind its own proxy, with short DynamoDB timeouts.
async fn behind_proxy(function: &str) -> (DynamoProxy, TestRouter) {
    let tables = testkit::create_tables(&testkit::dynamo_client().await).await;
    let proxy = DynamoProxy::start().await;
    let env = testkit::env::function_env(function, &tables, &proxy.endpoint())
        .with("DYNAMODB_CONNECT_TIMEOUT_MS", "200")
        .with("DYNAMODB_ATTEMPT_TIMEOUT_MS", "400")
        .with(
            "DYNAMODB_OPERATION_TIMEOUT_MS",
            OPERATION_TIMEOUT.as_millis().to_string(),
        )
        .with("DYNAMODB_MAX_ATTEMPTS", "2");
    let router = TestRouter::new(function_router(function, env).await);
    (proxy, router)
}

/// A request of `function` that needs DynamoDB.
async fn request_needing_dynamodb(function: &str, router: &TestRouter) -> testkit::TestResponse {
    match function {
        "auth" => {
            router
                .post("/auth/login")
                .json(&serde_json::json!({
                    "email": "nobody@skillpath.test",
                    "password": "a perfectly fine passphrase"
                }))
                .send()
                .await
        }
        "content" => router.get("/courses").send().await,
        "progress" => {
            router
                .get("/me/enrollments")
                .bearer(&access_token(UserId::new(), Role::Learner))
                .send()
                .await
        }
        other => panic!("no function called {other}"),
    }
}

async fn assert_unavailable_in_time(function: &str, router: &TestRouter, fault: &str) {
    let started = Instant::now();
    let response = request_needing_dynamodb(function, router).await;
    let elapsed = started.elapsed();
    response.assert_problem(503, "service-unavailable");
    assert!(
        response.header("retry-after").is_some(),
        "{function} ({fault}): a 503 says when to retry"
    );
    assert!(
        elapsed < OPERATION_TIMEOUT + SLACK,
        "{function} ({fault}): answered after {elapsed:?}, beyond the {OPERATION_TIMEOUT:?} budget"
    );
    let body = response.text();
    for leak in ["127.0.0.1", "dispatch", "Throttling", "timeout", "Sdk"] {
        assert!(
            !body.contains(leak),
            "{function} ({fault}): the 503 body leaks {leak:?}: {body}"
        );
    }
}

fn assert_served(function: &str, response: &testkit::TestResponse, when: &str) {
    assert!(
        response.status.as_u16() < 500,
        "{function} {when}: expected a normal answer, got {} {}",
        response.status,
        response.text()
    );
}

#[tokio::test]
async fn with_dynamodb_down_every_function_answers_503_in_time_and_recovers() {
    for function in ["auth", "content", "progress"] {
        let (proxy, router) = behind_proxy(function).await;
        assert_served(
            function,
            &request_needing_dynamodb(function, &router).await,
            "before",
        );

        proxy.go_down();
        assert_unavailable_in_time(function, &router, "down").await;

        proxy.come_back().await;
        assert_served(
            function,
            &request_needing_dynamodb(function, &router).await,
            "after recovery",
        );
    }
}

#[tokio::test]
async fn when_dynamodb_stalls_every_function_answers_503_within_the_timeout() {
    for function in ["auth", "content", "progress"] {
        let (proxy, router) = behind_proxy(function).await;
        proxy.set_fault(Fault::Stall);
        assert_unavailable_in_time(function, &router, "stall").await;
        proxy.set_fault(Fault::None);
        assert_served(
            function,
            &request_needing_dynamodb(function, &router).await,
            "after the stall",
        );
    }
}

#[tokio::test]
async fn when_dynamodb_throttles_every_function_answers_503_after_the_sdk_retries() {
    for function in ["auth", "content", "progress"] {
        let (proxy, router) = behind_proxy(function).await;
        proxy.set_fault(Fault::Throttle);
        proxy.clear_operations();
        assert_unavailable_in_time(function, &router, "throttle").await;
        let attempts = proxy.operations().len();
        assert!(
            attempts >= 2,
            "{function}: the SDK retried throttling ({attempts} attempts)"
        );
        proxy.set_fault(Fault::None);
        assert_served(
            function,
            &request_needing_dynamodb(function, &router).await,
            "after throttling",
        );
    }
}
