//! How many DynamoDB requests each endpoint makes, counted by a proxy between the function and
//! the emulator: reads are one request per table they need (issued in parallel), writes one
//! request (a single write or one transaction) after the reads they decide on. Enrolling,
//! completing, handing in and the admins' and instructors' routes add one `BatchGetItem` of the
//! caller's account and session (`shared::account`).

use progress_tests::{Course, TestApp, etag, failing_review, id_of, page_items, repository};
use serde_json::json;
use testkit::TestResponse;
use testkit::proxy::DynamoProxy;

/// The requests each endpoint made, as the proxy saw them.
struct Counter<'a> {
    proxy: &'a DynamoProxy,
    counted: Vec<String>,
}

impl<'a> Counter<'a> {
    /// Counts from now on.
    fn start(proxy: &'a DynamoProxy) -> Self {
        proxy.clear_operations();
        Self {
            proxy,
            counted: Vec::new(),
        }
    }

    /// Asserts `response` succeeded after exactly the `expected` requests (in any order).
    #[track_caller]
    fn count(&mut self, name: &str, expected: &[&str], response: TestResponse) {
        assert!(
            response.status.is_success(),
            "{name}: {} {}",
            response.status,
            response.text()
        );
        let mut operations = self.proxy.operations();
        operations.sort();
        let mut expected: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
        expected.sort();
        assert_eq!(operations, expected, "{name}");
        self.counted.push(format!("{name}: {}", operations.len()));
        self.proxy.clear_operations();
    }
}

/// What was counted, for the test's output.
impl std::fmt::Display for Counter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "DynamoDB requests per endpoint:\n  {}",
            self.counted.join("\n  ")
        )
    }
}

/// The function, its DynamoDB requests going through `proxy`.
async fn counted_app(proxy: &DynamoProxy) -> TestApp {
    let endpoint = proxy.endpoint();
    TestApp::spawn_with(|env| env.with("DYNAMODB_ENDPOINT", endpoint)).await
}

