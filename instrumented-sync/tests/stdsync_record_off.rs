//! With the `record` feature off, every name in `stdsync` is std's own
//! item: nothing is recorded and nothing costs more than std. Run with
//! `cargo test -p lockscope-sync --no-default-features --lib --tests`.
//! With the feature on, the locks are lockscope's.

use std::any::TypeId;

use lockscope_sync::stdsync;

/// Whether each lock type of `stdsync` is std's (the rest always is).
fn lock_types_are_std() -> [bool; 11] {
    fn same<A: ?Sized + 'static, B: ?Sized + 'static>() -> bool {
        TypeId::of::<A>() == TypeId::of::<B>()
    }
    [
        same::<stdsync::Mutex<u8>, std::sync::Mutex<u8>>(),
        same::<stdsync::MutexGuard<'static, u8>, std::sync::MutexGuard<'static, u8>>(),
        same::<stdsync::RwLock<u8>, std::sync::RwLock<u8>>(),
        same::<stdsync::RwLockReadGuard<'static, u8>, std::sync::RwLockReadGuard<'static, u8>>(),
        same::<stdsync::RwLockWriteGuard<'static, u8>, std::sync::RwLockWriteGuard<'static, u8>>(),
        same::<stdsync::Condvar, std::sync::Condvar>(),
        same::<stdsync::WaitTimeoutResult, std::sync::WaitTimeoutResult>(),
        same::<stdsync::Barrier, std::sync::Barrier>(),
        same::<stdsync::BarrierWaitResult, std::sync::BarrierWaitResult>(),
        same::<stdsync::OnceLock<u8>, std::sync::OnceLock<u8>>(),
        same::<stdsync::LazyLock<u8>, std::sync::LazyLock<u8>>(),
    ]
}

#[cfg(not(feature = "record"))]
#[test]
fn every_name_is_stds_own_type_and_nothing_is_recorded() {
    assert_eq!(lock_types_are_std(), [true; 11]);
    // std's values under stdsync's names, and the other way round.
    let m: std::sync::Mutex<u8> = stdsync::Mutex::new(1);
    let c: stdsync::Condvar = std::sync::Condvar::new();
    let dir = tempfile::tempdir().unwrap();
    let recording = lockscope_sync::record_to(dir.path().join("t.jsonl")).unwrap();
    let g = m.lock().unwrap();
    let (g, _) = c
        .wait_timeout(g, std::time::Duration::from_millis(1))
        .unwrap();
    drop(g);
    stdsync::Barrier::new(1).wait();
    let stats = recording.finish().unwrap();
    assert_eq!(stats.events, 0);
}

#[cfg(feature = "record")]
#[test]
fn with_recording_every_lock_type_is_lockscopes() {
    assert_eq!(lock_types_are_std(), [false; 11]);
}

#[test]
fn the_rest_of_std_sync_is_stds_either_way() {
    let a: std::sync::Arc<u8> = stdsync::Arc::new(1);
    let _: std::sync::Weak<u8> = stdsync::Arc::downgrade(&a);
    let e: std::sync::PoisonError<u8> = stdsync::PoisonError::new(1);
    let _: stdsync::TryLockError<u8> = std::sync::TryLockError::from(e);
    let (tx, rx) = stdsync::mpsc::channel::<u8>();
    tx.send(1).unwrap();
    assert_eq!(rx.recv(), Ok(1));
    let n = stdsync::atomic::AtomicU8::new(1);
    static ONCE: stdsync::Once = stdsync::Once::new();
    ONCE.call_once(|| {
        n.fetch_add(1, stdsync::atomic::Ordering::Relaxed);
    });
    assert_eq!(n.into_inner(), 2);
}
