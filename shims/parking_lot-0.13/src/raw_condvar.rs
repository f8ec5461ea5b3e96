//! `RawCondvar`: lock_api 0.5's raw condvar trait over lockscope's recorded
//! condvar, for `lock_api::Condvar<RawCondvar>` (parking_lot 0.13's
//! `Condvar` type). [`Condvar`](crate::Condvar) itself is lockscope's, which
//! records the caller's line; through `lock_api::Condvar` the line recorded
//! is lock_api's.

use std::panic::Location;
use std::time::{Duration, Instant};

use lockscope_sync::RawMutex;

type Guard = <RawMutex as lock_api::RawMutex>::Guard;

/// parking_lot 0.13's raw condition variable, recorded.
#[derive(Debug)]
pub struct RawCondvar {
    inner: lockscope_sync::Condvar,
}

// SAFETY: lockscope's condvar unlocks the caller's mutex, waits, and locks it
// again before returning, as the trait requires.
unsafe impl lock_api::RawCondvar for RawCondvar {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: Self = RawCondvar {
        inner: lockscope_sync::Condvar::new(),
    };

    type RawMutex = RawMutex;

    #[track_caller]
    unsafe fn wait(&self, mutex: &RawMutex, _guard: &mut Guard) {
        // SAFETY: the caller holds `mutex` (the trait's contract).
        unsafe { self.inner.wait_raw_locked(mutex, None, Location::caller()) };
    }

    #[track_caller]
    fn notify_one(&self) -> bool {
        self.inner.notify_one()
    }

    #[track_caller]
    fn notify_all(&self) -> usize {
        self.inner.notify_all()
    }
}

// SAFETY: as `RawCondvar`, with a deadline.
unsafe impl lock_api::RawCondvarTimed for RawCondvar {
    fn checked_duration_to_instant(timeout: &Duration) -> Option<Instant> {
        Instant::now().checked_add(*timeout)
    }

    #[track_caller]
    unsafe fn wait_until(&self, mutex: &RawMutex, _guard: &mut Guard, timeout: &Instant) -> bool {
        // SAFETY: the caller holds `mutex` (the trait's contract).
        unsafe {
            self.inner
                .wait_raw_locked(mutex, Some(*timeout), Location::caller())
        }
    }
}
