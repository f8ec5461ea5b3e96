//! The live checks' entry points: every primitive calls these, and only
//! these, to tell the lock-order checker and the deadlock watchdog what it
//! is doing. They are small, non-generic functions so the generic lock
//! shims stay thin.
//!
//! The contract, per blocking operation:
//! 1. [`before_block`] when the operation may block: a `lock()` (after its
//!    fast path failed, or always: the implementation decides), a condvar,
//!    semaphore, event, barrier wait or a join. It may panic (a
//!    self-deadlock, a policy set to panic).
//! 2. then exactly one of [`acquired`] (a lock or permit was taken),
//!    [`wait_ended`] (a wait returned, or a timed or try operation gave up).
//!
//! Non-blocking acquisitions (`try_lock` that succeeds) call [`acquired`]
//! with `blocking == false`: they add no lock-order edge. Every release calls
//! [`released`] before the real unlock. A primitive's `Drop` calls
//! [`dropped`] so the lock-order graph forgets it.
//!
//! This file is the contract between the primitives (`mutex`, `rwlock`, ...)
//! and the live checks (`order`, `watchdog`); the checks' state lives in
//! their own modules.

use std::panic::Location;

use lockscope_detector::trace::LockMode;

use crate::meta::PrimitiveMeta;

/// What a thread is about to block on.
#[derive(Clone, Copy, Debug)]
pub enum Wait<'a> {
    /// A lock (mutex, rwlock, reentrant mutex) in `mode`.
    Lock {
        lock: &'a PrimitiveMeta,
        mode: LockMode,
    },
    /// A notification on `condvar`; `mutex` has been released.
    Condvar {
        condvar: &'a PrimitiveMeta,
        mutex: &'a PrimitiveMeta,
    },
    /// A semaphore permit.
    Semaphore { semaphore: &'a PrimitiveMeta },
    /// An event to be set.
    Event { event: &'a PrimitiveMeta },
    /// The other parties of a barrier.
    Barrier { barrier: &'a PrimitiveMeta },
    /// A thread (by lockscope thread id) to exit.
    Join { thread: u64 },
}

/// The calling thread is about to block on `wait` at `site`.
#[inline]
pub fn before_block(wait: Wait<'_>, site: &'static Location<'static>) {
    let _ = (wait, site);
}

/// The calling thread took `lock` in `mode` at `site`; `blocking` is false
/// for a successful `try_lock`, which adds no lock-order edge. Called for
/// every acquisition, re-entries of a reentrant mutex and semaphore permits
/// included: the checks tell them apart by `lock.kind()` and their own
/// held lists.
#[inline]
pub fn acquired(
    lock: &PrimitiveMeta,
    mode: LockMode,
    blocking: bool,
    site: &'static Location<'static>,
) {
    let _ = (lock, mode, blocking, site);
}

/// The wait announced by [`before_block`] ended without [`acquired`] (a
/// condvar, event, barrier wait or join returned, or a timed or try
/// operation gave up).
#[inline]
pub fn wait_ended() {}

/// The calling thread is about to release `lock` (held in `mode`).
#[inline]
pub fn released(lock: &PrimitiveMeta, mode: LockMode) {
    let _ = (lock, mode);
}

/// `prim` is being dropped: forget it.
#[inline]
pub fn dropped(prim: &PrimitiveMeta) {
    let _ = prim;
}
