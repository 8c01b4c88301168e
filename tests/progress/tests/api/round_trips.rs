//! How many DynamoDB requests each endpoint makes, counted by a proxy between the function and
//! the emulator: reads are one request per table they need (issued in parallel), writes one
//! request (a single write or one transaction) after the reads they decide on. Enrolling,
//! completing and the admins' and instructors' routes add one `BatchGetItem` of the caller's
//! account and session (`shared::account`).

use progress_tests::{Course, TestApp};
use serde_json::json;
use testkit::proxy::DynamoProxy;

#[tokio::test]
async fn each_endpoint_makes_the_dynamodb_requests_its_access_pattern_needs() {
    let proxy = DynamoProxy::start().await;
    let endpoint = proxy.endpoint();
    let app = TestApp::spawn_with(|env| env.with("DYNAMODB_ENDPOINT", endpoint)).await;
    let instructor = app.instructor("Counter").await;
    let course = Course::published("Counting", 2, &instructor);
    app.put_course(&course).await;
    let learner = app.learner("Counted").await;

    let mut counted = Vec::new();
    let mut count = async |name: &str, expected: &[&str], response: testkit::TestResponse| {
        assert!(
            response.status.is_success(),
            "{name}: {} {}",
            response.status,
            response.text()
        );
        let mut operations = proxy.operations();
        operations.sort();
        let mut expected: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
        expected.sort();
        assert_eq!(operations, expected, "{name}");
        counted.push(format!("{name}: {}", operations.len()));
        proxy.clear_operations();
    };

    proxy.clear_operations();
    let r = app.enroll(&learner, course.id).await;
    let checked_write = ["BatchGetItem", "GetItem", "GetItem", "TransactWriteItems"];
    count("enroll", &checked_write, r).await;
    let r = app.complete(&learner, course.id, course.lesson(0)).await;
    count("complete", &checked_write, r).await;
    let r = app.complete(&learner, course.id, course.lesson(0)).await;
    count("complete again", &["BatchGetItem", "GetItem", "GetItem"], r).await;
    let r = app.complete(&learner, course.id, course.lesson(1)).await;
    count("final completion + certificate", &checked_write, r).await;
    let r = app.uncomplete(&learner, course.id, course.lesson(1)).await;
    count("take back", &checked_write, r).await;
    let position = json!({"lesson_id": course.lesson(1), "seconds": 30});
    let r = app.set_position(&learner, course.id, &position).await;
    count("position", &["GetItem", "UpdateItem"], r).await;
    let r = app.progress(&learner, course.id).await;
    let id = r.json()["certificate_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    count("progress", &["GetItem", "GetItem"], r).await;
    let r = app.enrollments(&learner, "").await;
    count("enrollments", &["Query", "BatchGetItem"], r).await;
    let r = app.my_certificates(&learner).await;
    count("certificates", &["Query"], r).await;
    let r = app.certificate(&id).await;
    count("verification", &["GetItem"], r).await;
    let r = app.stats(&instructor, course.id).await;
    count("stats", &["BatchGetItem", "GetItem", "Query"], r).await;
    let r = app.learners(&instructor, course.id, "").await;
    count("learners", &["BatchGetItem", "GetItem", "Query"], r).await;
    let admin = app.admin("A").await;
    let r = app.revoke(&admin, &id).await;
    count("revoke", &["BatchGetItem", "UpdateItem"], r).await;
    let r = app.unenroll(&learner, course.id).await;
    count("unenroll", &["TransactWriteItems"], r).await;
    let r = app.enroll(&learner, course.id).await;
    count("re-enroll", &checked_write, r).await;

    println!(
        "DynamoDB requests per endpoint:\n  {}",
        counted.join("\n  ")
    );
}
