//! The shim against parking_lot 0.12's API: a program that uses every public
//! item (run with `--features arc_lock,serde,owning_ref,deadlock_detection`)
//! compiles and behaves as parking_lot's, and what it does is recorded at
//! this file's lines.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use lockscope_detector::trace::{self, EventKind, Site};
use parking_lot::lock_api::{self, RawMutex as _, RawRwLock as _};
use parking_lot::{
    const_fair_mutex, const_mutex, const_reentrant_mutex, const_rwlock, Condvar, FairMutex,
    FairMutexGuard, MappedFairMutexGuard, MappedMutexGuard, MappedReentrantMutexGuard,
    MappedRwLockReadGuard, MappedRwLockWriteGuard, Mutex, MutexGuard, Once, OnceState,
    RawFairMutex, RawMutex, RawRwLock, RawThreadId, ReentrantMutex, ReentrantMutexGuard, RwLock,
    RwLockReadGuard, RwLockUpgradableReadGuard, RwLockWriteGuard, WaitTimeoutResult,
};
#[cfg(feature = "arc_lock")]
use parking_lot::{
    ArcMutexGuard, ArcReentrantMutexGuard, ArcRwLockReadGuard, ArcRwLockUpgradableReadGuard,
    ArcRwLockWriteGuard,
};

static GLOBAL: Mutex<u32> = const_mutex(0);
static FAIR: FairMutex<u32> = const_fair_mutex(0);
static TABLE: RwLock<u32> = const_rwlock(0);
static REENTRANT: ReentrantMutex<u32> = const_reentrant_mutex(0);
static INIT: Once = Once::new();

#[test]
fn mutex_and_its_guards() {
    *GLOBAL.lock() += 1;
    let m = Mutex::new((1, String::from("a")));
    {
        let g: MutexGuard<'_, (i32, String)> = m.lock();
        let part: MappedMutexGuard<'_, String> = MutexGuard::map(g, |v| &mut v.1);
        assert_eq!(*part, "a");
    }
    assert!(m.try_lock().is_some());
    assert!(m.try_lock_for(Duration::from_millis(1)).is_some());
    let held = m.lock();
    assert!(m.is_locked());
    thread::scope(|s| {
        s.spawn(|| {
            assert!(m.try_lock().is_none());
            assert!(m
                .try_lock_until(Instant::now() + Duration::from_millis(5))
                .is_none());
        });
    });
    MutexGuard::unlock_fair(held);
    let mut g = m.lock();
    MutexGuard::bump(&mut g);
    MutexGuard::unlocked(&mut g, || assert!(!m.is_locked()));
    drop(g);
    assert_eq!(m.into_inner().0, 1);

    // A dependent's own lock_api type over the shim's raw mutex.
    let own: lock_api::Mutex<RawMutex, u8> = lock_api::Mutex::new(7);
    assert_eq!(*own.lock(), 7);
    let raw = RawMutex::INIT;
    raw.lock();
    // SAFETY: locked just above on this thread.
    unsafe { raw.unlock() };
}

#[test]
fn fair_mutex() {
    *FAIR.lock() += 1;
    let m = FairMutex::new(vec![1, 2]);
    let g: FairMutexGuard<'_, Vec<i32>> = m.lock();
    let first: MappedFairMutexGuard<'_, i32> = FairMutexGuard::map(g, |v| &mut v[0]);
    assert_eq!(*first, 1);
    drop(first);
    let raw: RawFairMutex = <RawFairMutex as lock_api::RawMutex>::INIT;
    assert!(raw.try_lock());
    // SAFETY: locked just above on this thread.
    unsafe { raw.unlock() };
}

