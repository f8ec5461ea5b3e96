//! The raw locks under threads: exclusion and counts under contention, the
//! timed, fair, upgrade and downgrade paths, writers against a stream of
//! readers, and the condvar's notifications. (The hand-over to a long
//! waiter is tested next to each lock's state word.)

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use lock_api::{MutexGuard, RwLockReadGuard};

use super::{Condvar, Mutex, RawRwLock, ReentrantMutex};

type RwLock<T> = lock_api::RwLock<RawRwLock, T>;
type RwLockWriteGuard<'a, T> = lock_api::RwLockWriteGuard<'a, RawRwLock, T>;
type RwLockUpgradableReadGuard<'a, T> = lock_api::RwLockUpgradableReadGuard<'a, RawRwLock, T>;

const THREADS: usize = 4;
const OPS: usize = 20_000;

/// Runs `f(thread index)` on `THREADS` threads at once.
fn on_threads(f: impl Fn(usize) + Sync) {
    let start = Barrier::new(THREADS);
    thread::scope(|s| {
        for i in 0..THREADS {
            let (f, start) = (&f, &start);
            s.spawn(move || {
                start.wait();
                f(i)
            });
        }
    });
}

#[test]
fn a_contended_mutex_loses_no_increment_whichever_way_it_is_taken_and_released() {
    let m = Mutex::new(0usize);
    let inside = AtomicUsize::new(0);
    on_threads(|t| {
        for i in 0..OPS {
            let mut g = match (t + i) % 4 {
                0 => m.lock(),
                1 => loop {
                    if let Some(g) = m.try_lock_for(Duration::from_micros(50)) {
                        break g;
                    }
                },
                _ => m.lock(),
            };
            assert_eq!(inside.fetch_add(1, Ordering::Relaxed), 0, "two holders");
            *g += 1;
            inside.fetch_sub(1, Ordering::Relaxed);
            match i % 3 {
                0 => MutexGuard::unlock_fair(g),
                1 => MutexGuard::bump(&mut g),
                _ => drop(g),
            }
        }
    });
    assert_eq!(m.into_inner(), THREADS * OPS);
}

#[test]
fn a_timed_lock_gives_up_at_its_deadline_and_holds_nothing() {
    let m = Mutex::new(());
    let held = m.lock();
    thread::scope(|s| {
        s.spawn(|| {
            let start = Instant::now();
            assert!(m.try_lock_for(Duration::from_millis(30)).is_none());
            assert!(start.elapsed() >= Duration::from_millis(30));
            assert!(m.try_lock().is_none());
        });
    });
    drop(held);
    assert!(m.try_lock().is_some());
}

/// A thread that relocks at once after every unlock would keep a parked
/// waiter out for good if unlocks never handed over; the waiter gets in
/// well within the second (one hand-over after `FAIR_AFTER`).
/// Four readers that hold the lock in turns of a millisecond almost never
/// leave it all at once: a writer gets in only because its claim shuts new
/// readers out while it waits for the ones inside.
#[test]
fn a_writer_is_not_starved_by_a_stream_of_overlapping_readers() {
    let l = RwLock::new(0u64);
    let done = AtomicBool::new(false);
    thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let give_up = Instant::now() + Duration::from_secs(5);
                while !done.load(Ordering::Relaxed) && Instant::now() < give_up {
                    let _r = l.read();
                    thread::sleep(Duration::from_millis(1));
                }
            });
        }
        thread::sleep(Duration::from_millis(20));
        let start = Instant::now();
        *l.write() += 1;
        done.store(true, Ordering::Relaxed);
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "{:?}",
            start.elapsed()
        );
    });
}

