//! The raw reader-writer lock: one word of state, two `parking_lot_core`
//! queues.
//!
//! # State
//! - readers (from bit 5 up): shared holders, the upgradable holder
//!   included.
//! - `WRITER`: an exclusive holder, or a thread that has claimed exclusive
//!   access and waits for the readers to leave. While it is set nobody new
//!   takes the lock in any mode.
//! - `UPGRADABLE`: an upgradable reader holds the lock. Excludes `WRITER`
//!   and another upgradable reader, not readers.
//! - `PARKED`: threads are parked on queue A (the word's address), waiting
//!   for `WRITER` (readers) or `WRITER`/`UPGRADABLE` (the others) to clear.
//! - `WRITER_PARKED`: the `WRITER` claimant is parked on queue B (address
//!   + 1), waiting for the readers to leave. At most one thread is there.
//! - `FAIR`: a long waiter is parked on queue A (see Fairness).
//!
//! The parked bits follow the raw mutex's rule: set by a waiter before it
//! parks, while it sees what it waits for; cleared only under the queue's
//! lock when the queue is found empty; a waiter parks only if its
//! `validate` (under that lock) still sees both the bit and the reason to
//! wait. A spurious clear of `WRITER_PARKED` only makes a waiter retry.
//!
//! # Algorithm
//! A reader adds one to the readers unless `WRITER` is set. An upgradable
//! reader adds a reader and `UPGRADABLE` unless either flag is set. A
//! writer first claims `WRITER` (unless `WRITER` or `UPGRADABLE` is set,
//! whatever the readers), then waits on queue B until the readers are gone:
//! a claim shuts new readers out, so writers are not starved by readers.
//! An upgrade turns the upgradable reader into the claimant (`UPGRADABLE`
//! and its reader off, `WRITER` on) and waits for the other readers the
//! same way. The last reader to leave while `WRITER_PARKED` is set wakes
//! queue B. A timed claim that times out gives the claim up (an upgrade
//! goes back to upgradable) and wakes queue A.
//!
//! Whoever clears `WRITER` or `UPGRADABLE` wakes queue A (see `wake.rs`):
//! every reader that can now proceed and the first upgradable or exclusive
//! waiter that can. Every waiter tries the lock before it parks, so a woken
//! waiter either takes its mode or parks again behind a holder whose own
//! release will wake it: no waiter is left parked while the lock would let
//! it in.
//!
//! # Fairness
//! As the raw mutex's: a waiter that parks again after waiting
//! [`FAIR_AFTER`](super::lot::FAIR_AFTER) parks as a long waiter and sets
//! `FAIR`; exclusive and upgradable releases then look at the head of
//! queue A under its lock and hand the lock straight to a long-waiting head
//! (with the readers and the first upgradable or exclusive waiter queued
//! with it, for a reader head). A long waiter gets the lock within one
//! such release per thread queued ahead of it. The `*_fair` unlocks hand
//! over to whoever is at the head. Readers never wait for readers, so a
//! shared unlock has nothing to hand over and `unlock_shared_fair` is
//! `unlock_shared`.
//!
//! # Memory orderings
//! Taking the lock in any mode is an `Acquire` read-modify-write; a
//! claimant's wait for the readers ends on an `Acquire` load that sees
//! them gone (the readers' `Release` decrements form one release
//! sequence). Releases and downgrades are `Release` read-modify-writes. A
//! hand-over adds the new holders' share to the word under the queue lock,
//! and the parking lot orders the woken threads after it. Parked bits are
//! `Relaxed`, re-checked under the queue locks.

mod ops;
mod wake;

use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::time::Instant;

use super::lot::TOKEN_RETRY;
use super::lot::{Atomic, Lot, Os, ParkResult, ParkToken, Spin, UnparkResult, TOKEN_HANDOFF};

pub(super) const PARKED: usize = 1;
pub(super) const WRITER_PARKED: usize = 2;
pub(super) const UPGRADABLE: usize = 4;
pub(super) const WRITER: usize = 8;
pub(super) const FAIR: usize = 16;
pub(super) const ONE_READER: usize = 32;
pub(super) const READERS: usize = !(ONE_READER - 1);

