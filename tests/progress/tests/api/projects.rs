//! Project lessons from the learner's side: handing work in until a reviewer approves it, which
//! completes the lesson (and the course), and showing approved projects in a public portfolio.

use jsonwebtoken::{Algorithm, Validation};
use progress::certificate::CREDENTIAL_TYPE;
use progress_tests::{
    Course, TestApp, etag, failing_review, id_of, lesson_ids, movable_clock, page_items,
    passing_review, repository,
};
use serde_json::{Value, json};
use shared::catalog::{CourseId, HandIn, LessonId};
use shared::identity::Role;
use shared::token::VerifyingKeys;
use testkit::env::{PUBLIC_BASE_URL, certificate_jwks_json};

/// The claims of a certificate's credential, checked against the published keys.
fn credential_claims(credential: &str) -> Value {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["iss"]);
    validation.set_issuer(&[PUBLIC_BASE_URL]);
    VerifyingKeys::from_jwks(&certificate_jwks_json())
        .expect("the JWKS")
        .verify(credential, CREDENTIAL_TYPE, &validation)
        .expect("the credential verifies")
}

/// The portfolio id at the end of a portfolio URL.
///
/// # Panics
/// When it is not a URL of the public portfolio page ending in 32 lowercase hex digits.
fn portfolio_id(url: &Value) -> String {
    let url = url
        .as_str()
        .unwrap_or_else(|| panic!("a public portfolio has a URL: {url}"));
    let id = url
        .strip_prefix(&format!("{PUBLIC_BASE_URL}/portfolios/"))
        .unwrap_or_else(|| panic!("a URL of the public portfolio page: {url}"));
    assert!(
        id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
        "an unguessable id of 32 lowercase hex digits: {url}"
    );
    id.to_owned()
}

