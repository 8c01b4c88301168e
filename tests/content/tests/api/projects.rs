//! Project lessons: a brief (the lesson's body), a rubric, what is handed in, a starter
//! repository and an estimated effort; marked in the outline, never a free preview, and a
//! course is published only when each of its projects has a rubric.

use content_tests::{
    Caller, TestApp, course_body, etag, invalid_fields, lesson_body, merge, unique_slug,
};
use serde_json::{Value, json};

fn rubric() -> Value {
    json!({
        "criteria": [
            {"title": "Resources and status codes",
             "description": "Every route answers as the API's document says.",
             "scoring": {"points": 10}},
            {"title": "Tests run in CI", "description": "", "scoring": "pass_fail"},
            {"title": "Errors a client can act on", "description": "", "scoring": {"points": 5}}
        ],
        "min_points": 12
    })
}

fn project_lesson(slug: &str, project: Value) -> Value {
    let mut lesson = lesson_body(slug, false);
    merge(
        &mut lesson,
        json!({"body": "## Build a REST API\n\nA catalog service with tests.", "project": project}),
    );
    lesson
}

fn project(rubric: Value) -> Value {
    json!({
        "rubric": rubric,
        "hand_in": "repository_and_deployment",
        "starter_repository": "https://github.com/skillpath/rest-api-starter",
        "effort_hours": 8
    })
}

/// A draft course with one module; its id and the module's.
async fn draft(app: &TestApp, owner: &Caller) -> (String, String) {
    let course = app
        .create_course(owner, course_body(&unique_slug("projects")))
        .await;
    let id = course["id"].as_str().expect("an id").to_owned();
    let course = app.add_module(owner, &id, "REST APIs").await;
    let module = course["outline"]["modules"][0]["id"]
        .as_str()
        .expect("a module")
        .to_owned();
    (id, module)
}

#[tokio::test]
async fn a_project_lesson_shows_its_rubric_to_learners_and_is_marked_in_the_outline() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let (id, module) = draft(&app, &owner).await;
    app.add_lesson(&owner, &id, &module, lesson_body("http-basics", true))
        .await;
    let lesson = app
        .add_lesson(
            &owner,
            &id,
            &module,
            project_lesson("catalog-api", project(rubric())),
        )
        .await;
    assert_eq!(lesson["project"]["rubric"], rubric());
    assert_eq!(lesson["project"]["hand_in"], "repository_and_deployment");
    assert!(
        lesson["body_html"]
            .as_str()
            .is_some_and(|html| html.contains("Build a REST API</h2>")),
        "the brief is the lesson's body: {lesson}"
    );
    app.publish(&owner, "courses", &id).await.assert_status(200);

    let page = app
        .get(&format!("/courses/{id}"))
        .await
        .assert_status(200)
        .json();
    let lessons = &page["outline"]["modules"][0]["lessons"];
    assert_eq!(
        lessons[0].get("project"),
        None,
        "an ordinary lesson has no mark"
    );
    assert_eq!(
        lessons[1]["project"],
        json!({"hand_in": "repository_and_deployment", "effort_hours": 8, "criteria": 3})
    );

    let learner = app.learner().await;
    app.get_as(&learner, &format!("/courses/{id}/lessons/catalog-api"))
        .await
        .assert_problem(403, "forbidden");
    app.enroll(&learner, &id, "active").await;
    let read = app
        .get_as(&learner, &format!("/courses/{id}/lessons/catalog-api"))
        .await
        .assert_status(200)
        .json();
    assert_eq!(
        read["project"]["rubric"]["criteria"][1]["scoring"],
        "pass_fail"
    );
    assert_eq!(
        read["project"]["starter_repository"],
        "https://github.com/skillpath/rest-api-starter"
    );
}

