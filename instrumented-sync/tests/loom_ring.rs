//! loom models of the recorder's own synchronisation: the per-thread ring
//! (single producer, single consumer) and the drain's consistent cut.
//! Run by `.ci/loom`.

#![cfg(lockscope_loom)]

use loom::sync::atomic::{AtomicBool, Ordering};
use loom::sync::Arc;
use loom::thread;

use lockscope_detector::trace::{EventKind, ThreadId};
use lockscope_sync::__loom::{cut, Raw, Ring};

/// An event at `time` (the thread is the ring's).
fn ev(time: u64) -> Raw {
    Raw {
        time,
        kind: EventKind::Begin,
        site: None,
    }
}

/// One drain of rings `a` and `b` (a cut, then what it may write), on a
/// thread of its own; joins to the times written. Not on the model's main
/// thread: loom never ran the other threads' pushes before the main
/// thread's first step, so a drain there never saw a push without its
/// predecessor whatever `cut` did.
fn drain_on_its_own_thread(a: &Arc<Ring>, b: &Arc<Ring>) -> thread::JoinHandle<Vec<u64>> {
    let (a, b) = (a.clone(), b.clone());
    thread::spawn(move || {
        // SAFETY: this thread is the only consumer of both rings.
        let (snapshot, bound) = unsafe { cut(&[&*a, &*b]) };
        let mut taken = Vec::new();
        // SAFETY: as above; the positions came from tail().
        unsafe {
            a.consume_to(snapshot[0], &mut taken);
            b.consume_to(snapshot[1], &mut taken);
        }
        taken
            .iter()
            .map(|e| e.time)
            .filter(|t| *t < bound)
            .collect()
    })
}

#[test]
fn every_pushed_event_is_consumed_once_in_order() {
    loom::model(|| {
        let ring = Arc::new(Ring::with_capacity(ThreadId(0), 2));
        let producer = {
            let ring = ring.clone();
            thread::spawn(move || {
                for t in 1..=3 {
                    // SAFETY: this thread is the ring's only producer.
                    while unsafe { ring.push(ev(t)) }.is_err() {
                        thread::yield_now();
                    }
                }
            })
        };
        let mut got = Vec::new();
        while got.len() < 3 {
            // SAFETY: this thread is the only consumer; upto = tail().
            unsafe { ring.consume_to(ring.tail(), &mut got) };
            thread::yield_now();
        }
        producer.join().unwrap();
        let times: Vec<u64> = got.iter().map(|e| e.time).collect();
        assert_eq!(times, vec![1, 2, 3]);
    });
}

/// Thread A records e1 then publishes (a lock release); thread B sees the
/// publication and records e2, which happens after e1. A drain running
/// concurrently must never write e2 without e1.
#[test]
fn a_cut_never_writes_an_event_without_its_predecessor() {
    loom::model(|| {
        let a = Arc::new(Ring::with_capacity(ThreadId(0), 2));
        let b = Arc::new(Ring::with_capacity(ThreadId(1), 2));
        let released = Arc::new(AtomicBool::new(false));
        let ta = {
            let (a, released) = (a.clone(), released.clone());
            thread::spawn(move || {
                // SAFETY: only producer of `a`.
                unsafe { a.push(ev(1)) }.unwrap();
                released.store(true, Ordering::Release);
            })
        };
        let tb = {
            let (b, released) = (b.clone(), released.clone());
            thread::spawn(move || {
                if released.load(Ordering::Acquire) {
                    // SAFETY: only producer of `b`.
                    unsafe { b.push(ev(2)) }.unwrap();
                }
            })
        };
        let drain = drain_on_its_own_thread(&a, &b);
        let written = drain.join().unwrap();
        if written.contains(&2) {
            assert!(written.contains(&1), "e2 written without e1: {written:?}");
        }
        ta.join().unwrap();
        tb.join().unwrap();
    });
}

/// A notify is timed, and its time published, before it wakes anyone, and
/// pushed only after: thread A announces e1, publishes (the wake-up), then
/// pushes e1; thread B, woken, records e2 after e1. A drain running
/// concurrently must never write e2 without e1 (the announcement bounds
/// the cut while e1 is not in A's ring).
#[test]
fn a_cut_never_writes_a_wake_up_before_its_notify() {
    loom::model(|| {
        let a = Arc::new(Ring::with_capacity(ThreadId(0), 2));
        let b = Arc::new(Ring::with_capacity(ThreadId(1), 2));
        let woken = Arc::new(AtomicBool::new(false));
        let ta = {
            let (a, woken) = (a.clone(), woken.clone());
            thread::spawn(move || {
                // SAFETY: only producer of `a`.
                unsafe {
                    a.announce(1);
                    woken.store(true, Ordering::Release);
                    a.push(ev(1)).unwrap();
                    a.withdraw();
                }
            })
        };
        let tb = {
            let (b, woken) = (b.clone(), woken.clone());
            thread::spawn(move || {
                if woken.load(Ordering::Acquire) {
                    // SAFETY: only producer of `b`.
                    unsafe { b.push(ev(2)) }.unwrap();
                }
            })
        };
        let drain = drain_on_its_own_thread(&a, &b);
        let written = drain.join().unwrap();
        if written.contains(&2) {
            assert!(
                written.contains(&1),
                "wake-up written without its notify: {written:?}"
            );
        }
        ta.join().unwrap();
        tb.join().unwrap();
    });
}
