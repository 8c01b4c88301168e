//! Test keys and tokens: a fixed RSA key (committed, test-only), its JWKS, and tokens for any
//! user and role, signed exactly as `auth` signs them.

use std::time::Duration;

use shared::identity::{Role, UserId};
use shared::token::{
    AccessTokenIssuer, AccessTokenVerifier, SigningKey, TokenSettings, VerifyingKeys,
};

/// The test signing key, PEM. Never used outside tests.
pub const TEST_SIGNING_KEY_PEM: &str = include_str!("../../fixtures/keys/test-signing-key.pem");
/// Its key id.
pub const TEST_KID: &str = "test-key-1";
/// The issuer and audience tests configure.
pub const ISSUER: &str = "https://auth.skillpath.test";
pub const AUDIENCE: &str = "skillpath-api";

pub fn settings() -> TokenSettings {
    TokenSettings {
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
    }
}

/// The test signing key.
///
/// # Panics
/// Never: the fixture is a valid key.
pub fn signing_key() -> SigningKey {
    SigningKey::from_pem(TEST_KID, TEST_SIGNING_KEY_PEM.as_bytes()).expect("the test key loads")
}

/// The JWKS document publishing the test key, as the `JWKS` variable holds it.
pub fn jwks_json() -> String {
    let key = signing_key();
    serde_json::to_string(&shared::token::jwks([key.public_jwk()])).expect("a JWKS serialises")
}

/// An issuer of access tokens signed with the test key.
pub fn issuer() -> AccessTokenIssuer {
    AccessTokenIssuer::new(signing_key(), settings(), Duration::from_secs(600))
}

/// A verifier that trusts the test key.
///
/// # Panics
/// Never: the fixture is a valid key.
pub fn verifier() -> AccessTokenVerifier {
    let keys = VerifyingKeys::from_jwks(&jwks_json()).expect("the test JWKS loads");
    AccessTokenVerifier::new(keys, &settings())
}

/// A valid access token for `user` acting as `role`, named after the role.
///
/// # Panics
/// Never: signing with the test key works.
pub fn access_token(user: UserId, role: Role) -> String {
    let name = format!("Test {role}");
    issuer()
        .issue(user, role, &name)
        .expect("signing works")
        .token
        .expose()
        .to_owned()
}

/// The environment variables a function verifying tokens needs.
pub fn token_env() -> Vec<(&'static str, String)> {
    vec![
        ("JWKS", jwks_json()),
        ("JWT_ISSUER", ISSUER.into()),
        ("JWT_AUDIENCE", AUDIENCE.into()),
    ]
}
