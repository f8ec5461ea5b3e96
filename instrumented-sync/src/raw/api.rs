//! lock_api's raw traits for the raw locks, so `lock_api::Mutex`,
//! `RwLock`, `ReentrantMutex` and `Condvar` give them parking_lot's whole
//! API. Each method is the lock's own operation; guards carry no state
//! (`GuardNoSend`: a lock is released on the thread that took it, as
//! parking_lot's are by default).

use std::time::{Duration, Instant};

use lock_api::GuardNoSend;

use super::{RawCondvar, RawMutex, RawRwLock};

fn deadline(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}

// SAFETY: `RawMutex` excludes (one `LOCKED` bit, taken with `Acquire`,
// released with `Release`, handed over only under the parking lot's queue
// lock); its guards are stateless markers.
unsafe impl lock_api::RawMutex for RawMutex {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = RawMutex::new();

    type Guard = GuardNoSend;

    #[inline]
    fn lock(&self) -> GuardNoSend {
        RawMutex::lock(self);
        GuardNoSend::new()
    }

    #[inline]
    fn try_lock(&self) -> Option<GuardNoSend> {
        RawMutex::try_lock(self).then(GuardNoSend::new)
    }

    #[inline]
    unsafe fn unlock(&self, _guard: GuardNoSend) {
        // SAFETY: the caller's acquisition.
        unsafe { RawMutex::unlock(self) }
    }

    #[inline]
    fn is_locked(&self) -> bool {
        RawMutex::is_locked(self)
    }
}

// SAFETY: as `RawMutex`; a fair unlock hands the mutex over under the
// queue lock, and `bump` holds it again before it returns.
unsafe impl lock_api::RawMutexFair for RawMutex {
    #[inline]
    unsafe fn unlock_fair(&self, _guard: GuardNoSend) {
        // SAFETY: the caller's acquisition.
        unsafe { RawMutex::unlock_fair(self) }
    }

    #[inline]
    unsafe fn bump(&self, _guard: &mut GuardNoSend) {
        // SAFETY: the caller's acquisition, held again on return.
        unsafe { RawMutex::bump(self) }
    }
}

// SAFETY: as `RawMutex`; a timed lock that times out holds nothing.
unsafe impl lock_api::RawMutexTimed for RawMutex {
    type Duration = Duration;
    type Instant = Instant;

    #[inline]
    fn try_lock_for(&self, timeout: Duration) -> Option<GuardNoSend> {
        self.try_lock_until(deadline(timeout))
            .then(GuardNoSend::new)
    }

    #[inline]
    fn try_lock_until(&self, timeout: Instant) -> Option<GuardNoSend> {
        RawMutex::try_lock_until(self, Some(timeout)).then(GuardNoSend::new)
    }
}

// SAFETY: `RawRwLock` admits readers or one writer (`WRITER` claimed, then
// held once the readers are gone, read with `Acquire`); every mode is
// taken with `Acquire` and released with `Release`; guards are stateless.
unsafe impl lock_api::RawRwLock for RawRwLock {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = RawRwLock::new();

    type SharedGuard = GuardNoSend;
    type ExclusiveGuard = GuardNoSend;

    #[inline]
    fn lock_shared(&self) -> GuardNoSend {
        self.lock_shared_until(None);
        GuardNoSend::new()
    }

    #[inline]
    fn try_lock_shared(&self) -> Option<GuardNoSend> {
        RawRwLock::try_lock_shared(self).then(GuardNoSend::new)
    }

    #[inline]
    unsafe fn unlock_shared(&self, _guard: GuardNoSend) {
        // SAFETY: the caller's shared acquisition.
        unsafe { RawRwLock::unlock_shared(self) }
    }

    #[inline]
    fn lock_exclusive(&self) -> GuardNoSend {
        self.lock_exclusive_until(None);
        GuardNoSend::new()
    }

    #[inline]
    fn try_lock_exclusive(&self) -> Option<GuardNoSend> {
        RawRwLock::try_lock_exclusive(self).then(GuardNoSend::new)
    }

    #[inline]
    unsafe fn unlock_exclusive(&self, _guard: GuardNoSend) {
        // SAFETY: the caller's exclusive acquisition.
        unsafe { RawRwLock::unlock_exclusive(self, false) }
    }

    #[inline]
    fn is_locked(&self) -> bool {
        RawRwLock::is_locked(self)
    }

