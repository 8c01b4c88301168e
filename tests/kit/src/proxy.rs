//! An HTTP proxy between a function's DynamoDB client and the emulator, for two jobs:
//!
//! - **faults**: take DynamoDB "down" (nothing listens: connections are refused), make it stall
//!   (requests are accepted and never answered: timeouts), or throttle (every request answered
//!   with DynamoDB's own `ThrottlingException`), then bring it back — at the HTTP level, where
//!   the SDK meets the network, and without disturbing other tests that share the emulator;
//! - **counting**: it records the operation of every request (`GetItem`, `Query`, ...), so a test
//!   can assert how many DynamoDB round trips an endpoint makes.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

/// What the proxy does with requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward to the emulator.
    None,
    /// Accept and never answer.
    Stall,
    /// Answer `400 ThrottlingException`, as DynamoDB does when a partition is hot.
    Throttle,
}

type ProxyBody = BoxBody<Bytes, hyper::Error>;

#[derive(Debug)]
struct Shared {
    upstream: String,
    fault: Mutex<Fault>,
    operations: Mutex<Vec<String>>,
    client: Client<HttpConnector, Incoming>,
}

/// A proxy in front of the emulator; see the module docs.
#[derive(Debug)]
pub struct DynamoProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: Mutex<Option<JoinHandle<()>>>,
}

impl DynamoProxy {
    /// Starts a proxy on a free local port, forwarding to the emulator (`DYNAMODB_ENDPOINT`).
    ///
    /// # Panics
    /// When no local port can be bound.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free local port");
        let addr = listener.local_addr().expect("a bound address");
        let shared = Arc::new(Shared {
            upstream: crate::emulator_endpoint().trim_end_matches('/').to_owned(),
            fault: Mutex::new(Fault::None),
            operations: Mutex::new(Vec::new()),
            client: Client::builder(TokioExecutor::new()).build_http(),
        });
        let server = tokio::spawn(serve(listener, shared.clone()));
        Self {
            addr,
            shared,
            server: Mutex::new(Some(server)),
        }
    }

    /// The URL to give the function as `DYNAMODB_ENDPOINT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Changes what happens to the next requests.
    pub fn set_fault(&self, fault: Fault) {
        *self
            .shared
            .fault
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = fault;
    }

    /// Stops listening and drops every open connection: DynamoDB is unreachable.
    pub fn go_down(&self) {
        if let Some(server) = self
            .server
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            server.abort();
        }
    }

    /// Listens again on the same port.
    ///
    /// # Panics
    /// When the port cannot be bound again.
    pub async fn come_back(&self) {
        self.go_down();
        let listener = TcpListener::bind(self.addr)
            .await
            .expect("the proxy's port is free again");
        let server = tokio::spawn(serve(listener, self.shared.clone()));
        *self.server.lock().unwrap_or_else(PoisonError::into_inner) = Some(server);
    }

    /// The operations requested so far, in order (`GetItem`, `TransactWriteItems`, ...).
    pub fn operations(&self) -> Vec<String> {
        self.shared
            .operations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Forgets the operations recorded so far.
    pub fn clear_operations(&self) {
        self.shared
            .operations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

impl Drop for DynamoProxy {
    fn drop(&mut self) {
        self.go_down();
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    // Dropping this set (when the task is aborted) aborts every connection with it.
    let mut connections = JoinSet::new();
    while let Ok((stream, _)) = listener.accept().await {
        let shared = shared.clone();
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let shared = shared.clone();
                async move { Ok::<_, Infallible>(handle(&shared, request).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(shared: &Shared, mut request: Request<Incoming>) -> Response<ProxyBody> {
    let operation = request
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|target| target.rsplit('.').next())
        .unwrap_or("?")
        .to_owned();
    shared
        .operations
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(operation);
    let fault = *shared.fault.lock().unwrap_or_else(PoisonError::into_inner);
    match fault {
        Fault::Stall => std::future::pending().await,
        Fault::Throttle => throttled(),
        Fault::None => {
            let path = request
                .uri()
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_owned();
            *request.uri_mut() = format!("{}{path}", shared.upstream)
                .parse()
                .expect("a valid upstream URI");
            match shared.client.request(request).await {
                Ok(response) => response.map(BodyExt::boxed),
                Err(e) => text(StatusCode::BAD_GATEWAY, format!("proxy: {e}")),
            }
        }
    }
}

fn throttled() -> Response<ProxyBody> {
    let body = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}"#;
    let mut response = text(StatusCode::BAD_REQUEST, body.to_owned());
    response.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("application/x-amz-json-1.0"),
    );
    response
}

fn text(status: StatusCode, body: String) -> Response<ProxyBody> {
    let mut response = Response::new(
        Full::new(Bytes::from(body))
            .map_err(|never: Infallible| match never {})
            .boxed(),
    );
    *response.status_mut() = status;
    response
}
