//! Time as `progress` records it: UTC, to the whole second (so stored timestamps have one
//! width and sort as text).

use time::{OffsetDateTime, UtcOffset};

/// The current time, to the whole second.
pub fn now() -> OffsetDateTime {
    whole_seconds(OffsetDateTime::now_utc())
}

/// `at` in UTC without its fraction of a second.
pub fn whole_seconds(at: OffsetDateTime) -> OffsetDateTime {
    let utc = at.to_offset(UtcOffset::UTC);
    utc.replace_nanosecond(0).unwrap_or(utc)
}
