//! An instrumented condition variable for lockscope's [`Mutex`](crate::Mutex)
//! guards, with parking_lot's `Condvar` API.
//!
//! It delegates the parking to lockscope's raw condvar (`raw/condvar.rs`),
//! handing it the uninstrumented lock under the instrumented raw mutex (so
//! a notify moves a waiter to that lock's queue rather than waking it to
//! block on it). A wait records `cond_wait` (the mutex
//! is released) before blocking and `cond_woken` after the mutex is
//! re-acquired; a notify records `notify` with the number of threads woken,
//! timed before the wake-ups so they follow it in the trace.
//!
//! Live checks: a wait calls `before_block(Wait::Condvar)` (or its timed
//! form) while the guard is held and `wait_ended` once the mutex is
//! re-acquired. Unlike lockscope's other blocking waits, a condvar wait is
//! one wait, not a series of watchdog slices: between two slices the waiter
//! would be out of the condvar's queue, and a notify sent then (after the
//! notifier's unlock, or by a notifier that took the mutex while the
//! waiter was re-taking it) would be lost. To act on a deadlock verdict
//! the watchdog wakes the waiter through the condvar instead
//! (`Slot::wake_condvar_wait`).
//!
//! # Limitations
//! Waking a waiter found deadlocked (policy `panic`) wakes every waiter of
//! its condvar: the others return as if notified.
//!
//! # Panics
//! As parking_lot's: waiting with two different mutexes on one condvar at
//! the same time panics.
//!
//! # Performance
//! A notify with no trace open costs what the raw condvar's does plus one
//! relaxed load.

use std::panic::Location;
use std::time::{Duration, Instant};

use lockscope_detector::trace::{EventKind, PrimitiveKind};

use crate::hook::{self as live, Wait};
use crate::meta::PrimitiveMeta;
use crate::raw_mutex::RawMutex;
use crate::recorder::{obj_id, ObjRec, Sync};
use crate::watchdog::registry::CondvarWait;
use crate::MutexGuard;

pub(crate) const HERE: &str = file!();

/// Whether a timed wait timed out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    /// True if the wait ended because the timeout passed.
    pub fn timed_out(self) -> bool {
        self.0
    }
}

/// A condition variable that records waits and notifications.
pub struct Condvar {
    inner: crate::raw::RawCondvar,
    rec: ObjRec,
    meta: PrimitiveMeta,
}

impl Default for Condvar {
    #[track_caller]
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Condvar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Condvar")
            .field("id", &self.meta.id())
            .field("name", &self.meta.name())
            .finish()
    }
}

impl Drop for Condvar {
    fn drop(&mut self) {
        live::dropped(&self.meta);
    }
}

impl Condvar {
    /// A condition variable (its id is assigned on first use).
    #[track_caller]
    pub const fn new() -> Self {
        Condvar {
            inner: crate::raw::RawCondvar::new(),
            rec: ObjRec::new(),
            meta: PrimitiveMeta::new_const(PrimitiveKind::Condvar),
        }
    }

    /// A named condition variable.
    #[track_caller]
    pub fn named(name: &'static str) -> Self {
        Condvar {
            inner: crate::raw::RawCondvar::new(),
            rec: ObjRec::new(),
            meta: PrimitiveMeta::new(PrimitiveKind::Condvar, Some(name)),
        }
    }

    /// The condvar's identity.
    pub fn meta(&self) -> &PrimitiveMeta {
        &self.meta
    }

    /// Blocks until notified (or a spurious wake-up), releasing the guard's
    /// mutex meanwhile.
    #[track_caller]
    pub fn wait<T: ?Sized>(&self, guard: &mut MutexGuard<'_, T>) {
        let site = Location::caller();
        self.wait_inner(guard, None, site);
    }