#[test]
fn a_contended_rwlock_keeps_writers_alone_and_counts_every_write() {
    let l = RwLock::new((0usize, 0usize));
    let (writers, readers) = (AtomicUsize::new(0), AtomicUsize::new(0));
    on_threads(|t| {
        for i in 0..OPS / 2 {
            match (t + i) % 5 {
                0 | 1 => {
                    let g = l.read();
                    readers.fetch_add(1, Ordering::Relaxed);
                    assert_eq!(writers.load(Ordering::Relaxed), 0);
                    assert_eq!(g.0, g.1, "a reader saw half a write");
                    readers.fetch_sub(1, Ordering::Relaxed);
                    if i % 2 == 0 {
                        RwLockReadGuard::unlock_fair(g);
                    }
                }
                2 => {
                    let mut g = l.write();
                    assert_eq!(writers.fetch_add(1, Ordering::Relaxed), 0);
                    assert_eq!(readers.load(Ordering::Relaxed), 0);
                    g.0 += 1;
                    g.1 += 1;
                    writers.fetch_sub(1, Ordering::Relaxed);
                    if i % 2 == 0 {
                        RwLockWriteGuard::unlock_fair(g);
                    } else {
                        let r = RwLockWriteGuard::downgrade(g);
                        assert_eq!(r.0, r.1);
                    }
                }
                3 => {
                    let u = l.upgradable_read();
                    let mut g = RwLockUpgradableReadGuard::upgrade(u);
                    assert_eq!(writers.fetch_add(1, Ordering::Relaxed), 0);
                    g.0 += 1;
                    g.1 += 1;
                    writers.fetch_sub(1, Ordering::Relaxed);
                    let u = RwLockWriteGuard::downgrade_to_upgradable(g);
                    drop(RwLockUpgradableReadGuard::downgrade(u));
                }
                _ => {
                    let mut g = loop {
                        if let Some(g) = l.try_write_for(Duration::from_micros(50)) {
                            break g;
                        }
                    };
                    assert_eq!(writers.fetch_add(1, Ordering::Relaxed), 0);
                    g.0 += 1;
                    g.1 += 1;
                    writers.fetch_sub(1, Ordering::Relaxed);
                }
            }
        }
    });
    let (a, b) = l.into_inner();
    assert_eq!(a, b);
    let per_thread_writes = |t: usize| (0..OPS / 2).filter(|i| (t + i) % 5 >= 2).count();
    assert_eq!(a, (0..THREADS).map(per_thread_writes).sum::<usize>());
}

#[test]
fn readers_share_the_lock_and_an_upgradable_reader_lets_readers_in() {
    let l = RwLock::new(());
    let both_inside = Barrier::new(2);
    thread::scope(|s| {
        let u = l.upgradable_read();
        s.spawn(|| {
            let _r = l.read();
            both_inside.wait();
        });
        both_inside.wait();
        assert!(l.try_upgradable_read().is_none());
        assert!(l.try_write().is_none());
        drop(u);
    });
}

#[test]
fn a_timed_upgrade_gives_up_with_the_upgradable_lock_still_held() {
    let l = RwLock::new(());
    let reading = l.read();
    let u = l.upgradable_read();
    let u = match RwLockUpgradableReadGuard::try_upgrade_for(u, Duration::from_millis(20)) {
        Ok(_) => panic!("upgraded past a reader"),
        Err(u) => u,
    };
    // The claim is given up: readers get in again, writers still do not.
    thread::scope(|s| {
        s.spawn(|| assert!(l.try_read().is_some()));
    });
    assert!(l.try_write().is_none());
    drop(reading);
    let w = RwLockUpgradableReadGuard::upgrade(u);
    drop(w);
    assert!(l.try_write().is_some());
}

#[test]
fn a_timed_writer_waiting_for_a_reader_gives_its_claim_up() {
    let l = RwLock::new(());
    let reading = l.read();
    thread::scope(|s| {
        s.spawn(|| assert!(l.try_write_for(Duration::from_millis(20)).is_none()));
    });
    assert!(l.try_read().is_some(), "the claim shut readers out");
    drop(reading);
    assert!(l.try_write().is_some());
}

