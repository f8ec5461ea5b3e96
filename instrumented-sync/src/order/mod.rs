//! Lock-order checks: the sorted-id [`acquire`](acquire::acquire) helper and
//! the learned lock order that reports potential deadlocks before anything
//! hangs.
//!
//! Per acquisition (see [`crate::live`]):
//! - a re-entry of a reentrant mutex, or a recursive read, only bumps the
//!   held entry's depth: no edge;
//! - a successful `try_lock` is pushed as held but adds no edge into it;
//! - a blocking acquisition with locks held hashes the held chain plus the
//!   new lock; only a chain this thread has not seen goes to the global
//!   graph ([`learned::check`]), so a known ordering costs a thread-local
//!   hash-set look-up and no global lock. When the acquisition has to wait,
//!   the check runs before the thread blocks (and the `panic` action fires
//!   before the lock is taken), so an inversion is reported even when this
//!   very attempt deadlocks or times out.
//!
//! Before blocking on a lock the thread already holds: a non-reentrant
//! mutex, anything under its own write lock, a write under its own read,
//! or a second upgradable read is a self-deadlock, reported at once; a
//! second read while a writer waits is the recursive-read hazard. Upgrading
//! an upgradable read is not a finding.
//!
//! # Limitations
//! Semaphores, events, condvars and barriers are not part of the lock order.

pub mod acquire;
pub mod learned;
pub mod names;
pub mod report;

use std::panic::Location;
use std::sync::Arc;

use lockscope_detector::trace::{LockMode, PrimitiveKind};

use crate::held::{chain_step, HeldEntry};
use crate::meta::PrimitiveMeta;
use crate::thread_state::{LockInfo, ThreadState};
use crate::watchdog::registry;
use lockscope_detector::finding::Finding;

fn thread_of(ts: &ThreadState) -> (u64, Option<&Arc<str>>) {
    (ts.thread, ts.slot.name.as_ref())
}

/// The thread is about to block acquiring `lock` in `mode`: a finding if it
/// already holds it in a way that cannot succeed.
pub(crate) fn before_lock(
    ts: &ThreadState,
    lock: &PrimitiveMeta,
    mode: LockMode,
    site: &'static Location<'static>,
) -> Option<Finding> {
    let id = lock.id();
    let held = ts.held.borrow();
    let h = &held.find(id)?.materialize();
    use LockMode::{Exclusive, Shared, Upgradable};
    let thread = (ts.thread, ts.slot.name.as_deref());
    match (lock.kind(), h.mode, mode) {
        (PrimitiveKind::Mutex, ..)
        | (PrimitiveKind::RwLock, Exclusive, _)
        | (PrimitiveKind::RwLock, Shared, Exclusive)
        | (PrimitiveKind::RwLock, Upgradable, Upgradable) => {
            Some(report::self_deadlock(thread, h, mode, site))
        }
        // A second read (or a read under an upgradable read) only blocks
        // behind a waiting writer, which waits for this thread: the hazard.
        (PrimitiveKind::RwLock, Shared | Upgradable, Shared) => {
            registry::someone_waits_for(id, Exclusive, ts.thread)
                .then(|| report::recursive_read(thread, h, site))
        }
        // Upgrading (waits for the readers), an upgradable read under a
        // read, reentrant re-entry: nothing wrong by itself.
        _ => None,
    }
}

/// The thread is about to block acquiring `lock` (possibly with a
/// timeout): its edges are checked now, before it can hang, so an
/// inversion is reported even when this attempt deadlocks or times out.
/// Findings go to `ts.pending`; returns whether there are any. The chain is
/// then known, so the acquisition itself adds nothing more.
pub(crate) fn requested(
    ts: &ThreadState,
    lock: &PrimitiveMeta,
    mode: LockMode,
    site: &'static Location<'static>,
) -> bool {
    let kind = lock.kind();
    let id = lock.id();
    let mut held = ts.held.borrow_mut();
    if !kind.is_lock() || held.is_empty() || held.find(id).is_some() {
        return false;
    }
    let chain = chain_step(held.top_chain(), id, mode);
    if !ts.first_time_chain(chain) {
        return false;
    }
    let found = learned::check(held.iter(), lock, mode, site, thread_of(ts));
    report_into(ts, found)
}

