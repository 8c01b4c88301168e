//! The listings: a learner's enrolments and certificates, a course's learners, and the public
//! verification page's caching.

use progress_tests::{Caller, Course, TestApp};
use serde_json::Value;

fn items(response: &Value) -> Vec<Value> {
    response["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_learners_enrolments_come_newest_first_a_page_at_a_time_with_their_progress() {
    // Arrange: three courses enrolled a second apart (timestamps are whole seconds), one
    // lesson of the first completed.
    let app = TestApp::spawn().await;
    let instructor = Caller::instructor("I");
    let courses: Vec<Course> = (0..3)
        .map(|n| Course::published(&format!("Course {n}"), 4, &instructor))
        .collect();
    let learner = Caller::learner("Collector");
    for course in &courses {
        app.put_course(course).await;
        app.enrolled_with(&learner, course, &[]).await;
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    }
    app.complete(&learner, courses[0].id, courses[0].lesson(0))
        .await
        .assert_status(200);

    // Act
    let first = app.enrollments(&learner, "?limit=2").await;
    first.assert_status(200);
    let first = first.json();
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a second page")
        .to_owned();
    let second = app
        .enrollments(&learner, &format!("?limit=2&cursor={cursor}"))
        .await
        .json();

    // Assert
    let titles: Vec<Value> = items(&first)
        .iter()
        .chain(items(&second).iter())
        .map(|item| item["course_title"].clone())
        .collect();
    assert_eq!(titles, ["Course 2", "Course 1", "Course 0"], "newest first");
    assert!(second["next_cursor"].is_null(), "{second}");
    let oldest = &items(&second)[0];
    assert_eq!(oldest["percent"], 25, "{oldest}");
    assert_eq!(oldest["completed_lessons"], 1);
    assert_eq!(oldest["total_lessons"], 4);
    assert_eq!(oldest["next_lesson_id"], courses[0].lesson(1).to_string());
    for field in ["enrolled_at", "last_activity_at"] {
        assert!(oldest[field].is_string(), "{field}: {oldest}");
    }
    assert!(oldest["completed_at"].is_null());

    // Another learner's cursor, or a changed one, is refused.
    let other = Caller::learner("Other");
    app.enrollments(&other, &format!("?cursor={cursor}"))
        .await
        .assert_problem(400, "malformed-request");
    app.enrollments(&learner, &format!("?cursor={cursor}x"))
        .await
        .assert_problem(400, "malformed-request");
    app.enrollments(&learner, "?limit=0")
        .await
        .assert_problem(422, "validation-failed");
}

#[tokio::test]
async fn a_course_roster_shows_each_learner_with_percent_and_last_activity() {
    let app = TestApp::spawn().await;
    let instructor = Caller::instructor("Roster keeper");
    let course = Course::published("Roster", 2, &instructor);
    app.put_course(&course).await;
    let (done, started, gone) = (
        Caller::learner("Done"),
        Caller::learner("Started"),
        Caller::learner("Gone"),
    );
    app.enrolled_with(&done, &course, &course.lessons()).await;
    app.enrolled_with(&started, &course, &[course.lesson(0)])
        .await;
    app.enrolled_with(&gone, &course, &[]).await;
    app.unenroll(&gone, course.id).await.assert_status(204);

    let roster = app.learners(&instructor, course.id, "").await;
    roster.assert_status(200);
    let roster = items(&roster.json());

    let row = |name: &str| {
        roster
            .iter()
            .find(|r| r["learner_name"] == name)
            .unwrap_or_else(|| panic!("{name} in the roster: {roster:?}"))
            .clone()
    };
    assert_eq!(roster.len(), 3);
    assert_eq!(row("Done")["percent"], 100);
    assert!(row("Done")["completed_at"].is_string());
    assert_eq!(row("Started")["percent"], 50);
    assert_eq!(row("Started")["learner_id"], started.id.to_string());
    assert!(row("Started")["last_activity_at"].is_string());
    assert_eq!(row("Gone")["status"], "unenrolled");
}

#[tokio::test]
async fn the_public_verification_page_is_cacheable_and_answers_304_when_unchanged() {
    let app = TestApp::spawn().await;
    let course = Course::published("Caching", 1, &Caller::instructor("I"));
    app.put_course(&course).await;
    let learner = Caller::learner("Cached");
    app.enrolled_with(&learner, &course, &course.lessons())
        .await;
    let id = app.certificate_of(&learner, &course).await;

    let page = app.certificate(&id).await;
    page.assert_status(200);
    let etag = page.header("etag").expect("an ETag").to_owned();
    assert!(
        page.header("cache-control")
            .is_some_and(|c| c.starts_with("public")),
        "{:?}",
        page.headers
    );

    let unchanged = app
        .router
        .get(&format!("/certificates/{id}"))
        .header("if-none-match", &etag)
        .send()
        .await;
    unchanged.assert_status(304);
    assert!(unchanged.body.is_empty());

    app.revoke(&Caller::admin("A"), &id)
        .await
        .assert_status(200);
    let changed = app
        .router
        .get(&format!("/certificates/{id}"))
        .header("if-none-match", &etag)
        .send()
        .await;
    changed.assert_status(200);
    assert_eq!(changed.json()["status"], "revoked");

    app.certificate("0123456789abcdef0123456789abcdef")
        .await
        .assert_problem(404, "not-found");
    app.certificate("not-an-id")
        .await
        .assert_problem(404, "not-found");
}
