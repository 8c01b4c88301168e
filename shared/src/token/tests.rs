use jsonwebtoken::jwk::JwkSet;

use super::*;

// A throwaway 2048-bit key used only by these unit tests.
const TEST_KEY: &str = include_str!("../../../tests/fixtures/keys/test-signing-key.pem");

fn settings() -> TokenSettings {
    TokenSettings {
        issuer: "https://auth.skillpath.test".into(),
        audience: "skillpath-api".into(),
    }
}

fn issuer() -> AccessTokenIssuer {
    let key = SigningKey::from_pem("test-1", TEST_KEY.as_bytes()).unwrap();
    AccessTokenIssuer::new(key, settings(), Duration::from_secs(600))
}

fn verifier(issuer: &AccessTokenIssuer) -> AccessTokenVerifier {
    let set = JwkSet {
        keys: vec![issuer.signing_key().public_jwk().clone()],
    };
    AccessTokenVerifier::new(VerifyingKeys::from_jwks_set(&set).unwrap(), &settings())
}

fn claims(user: UserId) -> AccessClaims {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    AccessClaims {
        iss: settings().issuer,
        aud: settings().audience,
        sub: user,
        role: Role::Learner,
        name: "Grace Hopper".into(),
        iat: now,
        nbf: now,
        exp: now + 600,
        jti: "j".into(),
        token_use: "access".into(),
    }
}

#[test]
fn an_issued_token_verifies_as_its_user_and_role() {
    let issuer = issuer();
    let user = UserId::new();
    let token = issuer
        .issue(user, Role::Instructor, "Ada Lovelace")
        .unwrap();
    assert_eq!(token.expires_in, 600);
    let caller = verifier(&issuer).verify(token.token.expose()).unwrap();
    assert_eq!(
        caller,
        AuthUser {
            id: user,
            role: Role::Instructor,
            name: "Ada Lovelace".into(),
        }
    );
}

#[test]
fn a_session_bound_token_names_its_session_and_epoch_and_still_verifies_as_a_plain_one() {
    let issuer = issuer();
    let user = UserId::new();
    let token = issuer
        .issue_in_session(user, Role::Learner, "Ada", "session-1", 7)
        .unwrap();
    let verifier = verifier(&issuer);
    let caller = verifier.verify_session(token.token.expose()).unwrap();
    assert_eq!(caller.user.id, user);
    assert_eq!(caller.session.as_deref(), Some("session-1"));
    assert_eq!(caller.epoch, Some(7));
    assert_eq!(verifier.verify(token.token.expose()).unwrap().id, user);
    let plain = issuer.issue(user, Role::Learner, "Ada").unwrap();
    let plain = verifier.verify_session(plain.token.expose()).unwrap();
    assert_eq!((plain.session, plain.epoch), (None, None));
}

#[test]
fn the_ttl_is_capped_at_fifteen_minutes() {
    let key = SigningKey::from_pem("test-1", TEST_KEY.as_bytes()).unwrap();
    let issuer = AccessTokenIssuer::new(key, settings(), Duration::from_secs(86_400));
    assert_eq!(
        issuer
            .issue(UserId::new(), Role::Learner, "A")
            .unwrap()
            .expires_in,
        900
    );
}

#[test]
fn expired_future_and_foreign_tokens_are_refused() {
    let issuer = issuer();
    let verifier = verifier(&issuer);
    let key = issuer.signing_key();
    let user = UserId::new();
    let cases: Vec<(&str, AccessClaims)> = vec![
        (
            "expired",
            AccessClaims {
                exp: claims(user).iat - 120,
                iat: claims(user).iat - 700,
                nbf: claims(user).iat - 700,
                ..claims(user)
            },
        ),
        (
            "not yet valid",
            AccessClaims {
                nbf: claims(user).iat + 300,
                ..claims(user)
            },
        ),
        (
            "wrong issuer",
            AccessClaims {
                iss: "https://evil.example".into(),
                ..claims(user)
            },
        ),
        (
            "wrong audience",
            AccessClaims {
                aud: "other-api".into(),
                ..claims(user)
            },
        ),
        (
            "refresh kind",
            AccessClaims {
                token_use: "refresh".into(),
                ..claims(user)
            },
        ),
        (
            "too long-lived",
            AccessClaims {
                exp: claims(user).iat + 86_400,
                ..claims(user)
            },
        ),
    ];
    for (name, claims) in cases {
        let token = key.sign(ACCESS_TOKEN_TYPE, &claims).unwrap();
        assert!(verifier.verify(&token).is_err(), "{name} was accepted");
    }
    let other_type = key.sign("JWT", &claims(user)).unwrap();
    assert_eq!(verifier.verify(&other_type), Err(TokenRejected::WrongType));
}

#[test]
fn a_key_id_that_is_not_configured_is_refused() {
    let issuer = issuer();
    let stranger = SigningKey::from_pem("test-2", TEST_KEY.as_bytes()).unwrap();
    let token = stranger
        .sign(ACCESS_TOKEN_TYPE, &claims(UserId::new()))
        .unwrap();
    assert_eq!(
        verifier(&issuer).verify(&token),
        Err(TokenRejected::UnknownKey)
    );
}

