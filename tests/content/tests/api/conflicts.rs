//! DynamoDB cancels a write that meets a concurrent transaction on the same items instead of
//! queueing it. Such writes are tried again, with back-off, within the request's deadline;
//! only conflicts that outlast the retries reach the client, as a 503 it may retry. The proxy
//! in front of DynamoDB answers the conflicts, so these tests do not depend on timing.

use content_tests::{TestApp, unique_slug};
use serde_json::json;
use shared::dynamo::CONFLICT_ATTEMPTS;
use testkit::proxy::Fault;

fn count(operations: &[String], operation: &str) -> usize {
    operations.iter().filter(|o| *o == operation).count()
}

#[tokio::test]
async fn a_transaction_that_meets_a_concurrent_one_is_tried_again_and_lands() {
    let (app, proxy) = TestApp::spawn_counting().await;
    let owner = app.instructor().await;
    let course = app
        .complete_course(&owner, &unique_slug("contended"), json!({}))
        .await;
    let id = course["id"].as_str().expect("an id");

    proxy.clear_operations();
    proxy.set_fault(Fault::Conflict(2));
    app.publish(&owner, "courses", id).await.assert_status(200);

    assert_eq!(
        count(&proxy.operations(), "TransactWriteItems"),
        3,
        "two conflicts, then the transaction that landed: {:?}",
        proxy.operations()
    );
    assert_eq!(
        app.get(&format!("/courses/{id}")).await.json()["status"],
        "published"
    );
}

#[tokio::test]
async fn conflicts_that_outlast_the_retries_are_a_503_and_change_nothing() {
    let (app, proxy) = TestApp::spawn_counting().await;
    let owner = app.instructor().await;
    let course = app
        .complete_course(&owner, &unique_slug("hot"), json!({}))
        .await;
    let id = course["id"].as_str().expect("an id");

    proxy.clear_operations();
    proxy.set_fault(Fault::Conflict(1_000));
    let refused = app.publish(&owner, "courses", id).await;
    refused.assert_problem(503, "service-unavailable");
    assert!(
        refused.header("retry-after").is_some(),
        "a 503 says when to retry"
    );
    assert_eq!(
        count(&proxy.operations(), "TransactWriteItems"),
        CONFLICT_ATTEMPTS as usize,
        "tried {CONFLICT_ATTEMPTS} times before giving up: {:?}",
        proxy.operations()
    );

    proxy.set_fault(Fault::None);
    assert_eq!(
        app.get_as(&owner, &format!("/courses/{id}")).await.json()["status"],
        "draft"
    );
}
