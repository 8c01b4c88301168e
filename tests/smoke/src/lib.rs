//! The smoke suite's client: plain HTTP to a running stack, as any client of the API sees it.
//!
//! The suite runs against the base URL in `SMOKE_BASE_URL` (a deployed stack's `ApiUrl`, or
//! `./dev run`'s local URL) and knows nothing of the functions' code: requests go over the
//! network, answers are read as JSON, XML or JWTs. Every journey makes its own fresh accounts
//! (`smoke+<uuid>@<SMOKE_EMAIL_DOMAIN>`) and only reads the catalog, so it can run again and
//! again against an environment others use, and never deletes anything.

mod api;

use std::time::Duration;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

pub use api::*;

/// Where the problem types of the API's errors live; a type is this plus its slug.
const PROBLEM_BASE: &str = "https://skillpath.dev/problems/";

/// How long one request may take, a cold start included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The domain of the smoke accounts' addresses when `SMOKE_EMAIL_DOMAIN` is not set.
const DEFAULT_EMAIL_DOMAIN: &str = "example.com";

/// The stack under test: its base URL and an HTTP client for it.
#[derive(Debug)]
pub struct Api {
    base: String,
    email_domain: String,
    /// `SMOKE_ADMIN_EMAIL` and `SMOKE_ADMIN_PASSWORD`: an admin (made with `auth-admin
    /// create-user --role admin`) who vouches for the fresh learners' addresses, which nobody
    /// reads: enrolling needs a verified address.
    admin: Option<(String, String)>,
    http: reqwest::Client,
}

impl Api {
    /// The stack named by `SMOKE_BASE_URL`. Each test makes its own: a client's pooled
    /// connections belong to the runtime of the test that opened them.
    ///
    /// # Panics
    /// When `SMOKE_BASE_URL` is not set or not an `http(s)://` URL: the suite has nothing to
    /// run against.
    pub fn from_env() -> Self {
        let base = std::env::var("SMOKE_BASE_URL").unwrap_or_default();
        assert!(
            base.starts_with("http://") || base.starts_with("https://"),
            "SMOKE_BASE_URL must be the base URL of a running stack, e.g. \
                 SMOKE_BASE_URL=http://127.0.0.1:9000 (./dev run) or the deployed stack's \
                 ApiUrl output; it is {base:?}"
        );
        let email_domain = std::env::var("SMOKE_EMAIL_DOMAIN")
            .ok()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_EMAIL_DOMAIN.to_owned());
        // Redirects are not followed: the suite checks what the API answers.
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client with the platform's TLS roots");
        let admin = std::env::var("SMOKE_ADMIN_EMAIL")
            .ok()
            .filter(|e| !e.trim().is_empty())
            .zip(std::env::var("SMOKE_ADMIN_PASSWORD").ok());
        Self {
            base: base.trim_end_matches('/').to_owned(),
            email_domain,
            admin,
            http,
        }
    }

    /// The absolute URL of `path` on this stack.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn get(&self, path: &str) -> Call {
        self.call(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> Call {
        self.call(Method::POST, path)
    }

    pub fn put(&self, path: &str) -> Call {
        self.call(Method::PUT, path)
    }

    pub fn patch(&self, path: &str) -> Call {
        self.call(Method::PATCH, path)
    }

    pub fn delete(&self, path: &str) -> Call {
        self.call(Method::DELETE, path)
    }

    fn call(&self, method: Method, path: &str) -> Call {
        Call {
            what: format!("{method} {path}"),
            request: self.http.request(method, self.url(path)),
        }
    }

    /// The smoke admin (`SMOKE_ADMIN_EMAIL`, `SMOKE_ADMIN_PASSWORD`), logged in afresh; `None`
    /// when the suite has no admin.
    ///
    /// # Panics
    /// When the admin's login fails.
    pub async fn admin_login(&self) -> Option<Tokens> {
        let (email, password) = self.admin.as_ref()?;
        Some(login(self, email, password).await)
    }

    /// A fresh address no account has: `smoke+<uuid>@<SMOKE_EMAIL_DOMAIN>`.
    pub fn fresh_email(&self) -> String {
        format!(
            "smoke+{}@{}",
            uuid::Uuid::now_v7().simple(),
            self.email_domain
        )
    }
}

