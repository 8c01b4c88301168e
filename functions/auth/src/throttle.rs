//! Limits against guessing and abuse: the login back-off per address, and the limit on
//! requests for mail (password-reset and verification links) per address. The counters are table items with a TTL; the code
//! checks their expiry itself, because DynamoDB deletes expired items lazily (within days).

use std::time::Duration;

use shared::clock::Timestamp;

/// Consecutive failed logins of an address, as last recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    pub count: u32,
    /// Until when further attempts are refused; `None` when not locked.
    pub locked_until: Option<Timestamp>,
    /// When the run of failures is forgotten (the item's TTL).
    pub expires_at: Timestamp,
}

/// Requests for one kind of mail (a password-reset or a verification link) to an address in
/// the current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailRequests {
    pub count: u32,
    /// When the window ends (the item's TTL).
    pub expires_at: Timestamp,
}

/// The login back-off: a few free failures, then a lockout that doubles with each further
/// failure, up to a ceiling. An attempt is answered only by the write that records it, on the
/// condition that no other attempt was recorded since its count was read (see
/// `service::sessions`), so parallel guesses cannot slip through together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginBackoff {
    /// Failures that cost nothing (5).
    pub free_failures: u32,
    /// The lockout after the last free failure; each further failure doubles it.
    pub base: Duration,
    /// The longest lockout (15 minutes).
    pub ceiling: Duration,
    /// How long a run of failures is remembered after the last attempt (24 hours).
    pub memory: Duration,
}

impl LoginBackoff {
    /// 5 free failures, then `base` doubling per failure, up to 15 minutes.
    pub fn new(base: Duration) -> Self {
        Self {
            free_failures: 5,
            base,
            ceiling: Duration::from_secs(15 * 60),
            memory: Duration::from_secs(24 * 3600),
        }
    }

    /// How long further attempts wait after `failures` consecutive failures.
    pub fn lockout_after(&self, failures: u32) -> Option<Duration> {
        let beyond = failures.checked_sub(self.free_failures)?;
        let factor = 2u32.saturating_pow(beyond.min(31));
        Some(self.base.saturating_mul(factor).min(self.ceiling))
    }

    /// How long the caller must still wait, if the address is locked at `now`.
    pub fn wait(&self, failures: Option<&LoginFailures>, now: Timestamp) -> Option<Duration> {
        let until = failures?.locked_until?;
        (until > now).then(|| until.since(now))
    }

    /// The record after one more attempt at `now`, counted as a failure until it succeeds.
    pub fn after_attempt(&self, seen: Option<&LoginFailures>, now: Timestamp) -> LoginFailures {
        let count = seen.map_or(0, |f| f.count).saturating_add(1);
        let locked_until = self.lockout_after(count).map(|lockout| now.plus(lockout));
        LoginFailures {
            count,
            locked_until,
            expires_at: locked_until.unwrap_or(now).plus(self.memory),
        }
    }
}

/// At most `max` requests for one kind of mail per address per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailRequestLimit {
    pub max: u32,
    pub window: Duration,
}

impl Default for MailRequestLimit {
    /// 3 an hour: enough for a mail that got lost, too few to flood an inbox.
    fn default() -> Self {
        Self {
            max: 3,
            window: Duration::from_secs(3600),
        }
    }
}

impl MailRequestLimit {
    /// The record after one more request at `now`, or how long to wait when the limit is
    /// reached.
    ///
    /// # Errors
    /// The wait, when the window's requests are used up.
    pub fn after_request(
        &self,
        seen: Option<&MailRequests>,
        now: Timestamp,
    ) -> Result<MailRequests, Duration> {
        match seen {
            Some(seen) if seen.count >= self.max => {
                Err(seen.expires_at.since(now).max(Duration::from_secs(1)))
            }
            Some(seen) => Ok(MailRequests {
                count: seen.count + 1,
                expires_at: seen.expires_at,
            }),
            None => Ok(MailRequests {
                count: 1,
                expires_at: now.plus(self.window),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_are_free_then_the_lockout_doubles_up_to_fifteen_minutes() {
        let backoff = LoginBackoff::new(Duration::from_secs(1));
        let lockouts: Vec<_> = (1..=8).map(|n| backoff.lockout_after(n)).collect();
        assert_eq!(
            lockouts,
            [
                None,
                None,
                None,
                None,
                Some(Duration::from_secs(1)),
                Some(Duration::from_secs(2)),
                Some(Duration::from_secs(4)),
                Some(Duration::from_secs(8)),
            ]
        );
        assert_eq!(
            backoff.lockout_after(40),
            Some(Duration::from_secs(900)),
            "capped"
        );
        assert_eq!(
            backoff.lockout_after(u32::MAX),
            Some(Duration::from_secs(900))
        );
    }

    #[test]
    fn an_attempt_is_recorded_as_a_failure_with_the_lockout_it_would_earn() {
        let backoff = LoginBackoff::new(Duration::from_secs(1));
        let now: Timestamp = "2026-12-03T14:00:00Z".parse().unwrap();
        let first = backoff.after_attempt(None, now);
        assert_eq!((first.count, first.locked_until), (1, None));
        let fourth = LoginFailures { count: 4, ..first };
        let fifth = backoff.after_attempt(Some(&fourth), now);
        assert_eq!(fifth.locked_until, Some(now.plus(Duration::from_secs(1))));
        assert!(fifth.expires_at > now.plus(Duration::from_secs(3600)));
        assert_eq!(
            backoff.wait(Some(&fifth), now.plus(Duration::from_millis(400))),
            Some(Duration::from_millis(600))
        );
        assert_eq!(
            backoff.wait(Some(&fifth), now.plus(Duration::from_secs(1))),
            None
        );
    }

    #[test]
    fn the_fourth_reset_request_in_an_hour_waits_for_the_window_to_end() {
        let limit = MailRequestLimit::default();
        let now: Timestamp = "2026-12-03T14:00:00Z".parse().unwrap();
        let mut seen = None;
        for _ in 0..3 {
            seen = Some(limit.after_request(seen.as_ref(), now).unwrap());
        }
        assert_eq!(
            limit.after_request(seen.as_ref(), now.plus(Duration::from_secs(600))),
            Err(Duration::from_secs(3000))
        );
    }
}
