//! `Mutex`: `tokio::sync::Mutex` with its API, recorded (an `async_mutex`
//! in the trace).
//!
//! `lock` and `lock_owned` are plain functions returning the lock future,
//! so `#[track_caller]` gives the caller's site (an `async fn` cannot take
//! it). Owned guards need `T: 'static` (they keep a borrowed tokio guard
//! beside the `Arc` that keeps the mutex alive).

use std::future::Future;
use std::panic::Location;
use std::sync::Arc;

use lockscope_detector::trace::{LockMode, PrimitiveKind};
use tokio::sync::TryLockError;

use super::guard::{delegate_guard_mut, extend};
use super::recorded::{always, Acquire, Recorded, Release, Take};
use crate::meta::PrimitiveMeta;

const TAKE: Take = Take::Lock(LockMode::Exclusive);

/// An async mutex: `tokio::sync::Mutex`, recorded.
pub struct Mutex<T: ?Sized> {
    lock: Recorded,
    inner: tokio::sync::Mutex<T>,
}

/// A guard of a [`Mutex`]; the lock is released when it drops.
///
/// Two words, as tokio's own guard plus the mutex: a lock future's output
/// is returned in registers (a larger guard was built on the stack and
/// copied out with wider loads than the stores that wrote it, a
/// store-forwarding stall on every lock).
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized> {
    inner: tokio::sync::MutexGuard<'a, T>,
    mutex: &'a Mutex<T>,
}

/// A guard of part of a [`Mutex`]'s value ([`MutexGuard::map`]).
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MappedMutexGuard<'a, T: ?Sized> {
    release: Release<'a>,
    inner: tokio::sync::MappedMutexGuard<'a, T>,
}

/// An owned guard of an `Arc<Mutex<T>>` ([`Mutex::lock_owned`]).
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct OwnedMutexGuard<T: ?Sized + 'static> {
    // Borrows `*mutex`: dropped before it.
    guard: MutexGuard<'static, T>,
    mutex: Arc<Mutex<T>>,
}

/// An owned guard of part of a mutex's value ([`OwnedMutexGuard::map`]).
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct OwnedMappedMutexGuard<T: ?Sized + 'static, U: ?Sized + 'static = T> {
    guard: MappedMutexGuard<'static, U>,
    mutex: Arc<Mutex<T>>,
}

impl<T> Mutex<T> {
    /// A mutex holding `value`, created here.
    #[track_caller]
    pub fn new(value: T) -> Self {
        Mutex {
            lock: Recorded::new(PrimitiveKind::AsyncMutex, None),
            inner: tokio::sync::Mutex::new(value),
        }
    }

    /// A mutex called `name` (shown in reports) holding `value`.
    #[track_caller]
    pub fn named(name: &'static str, value: T) -> Self {
        Mutex {
            lock: Recorded::new(PrimitiveKind::AsyncMutex, Some(name)),
            inner: tokio::sync::Mutex::new(value),
        }
    }

    /// A mutex in a `const` context (a `static`).
    pub const fn const_new(value: T) -> Self {
        Mutex {
            lock: Recorded::new_const(PrimitiveKind::AsyncMutex),
            inner: tokio::sync::Mutex::const_new(value),
        }
    }

    /// The value.
    pub fn into_inner(self) -> T {
        self.inner.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// The mutex's identity (id, name, creation site).
    pub fn meta(&self) -> &PrimitiveMeta {
        self.lock.meta()
    }

    /// Locks the mutex, waiting (pending) while another holds it.
    #[track_caller]
    pub fn lock(&self) -> impl Future<Output = MutexGuard<'_, T>> + '_ {
        self.lock_at(Location::caller())
    }

    pub(crate) fn lock_at(
        &self,
        site: &'static Location<'static>,
    ) -> impl Future<Output = MutexGuard<'_, T>> + '_ {
        let wrap = move |inner| self.guard(inner);
        let try_now = || self.inner.try_lock().ok();
        Acquire::new(
            &self.lock,
            TAKE,
            site,
            self.inner.lock(),
            try_now,
            always,
            wrap,
        )
    }

    /// Locks the mutex from synchronous code, blocking the thread (tokio
    /// panics if called from a runtime thread).
    #[track_caller]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        let site = Location::caller();
        let inner = self.lock.blocking(
            TAKE,
            site,
            || self.inner.try_lock().ok(),
            || self.inner.blocking_lock(),
        );
        self.guard(inner)
    }

