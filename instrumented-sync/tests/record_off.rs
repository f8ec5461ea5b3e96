//! With the `record` feature off the locks are lock_api's types over the
//! uninstrumented raw locks (`RawMutex`, `RawRwLock`, the raw condvar and
//! thread id), nothing is recorded and nothing is checked. Run with
//! `cargo test -p lockscope-sync --no-default-features --lib --tests`
//! (the doc examples of `order` use the recorded locks, so they need the
//! feature).

#![cfg(not(feature = "record"))]

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use lockscope_sync::prelude::*;
use lockscope_sync::{RawCondvar, RawMutex, RawRwLock, RawThreadId};

/// The recording is global: the tests that open one take turns.
static RECORDING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Compiles only if `value` has type `T`.
fn is<T>(_value: &T) {}

#[test]
fn the_locks_are_lock_api_types_over_the_raw_locks() {
    let m = lockscope_sync::Mutex::named("ignored", 1);
    is::<lock_api::Mutex<RawMutex, i32>>(&m);
    let r = lockscope_sync::RwLock::named("ignored", 2);
    is::<lock_api::RwLock<RawRwLock, i32>>(&r);
    let re = lockscope_sync::ReentrantMutex::named("ignored", 3);
    is::<lock_api::ReentrantMutex<RawMutex, RawThreadId, i32>>(&re);
    let c = lockscope_sync::Condvar::named("ignored");
    is::<lock_api::Condvar<RawCondvar>>(&c);
    assert_eq!(*m.lock() + *r.read() + *re.lock(), 6);
}

/// No identity, no clock, no recorder state: the raw mutex is its one byte
/// of state, as a `Mutex<()>` is.
#[test]
fn a_lock_is_its_raw_lock_alone() {
    assert_eq!(std::mem::size_of::<lockscope_sync::Mutex<()>>(), 1);
    assert_eq!(
        std::mem::size_of::<lockscope_sync::RwLock<()>>(),
        std::mem::size_of::<usize>()
    );
    assert_eq!(
        std::mem::size_of::<lockscope_sync::Condvar>(),
        std::mem::size_of::<usize>()
    );
}

#[test]
fn the_locks_work_across_threads_and_record_nothing() {
    let _turn = RECORDING.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let rec = lockscope_sync::record_to(dir.path().join("t.jsonl")).unwrap();
    let pair = (
        lockscope_sync::Mutex::new(false),
        lockscope_sync::Condvar::new(),
    );
    let rw = lockscope_sync::RwLock::new(0);
    let re = lockscope_sync::ReentrantMutex::new(());
    let notified = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut ready = pair.0.lock();
            while !*ready {
                pair.1.wait(&mut ready);
            }
            notified.store(true, Ordering::Relaxed);
        });
        *rw.write() += 1;
        let up = rw.upgradable_read();
        *lock_api::RwLockUpgradableReadGuard::upgrade(up) += 1;
        let _outer = re.lock();
        let _inner = re.lock();
        *pair.0.lock() = true;
        while !notified.load(Ordering::Relaxed) {
            pair.1.notify_one();
            std::thread::sleep(Duration::from_millis(1));
        }
    });
    assert_eq!(*rw.read(), 2);
    let stats = rec.finish().unwrap();
    assert_eq!(stats.events, 0);
}

#[test]
fn the_other_primitives_work_and_record_nothing() {
    let _turn = RECORDING.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let rec = lockscope_sync::record_to(dir.path().join("t.jsonl")).unwrap();
    let s = lockscope_sync::Semaphore::new(1);
    drop(s.acquire());
    let e = lockscope_sync::Event::new();
    e.set();
    assert!(e.wait());
    let x = lockscope_sync::Tracked::new(1);
    x.set(x.get() + 1);
    let h = lockscope_sync::thread::spawn(|| 7);
    assert_eq!(h.join().unwrap(), 7);
    let stats = rec.finish().unwrap();
    assert_eq!(stats.events, 0);
}

#[test]
fn the_acquire_helper_sorts_and_locks_without_recording() {
    use lockscope_sync::order::acquire::{acquire, ViolationKind};
    let (x, y) = (lockscope_sync::Mutex::new(1), lockscope_sync::Mutex::new(2));
    let mut both = acquire(&[&y, &x]).unwrap();
    *both[0] += 10; // y, as given
    assert!(x.try_lock().is_none() && y.try_lock().is_none());
    drop(both);
    assert_eq!(*y.lock(), 12);
    let rw = lockscope_sync::RwLock::new(());
    let mixed = lockscope_sync::acquire!(x, rw).unwrap();
    assert!(rw.try_read().is_none());
    drop(mixed);
    let err = acquire(&[&x, &x]).unwrap_err();
    assert!(matches!(err.kind, ViolationKind::Duplicate(_)), "{err}");
}
