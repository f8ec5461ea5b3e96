//! The learned lock order over async locks: each task's (or thread's own
//! code's) held async mutexes and rwlocks, so an acquisition under another
//! feeds the same order graph as the blocking locks
//! (`order::learned`), and an inversion between two tasks is reported
//! the first time it is taken, before anything hangs, with the threads'
//! report and the policy's lock-order action.
//!
//! A task holds its guards across awaits and may resume on another worker,
//! so its held list cannot live in the OS thread's state: it is a [`TaskLocks`]
//! per holder [`key`](super::key) (a task, or a thread outside any task),
//! in a process-wide table, and each OS thread keeps the one of the holder
//! it last ran ([`CURRENT`]) so that a task that does not change threads
//! between two acquisitions takes no lock to reach its list.
//!
//! What the check does per acquisition, as the blocking locks do
//! (`order`): a task that holds no other async lock pushes the new one
//! and checks nothing (the fast path); a blocking acquisition (an await,
//! `blocking_lock`) under held locks hashes the held chain plus the new
//! lock, and only a chain the OS thread has not seen (its [`RECENT`]
//! array, then its `ThreadState` chain cache) goes to the global graph. A lock future checks when it is
//! first polled, before it can pend: an inversion is reported even when
//! this very await never completes. `try_lock` adds no edge into the lock.
//!
//! # Ownership of a list
//! Only the code running as the holder touches its list: a tokio task is
//! polled, or dropped, by one thread at a time, and tokio orders one poll
//! before the next wherever it runs; a thread's own code is that thread.
//! A release by anyone else (a guard moved to another task) is queued on
//! the list ([`TaskLocks::foreign`]) and applied by the holder at its next
//! acquisition or release.
//!
//! # Memory
//! A holder's entry stays in the table while an OS thread caches it or it
//! holds a lock; the others (finished tasks) are swept when the table has
//! doubled since the last sweep.
//!
//! # Limitations
//! Async and blocking locks are ordered separately: a task holding an
//! async lock and taking a blocking one (or the reverse) adds no edge.
//! Semaphores and `Notify` are not part of the order, as for threads.

use std::cell::{Cell, RefCell, UnsafeCell};
use std::panic::Location;
use std::sync::atomic::{fence, AtomicBool, Ordering};
use std::sync::Arc;

use foldhash::HashMap;
use lockscope_detector::finding::Finding;
use lockscope_detector::trace::LockMode;
use tokio::task::Id;

use crate::held::{chain_step, HeldEntry, LockInfo};
use crate::meta::PrimitiveMeta;
use crate::order::learned;
use crate::raw::Mutex;
use crate::thread_state;

/// One holder's held async locks.
#[derive(Debug)]
pub(crate) struct TaskLocks {
    /// Oldest first, each with the chain hash up to it. Only the holder
    /// touches it (see the module docs).
    held: UnsafeCell<Vec<HeldEntry>>,
    /// `foreign` has ids (read beside `held` on every use).
    has_foreign: AtomicBool,
    /// Ids of locks in `held` that another task released.
    foreign: Mutex<Vec<u64>>,
}

// SAFETY: `held` is only reached by the code running as the holder (one
// thread at a time, ordered by tokio between polls) or by the sweep when no
// thread can reach it (see the module docs and `sweep`); everything else is
// atomic or behind a lock.
unsafe impl Sync for TaskLocks {}

/// Every holder's entry, by key.
type Entries = HashMap<u64, Arc<TaskLocks>>;

/// Every holder's entry, with the table's size after the last sweep.
static TABLE: Mutex<Option<(Entries, usize)>> = Mutex::new(None);

thread_local! {
    /// The key of the holder this OS thread last ran and its entry, kept
    /// alive by [`OWNER`] (null: none, or the thread's state is being
    /// destroyed). `const` with no destructor: reading it is one load.
    static CURRENT: Cell<(u64, *const TaskLocks)> = const { Cell::new((0, std::ptr::null())) };
    /// The reference that keeps [`CURRENT`]'s entry alive.
    static OWNER: Owner = const { Owner(RefCell::new(None)) };
}

thread_local! {
    /// Chains checked on this OS thread, direct-mapped by their top bits:
    /// a hit is one load (the `ThreadState` chain cache behind it is the
    /// complete one).
    static RECENT: [Cell<u64>; 64] = const { [const { Cell::new(0) }; 64] };
}

