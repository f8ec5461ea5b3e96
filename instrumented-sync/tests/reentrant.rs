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

/// `unlocked` releases the guard's level while `f` runs (another thread can
/// take the lock), takes it back after, and records both; `bump` and
/// `unlock_fair` release as well, and a panic in `f` still takes the level
/// back before the guard releases it.
#[test]
fn unlocked_bump_and_unlock_fair_release_and_record() {
    use lockscope_sync::ReentrantMutexGuard;
    let m = ReentrantMutex::named("rlock_unlocked", 0);
    let id = m.meta().id();
    let (_, t) = support::record(|| {
        let mut g = m.lock();
        let taken_meanwhile = ReentrantMutexGuard::unlocked(&mut g, || {
            std::thread::scope(|s| s.spawn(|| m.try_lock().is_some()).join().unwrap())
        });
        assert!(taken_meanwhile, "the lock was free inside `unlocked`");
        assert!(m.is_owned_by_current_thread());
        ReentrantMutexGuard::bump(&mut g);
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            ReentrantMutexGuard::unlocked_fair(&mut g, || panic!("inside unlocked_fair"))
        }));
        assert!(unwound.is_err());
        assert!(m.is_owned_by_current_thread(), "taken back on unwind");
        ReentrantMutexGuard::unlock_fair(g);
        assert!(!m.is_locked());
    });
    let obj = t.obj(id);
    // lock, the other thread's try_lock, and a re-take after each of
    // unlocked, bump and unlocked_fair.
    assert_eq!(t.count(obj, "acquired"), 5, "{:?}", t.of(obj));
    assert_eq!(t.count(obj, "released"), 5, "{:?}", t.of(obj));
    support::assert_legal(&t);
}

/// `map` and `try_map` (on the guard and on a mapped guard) keep the level
/// held, and the mapped guard releases it, recorded, when dropped; a
/// failed `try_map` gives the guard back still holding it.
#[test]
fn mapped_guards_hold_and_release_the_level() {
    use lockscope_sync::{MappedReentrantMutexGuard, ReentrantMutexGuard};
    let m = ReentrantMutex::named("rlock_mapped", (1, (2, 3)));
    let id = m.meta().id();
    let (_, t) = support::record(|| {
        let outer = m.lock();
        let pair = ReentrantMutexGuard::map(m.lock(), |v| &v.1);
        let missing = MappedReentrantMutexGuard::try_map(pair, |_| None::<&u8>);
        let pair = missing.expect_err("nothing to map to");
        let three = MappedReentrantMutexGuard::map(pair, |p| &p.1);
        assert_eq!(*three, 3);
        assert!(ReentrantMutexGuard::try_map(m.lock(), |_| None::<&u8>).is_err());
        let one = ReentrantMutexGuard::try_map(m.lock(), |v| Some(&v.0)).unwrap();
        assert_eq!(*one + *three + outer.0, 5);
        drop((one, three));
        assert!(m.is_owned_by_current_thread(), "the outer level is held");
        drop(outer);
        assert!(!m.is_locked());
    });
    let obj = t.obj(id);
    // outer, the mapped pair, the try_map that failed, the mapped one.
    assert_eq!(t.count(obj, "acquired"), 4, "{:?}", t.of(obj));
    assert_eq!(t.count(obj, "released"), 4, "{:?}", t.of(obj));
    support::assert_legal(&t);
}

/// `lock_arc`/`try_lock_arc`: the guard owns an `Arc` of the mutex (it can
/// outlive every other handle), re-enters like any guard, and releases its
/// level, recorded, when dropped.
#[test]
fn arc_guards_keep_the_mutex_and_release_the_level() {
    use lockscope_sync::ArcReentrantMutexGuard;
    use std::sync::Arc;
    let m = Arc::new(ReentrantMutex::named("rlock_arc", 7));
    let id = m.meta().id();
    let (_, t) = support::record(|| {
        let outer = m.lock_arc();
        let inner = m.try_lock_arc().expect("re-entry");
        assert_eq!(*outer + *inner, 14);
        assert!(Arc::ptr_eq(ArcReentrantMutexGuard::remutex(&outer), &m));
        let other = std::thread::scope(|s| s.spawn(|| m.try_lock().is_none()).join().unwrap());
        assert!(other, "held while the Arc guards live");
        // Each guard owns a handle.
        assert_eq!(Arc::strong_count(&m), 3);
        drop(inner);
        assert_eq!(Arc::strong_count(&m), 2);
        assert!(m.is_owned_by_current_thread());
        drop(outer);
        assert_eq!(Arc::strong_count(&m), 1);
        assert!(!m.is_locked());
    });
    let obj = t.obj(id);
    assert_eq!(t.count(obj, "acquired"), 2, "{:?}", t.of(obj));
    assert_eq!(t.count(obj, "released"), 2, "{:?}", t.of(obj));
    support::assert_legal(&t);
}

/// A panic in a `map` closure releases the guard's level once, recorded
/// before the real unlock, like any guard dropped while unwinding.
#[test]
fn a_panic_while_mapping_releases_the_level_once() {
    use lockscope_sync::ReentrantMutexGuard;
    let m = ReentrantMutex::named("rlock_map_panics", 1);
    let id = m.meta().id();
    let (_, t) = support::record(|| {
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            ReentrantMutexGuard::map(m.lock(), |_: &i32| -> &i32 { panic!("in map") })
        }));
        assert!(unwound.is_err());
        assert!(!m.is_locked());
    });
    let obj = t.obj(id);
    assert_eq!(t.count(obj, "acquired"), 1, "{:?}", t.of(obj));
    assert_eq!(t.count(obj, "released"), 1, "{:?}", t.of(obj));
    support::assert_legal(&t);
}
