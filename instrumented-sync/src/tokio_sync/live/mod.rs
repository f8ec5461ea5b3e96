//! The live checks for tasks: which task holds each async lock, which
//! tasks are pending on one, and a blocking lock held when a poll ends.
//!
//! - [`Holders`]: every async mutex and rwlock keeps who holds it (the
//!   task, or the thread's own code, that acquired it, and where), so the
//!   watchdog can follow a pending task's wait to the lock's holders.
//! - [`Waiting`]: a lock future that is pending publishes its wait (the
//!   task, the lock and mode, the site, its waker) until it is ready or
//!   dropped; a cancelled wait (`select!`, a timeout, an abort) leaves no
//!   wait behind.
//! - [`scan`](scan::scan) runs in the watchdog every interval: a cycle of
//!   tasks each pending on a lock another holds, seen pending for a whole
//!   interval, is a deadlock, reported with the threads' report and the
//!   policy's task-deadlock action (by default: report and go on; with
//!   `panic`, each pending lock future of the cycle panics in its task).
//! - [`mixed`](mixed::scan), in the same scan: a cycle through tasks
//!   pending on async locks and threads blocked on blocking locks (the
//!   task a blocked thread runs waits with it), reported with the threads'
//!   deadlock action.
//! - [`order`]: each task's held async locks, so an acquisition under
//!   another feeds the learned lock order (an inversion between two tasks
//!   is reported the first time it is taken).
//! - [`polled`](held::polled): a task's poll that ends with more blocking
//!   locks held on its thread than when it began yielded holding them
//!   (`held_across_await`), seen by lockscope's spawn and tokio's poll
//!   hooks.
//!
//! A waiter is a *task* (its tokio id) or, outside any task, the thread's
//! own code (the future `block_on` drives): [`key`] names either.
//!
//! # Performance
//! An uncontended acquisition stores its holder and site (two relaxed
//! stores; the caller's `try_id()` is shared with the recorder and the
//! held list of `order`), a release clears it; a shared acquisition
//! takes the lock's holder list's own lock. Only a pending lock future
//! publishes (a global lock, once per wait).
//!
//! # Limitations
//! The holder of an async lock is the task that acquired it: a guard
//! moved to another task is still attributed to the first. Semaphores and
//! `Notify` are not in the graph.

pub(crate) mod held;
mod mixed;
pub(crate) mod order;
pub(crate) mod scan;

use std::hash::{Hash, Hasher};
use std::panic::Location;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::Waker;

use lockscope_detector::trace::LockMode;
use tokio::task::Id;

use crate::held::{Held, LockInfo};
use crate::meta::PrimitiveMeta;
use crate::raw::Mutex;

/// The bit that marks a key as a thread's own code, not a task.
const THREAD: u64 = 1 << 63;

/// The tokio id's number (the `Hash` of an `Id` is its number: `Id`
/// exposes it no other way).
#[inline]
fn number(id: Id) -> u64 {
    #[derive(Default)]
    struct Number(u64);
    impl Hasher for Number {
        fn write(&mut self, bytes: &[u8]) {
            for &b in bytes {
                self.0 = self.0.rotate_left(8) ^ u64::from(b);
            }
        }
        fn write_u64(&mut self, n: u64) {
            self.0 = n;
        }
        fn finish(&self) -> u64 {
            self.0
        }
    }
    let mut n = Number::default();
    id.hash(&mut n);
    n.finish()
}

/// Who is acting: the current task, else the calling thread's own code.
#[inline]
pub(crate) fn key() -> u64 {
    key_of(tokio::task::try_id())
}

/// [`key`] for `task`, the current task as the caller read it.
#[inline]
pub(crate) fn key_of(task: Option<Id>) -> u64 {
    match task {
        Some(id) => number(id) & !THREAD,
        None => crate::thread_id::current() | THREAD,
    }
}

/// Who holds one async lock: its exclusive holder, and its shared holders.
#[derive(Debug, Default)]
pub(crate) struct Holders {
    /// The exclusive holder's [`key`], 0 for none.
    exclusive: AtomicU64,
    /// Where the exclusive holder acquired it (null for none).
    site: AtomicPtr<Location<'static>>,
    shared: Mutex<Vec<(u64, &'static Location<'static>)>>,
}

impl Holders {
    /// `key` (the caller, see [`key`]) took the lock in `mode` at `site`.
    #[inline]
    pub(crate) fn acquired(&self, key: u64, mode: LockMode, site: &'static Location<'static>) {
        if mode == LockMode::Exclusive {
            self.site
                .store(std::ptr::from_ref(site).cast_mut(), Ordering::Relaxed);
            self.exclusive.store(key, Ordering::Release);
        } else {
            self.acquired_shared(key, site);
        }
    }

    #[inline(never)]
    fn acquired_shared(&self, key: u64, site: &'static Location<'static>) {
        self.shared.lock().push((key, site));
    }

    /// The lock, held in `mode`, is being released by `key`: who held it
    /// (0 if nobody did).
    #[inline]
    pub(crate) fn released(&self, key: u64, mode: LockMode) -> u64 {
        if mode == LockMode::Exclusive {
            // Only the holder releases: no other store can come between.
            let holder = self.exclusive.load(Ordering::Relaxed);
            self.exclusive.store(0, Ordering::Release);
            holder
        } else {
            self.released_shared(key)
        }
    }

    #[inline(never)]
    fn released_shared(&self, key: u64) -> u64 {
        let mut shared = self.shared.lock();
        // Its own entry, else any (a guard moved to another task).
        let at = shared
            .iter()
            .position(|h| h.0 == key)
            .or(shared.len().checked_sub(1));
        at.map_or(0, |i| shared.swap_remove(i).0)
    }

