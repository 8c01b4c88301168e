//! auth: an account's life from registration to logout, the published keys, and tokens that
//! were not issued by the school.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, Validation};
use serde_json::{Value, json};
use smoke_tests::{AccessClaims, Account, Api, Learner, Tokens, fresh_password, login};

/// A throwaway RSA key that is not the school's (the test fixture; it protects nothing).
const STRANGER_KEY_PEM: &str = include_str!("../../../fixtures/keys/test-signing-key.pem");

/// The JOSE type of access tokens.
const ACCESS_TOKEN_TYPE: &str = "at+jwt";

async fn refresh(api: &Api, refresh_token: &str) -> smoke_tests::Reply {
    api.post("/auth/refresh")
        .json(&json!({"refresh_token": refresh_token}))
        .send()
        .await
}

async fn me(api: &Api, access_token: &str) -> smoke_tests::Reply {
    api.get("/auth/me").bearer(access_token).send().await
}

#[tokio::test]
#[ignore = "needs SMOKE_BASE_URL: a deployed or local stack"]
async fn a_new_learner_registers_logs_in_refreshes_and_logs_out() {
    let api = Api::from_env();
    let email = api.fresh_email();
    let password = fresh_password();

    // Register: a learner, whatever role the body asks for.
    let account: Account = api
        .post("/auth/register")
        .json(&json!({"email": email, "password": password, "name": "Smoke Learner", "role": "admin"}))
        .send()
        .await
        .assert_status(201)
        .json();
    assert_eq!(
        account.email,
        email.to_lowercase(),
        "the registered address"
    );
    assert_eq!(account.role, "learner", "registration made a non-learner");
    assert!(!account.email_verified, "a new address is not verified yet");

    // Login (an unverified address may log in), then read the account.
    let first = login(&api, &email, &password).await;
    assert_eq!(first.token_type, "Bearer");
    assert!(
        first.expires_in <= 900,
        "an access token lives {} s, more than 15 minutes",
        first.expires_in
    );
    let shown: Account = me(&api, &first.access_token)
        .await
        .assert_status(200)
        .json();
    assert_eq!(shown.id, account.id, "/auth/me shows another account");

    // Refresh: new tokens; the refresh token presented is consumed.
    let second: Tokens = refresh(&api, &first.refresh_token)
        .await
        .assert_status(200)
        .json();
    assert_ne!(
        second.refresh_token, first.refresh_token,
        "the refresh token was not rotated"
    );
    me(&api, &second.access_token).await.assert_status(200);

    // The consumed token again: refused, and the session it belonged to ends with it.
    refresh(&api, &first.refresh_token)
        .await
        .assert_problem(401, "invalid-credentials");
    refresh(&api, &second.refresh_token)
        .await
        .assert_problem(401, "invalid-credentials");

    // A new login starts a new session; logging out ends it.
    let third = login(&api, &email, &password).await;
    api.post("/auth/logout")
        .json(&json!({"refresh_token": third.refresh_token}))
        .send()
        .await
        .assert_status(204);
    refresh(&api, &third.refresh_token)
        .await
        .assert_problem(401, "invalid-credentials");
}

#[tokio::test]
#[ignore = "needs SMOKE_BASE_URL: a deployed or local stack"]
async fn the_published_keys_are_cacheable_and_verify_the_access_tokens() {
    let api = Api::from_env();
    let learner = Learner::register(&api, "Smoke Learner").await;

    let published = api
        .get("/.well-known/jwks.json")
        .send()
        .await
        .assert_status(200);
    assert_eq!(published.header("content-type"), Some("application/json"));
    let cache_control = published.header("cache-control").unwrap_or_default();
    assert!(
        cache_control.starts_with("public") && cache_control.contains("max-age="),
        "the JWKS is not cacheable: Cache-Control {cache_control:?}"
    );
    let etag = published.etag();
    let revalidated = api
        .get("/.well-known/jwks.json")
        .header("if-none-match", &etag)
        .send()
        .await
        .assert_status(304);
    assert!(revalidated.body.is_empty(), "a 304 with a body");

    let document: Value = published.json();
    let keys = document["keys"].as_array().cloned().unwrap_or_default();
    assert!(!keys.is_empty(), "the JWKS has no key: {document}");
    for key in &keys {
        assert_eq!(key["alg"], "RS256", "a published key of another algorithm");
        for private in ["d", "p", "q", "dp", "dq", "qi"] {
            assert!(
                key.get(private).is_none(),
                "the JWKS leaks a private key's {private}"
            );
        }
    }

    let mut validation = Validation::new(Algorithm::RS256);
    // The audience is the deployment's; the suite checks who the token is for instead.
    validation.validate_aud = false;
    let claims: AccessClaims = smoke_tests::verify(
        learner.access_token(),
        ACCESS_TOKEN_TYPE,
        &published.json(),
        &validation,
    );
    assert_eq!(claims.sub, learner.account.id, "the token's subject");
    assert_eq!(claims.role, "learner");
    assert_eq!(claims.name, "Smoke Learner");
    assert_eq!(claims.token_use, "access");
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("JSON"))
}

