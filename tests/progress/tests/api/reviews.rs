//! Project attempts from the staff's side: the review queue, claiming an attempt for four
//! hours, and reviewing it against the project's rubric. Only the course's instructors and the
//! admins review, and nobody reviews their own attempt.

use std::time::Duration;

use progress_tests::{
    Caller, Course, TestApp, etag, failing_review, id_of, movable_clock, page_items,
    passing_review, scores,
};
use serde_json::{Value, json};
use shared::catalog::CourseId;
use shared::clock::{Clock, Timestamp};

/// The ids of the attempts of a page, in its order.
fn ids(page: &Value) -> Vec<String> {
    page_items(page).iter().map(id_of).collect()
}

/// A course with a project and two instructors; a learner's attempt waiting for review.
async fn two_reviewers(app: &TestApp) -> (Course, Caller, Caller, Value) {
    let (mut course, first, learner) = app.course_with_a_project().await;
    let second = app.instructor("Margaret Hamilton").await;
    course.instructors.push(second.id);
    app.put_course(&course).await;
    let attempt = app.handed_in(&learner, &course, course.lesson(1)).await;
    (course, first, second, attempt)
}

/// On `clock`: a course with two reviewers and an attempt the first has just claimed; the
/// app, the course, the reviewers, the attempt's id and the claimed attempt.
async fn claimed_by_the_first(clock: &Clock) -> (TestApp, Course, [Caller; 2], String, Value) {
    let app = TestApp::spawn_at(clock.clone()).await;
    let (course, first, second, attempt) = two_reviewers(&app).await;
    let attempt = id_of(&attempt);
    let claimed = app.claim(&first, course.id, &attempt).await;
    claimed.assert_status(200);
    let claimed = claimed.json();
    (app, course, [first, second], attempt, claimed)
}

/// When a claim ends.
fn expires_at(claimed: &Value) -> Timestamp {
    claimed["claim"]["expires_at"]
        .as_str()
        .and_then(|at| at.parse().ok())
        .unwrap_or_else(|| panic!("a claim with its end: {claimed}"))
}

#[tokio::test]
async fn a_review_scores_each_criterion_of_the_rubric_in_order_or_is_refused_with_nothing_stored() {
    // Arrange: a claimed attempt.
    let app = TestApp::spawn().await;
    let (course, instructor, learner) = app.course_with_a_project().await;
    let attempt = id_of(&app.handed_in(&learner, &course, course.lesson(1)).await);
    let claimed = app.claimed(&instructor, course.id, &attempt).await;
    let review = |scores: Value| json!({"outcome": "changes_requested", "scores": scores});
    let comment = "The endpoints answer as the brief says.";

    // Act and assert: each refused, naming the field.
    for (body, field) in [
        (review(scores(11, true)), "scores[0].points"),
        (
            review(
                json!([{"passed": true, "comment": comment}, {"passed": true, "comment": comment}]),
            ),
            "scores[0].points",
        ),
        (
            review(json!([{"points": 8, "comment": comment}, {"points": 1, "comment": comment}])),
            "scores[1].passed",
        ),
        (review(json!([{"points": 8, "comment": comment}])), "scores"),
        (review(json!([])), "scores"),
        (
            review(json!([
                {"points": 8, "comment": comment},
                {"passed": true, "comment": comment},
                {"passed": true, "comment": comment},
            ])),
            "scores",
        ),
        (
            review(json!([{"points": 8, "comment": " \n "}, {"passed": true, "comment": comment}])),
            "scores[0].comment",
        ),
        (
            review(json!([{"points": 8}, {"passed": true, "comment": comment}])),
            "scores[0].comment",
        ),
        (
            review(json!([
                {"points": 8, "comment": comment},
                {"passed": true, "comment": "é".repeat(1_001)},
            ])),
            "scores[1].comment",
        ),
        (
            json!({"outcome": "changes_requested", "scores": scores(8, true),
                   "comment": "é".repeat(5_001)}),
            "comment",
        ),
        (
            json!({"outcome": "approved", "scores": scores(3, true)}),
            "outcome",
        ),
        (
            json!({"outcome": "approved", "scores": scores(10, false)}),
            "outcome",
        ),
        (
            json!({"outcome": "maybe", "scores": scores(8, true)}),
            "outcome",
        ),
    ] {
        let refused = app
            .review(&instructor, course.id, &attempt, Some(&claimed), &body)
            .await;
        refused.assert_problem(422, "validation-failed");
        assert_eq!(
            refused.json()["errors"][0]["field"],
            field,
            "{body}: {}",
            refused.text()
        );
    }

    // Nothing was stored: the attempt waits, unchanged, and the learner heard nothing.
    let unchanged = app.attempt(&instructor, course.id, &attempt).await;
    unchanged.assert_status(200);
    assert_eq!(etag(&unchanged), claimed, "the attempt is unchanged");
    assert_eq!(unchanged.json()["status"], "waiting");
    assert!(unchanged.json()["review"].is_null());
    assert_eq!(
        app.notifications(&learner, "").await.json()["items"],
        json!([])
    );
    let reported = app.reported(&course).await;
    assert_eq!(reported.waiting_attempts, 1);
    assert_eq!(reported, app.recounted(&course).await);

    // The premise: a review that passes the rubric exactly, with the same version, is taken.
    let exactly = json!({"outcome": "approved", "scores": scores(6, true)});
    let approved = app
        .review(&instructor, course.id, &attempt, Some(&claimed), &exactly)
        .await;
    approved.assert_status(200);
    assert_eq!(approved.json()["review"]["points"], 6);
}