/// Whether `chain` was checked on this thread lately (if not, ask
/// [`check`]).
#[inline(always)]
fn recently_checked(chain: u64) -> bool {
    RECENT.with(|r| r[(chain >> 58) as usize].get() == chain)
}

/// See [`OWNER`].
struct Owner(RefCell<Option<Arc<TaskLocks>>>);

impl Drop for Owner {
    fn drop(&mut self) {
        // First: from here on `with_own` sees no entry.
        CURRENT.with(|c| c.set((0, std::ptr::null())));
    }
}

/// Runs `f` on the held list of `key`, the code running now. `None` during
/// thread-local teardown.
#[inline(always)]
fn with_own<R>(key: u64, f: impl FnOnce(&mut Vec<HeldEntry>) -> R) -> Option<R> {
    let (cached, mut entry) = CURRENT.with(Cell::get);
    if cached != key || entry.is_null() {
        entry = switch(key)?;
    }
    // SAFETY: non-null, `entry` is kept alive by this thread's `OWNER`
    // until its destructor, which nulls it first.
    let locks = unsafe { &*entry };
    // SAFETY: the caller runs as `key` (see the module docs), and the list
    // is not borrowed elsewhere: `f` gets the only reference, and no `f`
    // calls back into this module.
    let held = unsafe { &mut *locks.held.get() };
    if locks.has_foreign.load(Ordering::Acquire) {
        apply_foreign(locks, held);
    }
    Some(f(held))
}

/// This thread now runs `key`: caches its entry (made if new). `None`
/// once the thread's state is being destroyed.
#[cold]
#[inline(never)]
fn switch(key: u64) -> Option<*const TaskLocks> {
    OWNER
        .try_with(|owner| {
            // The previous holder's entry first, so the sweep can drop it.
            CURRENT.with(|c| c.set((0, std::ptr::null())));
            drop(owner.0.borrow_mut().take());
            let entry = {
                let mut table = TABLE.lock();
                let (map, swept) = table.get_or_insert_with(Default::default);
                let entry = map
                    .entry(key)
                    .or_insert_with(|| {
                        Arc::new(TaskLocks {
                            held: UnsafeCell::new(Vec::new()),
                            has_foreign: AtomicBool::new(false),
                            foreign: Mutex::new(Vec::new()),
                        })
                    })
                    .clone();
                if map.len() > (*swept).max(64) * 2 {
                    sweep(map);
                    *swept = map.len();
                }
                entry
            };
            let ptr = Arc::as_ptr(&entry);
            *owner.0.borrow_mut() = Some(entry);
            CURRENT.with(|c| c.set((key, ptr)));
            ptr
        })
        .ok()
}

/// Drops the entries no thread caches that hold nothing. Under the
/// table's lock: no thread can reach such an entry but through the table.
fn sweep(map: &mut Entries) {
    map.retain(|_, e| {
        if Arc::strong_count(e) > 1 {
            return true;
        }
        // Pairs with the release of the last other reference (a thread's
        // cache, dropped after its holder's last use of the list).
        fence(Ordering::Acquire);
        // SAFETY: only the table refers to the entry, and the table is
        // locked: nobody else can reach the list.
        let held = unsafe { &mut *e.held.get() };
        apply_foreign(e, held);
        !held.is_empty()
    });
}

/// Applies the releases other tasks queued on `locks`.
#[cold]
#[inline(never)]
fn apply_foreign(locks: &TaskLocks, held: &mut Vec<HeldEntry>) {
    let ids = std::mem::take(&mut *locks.foreign.lock());
    locks.has_foreign.store(false, Ordering::Relaxed);
    for id in ids {
        remove(held, id);
    }
}

/// Removes the newest entry of lock `id`, recomputing the chains above it.
fn remove(held: &mut Vec<HeldEntry>, id: u64) {
    let Some(i) = held.iter().rposition(|h| h.id == id) else {
        return;
    };
    held.remove(i);
    let mut chain = if i == 0 { 0 } else { held[i - 1].chain };
    for h in &mut held[i..] {
        chain = chain_step(chain, h.id, h.mode);
        h.chain = chain;
    }
}

