//! Publishing checks completeness and answers 422 listing everything that is missing; a
//! published thing stays complete.

use content_tests::{Caller, TestApp, article_body, etag, unique_slug};
use serde_json::{Value, json};
use testkit::TestResponse;

/// The `field: message` lines of a 422.
fn problems(response: &TestResponse) -> Vec<String> {
    response.assert_problem(422, "validation-failed");
    response.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                e["field"].as_str().unwrap_or(""),
                e["message"].as_str().unwrap_or("")
            )
        })
        .collect()
}

fn assert_names(problems: &[String], field: &str, words: &str) {
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with(&format!("{field}:")) && p.contains(words)),
        "expected `{field}` ({words}) among {problems:?}"
    );
}

#[tokio::test]
async fn publishing_an_empty_course_lists_everything_missing_and_leaves_it_a_draft() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let slug = unique_slug("empty");
    let course = app
        .create_course(
            &owner,
            json!({"slug": slug, "title": "Empty", "level": "beginner"}),
        )
        .await;
    let id = course["id"].as_str().expect("an id");
    app.add_module(&owner, id, "Nothing here yet").await;

    let refused = problems(&app.publish(&owner, "courses", id).await);

    assert_names(&refused, "outline", "no lesson");
    assert_names(&refused, "outline.modules[0]", "Nothing here yet");
    assert_names(&refused, "summary", "required");
    assert_names(&refused, "description", "required");
    assert_names(&refused, "seo.meta_description", "required");
    assert_eq!(
        app.get_as(&owner, &format!("/courses/{id}")).await.json()["status"],
        "draft"
    );
    app.get(&format!("/courses/{slug}"))
        .await
        .assert_problem(404, "not-found");
}

#[tokio::test]
async fn a_published_course_cannot_lose_its_last_lesson() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let slug = unique_slug("keep");
    app.published_course(&owner, &slug, json!({})).await;
    let first = app
        .api
        .delete(&format!("/courses/{slug}/lessons/{slug}-intro"))
        .bearer(&owner.token)
        .header(
            "if-match",
            etag(&app.get(&format!("/courses/{slug}")).await),
        )
        .send()
        .await;
    first.assert_status(200);

    let last = app
        .api
        .delete(&format!("/courses/{slug}/lessons/{slug}-deep-dive"))
        .bearer(&owner.token)
        .header("if-match", etag(&first))
        .send()
        .await;
    assert_names(&problems(&last), "outline", "no lesson");
    app.get_as(&owner, &format!("/courses/{slug}/lessons/{slug}-deep-dive"))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn an_article_without_a_meta_description_is_refused_by_name() {
    let app = TestApp::spawn().await;
    let author = app.instructor().await;
    let article = app
        .create_article(&author, &unique_slug("no-meta"), json!({"seo": {}}))
        .await;
    let refused = problems(
        &app.publish(&author, "articles", article["id"].as_str().expect("an id"))
            .await,
    );
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_names(&refused, "seo.meta_description", "required");

    let too_long = app
        .create_article(&author, &unique_slug("long-meta"), json!({"seo": {}}))
        .await;
    let path = format!("/articles/{}", too_long["id"].as_str().expect("an id"));
    let response = app
        .patch(
            &author,
            &path,
            &app.etag_of(&author, &path).await,
            &json!({"seo": {"meta_description": "x".repeat(161)}}),
        )
        .await;
    assert_names(&problems(&response), "seo.meta_description", "160");
}

/// Whether `html` has a link to `href`.
fn links_to(html: &Value, href: &str) -> bool {
    html.as_str()
        .expect("body_html")
        .contains(&format!("<a href=\"{href}\""))
}

