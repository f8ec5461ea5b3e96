//! `RecursiveRwLock`: lock_api 0.5's `RwLock` over [`RawRwLockRecursive`],
//! lockscope's raw rwlock under parking_lot 0.13's name for the rwlock whose
//! reads may nest.
//!
//! # Limitations
//! lockscope's rwlock has no recursive mode: a read is an ordinary shared
//! acquisition, which waits behind a waiting writer (parking_lot's
//! recursive read would not). lockscope reports that pattern as a
//! recursive-read hazard, and the watchdog the deadlock when it happens.

use std::time::{Duration, Instant};

use lockscope_sync::RawRwLock;

type Shared = <RawRwLock as lock_api::RawRwLock>::SharedGuard;
type Exclusive = <RawRwLock as lock_api::RawRwLock>::ExclusiveGuard;
type Upgradable = <RawRwLock as lock_api::RawRwLockUpgrade>::UpgradableGuard;

/// parking_lot 0.13's raw rwlock for nested reads: lockscope's raw rwlock.
#[derive(Debug)]
pub struct RawRwLockRecursive(RawRwLock);

// SAFETY: every operation is lockscope's raw rwlock's, delegated unchanged.
unsafe impl lock_api::RawRwLock for RawRwLockRecursive {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = RawRwLockRecursive(RawRwLock::INIT);

    type SharedGuard = Shared;
    type ExclusiveGuard = Exclusive;

    #[inline]
    #[track_caller]
    fn lock_shared(&self) -> Shared {
        self.0.lock_shared()
    }

    #[inline]
    #[track_caller]
    fn try_lock_shared(&self) -> Option<Shared> {
        self.0.try_lock_shared()
    }

    #[inline]
    unsafe fn unlock_shared(&self, guard: Shared) {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.unlock_shared(guard) }
    }

    #[inline]
    #[track_caller]
    fn lock_exclusive(&self) -> Exclusive {
        self.0.lock_exclusive()
    }

    #[inline]
    #[track_caller]
    fn try_lock_exclusive(&self) -> Option<Exclusive> {
        self.0.try_lock_exclusive()
    }

    #[inline]
    unsafe fn unlock_exclusive(&self, guard: Exclusive) {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.unlock_exclusive(guard) }
    }

    #[inline]
    fn is_locked(&self) -> bool {
        self.0.is_locked()
    }

    #[inline]
    fn is_locked_exclusive(&self) -> bool {
        self.0.is_locked_exclusive()
    }
}

// SAFETY: delegates to lockscope's fair unlocks.
unsafe impl lock_api::RawRwLockFair for RawRwLockRecursive {
    unsafe fn unlock_shared_fair(&self, guard: Shared) {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.unlock_shared_fair(guard) }
    }

    unsafe fn unlock_exclusive_fair(&self, guard: Exclusive) {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.unlock_exclusive_fair(guard) }
    }
}

// SAFETY: delegates to lockscope's downgrade.
unsafe impl lock_api::RawRwLockDowngrade for RawRwLockRecursive {
    #[track_caller]
    unsafe fn downgrade(&self, guard: Exclusive) -> Shared {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.downgrade(guard) }
    }
}

// SAFETY: delegates to lockscope's timed locks.
unsafe impl lock_api::RawRwLockTimed for RawRwLockRecursive {
    type Duration = Duration;
    type Instant = Instant;

    #[track_caller]
    fn try_lock_shared_for(&self, timeout: Duration) -> Option<Shared> {
        self.0.try_lock_shared_for(timeout)
    }

    #[track_caller]
    fn try_lock_shared_until(&self, timeout: Instant) -> Option<Shared> {
        self.0.try_lock_shared_until(timeout)
    }

    #[track_caller]
    fn try_lock_exclusive_for(&self, timeout: Duration) -> Option<Exclusive> {
        self.0.try_lock_exclusive_for(timeout)
    }

