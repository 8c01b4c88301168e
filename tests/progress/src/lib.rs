//! The `progress` function under test: a fresh set of tables, its router, and helpers for its
//! endpoints.
//!
//! Courses are arranged the way `content` writes them: the course item of the content table
//! (its key and the contract's attributes, see `shared::catalog`), put directly. Editing an
//! outline is putting the item again. Counters are checked against a recount of the items
//! themselves, read back with a (test-only) `Scan`.
//!
//! A project lesson is marked in the outline and has its own lesson item, as `content` writes
//! it, holding the rubric every project of the kit shares ([`standard_rubric`]): ten points
//! for the endpoints and a pass/fail criterion, six points and the pass to pass.

use std::collections::HashMap;
use std::time::Duration;

use axum::http::Method;

use aws_sdk_dynamodb::types::AttributeValue;
use progress::AppState;
use serde::Serialize;
use serde_json::{Value, json};
use shared::catalog::{
    CourseId, HandIn, LessonId, LessonOutline, ModuleId, ModuleOutline, Outline, ProjectOutline,
    PublicationStatus, course_key,
};
use shared::clock::Clock;
use shared::config::Env;
use shared::identity::{Role, UserId};
use testkit::{Tables, TestResponse, TestRouter};

/// Someone calling the API: an account of a role, and a token of one of its sessions.
#[derive(Debug, Clone)]
pub struct Caller {
    pub id: UserId,
    pub role: Role,
    pub name: String,
    pub token: String,
}

/// A course as the content table holds it (the contract's attributes).
#[derive(Debug, Clone)]
pub struct Course {
    pub id: CourseId,
    pub title: String,
    pub status: PublicationStatus,
    pub instructors: Vec<UserId>,
    /// Lesson ids by module, in outline order.
    pub modules: Vec<Vec<LessonId>>,
    /// The project lessons, and what each asks learners to hand in.
    pub projects: Vec<(LessonId, HandIn)>,
}

impl Course {
    /// A published course of `lessons` lessons, three to a module, taught by `instructor`.
    pub fn published(title: &str, lessons: usize, instructor: &Caller) -> Self {
        let ids: Vec<LessonId> = (0..lessons).map(|_| LessonId::new()).collect();
        Self {
            id: CourseId::new(),
            title: title.to_owned(),
            status: PublicationStatus::Published,
            instructors: vec![instructor.id],
            modules: ids.chunks(3).map(<[LessonId]>::to_vec).collect(),
            projects: Vec::new(),
        }
    }

    /// This course with its lessons at `indexes` (in outline order) made projects that take a
    /// repository, scored by [`standard_rubric`].
    pub fn with_projects(self, indexes: &[usize]) -> Self {
        indexes.iter().fold(self, |course, n| {
            course.with_project(*n, HandIn::Repository)
        })
    }

    /// This course with its `n`th lesson a project that takes `hand_in`.
    pub fn with_project(mut self, n: usize, hand_in: HandIn) -> Self {
        let lesson = self.lesson(n);
        self.projects.retain(|(id, _)| *id != lesson);
        self.projects.push((lesson, hand_in));
        self
    }

    /// What `lesson` asks learners to hand in, when it is a project.
    pub fn hand_in(&self, lesson: LessonId) -> Option<HandIn> {
        self.projects
            .iter()
            .find_map(|(id, hand_in)| (*id == lesson).then_some(*hand_in))
    }

    /// The title the current outline gives `lesson` (a project's title).
    ///
    /// # Panics
    /// When it is not in the outline.
    pub fn title_of(&self, lesson: LessonId) -> String {
        self.modules
            .iter()
            .enumerate()
            .find_map(|(m, lessons)| {
                let l = lessons.iter().position(|id| *id == lesson)?;
                Some(lesson_title(m, l))
            })
            .unwrap_or_else(|| panic!("{lesson} is not in the outline of {}", self.title))
    }

    /// This course with another status.
    pub fn with_status(mut self, status: PublicationStatus) -> Self {
        self.status = status;
        self
    }

    /// Every lesson, in outline order.
    pub fn lessons(&self) -> Vec<LessonId> {
        self.modules.iter().flatten().copied().collect()
    }

