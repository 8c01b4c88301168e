//! content: what a visitor (no account) reads — courses, a preview lesson, articles with their
//! structured data, tags, career paths and the sitemap — and how caches revalidate it.

use serde_json::Value;
use smoke_tests::{
    Api, Article, ArticleCard, CareerPath, Lesson, Module, PathCard, Tags, first_course,
    first_listed,
};

/// The namespace of sitemaps.org's protocol 0.9.
const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

/// `json_ld` as the JSON document a search engine reads.
#[track_caller]
fn json_ld(page: &str, text: &str) -> Value {
    let document: Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("the JSON-LD of {page} does not parse ({e}): {text}"));
    assert_eq!(
        document["@context"], "https://schema.org",
        "the JSON-LD of {page}"
    );
    document
}

#[tokio::test]
#[ignore = "needs SMOKE_BASE_URL: a deployed or local stack"]
async fn a_visitor_opens_the_first_course_by_slug_and_reads_a_preview_lesson() {
    let api = Api::from_env();

    let listing = api.get("/courses").send().await.assert_status(200);
    let cache_control = listing.header("cache-control").unwrap_or_default();
    assert!(
        cache_control.starts_with("public"),
        "the public catalog is not cacheable: Cache-Control {cache_control:?}"
    );
    let (card, course) = first_course(&api).await;
    assert_eq!(
        (course.id.as_str(), course.slug.as_str()),
        (card.id.as_str(), card.slug.as_str()),
        "the course's page is another course than its listing entry"
    );
    assert_eq!(course.status, "published");
    assert_eq!(
        course.lesson_count,
        course.outline.lessons().count(),
        "lesson_count disagrees with the outline"
    );
    let structured = json_ld(&card.slug, &course.json_ld);
    assert_eq!(structured["@type"], "Course");
    assert_eq!(structured["url"], course.canonical_url.as_str());

    let preview = course
        .outline
        .lessons()
        .find(|lesson| lesson.preview)
        .unwrap_or_else(|| {
            panic!(
                "the first course ({}) has no preview lesson: the content journey reads one",
                card.slug
            )
        });
    let lesson: Lesson = api
        .get(&format!("/courses/{}/lessons/{}", card.slug, preview.slug))
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(lesson.id, preview.id, "another lesson than the outline's");
    assert!(lesson.preview);
    assert_eq!(lesson.course.id, course.id);
    assert!(
        !lesson.body_html.trim().is_empty(),
        "the preview lesson has no body"
    );

    let first = &course.outline.modules[0];
    let module: Module = api
        .get(&format!("/courses/{}/modules/{}", card.slug, first.id))
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(
        (module.title.as_str(), module.lessons.len()),
        (first.title.as_str(), first.lessons.len()),
        "the module's own URL shows another module than the outline's"
    );
}

#[tokio::test]
#[ignore = "needs SMOKE_BASE_URL: a deployed or local stack"]
async fn a_course_page_revalidates_with_its_etag() {
    let api = Api::from_env();
    let (card, _) = first_course(&api).await;
    let path = format!("/courses/{}", card.slug);

    let page = api.get(&path).send().await.assert_status(200);
    let etag = page.etag();
    let revalidated = api
        .get(&path)
        .header("if-none-match", &etag)
        .send()
        .await
        .assert_status(304);

    assert!(revalidated.body.is_empty(), "a 304 with a body");
    assert_eq!(revalidated.header("etag"), Some(etag.as_str()));
    let stale = api
        .get(&path)
        .header("if-none-match", "\"an-old-version\"")
        .send()
        .await;
    assert_eq!(stale.status, 200, "an old ETag must get the page");
}

#[tokio::test]
#[ignore = "needs SMOKE_BASE_URL: a deployed or local stack"]
async fn a_visitor_reads_an_article_whose_json_ld_parses() {
    let api = Api::from_env();
    let card: ArticleCard = first_listed(&api, "/articles").await;

    let article: Article = api
        .get(&format!("/articles/{}", card.slug))
        .send()
        .await
        .assert_status(200)
        .json();

    assert_eq!(article.slug, card.slug);
    assert!(
        !article.body_html.trim().is_empty(),
        "the article has no body"
    );
    let structured = json_ld(&card.slug, &article.json_ld);
    assert_eq!(structured["@type"], "Article");
    assert_eq!(structured["headline"], article.title.as_str());
    assert_eq!(structured["url"], article.canonical_url.as_str());
}

