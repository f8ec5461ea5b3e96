//! `RawMutex` and `RawFairMutex`: lock_api 0.4's raw mutex traits over
//! lockscope's recorded raw mutex (which implements lock_api 0.5's).
//!
//! lock_api 0.4 hands no guard state back to `unlock`; lockscope's raw
//! mutex keeps none in its lock_api 0.5 guard (a zero-sized marker, checked
//! when compiling), so the state is dropped after locking and made anew for
//! the unlock. Every locking method is `#[track_caller]`, as lock_api 0.4's
//! `Mutex` methods are, so lockscope records the user's call site.
//!
//! # Performance
//! One call into lockscope's raw mutex per operation; nothing else.

use std::time::{Duration, Instant};

use lock_api_05::{RawMutex as _, RawMutexFair as _, RawMutexTimed as _};

use crate::GuardMarker;

/// lockscope's raw mutex (lock_api 0.5).
pub(crate) type Inner = lockscope_sync::RawMutex;

/// The lock_api 0.5 guard state of an acquisition the caller holds.
///
/// lockscope's raw locks keep no state in their guards: the marker is
/// zero-sized, so a new one stands for the one dropped when locking.
#[inline]
pub(crate) fn held<G: Default>() -> G {
    const { assert!(std::mem::size_of::<G>() == 0) };
    G::default()
}

/// Keeps an acquisition held without its guard state: lock_api 0.4 keeps
/// none, and [`held`] makes it anew for the unlock.
#[inline]
pub(crate) fn keep<G>(state: G) {
    const { assert!(std::mem::size_of::<G>() == 0) };
    std::mem::forget(state);
}

/// Whether a try succeeded, keeping its acquisition (see [`keep`]).
#[inline]
pub(crate) fn taken<G>(state: Option<G>) -> bool {
    state.map(keep).is_some()
}

/// parking_lot 0.12's raw mutex, recorded: an acquisition, release and
/// blocking wait of a `Mutex` is a lockscope event at the caller's line.
pub struct RawMutex {
    pub(crate) inner: Inner,
}

impl RawMutex {
    /// lockscope's raw mutex underneath (for the condvar).
    pub(crate) fn lockscope(&self) -> &Inner {
        &self.inner
    }
}

impl std::fmt::Debug for RawMutex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

// SAFETY: mutual exclusion is lockscope's raw mutex's (itself parking_lot's
// mechanism), delegated unchanged; its guard state is stateless (see
// `held`).
unsafe impl lock_api::RawMutex for RawMutex {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = RawMutex { inner: Inner::INIT };

    type GuardMarker = GuardMarker;

    #[inline]
    #[track_caller]
    fn lock(&self) {
        keep(self.inner.lock());
    }

    #[inline]
    #[track_caller]
    fn try_lock(&self) -> bool {
        taken(self.inner.try_lock())
    }

    #[inline]
    unsafe fn unlock(&self) {
        // SAFETY: the caller holds the lock (lock_api 0.4's contract), whose
        // guard state is `held()`.
        unsafe { self.inner.unlock(held()) }
    }

    #[inline]
    fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }
}

// SAFETY: delegates to lockscope's fair unlock and bump.
unsafe impl lock_api::RawMutexFair for RawMutex {
    #[inline]
    unsafe fn unlock_fair(&self) {
        // SAFETY: as for `unlock`.
        unsafe { self.inner.unlock_fair(held()) }
    }

    #[inline]
    #[track_caller]
    unsafe fn bump(&self) {
        let mut state = held();
        // SAFETY: as for `unlock`; the bump re-locks before returning.
        unsafe { self.inner.bump(&mut state) };
        keep(state);
    }
}

// SAFETY: delegates to lockscope's timed locks.
unsafe impl lock_api::RawMutexTimed for RawMutex {
    type Duration = Duration;
    type Instant = Instant;

    #[inline]
    #[track_caller]
    fn try_lock_for(&self, timeout: Duration) -> bool {
        taken(self.inner.try_lock_for(timeout))
    }

    #[inline]
    #[track_caller]
    fn try_lock_until(&self, timeout: Instant) -> bool {
        taken(self.inner.try_lock_until(timeout))
    }
}

/// parking_lot 0.12's raw fair mutex: [`RawMutex`] whose every unlock is a
/// fair one (a waiting thread gets the lock).
pub struct RawFairMutex(RawMutex);

impl std::fmt::Debug for RawFairMutex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

// SAFETY: `RawMutex`'s, with every unlock fair.
unsafe impl lock_api::RawMutex for RawFairMutex {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = RawFairMutex(<RawMutex as lock_api::RawMutex>::INIT);

    type GuardMarker = GuardMarker;

    #[inline]
    #[track_caller]
    fn lock(&self) {
        lock_api::RawMutex::lock(&self.0)
    }

    #[inline]
    #[track_caller]
    fn try_lock(&self) -> bool {
        lock_api::RawMutex::try_lock(&self.0)
    }

    #[inline]
    unsafe fn unlock(&self) {
        // SAFETY: the caller's contract, passed on.
        unsafe { lock_api::RawMutexFair::unlock_fair(&self.0) }
    }

    #[inline]
    fn is_locked(&self) -> bool {
        lock_api::RawMutex::is_locked(&self.0)
    }
}

// SAFETY: delegates to `RawMutex`.
unsafe impl lock_api::RawMutexFair for RawFairMutex {
    #[inline]
    unsafe fn unlock_fair(&self) {
        // SAFETY: the caller's contract, passed on.
        unsafe { lock_api::RawMutexFair::unlock_fair(&self.0) }
    }

    #[inline]
    #[track_caller]
    unsafe fn bump(&self) {
        // SAFETY: the caller's contract, passed on.
        unsafe { lock_api::RawMutexFair::bump(&self.0) }
    }
}

// SAFETY: delegates to `RawMutex`.
unsafe impl lock_api::RawMutexTimed for RawFairMutex {
    type Duration = Duration;
    type Instant = Instant;

    #[inline]
    #[track_caller]
    fn try_lock_for(&self, timeout: Duration) -> bool {
        lock_api::RawMutexTimed::try_lock_for(&self.0, timeout)
    }

    #[inline]
    #[track_caller]
    fn try_lock_until(&self, timeout: Instant) -> bool {
        lock_api::RawMutexTimed::try_lock_until(&self.0, timeout)
    }
}
