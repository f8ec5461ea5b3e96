//! Event timestamps: a hybrid logical clock.
//!
//! Every event's time is `max(thread's last + 1, synchronising object's
//! clock + 1, coarse now)`, in nanoseconds since the process-wide start.
//! The object clocks (a lock's last release, a condvar's last notify, ...)
//! make the clock consistent with happens-before: an acquisition is always
//! later than the release it follows, so sorting by time gives a legal
//! order. The physical part is [`coarse`], a shared atomic raised every
//! millisecond by the recorder's background thread and exactly by every
//! slow path that blocks ([`precise`]).
//!
//! # Performance
//! Reading the coarse clock is one relaxed load (its cache line changes once
//! a millisecond). A precise reading (`Instant::now`, ~25 ns here, `rdtsc`
//! ~10 ns) per event would triple the cost of an uncontended lock, which is
//! ~5 ns, so it is taken only where the thread blocks anyway.
//!
//! # Limitations
//! Times of events between ticks advance by logical steps of 1 ns: hold
//! times shorter than a millisecond read as a few ns unless the thread
//! blocked; waits that block are timed exactly.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

static START: OnceLock<Instant> = OnceLock::new();
static COARSE: AtomicU64 = AtomicU64::new(0);

/// The process-wide time origin.
pub(crate) fn origin() -> Instant {
    *START.get_or_init(Instant::now)
}

/// Nanoseconds since [`origin`], exactly; raises the coarse clock.
pub(crate) fn precise() -> u64 {
    let now = u64::try_from(origin().elapsed().as_nanos()).unwrap_or(u64::MAX);
    COARSE.fetch_max(now, Ordering::Relaxed);
    now
}

/// The coarse clock: at most about a millisecond behind [`precise`] while a
/// trace is recorded.
#[inline]
pub(crate) fn coarse() -> u64 {
    COARSE.load(Ordering::Relaxed)
}

/// The next timestamp of a thread whose last event was at `last`, after an
/// event at `after` (0 when nothing synchronises).
#[inline]
pub(crate) fn next(last: u64, after: u64) -> u64 {
    (last + 1).max(after + 1).max(coarse())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_after_both_the_thread_and_the_object() {
        assert_eq!(next(5, 9).max(10), next(5, 9));
        assert!(next(100, 3) > 100);
    }

    #[test]
    fn precise_raises_coarse() {
        let p = precise();
        assert!(coarse() >= p);
    }
}
