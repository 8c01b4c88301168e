//! The TLS the functions speak to AWS: rustls on aws-lc, trusting Amazon Trust Services' roots
//! and nothing else (`certs/aws-roots.pem`, where they come from and how to update them).
//!
//! The SDK's default client trusts the system's store: on a cold start it finds and parses
//! ~146 certificates, three quarters of the init's instructions (BENCHMARKS.md), to reach
//! endpoints that all chain to five of them. `AWS_CA_BUNDLE` — the AWS CLI's name for it —
//! replaces them with a PEM file of the operator's: a TLS-inspecting proxy's CA for the admin
//! commands, the test CA of a local TLS endpoint.

use aws_smithy_http_client::tls::rustls_provider::CryptoMode;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::config::{ConfigError, Env};

/// Amazon Root CA 1–4 and the Starfield Services root that cross-signs them, as PEM.
pub const AWS_ROOTS: &[u8] = include_bytes!("../certs/aws-roots.pem");

/// The roots to trust: the file at `AWS_CA_BUNDLE` when it is set, else [`AWS_ROOTS`].
///
/// # Errors
/// When the file cannot be read or holds no certificate that parses.
pub fn roots(env: &Env) -> Result<Vec<u8>, ConfigError> {
    let Some(path) = env.optional("AWS_CA_BUNDLE") else {
        return Ok(AWS_ROOTS.to_vec());
    };
    let pem = std::fs::read(path).map_err(|e| ConfigError::malformed("AWS_CA_BUNDLE", e))?;
    certificates(&pem).map_err(|reason| ConfigError::malformed("AWS_CA_BUNDLE", reason))?;
    Ok(pem)
}

/// The certificates of a PEM bundle, each checked as a trust anchor.
fn certificates(pem: &[u8]) -> Result<usize, String> {
    let mut count = 0;
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| format!("not PEM: {e}"))?;
        webpki::anchor_from_trusted_cert(&cert)
            .map_err(|e| format!("certificate {} does not parse: {e}", count + 1))?;
        count += 1;
    }
    if count == 0 {
        return Err("holds no certificate".into());
    }
    Ok(count)
}

/// The HTTPS client of every SDK client: rustls with aws-lc, trusting `roots` (PEM) only.
pub fn https_client(roots: Vec<u8>) -> SharedHttpClient {
    let trust = TrustStore::empty().with_pem_certificate(roots);
    let context = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .expect("a TLS context needs nothing more than a trust store");
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(context)
        .build_https()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_roots_are_amazons_four_and_starfields_one() {
        assert_eq!(certificates(AWS_ROOTS), Ok(5));
    }

    #[test]
    fn a_bundle_that_holds_no_certificate_is_refused() {
        assert!(certificates(b"# nothing here\n").is_err());
        let broken = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(certificates(broken).is_err());
    }
}