#[test]
fn a_reader_parked_behind_a_writer_is_woken_when_the_writer_leaves() {
    let l = RwLock::new(0);
    let w = l.write();
    thread::scope(|s| {
        let readers: Vec<_> = (0..3).map(|_| s.spawn(|| *l.read())).collect();
        thread::sleep(Duration::from_millis(10));
        let mut w = w;
        *w = 7;
        drop(w);
        for r in readers {
            assert_eq!(r.join().unwrap(), 7);
        }
    });
}

#[test]
fn every_notified_waiter_is_counted_and_wakes() {
    let pair = (Mutex::new(0usize), Condvar::new());
    let woke = AtomicUsize::new(0);
    thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| {
                let mut g = pair.0.lock();
                *g += 1;
                while *g < 10 {
                    pair.1.wait(&mut g);
                }
                woke.fetch_add(1, Ordering::Relaxed);
            });
        }
        while *pair.0.lock() < 3 {
            thread::yield_now();
        }
        let mut g = pair.0.lock();
        *g = 10;
        // All three are queued on the condvar (they hold the mutex until
        // they are), and the notify moves them to the locked mutex.
        assert_eq!(pair.1.notify_all(), 3);
        drop(g);
    });
    assert_eq!(woke.load(Ordering::Relaxed), 3);
    assert!(!pair.1.notify_one());
}

#[test]
fn a_producer_and_consumers_pass_every_item_through_a_condvar() {
    let queue = (Mutex::new(Vec::<usize>::new()), Condvar::new());
    let consumed = AtomicUsize::new(0);
    thread::scope(|s| {
        for _ in 0..3 {
            s.spawn(|| loop {
                let mut q = queue.0.lock();
                while q.is_empty() {
                    if queue
                        .1
                        .wait_for(&mut q, Duration::from_millis(1))
                        .timed_out()
                        && q.is_empty()
                    {
                        continue;
                    }
                }
                let item = q.pop().unwrap();
                if item == usize::MAX {
                    return;
                }
                consumed.fetch_add(1, Ordering::Relaxed);
            });
        }
        for i in 0..OPS {
            queue.0.lock().push(i);
            queue.1.notify_one();
        }
        for _ in 0..3 {
            queue.0.lock().insert(0, usize::MAX);
            queue.1.notify_all();
        }
    });
    assert_eq!(consumed.load(Ordering::Relaxed), OPS);
}

#[test]
fn a_timed_wait_nobody_notifies_times_out_with_the_mutex_held() {
    let (m, c) = (Mutex::new(()), Condvar::new());
    let mut g = m.lock();
    assert!(c.wait_for(&mut g, Duration::from_millis(10)).timed_out());
    assert!(m.is_locked());
}

#[test]
fn a_condvar_refuses_a_second_mutex_while_waited_on() {
    let (c, m1, m2) = (Condvar::new(), Mutex::new(()), Mutex::new(()));
    let locked = AtomicBool::new(false);
    thread::scope(|s| {
        s.spawn(|| {
            let mut g = m1.lock();
            locked.store(true, Ordering::Relaxed);
            c.wait(&mut g);
        });
        while !locked.load(Ordering::Relaxed) {
            thread::yield_now();
        }
        // The waiter releases m1 only once it is queued on the condvar.
        drop(m1.lock());
        let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut g = m2.lock();
            c.wait_for(&mut g, Duration::from_millis(1));
        }));
        assert!(refused.is_err());
        assert!(!m2.is_locked(), "the refused wait left its mutex locked");
        let g = m1.lock();
        assert!(c.notify_one());
        drop(g);
    });
}

#[test]
fn a_reentrant_mutex_is_taken_again_by_its_holder_only() {
    let m = Arc::new(ReentrantMutex::new(5));
    let outer = m.lock();
    let inner = m.lock();
    assert_eq!(*outer + *inner, 10);
    let other = {
        let m = m.clone();
        thread::spawn(move || m.try_lock().is_none())
    };
    assert!(other.join().unwrap());
    drop((outer, inner));
    assert!(m.try_lock().is_some());
}
