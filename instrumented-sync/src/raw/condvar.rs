//! The raw condition variable, for the raw mutex: a word naming the mutex
//! its waiters use, and a `parking_lot_core` queue.
//!
//! # Algorithm
//! A wait parks on the condvar's queue and releases the mutex only once it
//! is queued (in `park`'s `before_sleep`), so a notify sent after the
//! release, under the mutex or not, finds it: no wake-up is lost. The
//! word holds the waiters' mutex's address while the queue is not empty
//! (written by the first waiter under the queue lock, cleared under it
//! when the queue empties); a waiter with another mutex is refused and the
//! wait panics, with the mutex still held.
//!
//! A notify that finds the mutex locked does not wake its waiter: it moves
//! it to the mutex's queue (`unpark_requeue`) and marks the mutex parked,
//! so the holder's unlock wakes it; the waiter does not wake only to block
//! on the mutex. `notify_all` moves every waiter there. Otherwise one
//! waiter is woken and (for `notify_all`) the others are moved to the
//! mutex, marked parked for them.
//!
//! A woken waiter locks the mutex again unless the mutex's unlock handed it
//! over. No wake-up is spurious: a wait returns because of a notify or its
//! timeout, so the counts `notify_one`/`notify_all` return are exact. A
//! waiter that a notify moved to the mutex's queue and that then times out
//! there reports that it was notified, not that it timed out.
//!
//! # Memory orderings
//! The word is `Relaxed`: it is read for decisions only under the queue
//! lock, and read outside it only as a hint that there is nobody to wake.
//! What a waiter sees of the notifier's writes comes from the mutex it
//! locks again.

use std::cell::Cell;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Instant;

use super::lot::{Atomic, Lot, Os, ParkResult, ParkToken, RequeueOp, UnparkResult};
use super::lot::{TOKEN_HANDOFF, TOKEN_RETRY};
use super::mutex::RawMutexOn;

/// The raw condvar on the parking lot `L` (see the module docs).
pub struct RawCondvarOn<L: Lot> {
    /// The address of the mutex the waiters use; 0 with nobody waiting.
    mutex: L::Usize,
}

impl RawCondvarOn<Os> {
    /// A condvar nobody waits on.
    pub const fn new() -> Self {
        RawCondvarOn {
            mutex: std::sync::atomic::AtomicUsize::new(0),
        }
    }
}

impl Default for RawCondvarOn<Os> {
    fn default() -> Self {
        Self::new()
    }
}

impl<L: Lot> RawCondvarOn<L> {
    /// A condvar whose word is `word` (0 for a new one).
    #[cfg(lockscope_loom)]
    pub(crate) fn with_state(word: L::Usize) -> Self {
        RawCondvarOn { mutex: word }
    }

    #[inline]
    fn key(&self) -> usize {
        std::ptr::from_ref(self).addr()
    }

    /// Releases `mutex`, waits for a notify or `deadline`, and takes
    /// `mutex` back; true if it timed out.
    ///
    /// # Panics
    /// If another thread waits on this condvar with another mutex (with
    /// `mutex` still held).
    ///
    /// # Safety
    /// The calling context holds `mutex`.
    pub unsafe fn wait_until(&self, mutex: &RawMutexOn<L>, deadline: Option<Instant>) -> bool {
        // The address, exposed: `notify` turns it back into the mutex.
        let mutex_key = std::ptr::from_ref(mutex).expose_provenance();
        let (other_mutex, requeued) = (Cell::new(false), Cell::new(false));
        let validate = || {
            let current = self.mutex.load(Relaxed);
            if current == 0 {
                self.mutex.store(mutex_key, Relaxed);
            } else if current != mutex_key {
                other_mutex.set(true);
                return false;
            }
            true
        };
        // SAFETY: the caller holds `mutex`; this thread is queued, so a
        // notify from now on finds it.
        let before_sleep = || unsafe { mutex.unlock() };
        let timed_out = |key: usize, was_last: bool| {
            if key == mutex_key {
                requeued.set(true);
                mutex.left_queue(was_last);
            } else if was_last {
                self.mutex.store(0, Relaxed);
            }
        };
        // SAFETY: the condvar's own key; `validate` and `timed_out` only
        // touch the two words and local cells; `before_sleep` unlocks the
        // mutex, which may unpark but never parks.
        let result = unsafe {
            L::park(
                self.key(),
                validate,
                before_sleep,
                timed_out,
                ParkToken(0),
                deadline,
            )
        };
        if other_mutex.get() {
            panic!("a condition variable was waited on with two different mutexes");
        }
        if result != ParkResult::Unparked(TOKEN_HANDOFF) {
            mutex.lock();
        }
        result == ParkResult::TimedOut && !requeued.get()
    }

    /// Wakes one waiter (or moves it to its mutex's queue); true if there
    /// was one.
    #[inline]
    pub fn notify_one(&self) -> bool {
        let mutex = self.mutex.load(Relaxed);
        mutex != 0 && self.notify(mutex, false) != 0
    }

    /// Wakes every waiter (moving them to their mutex's queue); how many.
    #[inline]
    pub fn notify_all(&self) -> usize {
        let mutex = self.mutex.load(Relaxed);
        if mutex == 0 {
            return 0;
        }
        self.notify(mutex, true)
    }

    #[cold]
    #[inline(never)]
    fn notify(&self, mutex_key: usize, all: bool) -> usize {
        let validate = || {
            if self.mutex.load(Relaxed) != mutex_key {
                return RequeueOp::Abort;
            }
            // SAFETY: the word names the mutex of a waiter still queued
            // here (it is cleared under this queue's lock when the queue
            // empties), and that waiter's `wait_until` borrows the mutex.
            let mutex = unsafe { &*std::ptr::with_exposed_provenance::<RawMutexOn<L>>(mutex_key) };
            let locked = mutex.mark_parked_if_locked();
            match (all, locked) {
                (false, true) => RequeueOp::RequeueOne,
                (false, false) => RequeueOp::UnparkOne,
                (true, true) => {
                    self.mutex.store(0, Relaxed);
                    RequeueOp::RequeueAll
                }
                (true, false) => {
                    self.mutex.store(0, Relaxed);
                    mutex.mark_parked();
                    RequeueOp::UnparkOneRequeueRest
                }
            }
        };
        let callback = |_: RequeueOp, result: UnparkResult| {
            if !result.have_more_threads {
                self.mutex.store(0, Relaxed);
            }
            TOKEN_RETRY
        };
        // SAFETY: the condvar's own key and its waiters' mutex's key (the
        // mutex is alive, see `validate`); the callbacks only touch the two
        // words and cannot unwind.
        let result = unsafe { L::unpark_requeue(self.key(), mutex_key, validate, callback) };
        result.unparked_threads + result.requeued_threads
    }
}

impl<L: Lot> std::fmt::Debug for RawCondvarOn<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawCondvar").finish_non_exhaustive()
    }
}
