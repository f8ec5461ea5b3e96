//! `Event` (Python's threading.Event): set, clear, is_set, wait, timeouts.

#![cfg(feature = "record")]

mod support;

use std::time::Duration;

use lockscope_detector::trace::EventKind;
use lockscope_sync::{thread, Event};

#[test]
fn set_clear_wait_and_timeouts() {
    let e = Event::new();
    assert!(!e.is_set());
    assert!(!e.wait_timeout(Duration::from_millis(10)));
    e.set();
    assert!(e.is_set());
    assert!(e.wait());
    e.clear();
    assert!(!e.wait_timeout(Duration::from_millis(1)));
}

#[test]
fn a_handoff_is_recorded_set_before_woken() {
    let e = std::sync::Arc::new(Event::named("server_ready"));
    let id = e.meta().id();
    let (_, t) = support::record(|| {
        let e2 = e.clone();
        let client = thread::spawn(move || e2.wait());
        std::thread::sleep(Duration::from_millis(20));
        e.set();
        assert!(client.join().unwrap());
    });
    let obj = t.obj(id);
    let k = t.of(obj);
    let set = k
        .iter()
        .position(|x| matches!(x, EventKind::EventSet { .. }))
        .unwrap();
    let wait = k
        .iter()
        .position(|x| matches!(x, EventKind::EventWait { .. }))
        .unwrap();
    let woken = k
        .iter()
        .position(|x| {
            matches!(
                x,
                EventKind::EventWoken {
                    timed_out: false,
                    ..
                }
            )
        })
        .unwrap();
    // The client usually waits first; on a loaded machine it may start
    // after the set. Either way it is woken after the set.
    assert!(wait < woken && set < woken, "{k:?}");
    assert_eq!(t.count(obj, "event_woken"), 1);
}
