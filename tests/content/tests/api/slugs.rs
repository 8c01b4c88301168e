//! Slugs: unique per kind even under concurrent creation, and permanent — a renamed course,
//! article or path answers its old URLs with 301 to the new one.

use content_tests::{TestApp, course_body, etag, unique_slug};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creation_of_two_courses_with_one_slug_yields_one_course_and_one_409() {
    let app = TestApp::spawn().await;
    let (ada, grace) = (app.instructor().await, app.instructor().await);
    for round in 0..6 {
        let slug = unique_slug(&format!("contested{round}"));
        let body = course_body(&slug);

        let (a, b) = tokio::join!(
            app.post(&ada, "/courses", &body),
            app.post(&grace, "/courses", &body),
        );

        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            [201, 409],
            "round {round}: {} / {}",
            a.text(),
            b.text()
        );
        let (created, refused) = if a.status == 201 { (&a, &b) } else { (&b, &a) };
        refused.assert_problem(409, "conflict");
        let courses = app.stored("course").await;
        let with_slug: Vec<_> = courses
            .iter()
            .filter(|c| c["slug"].as_s().ok() == Some(&slug))
            .collect();
        assert_eq!(
            with_slug.len(),
            1,
            "round {round}: one course item has the slug"
        );
        assert_eq!(
            with_slug[0]["id"].as_s().ok().map(String::as_str),
            created.json()["id"].as_str(),
            "round {round}: the stored course is the one answered 201"
        );
    }
}

#[tokio::test]
async fn a_renamed_course_answers_its_old_urls_with_301_to_the_new_ones() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let old = unique_slug("old-name");
    let new = unique_slug("new-name");
    let course = app.published_course(&owner, &old, json!({})).await;
    let version = app.etag_of(&owner, &format!("/courses/{old}")).await;

    let renamed = app
        .patch(
            &owner,
            &format!("/courses/{old}"),
            &version,
            &json!({"slug": new}),
        )
        .await;
    renamed.assert_status(200);
    assert_eq!(renamed.json()["slug"], new.as_str());

    let moved = app.get(&format!("/courses/{old}")).await;
    moved.assert_status(301);
    assert_eq!(
        moved.header("location"),
        Some(format!("/courses/{new}").as_str())
    );
    let followed = app.get(&format!("/courses/{new}")).await;
    followed.assert_status(200);
    assert_eq!(followed.json()["id"], course["id"]);

    let lesson = app
        .get(&format!("/courses/{old}/lessons/{old}-intro"))
        .await;
    lesson.assert_status(301);
    assert_eq!(
        lesson.header("location"),
        Some(format!("/courses/{new}/lessons/{old}-intro").as_str())
    );
    app.get(&format!("/courses/{new}/lessons/{old}-intro"))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn an_old_slug_stays_its_course_s_and_can_be_taken_back() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let first = unique_slug("first");
    let second = unique_slug("second");
    let course = app.published_course(&owner, &first, json!({})).await;
    let path = format!("/courses/{}", course["id"].as_str().expect("an id"));
    let renamed = app
        .patch(
            &owner,
            &path,
            &app.etag_of(&owner, &path).await,
            &json!({"slug": second}),
        )
        .await;
    renamed.assert_status(200);

    app.post(&app.instructor().await, "/courses", &course_body(&first))
        .await
        .assert_problem(409, "conflict");

    let back = app
        .patch(&owner, &path, &etag(&renamed), &json!({"slug": first}))
        .await;
    back.assert_status(200);
    app.get(&format!("/courses/{first}"))
        .await
        .assert_status(200);
    let moved = app.get(&format!("/courses/{second}")).await;
    moved.assert_status(301);
    assert_eq!(
        moved.header("location"),
        Some(format!("/courses/{first}").as_str())
    );
}

