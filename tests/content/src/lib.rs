//! The `content` function under test: a fresh set of tables, its router, and helpers for its
//! endpoints.
//!
//! Every request goes through the function's real router, the real `aws-sdk-dynamodb` client and
//! the local emulator. Helpers that arrange data (a published course, an enrollment) use the API
//! itself, except an enrollment, which is the progress function's item and is put into this
//! test's progress table exactly as the contract in `shared::enrollment` describes it.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use content::store::Store;
use serde_json::{Value, json};
use shared::catalog::CourseId;
use shared::clock::Clock;
use shared::config::{BaseUrl, TableName};
use shared::dynamo::Table;
use shared::enrollment::enrollment_key;
use shared::identity::{Role, UserId};
use shared::page::CursorKey;
use testkit::proxy::DynamoProxy;
use testkit::{Tables, TestResponse, TestRouter};

/// The base URL the tests configure (`PUBLIC_BASE_URL`).
pub use testkit::env::PUBLIC_BASE_URL;

/// Someone calling the API: an account of a role, and a token of one of its sessions.
#[derive(Debug, Clone)]
pub struct Caller {
    pub id: UserId,
    pub role: Role,
    pub token: String,
}

/// The function on fresh tables.
#[derive(Debug)]
pub struct TestApp {
    pub api: TestRouter,
    pub router: axum::Router,
    pub tables: Tables,
    pub db: aws_sdk_dynamodb::Client,
}

/// A unique slug for this test run: `prefix-<random>`.
pub fn unique_slug(prefix: &str) -> String {
    let id = UserId::new().to_string();
    format!("{prefix}-{}", &id[id.len() - 12..])
}

impl TestApp {
    /// The function on fresh tables, talking to the emulator.
    pub async fn spawn() -> Self {
        Self::spawn_at(&testkit::emulator_endpoint()).await
    }

    /// The function on fresh tables, with its DynamoDB requests going through a proxy that
    /// counts them.
    pub async fn spawn_counting() -> (Self, DynamoProxy) {
        let proxy = DynamoProxy::start().await;
        let app = Self::spawn_at(&proxy.endpoint()).await;
        (app, proxy)
    }

    async fn spawn_at(endpoint: &str) -> Self {
        let db = testkit::dynamo_client().await;
        let tables = testkit::create_tables(&db).await;
        let env = testkit::env::function_env("content", &tables, endpoint);
        let config = content::Config::from_env(&env).expect("content's test configuration");
        let state =
            content::AppState::from_config(config, &testkit::sdk_config_as("content").await)
                .await
                .expect("content's state");
        let router = content::app(state);
        Self {
            api: TestRouter::new(router.clone()),
            router,
            tables,
            db,
        }
    }

    /// Serves the function over real HTTP on a free local port (for clients outside the
    /// test, such as the demo loader); returns its base URL. It stops with the test.
    pub async fn serve(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free local port");
        let address = listener.local_addr().expect("the port's address");
        let router = self.router.clone();
        tokio::spawn(async move { axum::serve(listener, router).await });
        format!("http://{address}")
    }

    /// A new account of `role` with a verified address, calling with a token of its session
    /// (its items put into this test's auth table, see `testkit::accounts`).
    pub async fn caller(&self, role: Role) -> Caller {
        self.account(role, true).await
    }

    /// As [`Self::caller`], for an account whose address is not verified yet.
    pub async fn account(&self, role: Role, verified: bool) -> Caller {
        let name = format!("Test {role}");
        let account =
            testkit::accounts::put_account(&self.db, &self.tables.auth, role, &name, verified)
                .await;
        Caller {
            id: account.id,
            role,
            token: account.token,
        }
    }

    pub async fn instructor(&self) -> Caller {
        self.caller(Role::Instructor).await
    }

    pub async fn admin(&self) -> Caller {
        self.caller(Role::Admin).await
    }

    pub async fn learner(&self) -> Caller {
        self.caller(Role::Learner).await
    }

    /// `GET path` without a token.
    pub async fn get(&self, path: &str) -> TestResponse {
        self.api.get(path).send().await
    }

    /// `GET path` as `caller`.
    pub async fn get_as(&self, caller: &Caller, path: &str) -> TestResponse {
        self.api.get(path).bearer(&caller.token).send().await
    }

    /// `POST path` with a JSON body, as `caller`.
    pub async fn post(&self, caller: &Caller, path: &str, body: &Value) -> TestResponse {
        self.api
            .post(path)
            .bearer(&caller.token)
            .json(body)
            .send()
            .await
    }

    /// `PATCH path` with `If-Match: etag`, as `caller`.
    pub async fn patch(
        &self,
        caller: &Caller,
        path: &str,
        etag: &str,
        body: &Value,
    ) -> TestResponse {
        self.api
            .patch(path)
            .bearer(&caller.token)
            .header("if-match", etag)
            .json(body)
            .send()
            .await
    }

