//! Progress is measured against the course's current outline.

use progress_tests::{Course, TestApp, lesson_id, lesson_ids};
use shared::catalog::LessonId;

#[tokio::test]
async fn removing_a_lesson_and_adding_another_change_the_percentage_as_the_rules_say() {
    // Arrange: four lessons [l0 l1 l2] [l3], the first two completed.
    let app = TestApp::spawn().await;
    let mut course = Course::published("Career paths", 4, &app.instructor("I").await);
    app.put_course(&course).await;
    let learner = app.learner("Steady").await;
    let [l0, l1, l2, l3] = course.lessons()[..] else {
        unreachable!("four lessons")
    };
    app.enrolled_with(&learner, &course, &[l0, l1]).await;
    assert_eq!(
        app.progress(&learner, course.id).await.json()["percent"],
        50
    );

    // A completed lesson is removed: it stops counting (1 of 3).
    course.modules = vec![vec![l0, l2], vec![l3]];
    app.put_course(&course).await;
    let progress = app.progress(&learner, course.id).await.json();
    assert_eq!(progress["percent"], 33, "{progress}");
    assert_eq!(progress["total_lessons"], 3);
    assert_eq!(lesson_ids(&progress["completed_lesson_ids"]), [l0]);
    assert_eq!(lesson_id(&progress["next_lesson_id"]), l2);

    // A new lesson is added before l2: it lowers the percentage (1 of 4) and is next.
    let added = LessonId::new();
    course.modules = vec![vec![l0, added, l2], vec![l3]];
    app.put_course(&course).await;
    let progress = app.progress(&learner, course.id).await.json();
    assert_eq!(progress["percent"], 25, "{progress}");
    assert_eq!(
        lesson_id(&progress["next_lesson_id"]),
        added,
        "first incomplete in order"
    );

    // The removed lesson cannot be completed now.
    app.complete(&learner, course.id, l1)
        .await
        .assert_problem(404, "not-found");

    // Its completion was kept: if it comes back, it counts again (2 of 5).
    course.modules = vec![vec![l0, l1, added, l2], vec![l3]];
    app.put_course(&course).await;
    let progress = app.progress(&learner, course.id).await.json();
    assert_eq!(progress["percent"], 40, "{progress}");
    assert_eq!(lesson_ids(&progress["completed_lesson_ids"]), [l0, l1]);

    // The listing and the statistics measure against the same outline.
    let listed = app.enrollments(&learner, "").await.json();
    assert_eq!(listed["items"][0]["percent"], 40, "{listed}");
    assert_eq!(listed["items"][0]["total_lessons"], 5);
    let reported = app.reported(&course).await;
    assert_eq!(
        reported.lesson_completions.len(),
        5,
        "one line per current lesson"
    );
    assert_eq!(reported, app.recounted(&course).await);
}

#[tokio::test]
async fn when_an_outline_change_leaves_nothing_missing_the_next_completion_issues_the_certificate()
{
    // Arrange: three lessons, two completed; then the missing one is removed.
    let app = TestApp::spawn().await;
    let mut course = Course::published("Testing", 3, &app.instructor("I").await);
    app.put_course(&course).await;
    let learner = app.learner("Lucky").await;
    let [l0, l1, l2] = course.lessons()[..] else {
        unreachable!("three lessons")
    };
    app.enrolled_with(&learner, &course, &[l0, l1]).await;
    course.modules = vec![vec![l0, l1]];
    app.put_course(&course).await;
    let progress = app.progress(&learner, course.id).await.json();
    assert_eq!(progress["percent"], 100);
    assert!(
        progress["certificate_id"].is_null(),
        "nothing was completed yet"
    );

    // Act: completing a lesson again.
    let done = app.complete(&learner, course.id, l1).await;

    // Assert
    done.assert_status(200);
    assert!(done.json()["certificate_id"].is_string(), "{}", done.text());
    assert_eq!(app.certificate_items(&course).await.len(), 1);
    app.complete(&learner, course.id, l0)
        .await
        .assert_status(200);
    assert_eq!(app.certificate_items(&course).await.len(), 1, "still one");

    // A lesson added later and completed does not issue a second certificate.
    course.modules = vec![vec![l0, l1, l2]];
    app.put_course(&course).await;
    app.complete(&learner, course.id, l2)
        .await
        .assert_status(200);
    assert_eq!(
        app.certificate_items(&course).await.len(),
        1,
        "issued exactly once"
    );
    assert_eq!(app.reported(&course).await.completed, 1);
}
