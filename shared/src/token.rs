//! Signed tokens: the access tokens `auth` issues and every function verifies, and the signing
//! and verifying keys behind them.
//!
//! Access tokens are RS256 JWTs with header `typ: at+jwt` and claim `token_use: access`,
//! living at most 15 minutes. Verification is local (no network call): the public keys come
//! from configuration as a JWKS document, the algorithm is pinned to RS256, the key is chosen
//! only by `kid` among configured keys (a token's own `jku`, `x5u` or `jwk` are never
//! followed), and issuer, audience, expiry and not-before are checked with 30 s of leeway.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, Env};
use crate::error::ApiError;
use crate::identity::{Role, UserId};

/// The JOSE `typ` of an access token (RFC 9068).
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";
/// The longest an access token may live.
pub const MAX_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(15 * 60);
/// Clock skew tolerated on `exp`, `nbf` and `iat`.
pub const LEEWAY: Duration = Duration::from_secs(30);

/// A private RS256 key and the public JWK that verifies its signatures.
pub struct SigningKey {
    kid: String,
    key: EncodingKey,
    public: Jwk,
}

// The private key must never reach a log.
impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Generates a new 2048-bit RSA key and returns it with its PKCS#8 PEM, for operators and
    /// local development (the PEM is what the secret or the key file holds).
    ///
    /// # Errors
    /// When the system's random source fails.
    pub fn generate(kid: &str) -> anyhow::Result<(Self, String)> {
        use aws_lc_rs::encoding::AsDer;
        let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .map_err(|_| anyhow::anyhow!("generating an RSA key failed"))?;
        let der = pair
            .as_der()
            .map_err(|_| anyhow::anyhow!("encoding the RSA key failed"))?;
        let pem = pem_encode("PRIVATE KEY", der.as_ref());
        let key = Self::from_pem(kid, pem.as_bytes()).map_err(anyhow::Error::msg)?;
        Ok((key, pem))
    }

    /// Reads an RSA private key in PEM (PKCS#1 or PKCS#8).
    ///
    /// # Errors
    /// When the PEM is not an RSA private key. The message never contains the key.
    pub fn from_pem(kid: &str, pem: &[u8]) -> Result<Self, String> {
        if kid.is_empty() || kid.len() > 64 {
            return Err("a key id must be 1 to 64 characters".into());
        }
        let key = EncodingKey::from_rsa_pem(pem)
            .map_err(|_| "the signing key is not an RSA private key in PEM".to_owned())?;
        let mut public = Jwk::from_encoding_key(&key, Algorithm::RS256)
            .map_err(|_| "the public key could not be derived from the signing key".to_owned())?;
        public.common.key_id = Some(kid.to_owned());
        public.common.public_key_use = Some(PublicKeyUse::Signature);
        public.common.key_algorithm = Some(KeyAlgorithm::RS256);
        Ok(Self {
            kid: kid.to_owned(),
            key,
            public,
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public half, as published in the JWKS.
    pub fn public_jwk(&self) -> &Jwk {
        &self.public
    }

    /// Signs `claims` as a JWT of type `typ` with this key's `kid`.
    ///
    /// # Errors
    /// When signing fails (it does not, for a key that loaded).
    pub fn sign<C: Serialize>(&self, typ: &str, claims: &C) -> anyhow::Result<String> {
        let mut header = Header::new(Algorithm::RS256);
        header.typ = Some(typ.to_owned());
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &self.key)?)
    }
}

/// Where a private signing key comes from. Holds no key material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A PEM file (local development).
    File(std::path::PathBuf),
    /// An AWS Secrets Manager secret whose string is the PEM, fetched once per cold start.
    Secret(String),
}

impl KeySource {
    /// Exactly one of the variables `file` (a path) and `secret` (an ARN).
    ///
    /// # Errors
    /// When neither or both are set, or the secret is not an ARN.
    pub fn from_env(env: &Env, file: &str, secret: &str) -> Result<Self, ConfigError> {
        match (env.optional(file), env.optional(secret)) {
            (Some(path), None) => Ok(Self::File(path.into())),
            (None, Some(arn)) if arn.starts_with("arn:") => Ok(Self::Secret(arn.to_owned())),
            (None, Some(other)) => Err(ConfigError::malformed(
                secret,
                format!("{other:?} is not an ARN"),
            )),
            (None, None) => Err(ConfigError::Missing {
                name: format!("{file} or {secret}"),
            }),
            (Some(_), Some(_)) => Err(ConfigError::malformed(
                file,
                format!("set either it or {secret}, not both"),
            )),
        }
    }
}