    /// The current `ETag` of the page at `path` as `caller` reads it: what the next edit's
    /// `If-Match` names.
    pub async fn etag_of(&self, caller: &Caller, path: &str) -> String {
        etag(self.get_as(caller, path).await.assert_status(200))
    }

    /// Creates a draft course as `caller`; panics unless it is created.
    pub async fn create_course(&self, caller: &Caller, body: Value) -> Value {
        self.post(caller, "/courses", &body)
            .await
            .assert_status(201)
            .json()
    }

    /// Adds a module to `course`; returns the course.
    pub async fn add_module(&self, caller: &Caller, course: &str, title: &str) -> Value {
        self.post(
            caller,
            &format!("/courses/{course}/modules"),
            &json!({"title": title}),
        )
        .await
        .assert_status(201)
        .json()
    }

    /// Adds a lesson to a module of `course`; returns the lesson.
    pub async fn add_lesson(
        &self,
        caller: &Caller,
        course: &str,
        module: &str,
        lesson: Value,
    ) -> Value {
        self.post(
            caller,
            &format!("/courses/{course}/modules/{module}/lessons"),
            &lesson,
        )
        .await
        .assert_status(201)
        .json()
    }

    /// Publishes `/{collection}/{reference}`; returns the response.
    pub async fn publish(
        &self,
        caller: &Caller,
        collection: &str,
        reference: &str,
    ) -> TestResponse {
        self.transition(caller, collection, reference, "publish")
            .await
    }

    /// Archives `/{collection}/{reference}`; returns the response.
    pub async fn archive(
        &self,
        caller: &Caller,
        collection: &str,
        reference: &str,
    ) -> TestResponse {
        self.transition(caller, collection, reference, "archive")
            .await
    }

    async fn transition(
        &self,
        caller: &Caller,
        collection: &str,
        reference: &str,
        action: &str,
    ) -> TestResponse {
        self.api
            .post(&format!("/{collection}/{reference}/{action}"))
            .bearer(&caller.token)
            .send()
            .await
    }

    /// A course ready to publish: one module with a preview lesson (`<slug>-intro`) and a
    /// members' lesson (`<slug>-deep-dive`). Returns the course as its author sees it.
    pub async fn complete_course(&self, caller: &Caller, slug: &str, extra: Value) -> Value {
        let mut body = course_body(slug);
        merge(&mut body, extra);
        let course = self.create_course(caller, body).await;
        let id = course["id"].as_str().expect("a course id").to_owned();
        let course = self.add_module(caller, &id, "Foundations").await;
        let module = course["outline"]["modules"][0]["id"]
            .as_str()
            .expect("a module id")
            .to_owned();
        self.add_lesson(
            caller,
            &id,
            &module,
            lesson_body(&format!("{slug}-intro"), true),
        )
        .await;
        self.add_lesson(
            caller,
            &id,
            &module,
            lesson_body(&format!("{slug}-deep-dive"), false),
        )
        .await;
        self.get_as(caller, &format!("/courses/{id}"))
            .await
            .assert_status(200)
            .json()
    }

    /// A complete course, published. Returns it as published.
    pub async fn published_course(&self, caller: &Caller, slug: &str, extra: Value) -> Value {
        let course = self.complete_course(caller, slug, extra).await;
        let id = course["id"].as_str().expect("a course id");
        self.publish(caller, "courses", id)
            .await
            .assert_status(200)
            .json()
    }

    /// A complete draft article by `caller`.
    pub async fn create_article(&self, caller: &Caller, slug: &str, extra: Value) -> Value {
        let mut body = article_body(slug);
        merge(&mut body, extra);
        self.post(caller, "/articles", &body)
            .await
            .assert_status(201)
            .json()
    }

    /// A complete article, published. Returns it as published.
    pub async fn published_article(&self, caller: &Caller, slug: &str, extra: Value) -> Value {
        let article = self.create_article(caller, slug, extra).await;
        let id = article["id"].as_str().expect("an article id");
        self.publish(caller, "articles", id)
            .await
            .assert_status(200)
            .json()
    }

    /// Enrolls `learner` in `course` the way the progress function does: its enrollment item,
    /// in this test's progress table, with `status`.
    pub async fn enroll(&self, learner: &Caller, course: &str, status: &str) {
        let course: CourseId = course.parse().expect("a course id");
        let key = enrollment_key(learner.id, course);
        let item: HashMap<String, AttributeValue> = HashMap::from([
            ("pk".to_owned(), AttributeValue::S(key.pk)),
            ("sk".to_owned(), AttributeValue::S(key.sk)),
            ("entity".to_owned(), AttributeValue::S("enrollment".into())),
            ("status".to_owned(), AttributeValue::S(status.into())),
        ]);
        self.db
            .put_item()
            .table_name(&self.tables.progress)
            .set_item(Some(item))
            .send()
            .await
            .expect("the enrollment is stored");
    }

