//! With the `record` feature off the lock types are parking_lot's own and
//! nothing is recorded. Run with
//! `cargo test -p lockscope-sync --no-default-features --lib --tests`
//! (the doc examples of `order` use the recorded locks, so they need the
//! feature).

#![cfg(not(feature = "record"))]

use lockscope_sync::prelude::*;

#[test]
fn the_locks_are_parking_lots_types() {
    let m: parking_lot::Mutex<i32> = lockscope_sync::Mutex::named("ignored", 1);
    let r: parking_lot::RwLock<i32> = lockscope_sync::RwLock::new(2);
    let c: parking_lot::Condvar = lockscope_sync::Condvar::new();
    let re: parking_lot::ReentrantMutex<i32> = lockscope_sync::ReentrantMutex::new(3);
    assert_eq!(*m.lock() + *r.read() + *re.lock(), 6);
    c.notify_all();
}

#[test]
fn the_other_primitives_work_and_record_nothing() {
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
