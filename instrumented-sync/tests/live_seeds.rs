//! The seeds' scenarios through lockscope's real primitives: what the live
//! checks say while the program runs. Serialised: policy and watchdog are
//! global.

#![cfg(feature = "record")]

use std::sync::{Arc, Barrier, Mutex as StdMutex, MutexGuard as StdGuard};
use std::thread;
use std::time::{Duration, Instant};

use lockscope_detector::finding::wording;
use lockscope_sync::order::acquire::acquire;
use lockscope_sync::policy::{self, Action, Finding, FindingKind, Policy, StallScope};
use lockscope_sync::prelude::*;
use lockscope_sync::{acquire, Condvar, Event, Mutex, ReentrantMutex, RwLock};

fn serial() -> StdGuard<'static, ()> {
    static LOCK: StdMutex<()> = StdMutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

type Found = Arc<StdMutex<Vec<Finding>>>;

/// A finding in the runtime's words.
fn report(f: &Finding) -> String {
    wording::report(f, &wording::Words::PLAIN)
}

/// Lock-order and self-deadlock findings recorded (deadlocks keep `base`'s
/// action unless `deadlocks_too`).
fn capture(base: Policy, deadlocks_too: bool) -> Found {
    let found: Found = Arc::default();
    let f = found.clone();
    let cb = Action::callback(move |x| f.lock().unwrap().push(x.clone()));
    let mut p = base.on_lock_order(cb.clone()).on_self_deadlock(cb.clone());
    if deadlocks_too {
        p = p.on_deadlock(cb);
    }
    policy::set_policy(p);
    found
}

fn wait_for(found: &Found, n: usize, secs: u64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while found.lock().unwrap().len() < n && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn scenario_3_without_sleeps_predicts_the_deadlock_with_both_sites() {
    let _s = serial();
    let found = capture(Policy::default(), false);
    let lock1 = Arc::new(Mutex::named("lock1", ()));
    let lock2 = Arc::new(Mutex::named("lock2", ()));
    let (a, b) = (lock1.clone(), lock2.clone());
    let task1 = thread::spawn(move || {
        let (_x, l1) = (a.lock(), line!());
        let (_y, l2) = (b.lock(), line!());
        [l1, l2]
    })
    .join()
    .unwrap();
    let (a, b) = (lock1.clone(), lock2.clone());
    let task2 = thread::spawn(move || {
        let (_y, l1) = (b.lock(), line!());
        let (_x, l2) = (a.lock(), line!());
        [l1, l2]
    })
    .join()
    .unwrap();
    let found = found.lock().unwrap();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].kind, FindingKind::PotentialDeadlock);
    let text = report(&found[0]);
    for line in task1.into_iter().chain(task2) {
        let site = format!("{}:{line}:", file!());
        assert!(text.contains(&site), "{site} in\n{text}");
    }
}

#[test]
fn scenario_3_with_sleeps_hangs_and_the_watchdog_ends_it() {
    let _s = serial();
    policy::set_policy(Policy::default());
    let (lock1, lock2) = (
        Arc::new(Mutex::named("lock1", ())),
        Arc::new(Mutex::named("lock2", ())),
    );
    let both = Arc::new(Barrier::new(2));
    let spawn = |first: Arc<Mutex<()>>, second: Arc<Mutex<()>>| {
        let both = both.clone();
        thread::spawn(move || {
            let _a = first.lock();
            both.wait();
            thread::sleep(Duration::from_millis(50));
            let _b = second.lock();
        })
    };
    let start = Instant::now();
    let t1 = spawn(lock1.clone(), lock2.clone());
    let t2 = spawn(lock2, lock1);
    let panics: Vec<String> = [t1, t2]
        .into_iter()
        .filter_map(|t| t.join().err())
        .map(|e| e.downcast_ref::<String>().cloned().unwrap_or_default())
        .collect();
    assert!(
        start.elapsed() < Duration::from_millis(1050 + 50),
        "{:?}",
        start.elapsed()
    );
    assert!(!panics.is_empty(), "the deadlock must be broken by a panic");
    assert!(
        panics[0].contains("lock1 and waits for lock2"),
        "{}",
        panics[0]
    );
    assert!(panics[0].contains("*** DEADLOCK ***"));
}

