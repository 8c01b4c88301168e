//! Keys: the private key that signs (read once per cold start, checked before its first
//! signature), the public keys that verify (read from a JWKS document), and the bearer token a
//! signature makes.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, Jwk, JwkSet, KeyAlgorithm, PublicKeyUse,
    RSAKeyParameters, RSAKeyType,
};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::config::{ConfigError, Env, Sourced};
use crate::sdk::OnFirstUse;

/// A private RS256 key and the public JWK that verifies its signatures.
///
/// Reading the key takes its public half from the DER; aws-lc parses and checks the whole key
/// (`RSA_check_key`: 3.1 M instructions, most of a cold start's) once, before the first
/// signature, so a cold start that signs nothing never pays for it and nothing is ever signed
/// with a key that failed it.
pub struct SigningKey {
    kid: String,
    /// The PKCS#1 `RSAPrivateKey` DER, until it is parsed.
    der: Vec<u8>,
    key: OnceLock<aws_lc_rs::rsa::KeyPair>,
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
        key.pair().map_err(anyhow::Error::msg)?;
        Ok((key, pem))
    }

    /// Reads an RSA private key in PEM (PKCS#1 or PKCS#8) and its public half; the whole key is
    /// checked before its first signature.
    ///
    /// # Errors
    /// When the PEM is not an RSA private key. The message never contains the key.
    pub fn from_pem(kid: &str, pem: &[u8]) -> Result<Self, String> {
        if kid.is_empty() || kid.len() > 64 {
            return Err("a key id must be 1 to 64 characters".into());
        }
        // jsonwebtoken reads the PEM (PKCS#1 or PKCS#8) to the RSAPrivateKey DER.
        let der = EncodingKey::from_rsa_pem(pem)
            .map_err(|_| "the signing key is not an RSA private key in PEM".to_owned())?
            .as_bytes()
            .to_vec();
        let (n, e) = public_half(&der)
            .ok_or_else(|| "the signing key is not an RSA private key in PEM".to_owned())?;
        let public = Jwk {
            common: CommonParameters {
                key_id: Some(kid.to_owned()),
                public_key_use: Some(PublicKeyUse::Signature),
                key_algorithm: Some(KeyAlgorithm::RS256),
                ..CommonParameters::default()
            },
            algorithm: AlgorithmParameters::RSA(RSAKeyParameters {
                key_type: RSAKeyType::RSA,
                n: URL_SAFE_NO_PAD.encode(n),
                e: URL_SAFE_NO_PAD.encode(e),
            }),
        };
        Ok(Self {
            kid: kid.to_owned(),
            der,
            key: OnceLock::new(),
            public,
        })
    }

    /// The key as aws-lc signs with it, parsed and checked at the first call.
    ///
    /// # Errors
    /// When aws-lc refuses the key (its parts do not make one RSA key).
    fn pair(&self) -> Result<&aws_lc_rs::rsa::KeyPair, String> {
        if let Some(pair) = self.key.get() {
            return Ok(pair);
        }
        let pair = aws_lc_rs::rsa::KeyPair::from_der(&self.der).map_err(|_| {
            format!(
                "the signing key {} is not a usable RSA private key",
                self.kid
            )
        })?;
        Ok(self.key.get_or_init(|| pair))
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public half, as published in the JWKS.
    pub fn public_jwk(&self) -> &Jwk {
        &self.public
    }

    /// Signs `claims` as a JWT (RS256) of type `typ` with this key's `kid`: what
    /// `jsonwebtoken::encode` makes, with the key parsed once.
    ///
    /// # Errors
    /// When signing fails (it does not, for a key that loaded).
    pub fn sign<C: Serialize>(&self, typ: &str, claims: &C) -> anyhow::Result<String> {
        let mut header = Header::new(Algorithm::RS256);
        header.typ = Some(typ.to_owned());
        header.kid = Some(self.kid.clone());
        let mut token = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header)?);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(serde_json::to_vec(claims)?, &mut token);
        let key = self.pair().map_err(anyhow::Error::msg)?;
        let mut signature = vec![0; key.public_modulus_len()];
        key.sign(
            &aws_lc_rs::signature::RSA_PKCS1_SHA256,
            &aws_lc_rs::rand::SystemRandom::new(),
            token.as_bytes(),
            &mut signature,
        )
        .map_err(|_| anyhow::anyhow!("signing a token failed"))?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut token);
        Ok(token)
    }
}

/// The modulus and public exponent of a PKCS#1 `RSAPrivateKey` (`SEQUENCE { version, n, e,
/// … }`), big-endian without leading zeros; `None` when the DER is not one.
fn public_half(der: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    use simple_asn1::{ASN1Block, BigInt};
    let unsigned = |n: &BigInt| (*n > BigInt::from(0u8)).then(|| n.to_bytes_be().1);
    match simple_asn1::from_der(der).ok()?.as_slice() {
        [ASN1Block::Sequence(_, fields)] => match fields.as_slice() {
            [
                ASN1Block::Integer(_, _),
                ASN1Block::Integer(_, n),
                ASN1Block::Integer(_, e),
                ..,
            ] => Some((unsigned(n)?, unsigned(e)?)),
            _ => None,
        },
        _ => None,
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
        Ok(match env.local_or_secret(file, secret)? {
            Sourced::Local(path) => Self::File(path.into()),
            Sourced::Secret(arn) => Self::Secret(arn.to_owned()),
        })
    }
}

impl SigningKey {
    /// Loads the key `kid` from `source`, once per cold start: the file is read without
    /// blocking the runtime; the secret is fetched from `secrets`.
    ///
    /// # Errors
    /// When the key cannot be read or is not an RSA private key. The messages never contain
    /// key material.
    pub async fn load(kid: &str, source: &KeySource, secrets: &Secrets) -> anyhow::Result<Self> {
        let pem = match source {
            KeySource::File(path) => tokio::fs::read(path)
                .await
                .map_err(|e| anyhow::anyhow!("cannot read the key file {}: {e}", path.display()))?,
            KeySource::Secret(arn) => secrets.read(arn).await?.into_bytes(),
        };
        Self::from_pem(kid, &pem).map_err(anyhow::Error::msg)
    }
}

/// Secrets Manager, for the secrets a cold start reads (keys and key sets), through one client
/// built at the first read (auth reads three secrets, at once; content none in a local stack).
#[derive(Debug, Clone)]
pub struct Secrets(OnFirstUse<aws_sdk_secretsmanager::Client>);

impl Secrets {
    /// Secrets read with `sdk`'s credentials.
    pub fn new(sdk: &aws_types::SdkConfig) -> Self {
        Self(OnFirstUse::new(sdk))
    }

    /// The secret string of the secret `arn`.
    ///
    /// # Errors
    /// When it cannot be read or holds no string. The message names the secret, never its
    /// value.
    pub async fn read(&self, arn: &str) -> anyhow::Result<String> {
        self.0
            .get(aws_sdk_secretsmanager::Client::new)
            .get_secret_value()
            .secret_id(arn)
            .send()
            .await
            .map_err(|e| anyhow::Error::new(e).context(format!("reading the secret {arn}")))?
            .secret_string()
            .map(str::to_owned)
            .ok_or_else(|| anyhow::anyhow!("the secret {arn} has no secret string"))
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

pub(super) fn pem_encode(label: &str, der: &[u8]) -> String {
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