    /// The exclusive holder now holds it shared (a downgrade); returns the
    /// holder.
    pub(crate) fn downgraded(&self) -> u64 {
        let key = self.exclusive.swap(0, Ordering::AcqRel);
        // SAFETY: `site` only ever holds null or a `&'static Location`.
        if let Some(site) = unsafe { self.site.load(Ordering::Relaxed).as_ref() } {
            self.shared.lock().push((key, site));
        }
        key
    }

    /// Every holder: its key, mode and acquisition site.
    pub(crate) fn snapshot(&self) -> Vec<(u64, LockMode, &'static Location<'static>)> {
        let mut all: Vec<_> = self
            .shared
            .lock()
            .iter()
            .map(|&(k, s)| (k, LockMode::Shared, s))
            .collect();
        let key = self.exclusive.load(Ordering::Acquire);
        // SAFETY: as in `downgraded`.
        let site = unsafe { self.site.load(Ordering::Relaxed).as_ref() };
        if let (true, Some(site)) = (key != 0, site) {
            all.push((key, LockMode::Exclusive, site));
        }
        all
    }
}

/// One pending wait for an async lock.
#[derive(Debug)]
pub(crate) struct Waiting {
    /// Unique per wait: a wait seen in two scans was pending in between.
    serial: u64,
    key: u64,
    /// The waiting task, or `None` for the thread's own code.
    task: Option<Id>,
    /// The thread's name, for a wait outside any task.
    thread_name: Option<String>,
    lock: LockInfo,
    mode: LockMode,
    site: &'static Location<'static>,
    holders: Arc<Holders>,
    /// The blocking locks the thread holds, for a wait outside any task
    /// (a thread in `block_on` or `blocking_lock`): a thread blocked on
    /// one of them waits for this wait (`scan`'s mixed cycles).
    held: Vec<Held>,
    waker: Mutex<Waker>,
    /// The report to panic with (the policy's `panic` action).
    verdict: Mutex<Option<String>>,
}

/// Every pending wait.
static WAITING: Mutex<Vec<Arc<Waiting>>> = Mutex::new(Vec::new());
static SERIAL: AtomicU64 = AtomicU64::new(1);

/// The caller's lock future for `lock` in `mode` (at `site`) is pending:
/// publishes the wait (first time, `wait` empty) or refreshes its waker.
pub(crate) fn pending(
    wait: &mut Option<Arc<Waiting>>,
    lock: &PrimitiveMeta,
    holders: &Arc<Holders>,
    mode: LockMode,
    site: &'static Location<'static>,
    waker: &Waker,
) {
    if let Some(w) = wait {
        let mut current = w.waker.lock();
        if !current.will_wake(waker) {
            current.clone_from(waker);
        }
        return;
    }
    if !crate::policy::watchdog_on() {
        return;
    }
    let task = tokio::task::try_id();
    let w = Arc::new(Waiting {
        serial: SERIAL.fetch_add(1, Ordering::Relaxed),
        key: key(),
        task,
        thread_name: task
            .is_none()
            .then(|| std::thread::current().name().map(str::to_owned))
            .flatten(),
        lock: LockInfo::of(lock),
        mode,
        site,
        holders: holders.clone(),
        held: if task.is_none() {
            crate::thread_state::with(|ts| ts.held.borrow().snapshot()).unwrap_or_default()
        } else {
            Vec::new()
        },
        waker: Mutex::new(waker.clone()),
        verdict: Mutex::new(None),
    });
    WAITING.lock().push(w.clone());
    *wait = Some(w);
    crate::watchdog::add_scan(scan::scan);
    crate::policy::ensure_watchdog();
}

/// The wait ended (granted, or the future dropped): withdraws it.
#[inline]
pub(crate) fn ended(wait: &mut Option<Arc<Waiting>>) {
    if let Some(w) = wait.take() {
        withdraw(&w);
    }
}

#[cold]
#[inline(never)]
fn withdraw(w: &Arc<Waiting>) {
    WAITING.lock().retain(|other| !Arc::ptr_eq(other, w));
}

/// The verdict the watchdog left for this wait, if any (then the lock
/// future panics with it).
#[inline]
pub(crate) fn verdict(wait: &Option<Arc<Waiting>>) -> Option<String> {
    wait.as_ref()?.verdict.lock().take()
}

/// Every pending wait (the watchdog's snapshot).
fn waiting() -> Vec<Arc<Waiting>> {
    WAITING.lock().clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_id_number_is_its_display() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let (a, b) = rt.block_on(async {
            let a = tokio::spawn(async { tokio::task::id() }).await.unwrap();
            let b = tokio::spawn(async { tokio::task::id() }).await.unwrap();
            (a, b)
        });
        assert_eq!(number(a).to_string(), a.to_string());
        assert_ne!(number(a), number(b));
    }

    #[test]
    fn outside_a_task_the_key_is_the_threads() {
        assert_eq!(key(), crate::thread_id::current() | THREAD);
    }

    #[test]
    fn holders_follow_acquisitions_releases_and_a_downgrade() {
        let h = Holders::default();
        let here = Location::caller();
        h.acquired(key(), LockMode::Exclusive, here);
        assert_eq!(h.snapshot(), [(key(), LockMode::Exclusive, here)]);
        assert_eq!(h.downgraded(), key());
        assert_eq!(h.snapshot(), [(key(), LockMode::Shared, here)]);
        h.acquired(key(), LockMode::Shared, here);
        assert_eq!(h.released(key(), LockMode::Shared), key());
        assert_eq!(h.released(key(), LockMode::Shared), key());
        assert!(h.snapshot().is_empty());
    }
}