/// Tokens built the way an attacker would, from a genuine one and the school's public key's
/// modulus, by name.
fn forgeries(genuine: &str, public_modulus: &str) -> Vec<(&'static str, String)> {
    let parts: Vec<&str> = genuine.split('.').collect();
    let [header, payload, signature] = parts[..] else {
        panic!("an access token that is not a JWS: {genuine}");
    };
    let decode = |part: &str| -> Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
    };
    let header = decode(header);
    let claims = decode(payload);
    let kid = header["kid"].as_str().expect("the token's kid").to_owned();

    let mut admin = claims.clone();
    admin["role"] = json!("admin");
    admin["sub"] = json!("01900000-0000-7000-8000-000000000000");
    let edited = format!("{}.{}.{signature}", b64(&header), b64(&admin));

    let none = json!({"alg": "none", "typ": ACCESS_TOKEN_TYPE, "kid": kid});
    let alg_none = format!("{}.{}.", b64(&none), b64(&claims));

    let mut hs_header = Header::new(Algorithm::HS256);
    hs_header.typ = Some(ACCESS_TOKEN_TYPE.into());
    hs_header.kid = Some(kid.clone());
    let secret = EncodingKey::from_secret(public_modulus.as_bytes()).expect("an HMAC key");
    let hs256 = jsonwebtoken::encode(&hs_header, &claims, &secret).expect("HMAC signing");

    let mut rs_header = Header::new(Algorithm::RS256);
    rs_header.typ = Some(ACCESS_TOKEN_TYPE.into());
    rs_header.kid = Some(kid);
    let stranger = EncodingKey::from_rsa_pem(STRANGER_KEY_PEM.as_bytes()).expect("an RSA key");
    let wrong_key = jsonwebtoken::encode(&rs_header, &claims, &stranger).expect("RSA signing");

    vec![
        ("payload edited to an admin, signature kept", edited),
        ("alg none", alg_none),
        ("HS256 keyed with the public key", hs256),
        ("signed by another key under the school's kid", wrong_key),
    ]
}

#[tokio::test]
#[ignore = "needs SMOKE_BASE_URL: a deployed or local stack"]
async fn a_forged_access_token_is_refused_by_every_function() {
    let api = Api::from_env();
    let learner = Learner::register(&api, "Smoke Learner").await;
    let keys: Value = api
        .get("/.well-known/jwks.json")
        .send()
        .await
        .assert_status(200)
        .json();
    let modulus = keys["keys"][0]["n"].as_str().expect("an RSA key's modulus");
    // One bearer route of each function, with what the genuine token gets there.
    let routes = [
        ("auth", "/auth/me", 200),
        ("progress", "/me/enrollments", 200),
        ("content", "/courses/smoke-no-such-course", 404),
    ];

    for (function, path, status) in routes {
        let genuine = api.get(path).bearer(learner.access_token()).send().await;
        assert_eq!(
            genuine.status,
            status,
            "{function}: the genuine token got {} at {path}: {}",
            genuine.status,
            genuine.text()
        );
        for (forgery, token) in forgeries(learner.access_token(), modulus) {
            let refused = api.get(path).bearer(&token).send().await;
            assert_eq!(
                refused.status,
                401,
                "{function} answered {} to a forged token ({forgery}) at {path}: {}",
                refused.status,
                refused.text()
            );
        }
    }
}
