//! The keys: the private key that signs access tokens, loaded once per cold start, and the
//! public keys `auth` publishes at `/.well-known/jwks.json`.

use jsonwebtoken::jwk::JwkSet;
use shared::token::{Secrets, SigningKey};

use crate::config::Config;

/// Loads the signing key from where the configuration says, and checks that `JWKS` publishes
/// its public half: a token signed with a key nobody can verify would lock everyone out.
///
/// # Errors
/// When the key cannot be loaded, or `JWKS` publishes another public key under its kid. The
/// messages never contain key material.
pub async fn load_signing_key(config: &Config, secrets: &Secrets) -> anyhow::Result<SigningKey> {
    let key = SigningKey::load(&config.signing_key_id, &config.signing_key, secrets).await?;
    published_half(&key, &config.jwks)?;
    Ok(key)
}

/// The certificate keys `auth` publishes: `CERTIFICATE_JWKS` as read with the configuration, or
/// the document in the secret `CERTIFICATE_JWKS_SECRET_ARN` (in AWS: every certificate key
/// stays published, and with the access-token keys they would outgrow Lambda's 4 KB of
/// environment), checked as the configuration checks the former.
///
/// # Errors
/// When the secret cannot be read or its document breaks a rule of
/// [`check_certificate_keys`](crate::config::check_certificate_keys).
pub async fn load_certificate_keys(
    config: &Config,
    secrets: &Secrets,
) -> anyhow::Result<Option<JwkSet>> {
    let Some(arn) = &config.certificate_jwks_secret else {
        return Ok(config.certificate_jwks.clone());
    };
    let document = secrets.read(arn).await?;
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

/// Whether `jwks` publishes the public half of `key` under its kid.
fn published_half(key: &SigningKey, jwks: &JwkSet) -> anyhow::Result<()> {
    let published = jwks
        .find(key.kid())
        .ok_or_else(|| anyhow::anyhow!("JWKS does not publish key {}", key.kid()))?;
    if published.algorithm != key.public_jwk().algorithm {
        anyhow::bail!(
            "JWKS publishes another public key under kid {} than the signing key's",
            key.kid()
        );
    }
    Ok(())
}

/// The JWKS document `auth` serves: the access-token keys and the certificate keys, as one
/// body with its entity tag, made once per cold start.
#[derive(Debug, Clone)]
pub struct PublishedKeys {
    pub body: String,
    pub etag: String,
}

impl PublishedKeys {
    /// # Errors
    /// When the document cannot be serialized (it always can).
    pub fn new(access: &JwkSet, certificates: Option<&JwkSet>) -> anyhow::Result<Self> {
        let keys = access
            .keys
            .iter()
            .chain(certificates.into_iter().flat_map(|set| set.keys.iter()))
            .cloned()
            .collect();
        let body = serde_json::to_string(&JwkSet { keys })?;
        let etag = shared::caching::entity_tag(body.as_bytes());
        Ok(Self { body, etag })
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
        assert_eq!(
            both.etag,
            PublishedKeys::new(&access, Some(&certificates))
                .unwrap()
                .etag
        );
    }

    #[test]
    fn a_signing_key_whose_public_half_is_not_published_is_refused() {
        let (key, _) = SigningKey::generate("k1").unwrap();
        assert!(published_half(&key, &shared::token::jwks([key.public_jwk()])).is_ok());
        let impostor = set("k1");
        let err = published_half(&key, &impostor).unwrap_err();
        assert!(err.to_string().contains("another public key"), "{err}");
        let err = published_half(&key, &set("k2")).unwrap_err();
        assert!(err.to_string().contains("does not publish"), "{err}");
    }
}
