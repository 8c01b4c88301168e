//! The cold-start baseline: a hello-world `lambda_http` function with one axum route
//! (`GET /hello` answers 200), built with the workspace's dependencies and release profile.
//! `infra/measure-cold-start` measures it in the same run as the three functions, so what a
//! function adds to init time, first response, peak memory and package size is the difference.

use axum::Router;
use axum::routing::get;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::run(Router::new().route("/hello", get(|| async { "hello" }))).await
}