    #[inline]
    fn is_locked_exclusive(&self) -> bool {
        RawRwLock::is_locked_exclusive(self)
    }
}

// SAFETY: as `RawRwLock`; fair releases hand over under the queue lock,
// bumps hold the lock again in the same mode before they return.
unsafe impl lock_api::RawRwLockFair for RawRwLock {
    #[inline]
    unsafe fn unlock_shared_fair(&self, _guard: GuardNoSend) {
        // SAFETY: the caller's shared acquisition (readers have nothing to
        // hand over, see the module docs).
        unsafe { RawRwLock::unlock_shared(self) }
    }

    #[inline]
    unsafe fn unlock_exclusive_fair(&self, _guard: GuardNoSend) {
        // SAFETY: the caller's exclusive acquisition.
        unsafe { RawRwLock::unlock_exclusive(self, true) }
    }

    #[inline]
    unsafe fn bump_shared(&self, _guard: &mut GuardNoSend) {
        // SAFETY: the caller's shared acquisition, held again on return.
        unsafe { RawRwLock::bump_shared(self) }
    }

    #[inline]
    unsafe fn bump_exclusive(&self, _guard: &mut GuardNoSend) {
        // SAFETY: the caller's exclusive acquisition, held again on return.
        unsafe { RawRwLock::bump_exclusive(self) }
    }
}

// SAFETY: the downgrade turns `WRITER` into a reader in one `Release`
// read-modify-write, so no writer gets in between.
unsafe impl lock_api::RawRwLockDowngrade for RawRwLock {
    #[inline]
    unsafe fn downgrade(&self, _guard: GuardNoSend) -> GuardNoSend {
        // SAFETY: the caller's exclusive acquisition.
        unsafe { RawRwLock::downgrade(self) };
        GuardNoSend::new()
    }
}

// SAFETY: as `RawRwLock`; a timed lock that times out holds nothing (a
// writer gives its claim up).
unsafe impl lock_api::RawRwLockTimed for RawRwLock {
    type Duration = Duration;
    type Instant = Instant;

    #[inline]
    fn try_lock_shared_for(&self, timeout: Duration) -> Option<GuardNoSend> {
        self.lock_shared_until(deadline(timeout))
            .then(GuardNoSend::new)
    }

    #[inline]
    fn try_lock_shared_until(&self, timeout: Instant) -> Option<GuardNoSend> {
        self.lock_shared_until(Some(timeout)).then(GuardNoSend::new)
    }

    #[inline]
    fn try_lock_exclusive_for(&self, timeout: Duration) -> Option<GuardNoSend> {
        self.lock_exclusive_until(deadline(timeout))
            .then(GuardNoSend::new)
    }

    #[inline]
    fn try_lock_exclusive_until(&self, timeout: Instant) -> Option<GuardNoSend> {
        self.lock_exclusive_until(Some(timeout))
            .then(GuardNoSend::new)
    }
}

// SAFETY: one upgradable reader at a time (`UPGRADABLE`); an upgrade
// claims `WRITER` and waits for the other readers with `Acquire`, and a
// failed one leaves the upgradable lock held.
unsafe impl lock_api::RawRwLockUpgrade for RawRwLock {
    type UpgradableGuard = GuardNoSend;

    #[inline]
    fn lock_upgradable(&self) -> GuardNoSend {
        self.lock_upgradable_until(None);
        GuardNoSend::new()
    }

    #[inline]
    fn try_lock_upgradable(&self) -> Option<GuardNoSend> {
        RawRwLock::try_lock_upgradable(self).then(GuardNoSend::new)
    }

    #[inline]
    unsafe fn unlock_upgradable(&self, _guard: GuardNoSend) {
        // SAFETY: the caller's upgradable acquisition.
        unsafe { RawRwLock::unlock_upgradable(self, false) }
    }

    #[inline]
    unsafe fn upgrade(&self, _guard: GuardNoSend) -> GuardNoSend {
        // SAFETY: the caller's upgradable acquisition; with no deadline
        // the upgrade always succeeds.
        unsafe { self.upgrade_until(None) };
        GuardNoSend::new()
    }

    #[inline]
    unsafe fn try_upgrade(&self, guard: GuardNoSend) -> Result<GuardNoSend, GuardNoSend> {
        // SAFETY: the caller's upgradable acquisition.
        if unsafe { RawRwLock::try_upgrade(self) } {
            Ok(guard)
        } else {
            Err(guard)
        }
    }
}

