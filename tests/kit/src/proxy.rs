//! An HTTP proxy between a function's DynamoDB client and the emulator, for two jobs:
//!
//! - **faults**: take DynamoDB "down" (nothing listens: connections are refused), make it stall
//!   (requests are accepted and never answered: timeouts), or throttle (every request answered
//!   with DynamoDB's own `ThrottlingException`), then bring it back — at the HTTP level, where
//!   the SDK meets the network, and without disturbing other tests that share the emulator;
//! - **conflicts**: answer the next writes as DynamoDB answers a write that meets a concurrent
//!   transaction (`TransactionCanceledException` with `TransactionConflict`, or
//!   `TransactionConflictException` for a single-item write), so the retry of such writes is
//!   tested by construction, not by luck;
//! - **overlap**: hold requests of one operation until a number of them have arrived, so
//!   "concurrent" requests are concurrent by construction, whatever the scheduler does; or
//!   hold the next one until the test lets it go, so a write lands after what it read changed;
//! - **counting**: it records the operation and body of every request (`GetItem`, `Query`, ...),
//!   so a test can assert how many DynamoDB round trips an endpoint makes, and what it asked.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

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
    /// Answer the next `n` writes (transactions and single-item writes) as DynamoDB does when a
    /// concurrent transaction holds their items; then forward again.
    Conflict(usize),
}

/// Requests of `operation` held until `count` of them have arrived (or `patience` passed);
/// with no `count`, the next one alone, until the test releases it.
#[derive(Debug)]
struct Hold {
    operations: Vec<String>,
    count: Option<usize>,
    arrived: usize,
    release: Arc<tokio::sync::watch::Sender<bool>>,
}

/// Lets a request held by [`DynamoProxy::hold_next`] through.
#[derive(Debug)]
pub struct Release(Arc<tokio::sync::watch::Sender<bool>>);

impl Release {
    pub fn release(&self) {
        self.0.send_replace(true);
    }
}

/// One request the proxy saw.
#[derive(Debug, Clone)]
pub struct Seen {
    /// `GetItem`, `TransactWriteItems`, ...
    pub operation: String,
    /// The request's JSON body.
    pub body: serde_json::Value,
}

type ProxyBody = BoxBody<Bytes, hyper::Error>;

#[derive(Debug)]
struct Shared {
    upstream: String,
    fault: Mutex<Fault>,
    seen: Mutex<Vec<Seen>>,
    hold: Mutex<Option<Hold>>,
    client: Client<HttpConnector, Full<Bytes>>,
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
            seen: Mutex::new(Vec::new()),
            hold: Mutex::new(None),
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

    /// Holds each of the next `count` requests of `operation` until all `count` have
    /// arrived, then lets them all through together (after 10 s, whatever has arrived goes).
    pub fn hold_until_together(&self, operation: &str, count: usize) {
        self.hold_any_until_together(&[operation], count);
    }

    /// As [`Self::hold_until_together`], for the next `count` requests of any of `operations`
    /// (a claim's `UpdateItem` and a withdrawal's `TransactWriteItems`, say).
    pub fn hold_any_until_together(&self, operations: &[&str], count: usize) {
        *lock(&self.shared.hold) = Some(Hold {
            operations: operations.iter().map(|op| (*op).to_owned()).collect(),
            count: Some(count),
            arrived: 0,
            release: Arc::new(tokio::sync::watch::Sender::new(false)),
        });
    }

    /// Holds the next request of `operation` (and only it: the later ones pass) until the
    /// test lets it through with the answer's [`Release`] (after 10 s, it goes anyway): a
    /// write planned on what it read, held while something else changes that.
    pub fn hold_next(&self, operation: &str) -> Release {
        let release = Arc::new(tokio::sync::watch::Sender::new(false));
        *lock(&self.shared.hold) = Some(Hold {
            operations: vec![operation.to_owned()],
            count: None,
            arrived: 0,
            release: release.clone(),
        });
        Release(release)
    }

    /// The requests seen so far, in order.
    pub fn requests(&self) -> Vec<Seen> {
        lock(&self.shared.seen).clone()
    }

