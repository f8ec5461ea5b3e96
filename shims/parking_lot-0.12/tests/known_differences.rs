//! Programs that behave differently under the shim than under parking_lot
//! 0.12, each a lockscope bug to fix outside the shim (ignored until then).

use std::time::Duration;

use std::sync::mpsc;
use std::thread;

use parking_lot::{Mutex, RwLock};

/// A timed acquisition of a mutex the thread already holds times out under
/// parking_lot; lockscope's live check calls it a self-deadlock and panics
/// (instrumented-sync's `order::before_lock`, reached from
/// `live::before_block_until` whatever the deadline).
#[test]
#[ignore = "lockscope-sync's live check treats a timed wait on a held lock as a self-deadlock"]
fn a_timed_lock_of_a_held_mutex_times_out() {
    let m = Mutex::new(());
    let _held = m.lock();
    assert!(m.try_lock_for(Duration::from_millis(10)).is_none());
}

/// A recursive read while a writer waits succeeds under parking_lot (a
/// reader that already reads must not wait for the writer, which waits for
/// it); lockscope's rwlock has no recursive mode, so the shim's
/// `read_recursive` blocks behind the writer and the watchdog reports the
/// deadlock.
#[test]
#[ignore = "lockscope-sync's RawRwLock has no recursive shared acquisition"]
fn a_recursive_read_passes_a_waiting_writer() {
    let lock = RwLock::new(0);
    let first = lock.read();
    let (tx, rx) = mpsc::channel();
    thread::scope(|s| {
        s.spawn(|| {
            tx.send(()).unwrap();
            *lock.write() += 1;
        });
        rx.recv().unwrap();
        thread::sleep(Duration::from_millis(50));
        let again = lock.read_recursive();
        drop((again, first));
    });
    assert_eq!(*lock.read(), 1);
}