#[tokio::test]
async fn a_learner_hands_a_project_in_until_it_is_approved_and_shows_it_in_a_public_portfolio() {
    // Arrange: the ordinary lesson done, the project left.
    let app = TestApp::spawn().await;
    let (course, instructor, learner) = app.course_with_a_project().await;
    let (lesson, project) = (course.lesson(0), course.lesson(1));
    app.complete(&learner, course.id, lesson)
        .await
        .assert_status(200);

    // Hand in: attempt 1, waiting.
    let handed = app
        .hand_in(
            &learner,
            course.id,
            project,
            &json!({"repository_url": "https://github.com/ada/api", "notes": "First try"}),
        )
        .await;
    handed.assert_status(201);
    etag(&handed);
    let first = handed.json();
    assert_eq!(first["number"], 1, "{first}");
    assert_eq!(first["status"], "waiting", "{first}");
    assert_eq!(first["course_id"], course.id.to_string());
    assert_eq!(first["lesson_id"], project.to_string());
    assert_eq!(first["project_title"], course.title_of(project));
    assert_eq!(first["learner_id"], learner.id.to_string());
    assert_eq!(first["learner_name"], "Ada Lovelace");
    assert_eq!(first["repository_url"], "https://github.com/ada/api");
    assert!(first["deployment_url"].is_null(), "{first}");
    assert_eq!(first["notes"], "First try");
    assert!(first["submitted_at"].is_string(), "{first}");
    assert!(first["withdrawn_at"].is_null(), "{first}");
    assert!(first["claim"].is_null(), "{first}");
    assert!(first["review"].is_null(), "{first}");

    // The reviewer finds it in the queue, claims it and asks for changes.
    let queue = app.queue(&instructor, course.id, "").await;
    queue.assert_status(200);
    let queued: Vec<String> = page_items(&queue.json()).iter().map(id_of).collect();
    assert_eq!(queued, [id_of(&first)], "the queue holds the attempt");
    let claimed = app.claim(&instructor, course.id, &id_of(&first)).await;
    claimed.assert_status(200);
    let claim = &claimed.json()["claim"];
    assert_eq!(claim["reviewer_id"], instructor.id.to_string(), "{claim}");
    assert_eq!(claim["reviewer_name"], "Grace Hopper", "{claim}");
    assert!(claim["expires_at"].is_string(), "{claim}");
    let changes = app
        .review(
            &instructor,
            course.id,
            &id_of(&first),
            Some(&etag(&claimed)),
            &failing_review(),
        )
        .await;
    changes.assert_status(200);
    assert_ne!(etag(&changes), etag(&claimed), "a review is a new version");
    let changes = changes.json();
    assert_eq!(changes["status"], "changes_requested", "{changes}");
    let review = &changes["review"];
    assert_eq!(review["outcome"], "changes_requested", "{review}");
    assert_eq!(review["reviewer_id"], instructor.id.to_string());
    assert_eq!(review["reviewer_name"], "Grace Hopper");
    assert_eq!(
        (&review["points"], &review["max_points"]),
        (&json!(3), &json!(10))
    );
    assert_eq!(review["scores"][0]["criterion"], "Endpoints", "{review}");
    assert_eq!(review["scores"][0]["points"], 3, "{review}");
    assert_eq!(review["scores"][0]["max_points"], 10, "{review}");
    assert_eq!(review["scores"][1]["criterion"], "Tests run in CI");
    assert_eq!(review["scores"][1]["passed"], false, "{review}");
    let progress = app.progress(&learner, course.id).await.json();
    assert_eq!(
        lesson_ids(&progress["completed_lesson_ids"]),
        [lesson],
        "changes requested leave the project incomplete: {progress}"
    );

    // Hand in again: attempt 2, approved.
    let second = app
        .hand_in(
            &learner,
            course.id,
            project,
            &repository("https://github.com/ada/api-v2"),
        )
        .await;
    second.assert_status(201);
    let second = second.json();
    assert_eq!(second["number"], 2, "{second}");
    let approved = app
        .reviewed(&instructor, course.id, &id_of(&second), &passing_review())
        .await;
    assert_eq!(approved["status"], "approved", "{approved}");
    assert_eq!(approved["review"]["outcome"], "approved");
    assert_eq!(approved["review"]["points"], 8, "{approved}");

    // The project lesson is complete, and with it the course.
    let progress = app.progress(&learner, course.id).await.json();
    assert_eq!(progress["percent"], 100, "{progress}");
    assert_eq!(
        lesson_ids(&progress["completed_lesson_ids"]),
        [lesson, project]
    );
    let certificate_id = app.certificate_of(&learner, &course).await;
    let history = app.attempts(&learner, course.id, project, "").await;
    history.assert_status(200);
    let history: Vec<(Value, Value)> = page_items(&history.json())
        .iter()
        .map(|a| (a["number"].clone(), a["status"].clone()))
        .collect();
    assert_eq!(
        history,
        [
            (json!(2), json!("approved")),
            (json!(1), json!("changes_requested"))
        ],
        "the learner's attempts, newest first"
    );

    // The certificate and its signed credential list the project.
    let projects = json!([{"lesson_id": project, "title": course.title_of(project)}]);
    let certificate = app.certificate(&certificate_id).await.json();
    assert_eq!(certificate["projects"], projects, "{certificate}");
    let mine = app.my_certificates(&learner).await.json();
    assert_eq!(mine["items"][0]["projects"], projects, "{mine}");
    let credential = certificate["credential"].as_str().expect("a credential");
    assert_eq!(credential_claims(credential)["projects"], projects);

    // Notifications: both reviews and the certificate, newest first, unread.
    let notifications = app.notifications(&learner, "").await;
    notifications.assert_status(200);
    let notifications = page_items(&notifications.json());
    assert_eq!(notifications.len(), 3, "{notifications:?}");
    let times: Vec<&str> = notifications
        .iter()
        .map(|n| n["created_at"].as_str().unwrap_or_default())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]) && !times[2].is_empty(),
        "newest first: {times:?}"
    );
    assert!(
        notifications.iter().all(|n| n["read"] == false
            && n["course_id"] == course.id.to_string()
            && n["course_title"] == "APIs in practice"),
        "{notifications:?}"
    );
    let reviewed = |attempt: &Value, outcome: &str| {
        notifications.iter().any(|n| {
            n["kind"] == "reviewed"
                && n["attempt_id"] == attempt["id"]
                && n["outcome"] == outcome
                && n["lesson_id"] == project.to_string()
                && n["project_title"] == course.title_of(project)
        })
    };
    assert!(reviewed(&second, "approved"), "{notifications:?}");
    assert!(
        notifications
            .iter()
            .any(|n| n["kind"] == "certificate_issued"
                && n["certificate_id"] == certificate_id.as_str()),
        "{notifications:?}"
    );
    let oldest = &notifications[2];
    assert!(
        reviewed(&first, "changes_requested") && oldest["attempt_id"] == first["id"],
        "the first review is the oldest: {notifications:?}"
    );
    app.read_notification(&learner, &id_of(oldest))
        .await
        .assert_status(204);
    let read: Vec<(String, Value)> = page_items(&app.notifications(&learner, "").await.json())
        .iter()
        .map(|n| (id_of(n), n["read"].clone()))
        .collect();
    let expected: Vec<(String, Value)> = notifications
        .iter()
        .map(|n| (id_of(n), json!(n["id"] == oldest["id"])))
        .collect();
    assert_eq!(read, expected, "only the one marked is read");

    // The portfolio: private by default; made public, it shows the approved project and
    // nothing that identifies the learner's account.
    let private = app.portfolio(&learner).await;
    private.assert_status(200);
    assert_eq!(private.json(), json!({"public": false, "url": null}));
    let public = app.set_portfolio(&learner, true).await;
    public.assert_status(200);
    assert_eq!(public.json()["public"], true, "{}", public.text());
    let id = portfolio_id(&public.json()["url"]);
    assert_eq!(app.portfolio(&learner).await.json(), public.json());
    let page = app.public_portfolio(&id).await;
    page.assert_status(200);
    assert!(
        page.header("cache-control")
            .is_some_and(|c| c.split(',').any(|d| d.trim() == "no-cache")),
        "caches revalidate every time: {:?}",
        page.headers
    );
    assert_eq!(
        page.json(),
        json!({"learner_name": "Ada Lovelace", "projects": [{
            "course_id": course.id, "course_title": "APIs in practice", "lesson_id": project,
            "project_title": course.title_of(project),
            "repository_url": "https://github.com/ada/api-v2", "deployment_url": null,
            "approved_at": approved["review"]["reviewed_at"],
        }]})
    );
    assert!(
        !page.text().contains(&learner.id.to_string()) && !page.text().contains('@'),
        "the public page shows no account id or email: {}",
        page.text()
    );
    app.router
        .get(&format!("/portfolios/{id}"))
        .header("if-none-match", etag(&page))
        .send()
        .await
        .assert_status(304);

    // Made private, the URL is gone at once; public again, a new URL.
    let private = app.set_portfolio(&learner, false).await;
    private.assert_status(200);
    assert_eq!(private.json(), json!({"public": false, "url": null}));
    app.public_portfolio(&id)
        .await
        .assert_problem(404, "not-found");
    let again = app.set_portfolio(&learner, true).await;
    again.assert_status(200);
    let new_id = portfolio_id(&again.json()["url"]);
    assert_ne!(new_id, id, "a new URL");
    app.public_portfolio(&new_id).await.assert_status(200);
    app.public_portfolio(&id)
        .await
        .assert_problem(404, "not-found");
}

