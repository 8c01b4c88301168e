//! Warm in-process latency of the functions' representative endpoints, and the DynamoDB requests
//! each one makes.
//!
//! ```text
//! cargo run --release -p bench --bin warm-latency -- [--requests N] [--login-requests N]
//!                                                    [--only ENDPOINT] [--no-count]
//! ```
//!
//! `DYNAMODB_ENDPOINT` must point at the local emulator (`infra/local/dynamodb-emulator`). For
//! each function it builds the router exactly as Lambda does (`Config::from_env` →
//! `AppState::from_config` → `app`; DynamoDB timeouts raised to a minute, see `patient`) on
//! fresh tables, arranges data (`content`: the demo catalog, loaded by
//! `infra/local/seed-demo` over HTTP; `progress`: three 21-lesson courses and a learner enrolled
//! in them; `auth`: a registered account), then sends N sequential requests per endpoint
//! straight into the router (no HTTP server, no Lambda event) and prints
//! p50/p95/p99, requests per second and this process's CPU time per request as a Markdown
//! table. The emulator (moto, in Python) is not DynamoDB and is slower than the code under test,
//! so the table separates the two: the CPU time is the function's own work (router, handler,
//! JSON, token checks, the SDK's signing and HTTP), and p50 minus it is the wait on the
//! emulator. The first row, a bare `GetItem` through a client with the functions' settings, is
//! one round trip to the emulator; the last column subtracts that many round trips from p50,
//! which is only as good as the guess that every operation costs the emulator what a `GetItem`
//! does. A second pass sends each request once more through `testkit`'s `DynamoProxy`,
//! which counts the DynamoDB operations (`--no-count` skips it).
//!
//! `--only ENDPOINT` (an id of the endpoint column, e.g. `course-page`) runs one endpoint alone:
//! with `--no-count` and two values of `--requests` under `valgrind --tool=callgrind`, the
//! difference of the instruction counts is the cost of that many warm requests.
//!
//! One current-thread runtime, like a Lambda instance serving one request at a time; the
//! functions' per-request log line is not emitted (no subscriber is installed).

#![allow(
    clippy::print_stdout,
    reason = "the report on standard output is what this program is for"
)]

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use aws_sdk_dynamodb::types::AttributeValue;
use bench::cost::{self, Demand, PerMillion};
use shared::config::Env;
use shared::dynamo::{DynamoSettings, Key};
use shared::identity::Role;
use testkit::proxy::DynamoProxy;
use testkit::{TestResponse, TestRouter};

/// Requests sent and not timed before each endpoint's samples: connections, caches, allocator.
const WARM_UP: usize = 20;

/// The slugs of the demo catalog's course and first article (`infra/local/demo-catalog.json`).
const DEMO_COURSE: &str = "backend-development-program";
const DEMO_ARTICLE: &str = "back-end-developer-career-path";

#[derive(Debug)]
struct Options {
    requests: usize,
    login_requests: usize,
    only: Option<String>,
    count: bool,
}

impl Options {
    fn parse() -> anyhow::Result<Self> {
        let mut options = Self {
            requests: 1000,
            login_requests: 100,
            only: None,
            count: true,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "--requests" => options.requests = value()?.parse()?,
                "--login-requests" => options.login_requests = value()?.parse()?,
                "--only" => options.only = Some(value()?),
                "--no-count" => options.count = false,
                other => bail!(
                    "unknown argument {other}; usage: warm-latency [--requests N] \
                     [--login-requests N] [--only ENDPOINT] [--no-count]"
                ),
            }
        }
        ensure!(
            options.requests > 0 && options.login_requests > 0,
            "at least one request"
        );
        Ok(options)
    }

    fn wants(&self, endpoint: &str) -> bool {
        self.only.as_deref().is_none_or(|only| only == endpoint)
    }
}

/// One representative endpoint: an id for `--only`, and what it is.
#[derive(Debug, Clone, Copy)]
struct Endpoint {
    id: &'static str,
    what: &'static str,
}