/// A request being built.
#[derive(Debug)]
pub struct Call {
    what: String,
    request: reqwest::RequestBuilder,
}

impl Call {
    pub fn bearer(self, token: &str) -> Self {
        Self {
            request: self.request.bearer_auth(token),
            ..self
        }
    }

    pub fn json(self, body: &impl Serialize) -> Self {
        Self {
            request: self.request.json(body),
            ..self
        }
    }

    pub fn header(self, name: &str, value: &str) -> Self {
        Self {
            request: self.request.header(name, value),
            ..self
        }
    }

    /// Sends the request and reads the whole answer.
    ///
    /// # Panics
    /// When the stack cannot be reached or does not answer in time.
    pub async fn send(self) -> Reply {
        let what = self.what;
        let response = self
            .request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{what}: no answer from the stack: {}", causes(&e)));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .unwrap_or_else(|e| panic!("{what}: the answer's body broke off: {}", causes(&e)))
            .to_vec();
        Reply {
            what,
            status,
            headers,
            body,
        }
    }
}

/// An error and its causes, on one line (reqwest's own message names none of them).
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Reply {
    /// The request it answers (`METHOD /path`), for failure messages.
    pub what: String,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as `T`.
    ///
    /// # Panics
    /// When it is not JSON of that shape.
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} answered a body that is not the expected JSON ({e}): {}",
                self.what,
                self.text()
            )
        })
    }

    /// This answer, if its status is `status`.
    ///
    /// # Panics
    /// With the request, the status and the body, when the status differs.
    #[track_caller]
    pub fn assert_status(self, status: u16) -> Self {
        assert_eq!(
            self.status,
            status,
            "{} answered {}, not {status}: {}",
            self.what,
            self.status,
            self.text()
        );
        self
    }

    /// Asserts an RFC 9457 problem of `status` and type `slug`.
    ///
    /// # Panics
    /// When the answer is anything else.
    #[track_caller]
    pub fn assert_problem(self, status: u16, slug: &str) -> Self {
        let reply = self.assert_status(status);
        assert_eq!(
            reply.header("content-type"),
            Some("application/problem+json"),
            "{}: errors are problem+json: {}",
            reply.what,
            reply.text()
        );
        let problem: serde_json::Value = reply.json();
        assert_eq!(
            problem["type"],
            format!("{PROBLEM_BASE}{slug}"),
            "{}: the problem's type",
            reply.what
        );
        reply
    }

    /// The `ETag` of a cacheable answer.
    ///
    /// # Panics
    /// When it has none.
    #[track_caller]
    pub fn etag(&self) -> String {
        self.header("etag")
            .unwrap_or_else(|| panic!("{} answered without an ETag", self.what))
            .to_owned()
    }
}

/// A password no list of common passwords holds, different on every run.
pub fn fresh_password() -> String {
    format!("smoke-{}-Pw!", uuid::Uuid::now_v7().simple())
}

/// Someone who registered through the API and logged in.
#[derive(Debug, Clone)]
pub struct Learner {
    pub account: Account,
    pub tokens: Tokens,
}

impl Learner {
    /// Registers a fresh learner called `name`, has the smoke admin (if configured) mark the
    /// address verified, and logs them in.
    ///
    /// # Panics
    /// When registering, verifying or logging in fails.
    pub async fn register(api: &Api, name: &str) -> Self {
        let email = api.fresh_email();
        let password = fresh_password();
        let account: Account = api
            .post("/auth/register")
            .json(&json!({"email": email, "password": password, "name": name}))
            .send()
            .await
            .assert_status(201)
            .json();
        if let Some(admin) = api.admin_login().await {
            let verified: Account = api
                .patch(&format!("/auth/users/{}", account.id))
                .bearer(&admin.access_token)
                .json(&json!({"email_verified": true}))
                .send()
                .await
                .assert_status(200)
                .json();
            assert!(verified.email_verified, "the admin verified {email}");
        }
        let tokens = login(api, &email, &password).await;
        Self { account, tokens }
    }

