//! A bounded load run against a running stack (`./dev load`, or `SMOKE_BASE_URL` of any stack
//! whose instructor and admin can log in): learners enroll in a few fresh courses and complete
//! every lesson, two requests at a time per learner, taking one back and doing it again, while
//! an instructor writes, publishes and archives articles. Afterwards it checks what must hold:
//! no 5xx, every answer the one expected, each course's counters equal to a recount of its
//! learners' own progress, the tag count equal to the listing. Prints the figures as Markdown.
//!
//! Environment: `SMOKE_BASE_URL`; `LOAD_LEARNERS` (default 24), `LOAD_COURSES` (3),
//! `LOAD_LESSONS` (6), `LOAD_ARTICLES` (12); `LOAD_INSTRUCTOR` and `LOAD_ADMIN` as
//! `email:password` (default: the local demo accounts of `infra/local/demo-catalog.json`).

// A command-line report: its figures go to standard output.
#![allow(clippy::print_stdout)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use smoke_tests::{Api, Call, Learner, Page, Progress, Reply, TagCount, login};

/// What one kind of request took, and how each answered.
#[derive(Default)]
struct Figures {
    latencies: BTreeMap<&'static str, Vec<Duration>>,
    statuses: BTreeMap<u16, usize>,
    unexpected: Vec<String>,
}

/// Sends requests and writes down their figures.
#[derive(Clone)]
struct Load {
    api: Arc<Api>,
    figures: Arc<Mutex<Figures>>,
}

impl Load {
    /// Sends `call`, files its time under `kind`, and notes it when its status is not `expected`.
    async fn send(&self, kind: &'static str, call: Call, expected: &[u16]) -> Reply {
        let started = Instant::now();
        let reply = call.send().await;
        let took = started.elapsed();
        let mut figures = self.figures.lock().expect("figures");
        figures.latencies.entry(kind).or_default().push(took);
        *figures.statuses.entry(reply.status).or_default() += 1;
        if !expected.contains(&reply.status) {
            let text = reply.text();
            figures.unexpected.push(format!(
                "{kind}: {} {}",
                reply.status,
                &text[..text.len().min(200)]
            ));
        }
        reply
    }
}

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name} must be a number"))
        })
        .unwrap_or(default)
}

/// `email:password` from `name`, or the local demo account of `role`.
fn account(name: &str, role: &str) -> (String, String) {
    let given = std::env::var(name).ok().filter(|v| !v.is_empty());
    let pair = given.unwrap_or_else(|| {
        let catalog: Value =
            serde_json::from_str(include_str!("../../../../infra/local/demo-catalog.json"))
                .expect("the demo catalog");
        let demo = catalog["accounts"]
            .as_array()
            .and_then(|all| all.iter().find(|a| a["role"] == role))
            .expect("a demo account of that role");
        format!("{}:{}", text(&demo["email"]), text(&demo["password"]))
    });
    let (email, password) = pair.split_once(':').expect("email:password");
    (email.to_owned(), password.to_owned())
}

