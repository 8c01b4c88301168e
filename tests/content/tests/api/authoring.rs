//! Writing a course: modules and lessons in an outline, edited, reordered and removed; lesson
//! bodies stored exactly as written and shown only as sanitised HTML.

use content_tests::{TestApp, course_body, etag, lesson_body, unique_slug};
use serde_json::{Value, json};

fn outline(course: &Value) -> Vec<(String, Vec<String>)> {
    course["outline"]["modules"]
        .as_array()
        .expect("modules")
        .iter()
        .map(|m| {
            (
                m["title"].as_str().unwrap_or_default().to_owned(),
                m["lessons"]
                    .as_array()
                    .expect("lessons")
                    .iter()
                    .map(|l| l["slug"].as_str().unwrap_or_default().to_owned())
                    .collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn modules_and_lessons_are_added_renamed_reordered_and_removed() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let course = app
        .create_course(&owner, course_body(&unique_slug("outline")))
        .await;
    let id = course["id"].as_str().expect("an id").to_owned();
    let first = app.add_module(&owner, &id, "Foundations").await;
    let second = app.add_module(&owner, &id, "Node.js and Express").await;
    let m1 = first["outline"]["modules"][0]["id"]
        .as_str()
        .expect("a module")
        .to_owned();
    let m2 = second["outline"]["modules"][1]["id"]
        .as_str()
        .expect("a module")
        .to_owned();
    let http = app
        .add_lesson(&owner, &id, &m1, lesson_body("http", true))
        .await;
    let routing = app
        .add_lesson(&owner, &id, &m2, lesson_body("routing", false))
        .await;
    let middleware = app
        .add_lesson(&owner, &id, &m2, lesson_body("middleware", false))
        .await;
    assert_eq!(http["module"]["title"], "Foundations");

    let course = app.get_as(&owner, &format!("/courses/{id}")).await;
    assert_eq!(
        outline(&course.json()),
        [
            ("Foundations".to_owned(), vec!["http".to_owned()]),
            (
                "Node.js and Express".to_owned(),
                vec!["routing".to_owned(), "middleware".to_owned()]
            ),
        ]
    );
    assert_eq!(course.json()["duration_minutes"], 36);

    let reordered = app
        .api
        .put(&format!("/courses/{id}/outline"))
        .bearer(&owner.token)
        .header("if-match", etag(&course))
        .json(&json!({"modules": [
            {"id": m2, "lessons": [middleware["id"], routing["id"], http["id"]]},
            {"id": m1, "lessons": []},
        ]}))
        .send()
        .await;
    reordered.assert_status(200);
    assert_eq!(
        outline(&reordered.json()),
        [
            (
                "Node.js and Express".to_owned(),
                vec![
                    "middleware".to_owned(),
                    "routing".to_owned(),
                    "http".to_owned()
                ]
            ),
            ("Foundations".to_owned(), vec![]),
        ]
    );

    let renamed = app
        .patch(
            &owner,
            &format!("/courses/{id}/modules/{m1}"),
            &etag(&reordered),
            &json!({"title": "Basics"}),
        )
        .await;
    renamed.assert_status(200);
    let removed = app
        .api
        .delete(&format!("/courses/{id}/modules/{m2}"))
        .bearer(&owner.token)
        .header("if-match", etag(&renamed))
        .send()
        .await;
    removed.assert_status(200);
    assert_eq!(outline(&removed.json()), [("Basics".to_owned(), vec![])]);
    assert!(
        app.stored("lesson").await.is_empty(),
        "deleting a module deletes its lessons' items"
    );
}

#[tokio::test]
async fn a_reorder_must_name_every_module_and_lesson_exactly_once() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let slug = unique_slug("reorder");
    let course = app.complete_course(&owner, &slug, json!({})).await;
    let module = course["outline"]["modules"][0]["id"].clone();
    let intro = course["outline"]["modules"][0]["lessons"][0]["id"].clone();
    let etag = app.etag_of(&owner, &format!("/courses/{slug}")).await;
    let put = |order: Value| {
        app.api
            .put(&format!("/courses/{slug}/outline"))
            .bearer(&owner.token)
            .header("if-match", etag.clone())
            .json(&order)
            .send()
    };

    put(json!({"modules": [{"id": module, "lessons": [intro]}]}))
        .await
        .assert_problem(422, "validation-failed");
    put(json!({"modules": [{"id": module, "lessons": [intro, intro]}]}))
        .await
        .assert_problem(422, "validation-failed");
    put(json!({"modules": [{"id": "0190a5b4-7c3e-7d2a-9b1e-3f4a5b6c7d8e", "lessons": []}]}))
        .await
        .assert_problem(422, "validation-failed");
    assert_eq!(
        app.get_as(&owner, &format!("/courses/{slug}")).await.json()["outline"],
        course["outline"],
        "a refused reorder changes nothing"
    );
}

#[tokio::test]
async fn lesson_slugs_are_unique_within_a_course_and_lessons_are_edited_and_deleted() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let slug = unique_slug("lessons");
    let course = app.complete_course(&owner, &slug, json!({})).await;
    let module = course["outline"]["modules"][0]["id"]
        .as_str()
        .expect("a module");

    app.post(
        &owner,
        &format!("/courses/{slug}/modules/{module}/lessons"),
        &lesson_body(&format!("{slug}-intro"), false),
    )
    .await
    .assert_problem(409, "conflict");

    let path = format!("/courses/{slug}/lessons/{slug}-deep-dive");
    let read = app.get_as(&owner, &path).await;
    let edited = app
        .patch(
            &owner,
            &path,
            &etag(&read),
            &json!({
                "title": "A deeper dive",
                "video_url": "https://video.skillpath.test/deep-dive.mp4",
                "links": [{"title": "RFC 9110", "url": "https://www.rfc-editor.org/rfc/rfc9110"}],
                "duration_minutes": 30,
            }),
        )
        .await;
    edited.assert_status(200);
    let edited = edited.json();
    assert_eq!(edited["title"], "A deeper dive");
    assert_eq!(
        edited["video_url"],
        "https://video.skillpath.test/deep-dive.mp4"
    );
    assert_eq!(edited["links"][0]["title"], "RFC 9110");
    assert!(
        edited["body"]
            .as_str()
            .is_some_and(|b| b.contains("step by step")),
        "the body is kept"
    );
    let course = app.get_as(&owner, &format!("/courses/{slug}")).await;
    assert_eq!(
        course.json()["outline"]["modules"][0]["lessons"][1]["title"],
        "A deeper dive"
    );
    assert_eq!(course.json()["duration_minutes"], 42);

    let cleared = app
        .patch(&owner, &path, &etag(&course), &json!({"video_url": null}))
        .await;
    cleared.assert_status(200);
    assert_eq!(cleared.json()["video_url"], Value::Null);

    let deleted = app
        .api
        .delete(&path)
        .bearer(&owner.token)
        .header("if-match", etag(&cleared))
        .send()
        .await;
    deleted.assert_status(200);
    app.get_as(&owner, &path)
        .await
        .assert_problem(404, "not-found");
    assert_eq!(
        app.stored("lesson").await.len(),
        1,
        "the lesson's item is gone"
    );
}

#[tokio::test]
async fn markdown_is_stored_as_written_and_rendered_only_as_sanitised_html() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let slug = unique_slug("markdown");
    let course = app.complete_course(&owner, &slug, json!({})).await;
    let module = course["outline"]["modules"][0]["id"]
        .as_str()
        .expect("a module");
    let body = "  # Handling input\n\n<script>fetch('/steal')</script>\n\n\
                [click](javascript:alert(1)) <img src=x onerror=alert(2)>\n\n```js\nconst a = '<b>';\n```\n";
    let mut lesson = lesson_body("hostile", true);
    lesson["body"] = json!(body);
    app.add_lesson(&owner, &slug, module, lesson).await;

    let read = app
        .get_as(&owner, &format!("/courses/{slug}/lessons/hostile"))
        .await
        .json();

    assert_eq!(
        read["body"], body,
        "the markdown is returned exactly as written"
    );
    let html = read["body_html"].as_str().expect("body_html");
    assert!(html.contains("<h1>Handling input</h1>"), "{html}");
    for forbidden in ["<script", "javascript:", "onerror"] {
        assert!(
            !html.contains(forbidden),
            "{forbidden} reached the HTML: {html}"
        );
    }
    assert!(
        html.contains("&lt;b&gt;"),
        "code is escaped, not interpreted: {html}"
    );
    let article = app
        .create_article(
            &owner,
            &unique_slug("hostile-article"),
            json!({"body": body}),
        )
        .await;
    assert_eq!(article["body"], body);
    assert!(
        !article["body_html"]
            .as_str()
            .unwrap_or("<script")
            .contains("<script")
    );
}

