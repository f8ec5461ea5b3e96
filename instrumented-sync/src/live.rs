//! The live checks' entry points: what the primitives' calls (through
//! [`hook`](crate::hook), which also runs the policy) do to the lock-order
//! checker's and the watchdog's per-thread state. They build findings and
//! leave acting on them to the caller: a check that found something
//! returns it, or (while the held list is borrowed) leaves it in the
//! thread's pending list and says so.
//!
//! The contract, per blocking operation:
//! 1. before it may block (a `lock()` whose fast path failed, a condvar,
//!    semaphore, event, barrier wait or a join): for a lock,
//!    [`before_lock`] then [`requested`] (the lock-order checks, whose
//!    findings the caller acts on before anything is published), then
//!    [`publish`] (the watchdog slot says what the thread waits for);
//! 2. then exactly one of [`acquired`] (a lock or permit was taken),
//!    [`wait_ended`] (a wait returned, or a timed or try operation gave up).
//!
//! Non-blocking acquisitions (`try_lock` that succeeds) call [`acquired`]
//! with `blocking == false`: they add no lock-order edge. Every release
//! calls [`released`] before the real unlock. A primitive's `Drop` calls
//! [`dropped`] so the lock-order graph forgets it.
//!
//! Condvar waits: the primitive publishes [`Wait::Condvar`] while it still
//! holds the mutex's guard and calls neither [`released`] nor [`acquired`]
//! for the mutex; the checks treat the mutex as released until
//! [`wait_ended`], which the primitive calls once the mutex is re-acquired.
//!
//! Timed operations publish their deadline: a timed wait gives up by
//! itself, so the watchdog never counts it as deadlocked.
//!
//! Waking deadlocked threads: while blocked, a primitive waits in slices
//! and calls [`check_abort`] after each slice that did not end the wait
//! (lockscope's own primitives do this in one place, `blocked.rs`). When
//! the watchdog found the thread deadlocked and the policy says `panic`,
//! [`check_abort`] panics with the report, so a test fails instead of
//! hanging. The primitive must not hold the resource it is waiting for
//! when it calls [`check_abort`].
//!
//! Layering: below this module are the held list ([`crate::held`]), the
//! thread state ([`crate::thread_state`]), the lock-order checks
//! ([`crate::order`]) and the watchdog's registry; above it the policy
//! ([`crate::policy`]) and the hook the primitives call.

use std::panic::Location;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use lockscope_detector::finding::Finding;
use lockscope_detector::trace::{LockMode, PrimitiveKind};

use crate::held::LockInfo;
use crate::live_config;
use crate::meta::PrimitiveMeta;
use crate::thread_state::{self, ThreadState};
use crate::watchdog::registry::{Blocked, WaitDesc};
#[cfg(feature = "record")]
use crate::watchdog::registry::{CondvarWait, Slot};

/// What a thread is about to block on.
#[derive(Clone, Copy, Debug)]
#[cfg_attr(not(feature = "record"), allow(dead_code))]
pub(crate) enum Wait<'a> {
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

/// The lock-order checks before the calling thread blocks on `lock` in
/// `mode` at `site` (a self-deadlock, the recursive-read hazard): the
/// finding to act on before the wait is published.
pub(crate) fn before_lock(
    lock: &PrimitiveMeta,
    mode: LockMode,
    site: &'static Location<'static>,
) -> Option<Finding> {
    thread_state::with(|ts| crate::order::before_lock(ts, lock, mode, site)).flatten()
}

/// The calling thread requests `lock` in `mode` at `site` and will block:
/// whether the checks left findings pending (see [`take_pending`]).
pub(crate) fn requested(
    lock: &PrimitiveMeta,
    mode: LockMode,
    site: &'static Location<'static>,
) -> bool {
    thread_state::with(|ts| crate::order::requested(ts, lock, mode, site)) == Some(true)
}

/// The findings the checks left pending in the calling thread.
pub(crate) fn take_pending() -> Vec<Finding> {
    thread_state::with(|ts| std::mem::take(&mut *ts.pending.borrow_mut())).unwrap_or_default()
}

/// Publishes that the calling thread blocks on `wait` at `site` (until
/// `deadline`, for a timed wait) to the watchdog.
pub(crate) fn publish(wait: Wait<'_>, site: &'static Location<'static>, deadline: Option<Instant>) {
    thread_state::with(|ts| {
        if let Wait::Condvar { mutex, .. } = wait {
            if let Some(h) = ts.held.borrow_mut().take(mutex.id()) {
                ts.stash.borrow_mut().push(h);
            }
        }
        publish_in(ts, wait, site, deadline);
    });
}