#[tokio::test]
async fn a_project_lesson_is_completed_by_a_reviewers_approval_not_by_the_learner() {
    let app = TestApp::spawn().await;
    let (course, instructor, learner) = app.course_with_a_project().await;
    let project = course.lesson(1);

    app.complete(&learner, course.id, project)
        .await
        .assert_problem(409, "conflict");
    app.uncomplete(&learner, course.id, project)
        .await
        .assert_problem(409, "conflict");
    let progress = app.progress(&learner, course.id).await.json();
    assert_eq!(progress["percent"], 0, "{progress}");

    app.approved(&learner, &instructor, &course, project).await;
    app.uncomplete(&learner, course.id, project)
        .await
        .assert_problem(409, "conflict");
    let progress = app.progress(&learner, course.id).await.json();
    assert_eq!(
        lesson_ids(&progress["completed_lesson_ids"]),
        [project],
        "an approved project stays complete: {progress}"
    );
    assert_eq!(app.reported(&course).await, app.recounted(&course).await);
}

#[tokio::test]
async fn work_is_handed_in_only_to_a_project_lesson_of_the_course() {
    let app = TestApp::spawn().await;
    let (course, _, learner) = app.course_with_a_project().await;
    let other = Course::published("Elsewhere", 1, &app.instructor("I").await).with_projects(&[0]);
    app.put_course(&other).await;
    let work = repository("https://github.com/ada/api");

    app.hand_in(&learner, course.id, course.lesson(0), &work)
        .await
        .assert_problem(409, "conflict");
    for lesson in [LessonId::new(), other.lesson(0)] {
        app.hand_in(&learner, course.id, lesson, &work)
            .await
            .assert_problem(404, "not-found");
        app.attempts(&learner, course.id, lesson, "")
            .await
            .assert_problem(404, "not-found");
    }
    app.hand_in(&learner, CourseId::new(), course.lesson(1), &work)
        .await
        .assert_problem(404, "not-found");
    assert!(app.items("attempt").await.is_empty(), "nothing handed in");

    let mine = app
        .attempts(&learner, course.id, course.lesson(1), "")
        .await;
    mine.assert_status(200);
    assert_eq!(mine.json(), json!({"items": [], "next_cursor": null}));
}

