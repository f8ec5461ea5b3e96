//! `stdsync::RwLock`: the examples of std's `RwLock` documentation, written
//! against `stdsync` (they run with and without the `record` feature), and
//! what it records.

#[cfg(feature = "record")]
mod stdsync_support;
#[cfg(feature = "record")]
mod support;

use std::thread;
use std::time::Duration;

use lockscope_sync::stdsync::atomic::{AtomicUsize, Ordering};
use lockscope_sync::stdsync::{mpsc, Arc, RwLock, RwLockWriteGuard, TryLockError};

/// A writer that panics while holding `lock`, joined.
fn panic_writing<T: Send + Sync + 'static>(lock: &Arc<RwLock<T>>) {
    let lock = Arc::clone(lock);
    let joined = thread::spawn(move || {
        let _w = lock.write().unwrap();
        panic!("poisoning the lock on purpose");
    })
    .join();
    assert!(joined.is_err());
}

#[test]
fn readers_share_the_lock_and_a_writer_waits_for_all_of_them() {
    let data = Arc::new(RwLock::new(5));
    let finished = Arc::new(AtomicUsize::new(0));
    let (holding_tx, holding_rx) = mpsc::channel();
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (data, finished, holding_tx) =
                (Arc::clone(&data), Arc::clone(&finished), holding_tx.clone());
            thread::spawn(move || {
                let value = data.read().unwrap();
                holding_tx.send(*value).unwrap();
                thread::sleep(Duration::from_millis(50));
                finished.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    // All three hold the read lock at once.
    for _ in 0..3 {
        assert_eq!(holding_rx.recv().unwrap(), 5);
    }
    let mut writable = data.write().unwrap();
    assert_eq!(finished.load(Ordering::SeqCst), 3);
    *writable += 1;
    drop(writable);
    for r in readers {
        r.join().unwrap();
    }
    assert_eq!(*data.read().unwrap(), 6);
}

#[test]
fn read_while_another_thread_reads() {
    let lock = Arc::new(RwLock::new(1));
    let c_lock = Arc::clone(&lock);
    let n = lock.read().unwrap();
    assert_eq!(*n, 1);
    thread::spawn(move || {
        let r = c_lock.read();
        assert!(r.is_ok());
    })
    .join()
    .unwrap();
}

#[test]
fn try_read_on_a_free_lock() {
    let lock = RwLock::new(1);
    match lock.try_read() {
        Ok(n) => assert_eq!(*n, 1),
        Err(_) => unreachable!(),
    };
}

#[test]
fn a_writer_excludes_readers_and_a_reader_excludes_writers() {
    let lock = RwLock::new(1);
    let mut n = lock.write().unwrap();
    *n = 2;
    assert!(matches!(lock.try_read(), Err(TryLockError::WouldBlock)));
    drop(n);
    let n = lock.read().unwrap();
    assert_eq!(*n, 2);
    assert!(matches!(lock.try_write(), Err(TryLockError::WouldBlock)));
}

#[test]
fn a_panicking_writer_poisons_and_clear_poison_recovers() {
    let lock = Arc::new(RwLock::new(0));
    panic_writing(&lock);
    assert!(lock.is_poisoned());
    assert!(matches!(lock.try_read(), Err(TryLockError::Poisoned(_))));
    assert!(lock.read().is_err());
    let guard = lock.write().unwrap_or_else(|mut e| {
        **e.get_mut() = 1;
        lock.clear_poison();
        e.into_inner()
    });
    assert!(!lock.is_poisoned());
    assert_eq!(*guard, 1);
}

#[test]
fn a_panicking_reader_does_not_poison() {
    let lock = Arc::new(RwLock::new(0));
    let l2 = Arc::clone(&lock);
    let joined = thread::spawn(move || {
        let _r = l2.read().unwrap();
        panic!("a reader panics");
    })
    .join();
    assert!(joined.is_err());
    assert!(!lock.is_poisoned());
    assert!(lock.write().is_ok());
}

#[test]
fn into_inner_after_a_write_and_get_mut() {
    let lock = RwLock::new(String::new());
    {
        let mut s = lock.write().unwrap();
        *s = "modified".to_owned();
    }
    assert_eq!(lock.into_inner().unwrap(), "modified");
    let mut lock = RwLock::new(0);
    *lock.get_mut().unwrap() = 10;
    assert_eq!(*lock.read().unwrap(), 10);
}

#[test]
fn into_inner_and_get_mut_of_a_poisoned_lock_are_errors_with_the_data() {
    let lock = Arc::new(RwLock::new(3));
    panic_writing(&lock);
    let mut lock = Arc::try_unwrap(lock).unwrap();
    assert_eq!(*lock.get_mut().unwrap_err().into_inner(), 3);
    assert_eq!(lock.into_inner().unwrap_err().into_inner(), 3);
}

#[test]
fn downgrade_keeps_what_was_written() {
    let rw = RwLock::new(0);
    let mut w = rw.write().unwrap();
    *w = 42;
    let r = RwLockWriteGuard::downgrade(w);
    assert_eq!(42, *r);
    assert!(rw.try_read().is_ok());
    assert!(rw.try_write().is_err());
}

#[test]
fn downgrade_lets_no_writer_in_between() {
    let rw = Arc::new(RwLock::new(1));
    let mut main_write = rw.write().unwrap();
    let rw2 = Arc::clone(&rw);
    let other_writer = thread::spawn(move || {
        let mut w = rw2.write().unwrap();
        assert_eq!(*w, 2);
        *w = 3;
    });
    *main_write = 2;
    let main_read = RwLockWriteGuard::downgrade(main_write);
    thread::sleep(Duration::from_millis(20));
    assert_eq!(*main_read, 2, "a writer got in during the downgrade");
    drop(main_read);
    other_writer.join().unwrap();
    assert_eq!(*rw.read().unwrap(), 3);
}

#[test]
fn new_is_const_default_and_from() {
    static CONFIG: RwLock<Vec<u8>> = RwLock::new(Vec::new());
    CONFIG.write().unwrap().push(1);
    assert!(!CONFIG.read().unwrap().is_empty());
    let d: RwLock<u8> = RwLock::default();
    assert_eq!(*d.read().unwrap(), 0);
    assert_eq!(*RwLock::from(4).read().unwrap(), 4);
}

#[test]
fn debug_shows_data_locked_and_poisoned_like_std() {
    let lock = Arc::new(RwLock::new(1));
    let r = lock.read().unwrap();
    assert_eq!(
        format!("{lock:?}"),
        "RwLock { data: 1, poisoned: false, .. }"
    );
    assert_eq!(format!("{r:?} {r}"), "1 1");
    drop(r);
    let w = lock.write().unwrap();
    assert_eq!(
        format!("{lock:?}"),
        "RwLock { data: <locked>, poisoned: false, .. }"
    );
    assert_eq!(format!("{w:?} {w}"), "1 1");
    drop(w);
    panic_writing(&lock);
    assert_eq!(
        format!("{lock:?}"),
        "RwLock { data: 1, poisoned: true, .. }"
    );
}

/// What a lock records: each mode at the user's line.
#[cfg(feature = "record")]
mod recorded {
    use super::{stdsync_support, support};
    use lockscope_detector::trace::{EventKind, LockMode};
    use lockscope_sync::stdsync::{RwLock, RwLockWriteGuard};

    #[test]
    fn read_write_and_downgrade_are_recorded_acquisitions_at_the_callers_lines() {
        let lock = RwLock::new(0);
        let (lines, t) = support::record(|| {
            let read = line!() + 1;
            drop(lock.read().unwrap());
            let write = line!() + 1;
            let w = lock.write().unwrap();
            let r = RwLockWriteGuard::downgrade(w);
            drop(r);
            let try_write = line!() + 1;
            drop(lock.try_write().unwrap());
            [Some(read), Some(write), None, Some(try_write)]
        });
        let seen: Vec<_> = stdsync_support::thread_of_line(&t, lines[0].unwrap())
            .into_iter()
            .filter_map(|e| match e.kind {
                EventKind::Acquired { mode, .. } => Some((format!("{mode}"), t.site_line(e))),
                // The raw lock records a downgrade without a site.
                EventKind::Downgraded { .. } => Some(("downgrade".into(), None)),
                _ => None,
            })
            .collect();
        let want: Vec<_> = [
            format!("{}", LockMode::Shared),
            format!("{}", LockMode::Exclusive),
            "downgrade".into(),
            format!("{}", LockMode::Exclusive),
        ]
        .into_iter()
        .zip(lines)
        .collect();
        assert_eq!(seen, want);
    }
}