/// A function (or the bare emulator) with data arranged for its representative endpoints.
trait Subject: Sized {
    const FUNCTION: &'static str;
    const ENDPOINTS: &'static [Endpoint];

    /// Fresh tables, the router with DynamoDB at `dynamodb`, and the data the endpoints read.
    async fn arrange(dynamodb: &str) -> anyhow::Result<Self>;

    /// One request to `endpoint`; an error unless it answered as expected.
    async fn call(&mut self, endpoint: &str) -> anyhow::Result<()>;
}

fn expect(response: &TestResponse, status: u16, what: &str) -> anyhow::Result<()> {
    ensure!(
        response.status.as_u16() == status,
        "{what}: expected {status}, got {} {}",
        response.status,
        response.text()
    );
    Ok(())
}

/// `env` with DynamoDB timeouts of a minute: this machine is shared, and a stall of the emulator
/// must be a slow sample, not an SDK retry (a retried write that had landed answers differently).
fn patient(env: Env) -> Env {
    env.with("DYNAMODB_ATTEMPT_TIMEOUT_MS", "60000")
        .with("DYNAMODB_OPERATION_TIMEOUT_MS", "60000")
}

// --- the bare emulator -------------------------------------------------------------------------

/// One `GetItem` of a 2 KiB item through a client built as the functions build theirs (timeouts
/// raised, see `patient`): a round trip to the emulator, SDK included, and nothing of ours.
struct Emulator {
    client: aws_sdk_dynamodb::Client,
    table: String,
    key: Key,
}

impl Subject for Emulator {
    const FUNCTION: &'static str = "emulator";
    const ENDPOINTS: &'static [Endpoint] = &[Endpoint {
        id: "getitem",
        what: "bare GetItem (2 KiB item)",
    }];

    async fn arrange(dynamodb: &str) -> anyhow::Result<Self> {
        let tables = testkit::create_tables(&testkit::dynamo_client().await).await;
        let settings =
            DynamoSettings::from_env(&patient(Env::from_pairs([("DYNAMODB_ENDPOINT", dynamodb)])))?;
        let client = shared::dynamo::client(&testkit::sdk_config().await, &settings);
        let key = Key::new("BENCH#1", "BENCH");
        let mut item = key.to_item();
        item.insert("body".into(), AttributeValue::S("x".repeat(2048)));
        testkit::dynamo_client()
            .await
            .put_item()
            .table_name(&tables.content)
            .set_item(Some(item))
            .send()
            .await?;
        Ok(Self {
            client,
            table: tables.content,
            key,
        })
    }

    async fn call(&mut self, _: &str) -> anyhow::Result<()> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(self.key.to_item()))
            .send()
            .await?;
        ensure!(output.item.is_some(), "the item is there");
        Ok(())
    }
}

// --- content -----------------------------------------------------------------------------------

/// `content` with the demo catalog: one program of 7 modules and 21 lessons, 8 articles,
/// 3 career paths.
struct Content {
    router: TestRouter,
}

impl Subject for Content {
    const FUNCTION: &'static str = "content";
    const ENDPOINTS: &'static [Endpoint] = &[
        Endpoint {
            id: "course-page",
            what: "GET /courses/{slug} (21 lessons)",
        },
        Endpoint {
            id: "course-listing",
            what: "GET /courses",
        },
        Endpoint {
            id: "article-page",
            what: "GET /articles/{slug}",
        },
        Endpoint {
            id: "sitemap",
            what: "GET /sitemap.xml",
        },
    ];

    async fn arrange(dynamodb: &str) -> anyhow::Result<Self> {
        let tables = testkit::create_tables(&testkit::dynamo_client().await).await;
        let env = patient(testkit::env::function_env("content", &tables, dynamodb));
        let config = content::Config::from_env(&env)?;
        let state =
            content::AppState::from_config(config, &testkit::sdk_config_as("content").await)
                .await?;
        let router = content::app(state);
        load_demo_catalog(router.clone(), &tables).await?;
        // As a catalog some time after its last write: the article pages read from now on are
        // kept (content::pages), as they are in a school whose articles are not being written.
        tokio::time::sleep(content::pages::PageStamp::SETTLE).await;
        Ok(Self {
            router: TestRouter::new(router),
        })
    }

    async fn call(&mut self, endpoint: &str) -> anyhow::Result<()> {
        let path = match endpoint {
            "course-page" => format!("/courses/{DEMO_COURSE}"),
            "course-listing" => "/courses".to_owned(),
            "article-page" => format!("/articles/{DEMO_ARTICLE}"),
            "sitemap" => "/sitemap.xml".to_owned(),
            other => bail!("content has no endpoint {other}"),
        };
        expect(&self.router.get(&path).send().await, 200, endpoint)
    }
}

