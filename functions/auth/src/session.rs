//! Sessions: what a login starts. A session is a family of refresh tokens, each used once and
//! replaced by the next; presenting a used one again revokes the whole family.

use shared::token::BearerToken;

use crate::secret::OpaqueToken;

shared::typed_id!(
    /// A session (a refresh-token family): the `sid` claim of the access tokens issued in it.
    SessionId
);

/// What a login or a refresh hands out. Its `Debug` shows neither token.
#[derive(Debug)]
pub struct SessionTokens {
    /// A signed access token (RS256 JWT) for every function's bearer routes.
    pub access_token: BearerToken,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// The opaque token that gets the next access token, once.
    pub refresh_token: OpaqueToken,
}