#[tokio::test]
async fn a_review_needs_the_attempts_current_etag_in_if_match() {
    let app = TestApp::spawn().await;
    let (course, instructor, learner) = app.course_with_a_project().await;
    let handed = app
        .hand_in(
            &learner,
            course.id,
            course.lesson(1),
            &progress_tests::repository("https://github.com/ada/api"),
        )
        .await;
    handed.assert_status(201);
    let (attempt, before_claim) = (id_of(&handed.json()), etag(&handed));
    let claimed = app.claimed(&instructor, course.id, &attempt).await;

    let missing = app
        .review(&instructor, course.id, &attempt, None, &passing_review())
        .await;
    missing.assert_problem(428, "precondition-required");
    for stale in [before_claim.as_str(), "\"not-one-of-ours\""] {
        app.approve(&instructor, course.id, &attempt, stale)
            .await
            .assert_problem(412, "stale-version");
    }
    let attempt_now = app.attempt(&instructor, course.id, &attempt).await.json();
    assert!(attempt_now["review"].is_null(), "{attempt_now}");

    let reviewed = app
        .approve(&instructor, course.id, &attempt, &claimed)
        .await;
    reviewed.assert_status(200);
}

#[tokio::test]
async fn only_the_reviewer_holding_the_claim_reviews_an_attempt() {
    let app = TestApp::spawn().await;
    let (course, first, second, attempt) = two_reviewers(&app).await;
    let attempt = id_of(&attempt);
    let current = async || etag(&app.attempt(&first, course.id, &attempt).await);

    // Unclaimed: nobody reviews it.
    let unclaimed = current().await;
    app.approve(&first, course.id, &attempt, &unclaimed)
        .await
        .assert_problem(409, "conflict");

    // Claimed by the first: the others can neither claim nor review it.
    app.claimed(&first, course.id, &attempt).await;
    let admin = app.admin("Admin").await;
    for other in [&second, &admin] {
        app.claim(other, course.id, &attempt)
            .await
            .assert_problem(409, "conflict");
        app.approve(other, course.id, &attempt, &current().await)
            .await
            .assert_problem(409, "conflict");
    }
    let claimed = app.attempt(&second, course.id, &attempt).await.json();
    assert_eq!(
        claimed["claim"]["reviewer_id"],
        first.id.to_string(),
        "{claimed}"
    );
    assert!(claimed["review"].is_null(), "{claimed}");

    app.approve(&first, course.id, &attempt, &current().await)
        .await
        .assert_status(200);
}

