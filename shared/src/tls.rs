//! The HTTPS client of every SDK client: HTTP/1.1 over rustls with aws-lc, trusting Amazon Trust
//! Services' roots and nothing else (`certs/aws-roots.pem`, where they come from and how to
//! update them).
//!
//! The SDK's default client trusts the system's store: on a cold start it finds and parses
//! ~146 certificates, three quarters of the init's instructions (BENCHMARKS.md), to reach
//! endpoints that all chain to five of them. `AWS_CA_BUNDLE` — the AWS CLI's name for it —
//! replaces them with a PEM file of the operator's: a TLS-inspecting proxy's CA for the admin
//! commands, the test CA of a local TLS endpoint.
//!
//! The client is hyper's pooled client with rustls' aws-lc provider, as the SDK's own is, but
//! speaks HTTP/1.1 only: the SDK's client also links HTTP/2 (which AWS's JSON and query APIs
//! do not need), proxy support and the system store's loader; 0.26 MB of each package
//! (BENCHMARKS.md). TLS 1.3 or 1.2, rustls' defaults otherwise (the post-quantum hybrid key
//! exchange first).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_smithy_runtime_api::client::connection::{CaptureSmithyConnection, ConnectionMetadata};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::ErrorKind;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector as TcpConnector;
use hyper_util::client::legacy::connect::capture_connection;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::crypto::aws_lc_rs;
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::config::{ConfigError, Env};

/// Amazon Root CA 1–4 and the Starfield Services root that cross-signs them, as PEM.
pub const AWS_ROOTS: &[u8] = include_bytes!("../certs/aws-roots.pem");

/// The roots to trust: the file at `AWS_CA_BUNDLE` when it is set, else [`AWS_ROOTS`].
///
/// # Errors
/// When the file cannot be read or holds no certificate that parses.
pub fn roots(env: &Env) -> Result<RootCertStore, ConfigError> {
    let Some(path) = env.optional("AWS_CA_BUNDLE") else {
        return Ok(trust(AWS_ROOTS).expect("the bundled roots parse (a test says so)"));
    };
    let pem = std::fs::read(path).map_err(|e| ConfigError::malformed("AWS_CA_BUNDLE", e))?;
    trust(&pem).map_err(|reason| ConfigError::malformed("AWS_CA_BUNDLE", reason))
}

/// The trust anchors of a PEM bundle: every certificate in it, each checked as one.
fn trust(pem: &[u8]) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| format!("not PEM: {e}"))?;
        store
            .add(cert)
            .map_err(|e| format!("certificate {} does not parse: {e}", store.len() + 1))?;
    }
    if store.is_empty() {
        return Err("holds no certificate".into());
    }
    Ok(store)
}

/// The HTTPS client of every SDK client, trusting `roots` ([`roots`]) only.
pub fn https_client(roots: RootCertStore) -> SharedHttpClient {
    let tls = ClientConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("rustls's provider speaks TLS 1.3 and 1.2")
        .with_root_certificates(roots)
        .with_no_client_auth();
    SharedHttpClient::new(Https {
        tls,
        connectors: Mutex::default(),
    })
}

/// The SDK asks for a connector per request, with its client's timeouts: one connector (and
/// its pool) per pair of timeouts, kept.
#[derive(Debug)]
struct Https {
    tls: ClientConfig,
    connectors: Mutex<Vec<(Timeouts, SharedHttpConnector)>>,
}

type Timeouts = (Option<Duration>, Option<Duration>);

impl HttpClient for Https {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        let timeouts = (settings.connect_timeout(), settings.read_timeout());
        let mut connectors = self.connectors.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, connector)) = connectors.iter().find(|(t, _)| *t == timeouts) {
            return connector.clone();
        }
        let connector = SharedHttpConnector::new(Pool::new(self.tls.clone(), timeouts));
        connectors.push((timeouts, connector.clone()));
        connector
    }
}

/// hyper's pooled client over TCP (no Nagle) and rustls; plain HTTP for a local endpoint.
#[derive(Debug, Clone)]
struct Pool {
    client: Client<HttpsConnector<TcpConnector>, SdkBody>,
    read_timeout: Option<Duration>,
}

impl Pool {
    fn new(tls: ClientConfig, (connect_timeout, read_timeout): Timeouts) -> Self {
        let mut tcp = TcpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(connect_timeout);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp);
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .build(https);
        Self {
            client,
            read_timeout,
        }
    }
}

impl HttpConnector for Pool {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let mut request = match request.try_into_http1x() {
            Ok(request) => request,
            Err(e) => return HttpConnectorFuture::ready(Err(ConnectorError::user(e.into()))),
        };
        // The SDK's retries close a connection that failed in flight (its poisoning
        // interceptor): hand it the connection this request goes out on.
        let captured = capture_connection(&mut request);
        if let Some(capture) = request.extensions().get::<CaptureSmithyConnection>() {
            capture.set_connection_retriever(move || {
                let captured = captured.clone();
                Some(
                    ConnectionMetadata::builder()
                        .proxied(false)
                        .poison_fn(move || {
                            if let Some(connected) = captured.connection_metadata().as_ref() {
                                connected.poison();
                            }
                        })
                        .build(),
                )
            });
        }
        let sent = self.client.request(request);
        let read_timeout = self.read_timeout;
        HttpConnectorFuture::new(async move {
            let response = match read_timeout {
                Some(limit) => tokio::time::timeout(limit, sent)
                    .await
                    .map_err(|e| ConnectorError::timeout(e.into()))?,
                None => sent.await,
            }
            .map_err(connector_error)?;
            HttpResponse::try_from(response.map(SdkBody::from_body_1_x))
                .map_err(|e| ConnectorError::other(e.into(), None))
        })
    }
}

/// What the SDK's retries need to know of a failure, as its own client sorts them: a connection
/// that did not open, broke or closed is an I/O error, a response cut short is transient, and
/// both are tried again; a timeout is a timeout.
fn connector_error(error: hyper_util::client::legacy::Error) -> ConnectorError {
    let hyper = std::error::Error::source(&error).and_then(|e| e.downcast_ref::<hyper::Error>());
    if hyper.is_some_and(hyper::Error::is_incomplete_message) {
        return ConnectorError::other(error.into(), Some(ErrorKind::TransientError));
    }
    if hyper.is_some_and(hyper::Error::is_timeout) {
        return ConnectorError::timeout(error.into());
    }
    let broken = error.is_connect()
        || hyper.is_some_and(|e| e.is_closed() || e.is_canceled())
        || source_is::<std::io::Error>(&error);
    if broken {
        ConnectorError::io(error.into())
    } else {
        ConnectorError::other(error.into(), None)
    }
}

fn source_is<E: std::error::Error + 'static>(error: &(dyn std::error::Error + 'static)) -> bool {
    std::iter::successors(Some(error), |e| e.source()).any(|e| e.is::<E>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_roots_are_amazons_four_and_starfields_one() {
        assert_eq!(trust(AWS_ROOTS).map(|store| store.len()), Ok(5));
    }

    #[test]
    fn a_bundle_that_holds_no_certificate_is_refused() {
        assert!(trust(b"# nothing here\n").is_err());
        let broken = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(trust(broken).is_err());
    }
}
