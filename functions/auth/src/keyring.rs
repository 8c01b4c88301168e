//! The keys: the private key that signs access tokens, loaded once per cold start, and the
//! public keys `auth` publishes at `/.well-known/jwks.json`.

use axum::http::HeaderValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::JwkSet;
use sha2::{Digest, Sha256};
use shared::token::SigningKey;

use crate::config::{Config, SigningKeySource};

/// Loads the signing key from its file (local) or its Secrets Manager secret (AWS), and checks
/// that `JWKS` publishes its public half: a token signed with a key nobody can verify would
/// lock everyone out.
///
/// # Errors
/// When the key cannot be read, is not an RSA key, or does not match the published key. The
/// messages never contain key material.
pub async fn load_signing_key(
    config: &Config,
    secrets: &aws_sdk_secretsmanager::Client,
) -> anyhow::Result<SigningKey> {
    let pem = match &config.signing_key {
        SigningKeySource::File(path) => tokio::fs::read(path)
            .await
            .map_err(|e| anyhow::anyhow!("cannot read SIGNING_KEY_FILE {}: {e}", path.display()))?,
        SigningKeySource::Secret(arn) => secret_string(secrets, "SIGNING_KEY_SECRET_ARN", arn)
            .await?
            .into_bytes(),
    };
    let key = SigningKey::from_pem(&config.signing_key_id, &pem).map_err(anyhow::Error::msg)?;
    let published = config
        .jwks
        .find(key.kid())
        .ok_or_else(|| anyhow::anyhow!("JWKS does not publish key {}", key.kid()))?;
    if published.algorithm != key.public_jwk().algorithm {
        anyhow::bail!(
            "JWKS publishes another public key under kid {} than the signing key's",
            key.kid()
        );
    }
    Ok(key)
}

/// The certificate keys `auth` publishes: `CERTIFICATE_JWKS` as read with the configuration, or
/// the document in the secret `CERTIFICATE_JWKS_SECRET_ARN`, checked as the configuration checks
/// the former.
///
/// # Errors
/// When the secret cannot be read or its document breaks a rule of
/// [`check_certificate_keys`](crate::config::check_certificate_keys).
pub async fn load_certificate_keys(
    config: &Config,
    secrets: &aws_sdk_secretsmanager::Client,
) -> anyhow::Result<Option<JwkSet>> {
    let Some(arn) = &config.certificate_jwks_secret else {
        return Ok(config.certificate_jwks.clone());
    };
    let document = secret_string(secrets, "CERTIFICATE_JWKS_SECRET_ARN", arn).await?;
    let set: JwkSet = serde_json::from_str(&document)
        .map_err(|e| anyhow::anyhow!("the secret {arn} holds no JWKS document: {e}"))?;
    shared::token::VerifyingKeys::from_jwks_set(&set)
        .and_then(|_| {
            crate::config::check_certificate_keys(
                &config.jwks,
                &set,
                config.certificate_key_id.as_deref(),
            )
        })
        .map_err(|reason| anyhow::anyhow!("the certificate keys in {arn}: {reason}"))?;
    Ok(Some(set))
}

/// The secret string of the secret `arn`, named by the variable that gave it.
async fn secret_string(
    secrets: &aws_sdk_secretsmanager::Client,
    variable: &str,
    arn: &str,
) -> anyhow::Result<String> {
    let secret = secrets
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| anyhow::Error::new(e).context(format!("reading {variable} {arn}")))?;
    secret
        .secret_string()
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("the secret {arn} has no secret string"))
}

/// The JWKS document `auth` serves: the access-token keys and the certificate keys, as one
/// body with its `ETag`, made once per cold start.
#[derive(Debug, Clone)]
pub struct PublishedKeys {
    pub body: String,
    pub etag: HeaderValue,
}

impl PublishedKeys {
    /// # Errors
    /// When the document cannot be serialised (it always can).
    pub fn new(access: &JwkSet, certificates: Option<&JwkSet>) -> anyhow::Result<Self> {
        let keys = access
            .keys
            .iter()
            .chain(certificates.into_iter().flat_map(|set| set.keys.iter()))
            .cloned()
            .collect();
        let body = serde_json::to_string(&JwkSet { keys })?;
        let digest = Sha256::digest(body.as_bytes());
        let etag =
            HeaderValue::from_str(&format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest[..16])))?;
        Ok(Self { body, etag })
    }

    /// Whether an `If-None-Match` header value names this document.
    pub fn matches(&self, if_none_match: &str) -> bool {
        let ours = self.etag.to_str().unwrap_or_default();
        if_none_match
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == ours)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(kid: &str) -> JwkSet {
        let (key, _) = SigningKey::generate(kid).unwrap();
        shared::token::jwks([key.public_jwk()])
    }

    #[test]
    fn the_document_serves_both_sets_and_its_etag_follows_its_content() {
        let access = set("access-1");
        let certificates = set("cert-1");
        let both = PublishedKeys::new(&access, Some(&certificates)).unwrap();
        let parsed: JwkSet = serde_json::from_str(&both.body).unwrap();
        assert!(parsed.find("access-1").is_some() && parsed.find("cert-1").is_some());
        let alone = PublishedKeys::new(&access, None).unwrap();
        assert_ne!(both.etag, alone.etag);
        assert!(both.matches(both.etag.to_str().unwrap()));
        assert!(both.matches(&format!("\"x\", W/{}", both.etag.to_str().unwrap())));
        assert!(!both.matches(alone.etag.to_str().unwrap()));
    }
}