/// The thread took `lock` (a primitive of `kind`, which callers pass as a
/// constant so the checks that do not apply to it fold away); findings go
/// to `ts.pending` (returns whether there are any), to be reported once the
/// held list is no longer borrowed.
///
/// The hot case, a lock this thread does not hold taken under a held-set
/// chain it has already checked, is a borrow, the id load, a chain hash, a
/// one-load cache probe and a push; everything else is out of line.
#[inline(always)]
pub(crate) fn acquired(
    ts: &ThreadState,
    kind: PrimitiveKind,
    lock: &PrimitiveMeta,
    mode: LockMode,
    blocking: bool,
    site: &'static Location<'static>,
) -> bool {
    debug_assert_eq!(kind, lock.kind());
    if !kind.is_lock() {
        return false;
    }
    let id = lock.id();
    let mut held = ts.held.borrow_mut();
    // Only a reentrant mutex or an rwlock can be taken again by a thread
    // that holds it (a mutex it holds would not have been acquired), so a
    // plain mutex skips the O(held) scan for a re-entry.
    if kind != PrimitiveKind::Mutex {
        if let Some(h) = held.find_mut(id) {
            h.depth += 1;
            return false;
        }
    }
    let below = held.top_chain();
    let chain = chain_step(below, id, mode);
    let nested = !held.is_empty();
    held.push(HeldEntry::new(lock, id, mode, site, chain));
    drop(held);
    // Everything else is out of line and comes last, after the push.
    let check = blocking && nested && !ts.recently_checked(chain);
    let write = kind == PrimitiveKind::RwLock && mode != LockMode::Shared;
    if check || write {
        return acquired_rarely(ts, lock, mode, site, chain, check, write);
    }
    false
}

/// [`acquired`] for the lock fast path, which must make no call: does it
/// only if it needs nothing but the push of the new held entry (a lock not
/// held yet, under a held chain in the thread's recent-chain array or
/// taken by `try_lock`, no first write of an rwlock, the held list not
/// borrowed, not stale and with room) and returns true; otherwise returns
/// false having changed nothing, and the caller takes [`acquired`]. `id`
/// is `lock`'s id.
///
/// # Safety
/// Only from a lock event's fast path (see
/// [`ThreadState::held_unchecked`]).
#[cfg(feature = "record")]
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn acquired_fast(
    ts: &ThreadState,
    kind: PrimitiveKind,
    lock: &PrimitiveMeta,
    id: u64,
    mode: LockMode,
    blocking: bool,
    site: &'static Location<'static>,
) -> bool {
    debug_assert_eq!(kind, lock.kind());
    if !kind.is_lock() || (kind == PrimitiveKind::RwLock && mode != LockMode::Shared) {
        return false;
    }
    // SAFETY: a lock event's fast path (see `held_unchecked`).
    let held = unsafe { ts.held_unchecked() };
    if kind != PrimitiveKind::Mutex && held.find(id).is_some() {
        return false;
    }
    let Some(below) = held.top_chain_if_fresh() else {
        return false;
    };
    let chain = chain_step(below, id, mode);
    if blocking && !held.is_empty() && !ts.recently_checked(chain) {
        return false;
    }
    held.try_push(HeldEntry::new(lock, id, mode, site, chain))
        .is_ok()
}

/// [`released`] for the lock fast path (the same work, without the
/// `RefCell`'s flag).
///
/// # Safety
/// Only from a lock event's fast path (see
/// [`ThreadState::held_unchecked`]).
#[cfg(feature = "record")]
#[inline(always)]
pub(crate) unsafe fn released_fast(ts: &ThreadState, kind: PrimitiveKind, id: u64) -> bool {
    if !kind.is_lock() {
        return false;
    }
    // SAFETY: a lock event's fast path (see `held_unchecked`).
    unsafe { ts.held_unchecked() }.release(id);
    true
}

/// The rare parts of [`acquired`], after the new entry is pushed: a chain
/// not in the thread's recent-chain array (`check`), the first write of an
/// rwlock (`write`).
#[cold]
#[inline(never)]
fn acquired_rarely(
    ts: &ThreadState,
    lock: &PrimitiveMeta,
    mode: LockMode,
    site: &'static Location<'static>,
    chain: u64,
    check: bool,
    write: bool,
) -> bool {
    let mut pending = false;
    if write {
        pending |= written(ts, lock);
    }
    if check && ts.first_time_chain(chain) {
        pending |= learn(ts, lock, mode, site);
    }
    pending
}

/// An rwlock is write-locked: tell the learned order once per thread and
/// lock (a writer can interpose between readers).
#[cold]
#[inline(never)]
fn written(ts: &ThreadState, lock: &PrimitiveMeta) -> bool {
    ts.first_write(lock.id()) && report_into(ts, learned::note_written(LockInfo::of(lock)))
}

/// A held-set chain this thread has not checked yet: the global order.
#[cold]
#[inline(never)]
fn learn(
    ts: &ThreadState,
    lock: &PrimitiveMeta,
    mode: LockMode,
    site: &'static Location<'static>,
) -> bool {
    let held = ts.held.borrow();
    // The locks held before this one: all but the entry just pushed.
    let below = held.iter().take(held.len() - 1);
    let found = learned::check(below, lock, mode, site, thread_of(ts));
    drop(held);
    report_into(ts, found)
}

fn report_into(ts: &ThreadState, found: Vec<Finding>) -> bool {
    if found.is_empty() {
        return false;
    }
    ts.pending.borrow_mut().extend(found);
    true
}

/// The thread releases `lock` (of `kind`, a constant at the call site).
#[inline(always)]
pub(crate) fn released(ts: &ThreadState, kind: PrimitiveKind, lock: &PrimitiveMeta) {
    debug_assert_eq!(kind, lock.kind());
    if kind.is_lock() {
        ts.held.borrow_mut().release(lock.id());
    }
}