#[tokio::test]
async fn one_attempt_waits_at_a_time_and_a_withdrawn_one_can_be_handed_in_again() {
    let app = TestApp::spawn().await;
    let (course, _, learner) = app.course_with_a_project().await;
    let project = course.lesson(1);
    let first = app.handed_in(&learner, &course, project).await;

    let again = repository("https://github.com/ada/api-v2");
    app.hand_in(&learner, course.id, project, &again)
        .await
        .assert_problem(409, "conflict");

    let withdrawn = app
        .withdraw(&learner, course.id, project, &id_of(&first))
        .await;
    withdrawn.assert_status(200);
    let withdrawn = withdrawn.json();
    assert_eq!(withdrawn["status"], "withdrawn", "{withdrawn}");
    assert!(withdrawn["withdrawn_at"].is_string(), "{withdrawn}");
    app.withdraw(&learner, course.id, project, &id_of(&first))
        .await
        .assert_problem(409, "conflict");

    let second = app.handed_in(&learner, &course, project).await;
    assert_eq!(second["number"], 2, "{second}");
    let listed: Vec<(Value, Value)> =
        page_items(&app.attempts(&learner, course.id, project, "").await.json())
            .iter()
            .map(|a| (a["number"].clone(), a["status"].clone()))
            .collect();
    assert_eq!(
        listed,
        [(json!(2), json!("waiting")), (json!(1), json!("withdrawn"))]
    );
    assert_eq!(app.reported(&course).await.waiting_attempts, 1);
    assert_eq!(app.reported(&course).await, app.recounted(&course).await);
}

