//! The demo catalog loader (`infra/local/seed-demo`, run by `./dev run`), run for real —
//! the Python script over HTTP against the function on fresh tables — twice.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use content_tests::{Caller, TestApp};
use serde_json::Value;

fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// Runs the loader against `base` with the tokens of `instructor` and `admin`; returns what it
/// printed.
pub(crate) async fn load(base: &str, instructor: &Caller, admin: &Caller) -> String {
    let mut command = Command::new("python3");
    command
        .arg(repo_file("infra/local/seed-demo"))
        .arg(base)
        .env("SEED_DEMO_INSTRUCTOR_TOKEN", &instructor.token)
        .env("SEED_DEMO_ADMIN_TOKEN", &admin.token);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("the loader ran")
        .expect("python3 runs the loader");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "the loader failed ({}): {stdout}{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// How many of each thing the catalog holds, counted both in the table and through the
/// public listings (which must not repeat anything).
async fn inventory(app: &TestApp) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for entity in ["course", "lesson", "article", "path", "slug", "card", "tag"] {
        counts.insert(entity, app.stored(entity).await.len());
    }
    for (name, listing) in [
        ("listed courses", "/courses"),
        ("listed articles", "/articles"),
        ("listed paths", "/paths"),
    ] {
        let items = app.all_pages(listing).await;
        let mut ids: Vec<&Value> = items.iter().map(|i| &i["id"]).collect();
        ids.sort_by_key(|id| id.to_string());
        ids.dedup();
        assert_eq!(ids.len(), items.len(), "{listing} lists something twice");
        counts.insert(name, items.len());
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loading_the_demo_content_twice_leaves_no_duplicates() {
    let app = TestApp::spawn().await;
    let base = app.serve().await;
    let (instructor, admin) = (app.instructor().await, app.admin().await);
    let catalog: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_file("infra/local/demo-catalog.json"))
            .expect("the demo catalog"),
    )
    .expect("the demo catalog is JSON");
    let course = &catalog["courses"][0];
    let lessons: usize = course["modules"]
        .as_array()
        .expect("modules")
        .iter()
        .map(|m| m["lessons"].as_array().map_or(0, Vec::len))
        .sum();
    let articles = catalog["articles"].as_array().expect("articles").len();
    let paths = catalog["paths"].as_array().expect("paths").len();

    let first = load(&base, &instructor, &admin).await;
    let loaded = inventory(&app).await;
    let second = load(&base, &instructor, &admin).await;
    let reloaded = inventory(&app).await;

    assert_eq!(loaded, reloaded, "the second load changed the catalog");
    assert!(
        second.contains(" 0 created"),
        "the second load created something: {second}"
    );
    assert!(
        !first.contains(" 0 created"),
        "the first load created nothing: {first}"
    );
    assert_eq!(loaded["course"], 1);
    assert_eq!(loaded["listed courses"], 1, "the course is published");
    assert_eq!(loaded["lesson"], lessons);
    assert_eq!(loaded["article"], articles);
    assert_eq!(
        loaded["listed articles"], articles,
        "every article is published"
    );
    assert_eq!(loaded["path"], paths);
    assert_eq!(
        loaded["listed paths"], paths,
        "every career path is published"
    );

    let slug = course["slug"].as_str().expect("a slug");
    let page = app
        .get(&format!("/courses/{slug}"))
        .await
        .assert_status(200)
        .json();
    let modules: Vec<&str> = page["outline"]["modules"]
        .as_array()
        .expect("modules")
        .iter()
        .filter_map(|m| m["title"].as_str())
        .collect();
    let wanted: Vec<&str> = course["modules"]
        .as_array()
        .expect("modules")
        .iter()
        .filter_map(|m| m["title"].as_str())
        .collect();
    assert_eq!(modules, wanted, "each module once, in order");
    let projects: Vec<usize> = page["outline"]["modules"]
        .as_array()
        .expect("modules")
        .iter()
        .map(|m| {
            m["lessons"]
                .as_array()
                .expect("lessons")
                .iter()
                .filter(|l| l["project"]["criteria"].as_u64().is_some_and(|n| n > 0))
                .count()
        })
        .collect();
    assert_eq!(
        projects,
        vec![1; wanted.len()],
        "one project per module, each with a rubric"
    );
    println!("demo catalog after two loads: {reloaded:?}\nfirst: {first}second: {second}");
}
