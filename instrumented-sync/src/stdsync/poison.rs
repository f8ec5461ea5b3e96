//! std's poisoning, kept beside each lock that has it.
//!
//! A lock is poisoned when a guard that could write is dropped while its
//! thread panics, unless that thread was already panicking when it took the
//! lock (a lock taken inside a `Drop` during unwinding does not poison), as
//! `std::sync::poison::Flag` does. Reads and writes of the flag are
//! `Relaxed`: the lock itself orders them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{LockResult, PoisonError};
use std::thread;

/// Whether a lock is poisoned.
#[derive(Debug)]
pub(super) struct Flag {
    failed: AtomicBool,
}

/// What one acquisition remembers: whether its thread was already
/// panicking when it took the lock.
#[derive(Debug)]
pub(super) struct Guard {
    panicking: bool,
}

impl Flag {
    pub(super) const fn new() -> Self {
        Flag {
            failed: AtomicBool::new(false),
        }
    }

    /// The state of an acquisition made now.
    pub(super) fn guard(&self) -> Guard {
        Guard {
            panicking: thread::panicking(),
        }
    }

    /// Ends an acquisition: poisons the lock if its thread started
    /// panicking while holding it.
    pub(super) fn done(&self, guard: &Guard) {
        if !guard.panicking && thread::panicking() {
            self.failed.store(true, Ordering::Relaxed);
        }
    }

    pub(super) fn get(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }

    pub(super) fn clear(&self) {
        self.failed.store(false, Ordering::Relaxed);
    }

    /// `value` as `Ok`, or as the `PoisonError` std returns when poisoned.
    pub(super) fn result<T>(&self, value: T) -> LockResult<T> {
        if self.get() {
            Err(PoisonError::new(value))
        } else {
            Ok(value)
        }
    }
}