// SAFETY: as `RawRwLockUpgrade` and `RawRwLockFair`.
unsafe impl lock_api::RawRwLockUpgradeFair for RawRwLock {
    #[inline]
    unsafe fn unlock_upgradable_fair(&self, _guard: GuardNoSend) {
        // SAFETY: the caller's upgradable acquisition.
        unsafe { RawRwLock::unlock_upgradable(self, true) }
    }

    #[inline]
    unsafe fn bump_upgradable(&self, _guard: &mut GuardNoSend) {
        // SAFETY: the caller's upgradable acquisition, held again on return.
        unsafe { RawRwLock::bump_upgradable(self) }
    }
}

// SAFETY: each downgrade is one `Release` read-modify-write that keeps
// out the modes the new one excludes.
unsafe impl lock_api::RawRwLockUpgradeDowngrade for RawRwLock {
    #[inline]
    unsafe fn downgrade_upgradable(&self, _guard: GuardNoSend) -> GuardNoSend {
        // SAFETY: the caller's upgradable acquisition.
        unsafe { RawRwLock::downgrade_upgradable(self) };
        GuardNoSend::new()
    }

    #[inline]
    unsafe fn downgrade_to_upgradable(&self, _guard: GuardNoSend) -> GuardNoSend {
        // SAFETY: the caller's exclusive acquisition.
        unsafe { RawRwLock::downgrade_to_upgradable(self) };
        GuardNoSend::new()
    }
}

// SAFETY: as `RawRwLockUpgrade` and `RawRwLockTimed`.
unsafe impl lock_api::RawRwLockUpgradeTimed for RawRwLock {
    #[inline]
    fn try_lock_upgradable_for(&self, timeout: Duration) -> Option<GuardNoSend> {
        self.lock_upgradable_until(deadline(timeout))
            .then(GuardNoSend::new)
    }

    #[inline]
    fn try_lock_upgradable_until(&self, timeout: Instant) -> Option<GuardNoSend> {
        self.lock_upgradable_until(Some(timeout))
            .then(GuardNoSend::new)
    }

    #[inline]
    unsafe fn try_upgrade_for(
        &self,
        guard: GuardNoSend,
        timeout: Duration,
    ) -> Result<GuardNoSend, GuardNoSend> {
        // SAFETY: the caller's upgradable acquisition.
        if unsafe { self.upgrade_until(deadline(timeout)) } {
            Ok(guard)
        } else {
            Err(guard)
        }
    }

    #[inline]
    unsafe fn try_upgrade_until(
        &self,
        guard: GuardNoSend,
        timeout: Instant,
    ) -> Result<GuardNoSend, GuardNoSend> {
        // SAFETY: the caller's upgradable acquisition.
        if unsafe { self.upgrade_until(Some(timeout)) } {
            Ok(guard)
        } else {
            Err(guard)
        }
    }
}

// SAFETY: the wait releases the mutex only once queued (in
// `before_sleep`), takes it back before returning (or is handed it), and
// refuses a second mutex before releasing anything.
unsafe impl lock_api::RawCondvar for RawCondvar {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = RawCondvar::new();

    type RawMutex = RawMutex;

    #[inline]
    unsafe fn wait(&self, mutex: &RawMutex, _guard: &mut GuardNoSend) {
        // SAFETY: the caller holds `mutex`.
        unsafe { self.wait_until(mutex, None) };
    }

    #[inline]
    fn notify_one(&self) -> bool {
        RawCondvar::notify_one(self)
    }

    #[inline]
    fn notify_all(&self) -> usize {
        RawCondvar::notify_all(self)
    }
}

// SAFETY: as `RawCondvar`; a timed-out wait also holds the mutex again.
unsafe impl lock_api::RawCondvarTimed for RawCondvar {
    #[inline]
    fn checked_duration_to_instant(timeout: &Duration) -> Option<Instant> {
        deadline(*timeout)
    }

    #[inline]
    unsafe fn wait_until(
        &self,
        mutex: &RawMutex,
        _guard: &mut GuardNoSend,
        timeout: &Instant,
    ) -> bool {
        // SAFETY: the caller holds `mutex`.
        unsafe { RawCondvar::wait_until(self, mutex, Some(*timeout)) }
    }
}
