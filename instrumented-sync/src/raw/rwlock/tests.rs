//! The hand-over to a long waiter at the head of queue A.

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use super::*;

/// Parks `mode` on `l` as a thread that has waited long would, waits for
/// `checked`, then releases what a hand-over gave it; returns how it woke.
fn park_long(l: &RawRwLockOn<Os>, mode: Mode, checked: &AtomicBool) -> ParkResult {
    l.state.fetch_or(PARKED, Relaxed);
    let woken = l.park_a(mode, true, None);
    while !checked.load(Ordering::Acquire) {
        thread::yield_now();
    }
    if woken == ParkResult::Unparked(TOKEN_HANDOFF) {
        // SAFETY: handed over to this thread in `mode`.
        unsafe {
            match mode {
                Mode::Shared => l.unlock_shared(),
                Mode::Upgradable => l.unlock_upgradable(false),
                Mode::Exclusive => l.unlock_exclusive(false),
            }
        }
    }
    woken
}

/// Waits until a long waiter is queued (its `validate` sets FAIR).
fn until_queued(l: &RawRwLockOn<Os>) {
    while l.state.load(Relaxed) & FAIR == 0 {
        thread::yield_now();
    }
}

#[test]
fn a_writer_hands_the_lock_to_a_long_writer_at_the_head() {
    let l = RawRwLockOn::<Os>::new();
    let checked = AtomicBool::new(false);
    assert!(l.lock_exclusive_until(None));
    thread::scope(|s| {
        let waiter = s.spawn(|| park_long(&l, Mode::Exclusive, &checked));
        until_queued(&l);
        // SAFETY: taken above, on this thread.
        unsafe { l.unlock_exclusive(false) };
        let (barged_read, barged_write) = (l.try_lock_shared(), l.try_lock_exclusive());
        checked.store(true, Ordering::Release);
        assert!(
            !barged_read && !barged_write,
            "the lock came free at the unlock"
        );
        assert_eq!(waiter.join().unwrap(), ParkResult::Unparked(TOKEN_HANDOFF));
    });
    assert_eq!(l.state.load(Relaxed), 0);
}

#[test]
fn a_writer_hands_the_lock_to_a_long_reader_at_the_head() {
    let l = RawRwLockOn::<Os>::new();
    let checked = AtomicBool::new(false);
    assert!(l.lock_exclusive_until(None));
    thread::scope(|s| {
        let waiter = s.spawn(|| park_long(&l, Mode::Shared, &checked));
        until_queued(&l);
        // SAFETY: taken above, on this thread.
        unsafe { l.unlock_exclusive(false) };
        let readers = l.state.load(Relaxed) / ONE_READER;
        checked.store(true, Ordering::Release);
        assert_eq!(readers, 1, "the reader was not handed its share");
        assert_eq!(waiter.join().unwrap(), ParkResult::Unparked(TOKEN_HANDOFF));
    });
    assert_eq!(l.state.load(Relaxed), 0);
}
