//! Racing claims, reviews and withdrawals: one attempt is claimed by one reviewer and reviewed
//! once, an approval and a withdrawal never both happen, racing final approvals issue one
//! certificate, and the counters stay equal to a recount of the items (see `concurrency` for how
//! the races are run).

use progress_tests::{Caller, Course, TestApp, id_of};
use serde_json::{Value, json};
use testkit::TestResponse;

use crate::concurrency::all;

/// A course of one project taught by two instructors, and `learners` enrolled learners.
async fn two_reviewers_and(app: &TestApp, learners: usize) -> (Course, [Caller; 2], Vec<Caller>) {
    let first = app.instructor("Reviewer one").await;
    let second = app.instructor("Reviewer two").await;
    let mut course = Course::published("Reviewed", 1, &first).with_projects(&[0]);
    course.instructors.push(second.id);
    app.put_course(&course).await;
    let learners = app
        .learners_named((0..learners).map(|n| format!("Learner {n}")))
        .await;
    for learner in &learners {
        app.enrolled_with(learner, &course, &[]).await;
    }
    (course, [first, second], learners)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_reviewers_claiming_an_attempt_at_once_get_it_for_exactly_one_of_them() {
    // Arrange: five waiting attempts.
    let app = TestApp::spawn_for_races().await;
    let (course, reviewers, learners) = two_reviewers_and(&app, 5).await;
    let mut attempts = Vec::new();
    for learner in &learners {
        attempts.push(id_of(
            &app.handed_in(learner, &course, course.lesson(0)).await,
        ));
    }

    // Act: both reviewers claim each attempt at once.
    let responses = all(attempts.iter().flat_map(|attempt| {
        reviewers.clone().map(|reviewer| {
            let (app, attempt) = (app.clone(), attempt.clone());
            async move {
                (
                    attempt.clone(),
                    reviewer.id,
                    app.claim(&reviewer, course.id, &attempt).await,
                )
            }
        })
    }))
    .await;

    // Assert: per attempt one 200 and one 409, and the claim is the winner's.
    for attempt in &attempts {
        let raced: Vec<&(String, _, TestResponse)> =
            responses.iter().filter(|(a, _, _)| a == attempt).collect();
        let winners: Vec<_> = raced.iter().filter(|(_, _, r)| r.status == 200).collect();
        let losers = raced.iter().filter(|(_, _, r)| r.status == 409).count();
        assert_eq!(
            (winners.len(), losers),
            (1, 1),
            "{attempt}: {:?}",
            raced
                .iter()
                .map(|(_, _, r)| (r.status, r.text()))
                .collect::<Vec<_>>()
        );
        let holder = app.attempt(&reviewers[0], course.id, attempt).await.json();
        assert_eq!(
            holder["claim"]["reviewer_id"],
            winners[0].1.to_string(),
            "the claim is the winner's: {holder}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_reviewer_sending_a_review_twice_at_once_reviews_the_attempt_once() {
    // Arrange: three claimed attempts.
    let app = TestApp::spawn_for_races().await;
    let (course, [reviewer, _], learners) = two_reviewers_and(&app, 3).await;
    let mut claimed = Vec::new();
    for learner in &learners {
        let attempt = id_of(&app.handed_in(learner, &course, course.lesson(0)).await);
        let etag = app.claimed(&reviewer, course.id, &attempt).await;
        claimed.push((attempt, etag));
    }

    // Act: each approval sent twice at once, with the same If-Match.
    let responses = all(claimed.iter().flat_map(|(attempt, etag)| {
        [0, 1].map(|_| {
            let (app, reviewer) = (app.clone(), reviewer.clone());
            let (attempt, etag) = (attempt.clone(), etag.clone());
            async move {
                let review = app.approve(&reviewer, course.id, &attempt, &etag).await;
                (attempt, review)
            }
        })
    }))
    .await;

    // Assert: one review each, counted once.
    for ((attempt, _), learner) in claimed.iter().zip(&learners) {
        let raced: Vec<&TestResponse> = responses
            .iter()
            .filter(|(a, _)| a == attempt)
            .map(|(_, r)| r)
            .collect();
        let ok = raced.iter().filter(|r| r.status == 200).count();
        let refused = raced
            .iter()
            .filter(|r| r.status == 409 || r.status == 412)
            .count();
        assert_eq!(
            (ok, refused),
            (1, 1),
            "{:?}",
            raced
                .iter()
                .map(|r| (r.status, r.text()))
                .collect::<Vec<_>>()
        );
        let notifications = app.notifications(learner, "").await.json();
        let reviews = notifications["items"]
            .as_array()
            .map_or(0, |n| n.iter().filter(|n| n["kind"] == "reviewed").count());
        assert_eq!(reviews, 1, "one review stored: {notifications}");
    }
    let reported = app.reported(&course).await;
    assert_eq!(reported.lesson_completions, [(course.lesson(0), 3)]);
    assert_eq!(app.certificate_items(&course).await.len(), 3);
    assert_eq!(reported, app.recounted(&course).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_approval_racing_the_learners_withdrawal_either_approves_or_withdraws_the_attempt() {
    // Arrange: six claimed attempts.
    let app = TestApp::spawn_for_races().await;
    let (course, [reviewer, _], learners) = two_reviewers_and(&app, 6).await;
    let project = course.lesson(0);
    let mut claimed = Vec::new();
    for learner in &learners {
        let attempt = id_of(&app.handed_in(learner, &course, project).await);
        let etag = app.claimed(&reviewer, course.id, &attempt).await;
        claimed.push((learner.clone(), attempt, etag));
    }

    // Act: each approval and the learner's withdrawal at once.
    let responses = all(claimed.iter().flat_map(|(learner, attempt, etag)| {
        [true, false].map(|approving| {
            let (app, reviewer, learner) = (app.clone(), reviewer.clone(), learner.clone());
            let (attempt, etag) = (attempt.clone(), etag.clone());
            async move {
                let response = if approving {
                    app.approve(&reviewer, course.id, &attempt, &etag).await
                } else {
                    app.withdraw(&learner, course.id, project, &attempt).await
                };
                (attempt, approving, response)
            }
        })
    }))
    .await;

    // Assert: exactly one of the two, and the attempt and the learner's progress agree.
    for (learner, attempt, _) in &claimed {
        let raced: Vec<&(String, bool, TestResponse)> =
            responses.iter().filter(|(a, _, _)| a == attempt).collect();
        let won: Vec<bool> = raced
            .iter()
            .filter(|(_, _, r)| r.status == 200)
            .map(|(_, approving, _)| *approving)
            .collect();
        assert_eq!(
            won.len(),
            1,
            "{:?}",
            raced
                .iter()
                .map(|(_, a, r)| (a, r.status, r.text()))
                .collect::<Vec<_>>()
        );
        let lost = raced
            .iter()
            .find(|(_, _, r)| r.status != 200)
            .map(|(_, _, r)| r);
        assert!(
            lost.is_some_and(|r| r.status == 409 || r.status == 412),
            "the other is refused as a conflict: {lost:?}"
        );
        let stored = app.attempt(&reviewer, course.id, attempt).await.json();
        let (status, completed) = if won[0] {
            ("approved", json!([project]))
        } else {
            ("withdrawn", json!([]))
        };
        assert_eq!(stored["status"], status, "{stored}");
        let progress = app.progress(learner, course.id).await.json();
        assert_eq!(progress["completed_lesson_ids"], completed, "{progress}");
    }
    assert_eq!(app.reported(&course).await, app.recounted(&course).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_approvals_of_a_learners_last_two_projects_issue_exactly_one_certificate() {
    // Arrange: four learners, each with both projects of a course handed in, one claimed by
    // each reviewer.
    let app = TestApp::spawn_for_races().await;
    let first = app.instructor("Reviewer one").await;
    let second = app.instructor("Reviewer two").await;
    let mut course = Course::published("Two projects", 3, &first).with_projects(&[1, 2]);
    course.instructors.push(second.id);
    app.put_course(&course).await;
    let learners = app
        .learners_named((0..4).map(|n| format!("Finisher {n}")))
        .await;
    let mut claimed: Vec<(Caller, String, String)> = Vec::new();
    for learner in &learners {
        app.enrolled_with(learner, &course, &[course.lesson(0)])
            .await;
        for (reviewer, project) in [(&first, 1), (&second, 2)] {
            let attempt = id_of(
                &app.handed_in(learner, &course, course.lesson(project))
                    .await,
            );
            let etag = app.claimed(reviewer, course.id, &attempt).await;
            claimed.push((reviewer.clone(), attempt, etag));
        }
    }

    // Act: every approval at once.
    let responses = all(claimed.into_iter().map(|(reviewer, attempt, etag)| {
        let app = app.clone();
        async move { app.approve(&reviewer, course.id, &attempt, &etag).await }
    }))
    .await;

    // Assert: all approved; one certificate per learner, listing both projects in order.
    if let Some(failed) = responses.iter().find(|r| r.status != 200) {
        panic!("an approval failed: {} {}", failed.status, failed.text());
    }
    let certificates = app.certificate_items(&course).await;
    assert_eq!(certificates.len(), 4, "one certificate per learner");
    let projects: Value = json!([
        {"lesson_id": course.lesson(1), "title": course.title_of(course.lesson(1))},
        {"lesson_id": course.lesson(2), "title": course.title_of(course.lesson(2))},
    ]);
    for learner in &learners {
        let mine = app.my_certificates(learner).await.json();
        assert_eq!(mine["items"].as_array().map(Vec::len), Some(1), "{mine}");
        assert_eq!(mine["items"][0]["projects"], projects, "{mine}");
    }
    let reported = app.reported(&course).await;
    assert_eq!(reported.completed, 4, "{reported:?}");
    assert_eq!(reported.waiting_attempts, 0, "{reported:?}");
    assert_eq!(reported, app.recounted(&course).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_learner_handing_a_project_in_twice_at_once_has_one_attempt_waiting() {
    // Arrange: five enrolled learners.
    let app = TestApp::spawn_for_races().await;
    let (course, _, learners) = two_reviewers_and(&app, 5).await;

    // Act: each hands the project in twice at once.
    let responses = all(learners.iter().flat_map(|learner| {
        [1, 2].map(|n| {
            let (app, learner, course) = (app.clone(), learner.clone(), course.clone());
            async move {
                let url = format!("https://github.com/learners/{}-{n}", learner.id);
                let body = progress_tests::repository(&url);
                let handed = app
                    .hand_in(&learner, course.id, course.lesson(0), &body)
                    .await;
                (learner.id, handed)
            }
        })
    }))
    .await;

    // Assert: per learner one 201 and one 409, one attempt stored, numbered 1.
    for learner in &learners {
        let statuses: Vec<u16> = responses
            .iter()
            .filter(|(id, _)| *id == learner.id)
            .map(|(_, r)| r.status.as_u16())
            .collect();
        assert_eq!(
            (statuses.contains(&201), statuses.contains(&409)),
            (true, true),
            "{statuses:?}"
        );
    }
    let attempts = app.attempt_items(&course).await;
    assert_eq!(attempts.len(), learners.len(), "one attempt each");
    assert_eq!(app.reported(&course).await, app.recounted(&course).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_portfolio_made_public_several_times_at_once_is_public_at_one_url() {
    let app = TestApp::spawn_for_races().await;
    let learner = app.learner("Ada").await;

    let responses = all((0..4).map(|_| {
        let (app, learner) = (app.clone(), learner.clone());
        async move { app.set_portfolio(&learner, true).await }
    }))
    .await;

    let urls: Vec<Value> = responses
        .iter()
        .map(|r| {
            assert_eq!(r.status, 200, "{}", r.text());
            r.json()["url"].clone()
        })
        .collect();
    assert!(urls.iter().all(|url| *url == urls[0]), "{urls:?}");
    assert_eq!(
        app.items("portfolio").await.len(),
        1,
        "one public portfolio"
    );
}

/// The function behind a proxy that can hold writes until racing ones arrive, so that racing
/// requests are planned on the same state and their writes meet: each write's condition alone
/// decides which one holds.
/// Waits until a request of `operation` (`what`, held there) has reached the proxy.
async fn reached(proxy: &testkit::proxy::DynamoProxy, operation: &str, what: &str) {
    for _ in 0..500 {
        if proxy.operations().iter().any(|op| op == operation) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{what} never reached the proxy");
}

async fn behind_a_proxy() -> (TestApp, testkit::proxy::DynamoProxy) {
    let proxy = testkit::proxy::DynamoProxy::start().await;
    let endpoint = proxy.endpoint();
    let app = TestApp::spawn_with(|env| {
        env.with("DYNAMODB_ENDPOINT", endpoint)
            .with("DYNAMODB_ATTEMPT_TIMEOUT_MS", "20000")
            .with("DYNAMODB_OPERATION_TIMEOUT_MS", "60000")
    })
    .await;
    (app, proxy)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_approval_and_a_withdrawal_planned_on_the_same_waiting_attempt_do_not_both_happen() {
    // Arrange: a claimed attempt.
    let (app, proxy) = behind_a_proxy().await;
    let (course, [reviewer, _], learners) = two_reviewers_and(&app, 1).await;
    let (learner, project) = (&learners[0], course.lesson(0));
    let attempt = id_of(&app.handed_in(learner, &course, project).await);
    let etag = app.claimed(&reviewer, course.id, &attempt).await;

    // Act: both read the waiting attempt, and their transactions arrive together.
    proxy.hold_until_together("TransactWriteItems", 2);
    let (approval, withdrawal) = tokio::join!(
        app.approve(&reviewer, course.id, &attempt, &etag),
        app.withdraw(learner, course.id, project, &attempt),
    );

    // Assert: one of them, and the attempt says which.
    let statuses = (approval.status.as_u16(), withdrawal.status.as_u16());
    assert!(
        matches!(statuses, (200, 409) | (409, 200)),
        "{statuses:?}: {} / {}",
        approval.text(),
        withdrawal.text()
    );
    let stored = app.attempt(&reviewer, course.id, &attempt).await.json();
    let expected = if approval.status == 200 {
        "approved"
    } else {
        "withdrawn"
    };
    assert_eq!(stored["status"], expected, "{stored}");
    assert_eq!(app.reported(&course).await, app.recounted(&course).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hand_ins_planned_on_the_same_record_store_one_attempt() {
    let (app, proxy) = behind_a_proxy().await;
    let (course, _, learners) = two_reviewers_and(&app, 1).await;
    let learner = &learners[0];

    proxy.hold_until_together("TransactWriteItems", 2);
    let [one, two] =
        [1, 2].map(|n| progress_tests::repository(&format!("https://github.com/ada/api-{n}")));
    let (first, second) = tokio::join!(
        app.hand_in(learner, course.id, course.lesson(0), &one),
        app.hand_in(learner, course.id, course.lesson(0), &two),
    );

    let mut statuses = [first.status.as_u16(), second.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "{} / {}", first.text(), second.text());
    assert_eq!(app.attempt_items(&course).await.len(), 1);
    assert_eq!(app.reported(&course).await, app.recounted(&course).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hand_in_planned_before_the_learner_left_the_course_and_written_after_it_is_refused() {
    // Arrange: an enrolled learner whose hand-in has read the active enrollment, and whose
    // transaction is held at the proxy.
    let (app, proxy) = behind_a_proxy().await;
    let (course, _, learners) = two_reviewers_and(&app, 1).await;
    let learner = &learners[0];
    proxy.clear_operations();
    let held = proxy.hold_next("TransactWriteItems");
    let hand_in = tokio::spawn({
        let (app, learner) = (app.clone(), learner.clone());
        let (id, project) = (course.id, course.lesson(0));
        let work = progress_tests::repository("https://github.com/ada/api");
        async move { app.hand_in(&learner, id, project, &work).await }
    });
    reached(&proxy, "TransactWriteItems", "the hand-in's write").await;

    // Act: the learner leaves the course; then the hand-in's write goes through.
    app.unenroll(learner, course.id).await.assert_status(204);
    held.release();
    let hand_in = hand_in.await.expect("the hand-in's request");

    // Assert: refused as any hand-in after unenrolling, and nothing of it is stored.
    assert_eq!(hand_in.status, 403, "{}", hand_in.text());
    assert!(app.attempt_items(&course).await.is_empty());
    assert_eq!(app.reported(&course).await, app.recounted(&course).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_claim_planned_before_a_withdrawal_and_written_after_it_is_refused() {
    // Arrange: a waiting attempt, and the claim's write held at the proxy once it has read it.
    let (app, proxy) = behind_a_proxy().await;
    let (course, [reviewer, _], learners) = two_reviewers_and(&app, 1).await;
    let (learner, project) = (&learners[0], course.lesson(0));
    let attempt = id_of(&app.handed_in(learner, &course, project).await);
    proxy.clear_operations();
    proxy.hold_until_together("UpdateItem", 2);
    let claim = tokio::spawn({
        let (app, reviewer, attempt) = (app.clone(), reviewer.clone(), attempt.clone());
        async move { app.claim(&reviewer, course.id, &attempt).await }
    });
    reached(&proxy, "UpdateItem", "the claim's write").await;

    // Act: the learner withdraws the attempt; then another UpdateItem (marking a notification
    // the learner does not have) lets the claim's write through.
    app.withdraw(learner, course.id, project, &attempt)
        .await
        .assert_status(200);
    let nothing = "01a24298-0000-7000-8000-000000000000";
    app.read_notification(learner, nothing)
        .await
        .assert_status(404);
    let claim = claim.await.expect("the claim's request");

    // Assert: the claim is refused, and the withdrawn attempt is nobody's.
    assert_eq!(claim.status, 409, "{}", claim.text());
    let stored = app.attempt(&reviewer, course.id, &attempt).await.json();
    assert_eq!(stored["status"], "withdrawn", "{stored}");
    assert_eq!(stored["claim"], Value::Null, "{stored}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_review_written_after_its_claim_was_renewed_is_refused_as_made_against_an_old_version() {
    // Arrange: a claimed attempt, and the review's transaction held at the proxy.
    let (app, proxy) = behind_a_proxy().await;
    let (course, [reviewer, _], learners) = two_reviewers_and(&app, 2).await;
    let project = course.lesson(0);
    let attempt = id_of(&app.handed_in(&learners[0], &course, project).await);
    let etag = app.claimed(&reviewer, course.id, &attempt).await;
    proxy.clear_operations();
    proxy.hold_until_together("TransactWriteItems", 2);
    let review = tokio::spawn({
        let (app, reviewer, attempt) = (app.clone(), reviewer.clone(), attempt.clone());
        async move { app.approve(&reviewer, course.id, &attempt, &etag).await }
    });
    reached(&proxy, "TransactWriteItems", "the review's write").await;

    // Act: the reviewer renews the claim (a new version); then another learner's hand-in lets
    // the review's transaction through.
    app.claimed(&reviewer, course.id, &attempt).await;
    app.handed_in(&learners[1], &course, project).await;
    let review = review.await.expect("the review's request");

    // Assert: 412, nothing reviewed.
    assert_eq!(review.status, 412, "{}", review.text());
    let stored = app.attempt(&reviewer, course.id, &attempt).await.json();
    assert_eq!(stored["status"], "waiting", "{stored}");
    assert_eq!(app.reported(&course).await, app.recounted(&course).await);
}
