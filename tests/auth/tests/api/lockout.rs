//! Brute force: failed logins lock an address with growing back-off, whether or not it has an
//! account; forgot-password is limited per address; no answer tells which addresses exist.

use std::time::Duration;

use auth_tests::{PASSWORD, TestApp};
use testkit::TestResponse;

/// The first lockout in these tests, in seconds (the default is 1 s; another value shows
/// that `LOGIN_LOCKOUT_BASE_MS` sets it).
const LOCKOUT_SECONDS: u64 = 2;

async fn app_with_lockout() -> TestApp {
    let base_ms = (LOCKOUT_SECONDS * 1000).to_string();
    TestApp::spawn_with(&[("LOGIN_LOCKOUT_BASE_MS", &base_ms)]).await
}

fn retry_after(response: &TestResponse) -> u64 {
    response
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("a 429 says when to retry: {:?}", response.headers))
}

#[tokio::test]
async fn five_failed_logins_lock_the_account_even_for_the_right_password_until_the_window_ends() {
    let app = app_with_lockout().await;
    app.register("target@example.org", PASSWORD, "Target")
        .await
        .assert_status(201);

    for attempt in 1..=5 {
        let response = app.login("target@example.org", "guess number one").await;
        assert_eq!(
            response.status,
            401,
            "attempt {attempt} is free: {}",
            response.text()
        );
    }
    let locked = app.login("target@example.org", "guess number six").await;
    locked.assert_problem(429, "rate-limited");
    let wait = retry_after(&locked);
    assert_eq!(
        wait, LOCKOUT_SECONDS,
        "Retry-After is the whole first lockout"
    );

    let right_but_locked = app.login("target@example.org", PASSWORD).await;
    right_but_locked.assert_problem(429, "rate-limited");

    app.clock
        .advance(Duration::from_secs(wait) - Duration::from_millis(1));
    app.login("target@example.org", PASSWORD)
        .await
        .assert_problem(429, "rate-limited");
    app.clock.advance(Duration::from_millis(1));
    app.login("target@example.org", PASSWORD)
        .await
        .assert_status(200);
}

#[tokio::test]
async fn each_further_failure_doubles_the_lockout_and_a_success_resets_the_count() {
    let app = app_with_lockout().await;
    app.register("doubling@example.org", PASSWORD, "Doubling")
        .await
        .assert_status(201);
    for _ in 0..5 {
        app.login("doubling@example.org", "wrong password!").await;
    }
    let first = retry_after(&app.login("doubling@example.org", "x").await);
    assert_eq!(first, LOCKOUT_SECONDS);
    app.clock.advance(Duration::from_secs(first));
    app.login("doubling@example.org", "still wrong!!")
        .await
        .assert_problem(401, "invalid-credentials");
    let second = retry_after(&app.login("doubling@example.org", "x").await);
    assert_eq!(
        second,
        2 * first,
        "the sixth failure locks twice as long as the fifth ({first} s)"
    );
    app.clock.advance(Duration::from_secs(second));
    app.login("doubling@example.org", PASSWORD)
        .await
        .assert_status(200);

    // The success forgot the failures: four more are free again.
    for _ in 0..4 {
        app.login("doubling@example.org", "wrong password!")
            .await
            .assert_problem(401, "invalid-credentials");
    }
    app.login("doubling@example.org", PASSWORD)
        .await
        .assert_status(200);
}

#[tokio::test]
async fn unknown_and_known_addresses_get_the_same_answers_including_the_lockout() {
    let app = app_with_lockout().await;
    app.register("known@example.org", PASSWORD, "Known")
        .await
        .assert_status(201);

    for attempt in 1..=6 {
        let known = app.login("known@example.org", "a wrong password").await;
        let unknown = app.login("unknown@example.org", "a wrong password").await;
        assert_eq!(known.status, unknown.status, "attempt {attempt}");
        assert_eq!(known.body, unknown.body, "attempt {attempt}");
        assert_eq!(
            known.header("retry-after").is_some(),
            unknown.header("retry-after").is_some()
        );
    }
}

#[tokio::test]
async fn parallel_guesses_cannot_slip_past_the_lockout() {
    // Every guess's password is hashed before it is answered (or told to wait): a round of 30
    // can take longer than a short lockout on a busy machine, and a lockout that ended lets
    // the next failure be checked, as it should. This lockout outlasts the rounds.
    let app = TestApp::spawn_with(&[("LOGIN_LOCKOUT_BASE_MS", "120000")]).await;
    app.register("parallel@example.org", PASSWORD, "Parallel")
        .await
        .assert_status(201);
    // Rounds of 30 parallel guesses, until a round has no password checked: each round that
    // is not locked out records at least one attempt, so the rounds end at the lockout.
    let mut checked = 0;
    for round in 1..=10 {
        let mut guesses = tokio::task::JoinSet::new();
        for i in 0..30 {
            let app = app.clone();
            guesses.spawn(async move {
                app.login(
                    "parallel@example.org",
                    &format!("guess {i} of round {round}"),
                )
                .await
                .status
                .as_u16()
            });
        }
        let mut checked_now = 0;
        while let Some(status) = guesses.join_next().await {
            match status.expect("a guess task") {
                401 => checked_now += 1,
                429 => {}
                other => panic!("a guess got {other}"),
            }
        }
        checked += checked_now;
        if checked_now == 0 {
            break;
        }
    }
    assert_eq!(
        checked, 5,
        "{checked} parallel guesses had their password checked before the lockout; exactly \
         the 5 free failures may be"
    );
}

#[tokio::test]
async fn forgot_password_answers_alike_for_every_address_and_is_limited_per_address() {
    let app = TestApp::spawn().await;
    app.register("forgetful@example.org", PASSWORD, "Forgetful")
        .await
        .assert_status(201);

    for _ in 0..3 {
        let known = app.forgot_password("forgetful@example.org").await;
        let unknown = app.forgot_password("nobody@example.org").await;
        known.assert_status(202);
        unknown.assert_status(202);
        assert_eq!(known.body, unknown.body);
    }
    let resets = app
        .mail()
        .await
        .to("forgetful@example.org")
        .iter()
        .filter(|m| m.text.contains("/reset-password#token="))
        .count();
    assert_eq!(resets, 3);
    assert!(app.mail().await.to("nobody@example.org").is_empty());

    for email in ["forgetful@example.org", "nobody@example.org"] {
        let limited = app.forgot_password(email).await;
        limited.assert_problem(429, "rate-limited");
        assert!(retry_after(&limited) > 3000, "the window is an hour");
    }
    assert_eq!(
        app.mail().await.to("forgetful@example.org").len(),
        4,
        "no mail past the limit"
    );
}
