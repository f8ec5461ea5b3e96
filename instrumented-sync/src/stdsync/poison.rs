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

/// One acquisition's part in poisoning: whether its thread was already
/// panicking when it took the lock. Dropped, it poisons the lock if the
/// thread started panicking meanwhile; a guard drops it before unlocking
/// (it is the guard's first field), so the next owner sees the poison.
#[derive(Debug)]
pub(super) struct Guard<'a> {
    flag: &'a Flag,
    panicking: bool,
}

impl<'a> Guard<'a> {
    /// The lock's flag.
    pub(super) fn flag(&self) -> &'a Flag {
        self.flag
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        if !self.panicking && thread::panicking() {
            self.flag.failed.store(true, Ordering::Relaxed);
        }
    }
}

impl Flag {
    pub(super) const fn new() -> Self {
        Flag {
            failed: AtomicBool::new(false),
        }
    }

    /// The poisoning part of an acquisition made now.
    pub(super) fn guard(&self) -> Guard<'_> {
        Guard {
            flag: self,
            panicking: thread::panicking(),
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
