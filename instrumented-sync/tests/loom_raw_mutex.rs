//! loom models of the raw mutex and condvar on the model parking lot
//! (`src/raw/loom_lot.rs`): mutual exclusion (loom's `UnsafeCell` reports
//! two holders touching the value at once), no lost wake-up (loom reports
//! a schedule where every thread is blocked), the fair path and hand-over
//! (every second park counts as a long wait), timeouts, and the condvar's
//! requeue onto the mutex. Run by `.ci/loom`.

#![cfg(lockscope_loom)]

use std::time::Instant;

use loom::cell::UnsafeCell;
use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::Arc;
use loom::thread;

use lockscope_sync::__loom::{LoomCondvar, LoomMutex};

/// A value only touched under `lock`.
struct Guarded {
    lock: LoomMutex,
    value: UnsafeCell<u32>,
}

// SAFETY: `value` is only touched with `lock` held.
unsafe impl Sync for Guarded {}

impl Guarded {
    fn new() -> Arc<Self> {
        Arc::new(Guarded {
            lock: LoomMutex::new_loom(),
            value: UnsafeCell::new(0),
        })
    }

    /// Adds one under the lock, released fairly or not.
    fn add(&self, fair: bool) {
        self.lock.lock();
        // SAFETY: the lock is held.
        self.value.with_mut(|v| unsafe { *v += 1 });
        // SAFETY: locked just above.
        unsafe {
            if fair {
                self.lock.unlock_fair()
            } else {
                self.lock.unlock()
            }
        }
    }

    fn value(&self) -> u32 {
        // SAFETY: every other thread has been joined.
        self.value.with(|v| unsafe { *v })
    }
}

#[test]
fn two_threads_exclude_each_other_and_neither_sleeps_forever() {
    loom::model(|| {
        let g = Guarded::new();
        let other = {
            let g = g.clone();
            thread::spawn(move || {
                g.add(false);
                g.add(false);
            })
        };
        g.add(false);
        other.join().unwrap();
        assert_eq!(g.value(), 3);
        assert!(g.lock.try_lock(), "the mutex was left locked");
    });
}

#[test]
fn three_threads_with_fair_releases_exclude_each_other() {
    loom::model(|| {
        let g = Guarded::new();
        let threads: Vec<_> = [true, false]
            .into_iter()
            .map(|fair| {
                let g = g.clone();
                thread::spawn(move || g.add(fair))
            })
            .collect();
        g.add(true);
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(g.value(), 3);
        assert!(g.lock.try_lock(), "the mutex was left locked");
    });
}

#[test]
fn a_timed_lock_either_gets_in_or_leaves_nothing_behind() {
    loom::model(|| {
        let g = Guarded::new();
        let timed = {
            let g = g.clone();
            thread::spawn(move || {
                if g.lock.try_lock_until(Some(Instant::now())) {
                    // SAFETY: the lock is held.
                    g.value.with_mut(|v| unsafe { *v += 1 });
                    // SAFETY: locked just above.
                    unsafe { g.lock.unlock() };
                }
            })
        };
        g.add(false);
        g.add(false);
        timed.join().unwrap();
        assert!((2..=3).contains(&g.value()));
        assert!(g.lock.try_lock(), "the mutex was left locked");
    });
}

#[test]
fn a_notify_after_the_flag_is_set_always_reaches_the_waiter() {
    loom::model(|| {
        let g = Guarded::new();
        let cv = Arc::new(LoomCondvar::new_loom());
        let waiter = {
            let (g, cv) = (g.clone(), cv.clone());
            thread::spawn(move || {
                g.lock.lock();
                // SAFETY: the lock is held (also again after each wait).
                while g.value.with(|v| unsafe { *v }) == 0 {
                    // SAFETY: the lock is held.
                    let timed_out = unsafe { cv.wait_until(&g.lock, None) };
                    assert!(!timed_out);
                }
                // SAFETY: locked above.
                unsafe { g.lock.unlock() };
            })
        };
        g.add(false);
        cv.notify_one();
        waiter.join().unwrap();
    });
}

#[test]
fn notify_all_moves_every_waiter_to_the_mutex_and_each_wakes() {
    loom::model(|| {
        let g = Guarded::new();
        let cv = Arc::new(LoomCondvar::new_loom());
        let woke = Arc::new(AtomicBool::new(false));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let (g, cv, woke) = (g.clone(), cv.clone(), woke.clone());
                thread::spawn(move || {
                    g.lock.lock();
                    // SAFETY: the lock is held (also again after each wait).
                    while g.value.with(|v| unsafe { *v }) == 0 {
                        // SAFETY: the lock is held.
                        unsafe { cv.wait_until(&g.lock, None) };
                    }
                    woke.store(true, Ordering::Relaxed);
                    // SAFETY: locked above.
                    unsafe { g.lock.unlock() };
                })
            })
            .collect();
        g.lock.lock();
        // SAFETY: the lock is held.
        g.value.with_mut(|v| unsafe { *v = 1 });
        cv.notify_all();
        // SAFETY: locked above.
        unsafe { g.lock.unlock() };
        for w in waiters {
            w.join().unwrap();
        }
        assert!(woke.load(Ordering::Relaxed));
    });
}

#[test]
fn a_timed_wait_holds_the_mutex_again_whether_notified_or_not() {
    loom::model(|| {
        let g = Guarded::new();
        let cv = Arc::new(LoomCondvar::new_loom());
        let waiter = {
            let (g, cv) = (g.clone(), cv.clone());
            thread::spawn(move || {
                g.lock.lock();
                // SAFETY: the lock is held.
                unsafe { cv.wait_until(&g.lock, Some(Instant::now())) };
                // SAFETY: held again after the wait.
                g.value.with_mut(|v| unsafe { *v += 1 });
                // SAFETY: held again after the wait.
                unsafe { g.lock.unlock() };
            })
        };
        g.lock.lock();
        cv.notify_one();
        // SAFETY: locked above.
        unsafe { g.lock.unlock() };
        waiter.join().unwrap();
        assert_eq!(g.value(), 1);
        assert!(g.lock.try_lock(), "the mutex was left locked");
    });
}