#[tokio::test]
async fn a_project_lesson_is_never_a_free_preview() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let (id, module) = draft(&app, &owner).await;
    let mut open = project_lesson("open-project", project(rubric()));
    merge(&mut open, json!({"preview": true}));
    let refused = app
        .post(
            &owner,
            &format!("/courses/{id}/modules/{module}/lessons"),
            &open,
        )
        .await;
    assert_eq!(invalid_fields(&refused), ["preview"]);

    let lesson = app
        .add_lesson(
            &owner,
            &id,
            &module,
            project_lesson("members-project", project(rubric())),
        )
        .await;
    let path = format!(
        "/courses/{id}/lessons/{}",
        lesson["id"].as_str().expect("an id")
    );
    let tag = app.etag_of(&owner, &format!("/courses/{id}")).await;
    let opened = app
        .patch(&owner, &path, &tag, &json!({"preview": true}))
        .await;
    assert_eq!(invalid_fields(&opened), ["preview"]);

    // An ordinary preview lesson cannot become a project either.
    let preview = app
        .add_lesson(&owner, &id, &module, lesson_body("a-preview", true))
        .await;
    let path = format!(
        "/courses/{id}/lessons/{}",
        preview["id"].as_str().expect("an id")
    );
    let tag = app.etag_of(&owner, &format!("/courses/{id}")).await;
    let made_project = app
        .patch(&owner, &path, &tag, &json!({"project": project(rubric())}))
        .await;
    assert_eq!(invalid_fields(&made_project), ["preview"]);
    let read = app.get_as(&owner, &path).await.assert_status(200).json();
    assert_eq!(read.get("project"), None, "nothing was stored");
}

#[tokio::test]
async fn publishing_refuses_a_project_without_a_rubric_naming_it_until_one_is_given() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let (id, module) = draft(&app, &owner).await;
    let lesson = app
        .add_lesson(
            &owner,
            &id,
            &module,
            project_lesson("data-model", project(json!({"criteria": []}))),
        )
        .await;
    let refused = app.publish(&owner, "courses", &id).await;
    assert_eq!(
        invalid_fields(&refused),
        ["outline.modules[0].lessons[0].project.rubric"]
    );
    assert!(refused.text().contains("data-model") || refused.text().contains("Lesson data-model"));

    let path = format!(
        "/courses/{id}/lessons/{}",
        lesson["id"].as_str().expect("an id")
    );
    let course = app.get_as(&owner, &format!("/courses/{id}")).await;
    app.patch(
        &owner,
        &path,
        &etag(&course),
        &json!({"project": project(rubric())}),
    )
    .await
    .assert_status(200);
    app.publish(&owner, "courses", &id).await.assert_status(200);

    // Turned back into an ordinary lesson: the outline's mark goes with it.
    let course = app.get_as(&owner, &format!("/courses/{id}")).await;
    let plain = app
        .patch(&owner, &path, &etag(&course), &json!({"project": null}))
        .await
        .assert_status(200)
        .json();
    assert_eq!(plain.get("project"), None);
    let page = app.get(&format!("/courses/{id}")).await.json();
    assert_eq!(
        page["outline"]["modules"][0]["lessons"][0].get("project"),
        None
    );
}

#[tokio::test]
async fn a_project_that_could_not_be_handed_in_or_scored_is_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let (id, module) = draft(&app, &owner).await;
    let path = format!("/courses/{id}/modules/{module}/lessons");
    let with = |change: Value| {
        let mut body = project(rubric());
        merge(&mut body, change);
        project_lesson(&unique_slug("bad"), body)
    };
    let cases = [
        (
            json!({"starter_repository": "http://github.com/skillpath/starter"}),
            "project.starter_repository",
        ),
        (
            json!({"starter_repository": "https://me:secret@github.com/skillpath/starter"}),
            "project.starter_repository",
        ),
        (
            json!({"starter_repository": "javascript:alert(1)"}),
            "project.starter_repository",
        ),
        (json!({"hand_in": "a zip file"}), "project.hand_in"),
        (json!({"effort_hours": 0}), "project.effort_hours"),
        (
            json!({"rubric": {"criteria": [{"title": "Worth nothing", "scoring": {"points": 0}}]}}),
            "project.rubric.criteria[0].scoring.points",
        ),
        (
            json!({"rubric": {"criteria": [{"title": "Ten", "scoring": {"points": 10}}], "min_points": 11}}),
            "project.rubric.min_points",
        ),
    ];
    for (change, field) in cases {
        let refused = app.post(&owner, &path, &with(change.clone())).await;
        assert_eq!(invalid_fields(&refused), [field], "{change}");
    }
    let course = app.get_as(&owner, &format!("/courses/{id}")).await.json();
    assert_eq!(
        course["outline"]["modules"][0]["lessons"],
        json!([]),
        "nothing refused was stored"
    );
}
