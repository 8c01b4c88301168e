//! A certificate is also a signed credential that anyone can check offline against the
//! published keys; it is never mistaken for an access token.

use jsonwebtoken::{Algorithm, Validation};
use progress::certificate::{CREDENTIAL_TYPE, CertificateClaims};
use progress_tests::{Caller, Course, TestApp};
use shared::token::{AccessTokenVerifier, TokenSettings, VerifyingKeys};
use testkit::env::{PUBLIC_BASE_URL, certificate_jwks_json};

/// How an offline verifier checks a credential: RS256 only, the published keys, the school as
/// issuer, no expiry.
fn offline_validation() -> Validation {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["iss"]);
    validation.set_issuer(&[PUBLIC_BASE_URL]);
    validation
}

/// A course completed by a learner, and the certificate's id and credential.
async fn completed_course(app: &TestApp) -> (Course, Caller, String, String) {
    let course = Course::published("Web security", 2, &app.instructor("I").await);
    app.put_course(&course).await;
    let learner = app.learner("Katherine Johnson").await;
    app.enrolled_with(&learner, &course, &course.lessons())
        .await;
    let id = app.certificate_of(&learner, &course).await;
    let credential = app.certificate(&id).await.json()["credential"]
        .as_str()
        .expect("the public page carries the credential")
        .to_owned();
    (course, learner, id, credential)
}

#[tokio::test]
async fn a_certificate_credential_verifies_with_the_published_keys() {
    let app = TestApp::spawn().await;
    let (course, learner, id, credential) = completed_course(&app).await;
    let keys = VerifyingKeys::from_jwks(&certificate_jwks_json()).expect("the JWKS");

    let claims: CertificateClaims = keys
        .verify(&credential, CREDENTIAL_TYPE, &offline_validation())
        .expect("the credential verifies");

    assert_eq!(claims.jti.as_str(), id);
    assert_eq!(claims.learner_name, learner.name);
    assert_eq!(claims.course_id, course.id);
    assert_eq!(claims.course_title, "Web security");
    assert_eq!(claims.iss, PUBLIC_BASE_URL);
    assert_eq!(claims.token_use, "certificate");
    assert_eq!(
        claims.verification_url,
        format!("{PUBLIC_BASE_URL}/certificates/{id}")
    );
}

#[tokio::test]
async fn a_credential_with_any_one_byte_changed_does_not_verify() {
    let app = TestApp::spawn().await;
    let (_, _, _, credential) = completed_course(&app).await;
    let keys = VerifyingKeys::from_jwks(&certificate_jwks_json()).expect("the JWKS");
    let validation = offline_validation();

    let mut accepted = Vec::new();
    for (i, original) in credential.char_indices() {
        // Another character of the same alphabet, so the change is not rejected as mere
        // garbage but must be caught by the signature.
        let replacement = match original {
            '.' => continue,
            'A' => 'B',
            _ => 'A',
        };
        let mut tampered = credential.clone();
        tampered.replace_range(i..i + 1, &replacement.to_string());
        if keys
            .verify::<CertificateClaims>(&tampered, CREDENTIAL_TYPE, &validation)
            .is_ok()
        {
            accepted.push(i);
        }
    }
    assert!(
        accepted.is_empty(),
        "changing the byte at {accepted:?} of {} still verified",
        credential.len()
    );
}

#[tokio::test]
async fn a_certificate_credential_is_never_accepted_as_an_access_token() {
    let app = TestApp::spawn().await;
    let (course, _, _, credential) = completed_course(&app).await;

    // Even a verifier that (wrongly) trusted the certificate key refuses it: wrong token type.
    let trusting = AccessTokenVerifier::new(
        VerifyingKeys::from_jwks(&certificate_jwks_json()).expect("the JWKS"),
        &TokenSettings {
            issuer: PUBLIC_BASE_URL.into(),
            audience: testkit::tokens::AUDIENCE.into(),
        },
    );
    assert!(
        trusting.verify(&credential).is_err(),
        "a certificate passed as an access token"
    );

    // And the function refuses it as a bearer token.
    let response = app
        .router
        .get(&format!("/me/courses/{}/progress", course.id))
        .bearer(&credential)
        .send()
        .await;
    response.assert_problem(401, "unauthenticated");
}