#[tokio::test]
async fn each_endpoint_makes_the_dynamodb_requests_its_access_pattern_needs() {
    let proxy = DynamoProxy::start().await;
    let app = counted_app(&proxy).await;
    let instructor = app.instructor("Counter").await;
    let course = Course::published("Counting", 2, &instructor);
    app.put_course(&course).await;
    let learner = app.learner("Counted").await;

    let mut counter = Counter::start(&proxy);
    let r = app.enroll(&learner, course.id).await;
    let checked_write = ["BatchGetItem", "GetItem", "GetItem", "TransactWriteItems"];
    counter.count("enroll", &checked_write, r);
    let r = app.complete(&learner, course.id, course.lesson(0)).await;
    counter.count("complete", &checked_write, r);
    let r = app.complete(&learner, course.id, course.lesson(0)).await;
    counter.count("complete again", &["BatchGetItem", "GetItem", "GetItem"], r);
    let r = app.complete(&learner, course.id, course.lesson(1)).await;
    counter.count("final completion + certificate", &checked_write, r);
    let r = app.uncomplete(&learner, course.id, course.lesson(1)).await;
    counter.count("take back", &checked_write, r);
    let position = json!({"lesson_id": course.lesson(1), "seconds": 30});
    let r = app.set_position(&learner, course.id, &position).await;
    counter.count("position", &["GetItem", "UpdateItem"], r);
    let r = app.progress(&learner, course.id).await;
    let id = r.json()["certificate_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    counter.count("progress", &["GetItem", "GetItem"], r);
    let r = app.enrollments(&learner, "").await;
    counter.count("enrollments", &["Query", "BatchGetItem"], r);
    let r = app.my_certificates(&learner).await;
    counter.count("certificates", &["Query"], r);
    let r = app.certificate(&id).await;
    counter.count("verification", &["GetItem"], r);
    let r = app.stats(&instructor, course.id).await;
    counter.count("stats", &["BatchGetItem", "GetItem", "Query"], r);
    let r = app.learners(&instructor, course.id, "").await;
    counter.count("learners", &["BatchGetItem", "GetItem", "Query"], r);
    let admin = app.admin("A").await;
    let r = app.revoke(&admin, &id).await;
    counter.count("revoke", &["BatchGetItem", "UpdateItem"], r);
    let r = app.unenroll(&learner, course.id).await;
    counter.count("unenroll", &["TransactWriteItems"], r);
    let r = app.enroll(&learner, course.id).await;
    counter.count("re-enroll", &checked_write, r);

    println!("{counter}");
}

/// Project lessons' routes. Handing in and reviewing need the caller's account as it is now
/// (`BatchGetItem`); a review reads the course, the attempt, the lesson's rubric and the
/// learner's enrollment, then writes once.
#[tokio::test]
async fn each_project_endpoint_makes_the_dynamodb_requests_its_access_pattern_needs() {
    let proxy = DynamoProxy::start().await;
    let app = counted_app(&proxy).await;
    let (course, instructor, learner) = app.course_with_a_project().await;
    let project = course.lesson(1);
    app.complete(&learner, course.id, course.lesson(0))
        .await
        .assert_status(200);
    let work = repository("https://github.com/ada/api");
    let hand_in = [
        "BatchGetItem",
        "GetItem",
        "GetItem",
        "GetItem",
        "TransactWriteItems",
    ];
    let claim = ["BatchGetItem", "GetItem", "GetItem", "UpdateItem"];
    let review = [
        "BatchGetItem",
        "GetItem",
        "GetItem",
        "GetItem",
        "GetItem",
        "TransactWriteItems",
    ];

    let mut counter = Counter::start(&proxy);
    let r = app.hand_in(&learner, course.id, project, &work).await;
    let withdrawn = id_of(&r.json());
    counter.count("hand in", &hand_in, r);
    let r = app.attempts(&learner, course.id, project, "").await;
    counter.count("my attempts", &["GetItem", "Query"], r);
    let r = app.withdraw(&learner, course.id, project, &withdrawn).await;
    counter.count("withdraw", &["GetItem", "TransactWriteItems"], r);
    let r = app.hand_in(&learner, course.id, project, &work).await;
    let changed = id_of(&r.json());
    counter.count("hand in again", &hand_in, r);
    let r = app.queue(&instructor, course.id, "").await;
    counter.count("queue", &["BatchGetItem", "GetItem", "Query"], r);
    let r = app.attempt(&instructor, course.id, &changed).await;
    counter.count("attempt", &["BatchGetItem", "GetItem", "GetItem"], r);
    let r = app.claim(&instructor, course.id, &changed).await;
    let version = etag(&r);
    counter.count("claim", &claim, r);
    let changes = failing_review();
    let r = app
        .review(&instructor, course.id, &changed, Some(&version), &changes)
        .await;
    counter.count("review asking for changes", &review, r);
    let r = app.hand_in(&learner, course.id, project, &work).await;
    let approved = id_of(&r.json());
    counter.count("hand in a third time", &hand_in, r);
    let r = app.claim(&instructor, course.id, &approved).await;
    let version = etag(&r);
    counter.count("claim again", &claim, r);
    let r = app
        .approve(&instructor, course.id, &approved, &version)
        .await;
    counter.count("approval + certificate", &review, r);
    let r = app.notifications(&learner, "").await;
    let notification = id_of(&page_items(&r.json())[0]);
    counter.count("notifications", &["Query"], r);
    let r = app.read_notification(&learner, &notification).await;
    counter.count("read", &["UpdateItem"], r);
    let r = app.portfolio(&learner).await;
    counter.count("portfolio", &["GetItem"], r);
    let r = app.set_portfolio(&learner, true).await;
    let url = r.json()["url"].as_str().unwrap_or_default().to_owned();
    counter.count(
        "portfolio made public",
        &["GetItem", "TransactWriteItems"],
        r,
    );
    let id = url.rsplit('/').next().unwrap_or_default();
    let r = app.public_portfolio(id).await;
    counter.count("public portfolio", &["GetItem", "Query"], r);
    println!("{counter}");
}