    /// Locks the mutex if it is free now.
    #[track_caller]
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        let r = self.inner.try_lock();
        self.lock.tried(TAKE, r.is_ok(), Location::caller());
        r.map(|inner| self.guard(inner))
    }

    /// The value, through a unique borrow (no locking).
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }

    fn guard<'a>(&'a self, inner: tokio::sync::MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        MutexGuard { inner, mutex: self }
    }
}

impl<T: ?Sized + 'static> Mutex<T> {
    /// Locks the mutex behind an `Arc`, for a guard that owns it.
    #[track_caller]
    pub fn lock_owned(self: Arc<Self>) -> impl Future<Output = OwnedMutexGuard<T>> {
        let site = Location::caller();
        async move {
            let guard = self.lock_at(site).await;
            // SAFETY: see `owned`.
            let guard = unsafe { owned(guard) };
            OwnedMutexGuard { guard, mutex: self }
        }
    }

    /// [`lock_owned`](Self::lock_owned) from synchronous code.
    #[track_caller]
    pub fn blocking_lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        let guard = self.blocking_lock();
        // SAFETY: see `owned`.
        let guard = unsafe { owned(guard) };
        OwnedMutexGuard { guard, mutex: self }
    }

    /// [`try_lock`](Self::try_lock) for a guard that owns the `Arc`.
    #[track_caller]
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        let guard = self.try_lock()?;
        // SAFETY: see `owned`.
        let guard = unsafe { owned(guard) };
        Ok(OwnedMutexGuard { guard, mutex: self })
    }
}

/// `guard` for an [`OwnedMutexGuard`].
///
/// # Safety
/// The caller stores the result in an `OwnedMutexGuard` beside the `Arc` of
/// the mutex it guards: the `Arc` keeps the mutex alive, and the guard,
/// declared first, drops before it.
unsafe fn owned<T: ?Sized + 'static>(guard: MutexGuard<'_, T>) -> MutexGuard<'static, T> {
    // SAFETY: the caller's contract.
    unsafe { extend::<MutexGuard<'_, T>, MutexGuard<'static, T>>(guard) }
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Its parts, without recording a release (the caller keeps the lock).
    fn into_parts(this: Self) -> (tokio::sync::MutexGuard<'a, T>, &'a Mutex<T>) {
        let this = std::mem::ManuallyDrop::new(this);
        // SAFETY: `this` is never dropped, so `inner` is moved out of it
        // exactly once.
        let inner = unsafe { std::ptr::read(&this.inner) };
        (inner, this.mutex)
    }

    /// A guard of part of the value.
    pub fn map<U: ?Sized>(this: Self, f: impl FnOnce(&mut T) -> &mut U) -> MappedMutexGuard<'a, U> {
        let (inner, mutex) = Self::into_parts(this);
        MappedMutexGuard {
            release: Release::new(&mutex.lock, TAKE),
            inner: tokio::sync::MutexGuard::map(inner, f),
        }
    }

    /// [`map`](Self::map) if `f` gives a part, else the guard back.
    pub fn try_map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<MappedMutexGuard<'a, U>, Self> {
        let (inner, mutex) = Self::into_parts(this);
        match tokio::sync::MutexGuard::try_map(inner, f) {
            Ok(inner) => Ok(MappedMutexGuard {
                release: Release::new(&mutex.lock, TAKE),
                inner,
            }),
            Err(inner) => Err(MutexGuard { inner, mutex }),
        }
    }

    /// The mutex this guard holds.
    pub fn mutex(this: &Self) -> &'a Mutex<T> {
        this.mutex
    }
}