fn seo(name: &str) -> Value {
    json!({"meta_title": format!("{name} | load run"),
        "meta_description": format!("{name}, made by the load run of skillpath's API.")})
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

/// A fresh published course of one module and `lessons` lessons: (id, lesson ids).
async fn course(load: &Load, token: &str, name: &str, lessons: usize) -> (String, Vec<String>) {
    let api = &load.api;
    let made = load
        .send(
            "author",
            api.post("/courses").bearer(token).json(&json!({
                "slug": name, "title": format!("Load run {name}"), "level": "beginner",
                "summary": "A course made by the load run.", "tags": ["load-run"],
                "description": "Made by the load run to be enrolled in and completed.",
                "seo": seo(name),
            })),
            &[201],
        )
        .await
        .json::<Value>();
    let id = made["id"].as_str().expect("a course id").to_owned();
    let module = load
        .send(
            "author",
            api.post(&format!("/courses/{id}/modules"))
                .bearer(token)
                .json(&json!({"title": "Everything"})),
            &[201],
        )
        .await
        .json::<Value>()["outline"]["modules"][0]["id"]
        .as_str()
        .expect("a module id")
        .to_owned();
    let mut lesson_ids = Vec::new();
    for n in 1..=lessons {
        let path = format!("/courses/{id}/modules/{module}/lessons");
        let body = json!({"slug": format!("step-{n}"), "title": format!("Step {n}"),
            "duration_minutes": 5, "body": format!("Step {n} of the load run.")});
        let reply = load
            .send("author", api.post(&path).bearer(token).json(&body), &[201])
            .await;
        lesson_ids.push(
            reply.json::<Value>()["id"]
                .as_str()
                .expect("a lesson id")
                .to_owned(),
        );
    }
    load.send(
        "publish",
        api.post(&format!("/courses/{id}/publish")).bearer(token),
        &[200],
    )
    .await
    .assert_status(200);
    (id, lesson_ids)
}

/// One learner's work: enroll in every course, complete its lessons two at a time, take the
/// first back and complete it again, reading the course page on the way.
async fn learn(load: Load, token: String, courses: Arc<Vec<(String, Vec<String>)>>) {
    let api = Arc::clone(&load.api);
    for (course, lessons) in courses.iter() {
        let enroll = api
            .post("/me/enrollments")
            .bearer(&token)
            .json(&json!({"course_id": course}));
        load.send("enroll", enroll, &[201]).await;
        for pair in lessons.chunks(2) {
            let mut both = tokio::task::JoinSet::new();
            for lesson in pair {
                let path = format!("/me/courses/{course}/lessons/{lesson}/completion");
                let call = api.put(&path).bearer(&token);
                let load = load.clone();
                both.spawn(async move { load.send("complete", call, &[200]).await });
            }
            both.join_all().await;
            load.send(
                "course page",
                api.get(&format!("/courses/{course}")),
                &[200],
            )
            .await;
        }
        let first = format!("/me/courses/{course}/lessons/{}/completion", lessons[0]);
        load.send("uncomplete", api.delete(&first).bearer(&token), &[200])
            .await;
        load.send("complete", api.put(&first).bearer(&token), &[200])
            .await;
    }
}

/// The instructor's work meanwhile: articles written and published, every third archived.
async fn write(load: Load, token: String, run: String, articles: usize) -> usize {
    let api = &load.api;
    let mut published = 0;
    for n in 1..=articles {
        let slug = format!("{run}-note-{n}");
        let body = json!({"slug": slug, "title": format!("Load run note {n}"),
            "excerpt": "Written during the load run.", "tags": [run],
            "body": format!("Note {n}, written while learners complete lessons."),
            "seo": seo(&slug)});
        load.send(
            "author",
            api.post("/articles").bearer(&token).json(&body),
            &[201],
        )
        .await;
        let publish = api
            .post(&format!("/articles/{slug}/publish"))
            .bearer(&token);
        load.send("publish", publish, &[200]).await;
        published += 1;
        if n % 3 == 0 {
            let archive = api
                .post(&format!("/articles/{slug}/archive"))
                .bearer(&token);
            load.send("archive", archive, &[200]).await;
            published -= 1;
        }
    }
    published
}

/// Every item of a listing, page by page.
async fn all_pages(load: &Load, kind: &'static str, path: &str, token: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page_path = match &cursor {
            Some(c) => format!(
                "{path}{}cursor={c}",
                if path.contains('?') { '&' } else { '?' }
            ),
            None => path.to_owned(),
        };
        let call = load.api.get(&page_path).bearer(token);
        let page: Page<Value> = load.send(kind, call, &[200]).await.json();
        items.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return items,
        }
    }
}

