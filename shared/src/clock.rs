//! Time: the one clock every function reads, and the one timestamp type it gives.
//!
//! A [`Timestamp`] is a UTC instant in whole microseconds with one text form,
//! `2026-12-03T14:15:41.123456Z`: fixed width, so text order is time order, which is what the
//! sort keys of every table rely on. Formatting it cannot fail, so no item or key can get an
//! empty time.
//!
//! A [`Clock`] is the system's in production and a manual one in tests, which step it instead
//! of sleeping. The system clock never repeats itself within an instance: each reading is at
//! least a microsecond after the last, so two writes made one after the other sort in the
//! order they were made, even when the wall clock did not move between them.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// A UTC instant, in whole microseconds; see the module docs.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// The instant `at`, in UTC, cut to whole microseconds.
    pub fn new(at: OffsetDateTime) -> Self {
        let at = at.to_offset(UtcOffset::UTC);
        let micros = at.nanosecond() / 1_000 * 1_000;
        Self(at.replace_nanosecond(micros).unwrap_or(at))
    }

    /// The instant `micros` microseconds after the Unix epoch.
    pub fn from_unix_micros(micros: i64) -> Self {
        let at = OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        Self(at)
    }

    /// Microseconds since the Unix epoch.
    pub fn unix_micros(self) -> i64 {
        (self.0.unix_timestamp_nanos() / 1_000) as i64
    }

    /// Whole seconds since the Unix epoch (JWT claims, TTL attributes).
    pub fn unix_seconds(self) -> i64 {
        self.0.unix_timestamp()
    }

    pub fn as_offset_date_time(self) -> OffsetDateTime {
        self.0
    }

    /// The instant `duration` later.
    #[must_use]
    pub fn plus(self, duration: Duration) -> Self {
        Self::new(self.0 + duration)
    }

    /// The instant `duration` earlier.
    #[must_use]
    pub fn minus(self, duration: Duration) -> Self {
        Self::new(self.0 - duration)
    }

    /// How long after `earlier` this is (zero when it is not after it).
    pub fn since(self, earlier: Self) -> Duration {
        (self.0 - earlier.0).try_into().unwrap_or(Duration::ZERO)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.microsecond()
        )
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The error of parsing text that is not an RFC 3339 date-time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an RFC 3339 date-time: {0:?}")]
pub struct InvalidTimestamp(String);

impl FromStr for Timestamp {
    type Err = InvalidTimestamp;

    /// Any RFC 3339 date-time (any offset, any precision).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OffsetDateTime::parse(s, &Rfc3339)
            .map(Self::new)
            .map_err(|_| InvalidTimestamp(s.chars().take(40).collect()))
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(at: OffsetDateTime) -> Self {
        Self::new(at)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Where the time comes from; see the module docs. Cheap to clone: clones share one source.
#[derive(Clone)]
pub struct Clock(Arc<Source>);

enum Source {
    /// The system clock, never repeating itself: the last reading, in microseconds.
    System(AtomicI64),
    /// A test's clock: it says `now`, then moves on by `step`.
    Manual {
        now: Mutex<Timestamp>,
        step: Duration,
    },
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.0 {
            Source::System(_) => f.write_str("Clock::System"),
            Source::Manual { now, step } => f
                .debug_struct("Clock::Manual")
                .field("now", &*now.lock().unwrap_or_else(PoisonError::into_inner))
                .field("step", step)
                .finish(),
        }
    }
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self(Arc::new(Source::System(AtomicI64::new(i64::MIN))))
    }

    /// A clock that stands at `at` until [`Clock::advance`] moves it.
    pub fn fixed(at: Timestamp) -> Self {
        Self::stepping(at, Duration::ZERO)
    }

    /// A clock that starts at `at` and moves on by `step` after each reading.
    pub fn stepping(at: Timestamp, step: Duration) -> Self {
        Self(Arc::new(Source::Manual {
            now: Mutex::new(at),
            step,
        }))
    }

    /// The current time.
    pub fn now(&self) -> Timestamp {
        match &*self.0 {
            Source::System(last) => {
                let wall = Timestamp::new(OffsetDateTime::now_utc()).unix_micros();
                let previous = last
                    .fetch_update(Ordering::AcqRel, Ordering::Acquire, |last| {
                        Some(wall.max(last.saturating_add(1)))
                    })
                    .unwrap_or(wall);
                Timestamp::from_unix_micros(wall.max(previous.saturating_add(1)))
            }
            Source::Manual { now, step } => {
                let mut now = now.lock().unwrap_or_else(PoisonError::into_inner);
                let reading = *now;
                *now = reading.plus(*step);
                reading
            }
        }
    }

    /// Moves a test's clock on by `by`.
    ///
    /// # Panics
    /// On the system clock: only a test's clock can be moved.
    pub fn advance(&self, by: Duration) {
        match &*self.0 {
            Source::System(_) => panic!("the system clock cannot be advanced"),
            Source::Manual { now, .. } => {
                let mut now = now.lock().unwrap_or_else(PoisonError::into_inner);
                *now = now.plus(by);
            }
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_has_one_fixed_width_form_and_sorts_as_time() {
        let early: Timestamp = "2026-01-02T03:04:05Z".parse().unwrap();
        let late: Timestamp = "2026-01-02T03:04:05.000001+00:00".parse().unwrap();
        assert_eq!(early.to_string(), "2026-01-02T03:04:05.000000Z");
        assert_eq!(late.to_string(), "2026-01-02T03:04:05.000001Z");
        assert!(early.to_string() < late.to_string());
        let offset: Timestamp = "2026-01-02T05:04:05.5+02:00".parse().unwrap();
        assert_eq!(offset.to_string(), "2026-01-02T03:04:05.500000Z");
    }

    #[test]
    fn nanoseconds_are_cut_to_microseconds_and_text_round_trips() {
        let at: Timestamp = "2026-06-30T23:59:59.123456789Z".parse().unwrap();
        assert_eq!(at.to_string(), "2026-06-30T23:59:59.123456Z");
        assert_eq!(at.to_string().parse::<Timestamp>().unwrap(), at);
        let json = serde_json::to_string(&at).unwrap();
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), at);
    }

    #[test]
    fn text_that_is_not_a_time_is_refused() {
        for bad in ["", "yesterday", "2026-13-01T00:00:00Z", "2026-01-01"] {
            assert!(bad.parse::<Timestamp>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_system_clock_never_gives_the_same_time_twice() {
        let clock = Clock::system();
        let readings: Vec<Timestamp> = (0..1000).map(|_| clock.now()).collect();
        assert!(readings.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn a_stepping_clock_moves_by_its_step_and_can_be_advanced() {
        let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let clock = Clock::stepping(start, Duration::from_millis(1));
        assert_eq!(clock.now(), start);
        assert_eq!(clock.now(), start.plus(Duration::from_millis(1)));
        clock.advance(Duration::from_secs(60));
        assert_eq!(clock.now(), start.plus(Duration::from_millis(60_002)));
        let fixed = Clock::fixed(start);
        assert_eq!(fixed.now(), fixed.now());
    }

    #[test]
    fn unix_forms_agree() {
        let at: Timestamp = "1970-01-01T00:00:01.000002Z".parse().unwrap();
        assert_eq!(at.unix_seconds(), 1);
        assert_eq!(at.unix_micros(), 1_000_002);
        assert_eq!(Timestamp::from_unix_micros(1_000_002), at);
        assert_eq!(
            at.since(at.minus(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
    }
}
