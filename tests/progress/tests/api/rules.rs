//! The rules of enrolling and completing: an enrollment, a lesson of the current outline and a
//! published course are required; input is validated with field errors.

use progress_tests::{Course, TestApp, lesson_ids};
use serde_json::json;
use shared::catalog::{CourseId, LessonId, PublicationStatus};

async fn published_course(app: &TestApp, lessons: usize) -> Course {
    let course = Course::published("Backend engineering", lessons, &app.instructor("I").await);
    app.put_course(&course).await;
    course
}

#[tokio::test]
async fn completing_a_lesson_without_an_enrollment_is_forbidden() {
    let app = TestApp::spawn().await;
    let course = published_course(&app, 3).await;
    let learner = app.learner("Not enrolled").await;

    app.complete(&learner, course.id, course.lesson(0))
        .await
        .assert_problem(403, "forbidden");
    app.uncomplete(&learner, course.id, course.lesson(0))
        .await
        .assert_problem(403, "forbidden");
    app.set_position(
        &learner,
        course.id,
        &json!({"lesson_id": course.lesson(0), "seconds": 1}),
    )
    .await
    .assert_problem(403, "forbidden");

    app.enrolled_with(&learner, &course, &[]).await;
    app.unenroll(&learner, course.id).await.assert_status(204);
    app.complete(&learner, course.id, course.lesson(0))
        .await
        .assert_problem(403, "forbidden");
    assert!(
        app.items("lesson_completions").await.is_empty(),
        "a refused completion counts nothing"
    );
}

#[tokio::test]
async fn completing_a_lesson_outside_the_course_is_not_found() {
    let app = TestApp::spawn().await;
    let course = published_course(&app, 3).await;
    let other = published_course(&app, 1).await;
    let learner = app.learner("Enrolled").await;
    app.enrolled_with(&learner, &course, &[]).await;

    for lesson in [LessonId::new(), other.lesson(0)] {
        app.complete(&learner, course.id, lesson)
            .await
            .assert_problem(404, "not-found");
    }
    let malformed = app
        .router
        .put(&format!(
            "/me/courses/{}/lessons/lesson-1/completion",
            course.id
        ))
        .bearer(&learner.token)
        .send()
        .await;
    malformed.assert_problem(404, "not-found");
}

#[tokio::test]
async fn an_unpublished_or_unknown_course_is_not_found() {
    let app = TestApp::spawn().await;
    let learner = app.learner("Curious").await;
    let draft = Course::published("Draft course", 2, &app.instructor("I").await)
        .with_status(PublicationStatus::Draft);
    app.put_course(&draft).await;

    app.enroll(&learner, draft.id)
        .await
        .assert_problem(404, "not-found");
    app.enroll(&learner, CourseId::new())
        .await
        .assert_problem(404, "not-found");

    // Enrolled while published, then archived: no more completions.
    let course = published_course(&app, 2).await;
    app.enrolled_with(&learner, &course, &[course.lesson(0)])
        .await;
    app.put_course(&course.clone().with_status(PublicationStatus::Archived))
        .await;
    app.complete(&learner, course.id, course.lesson(1))
        .await
        .assert_problem(404, "not-found");
    let history = app.progress(&learner, course.id).await;
    history.assert_status(200);
    assert_eq!(history.json()["percent"], 50, "the history stays readable");
}

#[tokio::test]
async fn enrolling_needs_a_well_formed_course_id_and_nothing_else() {
    let app = TestApp::spawn().await;
    let learner = app.learner("Typo").await;
    for (body, field) in [
        (json!({}), "course_id"),
        (json!({"course_id": "node-js"}), "course_id"),
        (json!({"course_id": 42}), "course_id"),
    ] {
        let response = app
            .router
            .post("/me/enrollments")
            .bearer(&learner.token)
            .json(&body)
            .send()
            .await;
        response.assert_problem(422, "validation-failed");
        assert_eq!(response.json()["errors"][0]["field"], field, "{body}");
    }
}

#[tokio::test]
async fn a_position_is_remembered_for_resuming_and_validated() {
    let app = TestApp::spawn().await;
    let course = published_course(&app, 3).await;
    let learner = app.learner("Resumer").await;
    app.enrolled_with(&learner, &course, &[]).await;

    app.set_position(
        &learner,
        course.id,
        &json!({"lesson_id": course.lesson(1), "seconds": 95}),
    )
    .await
    .assert_status(204);
    let progress = app.progress(&learner, course.id).await.json();
    assert_eq!(
        progress["position"]["lesson_id"],
        course.lesson(1).to_string()
    );
    assert_eq!(progress["position"]["seconds"], 95);
    assert!(
        progress["started_at"].is_string(),
        "moving starts the course: {progress}"
    );

    for (body, field) in [
        (
            json!({"lesson_id": LessonId::new(), "seconds": 1}),
            "lesson_id",
        ),
        (
            json!({"lesson_id": course.lesson(0), "seconds": -1}),
            "seconds",
        ),
        (
            json!({"lesson_id": course.lesson(0), "seconds": 90_000}),
            "seconds",
        ),
        (json!({"lesson_id": course.lesson(0)}), "seconds"),
    ] {
        let refused = app.set_position(&learner, course.id, &body).await;
        refused.assert_problem(422, "validation-failed");
        assert_eq!(refused.json()["errors"][0]["field"], field, "{body}");
    }
}

#[tokio::test]
async fn taking_back_a_completion_lowers_the_percentage_and_its_counter() {
    let app = TestApp::spawn().await;
    let course = published_course(&app, 4).await;
    let learner = app.learner("Undecided").await;
    app.enrolled_with(&learner, &course, &course.lessons()[..2])
        .await;

    let undone = app.uncomplete(&learner, course.id, course.lesson(0)).await;
    undone.assert_status(200);
    assert_eq!(undone.json()["percent"], 25);
    assert_eq!(
        undone.json()["next_lesson_id"],
        course.lesson(0).to_string()
    );
    assert_eq!(
        lesson_ids(&undone.json()["completed_lesson_ids"]),
        [course.lesson(1)]
    );
    let again = app.uncomplete(&learner, course.id, course.lesson(0)).await;
    again.assert_status(200);
    assert_eq!(again.json()["percent"], 25, "taking back twice is harmless");

    let reported = app.reported(&course).await;
    assert_eq!(reported.lesson_completions[0], (course.lesson(0), 0));
    assert_eq!(reported.lesson_completions[1], (course.lesson(1), 1));
    assert_eq!(reported, app.recounted(&course).await);
}

#[tokio::test]
async fn progress_in_a_course_never_enrolled_in_is_not_found() {
    let app = TestApp::spawn().await;
    let course = published_course(&app, 1).await;
    let learner = app.learner("Stranger").await;
    app.progress(&learner, course.id)
        .await
        .assert_problem(404, "not-found");
    app.unenroll(&learner, course.id)
        .await
        .assert_problem(404, "not-found");
}
