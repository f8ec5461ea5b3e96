//! The contended rows' loop, shared by `locks.rs` and `floor.rs`: two
//! threads taking one lock in turn, timed as the lock's cost under
//! contention and nothing else.
//!
//! The two threads are started once per criterion sample and run their
//! operations in batches, a barrier starting and ending every batch; the
//! time between the two barriers is what is measured, and `between` (a
//! recording's flush) runs after every batch outside it. Starting a thread
//! is measured on its own (`locks.rs`, `thread_start`): with threads
//! spawned per batch, as this loop did before, a row measured start-up as
//! much as contention (docs/performance.md).

use std::sync::Barrier;
use std::time::{Duration, Instant};

/// Operations per thread in one batch: with two events an operation, 3 000
/// events, below a recording ring's 4 096, so the timed region holds only
/// event pushes.
pub const BATCH: u64 = 1_500;

/// Two threads each doing `iters` operations `op`, after `setup(k)` on
/// thread `k` (0 or 1); returns the time spent in the batches.
pub fn two_threads(
    iters: u64,
    setup: &(dyn Fn(usize) + Sync),
    op: &(dyn Fn() + Sync),
    between: &dyn Fn(),
) -> Duration {
    let batches: Vec<u64> = (0..iters.div_ceil(BATCH))
        .map(|b| BATCH.min(iters - b * BATCH))
        .collect();
    let start = Barrier::new(3);
    let end = Barrier::new(3);
    let mut total = Duration::ZERO;
    std::thread::scope(|s| {
        for k in 0..2 {
            let (batches, start, end) = (&batches, &start, &end);
            s.spawn(move || {
                setup(k);
                for &n in batches {
                    start.wait();
                    (0..n).for_each(|_| op());
                    end.wait();
                }
            });
        }
        for _ in &batches {
            let t = Instant::now();
            start.wait();
            end.wait();
            total += t.elapsed();
            between();
        }
    });
    total
}
