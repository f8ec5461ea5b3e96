//! Lock costs against parking_lot, std, tracing-mutex and deloxide, all in
//! one run (the table in `docs/performance.md` comes from here):
//!
//! `cargo bench -p lockscope-sync --bench locks`
//!
//! Rows: `lockscope_raw` is lockscope's uninstrumented raw lock under
//! lock_api's type (what `lockscope_sync::Mutex` is with the `record`
//! feature off); `lockscope_off` is lockscope with recording compiled in
//! but no trace open; `lockscope_rec` records into a trace (written to
//! /dev/null).
//! Recording rows run in batches of at most 3 000 events with a flush
//! between batches outside the timed region: they time the hot path (the
//! event push), not the serialisation, which the last group measures.

// tracing-mutex 0.3.3 names its module `parkinglot` and marks it deprecated.
#![allow(deprecated)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use lockscope_sync::__bench::{RawMutex, RawRwLock};

/// lockscope's locks with the `record` feature off.
type RawMutexLock<T> = lock_api::Mutex<RawMutex, T>;
type RawRwLockLock<T> = lock_api::RwLock<RawRwLock, T>;

/// Events a recording batch may produce: below a ring's 4 096, so the
/// timed region holds only event pushes.
const EVENTS_PER_BATCH: u64 = 3_000;

/// Times `op` (which records `events` events) `iters` times; with
/// `recording`, in batches flushed between, outside the timed region.
fn timed(iters: u64, recording: bool, events: u64, mut op: impl FnMut()) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let n = if recording {
            left.min(EVENTS_PER_BATCH / events)
        } else {
            left
        };
        let start = Instant::now();
        for _ in 0..n {
            op();
        }
        total += start.elapsed();
        if recording {
            lockscope_sync::flush().expect("flush");
        }
        left -= n;
    }
    total
}

fn recording() -> lockscope_sync::Recording {
    lockscope_sync::record_to("/dev/null").expect("record to /dev/null")
}

fn uncontended(c: &mut Criterion) {
    let mut g = c.benchmark_group("uncontended_lock_unlock");
    let pl = parking_lot::Mutex::new(0u64);
    g.bench_function("parking_lot", |b| b.iter(|| *pl.lock() += 1));
    let st = std::sync::Mutex::new(0u64);
    g.bench_function("std", |b| b.iter(|| *st.lock().unwrap() += 1));
    let raw = RawMutexLock::new(0u64);
    g.bench_function("lockscope_raw", |b| b.iter(|| *raw.lock() += 1));
    let ls = lockscope_sync::Mutex::new(0u64);
    g.bench_function("lockscope_off", |b| b.iter(|| *ls.lock() += 1));
    g.bench_function("lockscope_rec", |b| {
        let _rec = recording();
        b.iter_custom(|iters| timed(iters, true, 2, || *ls.lock() += 1))
    });
    let tm = tracing_mutex::parkinglot::tracing::Mutex::new(0u64);
    g.bench_function("tracing_mutex", |b| b.iter(|| *tm.lock() += 1));
    let dl = deloxide::Mutex::new(0u64);
    g.bench_function("deloxide", |b| b.iter(|| *dl.lock() += 1));
    g.finish();
}

fn nested(c: &mut Criterion, depth: usize, name: &str) {
    let mut g = c.benchmark_group(name);
    let pl: Vec<_> = (0..depth).map(|_| parking_lot::Mutex::new(0u64)).collect();
    g.bench_function("parking_lot", |b| {
        b.iter(|| {
            let gs: Vec<_> = pl.iter().map(|m| m.lock()).collect();
            black_box(gs);
        })
    });
    let st: Vec<_> = (0..depth).map(|_| std::sync::Mutex::new(0u64)).collect();
    g.bench_function("std", |b| {
        b.iter(|| {
            let gs: Vec<_> = st.iter().map(|m| m.lock().unwrap()).collect();
            black_box(gs);
        })
    });
    let ls: Vec<_> = (0..depth)
        .map(|_| lockscope_sync::Mutex::new(0u64))
        .collect();
    let chain = |ls: &[lockscope_sync::Mutex<u64>]| {
        let gs: Vec<_> = ls.iter().map(|m| m.lock()).collect();
        black_box(gs);
    };
    g.bench_function("lockscope_off", |b| b.iter(|| chain(&ls)));
    g.bench_function("lockscope_rec", |b| {
        let _rec = recording();
        b.iter_custom(|iters| timed(iters, true, 2 * depth as u64, || chain(&ls)))
    });
    let tm: Vec<_> = (0..depth)
        .map(|_| tracing_mutex::parkinglot::tracing::Mutex::new(0u64))
        .collect();
    g.bench_function("tracing_mutex", |b| {
        b.iter(|| {
            let gs: Vec<_> = tm.iter().map(|m| m.lock()).collect();
            black_box(gs);
        })
    });
    let dl: Vec<_> = (0..depth).map(|_| deloxide::Mutex::new(0u64)).collect();
    g.bench_function("deloxide", |b| {
        b.iter(|| {
            let gs: Vec<_> = dl.iter().map(|m| m.lock()).collect();
            black_box(gs);
        })
    });
    g.finish();
}

