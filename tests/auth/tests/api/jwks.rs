//! The published keys: both sets, public parts only, cacheable and revalidated with ETags.

use auth_tests::TestApp;

#[tokio::test]
async fn the_jwks_publishes_the_access_and_certificate_keys_for_caches() {
    let app = TestApp::spawn().await;
    let response = app.router.get("/.well-known/jwks.json").send().await;
    response.assert_status(200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(
        response.header("cache-control"),
        Some("public, max-age=300")
    );
    let etag = response.header("etag").expect("an ETag").to_owned();

    let jwks = response.json();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|k| k["kid"].as_str())
        .collect();
    assert_eq!(
        kids,
        [testkit::tokens::TEST_KID, testkit::env::CERTIFICATE_KID]
    );
    for key in jwks["keys"].as_array().into_iter().flatten() {
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(key.get(private).is_none(), "the JWKS leaks {private}");
        }
        assert_eq!(key["alg"], "RS256");
    }

    let revalidated = app
        .router
        .get("/.well-known/jwks.json")
        .header("if-none-match", &etag)
        .send()
        .await;
    revalidated.assert_status(304);
    assert!(revalidated.body.is_empty());
    assert_eq!(revalidated.header("etag"), Some(etag.as_str()));

    let stale = app
        .router
        .get("/.well-known/jwks.json")
        .header("if-none-match", "\"an-old-version\"")
        .send()
        .await;
    stale.assert_status(200);
}

#[tokio::test]
async fn the_published_keys_verify_the_tokens_auth_issues() {
    let app = TestApp::spawn().await;
    let tokens = app.signed_up("verifier@example.org").await;
    let jwks = app.router.get("/.well-known/jwks.json").send().await.text();
    let settings = testkit::tokens::settings();
    let verifier = shared::token::AccessTokenVerifier::new(
        shared::token::VerifyingKeys::from_jwks(&jwks).expect("a JWKS the verifier reads"),
        &settings,
    );
    let caller = verifier
        .verify(&tokens.access_token)
        .expect("the token verifies with the published keys");
    assert_eq!(caller.name, "Test Learner");
}