    /// Panics, saying how to fix it, unless the smoke admin verified this learner's address:
    /// enrolling needs it.
    pub fn assert_verifiable(api: &Api) {
        assert!(
            api.admin.is_some(),
            "enrolling needs a verified address: set SMOKE_ADMIN_EMAIL and SMOKE_ADMIN_PASSWORD \
             to an admin's (auth-admin create-user --role admin) so the suite can verify its \
             learners"
        );
    }

    pub fn access_token(&self) -> &str {
        &self.tokens.access_token
    }
}

/// Logs in.
///
/// # Panics
/// Unless the login succeeds.
pub async fn login(api: &Api, email: &str, password: &str) -> Tokens {
    api.post("/auth/login")
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .assert_status(200)
        .json()
}

/// The first entry of the listing at `path` (`GET /courses`, `/articles`, `/paths`).
///
/// # Panics
/// When the listing is empty: the journeys read the catalog and need something published.
pub async fn first_listed<T: DeserializeOwned>(api: &Api, path: &str) -> T {
    let listing: Page<T> = api.get(path).send().await.assert_status(200).json();
    listing.items.into_iter().next().unwrap_or_else(|| {
        panic!(
            "GET {path} lists nothing published at {}: the content and progress journeys need \
             a published course, article and career path. Publish them (`./dev run` loads the \
             demo catalog locally; infra/local/seed-demo <url> loads it into another stack \
             with SEED_DEMO_INSTRUCTOR_TOKEN and SEED_DEMO_ADMIN_TOKEN set).",
            api.url("")
        )
    })
}

/// The first published course of the catalog, its listing entry and its page.
///
/// # Panics
/// When the catalog lists no published course.
pub async fn first_course(api: &Api) -> (CourseCard, Course) {
    let card: CourseCard = first_listed(api, "/courses").await;
    let course: Course = api
        .get(&format!("/courses/{}", card.slug))
        .send()
        .await
        .assert_status(200)
        .json();
    (card, course)
}

/// The school's published public keys, `GET /.well-known/jwks.json`.
///
/// # Panics
/// Unless it answers a JWKS.
pub async fn published_keys(api: &Api) -> JwkSet {
    api.get("/.well-known/jwks.json")
        .send()
        .await
        .assert_status(200)
        .json()
}

/// The claims of `token`, verified as any client must verify the school's JWTs: RS256 only,
/// the JOSE type `typ`, signed by the published key its `kid` names (and by no key the token
/// itself points to), then `validation`'s checks.
///
/// # Panics
/// Saying which check failed.
#[track_caller]
pub fn verify<C: DeserializeOwned>(
    token: &str,
    typ: &str,
    keys: &JwkSet,
    validation: &Validation,
) -> C {
    let header = jsonwebtoken::decode_header(token).expect("a JWT with a readable header");
    assert_eq!(header.alg, Algorithm::RS256, "the JWT's algorithm");
    assert_eq!(header.typ.as_deref(), Some(typ), "the JWT's type");
    let kid = header.kid.expect("the JWT names its key (kid)");
    let jwk = keys
        .find(&kid)
        .unwrap_or_else(|| panic!("the published keys have no key {kid:?}"));
    let key = DecodingKey::from_jwk(jwk).expect("the published key is a usable RSA key");
    jsonwebtoken::decode::<C>(token, &key, validation)
        .unwrap_or_else(|e| panic!("the JWT does not verify with published key {kid:?}: {e}"))
        .claims
}
