//! `RawRwLock`: lock_api 0.4's raw reader-writer traits (shared,
//! exclusive, upgradable, fair, timed, downgrades, recursive reads) over
//! lockscope's recorded raw rwlock (which implements lock_api 0.5's).
//!
//! As in [`raw_mutex`](crate::raw_mutex): the stateless lock_api 0.5 guard
//! state is forgotten after locking and made anew for the unlock, and every
//! locking method is `#[track_caller]`.
//!
//! # Limitations
//! - A recursive read (`read_recursive`) is an ordinary shared acquisition:
//!   lockscope's rwlock has no recursive mode, so a thread that already
//!   reads and asks again while a writer waits blocks behind the writer
//!   (parking_lot would let it through). lockscope reports that pattern
//!   as a recursive-read hazard.
//! - The fair unlock of an upgradable read is an ordinary one.

use std::time::{Duration, Instant};

use lock_api_05::{
    RawRwLock as _, RawRwLockDowngrade as _, RawRwLockFair as _, RawRwLockTimed as _,
    RawRwLockUpgrade as _, RawRwLockUpgradeDowngrade as _, RawRwLockUpgradeTimed as _,
};

use crate::raw_mutex::{held, keep, taken};
use crate::GuardMarker;

type Inner = lockscope_sync::RawRwLock;

/// parking_lot 0.12's raw reader-writer lock, recorded: each acquisition in
/// its mode, each release, upgrade and downgrade is a lockscope event at the
/// caller's line.
pub struct RawRwLock {
    inner: Inner,
}

impl std::fmt::Debug for RawRwLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

// SAFETY: every operation is lockscope's raw rwlock's, delegated unchanged;
// its guard states are stateless (see `raw_mutex::held`).
unsafe impl lock_api::RawRwLock for RawRwLock {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = RawRwLock { inner: Inner::INIT };

    type GuardMarker = GuardMarker;

    #[inline]
    #[track_caller]
    fn lock_shared(&self) {
        keep(self.inner.lock_shared());
    }

    #[inline]
    #[track_caller]
    fn try_lock_shared(&self) -> bool {
        taken(self.inner.try_lock_shared())
    }

    #[inline]
    unsafe fn unlock_shared(&self) {
        // SAFETY: the caller holds a shared lock (lock_api 0.4's contract).
        unsafe { self.inner.unlock_shared(held()) }
    }

    #[inline]
    #[track_caller]
    fn lock_exclusive(&self) {
        keep(self.inner.lock_exclusive());
    }

    #[inline]
    #[track_caller]
    fn try_lock_exclusive(&self) -> bool {
        taken(self.inner.try_lock_exclusive())
    }

    #[inline]
    unsafe fn unlock_exclusive(&self) {
        // SAFETY: the caller holds the exclusive lock.
        unsafe { self.inner.unlock_exclusive(held()) }
    }

    #[inline]
    fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }

    #[inline]
    fn is_locked_exclusive(&self) -> bool {
        self.inner.is_locked_exclusive()
    }
}

// SAFETY: delegates to lockscope's fair unlocks; a bump is a fair unlock
// and a new acquisition at the caller's site.
unsafe impl lock_api::RawRwLockFair for RawRwLock {
    #[inline]
    unsafe fn unlock_shared_fair(&self) {
        // SAFETY: the caller holds a shared lock.
        unsafe { self.inner.unlock_shared_fair(held()) }
    }

    #[inline]
    unsafe fn unlock_exclusive_fair(&self) {
        // SAFETY: the caller holds the exclusive lock.
        unsafe { self.inner.unlock_exclusive_fair(held()) }
    }

    #[track_caller]
    unsafe fn bump_shared(&self) {
        // SAFETY: the caller holds a shared lock, which is taken back.
        unsafe { self.inner.unlock_shared_fair(held()) };
        keep(self.inner.lock_shared());
    }

    #[track_caller]
    unsafe fn bump_exclusive(&self) {
        // SAFETY: the caller holds the exclusive lock, which is taken back.
        unsafe { self.inner.unlock_exclusive_fair(held()) };
        keep(self.inner.lock_exclusive());
    }
}

// SAFETY: delegates to lockscope's downgrade.
unsafe impl lock_api::RawRwLockDowngrade for RawRwLock {
    #[track_caller]
    unsafe fn downgrade(&self) {
        // SAFETY: the caller holds the exclusive lock.
        keep(unsafe { self.inner.downgrade(held()) });
    }
}

// SAFETY: delegates to lockscope's timed locks.
unsafe impl lock_api::RawRwLockTimed for RawRwLock {
    type Duration = Duration;
    type Instant = Instant;

    #[track_caller]
    fn try_lock_shared_for(&self, timeout: Duration) -> bool {
        taken(self.inner.try_lock_shared_for(timeout))
    }