/// What a thread asks queue A for, in its park token (with `LONG`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    Shared = 1,
    Upgradable = 2,
    Exclusive = 3,
}

/// Park token bit: the waiter has waited long (see Fairness).
pub(super) const LONG: usize = 4;

impl Mode {
    /// Whether a thread asking for this mode must wait in `state` (for
    /// `Exclusive`: to claim `WRITER`).
    #[inline]
    fn blocked(self, state: usize) -> bool {
        match self {
            Mode::Shared => state & WRITER != 0,
            Mode::Upgradable | Mode::Exclusive => state & (WRITER | UPGRADABLE) != 0,
        }
    }

    /// What this mode adds to the word when taken (for `Exclusive`: the
    /// claim).
    #[inline]
    pub(super) fn share(self) -> usize {
        match self {
            Mode::Shared => ONE_READER,
            Mode::Upgradable => ONE_READER | UPGRADABLE,
            Mode::Exclusive => WRITER,
        }
    }

    /// `state` with this mode taken; panics if the readers would overflow.
    #[inline]
    fn taken(self, state: usize) -> usize {
        state
            .checked_add(self.share())
            .expect("RwLock reader count overflow")
    }

    fn token(self, long: bool) -> ParkToken {
        ParkToken(self as usize | if long { LONG } else { 0 })
    }

    pub(super) fn of(token: ParkToken) -> Mode {
        match token.0 & !LONG {
            1 => Mode::Shared,
            2 => Mode::Upgradable,
            _ => Mode::Exclusive,
        }
    }
}

/// The raw reader-writer lock on the parking lot `L` (see the module docs).
pub struct RawRwLockOn<L: Lot> {
    state: L::Usize,
}

impl RawRwLockOn<Os> {
    /// An unlocked rwlock.
    pub const fn new() -> Self {
        RawRwLockOn {
            state: std::sync::atomic::AtomicUsize::new(0),
        }
    }
}

impl Default for RawRwLockOn<Os> {
    fn default() -> Self {
        Self::new()
    }
}

impl<L: Lot> RawRwLockOn<L> {
    /// A rwlock whose state word is `state` (0 for an unlocked one).
    #[cfg(lockscope_loom)]
    pub(crate) fn with_state(state: L::Usize) -> Self {
        RawRwLockOn { state }
    }

    /// Queue A: waiters for a mode.
    #[inline]
    fn key_a(&self) -> usize {
        std::ptr::from_ref(self).addr()
    }

    /// Queue B: the claimant waiting for the readers.
    #[inline]
    fn key_b(&self) -> usize {
        self.key_a() + 1
    }

    /// Takes `mode` if `state`-wise it can be taken now, retrying while
    /// the word changes under it.
    #[inline]
    fn try_take(&self, mode: Mode) -> bool {
        let mut state = self.state.load(Relaxed);
        while !mode.blocked(state) {
            match self
                .state
                .compare_exchange_weak(state, mode.taken(state), Acquire, Relaxed)
            {
                Ok(_) => return true,
                Err(now) => state = now,
            }
        }
        false
    }

    /// Blocks until `mode` is taken (for `Exclusive`, claimed) or
    /// `deadline` passes; true if taken.
    #[cold]
    #[inline(never)]
    fn take(&self, mode: Mode, deadline: Option<Instant>) -> bool {
        let mut since: Option<Instant> = None;
        loop {
            let mut spin = L::Spin::default();
            let mut state = self.state.load(Relaxed);
            loop {
                if !mode.blocked(state) {
                    match self.state.compare_exchange_weak(
                        state,
                        mode.taken(state),
                        Acquire,
                        Relaxed,
                    ) {
                        Ok(_) => return true,
                        Err(now) => state = now,
                    }
                    continue;
                }
                if state & PARKED != 0 || !spin.spin() {
                    break;
                }
                state = self.state.load(Relaxed);
            }
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
            match self.park_a(mode, long, deadline) {
                ParkResult::Unparked(TOKEN_HANDOFF) => return true,
                ParkResult::Unparked(_) | ParkResult::Invalid => {}
                ParkResult::TimedOut => return false,
            }
        }
    }

