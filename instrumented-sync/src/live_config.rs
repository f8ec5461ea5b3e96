//! The policy's settings that the live checks read on their own paths: a
//! leaf of atomics that [`policy`](crate::policy) writes whenever the
//! policy is set (from the environment on first use, or by `set_policy`)
//! and the watchdog and the blocking path read without a lock.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// The watchdog's scan interval in milliseconds; 0 when it is off.
static WATCHDOG_MS: AtomicU64 = AtomicU64::new(0);
/// Whether a stall of the registered threads alone is a deadlock.
static STALL_REGISTERED: AtomicBool = AtomicBool::new(false);
/// Whether blocking waits capture backtraces.
static BACKTRACES: AtomicBool = AtomicBool::new(false);

/// Publishes the settings of the policy in force.
pub(crate) fn set(watchdog: Option<Duration>, stall_registered: bool, backtraces: bool) {
    let ms = watchdog.map_or(0, |d| (d.as_millis() as u64).max(1));
    WATCHDOG_MS.store(ms, Ordering::Relaxed);
    STALL_REGISTERED.store(stall_registered, Ordering::Relaxed);
    BACKTRACES.store(backtraces, Ordering::Relaxed);
}

/// The watchdog's scan interval, if it is on.
pub(crate) fn watchdog_interval() -> Option<Duration> {
    match WATCHDOG_MS.load(Ordering::Relaxed) {
        0 => None,
        ms => Some(Duration::from_millis(ms)),
    }
}

/// Whether only registered threads count for a stall.
pub(crate) fn stall_registered() -> bool {
    STALL_REGISTERED.load(Ordering::Relaxed)
}

/// Whether blocking waits capture backtraces.
pub(crate) fn backtraces() -> bool {
    BACKTRACES.load(Ordering::Relaxed)
}
