//! The `auth` function under test: a fresh set of tables and mail queue, its router configured
//! exactly as `Config::from_env` reads it in Lambda, its mail sender draining the queue into
//! captured mail instead of sending it, a clock the test moves, and a helper per endpoint.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use auth::config::SenderConfig;
use auth::mail::{Mail, Mailer, Sending};
use auth::outbox::MailSender;
use serde_json::{Value, json};
use shared::clock::Clock;
use shared::config::Env;
use shared::identity::{Role, UserId};
use testkit::{Tables, TestResponse, TestRouter};

/// A password that meets the rules, for tests that do not care which.
pub const PASSWORD: &str = "correct horse battery staple";

/// Keeps every message instead of sending it, so tests can read the links.
#[derive(Debug, Clone, Default)]
pub struct CapturedMail {
    mails: Arc<Mutex<Vec<Mail>>>,
}

impl Mailer for CapturedMail {
    fn send<'a>(&'a self, mail: &'a Mail) -> Sending<'a> {
        self.mails
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(mail.clone());
        Box::pin(async { Ok(()) })
    }
}

impl CapturedMail {
    /// Every message sent to `email`, oldest first.
    pub fn to(&self, email: &str) -> Vec<Mail> {
        self.mails
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|mail| mail.to.as_str() == email)
            .cloned()
            .collect()
    }

    /// Every message sent so far.
    pub fn all(&self) -> Vec<Mail> {
        self.mails
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The token of the newest link to `path` (e.g. `/reset-password`) mailed to `email`.
    ///
    /// # Panics
    /// When no such link was mailed.
    pub fn token(&self, email: &str, path: &str) -> String {
        let marker = format!("{path}#token=");
        self.to(email)
            .iter()
            .rev()
            .find_map(|mail| {
                let start = mail.text.find(&marker)? + marker.len();
                let token: String = mail.text[start..]
                    .chars()
                    .take_while(|c| !c.is_whitespace())
                    .collect();
                Some(token)
            })
            .unwrap_or_else(|| panic!("no {path} link was mailed to {email}"))
    }
}

/// `auth` on fresh tables.
#[derive(Debug, Clone)]
pub struct TestApp {
    pub router: TestRouter,
    pub tables: Tables,
    /// What the mail sender sent so far: see [`TestApp::mail`].
    captured: CapturedMail,
    /// The function's clock: it starts at the real time (access tokens are checked against
    /// it) and moves a microsecond per reading; tests advance it instead of sleeping.
    pub clock: Clock,
    /// The environment the function was configured from.
    pub env: Env,
}

/// The test environment of `auth` on `tables` (DynamoDB at `endpoint`).
///
/// Its DynamoDB attempts may take 5 s, not 800 ms: the emulator on a busy machine can be that
/// slow, and an attempt that timed out after its write landed would be tried again and meet
/// its own write in its condition (a login's count of failures), which the tests would read
/// as another attempt in flight.
pub fn auth_env(tables: &Tables, endpoint: &str) -> Env {
    testkit::env::function_env("auth", tables, endpoint)
        .with("DYNAMODB_ATTEMPT_TIMEOUT_MS", "5000")
        .with("DYNAMODB_OPERATION_TIMEOUT_MS", "5500")
}

impl TestApp {
    /// `auth` as configured for tests.
    pub async fn spawn() -> Self {
        Self::spawn_with(&[]).await
    }

    /// `auth` with some variables of its environment changed.
    ///
    /// # Panics
    /// When the configuration or the state cannot be built.
    pub async fn spawn_with(overrides: &[(&str, &str)]) -> Self {
        let tables = testkit::create_tables(&testkit::dynamo_client().await).await;
        let mut env = auth_env(&tables, &testkit::emulator_endpoint());
        for (name, value) in overrides {
            env = env.with(*name, *value);
        }
        Self::on(tables, env).await
    }

    /// `auth` configured from `env`, on `tables`.
    ///
    /// # Panics
    /// When the configuration or the state cannot be built.
    pub async fn on(tables: Tables, env: Env) -> Self {
        let config = auth::Config::from_env(&env).expect("auth's test configuration");
        let clock = Clock::stepping(Clock::system().now(), Duration::from_micros(1));
        let state = auth::AppState::from_config(config, &testkit::sdk_config_as("auth").await)
            .await
            .expect("auth's state");
        let state = auth::AppState {
            clock: clock.clone(),
            ..state
        };
        Self {
            router: TestRouter::new(auth::app(state)),
            tables,
            captured: CapturedMail::default(),
            clock,
            env,
        }
    }

