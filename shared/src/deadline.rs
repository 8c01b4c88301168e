//! One deadline per request, which every retry respects.
//!
//! [`crate::http::finish`] runs each request within [`REQUEST_BUDGET`] of its arrival, and
//! answers 503 when it runs out; the retry loops (a transaction meeting a conflict, a batch
//! read with unprocessed keys, a write planned anew after a race) ask [`allows`] before they
//! wait and try again, so retries nested in retries cannot add up past the function's timeout.
//! Outside a request (a tool, a unit test) there is no deadline.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

/// How long a request may take, retries included: well inside the functions' 10 s timeout
/// (`infra/template.yaml`), so a request that cannot finish ends in a 503 the client may retry,
/// never in a Lambda timeout.
pub const REQUEST_BUDGET: Duration = Duration::from_secs(6);

/// The time one more DynamoDB attempt needs: a retry is not started with less left than this
/// (the client's attempt timeout is 800 ms by default).
pub const ATTEMPT_RESERVE: Duration = Duration::from_millis(800);

tokio::task_local! {
    static DEADLINE: Instant;
}

/// Runs `work` with a deadline `budget` from now.
pub async fn within<F: Future>(budget: Duration, work: F) -> F::Output {
    DEADLINE.scope(Instant::now() + budget, work).await
}

/// The time left before the current request's deadline; `None` outside a request.
pub fn remaining() -> Option<Duration> {
    DEADLINE
        .try_with(|deadline| deadline.saturating_duration_since(Instant::now()))
        .ok()
}

/// Whether there is time to wait `wait` and then make one more attempt.
pub fn allows(wait: Duration) -> bool {
    remaining().is_none_or(|left| left > wait + ATTEMPT_RESERVE)
}

/// A random wait below 20 ms · 2^`attempt` ("full jitter"), before attempt `attempt + 1` of a
/// write that met a concurrent one: racing writers spread out instead of colliding again.
pub fn back_off(attempt: u32) -> Duration {
    let ceiling = 20_000u64 << attempt.min(6);
    let mut random = [0u8; 8];
    let micros = match aws_lc_rs::rand::fill(&mut random) {
        Ok(()) => u64::from_le_bytes(random) % ceiling,
        Err(_) => ceiling / 2,
    };
    Duration::from_micros(micros)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn outside_a_request_there_is_no_deadline() {
        assert_eq!(remaining(), None);
        assert!(allows(Duration::from_secs(3600)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_allows_retries_only_while_time_is_left() {
        within(Duration::from_secs(2), async {
            assert!(allows(Duration::from_millis(100)));
            tokio::time::sleep(Duration::from_millis(1500)).await;
            assert!(
                !allows(Duration::from_millis(100)),
                "{:?} left",
                remaining()
            );
        })
        .await;
    }

    #[test]
    fn back_off_stays_below_its_ceiling() {
        for attempt in 0..10 {
            let ceiling = Duration::from_micros(20_000u64 << attempt.min(6));
            assert!(back_off(attempt) < ceiling);
        }
    }
}