    #[track_caller]
    fn try_lock_exclusive_until(&self, timeout: Instant) -> Option<Exclusive> {
        self.0.try_lock_exclusive_until(timeout)
    }
}

// SAFETY: delegates to lockscope's upgradable locks.
unsafe impl lock_api::RawRwLockUpgrade for RawRwLockRecursive {
    type UpgradableGuard = Upgradable;

    #[track_caller]
    fn lock_upgradable(&self) -> Upgradable {
        self.0.lock_upgradable()
    }

    #[track_caller]
    fn try_lock_upgradable(&self) -> Option<Upgradable> {
        self.0.try_lock_upgradable()
    }

    unsafe fn unlock_upgradable(&self, guard: Upgradable) {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.unlock_upgradable(guard) }
    }

    #[track_caller]
    unsafe fn upgrade(&self, guard: Upgradable) -> Exclusive {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.upgrade(guard) }
    }

    #[track_caller]
    unsafe fn try_upgrade(&self, guard: Upgradable) -> Result<Exclusive, Upgradable> {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.try_upgrade(guard) }
    }
}

// SAFETY: delegates to lockscope's downgrades.
unsafe impl lock_api::RawRwLockUpgradeDowngrade for RawRwLockRecursive {
    #[track_caller]
    unsafe fn downgrade_upgradable(&self, guard: Upgradable) -> Shared {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.downgrade_upgradable(guard) }
    }

    #[track_caller]
    unsafe fn downgrade_to_upgradable(&self, guard: Exclusive) -> Upgradable {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.downgrade_to_upgradable(guard) }
    }
}

// SAFETY: delegates to lockscope's timed upgradable locks.
unsafe impl lock_api::RawRwLockUpgradeTimed for RawRwLockRecursive {
    #[track_caller]
    fn try_lock_upgradable_for(&self, timeout: Duration) -> Option<Upgradable> {
        self.0.try_lock_upgradable_for(timeout)
    }

    #[track_caller]
    fn try_lock_upgradable_until(&self, timeout: Instant) -> Option<Upgradable> {
        self.0.try_lock_upgradable_until(timeout)
    }

    #[track_caller]
    unsafe fn try_upgrade_for(
        &self,
        guard: Upgradable,
        timeout: Duration,
    ) -> Result<Exclusive, Upgradable> {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.try_upgrade_for(guard, timeout) }
    }

    #[track_caller]
    unsafe fn try_upgrade_until(
        &self,
        guard: Upgradable,
        timeout: Instant,
    ) -> Result<Exclusive, Upgradable> {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.try_upgrade_until(guard, timeout) }
    }
}

/// A reader-writer lock whose reads may nest (see the module's limitation).
pub type RecursiveRwLock<T> = lock_api::RwLock<RawRwLockRecursive, T>;
/// A shared hold of a [`RecursiveRwLock`].
pub type RecursiveRwLockReadGuard<'a, T> = lock_api::RwLockReadGuard<'a, RawRwLockRecursive, T>;
/// The exclusive hold of a [`RecursiveRwLock`].
pub type RecursiveRwLockWriteGuard<'a, T> = lock_api::RwLockWriteGuard<'a, RawRwLockRecursive, T>;
/// An upgradable read of a [`RecursiveRwLock`].
pub type RecursiveRwLockUpgradableReadGuard<'a, T> =
    lock_api::RwLockUpgradableReadGuard<'a, RawRwLockRecursive, T>;
/// A [`RecursiveRwLockReadGuard`] mapped to a part of the value.
pub type MappedRecursiveRwLockReadGuard<'a, T> =
    lock_api::MappedRwLockReadGuard<'a, RawRwLockRecursive, T>;
/// A [`RecursiveRwLockWriteGuard`] mapped to a part of the value.
pub type MappedRecursiveRwLockWriteGuard<'a, T> =
    lock_api::MappedRwLockWriteGuard<'a, RawRwLockRecursive, T>;