/// Who is acting, for the edges' thread: the task's name as the trace
/// names it, else the thread's.
pub(crate) fn actor(task: Option<Id>) -> (u64, Option<Arc<str>>) {
    match task {
        Some(id) => (0, Some(crate::recorder::task::name_of(id).into())),
        None => thread_state::with(|ts| (ts.thread, ts.slot.name.clone()))
            .unwrap_or((crate::thread_id::current(), None)),
    }
}

/// `key` (the current task `task`, or the thread's own code) is about to
/// wait for `lock` in `mode` at `site`: its edges from the held async
/// locks are checked now, so an inversion is reported even if the wait
/// never ends (the policy's action runs here: `panic` panics in the
/// caller).
#[inline]
pub(crate) fn requested(
    key: u64,
    task: Option<Id>,
    lock: &PrimitiveMeta,
    mode: LockMode,
    site: &'static Location<'static>,
) {
    let id = lock.id();
    if let Some(Some(chain)) = with_own(key, |held| unchecked(held, id, mode)) {
        if !recently_checked(chain) {
            dispatch(check(key, task, lock, mode, site, chain));
        }
    }
}

/// The chain `held` plus lock `id` in `mode`, if it has edges to check
/// (something is held, and not `id` itself: a wait for a lock the holder
/// has is the tasks' wait-for graph's, `scan`).
#[inline]
fn unchecked(held: &[HeldEntry], id: u64, mode: LockMode) -> Option<u64> {
    let top = held.last()?.chain;
    if held.iter().any(|h| h.id == id) {
        return None;
    }
    Some(chain_step(top, id, mode))
}

/// `key` (the current task `task`, or the thread's own code) took `lock`
/// in `mode` at `site`. `check`: a blocking acquisition whose edges were
/// not checked yet (an await that did not pend, a `blocking_lock` that
/// did not wait): they are, first, with the policy's action (`panic`
/// leaves the lock out of the list). A `try_lock` adds no edge into it.
///
/// The fast path, a holder with no other async lock (or a chain in the
/// thread's recent chains), is a thread-local look-up and a push.
#[inline]
pub(crate) fn acquired(
    key: u64,
    task: Option<Id>,
    lock: &PrimitiveMeta,
    mode: LockMode,
    site: &'static Location<'static>,
    check: bool,
) {
    let id = lock.id();
    let pushed = with_own(key, |held| {
        let to_check = if check {
            unchecked(held, id, mode)
        } else {
            None
        };
        match to_check.filter(|&chain| !recently_checked(chain)) {
            Some(chain) => Err(chain),
            None => {
                push(held, lock, id, mode, site);
                Ok(())
            }
        }
    });
    if let Some(Err(chain)) = pushed {
        acquired_checked(key, task, lock, mode, site, chain);
    }
}

/// [`acquired`] for a chain to check first.
#[cold]
#[inline(never)]
fn acquired_checked(
    key: u64,
    task: Option<Id>,
    lock: &PrimitiveMeta,
    mode: LockMode,
    site: &'static Location<'static>,
    chain: u64,
) {
    dispatch(check(key, task, lock, mode, site, chain));
    with_own(key, |held| push(held, lock, lock.id(), mode, site));
}

#[inline(always)]
fn push(
    held: &mut Vec<HeldEntry>,
    lock: &PrimitiveMeta,
    id: u64,
    mode: LockMode,
    site: &'static Location<'static>,
) {
    let top = held.last().map_or(0, |h| h.chain);
    held.push(HeldEntry::new(
        lock,
        id,
        mode,
        site,
        chain_step(top, id, mode),
    ));
}

/// The chain `chain` (the held list plus `lock`): unless this OS thread
/// saw it already, the global order's verdict.
#[cold]
#[inline(never)]
fn check(
    key: u64,
    task: Option<Id>,
    lock: &PrimitiveMeta,
    mode: LockMode,
    site: &'static Location<'static>,
    chain: u64,
) -> Vec<Finding> {
    let _ = RECENT.try_with(|r| r[(chain >> 58) as usize].set(chain));
    if thread_state::with(|ts| ts.first_time_chain(chain)) == Some(false) {
        return Vec::new();
    }
    let (thread, name) = actor(task);
    with_own(key, |held| {
        learned::check(held.iter(), lock, mode, site, (thread, name.as_ref()))
    })
    .unwrap_or_default()
}

/// Reports `found` through the policy (each written into the trace, then
/// its action: `panic` panics here, in the caller's task).
pub(crate) fn dispatch(found: Vec<Finding>) {
    for f in found {
        crate::policy::dispatch(f);
    }
}

