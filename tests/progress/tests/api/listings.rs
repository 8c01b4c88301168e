//! The listings: a learner's enrollments and certificates, a course's learners, and the public
//! verification page's caching.

use std::time::Duration;

use progress_tests::{Caller, Course, TestApp};
use serde_json::Value;
use shared::clock::{Clock, Timestamp};

fn items(response: &Value) -> Vec<Value> {
    response["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_learners_enrollments_come_newest_first_a_page_at_a_time_with_their_progress() {
    // Arrange: three courses enrolled one after the other, one lesson of the first completed.
    let app = TestApp::spawn().await;
    let instructor = app.instructor("I").await;
    let courses: Vec<Course> = (0..3)
        .map(|n| Course::published(&format!("Course {n}"), 4, &instructor))
        .collect();
    let learner = app.learner("Collector").await;
    for course in &courses {
        app.put_course(course).await;
        app.enrolled_with(&learner, course, &[]).await;
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
    let other = app.learner("Other").await;
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

/// A clock at the start of the current second that moves 1 ms a reading: the few requests of a
/// test all happen within one second.
fn one_second_clock() -> Clock {
    let now = Clock::system().now();
    let second = Timestamp::from_unix_micros(now.unix_seconds() * 1_000_000);
    Clock::stepping(second, Duration::from_millis(1))
}

/// The premise of a test with [`one_second_clock`]: the three items were enrolled within one
/// second (the first 19 characters of `enrolled_at`).
#[track_caller]
fn assert_enrolled_within_one_second(items: &[Value]) {
    let seconds: Vec<&str> = items
        .iter()
        .map(|item| item["enrolled_at"].as_str().map_or("", |at| &at[..19]))
        .collect();
    assert!(
        seconds.len() == 3 && seconds.iter().all(|s| *s == seconds[0]),
        "the premise: all enrolled within one second: {seconds:?}"
    );
}

#[tokio::test]
async fn enrollments_made_within_one_second_list_newest_enrolled_first() {
    // Arrange: three courses created in one order (their ids sort that way) and enrolled in
    // another, all within one second.
    let app = TestApp::spawn_at(one_second_clock()).await;
    let instructor = app.instructor("I").await;
    let mut courses: Vec<Course> = (0..3)
        .map(|n| Course::published(&format!("Course {n}"), 1, &instructor))
        .collect();
    courses.sort_by_key(|course| course.id);
    let learner = app.learner("Quick").await;
    for course in &courses {
        app.put_course(course).await;
    }
    for n in [2, 0, 1] {
        app.enrolled_with(&learner, &courses[n], &[]).await;
    }

    // Act
    let listed = app.enrollments(&learner, "").await;

    // Assert
    listed.assert_status(200);
    let listed = items(&listed.json());
    assert_enrolled_within_one_second(&listed);
    let order: Vec<Value> = listed
        .iter()
        .map(|item| item["course_id"].clone())
        .collect();
    let expected: Vec<Value> = [1, 0, 2]
        .map(|n| Value::from(courses[n].id.to_string()))
        .to_vec();
    assert_eq!(
        order, expected,
        "newest enrolled first, not in course id order"
    );
}

#[tokio::test]
async fn a_roster_of_learners_enrolled_within_one_second_lists_the_newest_first() {
    // Arrange: three learners, in the order of their ids, who enroll in another order, all
    // within one second.
    let app = TestApp::spawn_at(one_second_clock()).await;
    let instructor = app.instructor("Roster keeper").await;
    let course = Course::published("Roster", 1, &instructor);
    app.put_course(&course).await;
    let mut learners: Vec<Caller> = app
        .learners_named((0..3).map(|n| format!("Learner {n}")))
        .await;
    learners.sort_by_key(|learner| learner.id);
    for n in [2, 0, 1] {
        app.enrolled_with(&learners[n], &course, &[]).await;
    }

    // Act
    let roster = app.learners(&instructor, course.id, "").await;

    // Assert
    roster.assert_status(200);
    let roster = items(&roster.json());
    assert_enrolled_within_one_second(&roster);
    let order: Vec<Value> = roster.iter().map(|row| row["learner_id"].clone()).collect();
    let expected: Vec<Value> = [1, 0, 2]
        .map(|n| Value::from(learners[n].id.to_string()))
        .to_vec();
    assert_eq!(
        order, expected,
        "newest enrolled first, not in learner id order"
    );
}

#[tokio::test]
async fn a_course_roster_shows_each_learner_with_percent_and_last_activity() {
    let app = TestApp::spawn().await;
    let instructor = app.instructor("Roster keeper").await;
    let course = Course::published("Roster", 2, &instructor);
    app.put_course(&course).await;
    let (done, started, gone) = (
        app.learner("Done").await,
        app.learner("Started").await,
        app.learner("Gone").await,
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
    let course = Course::published("Caching", 1, &app.instructor("I").await);
    app.put_course(&course).await;
    let learner = app.learner("Cached").await;
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

    app.revoke(&app.admin("A").await, &id)
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