#[tokio::test]
async fn an_article_links_to_unpublished_pages_as_plain_text_and_only_links_to_nothing_are_refused()
{
    let app = TestApp::spawn().await;
    let author = app.instructor().await;
    let draft = unique_slug("draft-target");
    app.create_article(&author, &draft, json!({})).await;
    let course = unique_slug("course-target");
    app.published_course(&author, &course, json!({})).await;
    let body = format!(
        "See [a draft](/articles/{draft}), [a course](/courses/{course}), [nothing](/articles/no-such-article), \
         [an odd page](/pricing) and [outside](https://example.org/x)."
    );
    let article = app
        .create_article(&author, &unique_slug("linking"), json!({"body": body}))
        .await;
    let id = article["id"].as_str().expect("an id");
    let links: Vec<&str> = article["internal_links"]
        .as_array()
        .expect("internal_links")
        .iter()
        .filter_map(|l| l["href"].as_str())
        .collect();
    assert_eq!(
        links,
        [
            format!("/articles/{draft}").as_str(),
            &format!("/courses/{course}"),
            "/articles/no-such-article",
            "/pricing"
        ],
        "the internal links of the body, and only those"
    );

    let refused = problems(&app.publish(&author, "articles", id).await);
    assert_eq!(
        refused.len(),
        2,
        "only links to nothing are refused: {refused:?}"
    );
    assert_names(
        &refused,
        "body",
        "/articles/no-such-article`: no such article",
    );
    assert_names(&refused, "body", "/pricing");

    let path = format!("/articles/{id}");
    app.patch(
        &author,
        &path,
        &app.etag_of(&author, &path).await,
        &json!({"body": format!("See [a draft](/articles/{draft}) and [a course](/courses/{course}).")}),
    )
    .await
    .assert_status(200);
    let published = app.publish(&author, "articles", id).await;
    published.assert_status(200);
    let page = app.get(&path).await.assert_status(200).json();
    assert!(
        page["body_html"]
            .as_str()
            .expect("body_html")
            .contains("See a draft and"),
        "a link to a draft reads as its text: {}",
        page["body_html"]
    );
    assert!(links_to(&page["body_html"], &format!("/courses/{course}")));

    app.publish(&author, "articles", &draft)
        .await
        .assert_status(200);
    let page = app.get(&path).await.assert_status(200).json();
    assert!(
        links_to(&page["body_html"], &format!("/articles/{draft}")),
        "once its target is published the link is one, without a re-save: {}",
        page["body_html"]
    );
    assert_eq!(page["version"], published.json()["version"]);
    app.archive(&author, "articles", &draft)
        .await
        .assert_status(200);
    let page = app.get(&path).await.assert_status(200).json();
    assert!(!links_to(&page["body_html"], &format!("/articles/{draft}")));
}

#[tokio::test]
async fn two_articles_that_link_to_each_other_can_both_be_published() {
    let app = TestApp::spawn().await;
    let author = app.instructor().await;
    let (first, second) = (unique_slug("first"), unique_slug("second"));
    for (slug, other) in [(&first, &second), (&second, &first)] {
        let body = format!("Read [the other one](/articles/{other}) next.");
        app.create_article(&author, slug, json!({"body": body}))
            .await;
    }

    for slug in [&first, &second] {
        app.publish(&author, "articles", slug)
            .await
            .assert_status(200);
    }
    for (slug, other) in [(&first, &second), (&second, &first)] {
        let page = app
            .get(&format!("/articles/{slug}"))
            .await
            .assert_status(200)
            .json();
        assert!(
            links_to(&page["body_html"], &format!("/articles/{other}")),
            "{slug} links to {other}: {}",
            page["body_html"]
        );
    }
}

#[tokio::test]
async fn the_readiness_check_lists_what_publishing_would_refuse_without_publishing() {
    let app = TestApp::spawn().await;
    let author = app.instructor().await;
    let slug = unique_slug("not-ready");
    let article = app
        .create_article(
            &author,
            &slug,
            json!({"excerpt": "", "seo": {}, "body": "See [nothing](/articles/no-such-article)."}),
        )
        .await;
    let id = article["id"].as_str().expect("an id");
    let readiness = format!("/articles/{id}/readiness");

    let check = app
        .get_as(&author, &readiness)
        .await
        .assert_status(200)
        .json();
    assert_eq!(check["ready"], false);
    let refusal = app.publish(&author, "articles", id).await;
    assert_eq!(
        check["errors"],
        refusal.json()["errors"],
        "the check lists exactly what publishing refuses"
    );
    let page = app.get_as(&author, &format!("/articles/{id}")).await.json();
    assert_eq!(page["status"], "draft");
    assert_eq!(
        page["version"], article["version"],
        "checking changes nothing"
    );

    let other = app.instructor().await;
    app.get_as(&other, &readiness)
        .await
        .assert_problem(404, "not-found");
    app.get(&readiness).await.assert_status(401);

    let ready = app
        .create_article(&author, &unique_slug("ready"), json!({}))
        .await;
    let ready_path = format!(
        "/articles/{}/readiness",
        ready["id"].as_str().expect("an id")
    );
    let check = app
        .get_as(&author, &ready_path)
        .await
        .assert_status(200)
        .json();
    assert_eq!(check, json!({"ready": true, "errors": []}));

    let course = app
        .create_course(
            &author,
            json!({"slug": unique_slug("empty"), "title": "Empty", "level": "beginner"}),
        )
        .await;
    let course_id = course["id"].as_str().expect("an id");
    let check = app
        .get_as(&author, &format!("/courses/{course_id}/readiness"))
        .await
        .assert_status(200)
        .json();
    assert_eq!(
        check["errors"],
        app.publish(&author, "courses", course_id).await.json()["errors"]
    );
}