#[test]
fn rwlock_and_its_guards() {
    *TABLE.write() += 1;
    let l = RwLock::new((1, 2));
    {
        let r1: RwLockReadGuard<'_, (i32, i32)> = l.read();
        let r2 = l.read_recursive();
        assert!(l.try_write().is_none());
        let a: MappedRwLockReadGuard<'_, i32> = RwLockReadGuard::map(r1, |v| &v.0);
        assert_eq!(*a + r2.1, 3);
    }
    {
        let w: RwLockWriteGuard<'_, (i32, i32)> = l.write();
        let mut b: MappedRwLockWriteGuard<'_, i32> = RwLockWriteGuard::map(w, |v| &mut v.1);
        *b += 1;
    }
    let u: RwLockUpgradableReadGuard<'_, (i32, i32)> = l.upgradable_read();
    assert!(l.try_read().is_some());
    let mut w = RwLockUpgradableReadGuard::upgrade(u);
    w.0 = 10;
    let r = RwLockWriteGuard::downgrade(w);
    assert_eq!(*r, (10, 3));
    drop(r);
    let u = l.try_upgradable_read_for(Duration::from_millis(1)).unwrap();
    let w = RwLockUpgradableReadGuard::try_upgrade(u).unwrap();
    let u = RwLockWriteGuard::downgrade_to_upgradable(w);
    drop(RwLockUpgradableReadGuard::downgrade(u));
    assert!(l.try_write_until(Instant::now()).is_some());

    let own: lock_api::RwLock<RawRwLock, u8> = lock_api::RwLock::new(1);
    assert_eq!(*own.read(), 1);
    let raw = RawRwLock::INIT;
    raw.lock_shared();
    // SAFETY: locked shared just above on this thread.
    unsafe { raw.unlock_shared() };
}

#[test]
fn reentrant_mutex() {
    assert_eq!(*REENTRANT.lock(), 0);
    let m = ReentrantMutex::new((1, 2));
    let outer: ReentrantMutexGuard<'_, (i32, i32)> = m.lock();
    let inner = m.lock();
    assert!(m.is_owned_by_current_thread());
    let part: MappedReentrantMutexGuard<'_, i32> = ReentrantMutexGuard::map(inner, |v| &v.1);
    assert_eq!(*part + outer.0, 3);
    drop((part, outer));
    assert!(!m.is_locked());
    // lock_api's own reentrant mutex over the shim's raw locks.
    let own: lock_api::ReentrantMutex<RawMutex, RawThreadId, u8> = lock_api::ReentrantMutex::new(3);
    assert_eq!(*own.lock(), 3);
}

#[test]
fn condvar_wakes_a_waiter() {
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let p2 = Arc::clone(&pair);
    let h = thread::spawn(move || {
        *p2.0.lock() = true;
        p2.1.notify_one();
    });
    let mut g = pair.0.lock();
    pair.1.wait_while(&mut g, |ready| !*ready);
    drop(g);
    h.join().unwrap();
    let mut g = pair.0.lock();
    let r: WaitTimeoutResult = pair.1.wait_for(&mut g, Duration::from_millis(5));
    assert!(r.timed_out());
    assert!(pair.1.wait_until(&mut g, Instant::now()).timed_out());
    let r = pair
        .1
        .wait_while_for(&mut g, |_| true, Duration::from_millis(1));
    assert!(r.timed_out());
    assert_eq!(pair.1.notify_all(), 0);
}

#[test]
fn a_timed_out_wait_while_does_not_evaluate_the_condition_again() {
    let (m, c) = (Mutex::new(0), Condvar::new());
    let mut g = m.lock();
    let counting = |n: &mut i32| {
        *n += 1;
        true
    };
    assert!(c
        .wait_while_for(&mut g, counting, Duration::from_millis(1))
        .timed_out());
    assert_eq!(
        *g, 1,
        "evaluated once before the wait, not after the timeout"
    );
}

#[test]
fn once_runs_its_closure_once_and_is_poisoned_by_a_panic() {
    INIT.call_once(|| ());
    assert_eq!(INIT.state(), OnceState::Done);
    let once = Once::new();
    assert_eq!(once.state(), OnceState::New);
    let panicked = std::panic::catch_unwind(|| once.call_once(|| panic!("boom")));
    assert!(panicked.is_err());
    assert!(once.state().poisoned());
    let again = std::panic::catch_unwind(|| once.call_once(|| ()));
    assert!(again.is_err(), "call_once on a poisoned Once panics");
    once.call_once_force(|state| assert!(state.poisoned()));
    assert!(once.state().done());
}