    /// The mail sent so far, after the mail sender (as a test's principal `mailsender`, on
    /// this app's table and clock) has delivered every job waiting on the queue, as it would
    /// in Lambda.
    ///
    /// # Panics
    /// When the queue cannot be read or a job fails.
    pub async fn mail(&self) -> CapturedMail {
        let sender_env = self.env.clone().with("MAILER", "log");
        let config = SenderConfig::from_env(&sender_env).expect("the sender's test configuration");
        let sender = MailSender::from_config(config, &testkit::sdk_config_as("mailsender").await)
            .with_mailer(Arc::new(self.captured.clone()));
        let sqs = testkit::tables::sqs_client().await;
        loop {
            let received = sqs
                .receive_message()
                .queue_url(&self.tables.mail_queue)
                .max_number_of_messages(10)
                .send()
                .await
                .expect("the mail queue is read");
            let messages = received.messages.unwrap_or_default();
            if messages.is_empty() {
                return self.captured.clone();
            }
            for message in messages {
                sender
                    .deliver(message.body().unwrap_or_default(), self.clock.now())
                    .await
                    .expect("the mail job is delivered");
                sqs.delete_message()
                    .queue_url(&self.tables.mail_queue)
                    .receipt_handle(message.receipt_handle().unwrap_or_default())
                    .send()
                    .await
                    .expect("a delivered job leaves the queue");
            }
        }
    }

    /// A store on this app's table, for arranging what the API cannot (the first admin).
    pub async fn store(&self) -> auth::store::Store {
        let table = shared::config::TableName::parse(&self.tables.auth).expect("a table name");
        let cursors = shared::page::CursorKey::new(testkit::env::CURSOR_KEY.as_bytes())
            .expect("the test cursor key");
        auth::store::Store::new(testkit::dynamo_client().await, table, cursors)
    }

    /// Every account (up to 100), as the admin listing shows them (read from the store: the
    /// listing itself needs an admin account).
    pub async fn accounts(&self) -> Vec<Value> {
        let page = self
            .store()
            .await
            .list_accounts(None, 100, None)
            .await
            .expect("the accounts are listed");
        let json = serde_json::to_value(page.items).expect("accounts serialise");
        json.as_array().cloned().unwrap_or_default()
    }

    pub async fn register(&self, email: &str, password: &str, name: &str) -> TestResponse {
        self.post_json(
            "/auth/register",
            &json!({"email": email, "password": password, "name": name}),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> TestResponse {
        self.post_json(
            "/auth/login",
            &json!({"email": email, "password": password}),
        )
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> TestResponse {
        self.post_json("/auth/refresh", &json!({"refresh_token": refresh_token}))
            .await
    }

    pub async fn logout(&self, refresh_token: &str) -> TestResponse {
        self.post_json("/auth/logout", &json!({"refresh_token": refresh_token}))
            .await
    }

    pub async fn me(&self, access_token: &str) -> TestResponse {
        self.router
            .get("/auth/me")
            .bearer(access_token)
            .send()
            .await
    }

    pub async fn verify_email(&self, token: &str) -> TestResponse {
        self.post_json("/auth/email/verify", &json!({"token": token}))
            .await
    }

    pub async fn forgot_password(&self, email: &str) -> TestResponse {
        self.post_json("/auth/password/forgot", &json!({"email": email}))
            .await
    }

    pub async fn reset_password(&self, token: &str, new_password: &str) -> TestResponse {
        self.post_json(
            "/auth/password/reset",
            &json!({"token": token, "new_password": new_password}),
        )
        .await
    }

    pub async fn change_password(
        &self,
        access_token: &str,
        current: &str,
        new: &str,
    ) -> TestResponse {
        self.router
            .post("/auth/password/change")
            .bearer(access_token)
            .json(&json!({"current_password": current, "new_password": new}))
            .send()
            .await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> TestResponse {
        self.router.post(path).json(body).send().await
    }

    /// Registers `email` and logs in: the tokens of a fresh session.
    ///
    /// # Panics
    /// When either step fails.
    pub async fn signed_up(&self, email: &str) -> Tokens {
        self.register(email, PASSWORD, "Test Learner")
            .await
            .assert_status(201);
        self.logged_in(email, PASSWORD).await
    }

    /// Logs in: the tokens of a fresh session.
    ///
    /// # Panics
    /// When the login fails.
    pub async fn logged_in(&self, email: &str, password: &str) -> Tokens {
        let response = self.login(email, password).await;
        response.assert_status(200);
        response.parse()
    }

    /// An account of `role` made the operator's way, and its tokens.
    ///
    /// # Panics
    /// When it cannot be made.
    pub async fn account_with_role(&self, email: &str, role: Role) -> (UserId, Tokens) {
        let (account, _) = auth::service::provision(
            &self.store().await,
            auth::email::Email::parse(email).expect("an address"),
            auth::user::DisplayName::parse("Test Account").expect("a name"),
            role,
            auth::password::Password::new_choice(PASSWORD).expect("a valid password"),
            self.clock.now(),
        )
        .await
        .expect("provisioning works");
        (account.id, self.logged_in(email, PASSWORD).await)
    }
}

/// A token response.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: u64,
    pub refresh_token: String,
}
