//! The shim against parking_lot 0.13's API: a program that uses every public
//! item (run with `--features arc_lock,serde,deadlock_detection`) compiles
//! and behaves as parking_lot's, and what it does is recorded at this
//! file's lines.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use lockscope_detector::trace::{self, EventKind, Site};
use parking_lot::lock_api::{self, RawMutex as _, RawRwLock as _};
#[cfg(feature = "arc_lock")]
use parking_lot::{
    ArcMutexGuard, ArcReentrantMutexGuard, ArcRwLockReadGuard, ArcRwLockUpgradableReadGuard,
    ArcRwLockWriteGuard,
};
use parking_lot::{
    Condvar, FairMutex, FairMutexGuard, MappedFairMutexGuard, MappedMutexGuard,
    MappedRecursiveRwLockReadGuard, MappedRecursiveRwLockWriteGuard, MappedReentrantMutexGuard,
    MappedRwLockReadGuard, MappedRwLockWriteGuard, Mutex, MutexGuard, Once, OnceState, RawCondvar,
    RawFairMutex, RawMutex, RawRwLock, RawRwLockRecursive, RawThreadId, RecursiveRwLock,
    RecursiveRwLockReadGuard, RecursiveRwLockUpgradableReadGuard, RecursiveRwLockWriteGuard,
    ReentrantMutex, ReentrantMutexGuard, RwLock, RwLockReadGuard, RwLockUpgradableReadGuard,
    RwLockWriteGuard, WaitTimeoutResult,
};

static GLOBAL: Mutex<u32> = Mutex::new(0);
static TABLE: RwLock<u32> = RwLock::new(0);
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
    assert!(m.try_lock_for(Duration::from_millis(1)).is_some());
    let held = m.lock();
    thread::scope(|s| {
        s.spawn(|| assert!(m.try_lock_until(Instant::now()).is_none()));
    });
    MutexGuard::unlock_fair(held);
    let raw = RawMutex::INIT;
    let state = raw.lock();
    // SAFETY: locked just above on this thread, with this state.
    unsafe { raw.unlock(state) };
}

#[test]
fn fair_mutex() {
    let m = FairMutex::new(vec![1, 2]);
    let g: FairMutexGuard<'_, Vec<i32>> = m.lock();
    let first: MappedFairMutexGuard<'_, i32> = FairMutexGuard::map(g, |v| &mut v[0]);
    assert_eq!(*first, 1);
    drop(first);
    let raw: RawFairMutex = <RawFairMutex as lock_api::RawMutex>::INIT;
    let state = raw.try_lock().unwrap();
    // SAFETY: locked just above on this thread, with this state.
    unsafe { raw.unlock(state) };
}

#[test]
fn rwlocks_and_their_guards() {
    *TABLE.write() += 1;
    let l = RwLock::new((1, 2));
    let r: RwLockReadGuard<'_, (i32, i32)> = l.read();
    let a: MappedRwLockReadGuard<'_, i32> = RwLockReadGuard::map(r, |v| &v.0);
    assert_eq!(*a, 1);
    drop(a);
    let w: RwLockWriteGuard<'_, (i32, i32)> = l.write();
    let mut b: MappedRwLockWriteGuard<'_, i32> = RwLockWriteGuard::map(w, |v| &mut v.1);
    *b += 1;
    drop(b);
    let u: RwLockUpgradableReadGuard<'_, (i32, i32)> = l.upgradable_read();
    drop(RwLockUpgradableReadGuard::upgrade(u));
    let raw = RawRwLock::INIT;
    let state = raw.lock_shared();
    // SAFETY: locked shared just above on this thread, with this state.
    unsafe { raw.unlock_shared(state) };

    let rec = RecursiveRwLock::new((5, 6));
    let r1: RecursiveRwLockReadGuard<'_, (i32, i32)> = rec.read();
    let r2 = rec.read();
    let c: MappedRecursiveRwLockReadGuard<'_, i32> = RecursiveRwLockReadGuard::map(r1, |v| &v.0);
    assert_eq!(*c + r2.1, 11);
    drop((c, r2));
    let u: RecursiveRwLockUpgradableReadGuard<'_, (i32, i32)> = rec.upgradable_read();
    let w: RecursiveRwLockWriteGuard<'_, (i32, i32)> =
        RecursiveRwLockUpgradableReadGuard::upgrade(u);
    let mut d: MappedRecursiveRwLockWriteGuard<'_, i32> =
        RecursiveRwLockWriteGuard::map(w, |v| &mut v.1);
    *d = 7;
    drop(d);
    let raw = <RawRwLockRecursive as lock_api::RawRwLock>::INIT;
    let state = raw.lock_exclusive();
    // SAFETY: locked just above on this thread, with this state.
    unsafe { raw.unlock_exclusive(state) };
}

