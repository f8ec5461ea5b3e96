//! `Condvar` with `std::sync::Condvar`'s API, over lockscope's recorded
//! [`crate::Condvar`], waiting with this module's [`MutexGuard`].
//!
//! Each wait takes the guard by value and gives it back in a `LockResult`:
//! `Err` when the mutex is poisoned once it is re-acquired, as std's. The
//! wait is recorded (`cond_wait`, `cond_woken`) at the caller's site, and
//! so is each notify; `wait_while` and `wait_timeout_while` record each of
//! their waits at their caller's site. The live checks see the wait as
//! lockscope's own condvar wait (the watchdog can wake a deadlocked
//! waiter).

use std::fmt;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::LockResult;
use std::time::{Duration, Instant};

use super::mutex::MutexGuard;

/// A condition variable with `std::sync::Condvar`'s API, recorded.
///
/// ```
/// use lockscope_sync::stdsync::{Arc, Condvar, Mutex};
///
/// let pair = Arc::new((Mutex::new(false), Condvar::new()));
/// let pair2 = Arc::clone(&pair);
/// std::thread::spawn(move || {
///     *pair2.0.lock().unwrap() = true;
///     pair2.1.notify_one();
/// });
/// let (lock, cvar) = &*pair;
/// let ready = cvar.wait_while(lock.lock().unwrap(), |ready| !*ready).unwrap();
/// assert!(*ready);
/// ```
pub struct Condvar {
    inner: crate::Condvar,
}

/// Whether a timed wait returned because its time ran out.
#[derive(Debug, PartialEq, Eq, Copy, Clone)]
pub struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    /// True if the wait is known to have timed out.
    pub fn timed_out(&self) -> bool {
        self.0
    }
}

impl UnwindSafe for Condvar {}
impl RefUnwindSafe for Condvar {}

impl Condvar {
    /// A condition variable, created at the caller's site.
    #[track_caller]
    pub const fn new() -> Condvar {
        Condvar {
            inner: crate::Condvar::new(),
        }
    }

    /// Releases the guard's mutex and blocks until notified (or woken
    /// spuriously), then re-acquires it; `Err` (holding the guard) if the
    /// mutex is poisoned by then.
    ///
    /// # Panics
    /// If this condvar is used with two mutexes at the same time.
    #[track_caller]
    pub fn wait<'a, T>(&self, mut guard: MutexGuard<'a, T>) -> LockResult<MutexGuard<'a, T>> {
        self.inner.wait(guard.inner_mut());
        guard.into_result()
    }

    /// Waits (as [`wait`](Self::wait)) as long as `condition` holds,
    /// checking it first.
    #[track_caller]
    pub fn wait_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: F,
    ) -> LockResult<MutexGuard<'a, T>>
    where
        F: FnMut(&mut T) -> bool,
    {
        while condition(&mut *guard) {
            guard = self.wait(guard)?;
        }
        Ok(guard)
    }

    /// Waits for at most `ms` milliseconds; the `bool` is false only if
    /// the time is known to have run out.
    #[deprecated(
        since = "1.6.0",
        note = "replaced by `Condvar::wait_timeout`, as in std"
    )]
    #[track_caller]
    pub fn wait_timeout_ms<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        ms: u32,
    ) -> LockResult<(MutexGuard<'a, T>, bool)> {
        match self.wait_timeout(guard, Duration::from_millis(u64::from(ms))) {
            Ok((guard, r)) => Ok((guard, !r.timed_out())),
            Err(e) => {
                let (guard, r) = e.into_inner();
                Err(std::sync::PoisonError::new((guard, !r.timed_out())))
            }
        }
    }

    /// Waits (as [`wait`](Self::wait)) for at most `dur`.
    #[track_caller]
    pub fn wait_timeout<'a, T>(
        &self,
        mut guard: MutexGuard<'a, T>,
        dur: Duration,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)> {
        let timed_out = self.inner.wait_for(guard.inner_mut(), dur).timed_out();
        let flag = guard.flag();
        flag.result((guard, WaitTimeoutResult(timed_out)))
    }

    /// Waits as long as `condition` holds, for at most `dur` in all; the
    /// result says whether the time ran out with the condition still true.
    #[track_caller]
    pub fn wait_timeout_while<'a, T, F>(
        &self,
        mut guard: MutexGuard<'a, T>,
        dur: Duration,
        mut condition: F,
    ) -> LockResult<(MutexGuard<'a, T>, WaitTimeoutResult)>
    where
        F: FnMut(&mut T) -> bool,
    {
        let start = Instant::now();
        loop {
            if !condition(&mut *guard) {
                return Ok((guard, WaitTimeoutResult(false)));
            }
            let Some(left) = dur.checked_sub(start.elapsed()) else {
                return Ok((guard, WaitTimeoutResult(true)));
            };
            guard = self.wait_timeout(guard, left)?.0;
        }
    }

    /// Wakes one waiting thread, if any.
    #[track_caller]
    pub fn notify_one(&self) {
        self.inner.notify_one();
    }

    /// Wakes every waiting thread.
    #[track_caller]
    pub fn notify_all(&self) {
        self.inner.notify_all();
    }
}

impl Default for Condvar {
    #[track_caller]
    fn default() -> Condvar {
        Condvar::new()
    }
}

/// As std's: `Condvar { .. }`.
impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condvar").finish_non_exhaustive()
    }
}