/// The body of `response`, a 422 about `slug`, with `slug` written as `{slug}`: answers about
/// two slugs are equal when they say the same of each.
fn refusal_about(response: &TestResponse, slug: &str) -> String {
    response.assert_problem(422, "validation-failed");
    response.text().replace(slug, "{slug}")
}

/// An app, an instructor, and two article slugs that instructor cannot see: another
/// instructor's draft, and one nobody has.
async fn with_slugs_an_author_cannot_see() -> (TestApp, Caller, [String; 2]) {
    let app = TestApp::spawn().await;
    let (author, other) = (app.instructor().await, app.instructor().await);
    let draft = unique_slug("their-draft");
    app.create_article(&other, &draft, json!({})).await;
    (app, author, [draft, unique_slug("nothing")])
}

#[tokio::test]
async fn a_link_to_another_instructor_s_draft_is_refused_exactly_like_a_link_to_nothing() {
    let (app, author, unseen) = with_slugs_an_author_cannot_see().await;
    let mut refusals = Vec::new();
    for target in &unseen {
        let body = format!("See [this](/articles/{target}).");
        let article = app
            .create_article(&author, &unique_slug("linking"), json!({"body": body}))
            .await;
        let id = article["id"].as_str().expect("an id");
        refusals.push(refusal_about(
            &app.publish(&author, "articles", id).await,
            target,
        ));
    }
    assert_eq!(
        refusals[0], refusals[1],
        "a draft the author cannot see must be answered like a page that does not exist"
    );
}

#[tokio::test]
async fn pinning_another_instructor_s_draft_is_refused_exactly_like_pinning_nothing() {
    let (app, author, unseen) = with_slugs_an_author_cannot_see().await;
    let mut refusals = Vec::new();
    for target in &unseen {
        let mut body = article_body(&unique_slug("pinning"));
        body["pinned_related"] = json!([target]);
        let response = app.post(&author, "/articles", &body).await;
        refusals.push(refusal_about(&response, target));
    }
    assert_eq!(
        refusals[0], refusals[1],
        "a draft the author cannot see must be answered like an article that does not exist"
    );
}

#[tokio::test]
async fn a_path_is_published_only_when_every_step_is() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let course = unique_slug("step-course");
    app.complete_course(&admin, &course, json!({})).await;
    let article = unique_slug("step-article");
    app.published_article(&admin, &article, json!({})).await;
    let slug = unique_slug("route");
    let created = app
        .post(
            &admin,
            "/paths",
            &json!({
                "slug": slug,
                "title": "Backend developer to cloud backend engineer",
                "description": "From first server to cloud systems.",
                "roles": ["Backend developer", "Cloud backend engineer"],
                "steps": [
                    {"article": article, "note": "Why backend matters"},
                    {"course": course, "note": "The programme"},
                ],
            }),
        )
        .await;
    created.assert_status(201);

    let refused = problems(&app.publish(&admin, "paths", &slug).await);
    assert_eq!(refused, ["steps[1]: the course is not published"]);

    app.publish(&admin, "courses", &course)
        .await
        .assert_status(200);
    let published = app.publish(&admin, "paths", &slug).await;
    published.assert_status(200);
    let page = app.get(&format!("/paths/{slug}")).await.json();
    let steps: Vec<(&str, &str)> = page["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["kind"].as_str().unwrap_or(""),
                s["slug"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [("article", article.as_str()), ("course", course.as_str())]
    );
    assert_eq!(
        page["roles"],
        json!(["Backend developer", "Cloud backend engineer"])
    );
}

#[tokio::test]
async fn publishing_twice_changes_nothing_and_a_path_step_must_name_something() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let slug = unique_slug("twice");
    let once: Value = app.published_course(&owner, &slug, json!({})).await;
    let twice = app.publish(&owner, "courses", &slug).await;
    twice.assert_status(200);
    assert_eq!(
        twice.json()["version"],
        once["version"],
        "publishing again is not a change"
    );

    let admin = app.admin().await;
    let response = app
        .post(&admin, "/paths", &json!({
            "slug": unique_slug("bad-steps"), "title": "Bad",
            "steps": [{"course": "no-such-course"}, {"note": "nothing"}, {"course": slug, "article": slug}],
        }))
        .await;
    let refused = problems(&response);
    assert_eq!(refused.len(), 3, "{refused:?}");
    assert_names(&refused, "steps[0]", "no-such-course");
    assert_names(&refused, "steps[1]", "exactly one");

    // A step is a course or an article: `null` for the other is not "left out".
    let response = app
        .post(
            &admin,
            "/paths",
            &json!({
                "slug": unique_slug("null-step"), "title": "Null",
                "steps": [{"course": null, "article": slug}],
            }),
        )
        .await;
    response.assert_problem(422, "validation-failed");
    assert_eq!(response.json()["errors"][0]["field"], "steps[0].course");
}
