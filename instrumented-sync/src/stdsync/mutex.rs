//! `Mutex` and `MutexGuard` with `std::sync`'s API, over lockscope's
//! recorded [`crate::Mutex`] plus a poison flag.
//!
//! Every method std has on stable is here with std's signature; each
//! acquisition is recorded at the caller's site (`#[track_caller]` down to
//! the raw lock). `lock` returns the guard inside `Err` when the mutex is
//! poisoned, `try_lock` returns `TryLockError::Poisoned` or `WouldBlock`.
//! A guard dropped while its thread panics poisons the mutex, unless the
//! thread was already panicking when it took the lock (std's rule).
//! `Debug` prints what std's does, `Send`/`Sync`/`UnwindSafe` are std's.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::{LockResult, TryLockError, TryLockResult};

use super::poison;

/// A mutual exclusion lock with `std::sync::Mutex`'s API, recorded.
///
/// ```
/// use std::sync::Arc;
/// use lockscope_sync::stdsync::Mutex;
///
/// let counter = Arc::new(Mutex::new(0));
/// let c = Arc::clone(&counter);
/// std::thread::spawn(move || *c.lock().unwrap() += 1).join().unwrap();
/// assert_eq!(*counter.lock().unwrap(), 1);
/// ```
pub struct Mutex<T: ?Sized> {
    poison: poison::Flag,
    inner: crate::Mutex<T>,
}

/// What [`Mutex::lock`] and [`Mutex::try_lock`] return: the lock is held
/// until it is dropped.
#[must_use = "if unused the Mutex will immediately unlock"]
#[clippy::has_significant_drop]
pub struct MutexGuard<'a, T: ?Sized + 'a> {
    /// First, so that it is dropped (and poisons) before `inner` unlocks.
    poison: poison::Guard<'a>,
    inner: crate::MutexGuard<'a, T>,
    /// `!Send`, as std's guard: whatever the raw lock's guard marker says.
    _not_send: PhantomData<*const ()>,
}

// std's `Mutex` is unwind-safe whatever `T` is: poisoning reports a panic
// that interrupted a critical section.
impl<T: ?Sized> UnwindSafe for Mutex<T> {}
impl<T: ?Sized> RefUnwindSafe for Mutex<T> {}
impl<T: ?Sized> UnwindSafe for MutexGuard<'_, T> {}
impl<T: ?Sized> RefUnwindSafe for MutexGuard<'_, T> {}

// SAFETY: a shared `&MutexGuard` gives out only `&T` (`Deref`, `Debug`,
// `Display`) and reads nothing else but the atomic poison flag, so sharing
// it between threads needs `T: Sync` and nothing more, as for std's guard
// (lock_api's guard also asks `T: Send`, through its `&Mutex`).
unsafe impl<T: ?Sized + Sync> Sync for MutexGuard<'_, T> {}

impl<T> Mutex<T> {
    /// An unlocked mutex holding `t`. Its creation site, in the trace, is
    /// the site of its first use (a `const fn` cannot see its caller).
    pub const fn new(t: T) -> Mutex<T> {
        Mutex {
            poison: poison::Flag::new(),
            inner: crate::Mutex::new(t),
        }
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Blocks until the lock is acquired; `Err` (holding the guard) if the
    /// mutex is poisoned.
    #[track_caller]
    pub fn lock(&self) -> LockResult<MutexGuard<'_, T>> {
        let inner = self.inner.lock();
        MutexGuard::new(&self.poison, inner)
    }

    /// Acquires the lock if it is free: `WouldBlock` if it is held,
    /// `Poisoned` (holding the guard) if it is poisoned.
    #[track_caller]
    pub fn try_lock(&self) -> TryLockResult<MutexGuard<'_, T>> {
        match self.inner.try_lock() {
            Some(inner) => Ok(MutexGuard::new(&self.poison, inner)?),
            None => Err(TryLockError::WouldBlock),
        }
    }

    /// Whether a thread panicked while holding the lock.
    pub fn is_poisoned(&self) -> bool {
        self.poison.get()
    }

    /// Marks the mutex as no longer poisoned.
    pub fn clear_poison(&self) {
        self.poison.clear();
    }

    /// The data, without locking; `Err` if poisoned.
    pub fn into_inner(self) -> LockResult<T>
    where
        T: Sized,
    {
        let Mutex { poison, inner } = self;
        poison.result(inner.into_inner())
    }

    /// A mutable reference to the data, without locking (the borrow
    /// proves exclusive access); `Err` if poisoned.
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        let data = self.inner.get_mut();
        self.poison.result(data)
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(t: T) -> Self {
        Mutex::new(t)
    }
}

/// As std's: `Mutex { data: .., poisoned: .., .. }`, with `<locked>` for
/// data held by another guard. (The `try_lock` this makes is recorded at
/// this file's site.)
impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(guard) => d.field("data", &&*guard),
            Err(TryLockError::Poisoned(err)) => d.field("data", &&**err.get_ref()),
            Err(TryLockError::WouldBlock) => d.field("data", &"<locked>"),
        };
        d.field("poisoned", &self.poison.get());
        d.finish_non_exhaustive()
    }
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    fn new(flag: &'a poison::Flag, inner: crate::MutexGuard<'a, T>) -> LockResult<Self> {
        MutexGuard {
            poison: flag.guard(),
            inner,
            _not_send: PhantomData,
        }
        .into_result()
    }

    /// `self`, or `self` in a `PoisonError` if the mutex is poisoned now.
    pub(super) fn into_result(self) -> LockResult<Self> {
        self.poison.flag().result(self)
    }

    /// The mutex's poison flag, for the condvar.
    pub(super) fn flag(&self) -> &'a poison::Flag {
        self.poison.flag()
    }

    /// The recorded guard underneath, for the condvar.
    pub(super) fn inner_mut(&mut self) -> &mut crate::MutexGuard<'a, T> {
        &mut self.inner
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