impl SigningKey {
    /// Loads the key `kid` from `source`, once per cold start: the file is read without
    /// blocking the runtime; the secret is fetched with `sdk`'s credentials.
    ///
    /// # Errors
    /// When the key cannot be read or is not an RSA private key. The messages never contain
    /// key material.
    pub async fn load(
        kid: &str,
        source: &KeySource,
        sdk: &aws_config::SdkConfig,
    ) -> anyhow::Result<Self> {
        let pem = match source {
            KeySource::File(path) => tokio::fs::read(path)
                .await
                .map_err(|e| anyhow::anyhow!("cannot read the key file {}: {e}", path.display()))?,
            KeySource::Secret(arn) => aws_sdk_secretsmanager::Client::new(sdk)
                .get_secret_value()
                .secret_id(arn)
                .send()
                .await
                .map_err(|e| anyhow::Error::new(e).context(format!("reading the secret {arn}")))?
                .secret_string()
                .ok_or_else(|| anyhow::anyhow!("the secret {arn} has no secret string"))?
                .as_bytes()
                .to_vec(),
        };
        Self::from_pem(kid, &pem).map_err(anyhow::Error::msg)
    }
}

/// A bearer token (a signed access token) on its way to its holder. Its `Debug` shows nothing,
/// so no log line or error can carry one; it serialises as the token text.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct BearerToken(String);

impl BearerToken {
    pub fn new(token: String) -> Self {
        Self(token)
    }

    /// The token's text, to hand to its holder.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerToken(..)")
    }
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

/// A JWKS document publishing the given public keys.
pub fn jwks<'a>(keys: impl IntoIterator<Item = &'a Jwk>) -> JwkSet {
    JwkSet {
        keys: keys.into_iter().cloned().collect(),
    }
}

/// Public keys by `kid`, read from a JWKS document. Only RSA keys are accepted.
#[derive(Clone)]
pub struct VerifyingKeys {
    keys: Arc<HashMap<String, DecodingKey>>,
}

impl fmt::Debug for VerifyingKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut kids: Vec<_> = self.keys.keys().collect();
        kids.sort();
        f.debug_struct("VerifyingKeys")
            .field("kids", &kids)
            .finish()
    }
}

/// Why a token was refused. Logged at debug level; the client only ever sees a 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenRejected {
    #[error("not a JWT")]
    Malformed,
    #[error("algorithm is not RS256")]
    WrongAlgorithm,
    #[error("wrong token type")]
    WrongType,
    #[error("no kid, or a kid that is not a configured key")]
    UnknownKey,
    #[error("claims do not verify: {0}")]
    Invalid(String),
}

impl VerifyingKeys {
    /// Reads a JWKS document (`{"keys": [...]}`).
    ///
    /// # Errors
    /// When it is not a JWKS, has no keys, or has a key without `kid` or of another kind.
    pub fn from_jwks(json: &str) -> Result<Self, String> {
        let set: JwkSet =
            serde_json::from_str(json).map_err(|e| format!("not a JWKS document: {e}"))?;
        Self::from_jwks_set(&set)
    }

    /// # Errors
    /// As [`Self::from_jwks`].
    pub fn from_jwks_set(set: &JwkSet) -> Result<Self, String> {
        if set.keys.is_empty() {
            return Err("the JWKS has no keys".into());
        }
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let kid = jwk
                .common
                .key_id
                .clone()
                .ok_or("every key in the JWKS needs a kid")?;
            if !matches!(jwk.algorithm, AlgorithmParameters::RSA(_)) {
                return Err(format!("key {kid} is not an RSA key"));
            }
            let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("key {kid}: {e}"))?;
            keys.insert(kid, key);
        }
        Ok(Self {
            keys: Arc::new(keys),
        })
    }

    /// Verifies a JWT of type `typ` signed by one of these keys and reads its claims.
    ///
    /// # Errors
    /// [`TokenRejected`] saying which check failed.
    pub fn verify<C: DeserializeOwned>(
        &self,
        token: &str,
        typ: &str,
        validation: &Validation,
    ) -> Result<C, TokenRejected> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenRejected::Malformed)?;
        if header.alg != Algorithm::RS256 {
            return Err(TokenRejected::WrongAlgorithm);
        }
        if !header
            .typ
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case(typ))
        {
            return Err(TokenRejected::WrongType);
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.keys.get(kid))
            .ok_or(TokenRejected::UnknownKey)?;
        jsonwebtoken::decode::<C>(token, key, validation)
            .map(|data| data.claims)
            .map_err(|e| TokenRejected::Invalid(e.to_string()))
    }
}

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

/// Verifies access tokens; built once per cold start, shared by every request.
#[derive(Debug, Clone)]
pub struct AccessTokenVerifier {
    keys: VerifyingKeys,
    validation: Validation,
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
        Self { keys, validation }
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
        self.verify_session(token).map(|(user, _)| user)
    }

    /// Verifies an access token and says whom it is for and in which session (the `sid` claim
    /// of tokens issued by [`AccessTokenIssuer::issue_in_session`]) it was issued.
    ///
    /// # Errors
    /// [`TokenRejected`] when any check fails.
    pub fn verify_session(&self, token: &str) -> Result<(AuthUser, Option<String>), TokenRejected> {
        let SessionBoundClaims {
            access: claims,
            sid,
        } = self
            .keys
            .verify(token, ACCESS_TOKEN_TYPE, &self.validation)?;
        if claims.token_use != "access" {
            return Err(TokenRejected::WrongType);
        }
        let leeway = LEEWAY.as_secs() as i64;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        if claims.iat > now + leeway {
            return Err(TokenRejected::Invalid("issued in the future".into()));
        }
        if claims.exp - claims.iat > MAX_ACCESS_TOKEN_TTL.as_secs() as i64 {
            return Err(TokenRejected::Invalid(
                "lives longer than 15 minutes".into(),
            ));
        }
        let user = AuthUser {
            id: claims.sub,
            role: claims.role,
            name: claims.name,
        };
        Ok((user, sid))
    }
}