#[tokio::test]
async fn invalid_input_is_refused_with_the_field_named() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    for (field, value) in [
        ("slug", json!("Not A Slug")),
        ("slug", json!("0190a5b4-7c3e-7d2a-9b1e-3f4a5b6c7d8e")),
        ("title", json!("")),
        ("level", json!("expert")),
        ("tags", json!(["ok", "ok"])),
        ("tags", json!(["a", "b", "c", "d", "e", "f", "g", "h", "i"])),
        // serde would read a struct from an array of its fields; the document says object.
        ("seo", json!([null, null, null, null])),
        // serde reads null as an absent option; the document says the field is left out.
        ("instructors", json!(null)),
        ("summary", json!(null)),
    ] {
        let mut body = course_body(&unique_slug("invalid"));
        body[field] = value.clone();
        let response = app.post(&owner, "/courses", &body).await;
        response.assert_problem(422, "validation-failed");
        assert_eq!(
            response.json()["errors"][0]["field"],
            field,
            "{field} = {value}: {}",
            response.text()
        );
    }
    let mut body = course_body(&unique_slug("invalid"));
    body["seo"] = json!({"image": "javascript:alert(1)"});
    let response = app.post(&owner, "/courses", &body).await;
    response.assert_problem(422, "validation-failed");
    assert_eq!(response.json()["errors"][0]["field"], "seo.image");
    assert!(app.stored("course").await.is_empty(), "nothing was created");
}

