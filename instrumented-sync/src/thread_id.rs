//! lockscope's own thread ids: a process-wide counter, assigned on a
//! thread's first instrumented operation (or when `lockscope::sync::thread`
//! spawns it). Ids are never reused, unlike OS thread ids.
//!
//! Survives thread-local teardown: a thread whose thread-locals are already
//! destroyed gets [`TORN_DOWN`] instead of a panic.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT: AtomicU64 = AtomicU64::new(1);

/// The id reported for a thread whose thread-locals are being destroyed.
pub const TORN_DOWN: u64 = u64::MAX;

thread_local! {
    static ID: Cell<u64> = const { Cell::new(0) };
}

/// The calling thread's lockscope id (assigned on first call).
#[inline]
pub fn current() -> u64 {
    ID.try_with(|id| match id.get() {
        0 => {
            let fresh = NEXT.fetch_add(1, Ordering::Relaxed);
            id.set(fresh);
            fresh
        }
        known => known,
    })
    .unwrap_or(TORN_DOWN)
}

/// Reserves a fresh id for a thread about to be spawned, so the parent can
/// name the child (in a `fork` event) before it runs; the child takes it with
/// [`adopt`].
pub fn allocate() -> u64 {
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Makes `id` (from [`allocate`]) the calling thread's id if it has none
/// yet; returns whether it did.
pub fn adopt(id: u64) -> bool {
    ID.try_with(|cur| {
        if cur.get() == 0 {
            cur.set(id);
            true
        } else {
            false
        }
    })
    .unwrap_or(false)
}

/// Whether the calling thread already has an id.
pub fn is_assigned() -> bool {
    ID.try_with(|id| id.get() != 0).unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_per_thread_and_distinct_across_threads() {
        let here = current();
        assert_eq!(here, current());
        let there = std::thread::spawn(current).join().unwrap();
        assert_ne!(here, there);
    }
}
