//! The contended rows' loop of `locks.rs`: two
//! threads taking one lock in turn, timed from the moment both start to
//! the moment both are done.
//!
//! The two threads are started once per criterion sample, do one warm-up
//! operation untimed, and run their operations in
//! batches. A batch starts when both threads have arrived at a spin
//! barrier of their own (a blocking barrier wakes its threads tens of
//! microseconds apart, and one thread then ran most of a batch alone); each
//! thread reads the clock after that barrier and after its last
//! operation, and a batch's time is from the earlier start to the later
//! end. Between batches the threads wait, untimed, while `between` (a
//! recording's flush) runs. Starting a thread is measured on its own
//! (`locks.rs`, `thread_start`).
//!
//! A contended lock's cost depends on where it sits in its cache line, so
//! the rows place their locks with [`OnLine`] instead of wherever the stack
//! frame puts them: parking_lot's 16-byte `Mutex<u64>` whose value falls on
//! the next line (at byte 56) measured 113 ns an operation against 68 to 77
//! ns on one line, and the stack's offset changes from run to run.

use std::ops::Deref;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::{Duration, Instant};

/// `T` at byte `OFFSET` of a 64-byte cache line.
#[repr(C, align(64))]
pub struct OnLine<const OFFSET: usize, T> {
    _before: [u8; OFFSET],
    value: T,
}

impl<const OFFSET: usize, T> OnLine<OFFSET, T> {
    pub fn new(value: T) -> Self {
        OnLine {
            _before: [0; OFFSET],
            value,
        }
    }
}

impl<const OFFSET: usize, T> Deref for OnLine<OFFSET, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

/// Operations per thread in one batch: with two events an operation, 3 000
/// events, below a recording ring's 4 096, so the timed region holds only
/// event pushes.
pub const BATCH: u64 = 1_500;

/// Two threads each doing `iters` operations `op`, after one untimed `op`;
/// returns the time spent in the batches.
pub fn two_threads(iters: u64, op: &(dyn Fn() + Sync), between: &dyn Fn()) -> Duration {
    let batches: Vec<u64> = (0..iters.div_ceil(BATCH))
        .map(|b| BATCH.min(iters - b * BATCH))
        .collect();
    // Both threads and this one: warmed up; a batch's results are in;
    // `between` has run.
    let ready = Barrier::new(3);
    let done = Barrier::new(3);
    let resume = Barrier::new(3);
    // The spin barrier: arrivals so far (two per batch).
    let arrived = AtomicU64::new(0);
    let spans: [Mutex<(Instant, Instant)>; 2] = std::array::from_fn(|_| {
        let now = Instant::now();
        Mutex::new((now, now))
    });
    let abort = AtomicBool::new(false);
    let mut total = Duration::ZERO;
    let mut failed = None;
    std::thread::scope(|s| {
        for k in 0..2 {
            let (batches, ready, done, resume) = (&batches, &ready, &done, &resume);
            let (arrived, spans, abort) = (&arrived, &spans, &abort);
            s.spawn(move || {
                op();
                ready.wait();
                for (b, &n) in (1u64..).zip(batches) {
                    arrived.fetch_add(1, Ordering::AcqRel);
                    while arrived.load(Ordering::Acquire) < 2 * b {
                        std::hint::spin_loop();
                    }
                    let start = Instant::now();
                    (0..n).for_each(|_| op());
                    *spans[k].lock().unwrap() = (start, Instant::now());
                    done.wait();
                    resume.wait();
                    if abort.load(Ordering::Relaxed) {
                        return;
                    }
                }
            });
        }
        ready.wait();
        for _ in &batches {
            done.wait();
            let (a, b) = (*spans[0].lock().unwrap(), *spans[1].lock().unwrap());
            total += a.1.max(b.1) - a.0.min(b.0);
            // A panic here must not leave the threads waiting for a batch
            // that never comes.
            if let Err(e) = catch_unwind(AssertUnwindSafe(between)) {
                failed = Some(e);
                abort.store(true, Ordering::Relaxed);
            }
            resume.wait();
            if failed.is_some() {
                break;
            }
        }
    });
    if let Some(e) = failed {
        resume_unwind(e);
    }
    total
}
