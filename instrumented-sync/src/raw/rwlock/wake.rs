//! Who is woken from queue A, and when the lock is handed over.
//!
//! The rule that keeps every parked waiter reachable: when a release
//! leaves `WRITER` clear, every parked reader is woken; when it leaves
//! `WRITER` and `UPGRADABLE` clear, the first parked upgradable or
//! exclusive waiter is woken too (those modes exclude each other, so the
//! rest stay parked behind whichever of them gets in, or behind the thread
//! that barged in first: either one's release wakes them).
//!
//! On the fair path the lock is handed over instead, in queue order: to an
//! exclusive head alone (it gets the claim; the readers behind it stay
//! parked behind that claim), or to a reader or upgradable head together
//! with every parked reader and the first upgradable or exclusive waiter
//! (an exclusive one gets the claim and waits for the readers it was
//! handed over with).

use std::cell::Cell;
use std::sync::atomic::Ordering::{Relaxed, Release};

use super::super::lot::TOKEN_RETRY;
use super::super::lot::{Atomic, FilterOp, Lot, ParkToken, UnparkResult, TOKEN_HANDOFF};
use super::{Mode, RawRwLockOn, FAIR, LONG, PARKED, UPGRADABLE, WRITER};

/// The group a scan of queue A picks, and what it saw of the others.
#[derive(Default)]
struct Group {
    head: Cell<Option<ParkToken>>,
    /// Readers may be woken (the lock is left without `WRITER`).
    readers_may: Cell<bool>,
    /// One upgradable or exclusive waiter may be woken.
    one_more_may: Cell<bool>,
    /// The share of the lock the group takes (on a hand-over).
    share: Cell<usize>,
    /// A long waiter is left parked.
    long_left: Cell<bool>,
}

impl Group {
    /// The scan's verdict on one parked thread.
    fn pick(&self, token: ParkToken) -> FilterOp {
        let mode = Mode::of(token);
        let take = match mode {
            Mode::Shared => self.readers_may.get(),
            Mode::Upgradable | Mode::Exclusive => self.one_more_may.replace(false),
        };
        if take {
            self.share.set(self.share.get() + mode.share());
            return FilterOp::Unpark;
        }
        if token.0 & LONG != 0 {
            self.long_left.set(true);
        }
        FilterOp::Skip
    }
}

impl<L: Lot> RawRwLockOn<L> {
    /// Wakes queue A after a release that left the word `after` (with the
    /// release already done).
    pub(super) fn wake(&self, after: usize) {
        let group = Group::default();
        group.readers_may.set(after & WRITER == 0);
        group.one_more_may.set(after & (WRITER | UPGRADABLE) == 0);
        let callback = |result: UnparkResult| {
            if !result.have_more_threads {
                self.state.fetch_and(!(PARKED | FAIR), Relaxed);
            }
            TOKEN_RETRY
        };
        // SAFETY: this lock's own key; the callbacks only touch its word
        // and the local group.
        unsafe { L::unpark_filter(self.key_a(), |t| group.pick(t), callback) };
    }

    /// The fair path of releasing `held` (`WRITER` or an upgradable
    /// reader's share): with the lock still held, hands it over to the
    /// head's group if the head waited long (or `always`); otherwise
    /// releases it and wakes as [`Self::wake`] would.
    pub(super) fn release_to_head(&self, held: usize, always: bool) {
        let group = Group::default();
        // After the release neither flag is left: the holder had the only
        // `WRITER` or `UPGRADABLE`.
        group.readers_may.set(true);
        group.one_more_may.set(true);
        let hand_over = Cell::new(false);
        let filter = |token: ParkToken| {
            if group.head.get().is_none() {
                group.head.set(Some(token));
                hand_over.set(always || token.0 & LONG != 0);
                if hand_over.get() && Mode::of(token) == Mode::Exclusive {
                    // An exclusive head alone: the readers wait behind it.
                    group.readers_may.set(false);
                }
            }
            group.pick(token)
        };
        let callback = |result: UnparkResult| {
            let handing = hand_over.get() && result.unparked_threads != 0;
            let mut state = self.state.load(Relaxed);
            loop {
                let mut next = state - held;
                if handing {
                    next += group.share.get();
                }
                if !result.have_more_threads {
                    next &= !PARKED;
                }
                if !group.long_left.get() {
                    next &= !FAIR;
                }
                match self
                    .state
                    .compare_exchange_weak(state, next, Release, Relaxed)
                {
                    Ok(_) => break,
                    Err(now) => state = now,
                }
            }
            if handing {
                TOKEN_HANDOFF
            } else {
                TOKEN_RETRY
            }
        };
        // SAFETY: this lock's own key; the callbacks only touch its word
        // and local cells.
        unsafe { L::unpark_filter(self.key_a(), filter, callback) };
    }
}