    /// The items of this test's content table whose `entity` is `entity`, read by `Scan` (a
    /// test may; the function never does).
    pub async fn stored(&self, entity: &str) -> Vec<HashMap<String, AttributeValue>> {
        self.db
            .scan()
            .table_name(&self.tables.content)
            .filter_expression("#entity = :entity")
            .expression_attribute_names("#entity", "entity")
            .expression_attribute_values(":entity", AttributeValue::S(entity.into()))
            .send()
            .await
            .expect("the content table can be scanned")
            .items
            .unwrap_or_default()
    }

    /// A store over this test's tables, as the function builds it.
    pub fn store(&self) -> Store {
        let table = TableName::parse(&self.tables.content).expect("a table name");
        let progress = TableName::parse(&self.tables.progress).expect("a table name");
        Store::new(
            Table::new(self.db.clone(), table),
            Table::new(self.db.clone(), progress),
            CursorKey::ephemeral(),
        )
    }

    /// Runs `content-admin reindex` over this test's tables.
    pub async fn reindex(&self) -> content::reindex::Report {
        let table = TableName::parse(&self.tables.content).expect("a table name");
        let site = BaseUrl::parse(PUBLIC_BASE_URL).expect("a base URL");
        let store = self.store();
        content::reindex::run(
            &Table::new(self.db.clone(), table),
            &store,
            &site,
            &Clock::system(),
        )
        .await
        .expect("the reindex runs")
    }

    /// Dates the page stamp's last change back past its settling time, as if the writes so far
    /// were made long ago: the article pages rendered next are kept (`content::pages`).
    pub async fn settle_pages(&self) {
        self.db
            .update_item()
            .table_name(&self.tables.content)
            .key("pk", AttributeValue::S("PAGES".to_owned()))
            .key("sk", AttributeValue::S("#STAMP".to_owned()))
            .update_expression("SET changed_at = :long_ago")
            .expression_attribute_values(
                ":long_ago",
                AttributeValue::S("2020-01-01T00:00:00.000000Z".to_owned()),
            )
            .send()
            .await
            .expect("the page stamp is updated");
    }

    /// Every item of a listing, following `next_cursor` from `first` (a path with query).
    pub async fn all_pages(&self, first: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut path = first.to_owned();
        loop {
            let page = self.get(&path).await.assert_status(200).json();
            items.extend(page["items"].as_array().expect("items").iter().cloned());
            match page["next_cursor"].as_str() {
                Some(cursor) => path = with_cursor(first, cursor),
                None => return items,
            }
        }
    }
}

/// `path` with `cursor=` added to its query string.
pub fn with_cursor(path: &str, cursor: &str) -> String {
    let separator = if path.contains('?') { '&' } else { '?' };
    format!("{path}{separator}cursor={cursor}")
}

/// Sets every field of `extra` (an object) on `body`.
pub fn merge(body: &mut Value, extra: Value) {
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
}

/// The body of a course that has everything publishing asks for but lessons.
pub fn course_body(slug: &str) -> Value {
    json!({
        "slug": slug,
        "title": format!("Course {slug}"),
        "summary": "Build and run the server side of web applications.",
        "description": "## What you learn\n\nHTTP, data, APIs and deployment.",
        "level": "beginner",
        "tags": ["backend"],
        "seo": {"meta_description": "A practical course on backend development."},
    })
}

/// The body of a lesson.
pub fn lesson_body(slug: &str, preview: bool) -> Value {
    json!({
        "slug": slug,
        "title": format!("Lesson {slug}"),
        "body": format!("# {slug}\n\nWhat a request goes through, step by step."),
        "duration_minutes": 12,
        "preview": preview,
    })
}

/// The body of an article that has everything publishing asks for.
pub fn article_body(slug: &str) -> Value {
    json!({
        "slug": slug,
        "title": format!("Article {slug}"),
        "excerpt": "How backend engineers grow into architects.",
        "body": "Backend work is about **data**, **APIs** and **reliability**.",
        "tags": ["careers"],
        "seo": {"meta_description": "The backend developer career path, step by step."},
    })
}

/// The fields a 422 names, in its order.
///
/// # Panics
/// When the response is not a 422 `validation-failed` problem.
#[track_caller]
pub fn invalid_fields(response: &TestResponse) -> Vec<String> {
    response.assert_problem(422, "validation-failed");
    response.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The `ETag` of a response.
///
/// # Panics
/// When it has none.
pub fn etag(response: &TestResponse) -> String {
    response
        .header("etag")
        .unwrap_or_else(|| panic!("no ETag on {} {}", response.status, response.text()))
        .to_owned()
}
