//! loom models of the raw reader-writer lock on the model parking lot
//! (`src/raw/loom_lot.rs`): readers against a writer (loom's `UnsafeCell`
//! reports a write overlapping a read), upgrade and downgrade, a timed
//! writer giving its claim up, and no lost wake-up on either queue (loom
//! reports a schedule where every thread is blocked). Run by `.ci/loom`.

#![cfg(lockscope_loom)]

use std::time::Instant;

use loom::cell::UnsafeCell;
use loom::sync::Arc;
use loom::thread;

use lockscope_sync::__loom::LoomRwLock;

/// A value read under a shared lock and written under an exclusive one.
struct Guarded {
    lock: LoomRwLock,
    value: UnsafeCell<u32>,
}

// SAFETY: `value` is read with a shared lock held and written with the
// exclusive one.
unsafe impl Sync for Guarded {}

impl Guarded {
    fn new() -> Arc<Self> {
        Arc::new(Guarded {
            lock: LoomRwLock::new_loom(),
            value: UnsafeCell::new(0),
        })
    }

    fn read(&self) -> u32 {
        self.lock.lock_shared_until(None);
        // SAFETY: a shared lock is held.
        let v = self.value.with(|v| unsafe { *v });
        // SAFETY: locked just above.
        unsafe { self.lock.unlock_shared() };
        v
    }

    fn write(&self, fair: bool) {
        self.lock.lock_exclusive_until(None);
        // SAFETY: the exclusive lock is held.
        self.value.with_mut(|v| unsafe { *v += 1 });
        // SAFETY: locked just above.
        unsafe { self.lock.unlock_exclusive(fair) };
    }

    fn value(&self) -> u32 {
        // SAFETY: every other thread has been joined.
        self.value.with(|v| unsafe { *v })
    }

    fn is_free(&self) -> bool {
        let free = self.lock.try_lock_exclusive();
        if free {
            // SAFETY: locked just above.
            unsafe { self.lock.unlock_exclusive(false) };
        }
        free
    }
}

#[test]
fn readers_never_overlap_a_writer_and_everyone_finishes() {
    loom::model(|| {
        let g = Guarded::new();
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let g = g.clone();
                thread::spawn(move || g.read())
            })
            .collect();
        g.write(false);
        for r in readers {
            assert!(r.join().unwrap() <= 1);
        }
        assert_eq!(g.value(), 1);
        assert!(g.is_free());
    });
}

#[test]
fn two_writers_exclude_each_other_with_fair_releases() {
    loom::model(|| {
        let g = Guarded::new();
        let other = {
            let g = g.clone();
            thread::spawn(move || g.write(true))
        };
        g.write(true);
        g.write(false);
        other.join().unwrap();
        assert_eq!(g.value(), 3);
        assert!(g.is_free());
    });
}

#[test]
fn an_upgrade_waits_for_the_reader_inside_and_excludes_it() {
    loom::model(|| {
        let g = Guarded::new();
        let reader = {
            let g = g.clone();
            thread::spawn(move || g.read())
        };
        g.lock.lock_upgradable_until(None);
        // SAFETY: the upgradable lock is held.
        unsafe { g.lock.upgrade_until(None) };
        // SAFETY: upgraded to exclusive.
        g.value.with_mut(|v| unsafe { *v += 1 });
        // SAFETY: exclusive, then shared after the downgrade.
        unsafe {
            g.lock.downgrade();
            g.lock.unlock_shared();
        }
        assert!(reader.join().unwrap() <= 1);
        assert!(g.is_free());
    });
}

#[test]
fn a_downgrade_to_upgradable_lets_readers_in_but_not_a_writer() {
    loom::model(|| {
        let g = Guarded::new();
        g.lock.lock_exclusive_until(None);
        let (reader, writer) = {
            let (g1, g2) = (g.clone(), g.clone());
            (
                thread::spawn(move || g1.read()),
                thread::spawn(move || g2.write(false)),
            )
        };
        // SAFETY: exclusive, then upgradable.
        unsafe {
            g.lock.downgrade_to_upgradable();
            g.lock.unlock_upgradable(false);
        }
        reader.join().unwrap();
        writer.join().unwrap();
        assert_eq!(g.value(), 1);
        assert!(g.is_free());
    });
}

#[test]
fn a_timed_writer_that_gives_its_claim_up_wakes_the_readers_behind_it() {
    loom::model(|| {
        let g = Guarded::new();
        g.lock.lock_shared_until(None);
        let writer = {
            let g = g.clone();
            thread::spawn(move || {
                if g.lock.lock_exclusive_until(Some(Instant::now())) {
                    // SAFETY: the exclusive lock is held.
                    g.value.with_mut(|v| unsafe { *v += 1 });
                    // SAFETY: locked just above.
                    unsafe { g.lock.unlock_exclusive(false) };
                }
            })
        };
        let reader = {
            let g = g.clone();
            thread::spawn(move || g.read())
        };
        // SAFETY: locked above.
        unsafe { g.lock.unlock_shared() };
        writer.join().unwrap();
        reader.join().unwrap();
        assert!(g.is_free());
    });
}

#[test]
fn a_timed_upgrade_that_gives_up_keeps_the_upgradable_lock() {
    loom::model(|| {
        let g = Guarded::new();
        let reader = {
            let g = g.clone();
            thread::spawn(move || g.read())
        };
        g.lock.lock_upgradable_until(None);
        // SAFETY: the upgradable lock is held.
        if unsafe { g.lock.upgrade_until(Some(Instant::now())) } {
            // SAFETY: upgraded to exclusive.
            g.value.with_mut(|v| unsafe { *v += 1 });
            // SAFETY: exclusive.
            unsafe { g.lock.unlock_exclusive(false) };
        } else {
            assert!(
                !g.lock.try_lock_upgradable(),
                "the upgradable lock was lost"
            );
            // SAFETY: still upgradable.
            unsafe { g.lock.unlock_upgradable(true) };
        }
        reader.join().unwrap();
        assert!(g.is_free());
    });
}
