//! Stress: 8 threads hammer each primitive while recording; every event
//! must reach the trace, and the trace's order must be a legal one.
//!
//! Ops per thread default to 5 000 so the debug suite stays quick; the
//! full run is `LOCKSCOPE_STRESS_OPS=100000 cargo test -p lockscope-sync
//! --release --test stress`.

#![cfg(feature = "record")]

mod support;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use lockscope_detector::trace::EventKind;
use lockscope_sync::prelude::*;
use lockscope_sync::{Barrier, Condvar, Event, Mutex, ReentrantMutex, RwLock, Semaphore, Tracked};

const THREADS: usize = 8;

fn ops() -> usize {
    std::env::var("LOCKSCOPE_STRESS_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000)
}

fn hammer(f: impl Fn(usize) + Sync) {
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let f = &f;
            s.spawn(move || f(t));
        }
    });
}

#[test]
fn mutex_every_event_counted_and_legal() {
    let n = ops();
    let m = Mutex::named("stress_mutex", 0usize);
    let id = m.identity().id();
    let (_, t) = support::record(|| {
        hammer(|_| {
            for _ in 0..n {
                *m.lock() += 1;
            }
        })
    });
    assert_eq!(*m.lock(), THREADS * n);
    let obj = t.obj(id);
    assert_eq!(t.count(obj, "acquired"), THREADS * n);
    assert_eq!(t.count(obj, "released"), THREADS * n);
    support::assert_legal(&t);
}

#[test]
fn rwlock_every_event_counted_and_legal() {
    let n = ops();
    let l = RwLock::named("stress_rwlock", 0usize);
    let id = l.identity().id();
    let (_, t) = support::record(|| {
        hammer(|i| {
            for k in 0..n {
                if (i + k) % 4 == 0 {
                    *l.write() += 1;
                } else {
                    std::hint::black_box(*l.read());
                }
            }
        })
    });
    let obj = t.obj(id);
    assert_eq!(t.count(obj, "acquired"), THREADS * n);
    assert_eq!(t.count(obj, "released"), THREADS * n);
    support::assert_legal(&t);
}

#[test]
fn reentrant_every_event_counted_and_legal() {
    let n = ops();
    let m = ReentrantMutex::named("stress_rlock", ());
    let id = m.meta().id();
    let (_, t) = support::record(|| {
        hammer(|_| {
            for _ in 0..n / 2 {
                let _a = m.lock();
                let _b = m.lock();
            }
        })
    });
    let obj = t.obj(id);
    assert_eq!(t.count(obj, "acquired"), THREADS * (n / 2) * 2);
    assert_eq!(t.count(obj, "released"), THREADS * (n / 2) * 2);
    support::assert_legal(&t);
}

#[test]
fn semaphore_every_event_counted_and_never_over_subscribed() {
    let n = ops();
    let s = Semaphore::named("stress_sem", 3);
    let id = s.meta().id();
    let (_, t) = support::record(|| {
        hammer(|_| {
            for _ in 0..n {
                drop(s.acquire());
            }
        })
    });
    let obj = t.obj(id);
    assert_eq!(t.count(obj, "sem_acquired"), THREADS * n);
    assert_eq!(t.count(obj, "sem_released"), THREADS * n);
    let mut out = 0i64;
    for k in t.of(obj) {
        match k {
            EventKind::SemAcquired { .. } => out += 1,
            EventKind::SemReleased { .. } => out -= 1,
            _ => {}
        }
        assert!((0..=3).contains(&out), "{out} permits out in trace order");
    }
}

#[test]
fn tracked_condvar_event_every_event_counted() {
    let n = ops() / 10;
    let x = Tracked::named("stress_x", 0u64);
    let pair = (
        Mutex::named("stress_cv_lock", 0usize),
        Condvar::named("stress_cv"),
    );
    let ev = Event::named("stress_event");
    let cv_id = pair.1.meta().id();
    let ev_id = ev.meta().id();
    let notified = AtomicU64::new(0);
    let (_, t) = support::record(|| {
        hammer(|i| {
            for _ in 0..n {
                x.update(|v| *v += 1);
                let v = x.get();
                x.set(v);
                if i == 0 {
                    ev.set();
                    ev.clear();
                } else {
                    ev.wait_timeout(std::time::Duration::ZERO);
                }
                let mut g = pair.0.lock();
                *g += 1;
                notified.fetch_add(pair.1.notify_all() as u64, Ordering::Relaxed);
            }
        })
    });
    let c = t.counts();
    assert_eq!(c["update"] + c["read"] + c["write"], THREADS * n * 3);
    let cv = t.obj(cv_id);
    assert_eq!(t.count(cv, "notify"), THREADS * n);
    let e = t.obj(ev_id);
    assert_eq!(t.count(e, "event_set") + t.count(e, "event_clear"), 2 * n);
    assert_eq!(t.count(e, "event_woken"), (THREADS - 1) * n);
    support::assert_legal(&t);
}

#[test]
fn barrier_every_event_counted() {
    let n = ops() / 100;
    let b = Barrier::named("stress_barrier", THREADS);
    let id = b.meta().id();
    let (_, t) = support::record(|| {
        hammer(|_| {
            for _ in 0..n {
                b.wait();
            }
        })
    });
    let obj = t.obj(id);
    assert_eq!(t.count(obj, "barrier_wait"), THREADS * n);
    assert_eq!(t.count(obj, "barrier_passed"), THREADS * n);
    // The j-th pass belongs to generation ceil(j / THREADS), which needs
    // all of that generation's arrivals before it.
    let mut arrived = 0;
    let mut passed = 0;
    for k in t.of(obj) {
        match k {
            EventKind::BarrierWait { .. } => arrived += 1,
            EventKind::BarrierPassed { .. } => {
                passed += 1;
                assert!(
                    arrived >= usize::div_ceil(passed, THREADS) * THREADS,
                    "pass {passed} before its arrivals"
                );
            }
            _ => {}
        }
    }
}

/// Threads started in batches while another thread flushes without pause,
/// each filling its ring more than once: a write releases the sink's lock
/// between chunks, so threads and locks are declared, and full rings
/// collected, in the middle of writes. Every event must still reach the
/// trace after its declarations, in a legal order.
#[test]
fn threads_started_during_writes_every_event_counted_and_legal() {
    const BATCHES: usize = 10;
    // More than a ring's 4 096 events per thread: rings fill mid-write.
    let n = 1_500;
    let shared = Mutex::named("written_while_declaring", 0usize);
    let id = shared.identity().id();
    let stop = AtomicBool::new(false);
    let (_, t) = support::record(|| {
        std::thread::scope(|s| {
            s.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    lockscope_sync::flush().expect("flush");
                }
            });
            for _ in 0..BATCHES {
                hammer(|_| {
                    let own = Mutex::new(0usize);
                    for _ in 0..n {
                        *shared.lock() += 1;
                        *own.lock() += 1;
                    }
                });
            }
            stop.store(true, Ordering::Relaxed);
        });
    });
    let ops = BATCHES * THREADS * n;
    assert_eq!(t.count(t.obj(id), "acquired"), ops);
    assert_eq!(t.counts()["acquired"], 2 * ops);
    assert_eq!(t.counts()["released"], 2 * ops);
    support::assert_legal(&t);
}
