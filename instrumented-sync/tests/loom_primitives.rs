//! loom models of the primitives lockscope builds on a plain mutex and
//! condvar: semaphore, event, barrier. Run by `.ci/loom`.

#![cfg(lockscope_loom)]

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

use lockscope_sync::__loom::{Barrier, Event, Semaphore};

#[test]
fn a_semaphore_of_one_excludes_and_hands_over() {
    loom::model(|| {
        let sem = Arc::new(Semaphore::new(1));
        let inside = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (sem, inside) = (sem.clone(), inside.clone());
                thread::spawn(move || {
                    let _p = sem.acquire();
                    assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0);
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn a_set_event_releases_its_waiter() {
    loom::model(|| {
        let ev = Arc::new(Event::new());
        let data = Arc::new(AtomicUsize::new(0));
        let waiter = {
            let (ev, data) = (ev.clone(), data.clone());
            thread::spawn(move || {
                assert!(ev.wait());
                assert_eq!(data.load(Ordering::Relaxed), 7);
            })
        };
        data.store(7, Ordering::Relaxed);
        ev.set();
        waiter.join().unwrap();
    });
}

#[test]
fn a_barrier_has_one_leader_and_releases_everyone() {
    loom::model(|| {
        let b = Arc::new(Barrier::new(2));
        let other = {
            let b = b.clone();
            thread::spawn(move || b.wait().is_leader())
        };
        let mine = b.wait().is_leader();
        let theirs = other.join().unwrap();
        assert!(mine ^ theirs);
    });
}
