//! A TLS endpoint in front of the emulator, with the throwaway chain of `tests/fixtures/tls`:
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
    fixtures().join("ca.pem")
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
    /// handshake is done, to `upstream` (`http://host:port`, the emulator's endpoint).
    ///
    /// # Panics
    /// When the fixtures do not load or no port is free: the test cannot run.
    pub async fn start(upstream: &str) -> Self {
        let upstream = upstream
            .strip_prefix("http://")
            .unwrap_or(upstream)
            .trim_end_matches('/')
            .to_owned();
        let acceptor = TlsAcceptor::from(Arc::new(server_config()));
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

fn server_config() -> ServerConfig {
    let dir = fixtures();
    let chain = CertificateDer::pem_file_iter(dir.join("server.pem"))
        .expect("tests/fixtures/tls/server.pem")
        .collect::<Result<Vec<_>, _>>()
        .expect("the test server's certificate");
    let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).expect("the test server's key");
    ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("rustls's default protocol versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("the test server's certificate and key match")
}
