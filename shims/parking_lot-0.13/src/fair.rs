//! `FairMutex`: lockscope's raw mutex with every unlock a fair one.

use std::time::{Duration, Instant};

use lock_api::RawMutexFair as _;

use lockscope_sync::RawMutex;

type Guard = <RawMutex as lock_api::RawMutex>::Guard;

/// parking_lot 0.13's raw fair mutex: lockscope's [`RawMutex`] whose every
/// unlock is fair (a waiting thread gets the lock).
#[derive(Debug)]
pub struct RawFairMutex(RawMutex);

// SAFETY: lockscope's raw mutex, with every unlock its fair unlock.
unsafe impl lock_api::RawMutex for RawFairMutex {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = RawFairMutex(RawMutex::INIT);

    type Guard = Guard;

    #[inline]
    #[track_caller]
    fn lock(&self) -> Guard {
        self.0.lock()
    }

    #[inline]
    #[track_caller]
    fn try_lock(&self) -> Option<Guard> {
        self.0.try_lock()
    }

    #[inline]
    unsafe fn unlock(&self, guard: Guard) {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.unlock_fair(guard) }
    }

    #[inline]
    fn is_locked(&self) -> bool {
        self.0.is_locked()
    }
}

// SAFETY: delegates to lockscope's raw mutex.
unsafe impl lock_api::RawMutexFair for RawFairMutex {
    #[inline]
    unsafe fn unlock_fair(&self, guard: Guard) {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.unlock_fair(guard) }
    }

    #[inline]
    #[track_caller]
    unsafe fn bump(&self, guard: &mut Guard) {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.bump(guard) }
    }
}

// SAFETY: delegates to lockscope's raw mutex.
unsafe impl lock_api::RawMutexTimed for RawFairMutex {
    type Duration = Duration;
    type Instant = Instant;

    #[inline]
    #[track_caller]
    fn try_lock_for(&self, timeout: Duration) -> Option<Guard> {
        self.0.try_lock_for(timeout)
    }

    #[inline]
    #[track_caller]
    fn try_lock_until(&self, timeout: Instant) -> Option<Guard> {
        self.0.try_lock_until(timeout)
    }
}

/// A mutex whose every unlock is fair, recorded.
pub type FairMutex<T> = lock_api::Mutex<RawFairMutex, T>;
/// A held [`FairMutex`].
pub type FairMutexGuard<'a, T> = lock_api::MutexGuard<'a, RawFairMutex, T>;
/// A [`FairMutexGuard`] mapped to a part of the value.
pub type MappedFairMutexGuard<'a, T> = lock_api::MappedMutexGuard<'a, RawFairMutex, T>;
