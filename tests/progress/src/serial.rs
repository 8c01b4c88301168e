//! A proxy in front of the emulator that hands it one request at a time.
//!
//! DynamoDB applies every request atomically: a transaction's condition checks and writes take
//! effect as one, isolated from concurrent requests. The emulator (moto's server) does not: it
//! handles requests in parallel threads without a lock, so two transactions can interleave,
//! and a cancelled transaction restores a copy of the table taken when it began, undoing what
//! other requests wrote meanwhile (`moto/dynamodb/models/__init__.py`, `transact_write_items`).
//! Counters then drift in the emulator although every transaction pairs them with their items.
//!
//! Tests of racing requests therefore run the function behind this proxy. The function's
//! requests still race: their reads, plans and writes interleave freely, as against DynamoDB;
//! only each single DynamoDB request is made atomic, as DynamoDB makes it. Other tests sharing
//! the emulator use other tables, which a transaction's restore does not touch.

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::Mutex;
use tokio::task::{JoinHandle, JoinSet};

#[derive(Debug)]
struct Upstream {
    url: String,
    client: Client<HttpConnector, Full<Bytes>>,
    /// Held from sending a request until its whole answer is read.
    one_at_a_time: Mutex<()>,
}

/// The proxy; it stops when dropped.
#[derive(Debug)]
pub struct SerialEmulator {
    endpoint: String,
    server: JoinHandle<()>,
}

impl SerialEmulator {
    /// Starts the proxy on a free local port, in front of the emulator (`DYNAMODB_ENDPOINT`).
    ///
    /// # Panics
    /// When no local port can be bound.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free local port");
        let endpoint = format!("http://{}", listener.local_addr().expect("an address"));
        let upstream = Arc::new(Upstream {
            url: testkit::emulator_endpoint()
                .trim_end_matches('/')
                .to_owned(),
            client: Client::builder(TokioExecutor::new()).build_http(),
            one_at_a_time: Mutex::new(()),
        });
        let server = tokio::spawn(serve(listener, upstream));
        Self { endpoint, server }
    }

    /// The URL to give the function as `DYNAMODB_ENDPOINT`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

impl Drop for SerialEmulator {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn serve(listener: TcpListener, upstream: Arc<Upstream>) {
    // Dropping the set (when the task is aborted) aborts every connection with it.
    let mut connections = JoinSet::new();
    while let Ok((stream, _)) = listener.accept().await {
        let upstream = upstream.clone();
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let upstream = upstream.clone();
                async move { Ok::<_, Infallible>(forward(&upstream, request).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn forward(upstream: &Upstream, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let (mut parts, body) = request.into_parts();
    let Ok(body) = body.collect().await.map(|b| b.to_bytes()) else {
        return failure("the request body could not be read".into());
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    parts.uri = match format!("{}{path}", upstream.url).parse() {
        Ok(uri) => uri,
        Err(e) => return failure(format!("upstream URI: {e}")),
    };
    let _turn = upstream.one_at_a_time.lock().await;
    let response = match upstream
        .client
        .request(Request::from_parts(parts, Full::new(body)))
        .await
    {
        Ok(response) => response,
        Err(e) => return failure(format!("upstream: {e}")),
    };
    let (parts, body) = response.into_parts();
    match body.collect().await {
        Ok(body) => Response::from_parts(parts, Full::new(body.to_bytes())),
        Err(e) => failure(format!("upstream body: {e}")),
    }
}

fn failure(message: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(message)));
    *response.status_mut() = StatusCode::BAD_GATEWAY;
    response
}
