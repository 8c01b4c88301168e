//! Mail ordered on the request path and sent off it, through an SQS queue.
//!
//! Registering, asking for a password reset and asking for the verification mail again answer
//! alike, after the same DynamoDB requests, whether or not the address has an account: all they
//! do about mail is post a [`MailJob`] that names the address. Whether a letter goes out, and
//! which, the [`MailSender`] decides off the request path (`src/bin/mail-sender.rs`: triggered
//! by the queue in AWS, polling it locally): it reads the account, makes the link's token,
//! stores its hash and sends the letter. A job holds no secret: a token exists only in the
//! letter and, hashed, in the table. A job that fails is received again (SQS retries it, then
//! moves it to the dead-letter queue, whose alarm pages).

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use shared::clock::Timestamp;
use shared::identity::UserId;
use shared::sdk::OnFirstUse;

use crate::config::{Lifetimes, QueueSettings};
use crate::email::Email;
use crate::mail::{Letters, Mail, Mailer};
use crate::secret::OpaqueToken;
use crate::store::{EmailTokenRecord, MailRequest, Store, StoredUser};

/// What the request path asks the sender to do, as it travels on the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MailJob {
    /// `email` was registered; `account` is the account the registration made, had the address
    /// been free. Its owner is asked to confirm it, or told of the attempt.
    Registered { email: String, account: UserId },
    /// A password-reset link for `email`'s account, if it has an enabled one.
    PasswordReset { email: String },
    /// The verification link again, if `email`'s account is enabled and not verified.
    Verification { email: String },
}

impl MailJob {
    /// The address the job is about (checked when it was posted).
    fn email(&self) -> Email {
        match self {
            Self::Registered { email, .. }
            | Self::PasswordReset { email }
            | Self::Verification { email } => Email::from_stored(email.clone()),
        }
    }
}

/// Where the request path posts jobs. Its SQS client is built when the first job is posted:
/// most requests post no mail.
#[derive(Debug, Clone)]
pub struct MailQueue {
    client: OnFirstUse<aws_sdk_sqs::Client>,
    endpoint: Option<String>,
    url: String,
}

impl MailQueue {
    /// The queue at `settings.url`, with a short timeout: a slow SQS must not hold a request.
    pub fn new(sdk: &aws_types::SdkConfig, settings: &QueueSettings) -> Self {
        Self {
            client: OnFirstUse::new(sdk),
            endpoint: settings.endpoint.clone(),
            url: settings.url.clone(),
        }
    }

    fn client(&self) -> &aws_sdk_sqs::Client {
        self.client.get(|sdk| {
            let timeouts = aws_sdk_sqs::config::timeout::TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(2))
                .build();
            let mut config = aws_sdk_sqs::config::Builder::from(sdk).timeout_config(timeouts);
            if let Some(endpoint) = &self.endpoint {
                config = config.endpoint_url(endpoint);
            }
            aws_sdk_sqs::Client::from_conf(config.build())
        })
    }

    /// The SQS client and the queue's URL (the local poller reads the same queue).
    pub fn parts(&self) -> (&aws_sdk_sqs::Client, &str) {
        (self.client(), &self.url)
    }

    /// Posts `job`.
    ///
    /// # Errors
    /// When SQS did not take it.
    pub async fn post(&self, job: &MailJob) -> anyhow::Result<()> {
        self.client()
            .send_message()
            .queue_url(&self.url)
            .message_body(serde_json::to_string(job)?)
            .send()
            .await
            .map_err(|e| anyhow::Error::new(e).context("SQS SendMessage"))?;
        Ok(())
    }
}

/// The event SQS invokes the mail sender with (the fields it reads).
#[derive(Debug, Deserialize)]
pub struct SqsEvent {
    #[serde(rename = "Records")]
    pub records: Vec<SqsMessage>,
}

/// One message of an [`SqsEvent`].
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SqsMessage {
    pub message_id: String,
    pub body: String,
}

/// The answer to an [`SqsEvent`]: the messages to receive again (`ReportBatchItemFailures`);
/// SQS deletes the others.
#[derive(Debug, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct BatchResponse {
    pub batch_item_failures: Vec<BatchItemFailure>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct BatchItemFailure {
    pub item_identifier: String,
}

/// Sends the letters that jobs ask for.
#[derive(Debug, Clone)]
pub struct MailSender {
    store: Store,
    mailer: Arc<dyn Mailer>,
    letters: Letters,
    lifetimes: Lifetimes,
}

