//! An HTTP proxy between a function's DynamoDB client and the emulator, for two jobs:
//!
//! - **faults**: take DynamoDB "down" (nothing listens: connections are refused), make it stall
//!   (requests are accepted and never answered: timeouts), or throttle (every request answered
//!   with DynamoDB's own `ThrottlingException`), then bring it back — at the HTTP level, where
//!   the SDK meets the network, and without disturbing other tests that share the emulator;
//! - **conflicts**: answer the next writes as DynamoDB answers a write that meets a concurrent
//!   transaction (`TransactionCanceledException` with `TransactionConflict`, or
//!   `TransactionConflictException` for a single-item write), so the retry of such writes is
//!   tested by construction, not by luck; or, under **contention**, answer so every write that
//!   arrives while another write holding one of its items is still on its way: what DynamoDB
//!   does to transactions on a hot item;
//! - **overlap**: hold requests of one operation until a number of them have arrived, so
//!   "concurrent" requests are concurrent by construction, whatever the scheduler does; or
//!   hold the next one until the test lets it go, so a write lands after what it read changed;
//! - **counting**: it records the operation and body of every request (`GetItem`, `Query`, ...),
//!   so a test can assert how many DynamoDB round trips an endpoint makes, and what it asked;
//!   with the emulator's answer and when each was sent and answered, for the benchmarks' cost
//!   of a request (what it read and wrote, how many round trips it waited for in turn).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

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
    /// Answer a write as a conflict when a write forwarded less than `window` before it, and
    /// not answered yet, touches one of its items (a transaction's condition checks included),
    /// as DynamoDB answers writes that meet a transaction still committing; forward the
    /// others. The window stands for DynamoDB's own time to commit a transaction: the
    /// emulator takes one request at a time, and a write queued there behind others would
    /// otherwise hold its items for as long as the whole queue takes.
    Contention { window: Duration },
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
    /// When it arrived.
    pub sent: Instant,
    /// The emulator's answer, once it came (not for a request the proxy answered itself).
    pub answer: Arc<OnceLock<Answer>>,
}

/// The emulator's answer to a request.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Its JSON body.
    pub body: serde_json::Value,
    /// When it came.
    pub at: Instant,
}

type ProxyBody = BoxBody<Bytes, hyper::Error>;

#[derive(Debug)]
struct Shared {
    upstream: String,
    fault: Mutex<Fault>,
    seen: Mutex<Vec<Seen>>,
    hold: Mutex<Option<Hold>>,
    /// Under [`Fault::Contention`], the items of each write on its way to the emulator.
    writing: Mutex<Vec<(u64, Instant, Vec<String>)>>,
    writes: AtomicU64,
    conflicts: AtomicUsize,
    /// Requests forwarded at once: the emulator answers one at a time, and a burst of hundreds
    /// of connections overflows its server's listen backlog (DynamoDB has no such limit).
    forwarding: tokio::sync::Semaphore,
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
            writing: Mutex::new(Vec::new()),
            writes: AtomicU64::new(0),
            conflicts: AtomicUsize::new(0),
            forwarding: tokio::sync::Semaphore::new(16),
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

    /// How many writes it has answered as conflicts, under [`Fault::Conflict`] and
    /// [`Fault::Contention`].
    pub fn conflicts(&self) -> usize {
        self.shared.conflicts.load(Ordering::Relaxed)
    }

    /// Forgets the requests recorded so far.
    pub fn clear_operations(&self) {
        lock(&self.shared.seen).clear();
    }

