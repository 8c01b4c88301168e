//! Whether an address has an account is not told by the requests that ask about it: a password
//! reset, the verification mail again, a registration and a failed login make the same DynamoDB
//! requests and post the same one job to the mail queue for an address with an account as for
//! one without, and none of them sends mail itself. Counted at the proxy and on the queue, not
//! timed: the gap timing showed (the known address's account read, its token's write, the wait
//! for the mail service) is what these requests no longer do.

use auth_tests::{PASSWORD, TestApp, auth_env};
use serde_json::json;
use testkit::TestResponse;
use testkit::proxy::DynamoProxy;

/// The jobs waiting on the app's mail queue.
async fn queued(app: &TestApp) -> usize {
    let attributes = testkit::tables::sqs_client()
        .await
        .get_queue_attributes()
        .queue_url(&app.tables.mail_queue)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .expect("the queue's attributes are read");
    attributes
        .attributes()
        .and_then(|all| {
            all.get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        })
        .and_then(|count| count.parse().ok())
        .expect("a message count")
}

/// What one request showed an observer: its status, its DynamoDB requests (sorted: some run
/// concurrently) and the jobs it posted.
async fn observed(
    app: &TestApp,
    proxy: &DynamoProxy,
    request: impl Future<Output = TestResponse>,
) -> (u16, Vec<String>, usize) {
    proxy.clear_operations();
    let before = queued(app).await;
    let status = request.await.status.as_u16();
    let mut operations = proxy.operations();
    operations.sort();
    (status, operations, queued(app).await - before)
}

#[tokio::test]
async fn an_address_with_an_account_and_one_without_cost_the_same_requests_and_mail_waits_for_the_sender()
 {
    let tables = testkit::create_tables(&testkit::dynamo_client().await).await;
    let proxy = DynamoProxy::start().await;
    let app = TestApp::on(tables.clone(), auth_env(&tables, &proxy.endpoint())).await;
    let known = "known@example.org";
    let unknown = "unknown@example.org";
    assert_eq!(app.register(known, PASSWORD, "Known").await.status, 201);
    let welcomed = app.mail().await.all().len();

    for (name, path) in [
        ("password reset", "/auth/password/forgot"),
        ("verification again", "/auth/email/verify/resend"),
    ] {
        let (known_body, unknown_body) = (json!({"email": known}), json!({"email": unknown}));
        let with_account = observed(&app, &proxy, app.post_json(path, &known_body)).await;
        let without = observed(&app, &proxy, app.post_json(path, &unknown_body)).await;
        assert_eq!(with_account, without, "{name}: known vs unknown address");
        assert_eq!(with_account.2, 1, "{name}: one job posted");
    }
    let wrong = "not the password at all";
    let with_account = observed(&app, &proxy, app.login(known, wrong)).await;
    let without = observed(&app, &proxy, app.login(unknown, wrong)).await;
    assert_eq!(
        with_account, without,
        "failed login: known vs unknown address"
    );
    assert_eq!(with_account.0, 401);

    let taken = observed(&app, &proxy, app.register(known, PASSWORD, "Someone")).await;
    // A lookalike: Cyrillic о (U+043E) for the Latin o.
    let lookalike = "kn\u{43e}wn@example.org";
    let lookalike = observed(&app, &proxy, app.register(lookalike, PASSWORD, "Someone")).await;
    let free = "free@example.org";
    let free = observed(&app, &proxy, app.register(free, PASSWORD, "Someone")).await;
    assert_eq!(taken, free, "register: a taken address vs a free one");
    assert_eq!(
        lookalike, free,
        "register: a lookalike of a taken address vs a free one"
    );

    // Which letters go out is the sender's decision, made off the request path.
    let mail = app.mail().await;
    let subjects = |email: &str| -> Vec<String> {
        mail.to(email)
            .into_iter()
            .map(|letter| letter.subject)
            .collect()
    };
    assert_eq!(mail.all().len() - welcomed, 5, "{:#?}", mail.all());
    assert_eq!(
        subjects(known)[welcomed..],
        [
            "Reset your skillpath password",
            "Confirm your email address for skillpath",
            "Your skillpath account",
            "Your skillpath account",
        ],
        "the known address: its reset link, its verification link, two notes of registrations"
    );
    assert!(
        subjects(unknown).is_empty(),
        "nothing to the unknown address"
    );
    assert_eq!(
        subjects("free@example.org"),
        ["Confirm your email address for skillpath"]
    );
}
