//! auth's mail sender: delivers the mail the `auth` function orders (see `auth::outbox`).
//!
//! In Lambda the mail queue invokes it with batches of jobs and it answers the ones that
//! failed, for SQS to deliver again (and, after a few tries, to its dead-letter queue). The
//! local stack runs it as `mail-sender --poll`: the same code, reading the queue at
//! `MAIL_QUEUE_URL` itself, one batch after another; a failed job waits on the queue for its
//! visibility timeout, as in AWS.

use auth::config::SenderConfig;
use auth::outbox::{MailQueue, MailSender, SqsEvent};
use lambda_runtime::{LambdaEvent, service_fn};
use shared::clock::Clock;
use shared::config::Env;

// One thread: Lambda hands an instance one request at a time, and a multi-threaded runtime
// would start a worker per vCPU at every cold start for nothing (BENCHMARKS.md: init).
// Argon2 still runs off it, on tokio's blocking pool.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    let env = Env::from_process();
    shared::telemetry::init(&env);
    let config = SenderConfig::from_env(&env).inspect_err(|error| {
        tracing::error!(%error, "the configuration is invalid; not starting");
    })?;
    let sdk = shared::dynamo::sdk_config(&env)?;
    let queue = config.mail_queue.clone();
    let sender = MailSender::from_config(config, &sdk);
    let clock = Clock::system();
    if std::env::args().nth(1).as_deref() == Some("--poll") {
        let queue = queue.ok_or("--poll reads the queue at MAIL_QUEUE_URL: set it")?;
        poll(&sender, &MailQueue::new(&sdk, &queue), &clock).await;
        return Ok(());
    }
    let (sender, clock) = (&sender, &clock);
    lambda_runtime::run(service_fn(|event: LambdaEvent<SqsEvent>| async move {
        Ok::<_, lambda_runtime::Error>(sender.deliver_batch(event.payload, clock.now()).await)
    }))
    .await
}

/// Delivers the queue's jobs as they come, for ever; each delivered job is deleted.
async fn poll(sender: &MailSender, queue: &MailQueue, clock: &Clock) {
    let (sqs, url) = queue.parts();
    tracing::info!(
        queue = url,
        "delivering the mail queue's jobs (local stack)"
    );
    loop {
        let received = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await;
        let messages = match received {
            Ok(received) => received.messages.unwrap_or_default(),
            Err(error) => {
                tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(&error), "the mail queue cannot be read; trying again");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                continue;
            }
        };
        for message in messages {
            let body = message.body().unwrap_or_default();
            if let Err(error) = sender.deliver(body, clock.now()).await {
                tracing::error!(
                    error = format!("{error:#}"),
                    "a mail job failed; it stays on the queue"
                );
                continue;
            }
            let handle = message.receipt_handle().unwrap_or_default();
            if let Err(error) = sqs
                .delete_message()
                .queue_url(url)
                .receipt_handle(handle)
                .send()
                .await
            {
                tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(&error), "a delivered job stays on the queue");
            }
        }
    }
}