    /// Sends `operation` with `body` to the emulator itself, unrecorded: what a benchmark
    /// asks of the tables beside the requests it measures.
    ///
    /// # Errors
    /// When the emulator cannot be reached or answers with an error.
    pub async fn ask(
        &self,
        operation: &str,
        body: &serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        // The emulator reads the account and region from the credential scope; it checks no
        // signature.
        let key = std::env::var("AWS_ACCESS_KEY_ID").unwrap_or_else(|_| "local".to_owned());
        let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".to_owned());
        let request = Request::post(format!("{}/", self.shared.upstream))
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", format!("DynamoDB_20120810.{operation}"))
            .header(
                "authorization",
                format!(
                    "AWS4-HMAC-SHA256 Credential={key}/20260101/{region}/dynamodb/aws4_request, \
                     SignedHeaders=host, Signature=0"
                ),
            )
            .body(Full::new(Bytes::from(serde_json::to_vec(body)?)))?;
        let response = self.shared.client.request(request).await?;
        let status = response.status();
        let answer = response.into_body().collect().await?.to_bytes();
        anyhow::ensure!(
            status.is_success(),
            "the emulator answered {operation} {status}: {}",
            String::from_utf8_lossy(&answer)
        );
        Ok(serde_json::from_slice(&answer)?)
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
    let answer = Arc::new(OnceLock::new());
    lock(&shared.seen).push(Seen {
        operation: operation.clone(),
        body: serde_json::from_slice(&body).unwrap_or_default(),
        sent: Instant::now(),
        answer: answer.clone(),
    });
    wait_for_the_others(shared, &operation).await;
    let is_write = WRITES.contains(&operation.as_str());
    let fault = {
        let mut fault = lock(&shared.fault);
        let now = *fault;
        if let Fault::Conflict(n) = now
            && is_write
        {
            *fault = if n > 1 {
                Fault::Conflict(n - 1)
            } else {
                Fault::None
            };
        }
        now
    };
    let mut _writing = None;
    let conflicted = match fault {
        Fault::Conflict(_) => is_write,
        Fault::Contention { window } if is_write => {
            _writing = Writing::start(shared, items_written(&body), window);
            _writing.is_none()
        }
        _ => false,
    };
    if conflicted {
        shared.conflicts.fetch_add(1, Ordering::Relaxed);
        return conflict(&operation, &body);
    }
    match fault {
        Fault::Stall => std::future::pending().await,
        Fault::Throttle => dynamodb_error(
            "ThrottlingException",
            r#""message":"Rate of requests exceeds the allowed throughput.""#,
        ),
        Fault::None | Fault::Conflict(_) | Fault::Contention { .. } => {
            let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            parts.uri = format!("{}{path}", shared.upstream)
                .parse()
                .expect("a valid upstream URI");
            let request = Request::from_parts(parts, Full::new(body));
            let _slot = shared.forwarding.acquire().await;
            let response = match shared.client.request(request).await {
                Ok(response) => response,
                Err(e) => return text(StatusCode::BAD_GATEWAY, format!("proxy: {e}")),
            };
            let (mut parts, body) = response.into_parts();
            let Ok(body) = body
                .collect()
                .await
                .map(http_body_util::Collected::to_bytes)
            else {
                return text(
                    StatusCode::BAD_GATEWAY,
                    "proxy: the answer broke off".into(),
                );
            };
            let _ = answer.set(Answer {
                body: serde_json::from_slice(&body).unwrap_or_default(),
                at: Instant::now(),
            });
            // Hop-by-hop: the emulator closes each connection after its answer (its server
            // always does); the proxy keeps the client's open, as DynamoDB does.
            parts.headers.remove(hyper::header::CONNECTION);
            Response::from_parts(
                parts,
                Full::new(body).map_err(|never| match never {}).boxed(),
            )
        }
    }
}

/// DynamoDB's answer to a write that meets a concurrent transaction on one of its items.
fn conflict(operation: &str, body: &[u8]) -> Response<ProxyBody> {
    if operation != "TransactWriteItems" {
        return dynamodb_error(
            "TransactionConflictException",
            r#""message":"Transaction is ongoing for the item""#,
        );
    }
    let items = serde_json::from_slice::<serde_json::Value>(body)
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

/// The items a write touches, as `table|pk|sk`: a transaction's every item (condition checks
/// too), or a single-item write's.
fn items_written(body: &[u8]) -> Vec<String> {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Vec::new();
    };
    let item = |write: &serde_json::Value| {
        let key = write.get("Key").or_else(|| write.get("Item"))?;
        Some(format!(
            "{}|{}|{}",
            write["TableName"], key["pk"], key["sk"]
        ))
    };
    match body["TransactItems"].as_array() {
        Some(writes) => writes
            .iter()
            .filter_map(|w| w.as_object()?.values().next().and_then(item))
            .collect(),
        None => item(&body).into_iter().collect(),
    }
}

/// A write on its way to the emulator under [`Fault::Contention`]: its items are held until
/// it is dropped (answered, or abandoned).
struct Writing<'a> {
    shared: &'a Shared,
    id: u64,
}

impl<'a> Writing<'a> {
    /// Holds `items` for a new write; `None` when a write that arrived less than `window`
    /// ago and is still on its way holds one of them.
    fn start(shared: &'a Shared, items: Vec<String>, window: Duration) -> Option<Self> {
        let now = Instant::now();
        let mut writing = lock(&shared.writing);
        if writing.iter().any(|(_, since, held)| {
            now.duration_since(*since) < window && held.iter().any(|item| items.contains(item))
        }) {
            return None;
        }
        let id = shared.writes.fetch_add(1, Ordering::Relaxed);
        writing.push((id, now, items));
        Some(Self { shared, id })
    }
}

impl Drop for Writing<'_> {
    fn drop(&mut self) {
        lock(&self.shared.writing).retain(|(id, _, _)| *id != self.id);
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