    #[track_caller]
    fn try_lock_shared_until(&self, timeout: Instant) -> bool {
        taken(self.inner.try_lock_shared_until(timeout))
    }

    #[track_caller]
    fn try_lock_exclusive_for(&self, timeout: Duration) -> bool {
        taken(self.inner.try_lock_exclusive_for(timeout))
    }

    #[track_caller]
    fn try_lock_exclusive_until(&self, timeout: Instant) -> bool {
        taken(self.inner.try_lock_exclusive_until(timeout))
    }
}

// SAFETY: a recursive read is a shared acquisition (see the module's
// limitations); shared-lock semantics are lockscope's.
unsafe impl lock_api::RawRwLockRecursive for RawRwLock {
    #[track_caller]
    fn lock_shared_recursive(&self) {
        keep(self.inner.lock_shared());
    }

    #[track_caller]
    fn try_lock_shared_recursive(&self) -> bool {
        taken(self.inner.try_lock_shared())
    }
}

// SAFETY: as `RawRwLockRecursive`, timed.
unsafe impl lock_api::RawRwLockRecursiveTimed for RawRwLock {
    #[track_caller]
    fn try_lock_shared_recursive_for(&self, timeout: Duration) -> bool {
        taken(self.inner.try_lock_shared_for(timeout))
    }

    #[track_caller]
    fn try_lock_shared_recursive_until(&self, timeout: Instant) -> bool {
        taken(self.inner.try_lock_shared_until(timeout))
    }
}

// SAFETY: delegates to lockscope's upgradable locks.
unsafe impl lock_api::RawRwLockUpgrade for RawRwLock {
    #[track_caller]
    fn lock_upgradable(&self) {
        keep(self.inner.lock_upgradable());
    }

    #[track_caller]
    fn try_lock_upgradable(&self) -> bool {
        taken(self.inner.try_lock_upgradable())
    }

    unsafe fn unlock_upgradable(&self) {
        // SAFETY: the caller holds the upgradable lock.
        unsafe { self.inner.unlock_upgradable(held()) }
    }

    #[track_caller]
    unsafe fn upgrade(&self) {
        // SAFETY: the caller holds the upgradable lock.
        keep(unsafe { self.inner.upgrade(held()) });
    }

    #[track_caller]
    unsafe fn try_upgrade(&self) -> bool {
        // SAFETY: the caller holds the upgradable lock; on failure it still
        // does (the returned state is the stateless one it passed).
        unsafe { self.inner.try_upgrade(held()) }.is_ok()
    }
}

// SAFETY: an upgradable read's fair unlock is an ordinary unlock (see the
// module's limitations), which releases the same lock.
unsafe impl lock_api::RawRwLockUpgradeFair for RawRwLock {
    unsafe fn unlock_upgradable_fair(&self) {
        // SAFETY: the caller holds the upgradable lock.
        unsafe { self.inner.unlock_upgradable(held()) }
    }

    #[track_caller]
    unsafe fn bump_upgradable(&self) {
        // SAFETY: the caller holds the upgradable lock, which is taken back.
        unsafe { self.inner.unlock_upgradable(held()) };
        keep(self.inner.lock_upgradable());
    }
}

// SAFETY: delegates to lockscope's downgrades.
unsafe impl lock_api::RawRwLockUpgradeDowngrade for RawRwLock {
    #[track_caller]
    unsafe fn downgrade_upgradable(&self) {
        // SAFETY: the caller holds the upgradable lock.
        keep(unsafe { self.inner.downgrade_upgradable(held()) });
    }

    #[track_caller]
    unsafe fn downgrade_to_upgradable(&self) {
        // SAFETY: the caller holds the exclusive lock.
        keep(unsafe { self.inner.downgrade_to_upgradable(held()) });
    }
}

// SAFETY: delegates to lockscope's timed upgradable locks.
unsafe impl lock_api::RawRwLockUpgradeTimed for RawRwLock {
    #[track_caller]
    fn try_lock_upgradable_for(&self, timeout: Duration) -> bool {
        taken(self.inner.try_lock_upgradable_for(timeout))
    }

    #[track_caller]
    fn try_lock_upgradable_until(&self, timeout: Instant) -> bool {
        taken(self.inner.try_lock_upgradable_until(timeout))
    }

    #[track_caller]
    unsafe fn try_upgrade_for(&self, timeout: Duration) -> bool {
        // SAFETY: the caller holds the upgradable lock.
        unsafe { self.inner.try_upgrade_for(held(), timeout) }.is_ok()
    }

    #[track_caller]
    unsafe fn try_upgrade_until(&self, timeout: Instant) -> bool {
        // SAFETY: the caller holds the upgradable lock.
        unsafe { self.inner.try_upgrade_until(held(), timeout) }.is_ok()
    }
}