#[test]
fn scenario_4_self_deadlock_is_reported_and_the_rlock_is_fine() {
    let _s = serial();
    let found = capture(Policy::default().watchdog(None), false);
    let r = ReentrantMutex::named("rlock", ());
    {
        let _a = r.lock();
        let _b = r.lock();
    }
    assert!(found.lock().unwrap().is_empty());
    policy::set_policy(Policy::default());
    let text = thread::spawn(|| {
        let m = Mutex::named("lock", ());
        let _a = m.lock();
        let _b = m.lock();
    })
    .join()
    .unwrap_err()
    .downcast_ref::<String>()
    .cloned()
    .unwrap_or_default();
    assert!(
        text.contains("holds lock and waits for lock (self-deadlock)"),
        "{text}"
    );
}

#[test]
fn scenario_6_sorted_acquisition_never_deadlocks_and_flags_violations() {
    let _s = serial();
    let found = capture(Policy::default(), false);
    let x = Arc::new(Mutex::named("x", 0u64));
    let y = Arc::new(Mutex::named("y", 0u64));
    let workers: Vec<_> = [false, true]
        .into_iter()
        .map(|flip| {
            let (x, y) = (x.clone(), y.clone());
            thread::spawn(move || {
                for _ in 0..5_000 {
                    let mut g = if flip {
                        acquire(&[&*y, &*x]).unwrap()
                    } else {
                        acquire(&[&*x, &*y]).unwrap()
                    };
                    *g[0] += 1;
                    *g[1] += 1;
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!((*x.lock(), *y.lock()), (10_000, 10_000));
    assert!(
        found.lock().unwrap().is_empty(),
        "{:#?}",
        found.lock().unwrap()
    );
    // Mixed kinds through the macro, and a violation naming both locks.
    let (rw, re) = (RwLock::named("rw", ()), ReentrantMutex::named("re", ()));
    drop(acquire!(*y, rw, re, *x).unwrap());
    let _held = y.lock();
    let err = acquire!(*x).unwrap_err().to_string();
    assert!(
        err.starts_with("Lock Order Violation") && err.contains("`y`"),
        "{err}"
    );
}

#[test]
fn scenario_7_an_event_never_set_is_reported() {
    let _s = serial();
    let found = capture(Policy::default().stall_scope(StallScope::Registered), true);
    let ev = Arc::new(Event::named("server_started"));
    let e = ev.clone();
    let client = thread::spawn(move || e.wait());
    wait_for(&found, 1, 3);
    ev.set();
    client.join().unwrap();
    let found = found.lock().unwrap();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].primitives.contains(&"server_started".to_owned()),
        "{:#?}",
        found[0]
    );
}

#[test]
fn scenario_8_a_condition_never_notified_is_reported() {
    let _s = serial();
    let found = capture(Policy::default().stall_scope(StallScope::Registered), true);
    let pair = Arc::new((Mutex::named("m", false), Condvar::named("cond")));
    let p = pair.clone();
    let waiter = thread::spawn(move || {
        let mut ready = p.0.lock();
        while !*ready {
            p.1.wait(&mut ready);
        }
    });
    wait_for(&found, 1, 3);
    *pair.0.lock() = true;
    pair.1.notify_all();
    waiter.join().unwrap();
    let found = found.lock().unwrap();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].primitives.contains(&"cond".to_owned()),
        "{:#?}",
        found[0]
    );
}

#[test]
fn upgrading_while_readers_hold_is_neither_self_deadlock_nor_deadlock() {
    let _s = serial();
    let found = capture(Policy::default().stall_scope(StallScope::Registered), true);
    let rw = Arc::new(RwLock::named("config", 0));
    let reading = Arc::new(Barrier::new(2));
    let (r, b) = (rw.clone(), reading.clone());
    let reader = thread::spawn(move || {
        let _g = r.read();
        b.wait();
        // Longer than two watchdog scans.
        thread::sleep(Duration::from_millis(400));
    });
    reading.wait();
    let upgradable = rw.upgradable_read();
    let mut w = lockscope_sync::RwLockUpgradableReadGuard::upgrade(upgradable);
    *w += 1;
    drop(w);
    reader.join().unwrap();
    assert!(
        found.lock().unwrap().is_empty(),
        "{:#?}",
        found.lock().unwrap()
    );
}

#[test]
fn a_condvar_waiter_woken_to_panic_leaves_no_phantom_lock() {
    let _s = serial();
    policy::set_policy(Policy::default().stall_scope(StallScope::Registered));
    let pair = Arc::new((Mutex::named("m", ()), Condvar::named("never_notified")));
    let after = thread::spawn(move || {
        let (m, c) = &*pair;
        let woken = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut g = m.lock();
            c.wait(&mut g);
        }));
        assert!(woken.is_err(), "the stalled waiter must be woken to panic");
        // Another (timed) wait, then release: the guard released `m` while
        // unwinding, so the thread holds nothing now.
        let mut g = m.lock();
        c.wait_for(&mut g, Duration::from_millis(10));
        drop(g);
        acquire(&[m]).map(drop).map_err(|e| e.to_string())
    })
    .join()
    .unwrap();
    policy::set_policy(Policy::default());
    assert_eq!(after, Ok(()));
}

