//! An instrumented reentrant mutex (Python's `RLock`) with parking_lot's
//! `ReentrantMutex` API.
//!
//! A thin wrapper rather than a `lock_api` alias: the alias would run the
//! raw lock only on the outermost acquisition, hiding re-entries and their
//! call sites. Here every `lock` records `acquired` with the re-entrancy
//! depth after it (1 for the outermost), and every guard drop records
//! `released` before the real unlock.
//!
//! The guard's `unlocked`, `unlocked_fair`, `unlock_fair` and `bump`
//! release one level and take it back through the same recorded paths
//! (a release, then a request if the lock is taken, and an acquisition).
//!
//! `map` and `try_map` give a [`MappedReentrantMutexGuard`] that releases
//! the same level, recorded.
//!
//! `lock_arc` and `try_lock_arc` give an [`ArcReentrantMutexGuard`] that
//! keeps the mutex alive.
//!
//! # Limitations
//! Not all of lock_api's guard methods are here: the Arc guard has no
//! `into_arc`, `unlock_fair`, `unlocked` or `bump`; the mapped guard no
//! `unlock_fair` or `Display`; neither has `try_map_or_err`.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::panic::Location;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lockscope_detector::trace::{EventKind, LockMode, PrimitiveKind};

use crate::blocked::LockRef;
use crate::hook as live;
use crate::meta::PrimitiveMeta;
use crate::recorder::{obj_id, ObjRec, Sync};

const MODE: LockMode = LockMode::Exclusive;

/// A guard's level is out of it only inside `unlocked`, where the guard
/// cannot be used, or for good after a panic while taking it back.
const HOLDS_ITS_LEVEL: &str = "a guard holds its level outside `unlocked`";

/// A mutex one thread may lock again while holding it.
pub struct ReentrantMutex<T: ?Sized> {
    rec: ObjRec,
    meta: PrimitiveMeta,
    /// Re-entrancy depth; written only by the holding thread.
    depth: AtomicU32,
    inner: crate::raw::ReentrantMutex<T>,
}

/// Holds a [`ReentrantMutex`]; releases one level when dropped.
#[must_use = "if unused the ReentrantMutex will immediately unlock"]
pub struct ReentrantMutexGuard<'a, T: ?Sized> {
    lock: &'a ReentrantMutex<T>,
    /// The level this guard holds; `None` only while `unlocked` has it
    /// released, and for good if taking it back panicked (a lock-order or
    /// deadlock verdict): the guard then releases nothing when dropped.
    inner: Option<crate::raw::ReentrantMutexGuard<'a, T>>,
}

impl<T> ReentrantMutex<T> {
    /// A reentrant mutex (its id is assigned on first use).
    #[track_caller]
    pub const fn new(value: T) -> Self {
        ReentrantMutex {
            rec: ObjRec::new(),
            meta: PrimitiveMeta::new_const(PrimitiveKind::ReentrantMutex),
            depth: AtomicU32::new(0),
            inner: crate::raw::ReentrantMutex::new(value),
        }
    }

    /// A named reentrant mutex.
    #[track_caller]
    pub fn named(name: &'static str, value: T) -> Self {
        ReentrantMutex {
            rec: ObjRec::new(),
            meta: PrimitiveMeta::new(PrimitiveKind::ReentrantMutex, Some(name)),
            depth: AtomicU32::new(0),
            inner: crate::raw::ReentrantMutex::new(value),
        }
    }

    /// A reentrant mutex with an explicit lock-order rank.
    #[track_caller]
    pub fn ranked(name: Option<&'static str>, rank: u64, value: T) -> Self {
        ReentrantMutex {
            rec: ObjRec::new(),
            meta: PrimitiveMeta::new(PrimitiveKind::ReentrantMutex, name).with_rank(rank),
            depth: AtomicU32::new(0),
            inner: crate::raw::ReentrantMutex::new(value),
        }
    }

    /// The protected value.
    pub fn into_inner(self) -> T {
        let this = std::mem::ManuallyDrop::new(self);
        live::dropped(&this.meta);
        // SAFETY: `this` is never used or dropped again, so `inner` is moved
        // out exactly once; the other fields own no resources.
        let inner = unsafe { std::ptr::read(&this.inner) };
        inner.into_inner()
    }
}

impl<T: ?Sized> ReentrantMutex<T> {
    /// The mutex's identity.
    pub fn meta(&self) -> &PrimitiveMeta {
        &self.meta
    }