fn nested_pair(c: &mut Criterion) {
    nested(c, 2, "nested_pair");
}

fn chain_of_8(c: &mut Criterion) {
    nested(c, 8, "chain_of_8");
}

fn rwlock_read(c: &mut Criterion) {
    let mut g = c.benchmark_group("rwlock_read");
    let pl = parking_lot::RwLock::new(1u64);
    g.bench_function("parking_lot", |b| b.iter(|| black_box(*pl.read())));
    let st = std::sync::RwLock::new(1u64);
    g.bench_function("std", |b| b.iter(|| black_box(*st.read().unwrap())));
    let raw = RawRwLockLock::new(1u64);
    g.bench_function("lockscope_raw", |b| b.iter(|| black_box(*raw.read())));
    let ls = lockscope_sync::RwLock::new(1u64);
    g.bench_function("lockscope_off", |b| b.iter(|| black_box(*ls.read())));
    g.bench_function("lockscope_rec", |b| {
        let _rec = recording();
        b.iter_custom(|iters| {
            timed(iters, true, 2, || {
                black_box(*ls.read());
            })
        })
    });
    let tm = tracing_mutex::parkinglot::tracing::RwLock::new(1u64);
    g.bench_function("tracing_mutex", |b| b.iter(|| black_box(*tm.read())));
    let dl = deloxide::RwLock::new(1u64);
    g.bench_function("deloxide", |b| b.iter(|| black_box(*dl.read())));
    g.finish();
}

fn rwlock_write(c: &mut Criterion) {
    let mut g = c.benchmark_group("rwlock_write");
    let pl = parking_lot::RwLock::new(1u64);
    g.bench_function("parking_lot", |b| b.iter(|| *pl.write() += 1));
    let st = std::sync::RwLock::new(1u64);
    g.bench_function("std", |b| b.iter(|| *st.write().unwrap() += 1));
    let raw = RawRwLockLock::new(1u64);
    g.bench_function("lockscope_raw", |b| b.iter(|| *raw.write() += 1));
    let ls = lockscope_sync::RwLock::new(1u64);
    g.bench_function("lockscope_off", |b| b.iter(|| *ls.write() += 1));
    g.bench_function("lockscope_rec", |b| {
        let _rec = recording();
        b.iter_custom(|iters| timed(iters, true, 2, || *ls.write() += 1))
    });
    g.finish();
}

#[path = "support/two_threads.rs"]
mod support;
use support::{two_threads, OnLine};

fn flush() {
    lockscope_sync::flush().expect("flush");
}

fn contended(c: &mut Criterion) {
    let mut g = c.benchmark_group("two_threads_one_mutex");
    let pl = OnLine::<0, _>::new(parking_lot::Mutex::new(0u64));
    g.bench_function("parking_lot", |b| {
        b.iter_custom(|i| two_threads(i, &|| *pl.lock() += 1, &|| ()))
    });
    let st = OnLine::<0, _>::new(std::sync::Mutex::new(0u64));
    g.bench_function("std", |b| {
        b.iter_custom(|i| two_threads(i, &|| *st.lock().unwrap() += 1, &|| ()))
    });
    let raw = OnLine::<0, _>::new(RawMutexLock::new(0u64));
    g.bench_function("lockscope_raw", |b| {
        b.iter_custom(|i| two_threads(i, &|| *raw.lock() += 1, &|| ()))
    });
    let ls = OnLine::<0, _>::new(lockscope_sync::Mutex::new(0u64));
    g.bench_function("lockscope_off", |b| {
        b.iter_custom(|i| two_threads(i, &|| *ls.lock() += 1, &|| ()))
    });
    g.bench_function("lockscope_rec", |b| {
        let _rec = recording();
        b.iter_custom(|i| two_threads(i, &|| *ls.lock() += 1, &flush))
    });
    let tm = OnLine::<0, _>::new(tracing_mutex::parkinglot::tracing::Mutex::new(0u64));
    g.bench_function("tracing_mutex", |b| {
        b.iter_custom(|i| two_threads(i, &|| *tm.lock() += 1, &|| ()))
    });
    let dl = OnLine::<0, _>::new(deloxide::Mutex::new(0u64));
    g.bench_function("deloxide", |b| {
        b.iter_custom(|i| two_threads(i, &|| *dl.lock() += 1, &|| ()))
    });
    g.finish();
}

/// Two threads writing under one rwlock.
fn contended_rwlock(c: &mut Criterion) {
    let mut g = c.benchmark_group("two_threads_one_rwlock");
    let pl = OnLine::<0, _>::new(parking_lot::RwLock::new(0u64));
    g.bench_function("parking_lot", |b| {
        b.iter_custom(|i| two_threads(i, &|| *pl.write() += 1, &|| ()))
    });
    let raw = OnLine::<0, _>::new(RawRwLockLock::new(0u64));
    g.bench_function("lockscope_raw", |b| {
        b.iter_custom(|i| two_threads(i, &|| *raw.write() += 1, &|| ()))
    });
    let ls = OnLine::<0, _>::new(lockscope_sync::RwLock::new(0u64));
    g.bench_function("lockscope_rec", |b| {
        let _rec = recording();
        b.iter_custom(|i| two_threads(i, &|| *ls.write() += 1, &flush))
    });
    g.finish();
}

