//! The `acquire` helper's view of lockscope's locks: each lock's identity
//! and a blocking exclusive acquisition. With the `record` feature off the
//! identity is the lock's address (see the helper's module docs).

#[cfg(not(feature = "record"))]
use lockscope_detector::trace::PrimitiveKind;

use crate::order::acquire::Acquirable;
use crate::thread_state::LockInfo;
use crate::{Mutex, MutexGuard, ReentrantMutex, ReentrantMutexGuard, RwLock, RwLockWriteGuard};

#[cfg(feature = "record")]
impl<T> Acquirable for Mutex<T> {
    type Guard<'a>
        = MutexGuard<'a, T>
    where
        T: 'a;

    fn info(&self) -> LockInfo {
        // SAFETY: the raw lock is only read for its identity, never locked
        // or unlocked through this reference.
        LockInfo::of(unsafe { self.raw() }.meta())
    }

    #[track_caller]
    fn lock_for_acquire(&self) -> MutexGuard<'_, T> {
        self.lock()
    }
}

#[cfg(feature = "record")]
impl<T> Acquirable for RwLock<T> {
    type Guard<'a>
        = RwLockWriteGuard<'a, T>
    where
        T: 'a;

    fn info(&self) -> LockInfo {
        // SAFETY: as for `Mutex`: read for its identity only.
        LockInfo::of(unsafe { self.raw() }.meta())
    }

    #[track_caller]
    fn lock_for_acquire(&self) -> RwLockWriteGuard<'_, T> {
        self.write()
    }
}

#[cfg(feature = "record")]
impl<T> Acquirable for ReentrantMutex<T> {
    type Guard<'a>
        = ReentrantMutexGuard<'a, T>
    where
        T: 'a;

    fn info(&self) -> LockInfo {
        LockInfo::of(ReentrantMutex::meta(self))
    }

    #[track_caller]
    fn lock_for_acquire(&self) -> ReentrantMutexGuard<'_, T> {
        self.lock()
    }
}

#[cfg(not(feature = "record"))]
impl<T> Acquirable for Mutex<T> {
    type Guard<'a>
        = MutexGuard<'a, T>
    where
        T: 'a;

    #[track_caller]
    fn info(&self) -> LockInfo {
        LockInfo::unrecorded(
            self as *const Self as *const () as usize,
            PrimitiveKind::Mutex,
        )
    }

    #[track_caller]
    fn lock_for_acquire(&self) -> MutexGuard<'_, T> {
        self.lock()
    }
}

#[cfg(not(feature = "record"))]
impl<T> Acquirable for RwLock<T> {
    type Guard<'a>
        = RwLockWriteGuard<'a, T>
    where
        T: 'a;

    #[track_caller]
    fn info(&self) -> LockInfo {
        LockInfo::unrecorded(
            self as *const Self as *const () as usize,
            PrimitiveKind::RwLock,
        )
    }

    #[track_caller]
    fn lock_for_acquire(&self) -> RwLockWriteGuard<'_, T> {
        self.write()
    }
}

#[cfg(not(feature = "record"))]
impl<T> Acquirable for ReentrantMutex<T> {
    type Guard<'a>
        = ReentrantMutexGuard<'a, T>
    where
        T: 'a;

    #[track_caller]
    fn info(&self) -> LockInfo {
        let kind = PrimitiveKind::ReentrantMutex;
        LockInfo::unrecorded(self as *const Self as *const () as usize, kind)
    }

    #[track_caller]
    fn lock_for_acquire(&self) -> ReentrantMutexGuard<'_, T> {
        self.lock()
    }
}