    fn park_a(&self, mode: Mode, long: bool, deadline: Option<Instant>) -> ParkResult {
        let validate = || {
            let state = self.state.load(Relaxed);
            if state & PARKED == 0 || !mode.blocked(state) {
                return false;
            }
            if long && state & FAIR == 0 {
                self.state.fetch_or(FAIR, Relaxed);
            }
            true
        };
        let timed_out = |_, was_last: bool| {
            if was_last {
                self.state.fetch_and(!(PARKED | FAIR), Relaxed);
            }
        };
        // SAFETY: the key is this lock's own address; the callbacks only
        // touch its state word and cannot unwind.
        unsafe {
            L::park(
                self.key_a(),
                validate,
                || {},
                timed_out,
                mode.token(long),
                deadline,
            )
        }
    }

    /// The claimant waits until no reader is left or `deadline` passes;
    /// true if none is left.
    fn wait_for_readers(&self, deadline: Option<Instant>) -> bool {
        let mut spin = L::Spin::default();
        loop {
            let state = self.state.load(Acquire);
            if state & READERS == 0 {
                return true;
            }
            if state & WRITER_PARKED == 0 {
                if spin.spin() {
                    continue;
                }
                if self
                    .state
                    .compare_exchange_weak(state, state | WRITER_PARKED, Relaxed, Relaxed)
                    .is_err()
                {
                    continue;
                }
            }
            let validate = || {
                let state = self.state.load(Relaxed);
                state & READERS != 0 && state & WRITER_PARKED != 0
            };
            let timed_out = |_, _| {
                self.state.fetch_and(!WRITER_PARKED, Relaxed);
            };
            // SAFETY: queue B's key is inside this lock's own word; the
            // callbacks only touch the word and cannot unwind.
            let parked = unsafe {
                L::park(
                    self.key_b(),
                    validate,
                    || {},
                    timed_out,
                    ParkToken(0),
                    deadline,
                )
            };
            if parked == ParkResult::TimedOut {
                return self.state.load(Acquire) & READERS == 0;
            }
        }
    }

    /// Claims `WRITER` and waits for the readers, until `deadline`.
    #[cold]
    #[inline(never)]
    fn exclusive_until(&self, deadline: Option<Instant>) -> bool {
        if !self.take(Mode::Exclusive, deadline) {
            return false;
        }
        if self.wait_for_readers(deadline) {
            return true;
        }
        // Timed out with readers left: give the claim up.
        let before = self.state.fetch_and(!WRITER, Release);
        if before & PARKED != 0 {
            self.wake(before & !WRITER);
        }
        false
    }

    /// The last reader left while the claimant is parked: wake it.
    #[cold]
    #[inline(never)]
    fn wake_claimant(&self) {
        let callback = |_: UnparkResult| {
            self.state.fetch_and(!WRITER_PARKED, Relaxed);
            TOKEN_RETRY
        };
        // SAFETY: queue B's key is inside this lock's own word; the
        // callback only touches the word.
        unsafe { L::unpark_one(self.key_b(), callback) };
    }

    /// Releases `held` (`WRITER` or an upgradable reader's share) with
    /// waiters parked: hands over on the fair path, else releases and wakes.
    #[cold]
    #[inline(never)]
    fn release_contended(&self, held: usize, fair: bool) {
        if fair || self.state.load(Relaxed) & FAIR != 0 {
            return self.release_to_head(held, fair);
        }
        let before = self.state.fetch_sub(held, Release);
        if before & PARKED != 0 {
            self.wake(before - held);
        }
    }

    /// Whether the lock is held in any mode (a snapshot).
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.state.load(Relaxed) & (READERS | WRITER) != 0
    }

    /// Whether a writer holds (or has claimed) the lock (a snapshot).
    #[inline]
    pub fn is_locked_exclusive(&self) -> bool {
        self.state.load(Relaxed) & WRITER != 0
    }
}

impl<L: Lot> std::fmt::Debug for RawRwLockOn<L> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state.load(Relaxed);
        f.debug_struct("RawRwLock")
            .field("readers", &(state / ONE_READER))
            .field("writer", &(state & WRITER != 0))
            .field("upgradable", &(state & UPGRADABLE != 0))
            .finish()
    }
}

#[cfg(test)]
mod tests;