#[tokio::test]
async fn an_approved_project_takes_no_more_hand_ins() {
    let app = TestApp::spawn().await;
    let (course, instructor, learner) = app.course_with_a_project().await;
    let project = course.lesson(1);
    app.approved(&learner, &instructor, &course, project).await;

    let again = repository("https://github.com/ada/api-v2");
    app.hand_in(&learner, course.id, project, &again)
        .await
        .assert_problem(409, "conflict");
    assert_eq!(app.attempt_items(&course).await.len(), 1, "nothing stored");
}

#[tokio::test]
async fn handing_in_needs_an_active_enrollment_and_a_verified_address() {
    let app = TestApp::spawn().await;
    let (course, _, enrolled) = app.course_with_a_project().await;
    let project = course.lesson(1);
    let work = repository("https://github.com/ada/api");

    let stranger = app.learner("Never enrolled").await;
    app.hand_in(&stranger, course.id, project, &work)
        .await
        .assert_problem(403, "forbidden");
    app.unenroll(&enrolled, course.id).await.assert_status(204);
    app.hand_in(&enrolled, course.id, project, &work)
        .await
        .assert_problem(403, "forbidden");
    let unverified = app.account(Role::Learner, "Unverified", false).await;
    app.hand_in(&unverified, course.id, project, &work)
        .await
        .assert_problem(403, "email-unverified");
    assert!(app.items("attempt").await.is_empty(), "nothing handed in");

    // The premise: the same work from an enrolled learner is taken.
    app.enrolled_with(&enrolled, &course, &[]).await;
    app.hand_in(&enrolled, course.id, project, &work)
        .await
        .assert_status(201);
}

#[tokio::test]
async fn a_hand_in_with_an_unsafe_url_or_too_long_notes_is_refused_naming_the_field_and_nothing_is_stored()
 {
    let app = TestApp::spawn().await;
    let (course, _, learner) = app.course_with_a_project().await;
    let project = course.lesson(1);
    let good = "https://github.com/ada/api";
    let long_url = format!("https://github.com/ada/{}", "a".repeat(2048));
    // 5001 characters, 10002 bytes: the limit is in bytes.
    let long_notes = "é".repeat(5_001);

    for (body, field) in [
        (repository("javascript:alert(1)"), "repository_url"),
        (repository("http://github.com/ada/api"), "repository_url"),
        (repository("file:///etc/passwd"), "repository_url"),
        (
            repository("https://user:pass@github.com/x"),
            "repository_url",
        ),
        (repository(&long_url), "repository_url"),
        (repository("not a url"), "repository_url"),
        (json!({}), "repository_url"),
        (json!({"repository_url": null}), "repository_url"),
        (
            json!({"repository_url": good, "deployment_url": "http://api.ada.dev"}),
            "deployment_url",
        ),
        (
            json!({"repository_url": good, "notes": long_notes}),
            "notes",
        ),
        // The URLs may be null (the document says so); the notes are left out, not null.
        (json!({"repository_url": good, "notes": null}), "notes"),
    ] {
        let refused = app.hand_in(&learner, course.id, project, &body).await;
        refused.assert_problem(422, "validation-failed");
        assert_eq!(
            refused.json()["errors"][0]["field"],
            field,
            "{}",
            refused.text()
        );
    }
    app.hand_in(
        &learner,
        course.id,
        project,
        &json!({"repository_url": good, "grade": "A"}),
    )
    .await
    .assert_problem(422, "validation-failed");
    assert!(app.items("attempt").await.is_empty(), "nothing stored");
    let listed = app.attempts(&learner, course.id, project, "").await.json();
    assert_eq!(listed["items"], json!([]), "{listed}");

    // At the limits, the same fields are taken.
    let at_limit = format!("https://github.com/{}", "a".repeat(2048 - 19));
    assert_eq!(at_limit.len(), 2048);
    let taken = app
        .hand_in(
            &learner,
            course.id,
            project,
            &json!({"repository_url": at_limit, "deployment_url": null, "notes": "é".repeat(5_000)}),
        )
        .await;
    taken.assert_status(201);
    assert_eq!(taken.json()["repository_url"], at_limit);
}

