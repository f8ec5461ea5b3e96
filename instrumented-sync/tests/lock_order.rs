//! The learned lock order: potential deadlocks found before anything hangs,
//! and the cases that must stay silent.

// The live checks exist only with recording compiled in.
#![cfg(feature = "record")]

mod common;

use std::sync::Arc;
use std::thread;

use common::{capture, report, serial, TMutex, TReentrant, TRwLock};
use lockscope_sync::policy::{FindingKind, Policy};

fn quiet() -> Policy {
    Policy::default().watchdog(None)
}

#[test]
fn seeds_opposite_order_without_sleeps_reports_both_sites() {
    let _s = serial();
    let found = capture(quiet());
    let x = Arc::new(TMutex::new("x"));
    let y = Arc::new(TMutex::new("y"));
    let (x1, y1) = (x.clone(), y.clone());
    let lines1 = thread::Builder::new()
        .name("task1".into())
        .spawn(move || {
            let (_a, first) = (x1.lock(), line!());
            let (_b, second) = (y1.lock(), line!()); // y under x
            [first, second]
        })
        .unwrap()
        .join()
        .unwrap();
    let (x2, y2) = (x.clone(), y.clone());
    let lines2 = thread::Builder::new()
        .name("task2".into())
        .spawn(move || {
            let (_a, first) = (y2.lock(), line!());
            let (_b, second) = (x2.lock(), line!()); // x under y
            [first, second]
        })
        .unwrap()
        .join()
        .unwrap();
    let found = found.lock().unwrap();
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(f.kind, FindingKind::PotentialDeadlock);
    assert_eq!(f.threads.len(), 2);
    assert!(f.threads.contains(&"task1".to_owned()) && f.threads.contains(&"task2".to_owned()));
    // Both sides of the inversion, with the lines that took them.
    let text = report(f);
    for line in lines1.into_iter().chain(lines2) {
        let site = format!("{}:{line}:", file!());
        assert!(text.contains(&site), "missing {site} in\n{text}");
    }
    assert!(text.trim_end().ends_with("*** DEADLOCK ***"), "{text}");
}

#[test]
fn three_locks_three_threads_cycle_is_found_once() {
    let _s = serial();
    let found = capture(quiet());
    let l: Arc<[TMutex; 3]> = Arc::new([TMutex::new("a"), TMutex::new("b"), TMutex::new("c")]);
    for round in 0..2 {
        for i in 0..3 {
            let l = l.clone();
            thread::spawn(move || {
                let _first = l[i].lock();
                let _second = l[(i + 1) % 3].lock();
            })
            .join()
            .unwrap();
        }
        assert_eq!(found.lock().unwrap().len(), 1, "round {round}");
    }
    let f = &found.lock().unwrap()[0];
    assert!(
        f.title()
            .starts_with("potential deadlock: a -> b -> c -> a "),
        "{}",
        f.title()
    );
}

#[test]
fn the_shortest_cycle_is_reported() {
    let _s = serial();
    let found = capture(quiet());
    let [a, b, c, d] = ["a", "b", "c", "d"].map(TMutex::new);
    for (p, q) in [(&a, &b), (&b, &c), (&c, &d), (&a, &d)] {
        let _p = p.lock();
        let _q = q.lock();
    }
    {
        let _d = d.lock();
        let _a = a.lock();
    }
    let found = found.lock().unwrap();
    assert_eq!(found.len(), 1);
    assert!(
        found[0]
            .title()
            .starts_with("potential deadlock: a -> d -> a "),
        "{}",
        found[0].title()
    );
}

#[test]
fn reporting_goes_on_after_the_first_finding() {
    let _s = serial();
    let found = capture(quiet());
    for _ in 0..3 {
        let (a, b) = (TMutex::new("a"), TMutex::new("b"));
        drop((a.lock(), b.lock()));
        let _b = b.lock();
        let _a = a.lock();
    }
    assert_eq!(found.lock().unwrap().len(), 3);
}

#[test]
fn try_lock_adds_no_edge() {
    let _s = serial();
    let found = capture(quiet());
    let (a, b) = (TMutex::new("a"), TMutex::new("b"));
    {
        let _a = a.lock();
        let _b = b.try_lock().unwrap();
    }
    let _b = b.lock();
    let _a = a.lock();
    assert!(found.lock().unwrap().is_empty());
}

#[test]
fn read_then_read_is_silent_without_writers_and_reported_with_one() {
    let _s = serial();
    let found = capture(quiet());
    let (a, b) = (TRwLock::new("a"), TRwLock::new("b"));
    {
        let _a = a.read();
        let _b = b.read();
    }
    {
        let _b = b.read();
        let _a = a.read();
    }
    assert!(
        found.lock().unwrap().is_empty(),
        "readers alone cannot deadlock"
    );
    drop(a.write()); // a writer on `a` alone still lets T1 take `b`
    assert!(found.lock().unwrap().is_empty());
    drop(b.write()); // now writers can interpose on both
    let found = found.lock().unwrap();
    assert_eq!(found.len(), 1, "{found:#?}");
}