/// Serves `router` on a free local port and runs the demo loader against it, as `./dev run`
/// does, with an instructor's and an admin's token.
async fn load_demo_catalog(router: axum::Router, tables: &testkit::Tables) -> anyhow::Result<()> {
    let db = testkit::dynamo_client().await;
    let account = |role| testkit::accounts::put_account(&db, &tables.auth, role, "Bench", true);
    let (instructor, admin) = (account(Role::Instructor).await, account(Role::Admin).await);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let loader = concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/local/seed-demo");
    let mut command = tokio::process::Command::new("python3");
    command
        .arg(loader)
        .arg(&base)
        .env("SEED_DEMO_INSTRUCTOR_TOKEN", instructor.token)
        .env("SEED_DEMO_ADMIN_TOKEN", admin.token);
    let output = command.output().await.context("running python3")?;
    server.abort();
    ensure!(
        output.status.success(),
        "the demo loader failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}

// --- progress ----------------------------------------------------------------------------------

/// `progress` with three published 21-lesson courses (the demo program's shape) and a learner
/// enrolled in all three, five lessons of the first completed.
struct Progress {
    app: progress_tests::TestApp,
    learner: progress_tests::Caller,
    course: progress_tests::Course,
}

impl Subject for Progress {
    const FUNCTION: &'static str = "progress";
    const ENDPOINTS: &'static [Endpoint] = &[
        Endpoint {
            id: "progress",
            what: "GET /me/courses/{course}/progress",
        },
        Endpoint {
            id: "completion",
            what: "PUT …/lessons/{lesson}/completion (repeat)",
        },
        Endpoint {
            id: "enrollments",
            what: "GET /me/enrollments (3 courses)",
        },
    ];

    async fn arrange(dynamodb: &str) -> anyhow::Result<Self> {
        let dynamodb = dynamodb.to_owned();
        let app = progress_tests::TestApp::spawn_with(|env| {
            patient(env.with("DYNAMODB_ENDPOINT", dynamodb))
        })
        .await;
        let instructor = app.instructor("Bench Instructor").await;
        let learner = app.learner("Bench Learner").await;
        let mut courses = Vec::new();
        for title in ["Backend Development", "Databases", "Cloud Engineering"] {
            let course = progress_tests::Course::published(title, 21, &instructor);
            app.put_course(&course).await;
            courses.push(course);
        }
        for (n, course) in courses.iter().enumerate() {
            let completed = if n == 0 {
                course.lessons()[..5].to_vec()
            } else {
                Vec::new()
            };
            app.enrolled_with(&learner, course, &completed).await;
        }
        Ok(Self {
            app,
            learner,
            course: courses.swap_remove(0),
        })
    }

    async fn call(&mut self, endpoint: &str) -> anyhow::Result<()> {
        let (app, learner, course) = (&self.app, &self.learner, &self.course);
        let response = match endpoint {
            "progress" => app.progress(learner, course.id).await,
            "completion" => app.complete(learner, course.id, course.lesson(0)).await,
            "enrollments" => app.enrollments(learner, "").await,
            other => bail!("progress has no endpoint {other}"),
        };
        expect(&response, 200, endpoint)
    }
}

// --- auth --------------------------------------------------------------------------------------

/// `auth` with one registered account and a session.
struct Auth {
    app: auth_tests::TestApp,
    email: &'static str,
    tokens: auth_tests::Tokens,
}

impl Subject for Auth {
    const FUNCTION: &'static str = "auth";
    const ENDPOINTS: &'static [Endpoint] = &[
        Endpoint {
            id: "me",
            what: "GET /auth/me",
        },
        Endpoint {
            id: "refresh",
            what: "POST /auth/refresh (rotation)",
        },
        Endpoint {
            id: "login",
            what: "POST /auth/login (Argon2id)",
        },
    ];

    async fn arrange(dynamodb: &str) -> anyhow::Result<Self> {
        let tables = testkit::create_tables(&testkit::dynamo_client().await).await;
        let env = patient(auth_tests::auth_env(&tables, dynamodb));
        let app = auth_tests::TestApp::on(tables, env).await;
        let email = "bench@example.org";
        let tokens = app.signed_up(email).await;
        Ok(Self { app, email, tokens })
    }

    async fn call(&mut self, endpoint: &str) -> anyhow::Result<()> {
        match endpoint {
            "me" => expect(&self.app.me(&self.tokens.access_token).await, 200, endpoint),
            "refresh" => {
                // Each refresh token is good once: the next request presents its successor.
                let response = self.app.refresh(&self.tokens.refresh_token).await;
                expect(&response, 200, endpoint)?;
                self.tokens = response.parse();
                Ok(())
            }
            "login" => {
                let response = self.app.login(self.email, auth_tests::PASSWORD).await;
                expect(&response, 200, endpoint)
            }
            other => bail!("auth has no endpoint {other}"),
        }
    }
}