#[tokio::test]
async fn a_title_with_a_bidi_override_or_an_invisible_character_is_refused() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    for title in [
        "SQL \u{202e}lortnoc",
        "SQL\u{200b}basics",
        "\u{2067}SQL\u{2069}",
    ] {
        let mut body = course_body(&unique_slug("invisible"));
        body["title"] = json!(title);
        let response = app.post(&owner, "/courses", &body).await;
        response.assert_problem(422, "validation-failed");
        assert_eq!(
            response.json()["errors"][0]["field"],
            "title",
            "{title:?}: {}",
            response.text()
        );
    }
    let course = app
        .create_course(&owner, course_body(&unique_slug("visible")))
        .await;
    let slug = course["slug"].as_str().expect("a slug");
    let module = app
        .post(
            &owner,
            &format!("/courses/{slug}/modules"),
            &json!({"title": "Basics\u{200b}"}),
        )
        .await;
    module.assert_problem(422, "validation-failed");
    assert_eq!(module.json()["errors"][0]["field"], "title");
    let accepted = app
        .post(
            &owner,
            &format!("/courses/{slug}/modules"),
            &json!({"title": "Grundlagen: \u{c4}pfel, \u{65e5}\u{672c}\u{8a9e}, \u{627}\u{644}\u{639}\u{631}\u{628}\u{64a}\u{629}"}),
        )
        .await;
    accepted.assert_status(201);
}

#[tokio::test]
async fn a_new_modules_location_answers_the_module_to_whoever_may_see_its_course() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let course = app
        .create_course(&owner, course_body(&unique_slug("located")))
        .await;
    let slug = course["slug"].as_str().expect("a slug");

    let created = app
        .post(
            &owner,
            &format!("/courses/{slug}/modules"),
            &json!({"title": "Foundations"}),
        )
        .await;
    created.assert_status(201);
    let location = created.header("location").expect("a Location").to_owned();

    let module = app.api.get(&location).bearer(&owner.token).send().await;
    module.assert_status(200);
    let module = module.json();
    assert_eq!(module["title"], "Foundations");
    assert_eq!(module["course_id"], course["id"]);
    assert_eq!(module["lessons"], json!([]));
    assert!(
        location.ends_with(module["id"].as_str().expect("an id")),
        "{location}"
    );
    let anonymous = app.api.get(&location).send().await;
    anonymous.assert_problem(404, "not-found");
}
