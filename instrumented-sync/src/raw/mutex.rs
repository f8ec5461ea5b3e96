//! The raw mutex: one byte of state, `parking_lot_core` queues for waiters.
//!
//! # State
//! - `LOCKED`: some thread holds the mutex.
//! - `PARKED`: threads are parked (or about to park) on the mutex's queue.
//!   Set by a waiter before it parks, while it sees `LOCKED`; cleared only
//!   under the queue lock, when the queue is found empty. A waiter's
//!   `validate` parks it only if both bits are still set, so a waiter never
//!   sleeps on a mutex whose holder has already looked for waiters.
//! - `FAIR`: a long waiter (see below) is parked: unlocks take the fair
//!   path. Set by such a waiter under the queue lock as it parks; cleared
//!   under the queue lock when no long waiter is left.
//!
//! # Algorithm
//! `lock` is one compare-exchange `0 -> LOCKED`. Failing that, a thread
//! takes the mutex whenever `LOCKED` is clear (barging past parked
//! threads), spins a little while nobody is parked, then sets `PARKED` and
//! parks. `unlock` is one compare-exchange `LOCKED -> 0`; with `PARKED`
//! set it clears `LOCKED` first (the mutex is free at once) and then wakes
//! the head of the queue, which competes for the mutex like any thread.
//!
//! # Fairness
//! Barging is fast but can starve a waiter. A waiter that parks again
//! after a wake-up that did not get it the mutex, having waited
//! [`FAIR_AFTER`] or more since it first parked, parks as a *long* waiter
//! and sets `FAIR`. While `FAIR` is set an unlock keeps `LOCKED` until it
//! has looked at the head of the queue under the queue lock: a long waiter
//! at the head is handed the mutex (`LOCKED` is never cleared, so nobody
//! can barge); any other head is woken with the mutex released. Each
//! unlock moves the queue on by one, so a long waiter gets the mutex within
//! one unlock per thread queued ahead of it. `unlock_fair` hands over to
//! whoever is at the head.
//!
//! # Memory orderings
//! Taking the mutex is an `Acquire` read-modify-write of the state;
//! releasing it a `Release` one (or, on the fair path, a `Release`
//! read-modify-write under the queue lock). A hand-over never clears
//! `LOCKED`: the new holder is ordered after the old one by the parking
//! lot (the token is written under the queue lock before the wake). The
//! `PARKED`/`FAIR` bits are `Relaxed`: every decision that depends on them
//! is re-checked under the queue lock.

use std::cell::Cell;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::time::Instant;

#[cfg(doc)]
use super::lot::FAIR_AFTER;
use super::lot::{
    Atomic, FilterOp, Lot, Os, ParkResult, ParkToken, Spin, UnparkResult, TOKEN_HANDOFF,
    TOKEN_RETRY,
};

const LOCKED: u8 = 1;
const PARKED: u8 = 2;
const FAIR: u8 = 4;

/// A waiter's park token: whether it has waited long.
const WAITER: ParkToken = ParkToken(0);
const LONG_WAITER: ParkToken = ParkToken(1);

/// The raw mutex on the parking lot `L` (see the module docs).
pub struct RawMutexOn<L: Lot> {
    state: L::U8,
}

impl RawMutexOn<Os> {
    /// An unlocked mutex.
    pub const fn new() -> Self {
        RawMutexOn {
            state: std::sync::atomic::AtomicU8::new(0),
        }
    }
}

impl<L: Lot> RawMutexOn<L> {
    /// A mutex whose state word is `state` (0 for an unlocked one).
    #[cfg(lockscope_loom)]
    pub(crate) fn with_state(state: L::U8) -> Self {
        RawMutexOn { state }
    }

    /// The parking lot key: the state word's address.
    #[inline]
    fn key(&self) -> usize {
        std::ptr::from_ref(self).addr()
    }

    /// Takes the mutex if it is free.
    #[inline]
    pub fn try_lock(&self) -> bool {
        self.state
            .compare_exchange(0, LOCKED, Acquire, Relaxed)
            .is_ok()
            || self.try_lock_contended()
    }

    /// `try_lock` when the state was not 0: free with parked waiters, or
    /// taken.
    #[cold]
    #[inline(never)]
    fn try_lock_contended(&self) -> bool {
        let mut state = self.state.load(Relaxed);
        while state & LOCKED == 0 {
            match self
                .state
                .compare_exchange_weak(state, state | LOCKED, Acquire, Relaxed)
            {
                Ok(_) => return true,
                Err(now) => state = now,
            }
        }
        false
    }

