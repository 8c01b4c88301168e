//! Search over what is published: found through the route, on the real table, as soon as it
//! is published and never while it is a draft or archived; the queries a learner types over
//! the demo catalogue find what they should first (the relevance set; the generated set of
//! 5,000 documents is the engine's own, in `functions/content/tests/relevance.rs`).

use std::time::{Duration, Instant};

use content_tests::{TestApp, unique_slug, with_cursor};
use serde_json::{Value, json};

/// The URLs of a search's hits, in order.
fn urls(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|hit| hit["url"].as_str().expect("a url").to_owned())
        .collect()
}

/// `GET /search?q=<q>`'s first page.
async fn search(app: &TestApp, query: &str) -> Value {
    app.get(&format!("/search?{query}"))
        .await
        .assert_status(200)
        .json()
}

/// Searches with `query` until `found` says the hits are as expected, for at most a second
/// after `since`; how long that took.
async fn within_a_second(
    app: &TestApp,
    query: &str,
    since: Instant,
    found: impl Fn(&[String]) -> bool,
) -> Duration {
    loop {
        let hits = urls(&search(app, query).await);
        if found(&hits) {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < Duration::from_secs(1),
            "after a second the search for {query} still answers {hits:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_published_article_is_found_within_a_second_and_not_once_archived() {
    let app = TestApp::spawn().await;
    let author = app.instructor().await;
    let slug = unique_slug("idempotency");
    app.create_article(
        &author,
        &slug,
        json!({"title": "Idempotency keys for payment APIs"}),
    )
    .await;
    let query = "q=idempotency%20keys";
    assert!(
        urls(&search(&app, query).await).is_empty(),
        "a draft is never found"
    );

    let published = Instant::now();
    app.publish(&author, "articles", &slug)
        .await
        .assert_status(200);
    let url = format!("/articles/{slug}");
    within_a_second(&app, query, published, |hits| {
        hits.len() == 1 && hits[0].ends_with(&url)
    })
    .await;

    let archived = Instant::now();
    app.archive(&author, "articles", &slug)
        .await
        .assert_status(200);
    within_a_second(&app, query, archived, <[String]>::is_empty).await;
}

#[tokio::test]
async fn a_hit_says_its_kind_url_title_and_where_the_words_matched() {
    let app = TestApp::spawn().await;
    let author = app.instructor().await;
    let slug = unique_slug("contracts");
    let article = app
        .published_article(
            &author,
            &slug,
            json!({"title": "Contract tests for microservices",
                   "excerpt": "Consumer-driven contract testing keeps services honest."}),
        )
        .await;

    let page = search(&app, "q=contract%20testing").await;
    let hit = &page["items"][0];
    assert_eq!(hit["kind"], "article");
    assert_eq!(hit["id"], article["id"]);
    assert_eq!(hit["title"], "Contract tests for microservices");
    assert!(hit["url"].as_str().is_some_and(|u| u.ends_with(&slug)));
    let text = hit["snippet"]["text"].as_str().expect("a snippet");
    let marked: Vec<String> = hit["snippet"]["highlights"]
        .as_array()
        .expect("highlights")
        .iter()
        .map(|range| {
            let (start, end) = (
                range[0].as_u64().unwrap_or(0),
                range[1].as_u64().unwrap_or(0),
            );
            let (start, end) = (
                usize::try_from(start).unwrap_or(0),
                usize::try_from(end).unwrap_or(0),
            );
            text.chars().skip(start).take(end - start).collect()
        })
        .collect();
    assert!(
        marked.iter().any(|w| w.eq_ignore_ascii_case("contract"))
            && marked.iter().any(|w| w.eq_ignore_ascii_case("testing")),
        "the matched words are marked in {text:?}: {marked:?}"
    );
}

#[tokio::test]
async fn a_query_that_is_missing_blank_or_too_long_is_refused_and_common_words_find_nothing() {
    let app = TestApp::spawn().await;
    for query in ["", "q=", "q=%20%20", &format!("q={}", "a".repeat(201))] {
        let response = app.get(&format!("/search?{query}")).await;
        let fields = content_tests::invalid_fields(&response);
        assert_eq!(fields, ["q"], "{query}");
    }
    let page = search(&app, "q=how%20to%20the").await;
    assert_eq!(page["items"], json!([]), "only common words: nothing");
    app.get("/search?q=x&kind=lesson").await.assert_status(400);
}

#[tokio::test]
async fn hits_come_a_page_at_a_time_filtered_by_kind_level_and_tag() {
    let app = TestApp::spawn().await;
    let author = app.instructor().await;
    let mut articles = Vec::new();
    for n in 0..3 {
        let slug = unique_slug(&format!("observability-{n}"));
        app.published_article(
            &author,
            &slug,
            json!({"title": format!("Observability note {n}"), "tags": ["operations"]}),
        )
        .await;
        articles.push(slug);
    }
    let course = unique_slug("observability-course");
    app.published_course(
        &author,
        &course,
        json!({"title": "Observability in practice", "level": "advanced"}),
    )
    .await;

    let first = search(&app, "q=observability&limit=3").await;
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = app
        .get(&with_cursor("/search?q=observability&limit=3", cursor))
        .await
        .assert_status(200)
        .json();
    let mut all = urls(&first);
    all.extend(urls(&second));
    assert_eq!(all.len(), 4, "{all:?}");
    assert!(second["next_cursor"].is_null(), "{second}");
    assert!(
        all[0].ends_with(&articles[2]) || all[0].ends_with(&course),
        "the newest first among equal title hits: {all:?}"
    );
    app.get(&with_cursor("/search?q=observation", cursor))
        .await
        .assert_problem(400, "malformed-request");

    let courses = urls(&search(&app, "q=observability&kind=course").await);
    assert!(
        courses.len() == 1 && courses[0].ends_with(&course),
        "{courses:?}"
    );
    let advanced = urls(&search(&app, "q=observability&level=advanced").await);
    assert!(
        advanced.len() == 1 && advanced[0].ends_with(&course),
        "{advanced:?}"
    );
    let tagged = urls(&search(&app, "q=observability&tag=operations").await);
    assert_eq!(tagged.len(), 3, "{tagged:?}");
}

#[tokio::test]
async fn a_search_on_a_warm_instance_is_one_request_and_a_publication_adds_one_query() {
    let (app, proxy) = TestApp::spawn_counting().await;
    let author = app.instructor().await;
    app.published_article(&author, &unique_slug("warm"), json!({}))
        .await;
    search(&app, "q=backend").await;

    proxy.clear_operations();
    search(&app, "q=backend").await;
    assert_eq!(
        proxy.operations(),
        ["GetItem"],
        "the stamp, and nothing else"
    );

    app.published_article(&author, &unique_slug("newer"), json!({}))
        .await;
    proxy.clear_operations();
    search(&app, "q=backend").await;
    assert_eq!(
        proxy.operations(),
        ["GetItem", "Query"],
        "the stamp moved: the entries are read again, in one page"
    );
}

/// What a learner types, and the page (its path) that must come first; over the demo
/// catalogue (`infra/local/demo-catalog.json`).
const RELEVANCE: &[(&str, &str)] = &[
    // Title words, and a title hit above body hits.
    ("q=microservices", "/articles/backend-api-developer-roadmap"),
    (
        "q=hybrid",
        "/articles/master-frontend-and-backend-for-hybrid-roles",
    ),
    (
        "q=full%20stack",
        "/articles/mastering-full-stack-development",
    ),
    (
        "q=trends",
        "/articles/software-engineering-in-2026-five-trends",
    ),
    (
        "q=key%20trends",
        "/articles/software-engineering-in-2026-five-trends",
    ),
    ("q=top%20skills", "/articles/top-backend-skills-to-learn"),
    ("q=become", "/articles/how-to-become-a-back-end-developer"),
    ("q=benefits", "/articles/back-end-developer-career-path"),
    ("q=e-learning", "/articles/back-end-developer-career-path"),
    ("q=database%20engineer", "/paths/database-engineer"),
    ("q=devops", "/paths/devops-platform-engineer"),
    (
        "q=cloud%20backend%20engineer",
        "/paths/backend-developer-to-cloud-backend-engineer",
    ),
    (
        "q=backend%20program",
        "/courses/backend-development-program",
    ),
    // Case and diacritics folded.
    ("q=EXPRESS", "/courses/backend-development-program"),
    ("q=%C3%A9xpress", "/courses/backend-development-program"),
    (
        "q=Hybr%C3%AFd",
        "/articles/master-frontend-and-backend-for-hybrid-roles",
    ),
    // Module and lesson titles, article headings, summaries.
    ("q=event%20loop", "/courses/backend-development-program"),
    ("q=query%20plans", "/courses/backend-development-program"),
    ("q=bookmarks", "/courses/backend-development-program"),
    ("q=containers", "/courses/backend-development-program"),
    (
        "q=learning%20online",
        "/articles/back-end-developer-career-path",
    ),
    ("q=leadership", "/articles/back-end-developer-career-path"),
    ("q=interfaces", "/articles/mastering-full-stack-development"),
    // Stemming.
    ("q=microservice", "/articles/backend-api-developer-roadmap"),
    (
        "q=tested%20performance",
        "/courses/backend-development-program",
    ),
    ("q=debug", "/courses/backend-development-program"),
    (
        "q=roadmaps%20microservices",
        "/articles/backend-api-developer-roadmap",
    ),
    // The last word as typed so far.
    ("q=micro", "/articles/backend-api-developer-roadmap"),
    ("q=devo", "/paths/devops-platform-engineer"),
    ("q=bookm", "/courses/backend-development-program"),
    ("q=database%20eng", "/paths/database-engineer"),
    // One typo in a word of five letters or more.
    ("q=microservces", "/articles/backend-api-developer-roadmap"),
    (
        "q=hybird",
        "/articles/master-frontend-and-backend-for-hybrid-roles",
    ),
    ("q=authorization", "/courses/backend-development-program"),
    ("q=platfrom%20engineer", "/paths/devops-platform-engineer"),
    ("q=contaners", "/courses/backend-development-program"),
    // Filters.
    (
        "q=backend&kind=path",
        "/paths/backend-developer-to-cloud-backend-engineer",
    ),
    (
        "q=backend&level=beginner",
        "/courses/backend-development-program",
    ),
    (
        "q=valuable&tag=full-stack",
        "/articles/mastering-full-stack-development",
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relevance_set_finds_what_a_learner_means_first_in_the_demo_catalogue() {
    let app = TestApp::spawn().await;
    let base = app.serve().await;
    let (instructor, admin) = (app.instructor().await, app.admin().await);
    crate::demo::load(&base, &instructor, &admin).await;

    let mut misses = Vec::new();
    for (query, first) in RELEVANCE {
        let hits = urls(&search(&app, query).await);
        if !hits.first().is_some_and(|url| url.ends_with(first)) {
            misses.push(format!("{query}: expected {first} first, got {hits:?}"));
        }
    }
    assert!(
        misses.is_empty(),
        "{} of {} queries missed:\n{}",
        misses.len(),
        RELEVANCE.len(),
        misses.join("\n")
    );
    for nothing in ["q=kubernetes", "q=zzzz"] {
        assert!(urls(&search(&app, nothing).await).is_empty(), "{nothing}");
    }
}