#[test]
fn read_against_write_is_reported() {
    let _s = serial();
    let found = capture(quiet());
    let (a, b) = (TRwLock::new("a"), TRwLock::new("b"));
    {
        let _a = a.read();
        let _b = b.read();
    }
    let _b = b.write();
    let _a = a.write();
    assert_eq!(found.lock().unwrap().len(), 1);
}

#[test]
fn reentrant_reentry_is_silent() {
    let _s = serial();
    let found = capture(quiet());
    let (r, m) = (TReentrant::new("r"), TMutex::new("m"));
    {
        let _r1 = r.lock();
        let _m = m.lock();
        let _r2 = r.lock(); // re-entry under m: no m -> r edge
    }
    assert!(found.lock().unwrap().is_empty());
}

#[test]
fn cycles_under_one_common_gate_lock_are_silent() {
    let _s = serial();
    let found = capture(quiet());
    let (gate, a, b) = (TMutex::new("gate"), TMutex::new("a"), TMutex::new("b"));
    {
        let _g = gate.lock();
        drop((a.lock(), b.lock()));
        let _b = b.lock();
        let _a = a.lock();
    }
    assert!(found.lock().unwrap().is_empty());
    // The same inversion once without the gate is a real hazard.
    let _b = b.lock();
    let _a = a.lock();
    assert_eq!(found.lock().unwrap().len(), 1);
}

#[test]
fn panic_policy_panics_in_the_thread_that_closes_the_cycle() {
    let _s = serial();
    lockscope_sync::policy::set_policy(
        quiet().on_lock_order(lockscope_sync::policy::Action::Panic),
    );
    let (a, b) = (Arc::new(TMutex::new("a")), Arc::new(TMutex::new("b")));
    drop((a.lock(), b.lock()));
    let (a2, b2) = (a.clone(), b.clone());
    let err = thread::spawn(move || {
        let _b = b2.lock();
        let _a = a2.lock();
    })
    .join()
    .unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(msg.starts_with("lockscope: potential deadlock: "), "{msg}");
    // The lock taken when the panic struck was released by unwinding.
    assert!(a.try_lock().is_some() && b.try_lock().is_some());
    lockscope_sync::policy::set_policy(quiet());
}

/// The same verdict on an rwlock, in each mode it can be taken in: the
/// panic unwinds from the acquisition before a guard exists, and the lock
/// is released on the way out, so the next thread can take it.
#[test]
fn panic_policy_releases_the_rwlock_the_verdict_struck() {
    use lockscope_sync::prelude::*;
    let _s = serial();
    lockscope_sync::policy::set_policy(
        quiet().on_lock_order(lockscope_sync::policy::Action::Panic),
    );
    for (name, mode) in [("write", 0), ("read", 1), ("upgradable", 2)] {
        let a = Arc::new(lockscope_sync::RwLock::named("rw_panic_a", ()));
        let b = Arc::new(TMutex::new("rw_panic_b"));
        drop((a.write(), b.lock()));
        let (a2, b2) = (a.clone(), b.clone());
        let err = thread::spawn(move || {
            let _b = b2.lock();
            match mode {
                0 => drop(a2.write()),
                1 => drop(a2.read()),
                _ => drop(a2.upgradable_read()),
            }
        })
        .join()
        .unwrap_err();
        let msg = err.downcast_ref::<String>().unwrap();
        assert!(
            msg.starts_with("lockscope: potential deadlock: "),
            "{name}: {msg}"
        );
        assert!(a.try_write().is_some(), "{name}: released by unwinding");
        assert!(b.try_lock().is_some(), "{name}");
    }
    lockscope_sync::policy::set_policy(quiet());
}

/// A lock-order verdict (policy `panic`) while `unlocked` takes a reentrant
/// mutex back: the panic unwinds with the level released once, by the
/// fresh acquisition, not a second time by the guard `unlocked` emptied
/// (which underflowed parking_lot's count and aborted the process).
#[cfg(feature = "record")]
#[test]
fn a_verdict_while_unlocked_retakes_a_reentrant_lock_releases_it_once() {
    use lockscope_sync::prelude::*;
    use lockscope_sync::{Mutex, ReentrantMutex, ReentrantMutexGuard};
    let _s = serial();
    lockscope_sync::policy::set_policy(
        quiet().on_lock_order(lockscope_sync::policy::Action::Panic),
    );
    let r = Arc::new(ReentrantMutex::named("relock_r", ()));
    let a = Arc::new(Mutex::named("relock_a", ()));
    {
        let _r = r.lock();
        let _a = a.lock();
    }
    let (r2, a2) = (r.clone(), a.clone());
    let err = thread::spawn(move || {
        let mut g = r2.lock();
        let _a = a2.lock();
        // Takes `r` back under `a`: the inversion of the order above.
        ReentrantMutexGuard::unlocked(&mut g, || ());
    })
    .join()
    .unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(msg.starts_with("lockscope: potential deadlock: "), "{msg}");
    assert!(!r.is_locked(), "released by unwinding, once");
    assert!(r.try_lock().is_some() && a.try_lock().is_some());
    lockscope_sync::policy::set_policy(quiet());
}
