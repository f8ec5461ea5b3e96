//! `RwLock`: read, write, upgradable read, upgrade, downgrade, and what
//! each records.

#![cfg(feature = "record")]

mod support;

use std::time::Duration;

use lockscope_detector::trace::{EventKind, LockMode};
use lockscope_sync::prelude::*;
use lockscope_sync::{RwLock, RwLockUpgradableReadGuard, RwLockWriteGuard};

#[test]
fn readers_share_writers_exclude() {
    let l = RwLock::new(1);
    let r1 = l.read();
    let r2 = l.read();
    assert!(l.try_write().is_none());
    assert_eq!(*r1 + *r2, 2);
    drop((r1, r2));
    let w = l.write();
    assert!(l.try_read().is_none());
    drop(w);
    let blocked = std::thread::scope(|s| {
        let _w = l.write();
        s.spawn(|| l.try_read_for(Duration::from_millis(5)).is_none())
            .join()
            .unwrap()
    });
    assert!(blocked);
}

#[test]
fn upgrade_and_downgrade_are_recorded() {
    let l = RwLock::named("config", 0);
    let id = l.identity().id();
    let (_, t) = support::record(|| {
        let u = l.upgradable_read();
        let reader = l.read();
        drop(reader);
        let mut w = RwLockUpgradableReadGuard::upgrade(u);
        *w += 1;
        let r = RwLockWriteGuard::downgrade(w);
        assert_eq!(*r, 1);
    });
    let obj = t.obj(id);
    assert_eq!(
        t.of(obj),
        vec![
            EventKind::Acquired {
                obj,
                mode: LockMode::Upgradable,
                depth: 1
            },
            EventKind::Acquired {
                obj,
                mode: LockMode::Shared,
                depth: 1
            },
            EventKind::Released {
                obj,
                mode: LockMode::Shared
            },
            EventKind::Upgraded { obj },
            EventKind::Downgraded {
                obj,
                to: LockMode::Shared
            },
            EventKind::Released {
                obj,
                mode: LockMode::Shared
            },
        ]
    );
    support::assert_legal(&t);
}

/// A timed upgrade that has to wait announces its request and, when it
/// gives up, records one failure; the upgradable lock stays held.
#[test]
fn a_timed_upgrade_that_gives_up_is_recorded_once() {
    let l = RwLock::named("config", 0);
    let id = l.identity().id();
    let (_, t) = support::record(|| {
        let reading = std::sync::Barrier::new(2);
        let tried = std::sync::Barrier::new(2);
        std::thread::scope(|s| {
            s.spawn(|| {
                let _r = l.read();
                reading.wait();
                tried.wait();
            });
            reading.wait();
            let u = l.upgradable_read();
            let u = RwLockUpgradableReadGuard::try_upgrade_for(u, Duration::from_millis(20))
                .expect_err("upgraded past a reader");
            assert!(l.try_upgradable_read().is_none());
            tried.wait();
            drop(u);
        });
    });
    let obj = t.obj(id);
    assert_eq!(t.count(obj, "request"), 1);
    assert_eq!(
        t.count(obj, "try_failed"),
        2,
        "the upgrade's and the try_upgradable_read's"
    );
    support::assert_legal(&t);
}

#[test]
fn concurrent_readers_and_writers_stay_legal() {
    let l = RwLock::named("table", 0u64);
    let id = l.identity().id();
    let (_, t) = support::record(|| {
        std::thread::scope(|s| {
            for i in 0..4 {
                let l = &l;
                s.spawn(move || {
                    for _ in 0..2000 {
                        if i % 2 == 0 {
                            *l.write() += 1;
                        } else {
                            let _ = *l.read();
                        }
                    }
                });
            }
        });
    });
    assert_eq!(*l.read(), 4000);
    let obj = t.obj(id);
    assert_eq!(t.count(obj, "acquired"), 8000);
    assert_eq!(t.count(obj, "released"), 8000);
    support::assert_legal(&t);
}

/// A read taken before the recording began, read again inside it and
/// both released inside it (as a test of this binary that does not record
/// does while another records) is legal: the trace has one acquisition
/// and two releases.
#[test]
fn a_read_taken_before_the_recording_and_again_inside_is_legal() {
    let l = RwLock::new(0);
    let l = &l;
    let first = l.read();
    let (_, t) = support::record(move || {
        let second = l.read();
        drop(first);
        drop(second);
    });
    support::assert_legal(&t);
}
