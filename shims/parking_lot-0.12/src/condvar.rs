//! `Condvar` with parking_lot 0.12's API, waiting on this crate's
//! [`MutexGuard`]s through lockscope's recorded condvar.
//!
//! A wait reaches lockscope's raw mutex under the guard and hands it to
//! lockscope's condvar, which records the wait (the mutex released), the
//! wake-up (re-acquired) and each notify at the caller's line, and shows
//! the wait to the watchdog.
//!
//! # Panics
//! As parking_lot: waiting on one condvar with two different mutexes at
//! the same time panics.

use std::panic::Location;
use std::time::{Duration, Instant};

use crate::MutexGuard;

/// Whether a timed wait timed out.
#[derive(Debug, PartialEq, Eq, Copy, Clone)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    /// Returns whether the wait was known to have timed out.
    #[inline]
    pub fn timed_out(self) -> bool {
        self.0
    }
}

/// A condition variable, recorded.
#[derive(Default)]
pub struct Condvar {
    inner: lockscope_sync::Condvar,
}

impl std::fmt::Debug for Condvar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad("Condvar { .. }")
    }
}

impl Condvar {
    /// A new condition variable, ready to be waited on and notified.
    #[inline]
    #[track_caller]
    pub const fn new() -> Condvar {
        Condvar {
            inner: lockscope_sync::Condvar::new(),
        }
    }

    /// Wakes up one blocked thread; returns whether one was woken.
    #[inline]
    #[track_caller]
    pub fn notify_one(&self) -> bool {
        self.inner.notify_one()
    }

    /// Wakes up every blocked thread; returns how many were woken.
    #[inline]
    #[track_caller]
    pub fn notify_all(&self) -> usize {
        self.inner.notify_all()
    }

    /// Blocks until notified, releasing the guard's mutex meanwhile.
    #[track_caller]
    pub fn wait<T: ?Sized>(&self, mutex_guard: &mut MutexGuard<'_, T>) {
        self.wait_until_internal(mutex_guard, None, Location::caller());
    }

    /// [`wait`](Self::wait) until `timeout` at most.
    #[track_caller]
    pub fn wait_until<T: ?Sized>(
        &self,
        mutex_guard: &mut MutexGuard<'_, T>,
        timeout: Instant,
    ) -> WaitTimeoutResult {
        let site = Location::caller();
        WaitTimeoutResult(self.wait_until_internal(mutex_guard, Some(timeout), site))
    }

    /// [`wait`](Self::wait) for `timeout` at most.
    #[track_caller]
    pub fn wait_for<T: ?Sized>(
        &self,
        mutex_guard: &mut MutexGuard<'_, T>,
        timeout: Duration,
    ) -> WaitTimeoutResult {
        let site = Location::caller();
        let deadline = Instant::now().checked_add(timeout);
        WaitTimeoutResult(self.wait_until_internal(mutex_guard, deadline, site))
    }

    /// Blocks while `condition` returns true.
    #[track_caller]
    pub fn wait_while<T, F>(&self, mutex_guard: &mut MutexGuard<'_, T>, condition: F)
    where
        T: ?Sized,
        F: FnMut(&mut T) -> bool,
    {
        self.wait_while_internal(mutex_guard, condition, None, Location::caller());
    }

    /// Blocks while `condition` returns true, until `timeout` at most; the
    /// result says whether it timed out (the condition is not evaluated
    /// after the timeout).
    #[track_caller]
    pub fn wait_while_until<T, F>(
        &self,
        mutex_guard: &mut MutexGuard<'_, T>,
        condition: F,
        timeout: Instant,
    ) -> WaitTimeoutResult
    where
        T: ?Sized,
        F: FnMut(&mut T) -> bool,
    {
        let site = Location::caller();
        self.wait_while_internal(mutex_guard, condition, Some(timeout), site)
    }

    /// Blocks while `condition` returns true, for `timeout` at most.
    #[track_caller]
    pub fn wait_while_for<T: ?Sized, F>(
        &self,
        mutex_guard: &mut MutexGuard<'_, T>,
        condition: F,
        timeout: Duration,
    ) -> WaitTimeoutResult
    where
        F: FnMut(&mut T) -> bool,
    {
        let site = Location::caller();
        let deadline = Instant::now().checked_add(timeout);
        self.wait_while_internal(mutex_guard, condition, deadline, site)
    }

    fn wait_while_internal<T: ?Sized, F>(
        &self,
        mutex_guard: &mut MutexGuard<'_, T>,
        mut condition: F,
        deadline: Option<Instant>,
        site: &'static Location<'static>,
    ) -> WaitTimeoutResult
    where
        F: FnMut(&mut T) -> bool,
    {
        // As parking_lot 0.12: a timeout ends the loop without evaluating
        // the condition again.
        let mut timed_out = false;
        while !timed_out && condition(&mut *mutex_guard) {
            timed_out = self.wait_until_internal(mutex_guard, deadline, site);
        }
        WaitTimeoutResult(timed_out)
    }

    /// Waits on the guard's mutex until notified or `deadline`; true if it
    /// timed out.
    fn wait_until_internal<T: ?Sized>(
        &self,
        mutex_guard: &mut MutexGuard<'_, T>,
        deadline: Option<Instant>,
        site: &'static Location<'static>,
    ) -> bool {
        // SAFETY: only used to reach the raw lock the guard holds.
        let raw = unsafe { lock_api::MutexGuard::mutex(mutex_guard).raw() };
        // SAFETY: the guard holds `raw`'s lock for this whole call, and the
        // data behind it is not touched until the wait returns.
        unsafe { self.inner.wait_raw_locked(raw.lockscope(), deadline, site) }
    }
}
