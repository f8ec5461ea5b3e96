//! `RwLock`: `tokio::sync::RwLock` with its API, recorded (an
//! `async_rwlock` in the trace: reads `shared`, writes `exclusive`).
//!
//! As for [`Mutex`](super::Mutex), the acquisitions are plain functions
//! returning the lock future (the caller's site), and owned guards need
//! `T: 'static`.

use std::future::Future;
use std::panic::Location;
use std::sync::Arc;

use lockscope_detector::trace::{EventKind, LockMode, PrimitiveKind};
use tokio::sync::TryLockError;

use super::guard::{delegate_guard, delegate_guard_mut, extend};
use super::recorded::{always, Acquire, Recorded, Release, Take};
use crate::meta::PrimitiveMeta;
use crate::recorder::Sync;

const READ: Take = Take::Lock(LockMode::Shared);
const WRITE: Take = Take::Lock(LockMode::Exclusive);

/// An async reader-writer lock: `tokio::sync::RwLock`, recorded.
pub struct RwLock<T: ?Sized> {
    lock: Recorded,
    inner: tokio::sync::RwLock<T>,
}

/// A read guard of an [`RwLock`] (or of part of its value, after `map`).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    release: Release<'a>,
    inner: tokio::sync::RwLockReadGuard<'a, T>,
}

/// A write guard of an [`RwLock`].
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    release: Release<'a>,
    inner: tokio::sync::RwLockWriteGuard<'a, T>,
}

/// A write guard of part of an [`RwLock`]'s value.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockMappedWriteGuard<'a, T: ?Sized> {
    release: Release<'a>,
    inner: tokio::sync::RwLockMappedWriteGuard<'a, T>,
}

/// An owned read guard of an `Arc<RwLock<T>>` (of part `U` of its value
/// after `map`).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockReadGuard<T: ?Sized + 'static, U: ?Sized + 'static = T> {
    // Borrows `*lock`: dropped before it.
    guard: RwLockReadGuard<'static, U>,
    lock: Arc<RwLock<T>>,
}

/// An owned write guard of an `Arc<RwLock<T>>`.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockWriteGuard<T: ?Sized + 'static> {
    guard: RwLockWriteGuard<'static, T>,
    lock: Arc<RwLock<T>>,
}

/// An owned write guard of part `U` of an `Arc<RwLock<T>>`'s value.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockMappedWriteGuard<T: ?Sized + 'static, U: ?Sized + 'static = T> {
    guard: RwLockMappedWriteGuard<'static, U>,
    lock: Arc<RwLock<T>>,
}

impl<T> RwLock<T> {
    /// A lock holding `value`, created here.
    #[track_caller]
    pub fn new(value: T) -> Self {
        Self::build(None, tokio::sync::RwLock::new(value))
    }

    /// A lock called `name` (shown in reports) holding `value`.
    #[track_caller]
    pub fn named(name: &'static str, value: T) -> Self {
        Self::build(Some(name), tokio::sync::RwLock::new(value))
    }

    /// A lock admitting at most `max_reads` readers at once.
    #[track_caller]
    pub fn with_max_readers(value: T, max_reads: u32) -> Self {
        Self::build(
            None,
            tokio::sync::RwLock::with_max_readers(value, max_reads),
        )
    }

    /// A lock in a `const` context (a `static`).
    pub const fn const_new(value: T) -> Self {
        RwLock {
            lock: Recorded::new_const(PrimitiveKind::AsyncRwLock),
            inner: tokio::sync::RwLock::const_new(value),
        }
    }

    #[track_caller]
    fn build(name: Option<&'static str>, inner: tokio::sync::RwLock<T>) -> Self {
        RwLock {
            lock: Recorded::new(PrimitiveKind::AsyncRwLock, name),
            inner,
        }
    }

    /// The value.
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// The lock's identity (id, name, creation site).
    pub fn meta(&self) -> &PrimitiveMeta {
        self.lock.meta()
    }

    /// Locks for reading, waiting (pending) while a writer holds or waits.
    #[track_caller]
    pub fn read(&self) -> impl Future<Output = RwLockReadGuard<'_, T>> + '_ {
        self.read_at(Location::caller())
    }

    fn read_at(
        &self,
        site: &'static Location<'static>,
    ) -> impl Future<Output = RwLockReadGuard<'_, T>> + '_ {
        let wrap = move |inner| self.read_guard(inner);
        let try_now = || self.inner.try_read().ok();
        Acquire::new(
            &self.lock,
            READ,
            site,
            self.inner.read(),
            try_now,
            always,
            wrap,
        )
    }

    /// Locks for writing, waiting (pending) while anyone holds it.
    #[track_caller]
    pub fn write(&self) -> impl Future<Output = RwLockWriteGuard<'_, T>> + '_ {
        self.write_at(Location::caller())
    }

