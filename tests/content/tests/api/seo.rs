//! What search engines read: the sitemap (sitemaps.org 0.9, exactly the published URLs) and
//! schema.org JSON-LD that parses, whatever an author typed.

use std::collections::BTreeSet;

use content_tests::{PUBLIC_BASE_URL, TestApp, unique_slug};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

/// The `loc`s of a sitemap, checking it against the protocol on the way.
fn sitemap_locations(xml: &str) -> BTreeSet<String> {
    let document = roxmltree::Document::parse(xml).expect("the sitemap is well-formed XML");
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "urlset", "the root element");
    assert_eq!(
        root.tag_name().namespace(),
        Some(SITEMAP_NS),
        "the sitemap namespace"
    );
    let mut locations = BTreeSet::new();
    for url in root.children().filter(roxmltree::Node::is_element) {
        assert_eq!(
            url.tag_name().name(),
            "url",
            "urlset holds only url elements"
        );
        assert_eq!(url.tag_name().namespace(), Some(SITEMAP_NS));
        let child = |name: &str| {
            url.children()
                .find(|c| c.tag_name().name() == name)
                .and_then(|c| c.text())
                .map(str::to_owned)
        };
        let loc = child("loc").expect("every url has a loc");
        assert!(
            loc.starts_with(PUBLIC_BASE_URL) && loc.len() <= 2048,
            "a loc is an absolute URL of the site, at most 2,048 characters: {loc}"
        );
        let lastmod = child("lastmod").expect("every url has a lastmod");
        OffsetDateTime::parse(&lastmod, &Rfc3339)
            .unwrap_or_else(|e| panic!("lastmod {lastmod} is not a W3C datetime: {e}"));
        assert!(locations.insert(loc.clone()), "{loc} is listed twice");
    }
    locations
}

#[tokio::test]
async fn the_sitemap_parses_follows_the_protocol_and_lists_exactly_the_published_urls() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let admin = app.admin().await;
    let course = unique_slug("listed-course");
    app.published_course(&owner, &course, json!({})).await;
    let renamed = unique_slug("renamed-course");
    app.published_course(&owner, &renamed, json!({})).await;
    let current = unique_slug("current-name");
    app.patch(
        &owner,
        &format!("/courses/{renamed}"),
        &app.etag_of(&owner, &format!("/courses/{renamed}")).await,
        &json!({"slug": current}),
    )
    .await
    .assert_status(200);
    let article = unique_slug("listed-article");
    app.published_article(&owner, &article, json!({})).await;
    let path = unique_slug("listed-path");
    app.post(
        &admin,
        "/paths",
        &json!({
            "slug": path, "title": "Listed", "description": "A route.", "roles": ["API developer"],
            "steps": [{"article": article, "note": "Read first"}],
        }),
    )
    .await
    .assert_status(201);
    app.publish(&admin, "paths", &path).await.assert_status(200);
    app.complete_course(&owner, &unique_slug("draft-course"), json!({}))
        .await;
    let archived = unique_slug("archived-article");
    app.published_article(&owner, &archived, json!({})).await;
    app.archive(&owner, "articles", &archived)
        .await
        .assert_status(200);

    let response = app.get("/sitemap.xml").await;
    response.assert_status(200);
    assert!(
        response
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/xml")),
        "{:?}",
        response.header("content-type")
    );
    let locations = sitemap_locations(&response.text());

    let expected: BTreeSet<String> = [
        format!("/courses/{course}"),
        format!("/courses/{current}"),
        format!("/articles/{article}"),
        format!("/paths/{path}"),
    ]
    .iter()
    .map(|p| format!("{PUBLIC_BASE_URL}{p}"))
    .collect();
    assert_eq!(
        locations, expected,
        "exactly the published URLs, current slugs only"
    );
}

/// The JSON-LD text of a page, parsed.
fn json_ld(page: &Value) -> Value {
    let text = page["json_ld"]
        .as_str()
        .expect("json_ld is text for a script element");
    assert!(
        !text.contains('<') && !text.contains('>'),
        "nothing in the JSON-LD can close its script element: {text}"
    );
    serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("the JSON-LD does not parse ({e}): {text}"))
}

#[tokio::test]
async fn the_json_ld_of_an_article_and_a_course_parses_and_carries_what_was_typed() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let hostile = r#"Quotes " and </script><script>alert(1)</script> & co"#;
    let article_slug = unique_slug("ld-article");
    let article = app
        .published_article(
            &owner,
            &article_slug,
            json!({"title": hostile, "tags": ["apis", "careers"]}),
        )
        .await;

    let ld = json_ld(&article);
    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "Article");
    assert_eq!(ld["headline"], hostile, "the title survives as data");
    assert_eq!(ld["author"]["@type"], "Person");
    assert_eq!(ld["author"]["name"], "Test instructor");
    assert_eq!(ld["articleSection"], "apis", "the primary tag");
    assert_eq!(
        ld["url"],
        format!("{PUBLIC_BASE_URL}/articles/{article_slug}")
    );
    assert_eq!(ld["datePublished"], article["published_at"]);
    assert_eq!(
        ld["description"],
        "The backend developer career path, step by step."
    );

    let course_slug = unique_slug("ld-course");
    let course = app
        .published_course(&owner, &course_slug, json!({"title": hostile}))
        .await;
    let ld = json_ld(&course);
    assert_eq!(ld["@type"], "Course");
    assert_eq!(ld["name"], hostile);
    assert_eq!(ld["provider"]["@type"], "Organization");
    assert_eq!(ld["hasCourseInstance"]["courseWorkload"], "PT24M");
    assert_eq!(
        ld["url"],
        format!("{PUBLIC_BASE_URL}/courses/{course_slug}")
    );
}

#[tokio::test]
async fn a_canonical_url_defaults_to_the_page_and_may_point_elsewhere() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let slug = unique_slug("canonical");
    let own = app.published_article(&owner, &slug, json!({})).await;
    assert_eq!(
        own["canonical_url"],
        format!("{PUBLIC_BASE_URL}/articles/{slug}")
    );

    let crossposted = app
        .published_article(
            &owner,
            &unique_slug("crossposted"),
            json!({"seo": {
                "meta_description": "Cross-posted.",
                "canonical_url": "https://blog.example.org/original",
            }}),
        )
        .await;
    assert_eq!(
        crossposted["canonical_url"],
        "https://blog.example.org/original"
    );
    assert_eq!(
        json_ld(&crossposted)["url"],
        "https://blog.example.org/original"
    );
}