// --- measuring ---------------------------------------------------------------------------------

/// What one endpoint measured.
#[derive(Debug)]
struct Row {
    function: &'static str,
    endpoint: Endpoint,
    samples: Vec<Duration>,
    /// This process's CPU time over the samples (user and system, every thread), per request.
    cpu: Duration,
    /// The DynamoDB operations of one request, when counted.
    operations: Option<Vec<String>>,
    /// What that request asked of DynamoDB, when counted.
    demand: Option<Demand>,
}

impl Row {
    /// The nearest-rank `q` quantile.
    fn quantile(&self, q: f64) -> Duration {
        let rank = (q * self.samples.len() as f64).ceil() as usize;
        self.samples[rank.clamp(1, self.samples.len()) - 1]
    }

    /// Requests per second, one after another: N over the sum of their latencies.
    fn per_second(&self) -> f64 {
        self.samples.len() as f64 / self.samples.iter().sum::<Duration>().as_secs_f64()
    }
}

/// Times each wanted endpoint of `S` on freshly arranged data, then (unless `--no-count`)
/// counts one request's DynamoDB operations on another fresh arrangement behind the proxy.
async fn measure<S: Subject>(options: &Options, rows: &mut Vec<Row>) -> anyhow::Result<()> {
    let endpoints: Vec<Endpoint> = S::ENDPOINTS
        .iter()
        .copied()
        .filter(|e| options.wants(e.id))
        .collect();
    if endpoints.is_empty() {
        return Ok(());
    }
    let emulator = testkit::emulator_endpoint();
    let mut subject = S::arrange(&emulator)
        .await
        .with_context(|| format!("arranging {}", S::FUNCTION))?;
    let first = rows.len();
    for endpoint in &endpoints {
        let n = if endpoint.id == "login" {
            options.login_requests
        } else {
            options.requests
        };
        for _ in 0..WARM_UP {
            subject.call(endpoint.id).await?;
        }
        let mut samples = Vec::with_capacity(n);
        let cpu_before = cpu_time()?;
        for i in 0..n {
            let started = Instant::now();
            subject
                .call(endpoint.id)
                .await
                .with_context(|| format!("timed request {} of {n}", i + 1))?;
            samples.push(started.elapsed());
        }
        let cpu = (cpu_time()? - cpu_before) / n as u32;
        samples.sort();
        rows.push(Row {
            function: S::FUNCTION,
            endpoint: *endpoint,
            samples,
            cpu,
            operations: None,
            demand: None,
        });
    }
    drop(subject);

    if options.count {
        let proxy = DynamoProxy::start().await;
        let mut subject = S::arrange(&proxy.endpoint())
            .await
            .with_context(|| format!("arranging {} behind the proxy", S::FUNCTION))?;
        for row in &mut rows[first..] {
            subject.call(row.endpoint.id).await?;
            proxy.clear_operations();
            subject.call(row.endpoint.id).await?;
            let mut operations = proxy.operations();
            operations.sort();
            row.operations = Some(operations);
            row.demand = Some(cost::demand(&proxy, &proxy.requests()).await?);
        }
    }
    Ok(())
}