#[test]
fn findings_are_written_into_the_trace_as_notes() {
    let _s = serial();
    policy::set_policy(Policy::default().watchdog(None));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.jsonl");
    let rec = lockscope_sync::record_to(&path).unwrap();
    let (a, b) = (Mutex::named("first", ()), Mutex::named("second", ()));
    drop((a.lock(), b.lock()));
    {
        let _b = b.lock();
        let _a = a.lock(); // potential deadlock: a lock_order note
        assert!(acquire(&[&a]).is_err()); // violation: another note
    }
    rec.finish().unwrap();
    // Each note is the finding itself, as JSON under its kind's wire name.
    let source = lockscope_detector::trace::open(&path).unwrap();
    let mut notes = Vec::new();
    let mut source = source;
    while source.next_event().unwrap().is_some() {}
    for n in &source.meta().notes {
        let f: Finding = serde_json::from_str(&n.text).unwrap();
        assert_eq!(n.kind, f.kind.as_str());
        notes.push(f.kind);
    }
    assert_eq!(
        notes,
        [
            FindingKind::PotentialDeadlock,
            FindingKind::LockOrderViolation
        ]
    );
}

#[test]
fn scenario_3_run_with_timeouts_still_reports_the_inversion() {
    let _s = serial();
    let found = capture(Policy::default(), false);
    let (plate, sticks) = (
        Arc::new(Mutex::named("plate", ())),
        Arc::new(Mutex::named("chopsticks", ())),
    );
    let both = Arc::new(Barrier::new(2));
    let spawn = |first: Arc<Mutex<()>>, second: Arc<Mutex<()>>| {
        let both = both.clone();
        thread::spawn(move || {
            let _a = first.lock();
            both.wait();
            // The first to time out never gets its second lock, so only the
            // check made when it started to wait can know its edge.
            drop(second.try_lock_for(Duration::from_millis(200)));
        })
    };
    let t1 = spawn(plate.clone(), sticks.clone());
    let t2 = spawn(sticks, plate);
    t1.join().unwrap();
    t2.join().unwrap();
    let found = found.lock().unwrap();
    assert_eq!(found.len(), 1, "{found:#?}");
    let mut locks = found[0].primitives.clone();
    locks.sort();
    assert_eq!(locks, ["chopsticks", "plate"]);
}
