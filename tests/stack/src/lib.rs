//! The whole stack under test: the routing table, and the three functions' routers side by side
//! on one fresh set of tables, configured exactly as `Config::from_env` reads them.

use std::path::PathBuf;

use axum::Router;
use serde_json::{Value, json};
use shared::clock::Timestamp;
use shared::config::{Env, TableName};
use shared::identity::{Role, UserId};
use testkit::env::function_env;
use testkit::{Tables, TestResponse, TestRouter};

/// The three functions.
pub const FUNCTIONS: [&str; 3] = ["auth", "content", "progress"];

/// One row of `infra/routes.txt`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    pub method: String,
    pub path: String,
    pub function: String,
}

/// A file of the repository, by its path from the root.
pub fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// The routing table, `infra/routes.txt`.
///
/// # Panics
/// When the file is missing or a row is not `METHOD /path function`.
pub fn routing_table() -> Vec<Route> {
    let text = std::fs::read_to_string(repo_file("infra/routes.txt")).expect("infra/routes.txt");
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let columns: Vec<&str> = line.split_whitespace().collect();
            let [method, path, function] = columns[..] else {
                panic!("a row of infra/routes.txt is not `METHOD /path function`: {line:?}");
            };
            Route {
                method: method.to_owned(),
                path: path.to_owned(),
                function: function.to_owned(),
            }
        })
        .collect()
}

/// `path` with every `{parameter}` replaced by a well-formed id.
pub fn sample_path(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "0190a5b4-7c3e-7d2a-9b1e-3f4a5b6c7d8e"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The router of `function`, configured from `env` as in Lambda.
///
/// # Panics
/// When the configuration does not load or the state cannot be built.
pub async fn function_router(function: &str, env: Env) -> Router {
    let env = &env;
    let sdk = testkit::sdk_config_as(function).await;
    match function {
        "auth" => {
            let config = auth::Config::from_env(env).expect("auth's configuration");
            auth::app(
                auth::AppState::from_config(config, &sdk)
                    .await
                    .expect("auth's state"),
            )
        }
        "content" => {
            let config = content::Config::from_env(env).expect("content's configuration");
            content::app(
                content::AppState::from_config(config, &sdk)
                    .await
                    .expect("content's state"),
            )
        }
        "progress" => {
            let config = progress::Config::from_env(env).expect("progress's configuration");
            progress::app(
                progress::AppState::from_config(config, &sdk)
                    .await
                    .expect("progress's state"),
            )
        }
        other => panic!("no function called {other}"),
    }
}

/// The three functions on one fresh set of tables, talking to the emulator.
#[derive(Debug)]
pub struct Stack {
    pub tables: Tables,
    pub auth: TestRouter,
    pub content: TestRouter,
    pub progress: TestRouter,
}

impl Stack {
    /// Fresh tables in the emulator and the three routers on them.
    pub async fn start() -> Self {
        let tables = testkit::create_tables(&testkit::dynamo_client().await).await;
        let endpoint = testkit::emulator_endpoint();
        let router = |function: &'static str| {
            function_router(function, function_env(function, &tables, &endpoint))
        };
        Self {
            auth: TestRouter::new(router("auth").await),
            content: TestRouter::new(router("content").await),
            progress: TestRouter::new(router("progress").await),
            tables,
        }
    }

    /// The router of `function`.
    ///
    /// # Panics
    /// For an unknown function name.
    pub fn router(&self, function: &str) -> &TestRouter {
        match function {
            "auth" => &self.auth,
            "content" => &self.content,
            "progress" => &self.progress,
            other => panic!("no function called {other}"),
        }
    }

    /// An account of `role` made the operator's way (`auth-admin create-user`: its address
    /// counts as verified), logged in through `auth`: its id and login body.
    ///
    /// # Panics
    /// When it cannot be made or cannot log in.
    pub async fn account(&self, email: &str, role: Role) -> (UserId, Value) {
        let table = TableName::parse(&self.tables.auth).expect("a table name");
        let cursors = shared::page::CursorKey::new(testkit::env::CURSOR_KEY.as_bytes())
            .expect("the test cursor key");
        let store = auth::store::Store::new(testkit::dynamo_client().await, table, cursors);
        let (account, _) = auth::service::provision(
            &store,
            auth::email::Email::parse(email).expect("an address"),
            auth::user::DisplayName::parse("Stack Account").expect("a name"),
            role,
            auth::password::Password::new_choice(PASSWORD).expect("a valid password"),
            Timestamp::from(time::OffsetDateTime::now_utc()),
        )
        .await
        .expect("provisioning works");
        (account.id, self.log_in(email).await)
    }

    /// Registers `email` through `auth` (its address not verified) and logs in: its id and
    /// login body.
    ///
    /// # Panics
    /// When either step fails.
    pub async fn register(&self, email: &str, name: &str) -> (UserId, Value) {
        let registered = self
            .auth
            .post("/auth/register")
            .json(&json!({"email": email, "password": PASSWORD, "name": name}))
            .send()
            .await;
        registered.assert_status(201);
        let login = self.log_in(email).await;
        let me = self
            .auth
            .get("/auth/me")
            .bearer(&access(&login))
            .send()
            .await
            .json();
        let id = me["id"].as_str().expect("an account id").parse();
        (id.expect("a user id"), login)
    }

    /// Logs in through `auth`: the login's body.
    ///
    /// # Panics
    /// When the login fails.
    pub async fn log_in(&self, email: &str) -> Value {
        let response = self
            .auth
            .post("/auth/login")
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await;
        response.assert_status(200);
        response.json()
    }

    /// `PATCH /auth/users/{user}` with `body`, as the admin whose access token is `admin`.
    pub async fn change_user(&self, admin: &str, user: UserId, body: &Value) -> TestResponse {
        self.auth
            .patch(&format!("/auth/users/{user}"))
            .bearer(admin)
            .json(body)
            .send()
            .await
    }
}

/// The password of every account the stack's helpers make.
pub const PASSWORD: &str = "correct horse battery staple";

/// The access token of a login's body.
///
/// # Panics
/// When it has none.
pub fn access(login: &Value) -> String {
    login["access_token"]
        .as_str()
        .expect("a login answers an access token")
        .to_owned()
}