    /// Locks, blocking unless the calling thread already holds it.
    #[track_caller]
    pub fn lock(&self) -> ReentrantMutexGuard<'_, T> {
        let site = Location::caller();
        if let Some(g) = self.inner.try_lock() {
            return self.guard(g, site, true);
        }
        self.lock_deadline(None, site)
            .expect("an untimed lock always succeeds")
    }

    /// Locks through an `Arc`: the guard keeps the mutex alive (as
    /// parking_lot's `lock_arc`).
    #[track_caller]
    pub fn lock_arc(self: &Arc<Self>) -> ArcReentrantMutexGuard<T> {
        ArcReentrantMutexGuard::holding(Arc::clone(self), self.lock())
    }

    /// [`try_lock`](Self::try_lock) through an `Arc`.
    #[track_caller]
    pub fn try_lock_arc(self: &Arc<Self>) -> Option<ArcReentrantMutexGuard<T>> {
        let guard = self.try_lock()?;
        Some(ArcReentrantMutexGuard::holding(Arc::clone(self), guard))
    }

    /// Locks if that needs no waiting.
    #[track_caller]
    pub fn try_lock(&self) -> Option<ReentrantMutexGuard<'_, T>> {
        let site = Location::caller();
        match self.inner.try_lock() {
            Some(g) => Some(self.guard(g, site, false)),
            None => {
                self.lock_ref().try_failed(MODE, site);
                None
            }
        }
    }

    /// Locks, waiting at most `timeout`.
    #[track_caller]
    pub fn try_lock_for(&self, timeout: Duration) -> Option<ReentrantMutexGuard<'_, T>> {
        let site = Location::caller();
        self.lock_deadline(Instant::now().checked_add(timeout), site)
    }

    /// Locks, waiting until `timeout` at most.
    #[track_caller]
    pub fn try_lock_until(&self, timeout: Instant) -> Option<ReentrantMutexGuard<'_, T>> {
        let site = Location::caller();
        self.lock_deadline(Some(timeout), site)
    }

    /// Whether any thread holds it.
    pub fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    /// Whether the calling thread holds it.
    pub fn is_owned_by_current_thread(&self) -> bool {
        self.inner.is_owned_by_current_thread()
    }

    /// The value, through exclusive access (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.inner.get_mut()
    }

    fn lock_deadline(
        &self,
        deadline: Option<Instant>,
        site: &'static Location<'static>,
    ) -> Option<ReentrantMutexGuard<'_, T>> {
        let g = match self.inner.try_lock() {
            Some(g) => g,
            None => self
                .lock_ref()
                .block(MODE, site, deadline, |until| match until {
                    Some(t) => self.inner.try_lock_until(t),
                    None => Some(self.inner.lock()),
                })?,
        };
        Some(self.guard(g, site, true))
    }

    fn guard<'a>(
        &'a self,
        g: crate::raw::ReentrantMutexGuard<'a, T>,
        site: &'static Location<'static>,
        blocking: bool,
    ) -> ReentrantMutexGuard<'a, T> {
        let depth = self.depth.load(Ordering::Relaxed) + 1;
        self.depth.store(depth, Ordering::Relaxed);
        let kind = EventKind::Acquired {
            obj: obj_id(&self.meta),
            mode: MODE,
            depth,
        };
        self.rec.record(&self.meta, kind, Some(site), Sync::Acquire);
        // The guard first: if the live checks panic (a lock-order policy
        // set to panic), unwinding releases through it, which records the
        // release and drops the held entry along with the real lock.
        let guard = ReentrantMutexGuard {
            lock: self,
            inner: Some(g),
        };
        live::acquired(&self.meta, MODE, blocking, site);
        guard
    }

    /// What the blocking path records against.
    fn lock_ref(&self) -> LockRef<'_> {
        LockRef {
            meta: &self.meta,
            rec: &self.rec,
        }
    }

    fn release_one(&self) {
        self.level().release_one();
    }

    fn level(&self) -> Level<'_> {
        Level {
            meta: &self.meta,
            rec: &self.rec,
            depth: &self.depth,
        }
    }
}

/// What releasing one level of a reentrant mutex needs, whatever the type
/// of its value: a mapped guard keeps this instead of the mutex.
#[derive(Clone, Copy)]
struct Level<'a> {
    meta: &'a PrimitiveMeta,
    rec: &'a ObjRec,
    depth: &'a AtomicU32,
}

impl Level<'_> {
    /// Records the release of one level (before the real unlock).
    fn release_one(self) {
        live::released(self.meta, MODE);
        let kind = EventKind::Released {
            obj: obj_id(self.meta),
            mode: MODE,
        };
        self.rec.record(self.meta, kind, None, Sync::Release);
        let depth = self.depth.load(Ordering::Relaxed);
        self.depth.store(depth.saturating_sub(1), Ordering::Relaxed);
    }
}

impl<T: Default> Default for ReentrantMutex<T> {
    #[track_caller]
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for ReentrantMutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReentrantMutex")
            .field("id", &self.meta.id())
            .field("name", &self.meta.name())
            .field("data", &&self.inner)
            .finish()
    }
}