    pub(crate) fn write_at(
        &self,
        site: &'static Location<'static>,
    ) -> impl Future<Output = RwLockWriteGuard<'_, T>> + '_ {
        let wrap = move |inner| self.write_guard(inner);
        let try_now = || self.inner.try_write().ok();
        Acquire::new(
            &self.lock,
            WRITE,
            site,
            self.inner.write(),
            try_now,
            always,
            wrap,
        )
    }

    /// Locks for reading from synchronous code, blocking the thread.
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        let inner = self.lock.blocking(
            READ,
            Location::caller(),
            || self.inner.try_read().ok(),
            || self.inner.blocking_read(),
        );
        self.read_guard(inner)
    }

    /// Locks for writing from synchronous code, blocking the thread.
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        let inner = self.lock.blocking(
            WRITE,
            Location::caller(),
            || self.inner.try_write().ok(),
            || self.inner.blocking_write(),
        );
        self.write_guard(inner)
    }

    /// Locks for reading if that is possible now.
    #[track_caller]
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        let r = self.inner.try_read();
        self.lock.tried(READ, r.is_ok(), Location::caller());
        r.map(|inner| self.read_guard(inner))
    }

    /// Locks for writing if the lock is free now.
    #[track_caller]
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        let r = self.inner.try_write();
        self.lock.tried(WRITE, r.is_ok(), Location::caller());
        r.map(|inner| self.write_guard(inner))
    }

    /// The value, through a unique borrow (no locking).
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }

    fn read_guard<'a>(
        &'a self,
        inner: tokio::sync::RwLockReadGuard<'a, T>,
    ) -> RwLockReadGuard<'a, T> {
        RwLockReadGuard {
            release: Release::new(&self.lock, READ),
            inner,
        }
    }

    fn write_guard<'a>(
        &'a self,
        inner: tokio::sync::RwLockWriteGuard<'a, T>,
    ) -> RwLockWriteGuard<'a, T> {
        RwLockWriteGuard {
            release: Release::new(&self.lock, WRITE),
            inner,
        }
    }
}

impl<T: ?Sized + 'static> RwLock<T> {
    /// [`read`](Self::read) for a guard that owns the `Arc`.
    #[track_caller]
    pub fn read_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockReadGuard<T>> {
        let site = Location::caller();
        async move {
            let guard = self.read_at(site).await;
            // SAFETY: the guard borrows `*self`, kept alive by the `Arc`
            // stored beside it; the guard is declared first and drops first.
            let guard = unsafe { extend(guard) };
            OwnedRwLockReadGuard { guard, lock: self }
        }
    }

    /// [`write`](Self::write) for a guard that owns the `Arc`.
    #[track_caller]
    pub fn write_owned(self: Arc<Self>) -> impl Future<Output = OwnedRwLockWriteGuard<T>> {
        let site = Location::caller();
        async move {
            let guard = self.write_at(site).await;
            // SAFETY: as in `read_owned`.
            let guard = unsafe { extend(guard) };
            OwnedRwLockWriteGuard { guard, lock: self }
        }
    }

    /// [`try_read`](Self::try_read) for a guard that owns the `Arc`.
    #[track_caller]
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        let guard = self.try_read()?;
        // SAFETY: as in `read_owned`.
        let guard = unsafe { extend(guard) };
        Ok(OwnedRwLockReadGuard { guard, lock: self })
    }

    /// [`try_write`](Self::try_write) for a guard that owns the `Arc`.
    #[track_caller]
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        let guard = self.try_write()?;
        // SAFETY: as in `read_owned`.
        let guard = unsafe { extend(guard) };
        Ok(OwnedRwLockWriteGuard { guard, lock: self })
    }
}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// A read guard of part of the value.
    pub fn map<U: ?Sized>(this: Self, f: impl FnOnce(&T) -> &U) -> RwLockReadGuard<'a, U> {
        let RwLockReadGuard { release, inner } = this;
        RwLockReadGuard {
            release,
            inner: tokio::sync::RwLockReadGuard::map(inner, f),
        }
    }

    /// [`map`](Self::map) if `f` gives a part, else the guard back.
    pub fn try_map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&T) -> Option<&U>,
    ) -> Result<RwLockReadGuard<'a, U>, Self> {
        let RwLockReadGuard { release, inner } = this;
        match tokio::sync::RwLockReadGuard::try_map(inner, f) {
            Ok(inner) => Ok(RwLockReadGuard { release, inner }),
            Err(inner) => Err(RwLockReadGuard { release, inner }),
        }
    }
}

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// A write guard of part of the value.
    pub fn map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> &mut U,
    ) -> RwLockMappedWriteGuard<'a, U> {
        let RwLockWriteGuard { release, inner } = this;
        RwLockMappedWriteGuard {
            release,
            inner: tokio::sync::RwLockWriteGuard::map(inner, f),
        }
    }

    /// [`map`](Self::map) if `f` gives a part, else the guard back.
    pub fn try_map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self> {
        let RwLockWriteGuard { release, inner } = this;
        match tokio::sync::RwLockWriteGuard::try_map(inner, f) {
            Ok(inner) => Ok(RwLockMappedWriteGuard { release, inner }),
            Err(inner) => Err(RwLockWriteGuard { release, inner }),
        }
    }

    /// Turns the write into a read without letting a writer in between
    /// (recorded as `downgraded`).
    #[track_caller]
    pub fn downgrade(this: Self) -> RwLockReadGuard<'a, T> {
        let RwLockWriteGuard { mut release, inner } = this;
        let site = Location::caller();
        release.lock().record(
            |obj| EventKind::Downgraded {
                obj,
                to: LockMode::Shared,
            },
            Some(site),
            Sync::None,
        );
        release.lock().downgraded();
        release.retake(READ);
        RwLockReadGuard {
            release,
            inner: tokio::sync::RwLockWriteGuard::downgrade(inner),
        }
    }
}