#[test]
fn reentrant_mutex() {
    let m = ReentrantMutex::new((1, 2));
    let outer: ReentrantMutexGuard<'_, (i32, i32)> = m.lock();
    let inner = m.lock();
    let part: MappedReentrantMutexGuard<'_, i32> = ReentrantMutexGuard::map(inner, |v| &v.1);
    assert_eq!(*part + outer.0, 3);
    drop((part, outer));
    assert!(!m.is_locked());
    let _: RawThreadId = <RawThreadId as lock_api::GetThreadId>::INIT;
}

#[test]
fn condvars_wake_a_waiter() {
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
    // lock_api's condvar over the shim's raw condvar.
    let own: lock_api::Condvar<RawCondvar> = lock_api::Condvar::new();
    assert!(own.wait_for(&mut g, Duration::from_millis(1)).timed_out());
    assert!(!own.notify_one());
}

#[test]
fn once_waits_completes_and_is_poisoned_by_a_panic() {
    INIT.call_once(|| ());
    assert!(INIT.is_completed());
    assert!(Once::new_completed().state().is_completed());
    let once = Arc::new(Once::new());
    let o2 = Arc::clone(&once);
    let waiter = thread::spawn(move || o2.wait());
    thread::sleep(Duration::from_millis(20));
    once.call_once(|| ());
    waiter.join().unwrap();
    let poisoned = Once::new();
    let panicked = std::panic::catch_unwind(|| poisoned.call_once(|| panic!("boom")));
    assert!(panicked.is_err());
    assert_eq!(poisoned.state(), OnceState::Poisoned);
    assert!(std::panic::catch_unwind(|| poisoned.wait()).is_err());
    poisoned.call_once_force(|state| assert!(state.is_poisoned()));
    poisoned.wait_force();
    assert!(poisoned.state().done());
}

#[cfg(feature = "arc_lock")]
#[test]
fn arc_guards() {
    let m = Arc::new(Mutex::new(1));
    let g: ArcMutexGuard<RawMutex, i32> = m.lock_arc();
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
    serializable::<FairMutex<u8>>();
}

#[cfg(feature = "deadlock_detection")]
#[test]
fn check_deadlock_leaves_the_job_to_lockscope() {
    assert!(parking_lot::deadlock::check_deadlock().is_empty());
}

/// The lines of this file at which a recorded program's acquisitions and
/// waits happened.
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
        let kind = match e.kind {
            EventKind::Acquired { .. } => "acquired",
            EventKind::CondWait { .. } => "cond_wait",
            _ => continue,
        };
        if file.ends_with("conformance.rs") {
            lines.insert((kind, *line));
        }
    }
    lines
}

#[test]
fn the_callers_line_is_recorded() {
    let (f, rec, once) = (FairMutex::new(0), RecursiveRwLock::new(0), Once::new());
    let pair = (Mutex::new(()), Condvar::new());
    let mut expected = BTreeSet::new();
    let lines = recorded_lines(|| {
        let (_g, at) = (f.lock(), line!());
        expected.insert(("acquired", at));
        let (_g, at) = (rec.read(), line!());
        expected.insert(("acquired", at));
        let (_g, at) = (once.call_once(|| ()), line!());
        expected.insert(("acquired", at));
        let mut g = pair.0.lock();
        let (_, at) = (pair.1.wait_for(&mut g, Duration::from_millis(1)), line!());
        expected.insert(("cond_wait", at));
    });
    let missing: Vec<_> = expected.difference(&lines).collect();
    assert!(
        missing.is_empty(),
        "not recorded at: {missing:?}; recorded: {lines:?}"
    );
}
