//! The school end to end, through all three functions on one set of tables: each function reads
//! what the others wrote, exactly as deployed (content reads progress's enrollment, progress
//! reads content's course item, everyone trusts auth's tokens, anyone verifies a certificate
//! with auth's published keys).

use jsonwebtoken::{Algorithm, Validation};
use progress::certificate::{CREDENTIAL_TYPE, CertificateClaims};
use serde_json::json;
use shared::identity::Role;
use shared::token::VerifyingKeys;
use stack_tests::{Stack, access};
use testkit::env::PUBLIC_BASE_URL;

#[tokio::test]
async fn a_learner_takes_a_course_an_instructor_published_and_earns_a_certificate_anyone_can_verify()
 {
    let stack = Stack::start().await;
    let db = testkit::dynamo_client().await;

    // An instructor registers (auth) and an admin gives them the instructor role (and vouches
    // for the address: nobody reads the mail here).
    let instructor_login = stack
        .register("grace@skillpath.test", "Grace Hopper")
        .await
        .1;
    let me = stack
        .auth
        .get("/auth/me")
        .bearer(&access(&instructor_login))
        .send()
        .await
        .json();
    let instructor_id = me["id"].as_str().expect("an account id").to_owned();
    // What the router wrote is in the auth table, under the account's id.
    let stored = db
        .get_item()
        .table_name(&stack.tables.auth)
        .set_key(Some(
            auth::keys::user(instructor_id.parse().expect("a user id")).to_item(),
        ))
        .send()
        .await
        .expect("the emulator answers");
    let stored = stored.item().expect("the account's item exists");
    assert_eq!(
        stored
            .get("name")
            .and_then(|v| v.as_s().ok())
            .map(String::as_str),
        Some("Grace Hopper"),
        "the account item holds the registered name: {stored:?}"
    );
    let (_, admin) = stack.account("root@skillpath.test", Role::Admin).await;
    let admin = access(&admin);
    stack
        .auth
        .patch(&format!("/auth/users/{instructor_id}"))
        .bearer(&admin)
        .json(&json!({"role": "instructor", "email_verified": true}))
        .send()
        .await
        .assert_status(200);
    let instructor = access(&stack.log_in("grace@skillpath.test").await);

    // The instructor writes and publishes a course (content).
    let course = stack
        .content
        .post("/courses")
        .bearer(&instructor)
        .json(&json!({
            "slug": "backend-foundations",
            "title": "Backend foundations",
            "summary": "How the server side of the web works, from HTTP to data.",
            "description": "## What you learn\n\nRequests, responses, and the data behind them.",
            "level": "beginner",
            "tags": ["backend"],
            "seo": {"meta_description": "Learn how backends serve the web, step by step."},
        }))
        .send()
        .await;
    course.assert_status(201);
    let course_id = course.json()["id"]
        .as_str()
        .expect("a course id")
        .to_owned();
    let module = stack
        .content
        .post(&format!("/courses/{course_id}/modules"))
        .bearer(&instructor)
        .json(&json!({"title": "How the web works"}))
        .send()
        .await;
    module.assert_status(201);
    let module_id = module.json()["outline"]["modules"][0]["id"]
        .as_str()
        .expect("a module id")
        .to_owned();
    let mut lessons = Vec::new();
    for (slug, preview) in [("http-in-depth", true), ("state-and-storage", false)] {
        let lesson = stack
            .content
            .post(&format!("/courses/{course_id}/modules/{module_id}/lessons"))
            .bearer(&instructor)
            .json(&json!({
                "slug": slug,
                "title": slug.replace('-', " "),
                "body": "What a request goes through, step by step.",
                "duration_minutes": 15,
                "preview": preview,
            }))
            .send()
            .await;
        lesson.assert_status(201);
        lessons.push(
            lesson.json()["id"]
                .as_str()
                .expect("a lesson id")
                .to_owned(),
        );
    }
    stack
        .content
        .post(&format!("/courses/{course_id}/publish"))
        .bearer(&instructor)
        .send()
        .await
        .assert_status(200);

    // A learner registers (auth) and an admin vouches for the address (nobody reads the mail
    // here); the members' lesson is closed to them until they enroll.
    let (learner_id, learner_login) = stack.register("ada@skillpath.test", "Ada Lovelace").await;
    let learner = access(&learner_login);
    stack
        .change_user(&admin, learner_id, &json!({"email_verified": true}))
        .await
        .assert_status(200);
    let members_lesson = format!("/courses/{course_id}/lessons/{}", lessons[1]);
    stack
        .content
        .get(&members_lesson)
        .bearer(&learner)
        .send()
        .await
        .assert_status(403);

    // Enrolling (progress reads the course content wrote) opens it (content reads the
    // enrollment progress wrote).
    let enrolled = stack
        .progress
        .post("/me/enrollments")
        .bearer(&learner)
        .json(&json!({"course_id": course_id}))
        .send()
        .await;
    enrolled.assert_status(201);
    assert_eq!(
        enrolled.json()["total_lessons"],
        2,
        "progress sees the outline content wrote"
    );
    stack
        .content
        .get(&members_lesson)
        .bearer(&learner)
        .send()
        .await
        .assert_status(200);

    // Completing every lesson issues a certificate in the learner's name.
    for lesson in &lessons {
        stack
            .progress
            .put(&format!(
                "/me/courses/{course_id}/lessons/{lesson}/completion"
            ))
            .bearer(&learner)
            .send()
            .await
            .assert_status(200);
    }
    let progress = stack
        .progress
        .get(&format!("/me/courses/{course_id}/progress"))
        .bearer(&learner)
        .send()
        .await
        .json();
    assert_eq!(progress["percent"], 100, "{progress}");
    let certificate_id = progress["certificate_id"]
        .as_str()
        .expect("a completed course has a certificate")
        .to_owned();
    let certificate = stack
        .progress
        .get(&format!("/certificates/{certificate_id}"))
        .send()
        .await;
    certificate.assert_status(200);
    let certificate = certificate.json();
    assert_eq!(certificate["learner_name"], "Ada Lovelace");
    assert_eq!(certificate["course_title"], "Backend foundations");

    // Anyone verifies the credential with the keys auth publishes.
    let jwks = stack.auth.get("/.well-known/jwks.json").send().await;
    jwks.assert_status(200);
    let keys = VerifyingKeys::from_jwks(&jwks.text()).expect("auth publishes a JWKS");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["iss"]);
    validation.set_issuer(&[PUBLIC_BASE_URL]);
    let credential = certificate["credential"].as_str().expect("a credential");
    let claims: CertificateClaims = keys
        .verify(credential, CREDENTIAL_TYPE, &validation)
        .expect("the credential verifies with auth's published keys");
    assert_eq!(claims.jti.to_string(), certificate_id);
    assert_eq!(claims.learner_name, "Ada Lovelace");

    // The instructor sees the course's numbers (progress checks content's instructor list).
    let stats = stack
        .progress
        .get(&format!("/courses/{course_id}/stats"))
        .bearer(&instructor)
        .send()
        .await;
    stats.assert_status(200);
    assert_eq!(stats.json()["enrolled"], 1, "{}", stats.text());
    assert_eq!(stats.json()["completed"], 1, "{}", stats.text());

    // Neither a refresh token nor a certificate passes for an access token anywhere.
    let refresh = learner_login["refresh_token"]
        .as_str()
        .expect("a refresh token");
    for bearer in [refresh, credential] {
        stack
            .progress
            .get("/me/enrollments")
            .bearer(bearer)
            .send()
            .await
            .assert_status(401);
        stack
            .content
            .post("/courses")
            .bearer(bearer)
            .json(&json!({"title": "Not allowed"}))
            .send()
            .await
            .assert_status(401);
        stack
            .auth
            .get("/auth/me")
            .bearer(bearer)
            .send()
            .await
            .assert_status(401);
    }
}