#[test]
fn a_generated_key_signs_tokens_its_jwks_verifies() {
    let (key, pem) = SigningKey::generate("fresh-1").unwrap();
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    let reloaded = SigningKey::from_pem("fresh-1", pem.as_bytes()).unwrap();
    let issuer = AccessTokenIssuer::new(reloaded, settings(), Duration::from_secs(60));
    let keys = VerifyingKeys::from_jwks_set(&jwks([key.public_jwk()])).unwrap();
    let verifier = AccessTokenVerifier::new(keys, &settings());
    let token = issuer.issue(UserId::new(), Role::Admin, "A").unwrap();
    assert_eq!(
        verifier.verify(token.token.expose()).unwrap().role,
        Role::Admin
    );
}

#[test]
fn debug_output_never_shows_the_private_key() {
    let key = SigningKey::from_pem("test-1", TEST_KEY.as_bytes()).unwrap();
    let shown = format!("{key:?} {:?}", issuer());
    assert!(!shown.contains("PRIVATE"), "{shown}");
}

#[test]
fn a_jwks_without_kids_is_refused() {
    let issuer = issuer();
    let mut jwk = issuer.signing_key().public_jwk().clone();
    jwk.common.key_id = None;
    let set = JwkSet { keys: vec![jwk] };
    assert!(VerifyingKeys::from_jwks_set(&set).is_err());
    assert!(VerifyingKeys::from_jwks(r#"{"keys": []}"#).is_err());
}

#[test]
fn a_token_and_the_public_key_are_what_jsonwebtoken_makes_of_the_same_key() {
    // RS256 (PKCS#1 v1.5) signatures are deterministic: the same claims under the same key
    // give the same token, byte for byte, whichever code signs them.
    let key = SigningKey::from_pem("test-1", TEST_KEY.as_bytes()).unwrap();
    let claims = claims(UserId::new());
    let ours = key.sign(ACCESS_TOKEN_TYPE, &claims).unwrap();

    let theirs_key = jsonwebtoken::EncodingKey::from_rsa_pem(TEST_KEY.as_bytes()).unwrap();
    let mut header = jsonwebtoken::Header::new(Algorithm::RS256);
    header.typ = Some(ACCESS_TOKEN_TYPE.to_owned());
    header.kid = Some("test-1".to_owned());
    assert_eq!(
        ours,
        jsonwebtoken::encode(&header, &claims, &theirs_key).unwrap()
    );
    let mut theirs_public =
        jsonwebtoken::jwk::Jwk::from_encoding_key(&theirs_key, Algorithm::RS256).unwrap();
    theirs_public.common.key_id = Some("test-1".to_owned());
    theirs_public.common.public_key_use = Some(jsonwebtoken::jwk::PublicKeyUse::Signature);
    assert_eq!(key.public_jwk(), &theirs_public);
}

#[test]
fn a_remembered_token_is_the_same_text_that_verified_and_still_expires() {
    let issuer = issuer();
    let verifier = verifier(&issuer);
    let user = UserId::new();
    let token = issuer
        .issue(user, Role::Learner, "Grace Hopper")
        .unwrap()
        .token;
    let token = token.expose();
    let first = verifier.verify_session(token).unwrap();
    assert_eq!(
        verifier.verify_session(token),
        Ok(first),
        "remembered alike"
    );

    // A copy with one character of its signature changed is another text: checked, refused.
    let mut forged = token.to_owned();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    assert!(matches!(
        verifier.verify_session(&forged),
        Err(TokenRejected::Invalid(_))
    ));

    // Past its expiry (and the leeway), the remembered token is refused and forgotten.
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let later = now + 600 + LEEWAY.as_secs() as i64 + 1;
    assert!(verifier.verify_session_at(token, later).is_err());
    assert_eq!(verifier.verified.lock().unwrap().len(), 0);
}

#[test]
fn at_most_so_many_tokens_are_remembered() {
    let issuer = issuer();
    let verifier = verifier(&issuer);
    for _ in 0..=REMEMBERED_TOKENS {
        let token = issuer
            .issue(UserId::new(), Role::Learner, "L")
            .unwrap()
            .token;
        verifier.verify(token.expose()).unwrap();
    }
    assert!(verifier.verified.lock().unwrap().len() <= REMEMBERED_TOKENS);
}

#[test]
fn a_key_whose_parts_do_not_make_one_rsa_key_signs_nothing() {
    // The last part of an RSAPrivateKey is the CRT coefficient q⁻¹ mod p: changed, the key
    // still reads (its public half is intact) but aws-lc's check refuses it before it signs.
    let der = jsonwebtoken::EncodingKey::from_rsa_pem(TEST_KEY.as_bytes()).unwrap();
    let mut der = der.as_bytes().to_vec();
    *der.last_mut().unwrap() ^= 1;
    let key = SigningKey::from_pem(
        "test-1",
        keys::pem_encode("RSA PRIVATE KEY", &der).as_bytes(),
    )
    .unwrap();
    let good = SigningKey::from_pem("test-1", TEST_KEY.as_bytes()).unwrap();
    assert_eq!(key.public_jwk(), good.public_jwk());
    for _ in 0..2 {
        let refused = key
            .sign(ACCESS_TOKEN_TYPE, &claims(UserId::new()))
            .unwrap_err();
        assert!(
            refused.to_string().contains("not a usable RSA private key"),
            "{refused}"
        );
    }
    assert!(
        SigningKey::from_pem(
            "test-1",
            b"-----BEGIN RSA PRIVATE KEY-----\nMAA=\n-----END RSA PRIVATE KEY-----\n"
        )
        .is_err()
    );
}