impl<'a, T: ?Sized> RwLockMappedWriteGuard<'a, T> {
    /// A write guard of part of this part.
    pub fn map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> &mut U,
    ) -> RwLockMappedWriteGuard<'a, U> {
        let RwLockMappedWriteGuard { release, inner } = this;
        RwLockMappedWriteGuard {
            release,
            inner: tokio::sync::RwLockMappedWriteGuard::map(inner, f),
        }
    }

    /// [`map`](Self::map) if `f` gives a part, else the guard back.
    pub fn try_map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<RwLockMappedWriteGuard<'a, U>, Self> {
        let RwLockMappedWriteGuard { release, inner } = this;
        match tokio::sync::RwLockMappedWriteGuard::try_map(inner, f) {
            Ok(inner) => Ok(RwLockMappedWriteGuard { release, inner }),
            Err(inner) => Err(RwLockMappedWriteGuard { release, inner }),
        }
    }
}

impl<T: ?Sized + 'static, U: ?Sized + 'static> OwnedRwLockReadGuard<T, U> {
    /// An owned read guard of part of the value.
    pub fn map<V: ?Sized>(this: Self, f: impl FnOnce(&U) -> &V) -> OwnedRwLockReadGuard<T, V> {
        let OwnedRwLockReadGuard { guard, lock } = this;
        OwnedRwLockReadGuard {
            guard: RwLockReadGuard::map(guard, f),
            lock,
        }
    }

    /// The lock this guard holds.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized + 'static> OwnedRwLockWriteGuard<T> {
    /// An owned write guard of part of the value.
    pub fn map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> &mut U,
    ) -> OwnedRwLockMappedWriteGuard<T, U> {
        let OwnedRwLockWriteGuard { guard, lock } = this;
        OwnedRwLockMappedWriteGuard {
            guard: RwLockWriteGuard::map(guard, f),
            lock,
        }
    }

    /// Turns the write into a read (recorded as `downgraded`).
    #[track_caller]
    pub fn downgrade(this: Self) -> OwnedRwLockReadGuard<T> {
        let OwnedRwLockWriteGuard { guard, lock } = this;
        OwnedRwLockReadGuard {
            guard: RwLockWriteGuard::downgrade(guard),
            lock,
        }
    }

    /// The lock this guard holds.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

impl<T: ?Sized + 'static, U: ?Sized + 'static> OwnedRwLockMappedWriteGuard<T, U> {
    /// An owned write guard of part of this part.
    pub fn map<V: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut U) -> &mut V,
    ) -> OwnedRwLockMappedWriteGuard<T, V> {
        let OwnedRwLockMappedWriteGuard { guard, lock } = this;
        OwnedRwLockMappedWriteGuard {
            guard: RwLockMappedWriteGuard::map(guard, f),
            lock,
        }
    }

    /// The lock this guard holds.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }
}

delegate_guard!(RwLockReadGuard<'_, T>, T, [T: ?Sized], inner);
delegate_guard_mut!(RwLockWriteGuard<'_, T>, T, [T: ?Sized], inner);
delegate_guard_mut!(RwLockMappedWriteGuard<'_, T>, T, [T: ?Sized], inner);
delegate_guard!(
    OwnedRwLockReadGuard<T, U>,
    U,
    [T: ?Sized + 'static, U: ?Sized + 'static],
    guard
);
delegate_guard_mut!(OwnedRwLockWriteGuard<T>, T, [T: ?Sized + 'static], guard);
delegate_guard_mut!(
    OwnedRwLockMappedWriteGuard<T, U>,
    U,
    [T: ?Sized + 'static, U: ?Sized + 'static],
    guard
);

impl<T: Default> Default for RwLock<T> {
    #[track_caller]
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    #[track_caller]
    fn from(value: T) -> Self {
        RwLock::new(value)
    }
}

impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RwLock")
            .field("id", &self.lock.meta().id())
            .field("inner", &&self.inner)
            .finish()
    }
}
