//! Signed tokens: the access tokens `auth` issues and every function verifies, and the signing
//! and verifying keys behind them.
//!
//! Access tokens are RS256 JWTs with header `typ: at+jwt` and claim `token_use: access`,
//! living at most 15 minutes. Verification is local (no network call): the public keys come
//! from configuration as a JWKS document, the algorithm is pinned to RS256, the key is chosen
//! only by `kid` among configured keys (a token's own `jku`, `x5u` or `jwk` are never
//! followed), and issuer, audience, expiry and not-before are checked with 30 s of leeway.
//!
//! A client sends the same access token with each of its requests for up to 15 minutes, and
//! checking its RSA signature is a third of a warm request's instructions: each function
//! remembers the tokens it verified (by their whole text, at most [`REMEMBERED_TOKENS`]), and a
//! token it has seen costs a lookup and an expiry check, not another signature check.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use jsonwebtoken::{Algorithm, Validation};
use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, Env};
use crate::identity::{Role, UserId};

/// The JOSE `typ` of an access token (RFC 9068).
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";
/// The longest an access token may live.
pub const MAX_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(15 * 60);
/// Clock skew tolerated on `exp`, `nbf` and `iat`.
pub const LEEWAY: Duration = Duration::from_secs(30);
/// The most verified tokens a function remembers (a few hundred KB at most).
pub const REMEMBERED_TOKENS: usize = 256;

mod caller;
mod keys;
#[cfg(test)]
mod tests;

pub use caller::{AuthSession, AuthUser, CurrentUser, MaybeAuthUser, VerifiedUser};
pub use keys::{BearerToken, KeySource, Secrets, SigningKey, TokenRejected, VerifyingKeys, jwks};

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub aud: String,
    pub sub: UserId,
    pub role: Role,
    /// The account's display name when the token was issued (certificates carry it).
    pub name: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
    /// Always `access`: refresh, reset and certificate tokens are other kinds.
    pub token_use: String,
}

/// Who issues access tokens and for whom: `JWT_ISSUER` and `JWT_AUDIENCE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSettings {
    pub issuer: String,
    pub audience: String,
}

impl TokenSettings {
    /// # Errors
    /// When `JWT_ISSUER` or `JWT_AUDIENCE` is unset.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            issuer: env.required("JWT_ISSUER")?.to_owned(),
            audience: env.required("JWT_AUDIENCE")?.to_owned(),
        })
    }
}

/// Tokens that verified, by their text, with what they said and their `exp`.
type Verified = HashMap<Box<str>, (AuthSession, i64)>;

/// Verifies access tokens; built once per cold start, shared by every request.
#[derive(Clone)]
pub struct AccessTokenVerifier {
    keys: VerifyingKeys,
    validation: Validation,
    /// Tokens that verified, by their text: what they said and when they expire (shared by
    /// clones: they verify alike).
    verified: Arc<Mutex<Verified>>,
}

impl fmt::Debug for AccessTokenVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessTokenVerifier")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl AccessTokenVerifier {
    pub fn new(keys: VerifyingKeys, settings: &TokenSettings) -> Self {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.algorithms = vec![Algorithm::RS256];
        validation.leeway = LEEWAY.as_secs();
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        Self {
            keys,
            validation,
            verified: Arc::default(),
        }
    }

    /// From `JWKS` (the access-token public keys, as a JWKS document), `JWT_ISSUER` and
    /// `JWT_AUDIENCE`.
    ///
    /// # Errors
    /// When a variable is missing or the JWKS does not parse.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let settings = TokenSettings::from_env(env)?;
        let keys = VerifyingKeys::from_jwks(env.required("JWKS")?)
            .map_err(|reason| ConfigError::malformed("JWKS", reason))?;
        Ok(Self::new(keys, &settings))
    }

    /// Verifies an access token and says whom it is for.
    ///
    /// # Errors
    /// [`TokenRejected`] when any check fails.
    pub fn verify(&self, token: &str) -> Result<AuthUser, TokenRejected> {
        self.verify_session(token).map(|caller| caller.user)
    }

    /// Verifies an access token and says whom it is for, in which session (the `sid` claim
    /// of tokens issued by [`AccessTokenIssuer::issue_in_session`]) and at which of the
    /// account's session epochs it was issued.
    ///
    /// # Errors
    /// [`TokenRejected`] when any check fails.
    pub fn verify_session(&self, token: &str) -> Result<AuthSession, TokenRejected> {
        self.verify_session_at(token, time::OffsetDateTime::now_utc().unix_timestamp())
    }

    /// [`Self::verify_session`] at `now` (Unix seconds): a remembered token is checked
    /// against it; a new one's signature, issuer, audience and `nbf` are checked against the
    /// system clock by `jsonwebtoken`, its `iat` and `exp` against `now` too.
    fn verify_session_at(&self, token: &str, now: i64) -> Result<AuthSession, TokenRejected> {
        let leeway = LEEWAY.as_secs() as i64;
        let expired = |exp: i64| exp < now - leeway;
        let mut verified = self.verified.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((session, exp)) = verified.get(token) {
            if !expired(*exp) {
                return Ok(session.clone());
            }
            verified.remove(token);
            return Err(TokenRejected::Invalid("ExpiredSignature".into()));
        }
        drop(verified);
        let SessionBoundClaims {
            access: claims,
            sid,
            session_epoch,
        } = self
            .keys
            .verify(token, ACCESS_TOKEN_TYPE, &self.validation)?;
        if claims.token_use != "access" {
            return Err(TokenRejected::WrongType);
        }
        if claims.iat > now + leeway {
            return Err(TokenRejected::Invalid("issued in the future".into()));
        }
        if claims.exp - claims.iat > MAX_ACCESS_TOKEN_TTL.as_secs() as i64 {
            return Err(TokenRejected::Invalid(
                "lives longer than 15 minutes".into(),
            ));
        }
        if expired(claims.exp) {
            return Err(TokenRejected::Invalid("ExpiredSignature".into()));
        }
        let session = AuthSession {
            user: AuthUser {
                id: claims.sub,
                role: claims.role,
                name: claims.name,
            },
            session: sid,
            epoch: session_epoch,
        };
        let mut verified = self.verified.lock().unwrap_or_else(PoisonError::into_inner);
        if verified.len() >= REMEMBERED_TOKENS {
            verified.retain(|_, (_, exp)| !expired(*exp));
            if verified.len() >= REMEMBERED_TOKENS {
                verified.clear();
            }
        }
        verified.insert(token.into(), (session.clone(), claims.exp));
        Ok(session)
    }
}

