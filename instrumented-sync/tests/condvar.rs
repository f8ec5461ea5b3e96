//! `Condvar` with lockscope's mutex guards: wait, timed waits, wait_while,
//! notify_one/all, and what they record.

#![cfg(feature = "record")]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use lockscope_detector::trace::EventKind;
use lockscope_sync::prelude::*;
use lockscope_sync::{thread, Condvar, Mutex};

#[test]
fn wait_for_times_out_and_wait_while_returns_when_true() {
    let m = Mutex::new(false);
    let c = Condvar::new();
    let mut g = m.lock();
    let start = Instant::now();
    assert!(c.wait_for(&mut g, Duration::from_millis(20)).timed_out());
    assert!(start.elapsed() >= Duration::from_millis(20));
    assert!(!c.notify_one());
    drop(g);

    let pair = Arc::new((Mutex::new(0), Condvar::new()));
    let p2 = pair.clone();
    let h = thread::spawn(move || {
        for _ in 0..3 {
            std::thread::sleep(Duration::from_millis(5));
            *p2.0.lock() += 1;
            p2.1.notify_all();
        }
    });
    let mut g = pair.0.lock();
    pair.1.wait_while(&mut g, |n| *n < 3);
    assert_eq!(*g, 3);
    drop(g);
    h.join().unwrap();
    let mut g = pair.0.lock();
    let r = pair
        .1
        .wait_while_for(&mut g, |n| *n < 10, Duration::from_millis(10));
    assert!(r.timed_out());
}

#[test]
fn wait_and_notify_are_recorded_in_a_legal_order() {
    let pair = Arc::new((Mutex::named("ready_lock", false), Condvar::named("ready")));
    let cv_id = pair.1.meta().id();
    let (_, t) = support::record(|| {
        let p2 = pair.clone();
        let h = thread::spawn(move || {
            let mut g = p2.0.lock();
            while !*g {
                p2.1.wait(&mut g);
            }
        });
        loop {
            std::thread::sleep(Duration::from_millis(5));
            let mut g = pair.0.lock();
            *g = true;
            if pair.1.notify_one() {
                break;
            }
            *g = false;
        }
        h.join().unwrap();
    });
    let cv = t.obj(cv_id);
    let kinds = t.of(cv);
    let pos = |f: &dyn Fn(&EventKind) -> bool| kinds.iter().position(f).unwrap();
    let wait = pos(&|k| matches!(k, EventKind::CondWait { timed: false, .. }));
    let notify = pos(&|k| {
        matches!(
            k,
            EventKind::Notify {
                woken: 1,
                all: false,
                ..
            }
        )
    });
    let woken = pos(&|k| {
        matches!(
            k,
            EventKind::CondWoken {
                timed_out: false,
                ..
            }
        )
    });
    assert!(wait < notify && notify < woken, "{kinds:?}");
    assert_eq!(t.meta.primitive(cv).name.as_deref(), Some("ready"));
    support::assert_legal(&t);
}

/// A wait with a timeout is recorded as timed: the analyzer never counts a
/// thread in it as stuck when the trace ends.
#[test]
fn a_timed_wait_is_recorded_as_timed() {
    let pair = (Mutex::named("m", ()), Condvar::named("cv"));
    let cv_id = pair.1.meta().id();
    let (_, t) = support::record(|| {
        let mut g = pair.0.lock();
        assert!(pair
            .1
            .wait_for(&mut g, Duration::from_millis(1))
            .timed_out());
    });
    let kinds = t.of(t.obj(cv_id));
    assert!(
        kinds
            .iter()
            .any(|k| matches!(k, EventKind::CondWait { timed: true, .. })),
        "{kinds:?}"
    );
}

/// A wait that panics (parking_lot refuses one condvar with two mutexes)
/// leaves no held entry for the mutex its guard then releases.
#[test]
fn a_wait_that_panics_leaves_no_stale_held_lock() {
    let cv = Arc::new(Condvar::new());
    let first = Arc::new(Mutex::named("condvar_first_mutex", ()));
    let (cv2, first2) = (cv.clone(), first.clone());
    let waiter = std::thread::spawn(move || {
        let mut g = first2.lock();
        cv2.wait_for(&mut g, Duration::from_secs(2));
    });
    let second = Mutex::named("condvar_second_mutex", ());
    let mut panicked = false;
    // The waiter re-parks between watchdog slices: try until the wait
    // lands while it is parked.
    let deadline = Instant::now() + Duration::from_secs(1);
    while !panicked && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut g = second.lock();
            cv.wait_for(&mut g, Duration::from_millis(1));
        }))
        .is_err();
    }
    assert!(panicked, "parking_lot's two-mutex check never fired");
    // A later wait that ends (here a condvar wait timing out) must not
    // bring the released mutex back into the held list.
    let third = Mutex::named("condvar_third_mutex", ());
    let other = Condvar::new();
    other.wait_for(&mut third.lock(), Duration::from_millis(1));
    let held = lockscope_sync::thread_state::with(|ts| {
        (ts.held.borrow().snapshot(), ts.stash.borrow().len())
    })
    .expect("thread state");
    assert!(held.0.is_empty() && held.1 == 0, "stale entries: {held:?}");
    cv.notify_all();
    waiter.join().expect("waiter");
}

/// A wait on a mutex locked before the recording began (as a test of this
/// binary that does not record does while another records) is legal: the
/// trace has the wait without the acquisition.
#[test]
fn a_wait_on_a_mutex_locked_before_the_recording_is_legal() {
    let m = Mutex::new(());
    let c = Condvar::new();
    let mut g = m.lock();
    let (_, t) = support::record(|| {
        assert!(c.wait_for(&mut g, Duration::from_millis(1)).timed_out());
    });
    drop(g);
    // This condvar's events only: other tests of this binary may wait
    // during the recording.
    let cv = t.obj(c.meta().id());
    assert_eq!(t.count(cv, "cond_wait"), 1);
    support::assert_legal(&t);
}

/// A notify sent after the notifier's unlock, while the waiter has been
/// waiting for longer than the watchdog's interval and the notifier held
/// the mutex meanwhile, reaches the waiter (parking_lot's semantics: a
/// notify that follows the waiter's unlock wakes it). When condvar waits
/// were cut into watchdog slices, the waiter was out of the condvar's
/// queue, re-taking the mutex, exactly when this notify came, and it waited
/// out its whole timeout.
#[test]
fn a_notify_after_unlock_reaches_a_long_waiter() {
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let p2 = pair.clone();
    // Taken before the notifier starts: it gets the mutex only once this
    // thread waits.
    let mut ready = pair.0.lock();
    let notifier = thread::spawn(move || {
        let mut ready = p2.0.lock();
        // Longer than a watchdog slice (50 ms).
        std::thread::sleep(Duration::from_millis(150));
        *ready = true;
        drop(ready);
        p2.1.notify_one();
    });
    let start = Instant::now();
    while !*ready {
        let timed_out = pair
            .1
            .wait_for(&mut ready, Duration::from_secs(10))
            .timed_out();
        assert!(!timed_out, "the notify was lost");
    }
    drop(ready);
    notifier.join().unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "woken after {:?}",
        start.elapsed()
    );
}
