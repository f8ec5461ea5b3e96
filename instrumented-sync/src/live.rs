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
//! Condvar waits: the primitive calls [`before_block`] with
//! [`Wait::Condvar`] while it still holds the mutex's guard and *not*
//! [`released`]/[`acquired`] for the mutex; the checks treat the mutex as
//! released until [`wait_ended`], which the primitive calls once the mutex
//! is re-acquired.
//!
//! Timed operations (`try_lock_for`, `wait_timeout`, `Event::wait(timeout)`)
//! call [`before_block_timed`] instead of [`before_block`]: a timed wait
//! gives up by itself, so the watchdog never counts it as deadlocked.
//!
//! Waking deadlocked threads: while blocked, a primitive waits in slices of
//! at most [`block_slice`] and calls [`check_abort`] after each slice that
//! did not end the wait (lockscope's own primitives do this in one place,
//! `blocked.rs`). When the watchdog finds the thread deadlocked and
//! the policy says `panic`, [`check_abort`] panics with the report, so a
//! test fails instead of hanging. The primitive must not hold the resource
//! it is waiting for when it calls [`check_abort`].
//!
//! Panics: [`before_block`] panics for a self-deadlock (policy `panic`);
//! [`acquired`] panics for a lock-order inversion when the lock-order policy
//! is `panic` (the lock is then held: call it where unwinding releases it,
//! or keep that policy off for such primitives).
//!
//! Findings are written into the trace through the [`TraceSink`] the
//! recorder installs with [`set_trace_sink`].
//!
//! This file is the contract between the primitives (`mutex`, `rwlock`, ...)
//! and the live checks (`order`, `watchdog`); the checks' state lives in
//! their own modules.

use std::panic::Location;
use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use lockscope_detector::trace::{LockMode, PrimitiveKind};

use crate::meta::PrimitiveMeta;
use lockscope_detector::finding::{wording, Finding};

use crate::policy::{self, Action};
use crate::thread_state::{self, LockInfo, ThreadState};
#[cfg(feature = "record")]
use crate::watchdog::registry::{CondvarWait, Slot};
use crate::watchdog::{
    self,
    registry::{Blocked, WaitDesc},
};

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
    block(wait, site, None);
}

/// [`before_block`] for a wait that gives up after `timeout`.
#[inline]
pub fn before_block_timed(wait: Wait<'_>, site: &'static Location<'static>, timeout: Duration) {
    block(wait, site, Some(Instant::now() + timeout));
}

fn block(wait: Wait<'_>, site: &'static Location<'static>, deadline: Option<Instant>) {
    if let Wait::Lock { lock, mode } = wait {
        let finding = thread_state::with(|ts| crate::order::before_lock(ts, lock, mode, site));
        if let Some(f) = finding.flatten() {
            // Before publishing: a `panic` action leaves nothing behind.
            dispatch(f);
        }
        let pending = thread_state::with(|ts| crate::order::requested(ts, lock, mode, site));
        if pending == Some(true) {
            report_pending();
        }
    }
    thread_state::with(|ts| {
        if let Wait::Condvar { mutex, .. } = wait {
            if let Some(h) = ts.held.borrow_mut().take(mutex.id()) {
                ts.stash.borrow_mut().push(h);
            }
        }
        publish(ts, wait, site, deadline);
    });
    watchdog::ensure_running();
}