impl<T: ?Sized> Drop for ReentrantMutex<T> {
    fn drop(&mut self) {
        live::dropped(&self.meta);
    }
}

impl<'a, T: ?Sized> ReentrantMutexGuard<'a, T> {
    /// The mutex this guard holds.
    pub fn remutex(s: &Self) -> &'a ReentrantMutex<T> {
        s.lock
    }

    /// Releases this guard's level of the lock, runs `f` and takes it back
    /// (also if `f` unwinds).
    #[track_caller]
    pub fn unlocked<F: FnOnce() -> U, U>(s: &mut Self, f: F) -> U {
        Self::release_for(s, false, Location::caller(), f)
    }

    /// [`unlocked`](Self::unlocked) with a fair release: a waiting thread
    /// gets the lock first.
    #[track_caller]
    pub fn unlocked_fair<F: FnOnce() -> U, U>(s: &mut Self, f: F) -> U {
        Self::release_for(s, true, Location::caller(), f)
    }

    /// Gives the lock to a waiting thread, if there is one, and takes it
    /// back.
    #[track_caller]
    pub fn bump(s: &mut Self) {
        Self::release_for(s, true, Location::caller(), || ());
    }

    /// Releases this guard's level fairly: a waiting thread gets the lock.
    pub fn unlock_fair(mut s: Self) {
        if let Some(inner) = s.inner.take() {
            s.lock.release_one();
            crate::raw::ReentrantMutexGuard::unlock_fair(inner);
        }
    }

    /// A guard for a part of the value (as parking_lot's `map`); it
    /// releases the same level, recorded, when dropped.
    pub fn map<U: ?Sized, F>(s: Self, f: F) -> MappedReentrantMutexGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        // `f` runs while `s` still holds the level: if it panics, `s`
        // releases the level, recorded, like any guard.
        let part: *const U = f(&s);
        // SAFETY: `f` returned `part` for `s`'s value.
        unsafe { Self::into_mapped(s).narrowed_to(part) }
    }

    /// [`map`](Self::map) if `f` finds the part; the guard back if not.
    pub fn try_map<U: ?Sized, F>(s: Self, f: F) -> Result<MappedReentrantMutexGuard<'a, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        // As in `map`: `f` runs while `s` holds the level.
        let Some(part) = f(&s) else {
            return Err(s);
        };
        let part: *const U = part;
        // SAFETY: `f` returned `part` for `s`'s value.
        Ok(unsafe { Self::into_mapped(s).narrowed_to(part) })
    }

    /// The same level as a mapped guard of the whole value.
    fn into_mapped(mut s: Self) -> MappedReentrantMutexGuard<'a, T> {
        let inner = s.inner.take().expect(HOLDS_ITS_LEVEL);
        MappedReentrantMutexGuard {
            level: s.lock.level(),
            inner: Some(crate::raw::ReentrantMutexGuard::map(inner, |v| v)),
        }
    }

    /// Releases this guard's level (fairly or not), runs `f`, and takes the
    /// level back at `site` through [`ReentrantMutex::lock`]'s recorded
    /// path, when `f` returns or unwinds.
    fn release_for<F: FnOnce() -> U, U>(
        s: &mut Self,
        fair: bool,
        site: &'static Location<'static>,
        f: F,
    ) -> U {
        /// Takes the level back when dropped.
        struct Relock<'g, 'a, T: ?Sized> {
            guard: &'g mut ReentrantMutexGuard<'a, T>,
            site: &'static Location<'static>,
        }
        impl<T: ?Sized> Drop for Relock<'_, '_, T> {
            fn drop(&mut self) {
                // If this panics (a verdict while re-taking the lock), the
                // guard holds nothing and releases nothing; what was taken
                // is released by the fresh guard's own unwinding.
                let mut fresh = self
                    .guard
                    .lock
                    .lock_deadline(None, self.site)
                    .expect("an untimed lock always succeeds");
                self.guard.inner = fresh.inner.take();
            }
        }
        let inner = s.inner.take().expect(HOLDS_ITS_LEVEL);
        s.lock.release_one();
        if fair {
            crate::raw::ReentrantMutexGuard::unlock_fair(inner);
        } else {
            drop(inner);
        }
        let _relock = Relock { guard: s, site };
        f()
    }
}

impl<T: ?Sized> Deref for ReentrantMutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.inner.as_deref().expect(HOLDS_ITS_LEVEL)
    }
}

impl<T: ?Sized> Drop for ReentrantMutexGuard<'_, T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            self.lock.release_one();
            drop(inner);
        }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for ReentrantMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// A [`ReentrantMutexGuard`] mapped to a part of the value
