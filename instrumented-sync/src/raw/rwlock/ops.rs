//! The raw rwlock's operations, mode by mode: take, release, bump,
//! downgrade and upgrade, each a read-modify-write of the state word with
//! the slow paths of `mod.rs` and `wake.rs` behind it (see `mod.rs` for the
//! state and the algorithm).

use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::time::Instant;

use super::super::lot::{Atomic, Lot};
use super::{
    Mode, RawRwLockOn, FAIR, ONE_READER, PARKED, READERS, UPGRADABLE, WRITER, WRITER_PARKED,
};

impl<L: Lot> RawRwLockOn<L> {
    /// Takes a shared lock if no writer holds or has claimed it.
    #[inline]
    pub fn try_lock_shared(&self) -> bool {
        self.try_take(Mode::Shared)
    }

    /// Blocks until a shared lock is taken or `deadline` passes.
    #[inline]
    pub fn lock_shared_until(&self, deadline: Option<Instant>) -> bool {
        self.try_take(Mode::Shared) || self.take(Mode::Shared, deadline)
    }

    /// Releases a shared lock.
    ///
    /// # Safety
    /// The calling context holds a shared lock.
    #[inline]
    pub unsafe fn unlock_shared(&self) {
        let before = self.state.fetch_sub(ONE_READER, Release);
        if before & (READERS | WRITER_PARKED) == ONE_READER | WRITER_PARKED {
            self.wake_claimant();
        }
    }

    /// Lets a writer waiting for this reader go first, if there is one.
    ///
    /// # Safety
    /// The calling context holds a shared lock.
    pub unsafe fn bump_shared(&self) {
        if self.state.load(Relaxed) & WRITER != 0 {
            // SAFETY: the caller's shared lock, taken back at once.
            unsafe { self.unlock_shared() };
            self.lock_shared_until(None);
        }
    }

    /// Takes the exclusive lock if it is free.
    #[inline]
    pub fn try_lock_exclusive(&self) -> bool {
        let mut state = self.state.load(Relaxed);
        while state & (READERS | WRITER | UPGRADABLE) == 0 {
            match self
                .state
                .compare_exchange_weak(state, state | WRITER, Acquire, Relaxed)
            {
                Ok(_) => return true,
                Err(now) => state = now,
            }
        }
        false
    }

    /// Blocks until the exclusive lock is taken or `deadline` passes.
    #[inline]
    pub fn lock_exclusive_until(&self, deadline: Option<Instant>) -> bool {
        self.state
            .compare_exchange(0, WRITER, Acquire, Relaxed)
            .is_ok()
            || self.exclusive_until(deadline)
    }

    /// Releases the exclusive lock (`fair`: hands it to the head of the
    /// queue).
    ///
    /// # Safety
    /// The calling context holds the exclusive lock.
    #[inline]
    pub unsafe fn unlock_exclusive(&self, fair: bool) {
        if self
            .state
            .compare_exchange(WRITER, 0, Release, Relaxed)
            .is_err()
        {
            self.release_contended(WRITER, fair);
        }
    }

    /// Lets parked waiters have the lock, if there are any, and takes it
    /// back.
    ///
    /// # Safety
    /// The calling context holds the exclusive lock.
    pub unsafe fn bump_exclusive(&self) {
        if self.state.load(Relaxed) & PARKED != 0 {
            self.release_contended(WRITER, true);
            self.lock_exclusive_until(None);
        }
    }

    /// Turns the exclusive lock into a shared one.
    ///
    /// # Safety
    /// The calling context holds the exclusive lock.
    pub unsafe fn downgrade(&self) {
        let before = self
            .state
            .fetch_add(ONE_READER.wrapping_sub(WRITER), Release);
        if before & PARKED != 0 {
            self.wake(before + ONE_READER - WRITER);
        }
    }

    /// Takes an upgradable lock if no writer or upgradable reader has it.
    #[inline]
    pub fn try_lock_upgradable(&self) -> bool {
        self.try_take(Mode::Upgradable)
    }

    /// Blocks until an upgradable lock is taken or `deadline` passes.
    #[inline]
    pub fn lock_upgradable_until(&self, deadline: Option<Instant>) -> bool {
        self.try_take(Mode::Upgradable) || self.take(Mode::Upgradable, deadline)
    }

    /// Releases an upgradable lock (`fair`: hands it to the head of the
    /// queue).
    ///
    /// # Safety
    /// The calling context holds the upgradable lock.
    #[inline]
    pub unsafe fn unlock_upgradable(&self, fair: bool) {
        let held = Mode::Upgradable.share();
        let mut state = self.state.load(Relaxed);
        while !fair && state & (PARKED | FAIR) == 0 {
            match self
                .state
                .compare_exchange_weak(state, state - held, Release, Relaxed)
            {
                Ok(_) => return,
                Err(now) => state = now,
            }
        }
        self.release_contended(held, fair);
    }

    /// Lets parked waiters have the lock, if there are any, and takes an
    /// upgradable lock back.
    ///
    /// # Safety
    /// The calling context holds the upgradable lock.
    pub unsafe fn bump_upgradable(&self) {
        if self.state.load(Relaxed) & PARKED != 0 {
            self.release_contended(Mode::Upgradable.share(), true);
            self.lock_upgradable_until(None);
        }
    }

    /// Turns the upgradable lock into a shared one.
    ///
    /// # Safety
    /// The calling context holds the upgradable lock.
    pub unsafe fn downgrade_upgradable(&self) {
        let before = self.state.fetch_sub(UPGRADABLE, Release);
        if before & PARKED != 0 {
            self.wake(before - UPGRADABLE);
        }
    }

    /// Turns the exclusive lock into an upgradable one.
    ///
    /// # Safety
    /// The calling context holds the exclusive lock.
    pub unsafe fn downgrade_to_upgradable(&self) {
        let delta = (ONE_READER | UPGRADABLE).wrapping_sub(WRITER);
        let before = self.state.fetch_add(delta, Release);
        if before & PARKED != 0 {
            self.wake(before.wrapping_add(delta));
        }
    }

    /// Upgrades to exclusive if no other reader holds the lock.
    ///
    /// # Safety
    /// The calling context holds the upgradable lock.
    pub unsafe fn try_upgrade(&self) -> bool {
        let delta = WRITER.wrapping_sub(ONE_READER | UPGRADABLE);
        let mut state = self.state.load(Relaxed);
        while state & READERS == ONE_READER {
            match self.state.compare_exchange_weak(
                state,
                state.wrapping_add(delta),
                Acquire,
                Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => state = now,
            }
        }
        false
    }

    /// Upgrades to exclusive, waiting for the other readers until
    /// `deadline`; false (still upgradable) if they did not leave in time.
    ///
    /// # Safety
    /// The calling context holds the upgradable lock.
    pub unsafe fn upgrade_until(&self, deadline: Option<Instant>) -> bool {
        // SAFETY: the caller holds the upgradable lock.
        if unsafe { self.try_upgrade() } {
            return true;
        }
        let delta = WRITER.wrapping_sub(ONE_READER | UPGRADABLE);
        self.state.fetch_add(delta, Acquire);
        if self.wait_for_readers(deadline) {
            return true;
        }
        // Back to upgradable; readers shut out by the claim may go on.
        let back = (ONE_READER | UPGRADABLE).wrapping_sub(WRITER);
        let before = self.state.fetch_add(back, Release);
        if before & PARKED != 0 {
            self.wake(before.wrapping_add(back));
        }
        false
    }
}