#[tokio::test]
async fn the_certificate_key_and_the_cursor_key_can_come_from_secrets_manager() {
    // Arrange: the test certificate key and a cursor key as secrets in the emulator (moto
    // serves Secrets Manager on the same endpoint as DynamoDB).
    let sdk = testkit::sdk_config()
        .await
        .into_builder()
        .endpoint_url(testkit::emulator_endpoint())
        .build();
    let pem = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fixtures/keys/test-certificate-key.pem"),
    )
    .expect("the certificate key fixture");
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
    let mut arns = Vec::new();
    for value in [pem.as_str(), "a cursor key from Secrets Manager, 32 bytes+"] {
        let secret = secrets
            .create_secret()
            .name(format!(
                "progress-test-{}",
                shared::catalog::CourseId::new()
            ))
            .secret_string(value)
            .send()
            .await
            .expect("the secret is created");
        arns.push(secret.arn().expect("an ARN").to_owned());
    }

    // Act: the function starts with the keys from the secrets instead of the file and the
    // environment.
    let db = testkit::dynamo_client().await;
    let tables = testkit::create_tables(&db).await;
    let env = testkit::env::function_env("progress", &tables, &testkit::emulator_endpoint());
    let env = shared::config::Env::from_pairs(
        [
            "TABLE_NAME",
            "CONTENT_TABLE_NAME",
            "AUTH_TABLE_NAME",
            "DYNAMODB_ENDPOINT",
            "PUBLIC_BASE_URL",
            "JWKS",
            "JWT_ISSUER",
            "JWT_AUDIENCE",
            "CERTIFICATE_KEY_ID",
        ]
        .map(|name| (name, env.required(name).expect("set").to_owned())),
    )
    .with("CERTIFICATE_KEY_SECRET_ARN", &arns[0])
    .with("CURSOR_KEY_SECRET_ARN", &arns[1]);
    let config = progress::Config::from_env(&env).expect("the configuration");
    let state = progress::AppState::from_config(config, &sdk).await;

    // Assert
    assert!(
        state.is_ok(),
        "the keys load from the secrets: {:?}",
        state.err()
    );
}

#[tokio::test]
async fn a_certificate_key_that_cannot_be_read_stops_the_function_at_start_without_showing_it() {
    let db = testkit::dynamo_client().await;
    let tables = testkit::create_tables(&db).await;
    let sdk = testkit::sdk_config().await;
    let base = testkit::env::function_env("progress", &tables, &testkit::emulator_endpoint());

    let missing = base
        .clone()
        .with("CERTIFICATE_KEY_FILE", "/nonexistent/cert.pem");
    let config = progress::Config::from_env(&missing).expect("the configuration");
    let err = progress::AppState::from_config(config, &sdk)
        .await
        .expect_err("no key file");
    assert!(
        format!("{err:#}").contains("/nonexistent/cert.pem"),
        "{err:#}"
    );

    let not_a_key = std::env::temp_dir().join(format!("not-a-key-{}.pem", tables.progress));
    std::fs::write(
        &not_a_key,
        "-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n",
    )
    .expect("a temporary file");
    let wrong = base.with("CERTIFICATE_KEY_FILE", not_a_key.display().to_string());
    let config = progress::Config::from_env(&wrong).expect("the configuration");
    let err = progress::AppState::from_config(config, &sdk)
        .await
        .expect_err("not a key");
    let _ = std::fs::remove_file(&not_a_key);
    let shown = format!("{err:#} {err:?}");
    assert!(
        !shown.contains("c2VjcmV0"),
        "the key material leaked: {shown}"
    );
}