/// An access token's claims plus, optionally, the session they were issued in (OpenID's `sid`:
/// `auth` uses it to keep the caller's own session when it revokes the others) and the
/// account's session epoch at issue (see [`crate::account`]: privileged routes compare both
/// with the account's current state).
#[derive(Serialize, Deserialize)]
struct SessionBoundClaims {
    #[serde(flatten)]
    access: AccessClaims,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    session_epoch: Option<u64>,
}

/// Issues access tokens; only `auth` holds one.
#[derive(Debug)]
pub struct AccessTokenIssuer {
    key: SigningKey,
    settings: TokenSettings,
    ttl: Duration,
}

/// A freshly issued access token.
#[derive(Debug, Clone)]
pub struct IssuedAccessToken {
    pub token: BearerToken,
    /// Seconds until it expires.
    pub expires_in: u64,
}

impl AccessTokenIssuer {
    /// `ttl` is capped at [`MAX_ACCESS_TOKEN_TTL`].
    pub fn new(key: SigningKey, settings: TokenSettings, ttl: Duration) -> Self {
        Self {
            key,
            settings,
            ttl: ttl.min(MAX_ACCESS_TOKEN_TTL),
        }
    }

    pub fn signing_key(&self) -> &SigningKey {
        &self.key
    }

    /// Issues an access token for `user`, named `name`, acting as `role`.
    ///
    /// # Errors
    /// When signing fails.
    pub fn issue(&self, user: UserId, role: Role, name: &str) -> anyhow::Result<IssuedAccessToken> {
        self.sign(user, role, name, None)
    }

    /// As [`Self::issue`], for a token issued in `session` while the account's session epoch
    /// is `epoch` (it carries the `sid` and `session_epoch` claims).
    ///
    /// # Errors
    /// When signing fails.
    pub fn issue_in_session(
        &self,
        user: UserId,
        role: Role,
        name: &str,
        session: &str,
        epoch: u64,
    ) -> anyhow::Result<IssuedAccessToken> {
        self.sign(user, role, name, Some((session, epoch)))
    }

    fn sign(
        &self,
        user: UserId,
        role: Role,
        name: &str,
        session: Option<(&str, u64)>,
    ) -> anyhow::Result<IssuedAccessToken> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let claims = SessionBoundClaims {
            access: AccessClaims {
                iss: self.settings.issuer.clone(),
                aud: self.settings.audience.clone(),
                sub: user,
                role,
                name: name.to_owned(),
                iat: now,
                nbf: now,
                exp: now + self.ttl.as_secs() as i64,
                jti: uuid::Uuid::now_v7().to_string(),
                token_use: "access".into(),
            },
            sid: session.map(|(sid, _)| sid.to_owned()),
            session_epoch: session.map(|(_, epoch)| epoch),
        };
        Ok(IssuedAccessToken {
            token: BearerToken::new(self.key.sign(ACCESS_TOKEN_TYPE, &claims)?),
            expires_in: self.ttl.as_secs(),
        })
    }
}