impl<'a, T: ?Sized> MappedMutexGuard<'a, T> {
    /// A guard of part of this part.
    pub fn map<U>(this: Self, f: impl FnOnce(&mut T) -> &mut U) -> MappedMutexGuard<'a, U> {
        let MappedMutexGuard { release, inner } = this;
        MappedMutexGuard {
            release,
            inner: tokio::sync::MappedMutexGuard::map(inner, f),
        }
    }

    /// [`map`](Self::map) if `f` gives a part, else the guard back.
    pub fn try_map<U>(
        this: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<MappedMutexGuard<'a, U>, Self> {
        let MappedMutexGuard { release, inner } = this;
        match tokio::sync::MappedMutexGuard::try_map(inner, f) {
            Ok(inner) => Ok(MappedMutexGuard { release, inner }),
            Err(inner) => Err(MappedMutexGuard { release, inner }),
        }
    }
}

impl<T: ?Sized + 'static> OwnedMutexGuard<T> {
    /// An owned guard of part of the value.
    pub fn map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> &mut U,
    ) -> OwnedMappedMutexGuard<T, U> {
        let OwnedMutexGuard { guard, mutex } = this;
        OwnedMappedMutexGuard {
            guard: MutexGuard::map(guard, f),
            mutex,
        }
    }

    /// [`map`](Self::map) if `f` gives a part, else the guard back.
    pub fn try_map<U: ?Sized>(
        this: Self,
        f: impl FnOnce(&mut T) -> Option<&mut U>,
    ) -> Result<OwnedMappedMutexGuard<T, U>, Self> {
        let OwnedMutexGuard { guard, mutex } = this;
        match MutexGuard::try_map(guard, f) {
            Ok(guard) => Ok(OwnedMappedMutexGuard { guard, mutex }),
            Err(guard) => Err(OwnedMutexGuard { guard, mutex }),
        }
    }

    /// The mutex this guard holds.
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.mutex
    }
}

impl<T: ?Sized + 'static, U: ?Sized + 'static> OwnedMappedMutexGuard<T, U> {
    /// An owned guard of part of this part.
    pub fn map<S>(this: Self, f: impl FnOnce(&mut U) -> &mut S) -> OwnedMappedMutexGuard<T, S> {
        let OwnedMappedMutexGuard { guard, mutex } = this;
        OwnedMappedMutexGuard {
            guard: MappedMutexGuard::map(guard, f),
            mutex,
        }
    }

    /// [`map`](Self::map) if `f` gives a part, else the guard back.
    pub fn try_map<S>(
        this: Self,
        f: impl FnOnce(&mut U) -> Option<&mut S>,
    ) -> Result<OwnedMappedMutexGuard<T, S>, Self> {
        let OwnedMappedMutexGuard { guard, mutex } = this;
        match MappedMutexGuard::try_map(guard, f) {
            Ok(guard) => Ok(OwnedMappedMutexGuard { guard, mutex }),
            Err(guard) => Err(OwnedMappedMutexGuard { guard, mutex }),
        }
    }

    /// The mutex this guard holds.
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.mutex
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // Before `inner` (the real unlock) is dropped.
        self.mutex.lock.released(TAKE);
    }
}

delegate_guard_mut!(MutexGuard<'_, T>, T, [T: ?Sized], inner);
delegate_guard_mut!(MappedMutexGuard<'_, T>, T, [T: ?Sized], inner);
delegate_guard_mut!(OwnedMutexGuard<T>, T, [T: ?Sized + 'static], guard);
delegate_guard_mut!(
    OwnedMappedMutexGuard<T, U>,
    U,
    [T: ?Sized + 'static, U: ?Sized + 'static],
    guard
);

impl<T: Default> Default for Mutex<T> {
    #[track_caller]
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    #[track_caller]
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

impl<T: ?Sized + std::fmt::Debug> std::fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mutex")
            .field("id", &self.lock.meta().id())
            .field("inner", &&self.inner)
            .finish()
    }
}