/// Lock `id`, taken by `holder`, is released by `key` (the code running
/// now).
#[inline]
pub(crate) fn released(holder: u64, key: u64, id: u64) {
    if holder == key {
        with_own(key, |held| {
            if held.last().is_some_and(|h| h.id == id) {
                held.pop();
            } else {
                remove(held, id);
            }
        });
    } else {
        released_by_another(holder, id);
    }
}

/// A guard taken by `holder` is dropped by another task: queued on the
/// holder's list.
#[cold]
#[inline(never)]
fn released_by_another(holder: u64, id: u64) {
    let entry = TABLE
        .lock()
        .as_ref()
        .and_then(|(map, _)| map.get(&holder).cloned());
    if let Some(e) = entry {
        e.foreign.lock().push(id);
        e.has_foreign.store(true, Ordering::Release);
    }
}

/// `holder`'s exclusive hold of lock `id` is now shared (a downgrade by
/// `key`, the code running now; one by another task, through a guard
/// moved to it, leaves the holder's entry exclusive).
pub(crate) fn downgraded(holder: u64, key: u64, id: u64) {
    if holder != key {
        return;
    }
    with_own(key, |held| {
        if let Some(i) = held.iter().rposition(|h| h.id == id) {
            held[i].mode = LockMode::Shared;
            let mut chain = if i == 0 { 0 } else { held[i - 1].chain };
            for h in &mut held[i..] {
                chain = chain_step(chain, h.id, h.mode);
                h.chain = chain;
            }
        }
    });
}

/// An async rwlock is write-locked for the first time: the learned order
/// hears it (a writer can interpose between readers).
pub(crate) fn written(lock: &PrimitiveMeta) -> Vec<Finding> {
    learned::note_written(LockInfo::of(lock))
}

/// The async locks `key` (the code running now) holds, oldest first,
/// each with where it was acquired.
pub(crate) fn held(key: u64) -> Vec<(LockInfo, &'static Location<'static>)> {
    with_own(key, |held| {
        held.iter().map(|h| (h.info(), h.site)).collect()
    })
    .unwrap_or_default()
}

/// The locks `key` holds (for tests).
#[cfg(test)]
fn held_ids(key: u64) -> Vec<u64> {
    with_own(key, |held| held.iter().map(|h| h.id).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockscope_detector::trace::PrimitiveKind;

    fn mutex() -> PrimitiveMeta {
        PrimitiveMeta::new(PrimitiveKind::AsyncMutex, None)
    }

    #[test]
    fn a_release_below_the_top_keeps_the_chains_of_the_rest() {
        let key = super::super::key();
        let (a, b, c) = (mutex(), mutex(), mutex());
        let here = Location::caller();
        for l in [&a, &b, &c] {
            acquired(key, None, l, LockMode::Exclusive, here, false);
        }
        released(key, key, a.id());
        assert_eq!(held_ids(key), [b.id(), c.id()]);
        let chain = with_own(key, |h| h[1].chain).unwrap();
        let expected = chain_step(
            chain_step(0, b.id(), LockMode::Exclusive),
            c.id(),
            LockMode::Exclusive,
        );
        assert_eq!(chain, expected);
        released(key, key, c.id());
        released(key, key, b.id());
        assert!(held_ids(key).is_empty());
    }

    #[test]
    fn finished_holders_are_swept_from_the_table() {
        let a = mutex();
        let here = Location::caller();
        // Keys no task or thread has (the top bit set, a thread's, with
        // ids far above any real thread's), each taking and releasing a
        // lock once, as short-lived tasks do.
        for k in 0..5_000u64 {
            let key = super::super::THREAD | (1 << 40) | k;
            acquired(key, None, &a, LockMode::Exclusive, here, false);
            released(key, key, a.id());
        }
        let len = TABLE.lock().as_ref().map_or(0, |(map, _)| map.len());
        assert!(len < 1_000, "{len} holders kept");
    }

    #[test]
    fn a_release_by_another_holder_is_applied_by_the_holder() {
        let key = super::super::key();
        let a = mutex();
        acquired(
            key,
            None,
            &a,
            LockMode::Exclusive,
            Location::caller(),
            false,
        );
        released(key, key ^ 1, a.id());
        assert!(held_ids(key).is_empty());
    }
}