    /// The operations requested so far, in order (`GetItem`, `TransactWriteItems`, ...).
    pub fn operations(&self) -> Vec<String> {
        lock(&self.shared.seen)
            .iter()
            .map(|seen| seen.operation.clone())
            .collect()
    }

    /// Forgets the requests recorded so far.
    pub fn clear_operations(&self) {
        lock(&self.shared.seen).clear();
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

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

const WRITES: &[&str] = &["TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem"];

async fn handle(shared: &Shared, request: Request<Incoming>) -> Response<ProxyBody> {
    let operation = request
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|target| target.rsplit('.').next())
        .unwrap_or("?")
        .to_owned();
    let (mut parts, body) = request.into_parts();
    let Ok(body) = body
        .collect()
        .await
        .map(http_body_util::Collected::to_bytes)
    else {
        return text(StatusCode::BAD_REQUEST, "proxy: unreadable body".into());
    };
    lock(&shared.seen).push(Seen {
        operation: operation.clone(),
        body: serde_json::from_slice(&body).unwrap_or_default(),
    });
    wait_for_the_others(shared, &operation).await;
    let fault = {
        let mut fault = lock(&shared.fault);
        let now = *fault;
        if let Fault::Conflict(n) = now
            && WRITES.contains(&operation.as_str())
        {
            *fault = if n > 1 {
                Fault::Conflict(n - 1)
            } else {
                Fault::None
            };
        }
        now
    };
    match fault {
        Fault::Stall => std::future::pending().await,
        Fault::Throttle => dynamodb_error(
            "ThrottlingException",
            r#""message":"Rate of requests exceeds the allowed throughput.""#,
        ),
        Fault::Conflict(_) if operation == "TransactWriteItems" => {
            let items = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|b| b["TransactItems"].as_array().map(Vec::len))
                .unwrap_or(1);
            let reasons = vec![
                r#"{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"}"#;
                items
            ];
            dynamodb_error(
                "TransactionCanceledException",
                &format!(
                    r#""Message":"Transaction cancelled [TransactionConflict]","CancellationReasons":[{}]"#,
                    reasons.join(",")
                ),
            )
        }
        Fault::Conflict(_) if WRITES.contains(&operation.as_str()) => dynamodb_error(
            "TransactionConflictException",
            r#""message":"Transaction is ongoing for the item""#,
        ),
        Fault::None | Fault::Conflict(_) => {
            let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            parts.uri = format!("{}{path}", shared.upstream)
                .parse()
                .expect("a valid upstream URI");
            let request = Request::from_parts(parts, Full::new(body));
            match shared.client.request(request).await {
                Ok(mut response) => {
                    // Hop-by-hop: the emulator closes each connection after its answer (its
                    // server always does); the proxy keeps the client's open, as DynamoDB does.
                    response.headers_mut().remove(hyper::header::CONNECTION);
                    response.map(BodyExt::boxed)
                }
                Err(e) => text(StatusCode::BAD_GATEWAY, format!("proxy: {e}")),
            }
        }
    }
}

/// Holds a request of the held operation until as many as asked for have arrived.
async fn wait_for_the_others(shared: &Shared, operation: &str) {
    let mut released = {
        let mut hold = lock(&shared.hold);
        let Some(held) = hold
            .as_mut()
            .filter(|h| h.operations.iter().any(|op| op == operation))
        else {
            return;
        };
        held.arrived += 1;
        match held.count {
            Some(count) if held.arrived >= count => {
                held.release.send_replace(true);
                *hold = None;
                return;
            }
            Some(_) => held.release.subscribe(),
            None => {
                let released = held.release.subscribe();
                *hold = None;
                released
            }
        }
    };
    let together = released.wait_for(|released| *released);
    let _ = tokio::time::timeout(Duration::from_secs(10), together).await;
}

/// An error answer of DynamoDB's JSON protocol: `__type` and the other `fields`.
fn dynamodb_error(kind: &str, fields: &str) -> Response<ProxyBody> {
    let body = format!(r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{kind}",{fields}}}"#);
    let mut response = text(StatusCode::BAD_REQUEST, body);
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