#[tokio::test]
async fn renaming_onto_another_course_s_slug_is_409_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let taken = unique_slug("taken");
    let mine = unique_slug("mine");
    app.published_course(&owner, &taken, json!({})).await;
    let course = app.published_course(&owner, &mine, json!({})).await;

    app.patch(
        &owner,
        &format!("/courses/{mine}"),
        &app.etag_of(&owner, &format!("/courses/{mine}")).await,
        &json!({"slug": taken, "title": "Renamed"}),
    )
    .await
    .assert_problem(409, "conflict");

    let unchanged = app.get(&format!("/courses/{mine}")).await.json();
    assert_eq!(
        unchanged["title"], course["title"],
        "nothing of the refused edit is stored"
    );
}

#[tokio::test]
async fn a_renamed_article_and_path_redirect_too_and_a_draft_s_old_slug_stays_hidden() {
    let app = TestApp::spawn().await;
    let author = app.instructor().await;
    let admin = app.admin().await;
    let old = unique_slug("article-old");
    let new = unique_slug("article-new");
    app.published_article(&author, &old, json!({})).await;
    app.patch(
        &author,
        &format!("/articles/{old}"),
        &app.etag_of(&author, &format!("/articles/{old}")).await,
        &json!({"slug": new}),
    )
    .await
    .assert_status(200);
    let moved = app.get(&format!("/articles/{old}")).await;
    moved.assert_status(301);
    assert_eq!(
        moved.header("location"),
        Some(format!("/articles/{new}").as_str())
    );

    let path_old = unique_slug("path-old");
    app.post(
        &admin,
        "/paths",
        &json!({"slug": path_old, "title": "A draft path"}),
    )
    .await
    .assert_status(201);
    app.patch(
        &admin,
        &format!("/paths/{path_old}"),
        &app.etag_of(&admin, &format!("/paths/{path_old}")).await,
        &json!({"slug": unique_slug("path-new")}),
    )
    .await
    .assert_status(200);
    app.get(&format!("/paths/{path_old}"))
        .await
        .assert_problem(404, "not-found");
    app.get_as(&admin, &format!("/paths/{path_old}"))
        .await
        .assert_status(301);
}

#[tokio::test]
async fn a_renamed_lesson_answers_its_old_url_with_301_to_the_new_one() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let slug = unique_slug("course");
    app.published_course(&owner, &slug, json!({})).await;
    let old = format!("/courses/{slug}/lessons/{slug}-intro");
    let version = etag(&app.get(&old).await);

    app.patch(&owner, &old, &version, &json!({"slug": "welcome"}))
        .await
        .assert_status(200);

    let moved = app.get(&old).await;
    moved.assert_status(301);
    assert_eq!(
        moved.header("location"),
        Some(format!("/courses/{slug}/lessons/welcome").as_str())
    );
    app.get(&format!("/courses/{slug}/lessons/welcome"))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn an_old_url_redirects_to_the_canonical_slugs_never_to_what_its_path_said() {
    let app = TestApp::spawn().await;
    let owner = app.instructor().await;
    let old = unique_slug("course-old");
    let new = unique_slug("course-new");
    app.published_course(&owner, &old, json!({})).await;
    let lesson = format!("/courses/{old}/lessons/{old}-intro");
    app.patch(
        &owner,
        &lesson,
        &etag(&app.get(&lesson).await),
        &json!({"slug": "welcome"}),
    )
    .await
    .assert_status(200);
    let course = format!("/courses/{old}");
    app.patch(
        &owner,
        &course,
        &app.etag_of(&owner, &course).await,
        &json!({"slug": new}),
    )
    .await
    .assert_status(200);

    let genuine = app.get(&lesson).await;
    genuine.assert_status(301);
    assert_eq!(
        genuine.header("location"),
        Some(format!("/courses/{new}/lessons/welcome").as_str()),
        "an old course slug and an old lesson slug lead to both current slugs"
    );

    let traversal = app
        .get(&format!(
            "/courses/{old}/lessons/..%2F..%2F..%2F%2Fevil.example"
        ))
        .await;
    traversal.assert_problem(404, "not-found");
    assert_eq!(
        traversal.header("location"),
        None,
        "a lesson slug the course never had leads nowhere"
    );
}