fn publish_in(
    ts: &ThreadState,
    wait: Wait<'_>,
    site: &'static Location<'static>,
    deadline: Option<Instant>,
) {
    let on = match wait {
        Wait::Lock { lock, mode } => WaitDesc::Lock {
            lock: LockInfo::of(lock),
            mode,
        },
        Wait::Condvar { condvar, .. } => WaitDesc::Condvar {
            condvar: LockInfo::of(condvar),
        },
        Wait::Semaphore { semaphore } => WaitDesc::Semaphore(LockInfo::of(semaphore)),
        Wait::Event { event } => WaitDesc::Event(LockInfo::of(event)),
        Wait::Barrier { barrier } => WaitDesc::Barrier(LockInfo::of(barrier)),
        Wait::Join { thread } => WaitDesc::Join(thread),
    };
    let backtrace =
        live_config::backtraces().then(|| Arc::new(std::backtrace::Backtrace::force_capture()));
    ts.slot.publish(Blocked {
        on,
        site,
        epoch: 0,
        deadline,
        held: ts.held.borrow().snapshot(),
        backtrace,
        #[cfg(all(feature = "tokio", feature = "record"))]
        task: tokio::task::try_id(),
    });
    ts.blocked.set(true);
}

/// Ends a published block, if any.
#[inline]
fn unblock(ts: &ThreadState) {
    // A load first: the common case (not blocked) writes nothing.
    if ts.blocked.get() {
        ts.blocked.set(false);
        ts.slot.unpublish();
        // Out of the wait after all (another deadlocked thread panicked and
        // released what this one waited for): no panic owed any more.
        ts.slot.doomed.store(false, Ordering::Relaxed);
    }
}

/// The calling thread took `lock` in `mode` at `site`; `blocking` is false
/// for a successful `try_lock`, which adds no lock-order edge. Called for
/// every acquisition, re-entries of a reentrant mutex and semaphore permits
/// included: the checks tell them apart by `kind` (a constant where the
/// caller knows it, so the checks that do not apply compile away) and
/// their own held lists. Returns whether findings are pending (see
/// [`take_pending`]).
#[inline(always)]
pub(crate) fn acquired(
    kind: PrimitiveKind,
    lock: &PrimitiveMeta,
    mode: LockMode,
    blocking: bool,
    site: &'static Location<'static>,
) -> bool {
    // SAFETY: `ts` is used only within this call.
    let Some(ts) = (unsafe { thread_state::current() }) else {
        return false;
    };
    unblock(ts);
    crate::order::acquired(ts, kind, lock, mode, blocking, site)
}

/// The wait announced by [`before_block`] ended without [`acquired`] (a
/// condvar, event, barrier wait or join returned, or a timed or try
/// operation gave up).
#[inline]
pub(crate) fn wait_ended() {
    thread_state::with(|ts| {
        unblock(ts);
        let mut stash = ts.stash.borrow_mut();
        if !stash.is_empty() {
            ts.held.borrow_mut().restore(&mut stash);
        }
    });
}

/// The calling thread is about to release `lock`, of kind `kind` (a
/// constant where the caller knows it).
#[inline(always)]
pub(crate) fn released(kind: PrimitiveKind, lock: &PrimitiveMeta) {
    // SAFETY: `ts` is used only within this call.
    if let Some(ts) = unsafe { thread_state::current() } {
        crate::order::released(ts, kind, lock);
    }
}

/// `prim` is being dropped: forget it.
#[inline]
pub(crate) fn dropped(prim: &PrimitiveMeta) {
    if prim.kind().is_lock() {
        crate::order::learned::forget(prim.id());
    }
}

/// The calling thread is in a condvar wait on `wait` until the returned
/// guard drops: a deadlock verdict wakes it through the condvar (see
/// [`watchdog::registry::Slot::wake_condvar_wait`]). `None` during
/// thread-local teardown.
#[cfg(feature = "record")]
pub(crate) fn in_condvar_wait(wait: CondvarWait) -> Option<InCondvarWait> {
    let slot = thread_state::with(|ts| ts.slot.clone())?;
    slot.set_condvar_wait(Some(wait));
    Some(InCondvarWait(slot))
}

/// See [`in_condvar_wait`]: withdraws the wait when dropped.
#[cfg(feature = "record")]
pub(crate) struct InCondvarWait(Arc<Slot>);

#[cfg(feature = "record")]
impl Drop for InCondvarWait {
    fn drop(&mut self) {
        self.0.set_condvar_wait(None);
    }
}

/// Called by a blocked primitive between wait slices: panics with the
/// deadlock report if the watchdog found this thread deadlocked (policy
/// `panic`). Cheap: one thread-local read and one atomic load.
#[inline]
pub(crate) fn check_abort() {
    let verdict = thread_state::with(|ts| {
        if ts.slot.doomed.swap(false, Ordering::AcqRel) {
            unblock(ts);
            // A condvar waiter holds its mutex again here: its guard will
            // release it while unwinding, so it is held again.
            ts.held.borrow_mut().restore(&mut ts.stash.borrow_mut());
            ts.slot.verdict.lock().take()
        } else {
            None
        }
    });
    if let Some(report) = verdict.flatten() {
        panic!("{report}");
    }
}
