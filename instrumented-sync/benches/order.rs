//! The live checks' cost, against baselines measured in the same run:
//! parking_lot (no checks), tracing-mutex 0.3.3 (lock-order graph) and
//! deloxide 1.1.0 (wait-for graph plus its lock-order graph).
//!
//! - `nested_pair`: lock a then b (an order already known), unlock both.
//! - `first_time_edge/N`: with N fresh locks, lock pairs (i, j), i < j, in
//!   a fixed shuffled order: every pair is an edge the checker has never
//!   seen (throughput = pairs, so the time shown is per first-time edge).
//!   `*_reversed` takes each pair as (j, i): every edge goes against
//!   creation order, lockscope's initial topological order.
//! - `watchdog`: a lock-heavy loop with the watchdog off, then idle.
//!
//! `lockscope_mutex` is `lockscope_sync::Mutex` with no trace open (the
//! live checks plus the recorder's "is a trace open?" load). `LiveMutex`
//! is lockscope's raw mutex calling the live checks the way lockscope's
//! primitives do, without the recorder: the live checks alone. Run: `cargo bench -p lockscope-sync --bench order`.

// tracing-mutex 0.3.3 marks its `parkinglot` module deprecated under that
// feature name, which benches/locks.rs enables; the types are the same.
#![allow(deprecated)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use lockscope_sync::__bench::LiveMutex;
use lockscope_sync::policy::{self, Policy};
use lockscope_sync::prelude::Named;

/// Pairs (i, j), i < j, of `n` locks: `count` of them, distinct, in a
/// fixed pseudo-random order.
fn pairs(n: usize, count: usize) -> Vec<(usize, usize)> {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let (a, b) = (
            (seed % n as u64) as usize,
            ((seed >> 32) % n as u64) as usize,
        );
        if a != b && seen.insert((a.min(b), a.max(b))) {
            out.push((a.min(b), a.max(b)));
        }
    }
    out
}

fn nested_pair(c: &mut Criterion) {
    policy::set_policy(Policy::default().watchdog(None));
    let mut g = c.benchmark_group("nested_pair");
    let (a, b) = (parking_lot::Mutex::new(()), parking_lot::Mutex::new(()));
    g.bench_function("parking_lot", |bch| {
        bch.iter(|| {
            let _a = black_box(&a).lock();
            let _b = black_box(&b).lock();
        })
    });
    let (a, b) = (
        lockscope_sync::Mutex::named("a", ()),
        lockscope_sync::Mutex::named("b", ()),
    );
    g.bench_function("lockscope_mutex", |bch| {
        bch.iter(|| {
            let _a = black_box(&a).lock();
            let _b = black_box(&b).lock();
        })
    });
    let (a, b) = (LiveMutex::default(), LiveMutex::default());
    g.bench_function("lockscope_live", |bch| {
        bch.iter(|| {
            let _a = black_box(&a).lock();
            let _b = black_box(&b).lock();
        })
    });
    let (a, b) = (
        tracing_mutex::parkinglot::tracing::Mutex::new(()),
        tracing_mutex::parkinglot::tracing::Mutex::new(()),
    );
    g.bench_function("tracing_mutex", |bch| {
        bch.iter(|| {
            let _a = black_box(&a).lock();
            let _b = black_box(&b).lock();
        })
    });
    let (a, b) = (deloxide::Mutex::new(()), deloxide::Mutex::new(()));
    g.bench_function("deloxide", |bch| {
        bch.iter(|| {
            let _a = black_box(&a).lock();
            let _b = black_box(&b).lock();
        })
    });
    g.finish();
}

/// Times locking every pair of `pairs` over `n` fresh locks made by
/// `make`; the locks are dropped outside the timing.
fn edges<L>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    n: usize,
    pairs: &[(usize, usize)],
    make: impl Fn() -> L,
    lock_pair: impl Fn(&L, &L),
) {
    g.throughput(Throughput::Elements(pairs.len() as u64));
    g.bench_with_input(BenchmarkId::new(name, n), &n, |bch, &n| {
        bch.iter_batched(
            || (0..n).map(|_| make()).collect::<Vec<L>>(),
            |locks| {
                for &(i, j) in pairs {
                    lock_pair(&locks[i], &locks[j]);
                }
                locks
            },
            BatchSize::PerIteration,
        )
    });
}

fn first_time_edge(c: &mut Criterion) {
    policy::set_policy(Policy::default().watchdog(None));
    let mut g = c.benchmark_group("first_time_edge");
    g.sample_size(10).measurement_time(Duration::from_secs(3));
    for n in [300, 3000] {
        let many = pairs(n, 10_000);
        edges(
            &mut g,
            "lockscope_live",
            n,
            &many,
            LiveMutex::default,
            |a, b| {
                let _a = a.lock();
                let _b = b.lock();
            },
        );
        edges(
            &mut g,
            "lockscope_mutex",
            n,
            &many,
            || lockscope_sync::Mutex::named("m", ()),
            |a, b| {
                let _a = a.lock();
                let _b = b.lock();
            },
        );
        edges(
            &mut g,
            "lockscope_live_reversed",
            n,
            &many,
            LiveMutex::default,
            |a, b| {
                let _b = b.lock();
                let _a = a.lock();
            },
        );
        edges(
            &mut g,
            "tracing_mutex_reversed",
            n,
            &many,
            || tracing_mutex::parkinglot::tracing::Mutex::new(()),
            |a, b| {
                let _b = b.lock();
                let _a = a.lock();
            },
        );
        edges(
            &mut g,
            "tracing_mutex",
            n,
            &many,
            || tracing_mutex::parkinglot::tracing::Mutex::new(()),
            |a, b| {
                let _a = a.lock();
                let _b = b.lock();
            },
        );
        edges(
            &mut g,
            "deloxide",
            n,
            &many[..500],
            || deloxide::Mutex::new(()),
            |a, b| {
                let _a = a.lock();
                let _b = b.lock();
            },
        );
    }
    g.finish();
}

/// A lock-heavy loop: 64 nested pairs over 8 locks, always lower index
/// first (a consistent order).
fn lock_heavy(locks: &[LiveMutex]) {
    for i in 0..64 {
        let _a = locks[i % 4].lock();
        let _b = locks[4 + i % 4].lock();
    }
}

fn watchdog(c: &mut Criterion) {
    let mut g = c.benchmark_group("watchdog");
    let locks: Vec<LiveMutex> = (0..8).map(|_| LiveMutex::default()).collect();
    policy::set_policy(Policy::default().watchdog(None));
    g.bench_function("off", |bch| bch.iter(|| lock_heavy(black_box(&locks))));
    // Starts the watchdog thread, which then scans every 10 ms (10x the
    // default rate) with nothing blocked.
    policy::set_policy(Policy::default().watchdog(Some(Duration::from_millis(10))));
    g.bench_function("idle_every_10ms", |bch| {
        bch.iter(|| lock_heavy(black_box(&locks)))
    });
    // Off again (the thread now only checks the policy every 250 ms): the
    // spread between the two `off` rows is this machine's drift.
    policy::set_policy(Policy::default().watchdog(None));
    g.bench_function("off_again", |bch| {
        bch.iter(|| lock_heavy(black_box(&locks)))
    });
    g.finish();
}

fn start_deloxide() {
    deloxide::Deloxide::new()
        .callback(|_| {})
        .start()
        .expect("deloxide starts once");
}

fn all(c: &mut Criterion) {
    start_deloxide();
    nested_pair(c);
    first_time_edge(c);
    watchdog(c);
}

criterion_group!(benches, all);
criterion_main!(benches);