/// An access token's claims plus, optionally, the session they were issued in (OpenID's `sid`:
/// `auth` uses it to keep the caller's own session when it revokes the others).
#[derive(Serialize, Deserialize)]
struct SessionBoundClaims {
    #[serde(flatten)]
    access: AccessClaims,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sid: Option<String>,
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

    /// As [`Self::issue`], for a token issued in `session` (it carries the `sid` claim).
    ///
    /// # Errors
    /// When signing fails.
    pub fn issue_in_session(
        &self,
        user: UserId,
        role: Role,
        name: &str,
        session: &str,
    ) -> anyhow::Result<IssuedAccessToken> {
        self.sign(user, role, name, Some(session))
    }

    fn sign(
        &self,
        user: UserId,
        role: Role,
        name: &str,
        session: Option<&str>,
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
            sid: session.map(str::to_owned),
        };
        Ok(IssuedAccessToken {
            token: BearerToken::new(self.key.sign(ACCESS_TOKEN_TYPE, &claims)?),
            expires_in: self.ttl.as_secs(),
        })
    }
}

/// The authenticated caller of a request, from its bearer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthUser {
    pub id: UserId,
    pub role: Role,
    /// The display name as of the token's issue.
    pub name: String,
}

impl AuthUser {
    /// Admits the caller if their role is `role` or more powerful.
    ///
    /// # Errors
    /// 403 otherwise.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

fn bearer_token(parts: &Parts) -> Option<Result<&str, ()>> {
    let value = parts.headers.get(header::AUTHORIZATION)?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty());
    Some(token.ok_or(()))
}

fn authenticate(
    parts: &Parts,
    verifier: &AccessTokenVerifier,
) -> Result<Option<(AuthUser, Option<String>)>, ApiError> {
    match bearer_token(parts) {
        None => Ok(None),
        Some(Err(())) => Err(ApiError::Unauthenticated),
        Some(Ok(token)) => verifier.verify_session(token).map(Some).map_err(|reason| {
            tracing::info!(%reason, "access token refused");
            ApiError::Unauthenticated
        }),
    }
}

impl<S> FromRequestParts<S> for AuthUser
where
    S: Send + Sync,
    Arc<AccessTokenVerifier>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        AuthSession::from_request_parts(parts, state)
            .await
            .map(|caller| caller.user)
    }
}

/// The authenticated caller and the session their token was issued in (`None` for tokens
/// issued outside a session); for `auth`'s own routes that act on sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSession {
    pub user: AuthUser,
    /// The `sid` claim: the id of the refresh-token family the access token came from.
    pub session: Option<String>,
}

impl<S> FromRequestParts<S> for AuthSession
where
    S: Send + Sync,
    Arc<AccessTokenVerifier>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Arc::<AccessTokenVerifier>::from_ref(state);
        let (user, session) = authenticate(parts, &verifier)?.ok_or(ApiError::Unauthenticated)?;
        Ok(Self { user, session })
    }
}

/// The caller, if the request carries a bearer token; for routes open to everyone that show
/// more to some (an author sees their drafts). A token that does not verify is still a 401.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaybeAuthUser(pub Option<AuthUser>);

impl<S> FromRequestParts<S> for MaybeAuthUser
where
    S: Send + Sync,
    Arc<AccessTokenVerifier>: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Arc::<AccessTokenVerifier>::from_ref(state);
        authenticate(parts, &verifier).map(|caller| MaybeAuthUser(caller.map(|(user, _)| user)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A throwaway 2048-bit key used only by these unit tests.
    const TEST_KEY: &str = include_str!("../../tests/fixtures/keys/test-signing-key.pem");

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
    fn a_session_bound_token_names_its_session_and_still_verifies_as_a_plain_one() {
        let issuer = issuer();
        let user = UserId::new();
        let token = issuer
            .issue_in_session(user, Role::Learner, "Ada", "session-1")
            .unwrap();
        let verifier = verifier(&issuer);
        let (caller, session) = verifier.verify_session(token.token.expose()).unwrap();
        assert_eq!(caller.id, user);
        assert_eq!(session.as_deref(), Some("session-1"));
        assert_eq!(verifier.verify(token.token.expose()).unwrap().id, user);
        let plain = issuer.issue(user, Role::Learner, "Ada").unwrap();
        assert_eq!(verifier.verify_session(plain.token.expose()).unwrap().1, None);
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
        assert_eq!(verifier.verify(token.token.expose()).unwrap().role, Role::Admin);
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
}
