//! `Semaphore`: acquire, try_acquire, timed acquire, release, permits.

#![cfg(feature = "record")]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use lockscope_detector::trace::EventKind;
use lockscope_sync::Semaphore;

#[test]
fn permits_are_counted_and_limit_concurrency() {
    let s = Semaphore::new(2);
    let a = s.acquire();
    let b = s.try_acquire().unwrap();
    assert_eq!(s.available_permits(), 0);
    assert!(s.try_acquire().is_none());
    assert!(s.try_acquire_for(Duration::from_millis(10)).is_none());
    drop(a);
    assert_eq!(s.available_permits(), 1);
    b.forget();
    assert_eq!(s.available_permits(), 1);
    s.release();
    assert_eq!(s.available_permits(), 2);

    let sem = Semaphore::new(3);
    let inside = AtomicUsize::new(0);
    let max = AtomicUsize::new(0);
    std::thread::scope(|sc| {
        for _ in 0..8 {
            sc.spawn(|| {
                let _p = sem.acquire();
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(2));
                inside.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    assert!(max.load(Ordering::SeqCst) <= 3);
}

#[test]
fn acquire_release_and_blocking_requests_are_recorded() {
    let s = Semaphore::named("pool", 1);
    let id = s.meta().id();
    let (_, t) = support::record(|| {
        let p = s.acquire();
        std::thread::scope(|sc| {
            sc.spawn(|| drop(s.acquire()));
            std::thread::sleep(Duration::from_millis(20));
            drop(p);
        });
    });
    let obj = t.obj(id);
    let info = t.meta.primitive(obj);
    assert_eq!(info.permits, Some(1));
    let k = t.of(obj);
    let n = |f: fn(&EventKind) -> bool| k.iter().filter(|e| f(e)).count();
    assert_eq!(
        n(|e| matches!(e, EventKind::SemAcquired { permits: 1, .. })),
        2
    );
    assert_eq!(
        n(|e| matches!(e, EventKind::SemReleased { permits: 1, .. })),
        2
    );
    assert_eq!(n(|e| matches!(e, EventKind::Request { .. })), 1);
    // The second acquisition follows the first release.
    let first_rel = k
        .iter()
        .position(|e| matches!(e, EventKind::SemReleased { .. }))
        .unwrap();
    let second_acq = k
        .iter()
        .rposition(|e| matches!(e, EventKind::SemAcquired { .. }))
        .unwrap();
    assert!(first_rel < second_acq, "{k:?}");
}