#[tokio::test]
async fn a_project_that_asks_for_a_repository_and_a_deployment_needs_both() {
    let app = TestApp::spawn().await;
    let instructor = app.instructor("I").await;
    let course = Course::published("Deployed APIs", 1, &instructor)
        .with_project(0, HandIn::RepositoryAndDeployment);
    app.put_course(&course).await;
    let learner = app.learner("Shipper").await;
    app.enrolled_with(&learner, &course, &[]).await;
    let project = course.lesson(0);
    let (repository_url, deployment_url) =
        ("https://github.com/ada/api", "https://api.ada.dev/health");

    for (body, field) in [
        (json!({"repository_url": repository_url}), "deployment_url"),
        (json!({"deployment_url": deployment_url}), "repository_url"),
    ] {
        let refused = app.hand_in(&learner, course.id, project, &body).await;
        refused.assert_problem(422, "validation-failed");
        assert_eq!(refused.json()["errors"][0]["field"], field, "{body}");
    }
    assert!(app.items("attempt").await.is_empty(), "nothing stored");

    let both = json!({"repository_url": repository_url, "deployment_url": deployment_url});
    let taken = app.hand_in(&learner, course.id, project, &both).await;
    taken.assert_status(201);
    assert_eq!(taken.json()["deployment_url"], deployment_url);
    assert_eq!(taken.json()["notes"], "", "notes default to empty");
}

#[tokio::test]
async fn a_learner_never_reaches_another_learners_attempts_notifications_or_private_portfolio() {
    // Arrange: A's attempt reviewed (A has a notification), A's portfolio public then private.
    let app = TestApp::spawn().await;
    let (course, instructor, a) = app.course_with_a_project().await;
    let project = course.lesson(1);
    let b = app.learner("Bob").await;
    app.enrolled_with(&b, &course, &[]).await;
    let reviewed = app.handed_in(&a, &course, project).await;
    app.reviewed(&instructor, course.id, &id_of(&reviewed), &failing_review())
        .await;
    let waiting = app.handed_in(&a, &course, project).await;
    let notification = id_of(&page_items(&app.notifications(&a, "").await.json())[0]);
    let url = app.set_portfolio(&a, true).await.json()["url"].clone();
    let portfolio = portfolio_id(&url);
    app.public_portfolio(&portfolio).await.assert_status(200);
    app.set_portfolio(&a, false).await.assert_status(200);

    // B's views hold none of A's records.
    let listed = app.attempts(&b, course.id, project, "").await;
    listed.assert_status(200);
    assert_eq!(listed.json()["items"], json!([]), "{}", listed.text());
    let notifications = app.notifications(&b, "").await;
    notifications.assert_status(200);
    assert_eq!(notifications.json()["items"], json!([]));
    assert_eq!(
        app.portfolio(&b).await.json(),
        json!({"public": false, "url": null})
    );

    // B cannot change A's records.
    app.withdraw(&b, course.id, project, &id_of(&waiting))
        .await
        .assert_problem(404, "not-found");
    app.read_notification(&b, &notification)
        .await
        .assert_problem(404, "not-found");
    let mine = page_items(&app.attempts(&a, course.id, project, "").await.json());
    assert_eq!(mine[0]["status"], "waiting", "A's attempt still waits");
    let unread = page_items(&app.notifications(&a, "").await.json());
    assert_eq!(unread[0]["read"], false, "A's notification is still unread");

    // A private portfolio is not found, for anyone.
    app.public_portfolio(&portfolio)
        .await
        .assert_problem(404, "not-found");
    app.router
        .get(&format!("/portfolios/{portfolio}"))
        .bearer(&a.token)
        .send()
        .await
        .assert_problem(404, "not-found");
    for unknown in ["0123456789abcdef0123456789abcdef", "not-a-portfolio"] {
        app.public_portfolio(unknown)
            .await
            .assert_problem(404, "not-found");
    }
}