/// ([`ReentrantMutexGuard::map`]); releases its level, recorded, when
/// dropped.
#[must_use = "if unused the ReentrantMutex will immediately unlock"]
pub struct MappedReentrantMutexGuard<'a, T: ?Sized> {
    level: Level<'a>,
    /// `None` only after `narrowed_to` moved it on.
    inner: Option<crate::raw::MappedReentrantMutexGuard<'a, T>>,
}

impl<'a, T: ?Sized> MappedReentrantMutexGuard<'a, T> {
    /// A guard for a part of this part.
    pub fn map<U: ?Sized, F>(s: Self, f: F) -> MappedReentrantMutexGuard<'a, U>
    where
        F: FnOnce(&T) -> &U,
    {
        // `f` runs while `s` still holds the level: if it panics, `s`
        // releases the level, recorded, like any guard.
        let part: *const U = f(&s);
        // SAFETY: `f` returned `part` for `s`'s value.
        unsafe { s.narrowed_to(part) }
    }

    /// [`map`](Self::map) if `f` finds the part; the guard back if not.
    pub fn try_map<U: ?Sized, F>(s: Self, f: F) -> Result<MappedReentrantMutexGuard<'a, U>, Self>
    where
        F: FnOnce(&T) -> Option<&U>,
    {
        // As in `map`: `f` runs while `s` holds the level.
        let Some(part) = f(&s) else {
            return Err(s);
        };
        let part: *const U = part;
        // SAFETY: `f` returned `part` for `s`'s value.
        Ok(unsafe { s.narrowed_to(part) })
    }

    /// The same level as a guard of `part`.
    ///
    /// # Safety
    /// `part` must be what a `FnOnce(&T) -> &U` (valid for any lifetime of
    /// its argument, as `map`'s are) returned for this guard's value: it is
    /// then valid for `'a`, as long as the level is held, which the new
    /// guard does.
    unsafe fn narrowed_to<U: ?Sized>(mut self, part: *const U) -> MappedReentrantMutexGuard<'a, U> {
        let inner = self.inner.take().expect(HOLDS_ITS_LEVEL);
        MappedReentrantMutexGuard {
            level: self.level,
            // SAFETY: the caller's contract.
            inner: Some(crate::raw::MappedReentrantMutexGuard::map(
                inner,
                |_| unsafe { &*part },
            )),
        }
    }
}

impl<T: ?Sized> Deref for MappedReentrantMutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.inner.as_deref().expect(HOLDS_ITS_LEVEL)
    }
}

impl<T: ?Sized> Drop for MappedReentrantMutexGuard<'_, T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            self.level.release_one();
            drop(inner);
        }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MappedReentrantMutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// A [`ReentrantMutexGuard`] that owns an `Arc` of its mutex
/// ([`ReentrantMutex::lock_arc`]); releases its level, recorded, when
/// dropped.
#[must_use = "if unused the ReentrantMutex will immediately unlock"]
pub struct ArcReentrantMutexGuard<T: ?Sized> {
    lock: Arc<ReentrantMutex<T>>,
    /// Not `Send` (a level belongs to the thread that took it), and `Sync`
    /// only where `T` is, as lock_api's: `GuardNoSend` is `Sync`, and `T`
    /// makes a shared guard ask of the value what `&T` does.
    _not_send: PhantomData<(lock_api::GuardNoSend, T)>,
}

impl<T: ?Sized> ArcReentrantMutexGuard<T> {
    /// Takes over the level `guard` holds on `lock`: the raw guard
    /// is forgotten (the level stays taken) and the emptied `guard`
    /// releases nothing.
    fn holding(lock: Arc<ReentrantMutex<T>>, mut guard: ReentrantMutexGuard<'_, T>) -> Self {
        std::mem::forget(guard.inner.take().expect(HOLDS_ITS_LEVEL));
        drop(guard);
        ArcReentrantMutexGuard {
            lock,
            _not_send: PhantomData,
        }
    }

    /// The mutex this guard holds.
    pub fn remutex(s: &Self) -> &Arc<ReentrantMutex<T>> {
        &s.lock
    }
}

impl<T: ?Sized> Deref for ArcReentrantMutexGuard<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard holds a level of the lock (taken over in
        // `holding`, given back only in `drop`), which gives its thread
        // shared access to the value; the `Arc` keeps the value alive.
        unsafe { &*self.lock.inner.data_ptr() }
    }
}

impl<T: ?Sized> Drop for ArcReentrantMutexGuard<T> {
    fn drop(&mut self) {
        // SAFETY: this guard holds one level of the lock, taken on this
        // thread (the guard cannot leave it); the guard made here gives
        // back exactly that level when dropped, also if recording the
        // release panics.
        let level = unsafe { self.lock.inner.make_guard_unchecked() };
        self.lock.release_one();
        drop(level);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for ArcReentrantMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
