//! Stress: 8 threads hammer each primitive while recording; every event
//! must reach the trace, and the trace's order must be a legal one.
//!
//! Every primitive gets the full count of operations per thread: mutex,
//! rwlock (reads, writes, upgradable reads and upgrades), reentrant mutex,
//! semaphore, tracked variable, condvar (producers and consumers that
//! really wait), event and barrier. Thread spawns get a fiftieth of it
//! (a spawn costs some 40 us here). Ops per thread default to 5 000 so
//! the debug suite stays quick; the full run, which CI makes, is
//! `LOCKSCOPE_STRESS_OPS=100000 cargo test -p lockscope-sync --release
//! --test stress`.

#![cfg(feature = "record")]

mod support;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use lockscope_detector::trace::EventKind;
use lockscope_sync::prelude::*;
use lockscope_sync::{
    Barrier, Condvar, Event, Mutex, ReentrantMutex, RwLock, RwLockUpgradableReadGuard, Semaphore,
    Tracked,
};

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
                match (i + k) % 8 {
                    0 | 1 => *l.write() += 1,
                    // An upgradable read, upgraded every other time (an
                    // `upgraded` event; one acquisition, one release).
                    2 => {
                        let g = l.upgradable_read();
                        if k % 2 == 0 {
                            *RwLockUpgradableReadGuard::upgrade(g) += 1;
                        } else {
                            std::hint::black_box(*g);
                        }
                    }
                    _ => {
                        std::hint::black_box(*l.read());
                    }
                }
            }
        })
    });
    let upgrades = (0..THREADS)
        .flat_map(|i| (0..n).map(move |k| (i, k)))
        .filter(|&(i, k)| (i + k) % 8 == 2 && k % 2 == 0)
        .count();
    let obj = t.obj(id);
    assert_eq!(t.count(obj, "acquired"), THREADS * n);
    assert_eq!(t.count(obj, "upgraded"), upgrades);
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
fn tracked_every_access_counted() {
    let n = ops();
    let x = Tracked::named("stress_x", 0u64);
    let (_, t) = support::record(|| {
        hammer(|_| {
            for _ in 0..n {
                x.update(|v| *v += 1);
                let v = x.get();
                x.set(v);
            }
        })
    });
    let c = t.counts();
    assert_eq!(c["update"], THREADS * n);
    assert_eq!(c["read"], THREADS * n);
    assert_eq!(c["write"], THREADS * n);
    support::assert_legal(&t);
}

/// Half the threads produce into a queue and notify one consumer after
/// unlocking (each item and, once, all consumers when done); half wait on
/// the condvar for items. Every item is consumed, every wait ends in a
/// wake-up, every notify is in the trace.
#[test]
fn condvar_hand_offs_every_event_counted_and_legal() {
    let n = ops();
    let producers = THREADS / 2;
    // The queue and how many producers are done.
    let queue = Mutex::named("stress_queue", (VecDeque::new(), 0usize));
    let ready = Condvar::named("stress_ready");
    let cv_id = ready.meta().id();
    let consumed = AtomicU64::new(0);
    let (_, t) = support::record(|| {
        hammer(|i| {
            if i < producers {
                for k in 0..n {
                    queue.lock().0.push_back(k);
                    ready.notify_one();
                }
                queue.lock().1 += 1;
                ready.notify_all();
            } else {
                let mut q = queue.lock();
                loop {
                    ready.wait_while(&mut q, |(items, done)| {
                        items.is_empty() && *done < producers
                    });
                    if q.0.pop_front().is_none() {
                        break;
                    }
                    consumed.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    });
    assert_eq!(consumed.into_inner() as usize, producers * n);
    let cv = t.obj(cv_id);
    assert_eq!(t.count(cv, "notify"), producers * (n + 1));
    let waits = t.count(cv, "cond_wait");
    assert!(waits > 0, "no consumer ever waited");
    assert_eq!(t.count(cv, "cond_woken"), waits);
    support::assert_legal(&t);
}

#[test]
fn event_every_event_counted() {
    let n = ops();
    let ev = Event::named("stress_event");
    let ev_id = ev.meta().id();
    let (_, t) = support::record(|| {
        hammer(|i| {
            for _ in 0..n {
                if i == 0 {
                    ev.set();
                    ev.clear();
                } else {
                    ev.wait_timeout(std::time::Duration::ZERO);
                }
            }
        })
    });
    let e = t.obj(ev_id);
    assert_eq!(t.count(e, "event_set"), n);
    assert_eq!(t.count(e, "event_clear"), n);
    assert_eq!(t.count(e, "event_woken"), (THREADS - 1) * n);
    support::assert_legal(&t);
}

/// Threads spawned through lockscope's helper by every hammering thread:
/// each spawn, start, exit and join is in the trace.
#[test]
fn thread_spawns_every_event_counted() {
    let n = ops() / 50;
    let (_, t) = support::record(|| {
        hammer(|_| {
            for _ in 0..n {
                lockscope_sync::thread::spawn(|| ()).join().unwrap();
            }
        })
    });
    let c = t.counts();
    let spawned = THREADS * n;
    assert_eq!(c.get("fork").copied().unwrap_or(0), spawned, "{c:?}");
    assert_eq!(c.get("join").copied().unwrap_or(0), spawned, "{c:?}");
    assert!(
        c.get("thread_start").copied().unwrap_or(0) >= spawned,
        "{c:?}"
    );
    assert!(
        c.get("thread_exit").copied().unwrap_or(0) >= spawned,
        "{c:?}"
    );
}

#[test]
fn barrier_every_event_counted() {
    let n = ops();
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
