//! The smoke suite: the user journeys of auth, content and progress, over HTTP, against the
//! stack at `SMOKE_BASE_URL`.
//!
//! Every test is ignored by default, so `./dev test` compiles them and runs none; run them with
//!
//! ```sh
//! SMOKE_BASE_URL=http://127.0.0.1:9000 cargo test -p smoke-tests -- --ignored
//! ```
//!
//! Each journey is independent of the others and of earlier runs: it registers its own fresh
//! accounts and only reads the catalog.

mod auth;
mod content;
mod progress;