fn publish(
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
        Wait::Condvar { condvar, mutex } => WaitDesc::Condvar {
            condvar: LockInfo::of(condvar),
            mutex: LockInfo::of(mutex),
        },
        Wait::Semaphore { semaphore } => WaitDesc::Semaphore(LockInfo::of(semaphore)),
        Wait::Event { event } => WaitDesc::Event(LockInfo::of(event)),
        Wait::Barrier { barrier } => WaitDesc::Barrier(LockInfo::of(barrier)),
        Wait::Join { thread } => WaitDesc::Join(thread),
    };
    let backtrace =
        policy::backtraces().then(|| Arc::new(std::backtrace::Backtrace::force_capture()));
    ts.slot.publish(Blocked {
        on,
        site,
        epoch: 0,
        since: Instant::now(),
        deadline,
        held: ts.held.borrow().snapshot(),
        backtrace,
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
/// included: the checks tell them apart by `lock.kind()` and their own
/// held lists.
#[inline]
pub fn acquired(
    lock: &PrimitiveMeta,
    mode: LockMode,
    blocking: bool,
    site: &'static Location<'static>,
) {
    acquired_as(lock.kind(), lock, mode, blocking, site);
}

/// [`acquired`] for a primitive whose kind the caller knows statically (a
/// constant), so the checks that do not apply to that kind compile away.
#[inline(always)]
pub(crate) fn acquired_as(
    kind: PrimitiveKind,
    lock: &PrimitiveMeta,
    mode: LockMode,
    blocking: bool,
    site: &'static Location<'static>,
) {
    // SAFETY: `ts` is used only within this call.
    let Some(ts) = (unsafe { thread_state::current() }) else {
        return;
    };
    unblock(ts);
    if crate::order::acquired(ts, kind, lock, mode, blocking, site) {
        report_pending();
    }
}

#[cold]
#[inline(never)]
fn report_pending() {
    let found = thread_state::with(|ts| std::mem::take(&mut *ts.pending.borrow_mut()));
    for f in found.into_iter().flatten() {
        dispatch(f);
    }
}

/// The wait announced by [`before_block`] ended without [`acquired`] (a
/// condvar, event, barrier wait or join returned, or a timed or try
/// operation gave up).
#[inline]
pub fn wait_ended() {
    thread_state::with(|ts| {
        unblock(ts);
        let mut stash = ts.stash.borrow_mut();
        if !stash.is_empty() {
            ts.held.borrow_mut().restore(&mut stash);
        }
    });
}

/// The calling thread is about to release `lock` (held in `mode`).
#[inline]
pub fn released(lock: &PrimitiveMeta, mode: LockMode) {
    let _ = mode;
    released_as(lock.kind(), lock);
}

/// [`released`] for a primitive whose kind the caller knows statically.
#[inline(always)]
pub(crate) fn released_as(kind: PrimitiveKind, lock: &PrimitiveMeta) {
    // SAFETY: `ts` is used only within this call.
    if let Some(ts) = unsafe { thread_state::current() } {
        crate::order::released(ts, kind, lock);
    }
}

/// `prim` is being dropped: forget it.
#[inline]
pub fn dropped(prim: &PrimitiveMeta) {
    if prim.kind().is_lock() {
        crate::order::learned::forget(prim.id());
    }
}

/// How long a blocked primitive may wait before calling [`check_abort`]
/// again: `None` when the policy has the watchdog off (block without
/// slices; a thread already blocked when the watchdog is turned on is
/// reported but cannot be woken).
#[inline]
pub fn block_slice() -> Option<Duration> {
    policy::watchdog_on().then_some(Duration::from_millis(50))
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
pub fn check_abort() {
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

/// The calling thread is one of lockscope's own service threads (the
/// recorder's writer): it never wakes a user thread, so it does not keep
/// the watchdog from calling a stall of every other thread a deadlock.
/// Call it once, first thing in such a thread.
pub fn internal_thread() {
    watchdog::registry::mark_internal();
}

/// Where findings go in the trace: installed by the recorder.
#[derive(Clone, Copy, Debug)]
pub struct TraceSink {
    /// Writes a note event of `kind` (`lock_order`, `deadlock`, ...) with
    /// `text`. May be called from the watchdog thread, which has no
    /// lockscope thread id of its own.
    pub note: fn(kind: &str, text: &str),
    /// Flushes buffered events to the trace file.
    pub flush: fn(),
    /// Ends the recording (the trace is complete), before the process
    /// aborts.
    pub finish: fn(),
}

static SINK: OnceLock<TraceSink> = OnceLock::new();

/// Installs the recorder's sink (the first call wins).
pub fn set_trace_sink(sink: TraceSink) {
    let _ = SINK.set(sink);
}

pub(crate) fn trace_note(kind: &str, text: &str) {
    if let Some(s) = SINK.get() {
        (s.note)(kind, text);
    }
}

pub(crate) fn trace_flush() {
    if let Some(s) = SINK.get() {
        (s.flush)();
    }
}

/// Ends the recording before an abort: the trace reads as complete, not as
/// cut short by a crash.
pub(crate) fn trace_finish() {
    if let Some(s) = SINK.get() {
        (s.finish)();
    }
}

/// Writes finding `f` into the trace as a note: its kind's wire name, its
/// JSON (what the analyzer reads back as this very finding).
pub(crate) fn note_finding(f: &Finding) {
    trace_note(f.kind.as_str(), &f.to_json());
}

/// The finding as the runtime prints it: lockdep's layout, in the
/// detector's words.
pub(crate) fn report_text(f: &Finding) -> String {
    wording::report(f, &wording::Words::PLAIN)
}

/// Reports a finding made in the calling thread and runs its action.
pub(crate) fn dispatch(f: Finding) {
    note_finding(&f);
    let report = report_text(&f);
    match policy::policy().action_for(&f).clone() {
        Action::Ignore => {}
        Action::Log => eprintln!("{report}"),
        Action::Abort => {
            eprintln!("{report}");
            trace_finish();
            std::process::abort();
        }
        Action::Callback(cb) => {
            eprintln!("{report}");
            cb(&f);
        }
        Action::Panic => {
            trace_flush();
            panic!("{report}");
        }
    }
}