#[tokio::test]
#[ignore = "needs SMOKE_BASE_URL: a deployed or local stack"]
async fn the_tags_count_the_published_courses_and_the_career_paths_open() {
    let api = Api::from_env();
    let (card, _) = first_course(&api).await;

    let tags: Tags = api.get("/tags").send().await.assert_status(200).json();
    for tag in &card.tags {
        let listed = tags.items.iter().find(|t| &t.tag == tag);
        assert!(
            listed.is_some_and(|t| t.courses >= 1),
            "GET /tags does not count the course {} under its tag {tag}: {listed:?}",
            card.slug
        );
    }
    assert!(
        tags.items.iter().all(|t| t.courses + t.articles >= 1),
        "GET /tags lists a tag nothing published carries"
    );

    let first: PathCard = first_listed(&api, "/paths").await;
    let path: CareerPath = api
        .get(&format!("/paths/{}", first.slug))
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(path.slug, first.slug);
    assert!(
        !path.steps.is_empty(),
        "the career path {} shows no step",
        path.slug
    );
    assert!(
        path.steps.iter().all(|s| s.status == "published"),
        "a visitor sees an unpublished step of {}",
        path.slug
    );
}

#[tokio::test]
#[ignore = "needs SMOKE_BASE_URL: a deployed or local stack"]
async fn the_sitemap_parses_and_lists_the_course_and_article_urls() {
    let api = Api::from_env();
    let (course, _) = first_course(&api).await;
    let article: ArticleCard = first_listed(&api, "/articles").await;

    let sitemap = api.get("/sitemap.xml").send().await.assert_status(200);
    let content_type = sitemap.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("application/xml"),
        "the sitemap is {content_type:?}"
    );
    let xml = sitemap.text();
    let document = roxmltree::Document::parse(&xml)
        .unwrap_or_else(|e| panic!("the sitemap is not XML ({e}): {xml}"));
    let root = document.root_element();
    assert_eq!(
        (root.tag_name().namespace(), root.tag_name().name()),
        (Some(SITEMAP_NS), "urlset"),
        "the sitemap's root element"
    );
    let locations: Vec<&str> = root
        .descendants()
        .filter(|node| node.has_tag_name((SITEMAP_NS, "loc")))
        .filter_map(|node| node.text())
        .collect();

    for url in [&course.url, &article.url] {
        assert!(
            locations.contains(&url.as_str()),
            "the sitemap does not list {url}: {locations:?}"
        );
    }
}

#[tokio::test]
#[ignore = "needs SMOKE_BASE_URL: a deployed or local stack"]
async fn the_api_document_is_served_and_revalidates() {
    let api = Api::from_env();
    let served = api.get("/openapi.json").send().await.assert_status(200);
    let document: Value = served.json();
    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "not an OpenAPI 3.1 document: {}",
        document["openapi"]
    );
    for path in [
        "/courses",
        "/auth/login",
        "/me/enrollments",
        "/openapi.json",
    ] {
        assert!(
            document["paths"][path].is_object(),
            "the document lacks {path}"
        );
    }
    let etag = served.etag();
    api.get("/openapi.json")
        .header("if-none-match", &etag)
        .send()
        .await
        .assert_status(304);
}

#[tokio::test]
#[ignore = "needs SMOKE_BASE_URL: a deployed or local stack"]
async fn a_visitor_finds_the_first_course_by_its_title_as_they_type_it() {
    let api = Api::from_env();
    let (card, course) = first_course(&api).await;
    let title = course.title.to_lowercase();
    let typed = &title[..title.len().min(6)];
    for query in [title.as_str(), typed] {
        let page: Value = api
            .get(&format!("/search?q={}", query.replace(' ', "%20")))
            .send()
            .await
            .assert_status(200)
            .json();
        let urls: Vec<&str> = page["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|hit| hit["url"].as_str())
            .collect();
        assert!(
            urls.contains(&card.url.as_str()),
            "searching {query:?} does not find {}: {urls:?}",
            card.url
        );
    }
    api.get("/search?q=")
        .send()
        .await
        .assert_problem(422, "validation-failed");
}

#[tokio::test]
#[ignore = "needs SMOKE_BASE_URL: a deployed or local stack"]
async fn an_admin_finds_every_course_in_the_workspace_and_checks_it_is_ready() {
    let api = Api::from_env();
    let tokens = api
        .admin_login()
        .await
        .expect("the workspace needs the smoke admin (SMOKE_ADMIN_EMAIL)");
    let (card, _) = first_course(&api).await;
    let workspace: Value = api
        .get("/workspace?kind=course&status=published&limit=100")
        .bearer(&tokens.access_token)
        .send()
        .await
        .assert_status(200)
        .json();
    let ids: Vec<&str> = workspace["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|entry| entry["id"].as_str())
        .collect();
    assert!(
        ids.contains(&card.id.as_str()) || workspace["next_cursor"].is_string(),
        "the admin's workspace lacks the published course {}: {ids:?}",
        card.slug
    );
    let readiness: Value = api
        .get(&format!("/courses/{}/readiness", card.slug))
        .bearer(&tokens.access_token)
        .send()
        .await
        .assert_status(200)
        .json();
    assert_eq!(
        readiness["ready"], true,
        "a published course is ready: {readiness}"
    );
}
