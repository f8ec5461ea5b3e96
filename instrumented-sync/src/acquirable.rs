//! The `acquire` helper's view of lockscope's locks: each lock's identity
//! and a blocking exclusive acquisition.

use crate::meta::PrimitiveMeta;
use crate::order::acquire::Acquirable;
use crate::{Mutex, MutexGuard, ReentrantMutex, ReentrantMutexGuard, RwLock, RwLockWriteGuard};

impl<T> Acquirable for Mutex<T> {
    type Guard<'a>
        = MutexGuard<'a, T>
    where
        T: 'a;

    fn meta(&self) -> &PrimitiveMeta {
        // SAFETY: the raw lock is only read for its identity, never locked
        // or unlocked through this reference.
        unsafe { self.raw() }.meta()
    }

    #[track_caller]
    fn lock_for_acquire(&self) -> MutexGuard<'_, T> {
        self.lock()
    }
}

impl<T> Acquirable for RwLock<T> {
    type Guard<'a>
        = RwLockWriteGuard<'a, T>
    where
        T: 'a;

    fn meta(&self) -> &PrimitiveMeta {
        // SAFETY: as for `Mutex`: read for its identity only.
        unsafe { self.raw() }.meta()
    }

    #[track_caller]
    fn lock_for_acquire(&self) -> RwLockWriteGuard<'_, T> {
        self.write()
    }
}

impl<T> Acquirable for ReentrantMutex<T> {
    type Guard<'a>
        = ReentrantMutexGuard<'a, T>
    where
        T: 'a;

    fn meta(&self) -> &PrimitiveMeta {
        ReentrantMutex::meta(self)
    }

    #[track_caller]
    fn lock_for_acquire(&self) -> ReentrantMutexGuard<'_, T> {
        self.lock()
    }
}