    /// Takes the mutex if it is free or freed within a brief spin; never
    /// parks (and does not spin while threads are parked).
    #[inline]
    pub fn try_lock_spinning(&self) -> bool {
        self.state
            .compare_exchange(0, LOCKED, Acquire, Relaxed)
            .is_ok()
            || self.spin_contended()
    }

    /// `try_lock_spinning` when the state was not 0.
    #[cold]
    #[inline(never)]
    fn spin_contended(&self) -> bool {
        self.spin_for_lock(&mut L::Spin::default()).is_ok()
    }

    /// Blocks until the mutex is taken.
    #[inline]
    pub fn lock(&self) {
        if self
            .state
            .compare_exchange_weak(0, LOCKED, Acquire, Relaxed)
            .is_err()
        {
            self.lock_contended(None);
        }
    }

    /// Blocks until the mutex is taken or `deadline` passes (never, for
    /// `None`); true if taken.
    #[inline]
    pub fn try_lock_until(&self, deadline: Option<Instant>) -> bool {
        self.state
            .compare_exchange(0, LOCKED, Acquire, Relaxed)
            .is_ok()
            || self.lock_contended(deadline)
    }

    /// Takes the mutex if `LOCKED` is clear, spinning while it is set and
    /// nobody is parked and `spin` says to go on; the state seen last if not.
    #[inline]
    fn spin_for_lock(&self, spin: &mut L::Spin) -> Result<(), u8> {
        let mut state = self.state.load(Relaxed);
        loop {
            if state & LOCKED == 0 {
                match self
                    .state
                    .compare_exchange_weak(state, state | LOCKED, Acquire, Relaxed)
                {
                    Ok(_) => return Ok(()),
                    Err(now) => state = now,
                }
                continue;
            }
            if state & PARKED != 0 || !spin.spin() {
                return Err(state);
            }
            state = self.state.load(Relaxed);
        }
    }

    #[cold]
    #[inline(never)]
    fn lock_contended(&self, deadline: Option<Instant>) -> bool {
        let mut since: Option<Instant> = None;
        loop {
            let Err(state) = self.spin_for_lock(&mut L::Spin::default()) else {
                return true;
            };
            if state & PARKED == 0
                && self
                    .state
                    .compare_exchange_weak(state, state | PARKED, Relaxed, Relaxed)
                    .is_err()
            {
                continue;
            }
            let long = since.is_some_and(L::waited_long);
            since.get_or_insert_with(Instant::now);
            match self.park(long, deadline) {
                ParkResult::Unparked(TOKEN_HANDOFF) => return true,
                ParkResult::Unparked(_) | ParkResult::Invalid => {}
                ParkResult::TimedOut => return false,
            }
        }
    }

    /// Parks on the mutex's queue while it is locked with `PARKED` set.
    fn park(&self, long: bool, deadline: Option<Instant>) -> ParkResult {
        let validate = || {
            let state = self.state.load(Relaxed);
            if state & (LOCKED | PARKED) != LOCKED | PARKED {
                return false;
            }
            if long && state & FAIR == 0 {
                self.state.fetch_or(FAIR, Relaxed);
            }
            true
        };
        let timed_out = |_, was_last| self.left_queue(was_last);
        let token = if long { LONG_WAITER } else { WAITER };
        // SAFETY: the key is this mutex's own address; the callbacks only
        // touch its state word and cannot unwind.
        unsafe { L::park(self.key(), validate, || {}, timed_out, token, deadline) }
    }

    /// A waiter left the queue without being woken (it timed out); the
    /// queue is empty if `was_last`. Under the queue lock.
    pub(crate) fn left_queue(&self, was_last: bool) {
        if was_last {
            self.state.fetch_and(!(PARKED | FAIR), Relaxed);
        }
    }

    /// Releases the mutex.
    ///
    /// # Safety
    /// The calling context holds the mutex.
    #[inline]
    pub unsafe fn unlock(&self) {
        if self
            .state
            .compare_exchange(LOCKED, 0, Release, Relaxed)
            .is_err()
        {
            self.unlock_contended(false);
        }
    }

    /// Releases the mutex, handing it to a parked waiter if there is one.
    ///
    /// # Safety
    /// The calling context holds the mutex.
    #[inline]
    pub unsafe fn unlock_fair(&self) {
        if self
            .state
            .compare_exchange(LOCKED, 0, Release, Relaxed)
            .is_err()
        {
            self.unlock_contended(true);
        }
    }

    /// Lets a parked waiter have the mutex, if there is one, and takes it
    /// back.
    ///
    /// # Safety
    /// The calling context holds the mutex.
    pub unsafe fn bump(&self) {
        if self.state.load(Relaxed) & PARKED != 0 {
            self.unlock_contended(true);
            self.lock();
        }
    }

