//! `RwLock` and its guards with `std::sync`'s API, over lockscope's
//! recorded [`crate::RwLock`] plus a poison flag.
//!
//! `read` / `write` return `LockResult`, `try_read` / `try_write`
//! `TryLockResult`. Only a writer poisons (a write guard dropped while its
//! thread panics); a reader never does, and `RwLockWriteGuard::downgrade`
//! does not either, as std's. Every acquisition is recorded at the caller's
//! site, in its mode.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::{LockResult, TryLockError, TryLockResult};

use super::poison;

/// A reader-writer lock with `std::sync::RwLock`'s API, recorded.
///
/// ```
/// use lockscope_sync::stdsync::RwLock;
///
/// let lock = RwLock::new(5);
/// {
///     let (r1, r2) = (lock.read().unwrap(), lock.read().unwrap());
///     assert_eq!(*r1 + *r2, 10);
/// }
/// *lock.write().unwrap() += 1;
/// assert_eq!(lock.into_inner().unwrap(), 6);
/// ```
pub struct RwLock<T: ?Sized> {
    poison: poison::Flag,
    inner: crate::RwLock<T>,
}

/// Shared access, released when dropped.
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct RwLockReadGuard<'a, T: ?Sized + 'a> {
    inner: crate::RwLockReadGuard<'a, T>,
    /// `!Send`, as std's guard.
    _not_send: PhantomData<*const ()>,
}

/// Exclusive access, released when dropped.
#[must_use = "if unused the RwLock will immediately unlock"]
#[clippy::has_significant_drop]
pub struct RwLockWriteGuard<'a, T: ?Sized + 'a> {
    /// First, so that it is dropped (and poisons) before `inner` unlocks.
    poison: poison::Guard<'a>,
    inner: crate::RwLockWriteGuard<'a, T>,
    /// `!Send`, as std's guard.
    _not_send: PhantomData<*const ()>,
}

impl<T: ?Sized> UnwindSafe for RwLock<T> {}
impl<T: ?Sized> RefUnwindSafe for RwLock<T> {}
impl<T: ?Sized + RefUnwindSafe> UnwindSafe for RwLockReadGuard<'_, T> {}
impl<T: ?Sized + RefUnwindSafe> RefUnwindSafe for RwLockReadGuard<'_, T> {}
impl<T: ?Sized> UnwindSafe for RwLockWriteGuard<'_, T> {}
impl<T: ?Sized> RefUnwindSafe for RwLockWriteGuard<'_, T> {}

// SAFETY: a shared `&RwLockReadGuard` gives out only `&T`, so sharing it
// needs `T: Sync` alone, as for std's guard (lock_api's also asks
// `T: Send`, through its `&RwLock`).
unsafe impl<T: ?Sized + Sync> Sync for RwLockReadGuard<'_, T> {}
// SAFETY: as for the read guard: `&RwLockWriteGuard` gives out only `&T`,
// and reads nothing else but the atomic poison flag.
unsafe impl<T: ?Sized + Sync> Sync for RwLockWriteGuard<'_, T> {}

impl<T> RwLock<T> {
    /// An unlocked lock holding `t`. Its creation site, in the trace, is the
    /// site of its first use (a `const fn` cannot see its caller).
    pub const fn new(t: T) -> RwLock<T> {
        RwLock {
            poison: poison::Flag::new(),
            inner: crate::RwLock::new(t),
        }
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Blocks until shared access is granted; `Err` (holding the guard) if
    /// the lock is poisoned.
    #[track_caller]
    pub fn read(&self) -> LockResult<RwLockReadGuard<'_, T>> {
        let inner = self.inner.read();
        self.poison.result(RwLockReadGuard::new(inner))
    }

    /// Shared access if no writer holds the lock: `WouldBlock` otherwise,
    /// `Poisoned` (holding the guard) if poisoned.
    #[track_caller]
    pub fn try_read(&self) -> TryLockResult<RwLockReadGuard<'_, T>> {
        match self.inner.try_read() {
            Some(inner) => Ok(self.poison.result(RwLockReadGuard::new(inner))?),
            None => Err(TryLockError::WouldBlock),
        }
    }

    /// Blocks until exclusive access is granted; `Err` (holding the guard)
    /// if the lock is poisoned.
    #[track_caller]
    pub fn write(&self) -> LockResult<RwLockWriteGuard<'_, T>> {
        let inner = self.inner.write();
        RwLockWriteGuard::new(&self.poison, inner)
    }

    /// Exclusive access if the lock is free: `WouldBlock` otherwise,
    /// `Poisoned` (holding the guard) if poisoned.
    #[track_caller]
    pub fn try_write(&self) -> TryLockResult<RwLockWriteGuard<'_, T>> {
        match self.inner.try_write() {
            Some(inner) => Ok(RwLockWriteGuard::new(&self.poison, inner)?),
            None => Err(TryLockError::WouldBlock),
        }
    }

    /// Whether a writer panicked while holding the lock.
    pub fn is_poisoned(&self) -> bool {
        self.poison.get()
    }

    /// Marks the lock as no longer poisoned.
    pub fn clear_poison(&self) {
        self.poison.clear();
    }

    /// The data, without locking; `Err` if poisoned.
    pub fn into_inner(self) -> LockResult<T>
    where
        T: Sized,
    {
        let RwLock { poison, inner } = self;
        poison.result(inner.into_inner())
    }

    /// A mutable reference to the data, without locking; `Err` if
    /// poisoned.
    pub fn get_mut(&mut self) -> LockResult<&mut T> {
        let data = self.inner.get_mut();
        self.poison.result(data)
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(t: T) -> Self {
        RwLock::new(t)
    }
}

/// As std's: `RwLock { data: .., poisoned: .., .. }`, with `<locked>` while
/// a writer holds it. (The `try_read` this makes is recorded at this
/// file's site.)
impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(guard) => d.field("data", &&*guard),
            Err(TryLockError::Poisoned(err)) => d.field("data", &&**err.get_ref()),
            Err(TryLockError::WouldBlock) => d.field("data", &format_args!("<locked>")),
        };
        d.field("poisoned", &self.poison.get());
        d.finish_non_exhaustive()
    }
}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    fn new(inner: crate::RwLockReadGuard<'a, T>) -> Self {
        RwLockReadGuard {
            inner,
            _not_send: PhantomData,
        }
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    fn new(flag: &'a poison::Flag, inner: crate::RwLockWriteGuard<'a, T>) -> LockResult<Self> {
        let guard = RwLockWriteGuard {
            poison: flag.guard(),
            inner,
            _not_send: PhantomData,
        };
        guard.poison.flag().result(guard)
    }

    /// Turns exclusive access into shared access without letting a writer
    /// in between (recorded as a downgrade). Does not poison, as std's.
    #[track_caller]
    pub fn downgrade(s: Self) -> RwLockReadGuard<'a, T> {
        let RwLockWriteGuard { poison, inner, .. } = s;
        std::mem::forget(poison);
        RwLockReadGuard::new(crate::RwLockWriteGuard::downgrade(inner))
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.inner
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}
