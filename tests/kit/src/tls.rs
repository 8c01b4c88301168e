//! A TLS endpoint in front of the emulator, with a throwaway chain of `tests/fixtures/tls`:
//! DynamoDB as a function meets it on Lambda (over TLS), but with a certificate that chains to
//! a test CA instead of Amazon's roots. It terminates TLS and passes the bytes on, unchanged.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// The test CA that issued the endpoint's certificate (PEM): what `AWS_CA_BUNDLE` names for a
/// client to trust it.
pub fn test_ca() -> PathBuf {
    Chain::Ecdsa.ca()
}

/// The chains of `tests/fixtures/tls` (its README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chain {
    /// P-256 keys, served over TLS 1.3 (or 1.2, as the client asks).
    Ecdsa,
    /// RSA keys, as Amazon's, served over TLS 1.2 only.
    Rsa,
}

impl Chain {
    /// The CA that issued this chain's server certificate (PEM).
    pub fn ca(self) -> PathBuf {
        fixtures().join(self.file("ca.pem"))
    }

    fn file(self, name: &str) -> String {
        match self {
            Chain::Ecdsa => name.to_owned(),
            Chain::Rsa => format!("rsa-{name}"),
        }
    }
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/tls")
}

/// A running endpoint; it stops when dropped.
#[derive(Debug)]
pub struct TlsEndpoint {
    /// `https://localhost:<port>`, the name its certificate is for.
    pub url: String,
    handshakes: Arc<AtomicUsize>,
    accepting: JoinHandle<()>,
}

impl TlsEndpoint {
    /// Listens on a free port of 127.0.0.1 and forwards each connection, once its TLS
    /// handshake is done, to `upstream` (`http://host:port`, the emulator's endpoint); with the
    /// ECDSA chain, whose CA is [`test_ca`].
    ///
    /// # Panics
    /// When the fixtures do not load or no port is free: the test cannot run.
    pub async fn start(upstream: &str) -> Self {
        Self::start_with(upstream, Chain::Ecdsa).await
    }

    /// [`TlsEndpoint::start`] with the certificate of `chain`.
    ///
    /// # Panics
    /// As [`TlsEndpoint::start`].
    pub async fn start_with(upstream: &str, chain: Chain) -> Self {
        let upstream = upstream
            .strip_prefix("http://")
            .unwrap_or(upstream)
            .trim_end_matches('/')
            .to_owned();
        let acceptor = TlsAcceptor::from(Arc::new(server_config(chain)));
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port for the TLS endpoint");
        let port = listener.local_addr().expect("a bound address").port();
        let handshakes = Arc::new(AtomicUsize::new(0));
        let counted = handshakes.clone();
        let accepting = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (acceptor, upstream) = (acceptor.clone(), upstream.clone());
                let counted = counted.clone();
                tokio::spawn(async move {
                    // A client that refuses the certificate ends the handshake: nothing to pass on.
                    let Ok(mut client) = acceptor.accept(client).await else {
                        return;
                    };
                    counted.fetch_add(1, Ordering::SeqCst);
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Self {
            url: format!("https://localhost:{port}"),
            handshakes,
            accepting,
        }
    }

    /// How many TLS handshakes completed: the connections clients opened and kept.
    pub fn handshakes(&self) -> usize {
        self.handshakes.load(Ordering::SeqCst)
    }
}

impl Drop for TlsEndpoint {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

fn server_config(chain: Chain) -> ServerConfig {
    let dir = fixtures();
    let certificates = CertificateDer::pem_file_iter(dir.join(chain.file("server.pem")))
        .expect("the test server's certificate file")
        .collect::<Result<Vec<_>, _>>()
        .expect("the test server's certificate");
    let key = PrivateKeyDer::from_pem_file(dir.join(chain.file("server.key")))
        .expect("the test server's key");
    let versions: &[&rustls::SupportedProtocolVersion] = match chain {
        Chain::Ecdsa => rustls::DEFAULT_VERSIONS,
        Chain::Rsa => &[&rustls::version::TLS12],
    };
    ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_protocol_versions(versions)
        .expect("the provider speaks these versions")
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .expect("the test server's certificate and key match")
}