    /// The `n`th lesson in outline order.
    ///
    /// # Panics
    /// When there are not that many.
    pub fn lesson(&self, n: usize) -> LessonId {
        self.lessons()[n]
    }

    fn outline(&self) -> Outline {
        Outline {
            modules: self
                .modules
                .iter()
                .enumerate()
                .map(|(m, lessons)| ModuleOutline {
                    id: ModuleId::new(),
                    title: format!("Module {}", m + 1),
                    lessons: lessons
                        .iter()
                        .enumerate()
                        .map(|(l, id)| LessonOutline {
                            id: *id,
                            slug: format!("lesson-{}-{}", m + 1, l + 1),
                            title: lesson_title(m, l),
                            duration_minutes: 12,
                            preview: l == 0,
                            project: self.hand_in(*id).map(|hand_in| ProjectOutline {
                                hand_in,
                                effort_hours: PROJECT_EFFORT_HOURS,
                                criteria: 2,
                            }),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// The title of the `l`th lesson of the `m`th module.
fn lesson_title(m: usize, l: usize) -> String {
    format!("Lesson {}.{}", m + 1, l + 1)
}

/// The estimated effort of every project the kit makes.
const PROJECT_EFFORT_HOURS: u16 = 6;

/// The rubric of every project the kit makes, as `content` keeps it: "Endpoints" worth 10
/// points, then "Tests run in CI", pass/fail; 6 points and the pass pass.
pub fn standard_rubric() -> Value {
    json!({
        "criteria": [
            {"title": "Endpoints", "description": "Every route of the brief answers as specified.",
             "scoring": {"points": STANDARD_RUBRIC_POINTS}},
            {"title": "Tests run in CI", "description": "The repository's tests run on every push.",
             "scoring": "pass_fail"},
        ],
        "min_points": 6,
    })
}

/// The most points an attempt can score on [`standard_rubric`].
pub const STANDARD_RUBRIC_POINTS: u16 = 10;

/// Scores for [`standard_rubric`], in its order: `points` for the endpoints, `passed` for CI.
pub fn scores(points: u16, passed: bool) -> Value {
    json!([
        {"points": points, "comment": "The endpoints answer as the brief says."},
        {"passed": passed, "comment": "The CI run of the last push."},
    ])
}

/// A review that approves with scores passing [`standard_rubric`] (8 points, CI passed).
pub fn passing_review() -> Value {
    json!({"outcome": "approved", "scores": scores(8, true), "comment": "Well done."})
}

/// A review that asks for changes, with scores failing [`standard_rubric`] (3 points, CI
/// failed).
pub fn failing_review() -> Value {
    json!({
        "outcome": "changes_requested",
        "scores": scores(3, false),
        "comment": "Add the missing routes and a CI workflow.",
    })
}

/// A hand-in of a repository.
pub fn repository(url: &str) -> Value {
    json!({ "repository_url": url })
}

/// The course item as `content` writes it.
#[derive(Serialize)]
struct CourseItem {
    pk: String,
    sk: String,
    entity: &'static str,
    id: CourseId,
    slug: String,
    title: String,
    status: PublicationStatus,
    instructors: Vec<UserId>,
    /// As `content` stores it: one JSON string.
    outline: String,
}

/// A project lesson's own item as `content` writes it: its brief (the body) and its project.
#[derive(Serialize)]
struct LessonItem {
    pk: String,
    sk: String,
    entity: &'static str,
    course_id: CourseId,
    lesson_id: LessonId,
    body: String,
    video_url: Option<String>,
    links: Vec<Value>,
    project: Value,
}

/// A course's numbers, either as `GET /courses/{course}/stats` reports them or as recounted
/// from the items.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub enrolled: i64,
    pub active: i64,
    pub completed: i64,
    /// Per lesson of the current outline.
    pub lesson_completions: Vec<(LessonId, i64)>,
    /// Attempts of the course's projects waiting for review.
    pub waiting_attempts: i64,
}

/// The progress function on fresh tables.
#[derive(Debug, Clone)]
pub struct TestApp {
    pub router: TestRouter,
    pub tables: Tables,
    pub db: aws_sdk_dynamodb::Client,
}

impl TestApp {
    /// The function on fresh tables, configured from its test environment.
    pub async fn spawn() -> Self {
        Self::spawn_with(|env| env).await
    }

    /// The function on fresh tables, reading the time from `clock` (which must start at the
    /// real current time: access tokens are checked against the system's).
    pub async fn spawn_at(clock: Clock) -> Self {
        Self::build(|env| env, |state| state.clock = clock).await
    }

    /// The function on fresh tables, for tests of racing requests. The emulator takes one
    /// request at a time (`infra/local/dynamodb-emulator`: that is what makes each request
    /// atomic, as in DynamoDB), so racing requests queue there and each gets more time than
    /// the production budget: for each DynamoDB call, and for the whole request.
    pub async fn spawn_for_races() -> Self {
        Self::build(
            |env| {
                env.with("DYNAMODB_ATTEMPT_TIMEOUT_MS", "20000")
                    .with("DYNAMODB_OPERATION_TIMEOUT_MS", "60000")
            },
            |state| state.request_budget = Duration::from_secs(120),
        )
        .await
    }

    /// The function on fresh tables, for a burst of hundreds of requests at once, sending its
    /// DynamoDB requests to `endpoint` (a proxy's): the emulator answers them one at a time,
    /// so each may wait behind all the others, for longer than [`Self::spawn_for_races`]
    /// allows on a busy machine.
    pub async fn spawn_for_a_burst_through(endpoint: String) -> Self {
        Self::build(
            |env| {
                env.with("DYNAMODB_ENDPOINT", endpoint)
                    .with("DYNAMODB_ATTEMPT_TIMEOUT_MS", "90000")
                    .with("DYNAMODB_OPERATION_TIMEOUT_MS", "240000")
            },
            |state| state.request_budget = Duration::from_secs(300),
        )
        .await
    }

    /// The function on fresh tables, its test environment changed by `adjust` first.
    ///
    /// # Panics
    /// When the configuration or the state does not load.
    pub async fn spawn_with(adjust: impl FnOnce(Env) -> Env) -> Self {
        Self::build(adjust, |_| {}).await
    }

    /// The function on fresh tables: its test environment changed by `adjust`, then its state
    /// by `tune`.
    async fn build(adjust: impl FnOnce(Env) -> Env, tune: impl FnOnce(&mut AppState)) -> Self {
        let db = testkit::dynamo_client().await;
        let tables = testkit::create_tables(&db).await;
        let env = adjust(testkit::env::function_env(
            "progress",
            &tables,
            &testkit::emulator_endpoint(),
        ));
        let config = progress::Config::from_env(&env).expect("progress's configuration");
        let mut state = AppState::from_config(config, &testkit::sdk_config_as("progress").await)
            .await
            .expect("progress's state");
        tune(&mut state);
        Self {
            router: TestRouter::new(progress::app(state)),
            tables,
            db,
        }
    }

    /// A new account of `role` with a verified address, called `name` in its tokens (its items
    /// put into this test's auth table, see `testkit::accounts`).
    pub async fn caller(&self, role: Role, name: &str) -> Caller {
        self.account(role, name, true).await
    }

    /// As [`Self::caller`], for an account whose address is verified only when `verified`.
    pub async fn account(&self, role: Role, name: &str, verified: bool) -> Caller {
        let account =
            testkit::accounts::put_account(&self.db, &self.tables.auth, role, name, verified).await;
        Caller {
            id: account.id,
            role,
            name: name.to_owned(),
            token: account.token,
        }
    }

    pub async fn learner(&self, name: &str) -> Caller {
        self.caller(Role::Learner, name).await
    }

    /// A learner per name.
    pub async fn learners_named(&self, names: impl IntoIterator<Item = String>) -> Vec<Caller> {
        let mut learners = Vec::new();
        for name in names {
            learners.push(self.learner(&name).await);
        }
        learners
    }

    pub async fn instructor(&self, name: &str) -> Caller {
        self.caller(Role::Instructor, name).await
    }

    pub async fn admin(&self, name: &str) -> Caller {
        self.caller(Role::Admin, name).await
    }

    /// Puts `course` into the content table, as `content` does when it saves a course: its
    /// item, and each project lesson's own item.
    ///
    /// # Panics
    /// When the emulator refuses an item.
    pub async fn put_course(&self, course: &Course) {
        let key = course_key(course.id);
        let item = CourseItem {
            pk: key.pk,
            sk: key.sk,
            entity: "course",
            id: course.id,
            slug: course.title.to_lowercase().replace(' ', "-"),
            title: course.title.clone(),
            status: course.status,
            instructors: course.instructors.clone(),
            outline: serde_json::to_string(&course.outline()).expect("an outline"),
        };
        self.put_content(serde_dynamo::to_item(&item).expect("a course item"))
            .await;
        for (lesson, hand_in) in &course.projects {
            let item = LessonItem {
                pk: course_key(course.id).pk,
                sk: format!("LESSON#{lesson}"),
                entity: "lesson",
                course_id: course.id,
                lesson_id: *lesson,
                body: "Build the API the brief describes and hand in its repository.".into(),
                video_url: None,
                links: Vec::new(),
                project: json!({
                    "rubric": standard_rubric(),
                    "hand_in": hand_in,
                    "effort_hours": PROJECT_EFFORT_HOURS,
                }),
            };
            self.put_content(serde_dynamo::to_item(&item).expect("a lesson item"))
                .await;
        }
    }

    async fn put_content(&self, item: HashMap<String, AttributeValue>) {
        self.db
            .put_item()
            .table_name(&self.tables.content)
            .set_item(Some(item))
            .send()
            .await
            .expect("the content item is stored");
    }

    // --- endpoints ---------------------------------------------------------------------------

    /// `method path` as `caller`, without a body.
    async fn call(&self, caller: &Caller, method: Method, path: &str) -> TestResponse {
        self.router
            .request(method, path)
            .bearer(&caller.token)
            .send()
            .await
    }

    pub async fn enroll(&self, caller: &Caller, course: CourseId) -> TestResponse {
        self.router
            .post("/me/enrollments")
            .bearer(&caller.token)
            .json(&json!({ "course_id": course }))
            .send()
            .await
    }

    /// `GET /me/enrollments` with `query` (e.g. `?limit=2`).
    pub async fn enrollments(&self, caller: &Caller, query: &str) -> TestResponse {
        self.call(caller, Method::GET, &format!("/me/enrollments{query}"))
            .await
    }

    pub async fn unenroll(&self, caller: &Caller, course: CourseId) -> TestResponse {
        self.call(caller, Method::DELETE, &format!("/me/enrollments/{course}"))
            .await
    }

    pub async fn progress(&self, caller: &Caller, course: CourseId) -> TestResponse {
        self.call(
            caller,
            Method::GET,
            &format!("/me/courses/{course}/progress"),
        )
        .await
    }

    pub async fn complete(
        &self,
        caller: &Caller,
        course: CourseId,
        lesson: LessonId,
    ) -> TestResponse {
        self.call(caller, Method::PUT, &completion_path(course, lesson))
            .await
    }

    pub async fn uncomplete(
        &self,
        caller: &Caller,
        course: CourseId,
        lesson: LessonId,
    ) -> TestResponse {
        self.call(caller, Method::DELETE, &completion_path(course, lesson))
            .await
    }

    pub async fn set_position(
        &self,
        caller: &Caller,
        course: CourseId,
        body: &Value,
    ) -> TestResponse {
        self.router
            .put(&format!("/me/courses/{course}/position"))
            .bearer(&caller.token)
            .json(body)
            .send()
            .await
    }

    pub async fn my_certificates(&self, caller: &Caller) -> TestResponse {
        self.call(caller, Method::GET, "/me/certificates").await
    }

    /// The public verification page: no token.
    pub async fn certificate(&self, id: &str) -> TestResponse {
        self.router.get(&format!("/certificates/{id}")).send().await
    }

    pub async fn revoke(&self, caller: &Caller, id: &str) -> TestResponse {
        let path = format!("/certificates/{id}/revoke");
        self.call(caller, Method::POST, &path).await
    }

    pub async fn stats(&self, caller: &Caller, course: CourseId) -> TestResponse {
        self.call(caller, Method::GET, &format!("/courses/{course}/stats"))
            .await
    }

    /// `GET /courses/{course}/learners` with `query`.
    pub async fn learners(&self, caller: &Caller, course: CourseId, query: &str) -> TestResponse {
        self.call(
            caller,
            Method::GET,
            &format!("/courses/{course}/learners{query}"),
        )
        .await
    }

    /// `POST /me/courses/{course}/projects/{lesson}/attempts`: hands `body` in.
    pub async fn hand_in(
        &self,
        caller: &Caller,
        course: CourseId,
        lesson: LessonId,
        body: &Value,
    ) -> TestResponse {
        self.router
            .post(&attempts_path(course, lesson))
            .bearer(&caller.token)
            .json(body)
            .send()
            .await
    }

    /// `GET /me/courses/{course}/projects/{lesson}/attempts` with `query`.
    pub async fn attempts(
        &self,
        caller: &Caller,
        course: CourseId,
        lesson: LessonId,
        query: &str,
    ) -> TestResponse {
        let path = format!("{}{query}", attempts_path(course, lesson));
        self.call(caller, Method::GET, &path).await
    }

    /// `DELETE /me/courses/{course}/projects/{lesson}/attempts/{attempt}`.
    pub async fn withdraw(
        &self,
        caller: &Caller,
        course: CourseId,
        lesson: LessonId,
        attempt: &str,
    ) -> TestResponse {
        let path = format!("{}/{attempt}", attempts_path(course, lesson));
        self.call(caller, Method::DELETE, &path).await
    }

    /// `GET /courses/{course}/attempts` with `query`: the review queue.
    pub async fn queue(&self, caller: &Caller, course: CourseId, query: &str) -> TestResponse {
        let path = format!("/courses/{course}/attempts{query}");
        self.call(caller, Method::GET, &path).await
    }

    /// `GET /courses/{course}/attempts/{attempt}`.
    pub async fn attempt(&self, caller: &Caller, course: CourseId, attempt: &str) -> TestResponse {
        let path = format!("/courses/{course}/attempts/{attempt}");
        self.call(caller, Method::GET, &path).await
    }

    /// `POST /courses/{course}/attempts/{attempt}/claim`.
    pub async fn claim(&self, caller: &Caller, course: CourseId, attempt: &str) -> TestResponse {
        let path = format!("/courses/{course}/attempts/{attempt}/claim");
        self.call(caller, Method::POST, &path).await
    }

    /// `POST /courses/{course}/attempts/{attempt}/review` with `body`, and `If-Match: if_match`
    /// when given.
    pub async fn review(
        &self,
        caller: &Caller,
        course: CourseId,
        attempt: &str,
        if_match: Option<&str>,
        body: &Value,
    ) -> TestResponse {
        let mut request = self
            .router
            .post(&format!("/courses/{course}/attempts/{attempt}/review"))
            .bearer(&caller.token);
        if let Some(etag) = if_match {
            request = request.header("if-match", etag);
        }
        request.json(body).send().await
    }

    /// Approves `attempt` with [`passing_review`], as the version `if_match`.
    pub async fn approve(
        &self,
        reviewer: &Caller,
        course: CourseId,
        attempt: &str,
        if_match: &str,
    ) -> TestResponse {
        self.review(reviewer, course, attempt, Some(if_match), &passing_review())
            .await
    }

    /// `GET /me/notifications` with `query`.
    pub async fn notifications(&self, caller: &Caller, query: &str) -> TestResponse {
        self.call(caller, Method::GET, &format!("/me/notifications{query}"))
            .await
    }

    /// `POST /me/notifications/{notification}/read`.
    pub async fn read_notification(&self, caller: &Caller, notification: &str) -> TestResponse {
        let path = format!("/me/notifications/{notification}/read");
        self.call(caller, Method::POST, &path).await
    }

    pub async fn portfolio(&self, caller: &Caller) -> TestResponse {
        self.call(caller, Method::GET, "/me/portfolio").await
    }

    /// `PUT /me/portfolio`: makes it public or private.
    pub async fn set_portfolio(&self, caller: &Caller, public: bool) -> TestResponse {
        self.router
            .put("/me/portfolio")
            .bearer(&caller.token)
            .json(&json!({ "public": public }))
            .send()
            .await
    }

    /// The public portfolio page: no token.
    pub async fn public_portfolio(&self, id: &str) -> TestResponse {
        self.router.get(&format!("/portfolios/{id}")).send().await
    }

    // --- arranging through the API -----------------------------------------------------------

    /// Enrolls `caller` and completes the given lessons, asserting each step succeeds.
    pub async fn enrolled_with(&self, caller: &Caller, course: &Course, completed: &[LessonId]) {
        let enrolled = self.enroll(caller, course.id).await;
        assert!(
            enrolled.status == 201 || enrolled.status == 200,
            "enrolling {}: {} {}",
            caller.name,
            enrolled.status,
            enrolled.text()
        );
        for lesson in completed {
            self.complete(caller, course.id, *lesson)
                .await
                .assert_status(200);
        }
    }

    /// A published course "APIs in practice" of an ordinary lesson then a project that takes
    /// a repository, put; its instructor; and a learner enrolled in it.
    pub async fn course_with_a_project(&self) -> (Course, Caller, Caller) {
        let instructor = self.instructor("Grace Hopper").await;
        let course = Course::published("APIs in practice", 2, &instructor).with_projects(&[1]);
        self.put_course(&course).await;
        let learner = self.learner("Ada Lovelace").await;
        self.enrolled_with(&learner, &course, &[]).await;
        (course, instructor, learner)
    }

    /// Hands in a repository for the project `lesson`, asserting a 201; the attempt.
    pub async fn handed_in(&self, learner: &Caller, course: &Course, lesson: LessonId) -> Value {
        let url = format!("https://github.com/learners/{}", learner.id);
        let handed = self
            .hand_in(learner, course.id, lesson, &repository(&url))
            .await;
        assert_eq!(
            handed.status,
            201,
            "{} handing in: {}",
            learner.name,
            handed.text()
        );
        handed.json()
    }

    /// Claims `attempt` as `reviewer` and reviews it with `body` (with the claim's `ETag`),
    /// asserting each succeeds; the reviewed attempt.
    pub async fn reviewed(
        &self,
        reviewer: &Caller,
        course: CourseId,
        attempt: &str,
        body: &Value,
    ) -> Value {
        let etag = self.claimed(reviewer, course, attempt).await;
        let reviewed = self
            .review(reviewer, course, attempt, Some(&etag), body)
            .await;
        reviewed.assert_status(200);
        reviewed.json()
    }

    /// Claims `attempt` as `reviewer`, asserting a 200; the attempt's `ETag` after the claim.
    pub async fn claimed(&self, reviewer: &Caller, course: CourseId, attempt: &str) -> String {
        let claimed = self.claim(reviewer, course, attempt).await;
        claimed.assert_status(200);
        etag(&claimed)
    }

    /// Hands in the project `lesson` as `learner` and has `reviewer` approve it; the approved
    /// attempt.
    pub async fn approved(
        &self,
        learner: &Caller,
        reviewer: &Caller,
        course: &Course,
        lesson: LessonId,
    ) -> Value {
        let attempt = self.handed_in(learner, course, lesson).await;
        self.reviewed(reviewer, course.id, &id_of(&attempt), &passing_review())
            .await
    }

    /// The id of the certificate `caller` earned in `course`.
    ///
    /// # Panics
    /// When they have none.
    pub async fn certificate_of(&self, caller: &Caller, course: &Course) -> String {
        let progress = self.progress(caller, course.id).await.json();
        progress["certificate_id"]
            .as_str()
            .unwrap_or_else(|| panic!("{} has no certificate: {progress}", caller.name))
            .to_owned()
    }

    // --- reading the truth back --------------------------------------------------------------

    /// The course's numbers as the stats endpoint reports them (asked by an admin).
    pub async fn reported(&self, course: &Course) -> Counts {
        let stats = self.stats(&self.admin("Auditor").await, course.id).await;
        stats.assert_status(200);
        let stats = stats.json();
        Counts {
            enrolled: number(&stats["enrolled"]),
            active: number(&stats["active"]),
            completed: number(&stats["completed"]),
            lesson_completions: stats["lessons"]
                .as_array()
                .expect("lessons")
                .iter()
                .map(|l| (lesson_id(&l["lesson_id"]), number(&l["completions"])))
                .collect(),
            waiting_attempts: number(&stats["waiting_attempts"]),
        }
    }

    /// The course's numbers recounted from the enrollment and attempt items themselves.
    pub async fn recounted(&self, course: &Course) -> Counts {
        let enrollments: Vec<_> = self
            .items("enrollment")
            .await
            .into_iter()
            .filter(|item| text(&item["course_id"]) == course.id.to_string())
            .collect();
        let completed_lessons = |item: &HashMap<String, AttributeValue>| -> Vec<String> {
            match item.get("completed_lessons") {
                Some(AttributeValue::Ss(lessons)) => lessons.clone(),
                _ => Vec::new(),
            }
        };
        Counts {
            enrolled: enrollments.len() as i64,
            active: enrollments
                .iter()
                .filter(|item| text(&item["status"]) == "active")
                .count() as i64,
            completed: enrollments
                .iter()
                .filter(|item| item.contains_key("certificate_id"))
                .count() as i64,
            lesson_completions: course
                .lessons()
                .into_iter()
                .map(|lesson| {
                    let count = enrollments
                        .iter()
                        .filter(|item| completed_lessons(item).contains(&lesson.to_string()))
                        .count();
                    (lesson, count as i64)
                })
                .collect(),
            waiting_attempts: self
                .attempt_items(course)
                .await
                .iter()
                .filter(|item| text(&item["status"]) == "waiting")
                .count() as i64,
        }
    }

    /// The attempt items of a course's projects.
    pub async fn attempt_items(&self, course: &Course) -> Vec<HashMap<String, AttributeValue>> {
        self.items("attempt")
            .await
            .into_iter()
            .filter(|item| text(&item["course_id"]) == course.id.to_string())
            .collect()
    }

    /// The certificate items of a course.
    pub async fn certificate_items(&self, course: &Course) -> Vec<HashMap<String, AttributeValue>> {
        self.items("certificate")
            .await
            .into_iter()
            .filter(|item| text(&item["course_id"]) == course.id.to_string())
            .collect()
    }

    /// Every item of the progress table whose `entity` is `entity` (a test-only `Scan`).
    ///
    /// # Panics
    /// When the emulator fails.
    pub async fn items(&self, entity: &str) -> Vec<HashMap<String, AttributeValue>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .db
                .scan()
                .table_name(&self.tables.progress)
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("scanning the progress table");
            items.extend(
                page.items
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|item| item.get("entity") == Some(&AttributeValue::S(entity.into()))),
            );
            start = page.last_evaluated_key;
            if start.is_none() {
                return items;
            }
        }
    }
}

fn completion_path(course: CourseId, lesson: LessonId) -> String {
    format!("/me/courses/{course}/lessons/{lesson}/completion")
}

fn attempts_path(course: CourseId, lesson: LessonId) -> String {
    format!("/me/courses/{course}/projects/{lesson}/attempts")
}

/// A clock at the real current time (access tokens are checked against the system's) that
/// moves a millisecond a reading, and as far as a test [`Clock::advance`]s it.
pub fn movable_clock() -> Clock {
    Clock::stepping(Clock::system().now(), Duration::from_millis(1))
}

/// The `id` of a JSON answer (an attempt, a notification).
///
/// # Panics
/// When it has none.
pub fn id_of(value: &Value) -> String {
    value["id"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an id in {value}"))
        .to_owned()
}

/// The items of a page.
///
/// # Panics
/// When it is not a page.
pub fn page_items(page: &Value) -> Vec<Value> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("expected a page, got {page}"))
        .clone()
}

/// The response's `ETag`.
///
/// # Panics
/// When it has none.
#[track_caller]
pub fn etag(response: &TestResponse) -> String {
    response
        .header("etag")
        .unwrap_or_else(|| panic!("no ETag: {} {}", response.status, response.text()))
        .to_owned()
}

fn text(value: &AttributeValue) -> String {
    value.as_s().cloned().unwrap_or_default()
}

fn number(value: &Value) -> i64 {
    value
        .as_i64()
        .unwrap_or_else(|| panic!("expected a whole number, got {value}"))
}

/// A lesson id in a JSON answer.
///
/// # Panics
/// When it is not one.
pub fn lesson_id(value: &Value) -> LessonId {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("expected a lesson id, got {value}"))
}

/// The lesson ids of a JSON array.
pub fn lesson_ids(value: &Value) -> Vec<LessonId> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("expected an array of lesson ids, got {value}"))
        .iter()
        .map(lesson_id)
        .collect()
}