/// The contended loop with the lock at each 16-byte offset of a cache
/// line (and at byte 56, where parking_lot's value falls on the next
/// line): how much of a contended row is where the lock sits.
fn contended_by_placement(c: &mut Criterion) {
    let mut g = c.benchmark_group("two_threads_by_placement");
    macro_rules! at {
        ($($offset:literal),*) => {$(
            let pl = OnLine::<$offset, _>::new(parking_lot::Mutex::new(0u64));
            g.bench_function(concat!("parking_lot@", $offset), |b| {
                b.iter_custom(|i| two_threads(i, &|| *pl.lock() += 1, &|| ()))
            });
            let ls = OnLine::<$offset, _>::new(lockscope_sync::Mutex::new(0u64));
            g.bench_function(concat!("lockscope_rec@", $offset), |b| {
                let _rec = recording();
                b.iter_custom(|i| two_threads(i, &|| *ls.lock() += 1, &flush))
            });
        )*};
    }
    at!(0, 16, 32, 48, 56);
    g.finish();
}

/// Two threads started for every batch of 1 500 lock+unlocks each, while a
/// trace records with no flush of its own: the background thread writes
/// the trace meanwhile, and every new thread declares itself to the sink.
/// What a program that starts threads as it goes pays; the recording row
/// includes serialisation on this 2-core machine's other core.
fn threads_started_per_batch(c: &mut Criterion) {
    let mut g = c.benchmark_group("threads_started_per_batch");
    let batches = |iters: u64, op: &(dyn Fn() + Sync)| {
        let start = Instant::now();
        let mut left = iters;
        while left > 0 {
            let n = left.min(support::BATCH);
            std::thread::scope(|s| {
                for _ in 0..2 {
                    s.spawn(|| (0..n).for_each(|_| op()));
                }
            });
            left -= n;
        }
        start.elapsed()
    };
    let pl = OnLine::<0, _>::new(parking_lot::Mutex::new(0u64));
    g.bench_function("parking_lot", |b| {
        b.iter_custom(|i| batches(i, &|| *pl.lock() += 1))
    });
    let ls = OnLine::<0, _>::new(lockscope_sync::Mutex::new(0u64));
    g.bench_function("lockscope_rec", |b| {
        let _rec = recording();
        b.iter_custom(|i| batches(i, &|| *ls.lock() += 1))
    });
    g.finish();
}

/// Starting and joining a thread that takes one mutex once: what the
/// per-thread state costs (lockscope's live-check state, its ring and the
/// thread's declaration in the trace), measured apart from contention.
/// Recording rows flush every 256 threads, outside the timed region.
fn thread_start(c: &mut Criterion) {
    let mut g = c.benchmark_group("thread_start");
    let spawn_one = |op: &(dyn Fn() + Sync)| {
        std::thread::scope(|s| {
            s.spawn(op);
        })
    };
    let pl = parking_lot::Mutex::new(0u64);
    g.bench_function("parking_lot", |b| b.iter(|| spawn_one(&|| *pl.lock() += 1)));
    let ls = lockscope_sync::Mutex::new(0u64);
    g.bench_function("lockscope_off", |b| {
        b.iter(|| spawn_one(&|| *ls.lock() += 1))
    });
    g.bench_function("lockscope_rec", |b| {
        let _rec = recording();
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for i in 0..iters {
                let start = Instant::now();
                spawn_one(&|| *ls.lock() += 1);
                total += start.elapsed();
                if i % 256 == 255 {
                    flush();
                }
            }
            total
        })
    });
    let tm = tracing_mutex::parkinglot::tracing::Mutex::new(0u64);
    g.bench_function("tracing_mutex", |b| {
        b.iter(|| spawn_one(&|| *tm.lock() += 1))
    });
    g.finish();
}

/// Sustained recording including serialisation: lock/unlock with a trace
/// open and every event written (to /dev/null) before the time stops.
fn sustained(c: &mut Criterion) {
    let mut g = c.benchmark_group("sustained_recording_with_serialisation");
    let ls = lockscope_sync::Mutex::new(0u64);
    g.bench_function("lockscope_rec_and_write", |b| {
        let _rec = recording();
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                *ls.lock() += 1;
            }
            lockscope_sync::flush().expect("flush");
            start.elapsed()
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
}

criterion_group! {
    name = benches;
    config = config();
    targets = uncontended, nested_pair, chain_of_8, rwlock_read, rwlock_write, contended, contended_rwlock, contended_by_placement, thread_start, threads_started_per_batch, sustained
}
criterion_main!(benches);