#[tokio::test]
async fn a_project_removed_from_the_outline_keeps_its_attempts_and_stops_counting() {
    // Arrange: [lesson, project, project]; the first project approved, the second waiting.
    let app = TestApp::spawn().await;
    let instructor = app.instructor("I").await;
    let mut course = Course::published("Changing course", 3, &instructor).with_projects(&[1, 2]);
    app.put_course(&course).await;
    let learner = app.learner("Steady").await;
    app.enrolled_with(&learner, &course, &[]).await;
    let [lesson, approved, waiting] = course.lessons()[..] else {
        unreachable!("three lessons")
    };
    app.approved(&learner, &instructor, &course, approved).await;
    app.handed_in(&learner, &course, waiting).await;
    assert_eq!(
        app.progress(&learner, course.id).await.json()["percent"],
        33
    );

    // Act: the approved project is removed from the outline.
    course.modules = vec![vec![lesson, waiting]];
    app.put_course(&course).await;

    // Assert: it stops counting, and its attempt is kept.
    let progress = app.progress(&learner, course.id).await.json();
    assert_eq!(progress["percent"], 0, "{progress}");
    assert_eq!(progress["total_lessons"], 2, "{progress}");
    assert_eq!(
        lesson_ids(&progress["completed_lesson_ids"]),
        Vec::<LessonId>::new()
    );
    app.attempts(&learner, course.id, approved, "")
        .await
        .assert_problem(404, "not-found");
    let kept: Vec<String> = app
        .attempt_items(&course)
        .await
        .iter()
        .filter(|a| a["lesson_id"].as_s().ok() == Some(&approved.to_string()))
        .map(|a| a["status"].as_s().cloned().unwrap_or_default())
        .collect();
    assert_eq!(kept, ["approved"], "the approved attempt is kept");
    let reported = app.reported(&course).await;
    assert_eq!(reported.lesson_completions.len(), 2, "{reported:?}");
    assert_eq!(reported.waiting_attempts, 1, "{reported:?}");
    assert_eq!(reported, app.recounted(&course).await);

    // Back in the outline, its approval counts again.
    course.modules = vec![vec![lesson, approved, waiting]];
    app.put_course(&course).await;
    let progress = app.progress(&learner, course.id).await.json();
    assert_eq!(progress["percent"], 33, "{progress}");
    assert_eq!(lesson_ids(&progress["completed_lesson_ids"]), [approved]);
}

#[tokio::test]
async fn course_statistics_count_waiting_attempts_and_the_median_time_to_review() {
    // Arrange: a clock the test moves.
    let clock = movable_clock();
    let app = TestApp::spawn_at(clock.clone()).await;
    let (course, instructor, learner) = app.course_with_a_project().await;
    let stats = app.stats(&instructor, course.id).await.json();
    assert_eq!(stats["waiting_attempts"], 0, "{stats}");
    assert!(
        stats["median_minutes_to_review"].is_null(),
        "no review yet: {stats}"
    );

    // Act: handed in, then reviewed 90 minutes later.
    let attempt = app.handed_in(&learner, &course, course.lesson(1)).await;
    let waiting = app.stats(&instructor, course.id).await.json();
    clock.advance(std::time::Duration::from_secs(90 * 60));
    app.reviewed(&instructor, course.id, &id_of(&attempt), &failing_review())
        .await;

    // Assert
    assert_eq!(waiting["waiting_attempts"], 1, "{waiting}");
    assert!(waiting["median_minutes_to_review"].is_null(), "{waiting}");
    let stats = app.stats(&instructor, course.id).await.json();
    assert_eq!(stats["waiting_attempts"], 0, "{stats}");
    assert_eq!(
        stats["median_minutes_to_review"], 128,
        "90 minutes fall in the bucket up to 128: {stats}"
    );
    assert_eq!(app.reported(&course).await, app.recounted(&course).await);
}