impl MailSender {
    pub fn new(
        store: Store,
        mailer: Arc<dyn Mailer>,
        letters: Letters,
        lifetimes: Lifetimes,
    ) -> Self {
        Self {
            store,
            mailer,
            letters,
            lifetimes,
        }
    }

    /// The same sender delivering through `mailer` (tests read their mail this way).
    #[must_use]
    pub fn with_mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = mailer;
        self
    }

    /// Delivers each job of `event`; those that failed are answered for SQS to try again.
    pub async fn deliver_batch(&self, event: SqsEvent, now: Timestamp) -> BatchResponse {
        let mut response = BatchResponse::default();
        for message in event.records {
            if let Err(error) = self.deliver(&message.body, now).await {
                tracing::error!(
                    error = format!("{error:#}"),
                    message = message.message_id,
                    "a mail job failed; SQS will deliver it again"
                );
                response.batch_item_failures.push(BatchItemFailure {
                    item_identifier: message.message_id,
                });
            }
        }
        response
    }

    /// Sends what the job (a queue message's body) asks for, if anything. A job that cannot be
    /// read is logged and dropped: receiving it again would not help.
    ///
    /// # Errors
    /// When DynamoDB or the mail service failed: the job should be tried again.
    pub async fn deliver(&self, body: &str, now: Timestamp) -> anyhow::Result<()> {
        let job: MailJob = match serde_json::from_str(body) {
            Ok(job) => job,
            Err(error) => {
                tracing::error!(%error, "a mail job that cannot be read; dropped");
                return Ok(());
            }
        };
        let Some((mail, what)) = self.letter(&job, now).await? else {
            return Ok(());
        };
        self.mailer.send(&mail).await?;
        tracing::info!(mail = what, "mail sent");
        Ok(())
    }

    /// The letter `job` asks for, and its name for the log; `None` when there is none to send.
    async fn letter(
        &self,
        job: &MailJob,
        now: Timestamp,
    ) -> anyhow::Result<Option<(Mail, &'static str)>> {
        let email = job.email();
        let owner = match self.store.address(&email, now).await?.owner {
            Some(id) => self.store.user(id).await?,
            None => None,
        };
        let unverified = |user: &StoredUser| !user.account.disabled && !user.account.email_verified;
        Ok(match (job, owner) {
            (MailJob::PasswordReset { .. }, Some(user)) if !user.account.disabled => {
                let lifetime = self.lifetimes.password_reset;
                let token = self
                    .link(MailRequest::PasswordReset, &user, lifetime, now)
                    .await?;
                let mail =
                    self.letters
                        .reset_password(&email, &user.account.name, &token, lifetime);
                Some((mail, "reset_password"))
            }
            (MailJob::Registered { account, .. }, Some(user)) if user.account.id != *account => {
                tracing::info!("registration of an address that has an account; owner notified");
                Some((
                    self.letters.already_registered(&email),
                    "already_registered",
                ))
            }
            (MailJob::Registered { .. } | MailJob::Verification { .. }, Some(user))
                if unverified(&user) =>
            {
                let lifetime = self.lifetimes.email_verification;
                let token = self
                    .link(MailRequest::Verification, &user, lifetime, now)
                    .await?;
                let mail = self
                    .letters
                    .verify_email(&email, &user.account.name, &token, lifetime);
                Some((mail, "verify_email"))
            }
            (MailJob::Registered { .. }, None) => match self.store.skeleton_owner(&email).await? {
                Some((_, owner)) => {
                    tracing::info!(
                        "registration of an address that looks like one that has an account; \
                         owner notified"
                    );
                    Some((
                        self.letters.already_registered(&owner),
                        "already_registered",
                    ))
                }
                None => {
                    tracing::warn!("a registration job for an address nobody holds; nothing sent");
                    None
                }
            },
            _ => {
                tracing::info!("a mail job for no account that wants it; nothing sent");
                None
            }
        })
    }

    /// A new link token of `kind` for `user`, valid for `lifetime`, stored (hashed) first.
    async fn link(
        &self,
        kind: MailRequest,
        user: &StoredUser,
        lifetime: Duration,
        now: Timestamp,
    ) -> anyhow::Result<OpaqueToken> {
        let token = OpaqueToken::generate()?;
        let record = EmailTokenRecord {
            user: user.account.id,
            email: user.account.email.clone(),
            session_epoch: user.session_epoch,
            expires_at: now.plus(lifetime),
        };
        self.store
            .store_email_token(kind, &token.hash(), &record)
            .await?;
        Ok(token)
    }
}