/// `GetItem ×2, Query`: the operations of one request, counted.
fn operations(operations: &[String]) -> String {
    if operations.is_empty() {
        return "none".to_owned();
    }
    let mut out = String::new();
    let mut rest = operations;
    while let Some(first) = rest.first() {
        let same = rest.iter().take_while(|op| *op == first).count();
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(first);
        if same > 1 {
            let _ = write!(out, " ×{same}");
        }
        rest = &rest[same..];
    }
    out
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn report(rows: &[Row]) -> String {
    let round_trip = rows
        .iter()
        .find(|row| row.function == Emulator::FUNCTION)
        .map(|row| row.quantile(0.5));
    let mut out = String::from(
        "| function | endpoint | requests | p50 ms | p95 ms | p99 ms | req/s | CPU ms/request \
         | p50 − CPU ms | DynamoDB requests | p50 − requests × GetItem ms |\n\
         | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |\n",
    );
    for row in rows {
        let p50 = row.quantile(0.5);
        let naive = match (&row.operations, round_trip) {
            (Some(ops), Some(trip)) if row.function != Emulator::FUNCTION => {
                format!("{:.2}", ms(p50) - ms(trip) * ops.len() as f64)
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "| {} | `{}` {} | {} | {:.2} | {:.2} | {:.2} | {:.0} | {:.2} | {:.2} | {} | {naive} |",
            row.function,
            row.endpoint.id,
            row.endpoint.what,
            row.samples.len(),
            ms(p50),
            ms(row.quantile(0.95)),
            ms(row.quantile(0.99)),
            row.per_second(),
            ms(row.cpu),
            ms(p50) - ms(row.cpu),
            row.operations.as_deref().map_or("–".to_owned(), operations),
        );
    }
    out
}

/// The memory setting of `function` in the SAM template (`MemorySize` of its resource).
fn memory_mb(function: &str) -> anyhow::Result<f64> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/template.yaml");
    let template = std::fs::read_to_string(path).context("reading infra/template.yaml")?;
    let mut name = function.to_owned();
    if let Some(first) = name.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    let resource = format!("\n  {name}Function:\n");
    let start = template
        .find(&resource)
        .with_context(|| format!("no {name}Function in the template"))?;
    let memory = template[start + resource.len()..]
        .lines()
        .take_while(|line| line.is_empty() || line.starts_with("   "))
        .find_map(|line| line.trim().strip_prefix("MemorySize:"))
        .with_context(|| format!("no MemorySize for {name}Function"))?;
    Ok(memory.trim().parse()?)
}

/// The cost of a million requests of each counted endpoint: Lambda (its CPU time on this
/// machine at the template's memory setting, plus its round trips), API Gateway and DynamoDB.
fn cost_report(rows: &[Row]) -> anyhow::Result<String> {
    let mut out = String::from(
        "| function | endpoint | memory MB | CPU ms | DynamoDB requests (in turn) | RRU | WRU \
         | billed ms | Lambda arm64 $ | Lambda x86_64 $ | HTTP API $ | DynamoDB $ \
         | total $ (arm64) |\n\
         | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for row in rows.iter().filter(|row| row.function != Emulator::FUNCTION) {
        let (Some(demand), Some(ops)) = (&row.demand, &row.operations) else {
            continue;
        };
        let memory = memory_mb(row.function)?;
        let cost = PerMillion::of(ms(row.cpu), memory, demand);
        let _ = writeln!(
            out,
            "| {} | `{}` | {memory:.0} | {:.2} | {} ({}) | {} | {} | {:.0} | {:.2} | {:.2} | {:.2} \
             | {:.2} | **{:.2}** |",
            row.function,
            row.endpoint.id,
            ms(row.cpu),
            ops.len(),
            demand.round_trips,
            demand.units.read,
            demand.units.write,
            cost.billed_ms,
            cost.lambda_arm64,
            cost.lambda_x86_64,
            cost.http_api,
            cost.dynamodb,
            cost.total(),
        );
    }
    let _ = write!(
        out,
        "\nUS dollars per million requests; prices of {} (`tests/bench/src/cost.rs`): Lambda \
         ${}/M requests and ${}/${} per GB-s (arm64/x86_64), HTTP API ${}/M, DynamoDB on demand \
         ${}/M RRU and ${}/M WRU. Billed ms: the CPU time at the memory setting's share of a \
         vCPU (1,769 MB is one) plus {} ms per DynamoDB round trip waited for in turn, rounded \
         up. Request units from item sizes (see cost.rs).",
        cost::PRICES_AS_OF,
        cost::LAMBDA_REQUESTS,
        cost::LAMBDA_GB_SECOND_ARM64,
        cost::LAMBDA_GB_SECOND_X86_64,
        cost::HTTP_API_REQUESTS,
        cost::DYNAMODB_READ_UNITS,
        cost::DYNAMODB_WRITE_UNITS,
        cost::DYNAMODB_ROUND_TRIP_MS,
    );
    Ok(out)
}

/// The CPU time this process has used, every thread, user and system (`/proc/self/stat`, in
/// clock ticks of 10 ms: `USER_HZ` is 100 on Linux). The emulator is another process, so over
/// sequential requests this is the function's own work, SDK included, without the waiting.
fn cpu_time() -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // The fields after the command name, which is in parentheses and may hold spaces: the
    // third field of the line (state) is the first here, utime and stime the 12th and 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .context("a /proc/self/stat line")?
        .1
        .split_whitespace()
        .collect();
    let ticks = |i: usize| -> anyhow::Result<u64> {
        Ok(fields.get(i).context("a short /proc/self/stat")?.parse()?)
    };
    Ok(Duration::from_millis((ticks(11)? + ticks(12)?) * 10))
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let options = Options::parse()?;
    let known = [
        Emulator::ENDPOINTS,
        Content::ENDPOINTS,
        Progress::ENDPOINTS,
        Auth::ENDPOINTS,
    ];
    if let Some(only) = &options.only {
        ensure!(
            known.iter().flat_map(|e| e.iter()).any(|e| e.id == *only),
            "no endpoint {only}"
        );
    }
    // Fail before arranging anything when the emulator is not named.
    testkit::emulator_endpoint();
    let load_before = load_average();
    let started = Instant::now();
    let mut rows = Vec::new();
    measure::<Emulator>(&options, &mut rows).await?;
    measure::<Content>(&options, &mut rows).await?;
    measure::<Progress>(&options, &mut rows).await?;
    measure::<Auth>(&options, &mut rows).await?;
    println!(
        "{}\nwarm-up {WARM_UP} requests per endpoint; load average (1/5/15 min) before {load_before}, \
         after {}; {:.0} s in all",
        report(&rows),
        load_average(),
        started.elapsed().as_secs_f64(),
    );
    if options.count {
        println!("\n{}", cost_report(&rows)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_operations_are_counted_once_with_their_number() {
        let ops: Vec<String> = ["GetItem", "GetItem", "Query"].map(str::to_owned).to_vec();
        assert_eq!(operations(&ops), "GetItem ×2, Query");
        assert_eq!(operations(&[]), "none");
    }

    #[test]
    fn quantiles_are_nearest_rank() {
        let row = Row {
            function: "f",
            endpoint: Endpoint { id: "e", what: "" },
            samples: (1..=100).map(Duration::from_millis).collect(),
            cpu: Duration::ZERO,
            operations: None,
            demand: None,
        };
        assert_eq!(row.quantile(0.5), Duration::from_millis(50));
        assert_eq!(row.quantile(0.99), Duration::from_millis(99));
        assert_eq!(row.quantile(0.0), Duration::from_millis(1), "the minimum");
    }
}