#[cfg(feature = "arc_lock")]
#[test]
fn arc_guards() {
    let m = Arc::new(Mutex::new(1));
    let g: ArcMutexGuard<RawMutex, i32> = m.lock_arc();
    assert_eq!(*g, 1);
    drop(g);
    let l = Arc::new(RwLock::new(2));
    let r: ArcRwLockReadGuard<RawRwLock, i32> = l.read_arc();
    drop(r);
    let u: ArcRwLockUpgradableReadGuard<RawRwLock, i32> = l.upgradable_read_arc();
    let w: ArcRwLockWriteGuard<RawRwLock, i32> = ArcRwLockUpgradableReadGuard::upgrade(u);
    drop(w);
    let re = Arc::new(ReentrantMutex::new(3));
    let g: ArcReentrantMutexGuard<RawMutex, RawThreadId, i32> = re.lock_arc();
    assert_eq!(*g, 3);
}

#[cfg(feature = "serde")]
#[test]
fn serde_impls_exist() {
    fn serializable<T: serde::Serialize + for<'de> serde::Deserialize<'de>>() {}
    serializable::<Mutex<u8>>();
    serializable::<RwLock<u8>>();
    serializable::<ReentrantMutex<u8>>();
}

#[cfg(feature = "deadlock_detection")]
#[test]
fn check_deadlock_leaves_the_job_to_lockscope() {
    let found: Vec<Vec<parking_lot::deadlock::DeadlockedThread>> =
        parking_lot::deadlock::check_deadlock();
    assert!(found.is_empty());
}

/// The lines of this file at which a recorded program's events happened.
fn recorded_lines(program: impl FnOnce()) -> BTreeSet<(&'static str, u32)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace");
    let rec = lockscope_sync::record_to(&path).unwrap();
    program();
    rec.finish().unwrap();
    let mut src = trace::open(&path).unwrap();
    let mut lines = BTreeSet::new();
    while let Some(e) = src.next_event().unwrap() {
        let Some(site) = e.site else { continue };
        let Site::Source { file, line, .. } = src.meta().site(site) else {
            continue;
        };
        if !file.ends_with("conformance.rs") {
            continue;
        }
        let kind = match e.kind {
            EventKind::Acquired { .. } => "acquired",
            EventKind::CondWait { .. } => "cond_wait",
            EventKind::Notify { .. } => "notify",
            EventKind::Upgraded { .. } => "upgraded",
            _ => continue,
        };
        lines.insert((kind, *line));
    }
    lines
}

#[test]
fn every_lock_records_the_callers_line() {
    let m = Mutex::new(0);
    let f = FairMutex::new(0);
    let l = RwLock::new(0);
    let r = ReentrantMutex::new(0);
    let once = Once::new();
    let pair = (Mutex::new(()), Condvar::new());
    let mut expected = BTreeSet::new();
    let lines = recorded_lines(|| {
        let (_g, at) = (m.lock(), line!());
        expected.insert(("acquired", at));
        let (_g, at) = (f.lock(), line!());
        expected.insert(("acquired", at));
        let (_g, at) = (l.read(), line!());
        expected.insert(("acquired", at));
        let (u, at) = (l.try_upgradable_read(), line!());
        expected.insert(("acquired", at));
        drop((_g, u));
        let (u, at) = (l.upgradable_read(), line!());
        expected.insert(("acquired", at));
        let (_w, at) = (RwLockUpgradableReadGuard::upgrade(u), line!());
        expected.insert(("upgraded", at));
        let (_g, at) = (r.lock(), line!());
        expected.insert(("acquired", at));
        let (_g, at) = (once.call_once(|| ()), line!());
        expected.insert(("acquired", at));
        let mut g = pair.0.lock();
        let (_, at) = (pair.1.wait_for(&mut g, Duration::from_millis(1)), line!());
        expected.insert(("cond_wait", at));
        let (_, at) = (pair.1.notify_one(), line!());
        expected.insert(("notify", at));
    });
    let missing: Vec<_> = expected.difference(&lines).collect();
    assert!(
        missing.is_empty(),
        "not recorded at: {missing:?}; recorded: {lines:?}"
    );
}