    /// Whether the mutex is held (a snapshot).
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.state.load(Relaxed) & LOCKED != 0
    }

    #[cold]
    #[inline(never)]
    fn unlock_contended(&self, fair: bool) {
        if fair || self.state.load(Relaxed) & FAIR != 0 {
            return self.unlock_to_head(fair);
        }
        self.state.fetch_and(!LOCKED, Release);
        let callback = |result: UnparkResult| {
            if !result.have_more_threads {
                self.state.fetch_and(!(PARKED | FAIR), Relaxed);
            }
            TOKEN_RETRY
        };
        // SAFETY: this mutex's own key; the callback only touches its
        // state word.
        unsafe { L::unpark_one(self.key(), callback) };
    }

    /// The fair path: looks at the head of the queue with the mutex still
    /// held, hands it over if the head waited long (or `always`), and
    /// otherwise releases it and wakes the head.
    fn unlock_to_head(&self, always: bool) {
        let (head, long_left) = (Cell::new(None), Cell::new(false));
        let filter = |token: ParkToken| match head.get() {
            None => {
                head.set(Some(token));
                FilterOp::Unpark
            }
            Some(_) if token == LONG_WAITER => {
                long_left.set(true);
                FilterOp::Stop
            }
            Some(_) => FilterOp::Skip,
        };
        let callback = |result: UnparkResult| {
            let mut clear = 0;
            if !result.have_more_threads {
                clear |= PARKED;
            }
            if !long_left.get() {
                clear |= FAIR;
            }
            let hand_over =
                result.unparked_threads != 0 && (always || head.get() == Some(LONG_WAITER));
            if hand_over {
                self.state.fetch_and(!clear, Relaxed);
                TOKEN_HANDOFF
            } else {
                self.state.fetch_and(!(clear | LOCKED), Release);
                TOKEN_RETRY
            }
        };
        // SAFETY: this mutex's own key; the callbacks only touch its state
        // word and two local cells.
        unsafe { L::unpark_filter(self.key(), filter, callback) };
    }

    /// Sets `PARKED` if the mutex is locked: a condvar moving a waiter to
    /// this mutex's queue makes sure the holder's unlock will wake it. Call
    /// under this mutex's queue lock.
    pub(crate) fn mark_parked_if_locked(&self) -> bool {
        let mut state = self.state.load(Relaxed);
        loop {
            if state & LOCKED == 0 {
                return false;
            }
            match self
                .state
                .compare_exchange_weak(state, state | PARKED, Relaxed, Relaxed)
            {
                Ok(_) => return true,
                Err(now) => state = now,
            }
        }
    }

    /// Sets `PARKED`: waiters are being moved to this mutex's queue. Call
    /// under this mutex's queue lock.
    pub(crate) fn mark_parked(&self) {
        self.state.fetch_or(PARKED, Relaxed);
    }
}

impl Default for RawMutexOn<Os> {
    fn default() -> Self {
        Self::new()
    }
}

impl<L: Lot> std::fmt::Debug for RawMutexOn<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawMutex")
            .field("locked", &self.is_locked())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    /// A long waiter at the head of the queue is handed the mutex by a
    /// plain unlock: the mutex never comes free, so nobody can barge in.
    #[test]
    fn an_unlock_hands_the_mutex_to_a_long_waiter_at_the_head() {
        let m = RawMutexOn::<Os>::new();
        let checked = AtomicBool::new(false);
        m.lock();
        std::thread::scope(|s| {
            let waiter = s.spawn(|| {
                // What `lock` does for a waiter that has waited long.
                m.state.fetch_or(PARKED, Relaxed);
                let woken = m.park(true, None);
                while !checked.load(Ordering::Acquire) {
                    std::thread::yield_now();
                }
                if woken == ParkResult::Unparked(TOKEN_HANDOFF) {
                    // SAFETY: handed over to this thread.
                    unsafe { m.unlock() };
                }
                woken
            });
            // Its `validate` sets FAIR as it queues.
            while m.state.load(Relaxed) & FAIR == 0 {
                std::thread::yield_now();
            }
            // SAFETY: locked above, on this thread.
            unsafe { m.unlock() };
            let barged = m.try_lock();
            checked.store(true, Ordering::Release);
            assert!(!barged, "the mutex came free at the unlock");
            assert_eq!(waiter.join().unwrap(), ParkResult::Unparked(TOKEN_HANDOFF));
        });
        assert_eq!(m.state.load(Relaxed), 0, "FAIR and PARKED left set");
    }
}