#[tokio::test]
async fn a_claim_lapses_after_four_hours_and_another_reviewer_may_then_claim() {
    // Arrange: the first reviewer claims the attempt.
    let clock = movable_clock();
    let (app, course, [first, second], attempt, claimed) = claimed_by_the_first(&clock).await;
    let submitted: Timestamp =
        app.attempt(&first, course.id, &attempt).await.json()["submitted_at"]
            .as_str()
            .and_then(|at| at.parse().ok())
            .expect("submitted_at");
    let ends = expires_at(&claimed);
    assert!(
        ends.since(submitted) >= Duration::from_secs(4 * 3600)
            && ends.since(submitted) < Duration::from_secs(4 * 3600 + 60),
        "a claim lasts four hours: {ends:?}, handed in {submitted:?}"
    );

    // Within the four hours, it holds.
    clock.advance(Duration::from_secs(4 * 3600 - 60));
    app.claim(&second, course.id, &attempt)
        .await
        .assert_problem(409, "conflict");

    // After them, it has lapsed: the attempt shows no claim and the other reviewer takes it.
    clock.advance(Duration::from_secs(2 * 60));
    let lapsed = app.attempt(&second, course.id, &attempt).await.json();
    assert!(
        lapsed["claim"].is_null(),
        "a lapsed claim is not shown: {lapsed}"
    );
    let taken = app.claim(&second, course.id, &attempt).await;
    taken.assert_status(200);
    assert_eq!(taken.json()["claim"]["reviewer_id"], second.id.to_string());
    app.approve(&first, course.id, &attempt, &etag(&taken))
        .await
        .assert_problem(409, "conflict");
    app.approve(&second, course.id, &attempt, &etag(&taken))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn claiming_again_renews_the_claim_for_four_hours() {
    let clock = movable_clock();
    let (app, course, [first, second], attempt, claimed) = claimed_by_the_first(&clock).await;

    clock.advance(Duration::from_secs(3 * 3600));
    let renewed = app.claim(&first, course.id, &attempt).await;
    renewed.assert_status(200);
    let moved = expires_at(&renewed.json()).since(expires_at(&claimed));
    assert!(
        moved >= Duration::from_secs(3 * 3600),
        "the renewed claim ends three hours later, not {moved:?}"
    );

    // Five hours after the first claim, two after the renewal: still held.
    clock.advance(Duration::from_secs(2 * 3600));
    app.claim(&second, course.id, &attempt)
        .await
        .assert_problem(409, "conflict");
}

#[tokio::test]
async fn a_reviewed_or_withdrawn_attempt_is_neither_claimed_nor_reviewed() {
    let app = TestApp::spawn().await;
    let (course, instructor, learner) = app.course_with_a_project().await;
    let project = course.lesson(1);
    let reviewed = app.handed_in(&learner, &course, project).await;
    let reviewed = app
        .reviewed(&instructor, course.id, &id_of(&reviewed), &failing_review())
        .await;
    let now = etag(&app.attempt(&instructor, course.id, &id_of(&reviewed)).await);
    app.claim(&instructor, course.id, &id_of(&reviewed))
        .await
        .assert_problem(409, "conflict");
    app.approve(&instructor, course.id, &id_of(&reviewed), &now)
        .await
        .assert_problem(409, "conflict");

    let withdrawn = app.handed_in(&learner, &course, project).await;
    let etag_claimed = app
        .claimed(&instructor, course.id, &id_of(&withdrawn))
        .await;
    app.withdraw(&learner, course.id, project, &id_of(&withdrawn))
        .await
        .assert_status(200);
    app.claim(&instructor, course.id, &id_of(&withdrawn))
        .await
        .assert_problem(409, "conflict");
    let now = etag(
        &app.attempt(&instructor, course.id, &id_of(&withdrawn))
            .await,
    );
    assert_ne!(now, etag_claimed, "withdrawing is a new version");
    app.approve(&instructor, course.id, &id_of(&withdrawn), &now)
        .await
        .assert_problem(409, "conflict");
    let history = page_items(&app.attempts(&learner, course.id, project, "").await.json());
    let statuses: Vec<&Value> = history.iter().map(|a| &a["status"]).collect();
    assert_eq!(statuses, [&json!("withdrawn"), &json!("changes_requested")]);
}

#[tokio::test]
async fn an_attempt_of_a_learner_who_left_the_course_is_not_approved() {
    let app = TestApp::spawn().await;
    let (course, instructor, learner) = app.course_with_a_project().await;
    let attempt = id_of(&app.handed_in(&learner, &course, course.lesson(1)).await);
    let claimed = app.claimed(&instructor, course.id, &attempt).await;
    app.unenroll(&learner, course.id).await.assert_status(204);

    app.approve(&instructor, course.id, &attempt, &claimed)
        .await
        .assert_problem(409, "conflict");

    let progress = app.progress(&learner, course.id).await.json();
    assert_eq!(progress["completed_lesson_ids"], json!([]), "{progress}");
    assert!(app.certificate_items(&course).await.is_empty());
    assert_eq!(app.reported(&course).await, app.recounted(&course).await);
}

#[tokio::test]
async fn the_review_queue_lists_waiting_attempts_oldest_first_a_page_at_a_time() {
    // Arrange: two projects; four learners hand in, one after the other.
    let app = TestApp::spawn_at(movable_clock()).await;
    let instructor = app.instructor("Queue keeper").await;
    let course = Course::published("Two projects", 2, &instructor).with_projects(&[0, 1]);
    app.put_course(&course).await;
    let learners = app
        .learners_named((0..4).map(|n| format!("Learner {n}")))
        .await;
    let mut handed = Vec::new();
    for (learner, project) in learners.iter().zip([0, 1, 0, 0]) {
        app.enrolled_with(learner, &course, &[]).await;
        let attempt = app
            .handed_in(learner, &course, course.lesson(project))
            .await;
        handed.push((project, id_of(&attempt)));
    }
    let of = |project: Option<usize>| -> Vec<String> {
        handed
            .iter()
            .filter(|(p, _)| project.is_none_or(|project| *p == project))
            .map(|(_, id)| id.clone())
            .collect()
    };

    // Act and assert: the whole queue, one at a time.
    let mut paged = Vec::new();
    let mut query = "?limit=1".to_owned();
    for _ in 0..5 {
        let page = app.queue(&instructor, course.id, &query).await;
        page.assert_status(200);
        let page = page.json();
        assert!(ids(&page).len() <= 1, "{page}");
        paged.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => query = format!("?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(paged, of(None), "oldest first, each once");

    // One project's attempts, a page at a time.
    let project = course.lesson(0);
    let first = app
        .queue(
            &instructor,
            course.id,
            &format!("?project={project}&limit=2"),
        )
        .await;
    first.assert_status(200);
    let first = first.json();
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let second = app
        .queue(
            &instructor,
            course.id,
            &format!("?project={project}&limit=2&cursor={cursor}"),
        )
        .await
        .json();
    let filtered: Vec<String> = ids(&first).into_iter().chain(ids(&second)).collect();
    assert_eq!(filtered, of(Some(0)), "only the first project's attempts");
    let other = app
        .queue(
            &instructor,
            course.id,
            &format!("?project={}", course.lesson(1)),
        )
        .await
        .json();
    assert_eq!(ids(&other), of(Some(1)));
    assert!(
        page_items(&other)
            .iter()
            .all(|a| a["status"] == "waiting" && a["lesson_id"] == course.lesson(1).to_string()),
        "{other}"
    );
}

#[tokio::test]
async fn withdrawn_and_reviewed_attempts_leave_the_review_queue() {
    let app = TestApp::spawn_at(movable_clock()).await;
    let (course, instructor, _) = app.course_with_a_project().await;
    let project = course.lesson(1);
    let learners = app
        .learners_named((0..3).map(|n| format!("Learner {n}")))
        .await;
    let mut attempts = Vec::new();
    for learner in &learners {
        app.enrolled_with(learner, &course, &[]).await;
        attempts.push(id_of(&app.handed_in(learner, &course, project).await));
    }
    assert_eq!(
        ids(&app.queue(&instructor, course.id, "").await.json()),
        attempts
    );

    app.withdraw(&learners[0], course.id, project, &attempts[0])
        .await
        .assert_status(200);
    app.reviewed(&instructor, course.id, &attempts[1], &failing_review())
        .await;

    assert_eq!(
        ids(&app.queue(&instructor, course.id, "").await.json()),
        [attempts[2].clone()],
        "only the attempt still waiting"
    );
    let reported = app.reported(&course).await;
    assert_eq!(reported.waiting_attempts, 1);
    assert_eq!(reported, app.recounted(&course).await);
}

#[tokio::test]
async fn an_instructor_of_another_course_cannot_see_claim_or_review_its_attempts() {
    let app = TestApp::spawn().await;
    let (course, _, learner) = app.course_with_a_project().await;
    let attempt = app.handed_in(&learner, &course, course.lesson(1)).await;
    let outsider = app.instructor("Teaches elsewhere").await;
    app.put_course(&Course::published("Elsewhere", 1, &outsider))
        .await;
    let id = id_of(&attempt);
    let current = etag(&app.attempt(&app.admin("A").await, course.id, &id).await);

    app.queue(&outsider, course.id, "")
        .await
        .assert_problem(403, "forbidden");
    app.attempt(&outsider, course.id, &id)
        .await
        .assert_problem(403, "forbidden");
    app.claim(&outsider, course.id, &id)
        .await
        .assert_problem(403, "forbidden");
    app.approve(&outsider, course.id, &id, &current)
        .await
        .assert_problem(403, "forbidden");

    // An admin reviews any course's attempts.
    let admin = app.admin("Admin").await;
    assert_eq!(
        ids(&app.queue(&admin, course.id, "").await.json()),
        std::slice::from_ref(&id)
    );
    app.claim(&admin, course.id, &id).await.assert_status(200);
    app.queue(&admin, CourseId::new(), "")
        .await
        .assert_problem(404, "not-found");
}

#[tokio::test]
async fn a_learner_cannot_see_the_review_queue_nor_claim_or_review_an_attempt() {
    let app = TestApp::spawn().await;
    let (course, _, learner) = app.course_with_a_project().await;
    let attempt = app.handed_in(&learner, &course, course.lesson(1)).await;
    let id = id_of(&attempt);
    let current = etag(&app.attempt(&app.admin("A").await, course.id, &id).await);
    let classmate = app.learner("Classmate").await;
    app.enrolled_with(&classmate, &course, &[]).await;

    for caller in [&learner, &classmate] {
        app.queue(caller, course.id, "")
            .await
            .assert_problem(403, "forbidden");
        app.attempt(caller, course.id, &id)
            .await
            .assert_problem(403, "forbidden");
        app.claim(caller, course.id, &id)
            .await
            .assert_problem(403, "forbidden");
        app.approve(caller, course.id, &id, &current)
            .await
            .assert_problem(403, "forbidden");
    }
    let unchanged = app.attempt(&app.admin("A").await, course.id, &id).await;
    assert_eq!(etag(&unchanged), current, "nothing changed the attempt");
}

#[tokio::test]
async fn nobody_reviews_their_own_attempt() {
    // Arrange: an instructor takes their own course and hands its project in.
    let app = TestApp::spawn().await;
    let (course, instructor, _) = app.course_with_a_project().await;
    app.enrolled_with(&instructor, &course, &[]).await;
    let attempt = id_of(&app.handed_in(&instructor, &course, course.lesson(1)).await);

    // Act and assert
    app.claim(&instructor, course.id, &attempt)
        .await
        .assert_problem(403, "forbidden");
    let admin = app.admin("Admin").await;
    let claimed = app.claimed(&admin, course.id, &attempt).await;
    app.approve(&admin, course.id, &attempt, &claimed)
        .await
        .assert_status(200);
}

#[tokio::test]
async fn an_attempt_is_found_only_under_its_own_course() {
    let app = TestApp::spawn().await;
    let (course, instructor, learner) = app.course_with_a_project().await;
    let mine = Course::published("Also taught", 1, &instructor).with_projects(&[0]);
    app.put_course(&mine).await;
    app.enrolled_with(&learner, &mine, &[]).await;
    let attempt = id_of(&app.handed_in(&learner, &mine, mine.lesson(0)).await);
    app.attempt(&instructor, mine.id, &attempt)
        .await
        .assert_status(200);

    app.attempt(&instructor, course.id, &attempt)
        .await
        .assert_problem(404, "not-found");
    app.claim(&instructor, course.id, &attempt)
        .await
        .assert_problem(404, "not-found");
    let unknown = CourseId::new().to_string();
    app.attempt(&instructor, course.id, &unknown)
        .await
        .assert_problem(404, "not-found");
    assert!(
        ids(&app.queue(&instructor, course.id, "").await.json()).is_empty(),
        "the other course's attempt is not in this course's queue"
    );
}
