//! `Mutex`: parking_lot's API on the instrumented raw mutex, and what it
//! records.

#![cfg(feature = "record")]

mod support;

use std::sync::Arc;
use std::time::Duration;

use lockscope_detector::trace::{EventKind, LockMode, PrimitiveKind};
use lockscope_sync::prelude::*;
use lockscope_sync::{Mutex, MutexGuard};

#[test]
fn lock_try_lock_into_inner_get_mut() {
    let mut m = Mutex::new(1);
    *m.get_mut() += 1;
    {
        let g = m.lock();
        assert!(m.try_lock().is_none());
        let timed_out = std::thread::scope(|s| {
            s.spawn(|| m.try_lock_for(Duration::from_millis(5)).is_none())
                .join()
                .unwrap()
        });
        assert!(timed_out);
        assert_eq!(*g, 2);
    }
    assert!(m.try_lock().is_some());
    assert_eq!(m.into_inner(), 2);
}

#[test]
fn mapped_unlocked_and_arc_guards() {
    let m = Mutex::new((1, 2));
    let mut g = MutexGuard::map(m.lock(), |p| &mut p.1);
    *g += 1;
    drop(g);
    let mut g = m.lock();
    MutexGuard::unlocked(&mut g, || assert!(m.try_lock().is_some()));
    drop(g);
    let a = Arc::new(Mutex::new(5));
    let g = a.lock_arc();
    assert_eq!(*g, 5);
    drop(g);
    assert_eq!(*m.lock(), (1, 3));
}

#[test]
fn const_new_works_in_a_static() {
    static COUNTER: Mutex<u32> = Mutex::new(0);
    *COUNTER.lock() += 1;
    assert!(*COUNTER.lock() >= 1);
}

#[test]
fn records_acquire_release_with_the_callers_site_and_name() {
    let m = Mutex::named("accounts", 0);
    let id = m.identity().id();
    let (line, t) = support::record(|| {
        let line = line!() + 1;
        *m.lock() += 1;
        line
    });
    let obj = t.obj(id);
    let info = t.meta.primitive(obj);
    assert_eq!(info.name.as_deref(), Some("accounts"));
    assert_eq!(info.kind, PrimitiveKind::Mutex);
    assert_eq!(
        t.of(obj),
        vec![
            EventKind::Acquired {
                obj,
                mode: LockMode::Exclusive,
                depth: 1
            },
            EventKind::Released {
                obj,
                mode: LockMode::Exclusive
            },
        ]
    );
    let acq = t
        .events
        .iter()
        .find(|e| matches!(e.kind, EventKind::Acquired { .. }))
        .unwrap();
    assert_eq!(t.site_line(acq), Some(line));
    let site = t.meta.site(acq.site.unwrap()).to_string();
    assert!(site.contains("tests/mutex.rs"), "{site}");
}

#[test]
fn contention_records_a_request_and_a_legal_order() {
    let m = Arc::new(Mutex::named("contended", 0u64));
    let id = m.identity().id();
    let (_, t) = support::record(|| {
        let g = m.lock();
        let m2 = m.clone();
        let h = lockscope_sync::thread::spawn(move || {
            *m2.lock() += 1;
        });
        std::thread::sleep(Duration::from_millis(30));
        drop(g);
        h.join().unwrap();
    });
    let obj = t.obj(id);
    let kinds = t.of(obj);
    assert!(
        kinds.contains(&EventKind::Request {
            obj,
            mode: LockMode::Exclusive
        }),
        "{kinds:?}"
    );
    assert_eq!(
        kinds
            .iter()
            .filter(|k| matches!(k, EventKind::Acquired { .. }))
            .count(),
        2
    );
    support::assert_legal(&t);
}

#[test]
fn failed_try_lock_is_recorded() {
    let m = Mutex::named("busy", ());
    let id = m.identity().id();
    let (_, t) = support::record(|| {
        let _g = m.lock();
        let other = std::thread::scope(|s| s.spawn(|| m.try_lock().is_none()).join().unwrap());
        assert!(other);
    });
    let obj = t.obj(id);
    assert!(t.of(obj).contains(&EventKind::TryFailed {
        obj,
        mode: LockMode::Exclusive
    }));
}

#[test]
fn a_panic_while_holding_the_lock_still_records_the_release() {
    let m = Arc::new(Mutex::named("panicky", 0));
    let id = m.identity().id();
    let (joined, t) = support::record(|| {
        let m2 = m.clone();
        lockscope_sync::thread::spawn(move || {
            let _g = m2.lock();
            panic!("boom while holding the lock");
        })
        .join()
    });
    assert!(joined.is_err());
    assert!(m.try_lock().is_some(), "no poisoning, the lock is free");
    let obj = t.obj(id);
    assert_eq!(
        t.of(obj),
        vec![
            EventKind::Acquired {
                obj,
                mode: LockMode::Exclusive,
                depth: 1
            },
            EventKind::Released {
                obj,
                mode: LockMode::Exclusive
            },
        ]
    );
}