    /// Like [`wait`](Self::wait) but gives up at `timeout`.
    #[track_caller]
    pub fn wait_until<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        timeout: Instant,
    ) -> WaitTimeoutResult {
        let site = Location::caller();
        WaitTimeoutResult(self.wait_inner(guard, Some(timeout), site))
    }

    /// Like [`wait`](Self::wait) but gives up after `timeout`.
    #[track_caller]
    pub fn wait_for<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        timeout: Duration,
    ) -> WaitTimeoutResult {
        let site = Location::caller();
        let deadline = Instant::now().checked_add(timeout);
        WaitTimeoutResult(self.wait_inner(guard, deadline, site))
    }

    /// Waits while `condition` holds.
    #[track_caller]
    pub fn wait_while<T: ?Sized, F>(&self, guard: &mut MutexGuard<'_, T>, mut condition: F)
    where
        F: FnMut(&mut T) -> bool,
    {
        let site = Location::caller();
        while condition(&mut *guard) {
            self.wait_inner(guard, None, site);
        }
    }

    /// Waits while `condition` holds, until `timeout`; the result says
    /// whether it timed out with the condition still true.
    #[track_caller]
    pub fn wait_while_until<T: ?Sized, F>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        condition: F,
        timeout: Instant,
    ) -> WaitTimeoutResult
    where
        F: FnMut(&mut T) -> bool,
    {
        let site = Location::caller();
        self.wait_while_deadline(guard, condition, Some(timeout), site)
    }

    /// Waits while `condition` holds, for at most `timeout`.
    #[track_caller]
    pub fn wait_while_for<T: ?Sized, F>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        condition: F,
        timeout: Duration,
    ) -> WaitTimeoutResult
    where
        F: FnMut(&mut T) -> bool,
    {
        let site = Location::caller();
        let deadline = Instant::now().checked_add(timeout);
        self.wait_while_deadline(guard, condition, deadline, site)
    }

    fn wait_while_deadline<T: ?Sized, F>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        mut condition: F,
        deadline: Option<Instant>,
        site: &'static Location<'static>,
    ) -> WaitTimeoutResult
    where
        F: FnMut(&mut T) -> bool,
    {
        while condition(&mut *guard) {
            if self.wait_inner(guard, deadline, site) {
                return WaitTimeoutResult(condition(&mut *guard));
            }
        }
        WaitTimeoutResult(false)
    }

    /// Wakes one waiter; returns whether one was woken.
    #[track_caller]
    pub fn notify_one(&self) -> bool {
        let site = Location::caller();
        let mut woke = false;
        let condvar = obj_id(&self.meta);
        self.rec.record_around(&self.meta, Some(site), &mut || {
            woke = self.inner.notify_one();
            EventKind::Notify {
                condvar,
                all: false,
                woken: u32::from(woke),
            }
        });
        woke
    }

    /// Wakes every waiter; returns how many were woken.
    #[track_caller]
    pub fn notify_all(&self) -> usize {
        let site = Location::caller();
        let mut woken = 0;
        let condvar = obj_id(&self.meta);
        self.rec.record_around(&self.meta, Some(site), &mut || {
            woken = self.inner.notify_all();
            EventKind::Notify {
                condvar,
                all: true,
                woken: u32::try_from(woken).unwrap_or(u32::MAX),
            }
        });
        woken
    }

    /// Waits on the guard's mutex until notified or `deadline`; true if it
    /// timed out. Non-generic in all but the guard's type.
    fn wait_inner<T: ?Sized>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        deadline: Option<Instant>,
        site: &'static Location<'static>,
    ) -> bool {
        // SAFETY: only used to reach the raw lock the guard holds; nothing
        // unlocks it except the raw condvar wait below, which re-locks it.
        let mutex: &RawMutex = unsafe { lock_api::MutexGuard::mutex(guard).raw() };
        self.wait_raw(mutex, deadline, site)
    }

    /// Waits on `mutex`, held through a guard of a lock type this crate
    /// does not define (the parking_lot shims' lock_api 0.4 `Mutex` over
    /// lockscope's raw mutex), until notified or `deadline`; true if it
    /// timed out. `site` is the caller's wait. Recorded and checked as
    /// [`wait`](Self::wait) is.
    ///
    /// # Safety
    /// The calling thread holds `mutex`, and nothing touches the data it
    /// protects until this returns (the wait unlocks and re-locks it).
    #[doc(hidden)]
    pub unsafe fn wait_raw_locked(
        &self,
        mutex: &RawMutex,
        deadline: Option<Instant>,
        site: &'static Location<'static>,
    ) -> bool {
        self.wait_raw(mutex, deadline, site)
    }

    fn wait_raw(
        &self,
        mutex: &RawMutex,
        deadline: Option<Instant>,
        site: &'static Location<'static>,
    ) -> bool {
        let (condvar, mobj) = (obj_id(&self.meta), obj_id(mutex.meta()));
        self.rec.declare_now(&self.meta);
        let wait = EventKind::CondWait {
            condvar,
            mutex: mobj,
            timed: deadline.is_some(),
        };
        mutex
            .rec()
            .record(mutex.meta(), wait, Some(site), Sync::Release);
        let on = Wait::Condvar {
            condvar: &self.meta,
            mutex: mutex.meta(),
        };
        live::before_block_until(on, site, deadline);
        // If the wait unwinds (the raw condvar panics when it is used with
        // two mutexes), the mutex's held entry goes back before the
        // caller's guard releases it, so no stale entry is left behind.
        let _on_unwind = EndWaitOnUnwind;
        // SAFETY: `self` and `mutex` are borrowed for this whole call, and
        // `in_wait` withdraws them before it returns (or unwinds).
        let wake = unsafe { CondvarWait::new(&self.inner, mutex.inner()) };
        let in_wait = live::in_condvar_wait(wake);
        // SAFETY: the caller holds `mutex` (through its guard), whose
        // uninstrumented lock is `mutex.inner()`; the raw wait unlocks and
        // re-locks it, and the guard's data is not touched meanwhile.
        let timed_out = unsafe { self.inner.wait_until(mutex.inner(), deadline) };
        drop(in_wait);
        crate::recorder::tick();
        // Recorded before a verdict can panic here: the mutex is held again
        // either way, and the guard's release while unwinding must follow
        // its re-acquisition in the trace.
        let woken = EventKind::CondWoken {
            condvar,
            mutex: mobj,
            timed_out,
        };
        self.rec
            .record_after_both(&self.meta, mutex.rec(), woken, Some(site));
        live::check_abort();
        live::wait_ended();
        timed_out
    }
}

/// Ends a condvar wait's live-check state if the wait unwinds (see
/// `wait_raw`); a no-op otherwise, and idempotent with `check_abort`'s own
/// restore.
struct EndWaitOnUnwind;

impl Drop for EndWaitOnUnwind {
    fn drop(&mut self) {
        if std::thread::panicking() {
            live::wait_ended();
        }
    }
}
