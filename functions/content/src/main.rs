//! The `content` Lambda function: configuration and clients once per cold start, then every
//! invocation through the router.

use shared::config::Env;

// One thread: Lambda hands an instance one request at a time, and a multi-threaded runtime
// would start a worker per vCPU at every cold start for nothing (BENCHMARKS.md: init).
// Argon2 still runs off it, on tokio's blocking pool.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    let env = Env::from_process();
    shared::telemetry::init(&env);
    let config = content::Config::from_env(&env).inspect_err(|error| {
        tracing::error!(%error, "the configuration is invalid; not starting");
    })?;
    let sdk = shared::dynamo::sdk_config(&env)?;
    let state = content::AppState::from_config(config, &sdk).await?;
    shared::lambda::serve(content::app(state)).await
}