/// The checks after the run: each course's counters against a recount of its learners' own
/// progress and its roster; the run's tag against the article listing. Failures, in words.
async fn reconcile(
    load: &Load,
    admin: &str,
    learners: &[Learner],
    courses: &[(String, Vec<String>)],
    run: &str,
    published: usize,
) -> Vec<String> {
    let api = &load.api;
    let mut failures = Vec::new();
    for (course, lessons) in courses {
        let mut lesson_counts: BTreeMap<String, i64> = BTreeMap::new();
        let (mut completed, mut certificates) = (0, 0);
        for learner in learners {
            let path = format!("/me/courses/{course}/progress");
            let call = api.get(&path).bearer(learner.access_token());
            let reply = load.send("progress", call, &[200]).await;
            if reply.status != 200 {
                failures.push(format!(
                    "course {course}: a learner's progress answered {}",
                    reply.status
                ));
                continue;
            }
            let progress: Progress = reply.json();
            for lesson in &progress.completed_lesson_ids {
                *lesson_counts.entry(lesson.clone()).or_default() += 1;
            }
            completed += i64::from(progress.completed_at.is_some());
            certificates += i64::from(progress.certificate_id.is_some());
        }
        let call = api.get(&format!("/courses/{course}/stats")).bearer(admin);
        let stats: Value = load.send("stats", call, &[200]).await.json();
        let roster = all_pages(
            load,
            "roster",
            &format!("/courses/{course}/learners"),
            admin,
        )
        .await;
        let enrolled = learners.len() as i64;
        let mut compare = |what: &str, counter: i64, recount: i64| {
            if counter != recount {
                failures.push(format!(
                    "course {course}: {what} is {counter}, recounted {recount}"
                ));
            }
        };
        compare(
            "enrolled",
            stats["enrolled"].as_i64().unwrap_or(-1),
            enrolled,
        );
        compare("active", stats["active"].as_i64().unwrap_or(-1), enrolled);
        compare(
            "completed",
            stats["completed"].as_i64().unwrap_or(-1),
            completed,
        );
        compare("certificates issued", completed, certificates);
        compare("roster length", roster.len() as i64, enrolled);
        for lesson in lessons {
            let counter = stats["lessons"]
                .as_array()
                .and_then(|all| all.iter().find(|l| l["lesson_id"] == lesson.as_str()))
                .and_then(|l| l["completions"].as_i64())
                .unwrap_or(-1);
            let recount = lesson_counts.get(lesson).copied().unwrap_or(0);
            compare(&format!("lesson {lesson}'s completions"), counter, recount);
        }
        compare("learners who completed every lesson", completed, enrolled);
    }
    let tags: Page<TagCount> = load.send("tags", api.get("/tags"), &[200]).await.json();
    let counted = tags
        .items
        .iter()
        .find(|t| t.tag == run)
        .map_or(0, |t| t.articles);
    let listed = all_pages(load, "listing", &format!("/articles?tag={run}"), admin).await;
    if counted != published as u64 || listed.len() != published {
        failures.push(format!(
            "tag {run}: counted {counted}, listed {}, published {published}",
            listed.len()
        ));
    }
    failures
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let api = Arc::new(Api::from_env());
    let (learner_count, course_count, lessons, articles) = (
        setting("LOAD_LEARNERS", 24),
        setting("LOAD_COURSES", 3),
        setting("LOAD_LESSONS", 6),
        setting("LOAD_ARTICLES", 12),
    );
    let load = Load {
        api: Arc::clone(&api),
        figures: Arc::default(),
    };
    let run = format!("load-{}", &uuid::Uuid::now_v7().simple().to_string()[20..]);
    let (email, password) = account("LOAD_INSTRUCTOR", "instructor");
    let instructor = login(&api, &email, &password).await.access_token;
    let (email, password) = account("LOAD_ADMIN", "admin");
    let admin = login(&api, &email, &password).await.access_token;

    eprintln!(
        "load run {run}: {course_count} courses of {lessons} lessons, {learner_count} learners, {articles} articles"
    );
    let mut courses = Vec::new();
    for n in 1..=course_count {
        courses.push(course(&load, &instructor, &format!("{run}-course-{n}"), lessons).await);
    }
    let courses = Arc::new(courses);
    let mut learners = Vec::new();
    for n in 1..=learner_count {
        let learner = Learner::register(&api, &format!("Load Learner {n}")).await;
        // Enrolling needs a verified address: the admin vouches for it, as for the smoke suite.
        let vouch = api
            .patch(&format!("/auth/users/{}", learner.account.id))
            .bearer(&admin)
            .json(&json!({"email_verified": true}));
        load.send("verify", vouch, &[200]).await.assert_status(200);
        learners.push(learner);
    }

    let started = Instant::now();
    let mut work = tokio::task::JoinSet::new();
    for learner in &learners {
        work.spawn(learn(
            load.clone(),
            learner.access_token().to_owned(),
            Arc::clone(&courses),
        ));
    }
    let writer = tokio::spawn(write(
        load.clone(),
        instructor.clone(),
        run.clone(),
        articles,
    ));
    work.join_all().await;
    let published = writer.await.expect("the writer");
    let wall = started.elapsed();

    let failures = reconcile(&load, &admin, &learners, &courses, &run, published).await;
    let figures = load.figures.lock().expect("figures");
    let total: usize = figures.statuses.values().sum();
    let server_errors: usize = figures
        .statuses
        .iter()
        .filter(|(s, _)| **s >= 500)
        .map(|(_, n)| n)
        .sum();
    println!("| request | count | p50 ms | p95 ms | p99 ms | max ms |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (kind, latencies) in &figures.latencies {
        let mut sorted = latencies.clone();
        sorted.sort();
        println!(
            "| {kind} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            sorted.len(),
            percentile(&sorted, 0.5),
            percentile(&sorted, 0.95),
            percentile(&sorted, 0.99),
            percentile(&sorted, 1.0),
        );
    }
    println!(
        "\n{total} requests; the concurrent phase took {:.1} s; statuses {:?}; 5xx: {server_errors}; \
         unexpected answers: {}; reconciliation failures: {}",
        wall.as_secs_f64(),
        figures.statuses,
        figures.unexpected.len(),
        failures.len()
    );
    for line in figures.unexpected.iter().take(20).chain(&failures) {
        eprintln!("  {line}");
    }
    if server_errors > 0 || !figures.unexpected.is_empty() || !failures.is_empty() {
        std::process::exit(1);
    }
}
