//! Forged access tokens: the attacks every bearer route must refuse with 401.
//!
//! Each is built the way an attacker would build it, from a genuine token or key material an
//! attacker can see (the public key), so a verifier that accepts one has a real hole.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use shared::identity::{Role, UserId};
use shared::token::{ACCESS_TOKEN_TYPE, SigningKey};

use crate::tokens::{self, AUDIENCE, ISSUER};

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The claims of a genuine access token for `user` as `role`.
pub fn genuine_claims(user: UserId, role: Role) -> Value {
    let now = now();
    json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": user, "role": role, "name": "Mallory",
        "iat": now, "nbf": now, "exp": now + 600, "jti": uuid::Uuid::now_v7().to_string(),
        "token_use": "access",
    })
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn signed(claims: &Value) -> String {
    tokens::signing_key()
        .sign(ACCESS_TOKEN_TYPE, claims)
        .expect("signing works")
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).expect("JSON"))
}

/// The test key's public half in PEM, as an attacker would download it.
///
/// # Panics
/// Never: the fixture is a valid key.
pub fn public_key_pem() -> String {
    use aws_lc_rs::encoding::AsDer;
    let pem = tokens::TEST_SIGNING_KEY_PEM;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("PEM body");
    let pair = aws_lc_rs::rsa::KeyPair::from_pkcs8(&der).expect("a PKCS#8 RSA key");
    let public = aws_lc_rs::signature::KeyPair::public_key(&pair)
        .as_der()
        .expect("a DER public key");
    let encoded = base64::engine::general_purpose::STANDARD.encode(public.as_ref());
    let lines: Vec<&str> = encoded
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).expect("base64 is ASCII"))
        .collect();
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        lines.join("\n")
    )
}

/// Every forged token, by name, claiming to be `user` as `role`. Each must get a 401.
///
/// # Panics
/// Never: building them only uses the test fixtures.
pub fn forged_tokens(user: UserId, role: Role) -> Vec<(&'static str, String)> {
    let claims = genuine_claims(user, role);
    let genuine = signed(&claims);
    let parts: Vec<&str> = genuine.split('.').collect();

    // alg none: header says "none", no signature.
    let none_header = json!({"alg": "none", "typ": ACCESS_TOKEN_TYPE, "kid": tokens::TEST_KID});
    let alg_none = format!("{}.{}.", b64(&none_header), b64(&claims));

    // HS256 "signed" with the RSA public key as the HMAC secret (key confusion).
    let mut hs_header = Header::new(Algorithm::HS256);
    hs_header.typ = Some(ACCESS_TOKEN_TYPE.into());
    hs_header.kid = Some(tokens::TEST_KID.into());
    let hs256 = jsonwebtoken::encode(
        &hs_header,
        &claims,
        &EncodingKey::from_secret(public_key_pem().as_bytes()).expect("any bytes are an HMAC key"),
    )
    .expect("HMAC signing works");

    // A genuine token whose payload was edited to impersonate another account as an admin,
    // signature kept.
    let impersonation = with(
        with(claims.clone(), "sub", json!(UserId::new())),
        "role",
        json!("admin"),
    );
    let edited = format!("{}.{}.{}", parts[0], b64(&impersonation), parts[2]);

    // Signed by a key the verifier does not know, under an unknown kid, announcing it in `jwk`
    // and `jku` headers (which must be ignored).
    let (stranger, _) = SigningKey::generate("attacker-1").expect("key generation works");
    let unknown_kid = stranger
        .sign(ACCESS_TOKEN_TYPE, &claims)
        .expect("signing works");
    // The same stranger's signature under the genuine kid.
    let (impostor, _) = SigningKey::generate(tokens::TEST_KID).expect("key generation works");
    let wrong_key_same_kid = impostor
        .sign(ACCESS_TOKEN_TYPE, &claims)
        .expect("signing works");

    let now = now();
    vec![
        ("alg none", alg_none),
        ("HS256 signed with the public key", hs256),
        ("edited payload", edited),
        (
            "wrong issuer",
            signed(&with(claims.clone(), "iss", json!("https://evil.example"))),
        ),
        (
            "wrong audience",
            signed(&with(claims.clone(), "aud", json!("another-api"))),
        ),
        (
            "expired",
            signed(&with(
                with(
                    with(claims.clone(), "exp", json!(now - 120)),
                    "iat",
                    json!(now - 720),
                ),
                "nbf",
                json!(now - 720),
            )),
        ),
        (
            "not valid before the future",
            signed(&with(claims.clone(), "nbf", json!(now + 600))),
        ),
        ("unknown kid", unknown_kid),
        ("another key under the genuine kid", wrong_key_same_kid),
        (
            "a refresh-kind token",
            signed(&with(claims.clone(), "token_use", json!("refresh"))),
        ),
        (
            "another token type",
            tokens::signing_key()
                .sign("JWT", &claims)
                .expect("signing works"),
        ),
        ("not a JWT at all", "d3JvbmcgdG9rZW4".into()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verifier_accepts_the_genuine_token_and_refuses_every_forgery() {
        let user = UserId::new();
        let verifier = tokens::verifier();
        let genuine = signed(&genuine_claims(user, Role::Learner));
        assert_eq!(verifier.verify(&genuine).map(|u| u.id), Ok(user));
        for (name, token) in forged_tokens(user, Role::Learner) {
            assert!(
                verifier.verify(&token).is_err(),
                "the {name} forgery was accepted"
            );
        }
    }
}
