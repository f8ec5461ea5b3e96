//! `ReentrantMutex` (the seeds' RLock): re-entry, depth, per-level release.

#![cfg(feature = "record")]

mod support;

use std::time::Duration;

use lockscope_detector::trace::{EventKind, LockMode};
use lockscope_sync::ReentrantMutex;

#[test]
fn the_holder_may_lock_again_others_wait() {
    let m = ReentrantMutex::new(5);
    let a = m.lock();
    let b = m.lock();
    assert!(m.is_owned_by_current_thread());
    assert_eq!(*a + *b, 10);
    let other = std::thread::scope(|s| {
        s.spawn(|| m.try_lock_for(Duration::from_millis(5)).is_none())
            .join()
            .unwrap()
    });
    assert!(other);
    drop((a, b));
    assert!(!m.is_locked());
    assert_eq!(m.into_inner(), 5);
}

#[test]
fn every_level_is_recorded_with_its_depth_and_site() {
    let m = ReentrantMutex::named("rlock", ());
    let id = m.meta().id();
    let ((l1, l2), t) = support::record(|| {
        let l1 = line!() + 1;
        let a = m.lock();
        let l2 = line!() + 1;
        let b = m.lock();
        drop(b);
        drop(a);
        (l1, l2)
    });
    let obj = t.obj(id);
    let x = LockMode::Exclusive;
    assert_eq!(
        t.of(obj),
        vec![
            EventKind::Acquired {
                obj,
                mode: x,
                depth: 1
            },
            EventKind::Acquired {
                obj,
                mode: x,
                depth: 2
            },
            EventKind::Released { obj, mode: x },
            EventKind::Released { obj, mode: x },
        ]
    );
    let lines: Vec<_> = t
        .events
        .iter()
        // This lock's acquisitions only: tests run in parallel and record
        // into the same trace.
        .filter(|e| matches!(e.kind, EventKind::Acquired { obj: o, .. } if o == obj))
        .map(|e| t.site_line(e))
        .collect();
    assert_eq!(lines, vec![Some(l1), Some(l2)]);
    support::assert_legal(&t);
}
