//! A learner's whole way through a course, end to end.

use progress_tests::{Course, TestApp, lesson_ids};

#[tokio::test]
async fn a_learner_completes_a_course_gets_one_certificate_and_keeps_their_history() {
    // Arrange
    let app = TestApp::spawn().await;
    let instructor = app.instructor("Grace Hopper").await;
    let course = Course::published("Node.js and Express", 5, &instructor);
    app.put_course(&course).await;
    let learner = app.learner("Ada Lovelace").await;

    // Enroll: 201 the first time, 200 after.
    let enrolled = app.enroll(&learner, course.id).await;
    enrolled.assert_status(201);
    assert_eq!(enrolled.json()["percent"], 0);
    assert_eq!(enrolled.json()["course_title"], "Node.js and Express");
    app.enroll(&learner, course.id).await.assert_status(200);
    let progress = app.progress(&learner, course.id).await;
    progress.assert_status(200);
    assert_eq!(
        progress.json()["next_lesson_id"],
        course.lesson(0).to_string(),
        "a new learner starts at the first lesson"
    );

    // Complete every lesson, the second one twice.
    for (n, lesson) in course.lessons().into_iter().enumerate() {
        let done = app.complete(&learner, course.id, lesson).await;
        done.assert_status(200);
        let expected = ((n + 1) * 100 / 5) as u64;
        assert_eq!(done.json()["percent"], expected, "after lesson {n}");
        if n == 1 {
            let again = app.complete(&learner, course.id, lesson).await;
            again.assert_status(200);
            assert_eq!(again.json()["percent"], 40, "completing twice counts once");
            assert_eq!(
                lesson_ids(&again.json()["completed_lesson_ids"]),
                course.lessons()[..2],
                "completing twice is idempotent"
            );
        }
    }

    // Exactly one certificate.
    let progress = app.progress(&learner, course.id).await.json();
    assert_eq!(progress["percent"], 100);
    assert!(progress["next_lesson_id"].is_null(), "{progress}");
    assert!(progress["completed_at"].is_string(), "{progress}");
    let certificate_id = progress["certificate_id"]
        .as_str()
        .expect("a completed course names its certificate")
        .to_owned();
    let mine = app.my_certificates(&learner).await;
    mine.assert_status(200);
    let mine = mine.json()["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(mine.len(), 1, "one certificate listed: {mine:?}");
    assert_eq!(mine[0]["id"], certificate_id);
    assert_eq!(
        app.certificate_items(&course).await.len(),
        1,
        "exactly one certificate item exists"
    );

    // Anyone can verify it, without a token.
    let public = app.certificate(&certificate_id).await;
    public.assert_status(200);
    let public = public.json();
    assert_eq!(public["learner_name"], "Ada Lovelace");
    assert_eq!(public["course_title"], "Node.js and Express");
    assert_eq!(public["status"], "valid");
    assert!(public["issued_at"].is_string(), "{public}");
    assert_eq!(
        public["verification_url"],
        format!("https://skillpath.test/certificates/{certificate_id}")
    );
    assert!(
        public.get("learner_id").is_none(),
        "the public page does not show the learner's account id: {public}"
    );

    // The instructor's statistics.
    let stats = app.stats(&instructor, course.id).await;
    stats.assert_status(200);
    let stats = stats.json();
    assert_eq!(stats["enrolled"], 1, "{stats}");
    assert_eq!(stats["completed"], 1, "{stats}");
    assert_eq!(stats["active"], 1, "{stats}");
    assert_eq!(stats["completion_rate"], 1.0, "{stats}");
    assert!(
        stats["lessons"].as_array().is_some_and(
            |lessons| lessons.len() == 5 && lessons.iter().all(|l| l["completions"] == 1)
        ),
        "each lesson completed once (the repeat did not count): {stats}"
    );

    // Unenroll: the record stays, out of the learner's list and the active count.
    app.unenroll(&learner, course.id).await.assert_status(204);
    app.unenroll(&learner, course.id).await.assert_status(204);
    let listed = app.enrollments(&learner, "").await.json();
    assert_eq!(
        listed["items"].as_array().map(Vec::len),
        Some(0),
        "{listed}"
    );
    let kept = app.progress(&learner, course.id).await.json();
    assert_eq!(kept["status"], "unenrolled");
    assert_eq!(kept["percent"], 100, "history kept: {kept}");
    let reported = app.reported(&course).await;
    assert_eq!(
        (reported.enrolled, reported.active, reported.completed),
        (1, 0, 1),
        "unenrolling leaves enrolled and completed, lowers active"
    );

    // Re-enroll: 200, the same record, history and certificate resumed.
    let again = app.enroll(&learner, course.id).await;
    again.assert_status(200);
    let resumed = app.progress(&learner, course.id).await.json();
    assert_eq!(resumed["status"], "active");
    assert_eq!(resumed["percent"], 100, "{resumed}");
    assert_eq!(resumed["certificate_id"], certificate_id);
    assert_eq!(
        resumed["enrolled_at"], progress["enrolled_at"],
        "first enrollment kept"
    );
    assert_eq!(resumed["completed_at"], progress["completed_at"]);
    let reported = app.reported(&course).await;
    assert_eq!(
        (reported.enrolled, reported.active, reported.completed),
        (1, 1, 1)
    );
    assert_eq!(
        reported,
        app.recounted(&course).await,
        "counters match a recount"
    );
    assert_eq!(
        app.certificate_items(&course).await.len(),
        1,
        "still one certificate"
    );
}
