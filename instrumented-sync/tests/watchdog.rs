//! Actual deadlocks: the watchdog finds them within a second and the
//! deadlocked threads wake up to panic, so the test fails instead of
//! hanging. Every test here is serialised (the watchdog is global).

mod common;

use std::panic::Location;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use common::{capture, serial, within, TEvent, TMutex, TRwLock};
use lockscope_detector::trace::{LockMode, PrimitiveKind};
use lockscope_sync::live::{self, Wait};
use lockscope_sync::meta::PrimitiveMeta;
use lockscope_sync::policy::{self, Action, FindingKind, Policy, StallScope};
#[cfg(feature = "record")]
use lockscope_sync::prelude::Named;

fn panic_text(e: Box<dyn std::any::Any + Send>) -> String {
    e.downcast_ref::<String>().cloned().unwrap_or_default()
}

/// Starts `n` threads that each hold lock `i` and then, once all hold
/// theirs, take lock `i + 1`: an n-cycle. Returns the panic texts (at least
/// one thread panics; its unwinding may let the others finish) and how
/// long after the cycle formed all threads were done.
fn run_cycle(n: usize) -> (Vec<String>, Duration) {
    let locks: Arc<Vec<TMutex>> = Arc::new((0..n).map(|_| TMutex::new("m")).collect());
    let all_hold = Arc::new(Barrier::new(n + 1));
    let workers: Vec<_> = (0..n)
        .map(|i| {
            let (locks, all_hold) = (locks.clone(), all_hold.clone());
            thread::Builder::new()
                .name(format!("task{}", i + 1))
                .spawn(move || {
                    let _mine = locks[i].lock();
                    all_hold.wait();
                    thread::sleep(Duration::from_millis(20));
                    let _next = locks[(i + 1) % n].lock();
                })
                .unwrap()
        })
        .collect();
    all_hold.wait();
    let formed = Instant::now();
    let texts: Vec<String> = workers
        .into_iter()
        .filter_map(|w| w.join().err().map(panic_text))
        .collect();
    assert!(!texts.is_empty(), "a deadlocked thread must panic");
    (texts, formed.elapsed())
}

#[test]
fn seeds_opposite_order_with_sleeps_is_reported_within_a_second() {
    let _s = serial();
    policy::set_policy(Policy::default());
    let (texts, took) = within(10, || run_cycle(2));
    assert!(took < Duration::from_secs(1), "took {took:?}");
    for t in &texts {
        assert!(t.starts_with("lockscope: deadlock: task"), "{t}");
        assert!(t.contains("holds m and waits for m"), "{t}");
        assert!(t.trim_end().ends_with("*** DEADLOCK ***"), "{t}");
        assert!(t.contains(file!()), "sites name the test file: {t}");
    }
}

#[test]
fn three_threads_three_locks_deadlock_is_reported() {
    let _s = serial();
    policy::set_policy(Policy::default());
    let (texts, took) = within(10, || run_cycle(3));
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert!(texts
        .iter()
        .all(|t| t.contains("task1") && t.contains("task3")));
}

#[test]
fn relocking_a_mutex_one_holds_is_reported_before_blocking() {
    let _s = serial();
    policy::set_policy(Policy::default());
    let start = Instant::now();
    let text = within(10, || {
        let m = TMutex::new("plain");
        panic_text(
            thread::spawn(move || {
                let _first = m.lock();
                let _second = m.lock();
            })
            .join()
            .unwrap_err(),
        )
    });
    assert!(start.elapsed() < Duration::from_millis(500));
    assert!(
        text.contains("holds plain and waits for plain (self-deadlock)"),
        "{text}"
    );
}

#[test]
fn an_event_nobody_can_set_is_reported() {
    let _s = serial();
    let found: Arc<std::sync::Mutex<Vec<_>>> = Arc::default();
    let f = found.clone();
    policy::set_policy(
        Policy::default()
            .stall_scope(StallScope::Registered)
            .on_deadlock(Action::callback(move |x| f.lock().unwrap().push(x.clone()))),
    );
    let ev = Arc::new(TEvent::new("server_ready"));
    let e = ev.clone();
    let client = thread::spawn(move || e.wait());
    let deadline = Instant::now() + Duration::from_secs(2);
    while found.lock().unwrap().is_empty() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    ev.set();
    client.join().unwrap();
    let found = found.lock().unwrap();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].kind, FindingKind::Deadlock);
    assert!(
        found[0].primitives.contains(&"server_ready".to_owned()),
        "{:#?}",
        found[0]
    );
}

#[test]
fn timed_waits_and_contention_are_not_deadlocks() {
    let _s = serial();
    let found: Arc<std::sync::Mutex<Vec<_>>> = Arc::default();
    let f = found.clone();
    policy::set_policy(
        Policy::default()
            .stall_scope(StallScope::Registered)
            .on_deadlock(Action::callback(move |x| f.lock().unwrap().push(x.clone()))),
    );
    let ev = PrimitiveMeta::new(PrimitiveKind::Event, Some("timed"));
    let m = Arc::new(TMutex::new("busy"));
    let m2 = m.clone();
    let holder = thread::spawn(move || {
        let _g = m2.lock();
        thread::sleep(Duration::from_millis(400));
    });
    thread::sleep(Duration::from_millis(20));
    let waiter = thread::spawn(move || drop(m.lock()));
    // A timed wait on an event nobody sets, for longer than two scans.
    live::before_block_timed(
        Wait::Event { event: &ev },
        Location::caller(),
        Duration::from_millis(400),
    );
    thread::sleep(Duration::from_millis(400));
    live::wait_ended();
    holder.join().unwrap();
    waiter.join().unwrap();
    assert!(
        found.lock().unwrap().is_empty(),
        "{:#?}",
        found.lock().unwrap()
    );
}

#[test]
fn recursive_read_while_a_writer_waits_is_reported() {
    let _s = serial();
    let found = capture(Policy::default().watchdog(None));
    let rw = Arc::new(TRwLock::new("table"));
    let _r = rw.read();
    // A writer announces it is blocked on the lock (through the contract).
    let rw2 = rw.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    let writer = thread::spawn(move || {
        let wait = Wait::Lock {
            lock: &rw2.meta,
            mode: LockMode::Exclusive,
        };
        live::before_block(wait, Location::caller());
        tx.send(()).unwrap();
        thread::sleep(Duration::from_millis(100));
        live::wait_ended();
    });
    rx.recv().unwrap();
    live::before_block(
        Wait::Lock {
            lock: &rw.meta,
            mode: LockMode::Shared,
        },
        Location::caller(),
    );
    live::wait_ended();
    writer.join().unwrap();
    let found = found.lock().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, FindingKind::RecursiveRead);
    assert_eq!(found[0].primitives, ["table"]);
}

#[test]
fn by_default_a_stall_is_not_called_while_unknown_threads_could_end_it() {
    let _s = serial();
    let found: Arc<std::sync::Mutex<Vec<_>>> = Arc::default();
    let f = found.clone();
    policy::set_policy(
        Policy::default().on_deadlock(Action::callback(move |x| f.lock().unwrap().push(x.clone()))),
    );
    let ev = Arc::new(TEvent::new("set_by_a_plain_thread"));
    let e = ev.clone();
    let client = thread::spawn(move || e.wait());
    // This test's own thread never used lockscope, and it will set the event.
    thread::sleep(Duration::from_millis(400));
    ev.set();
    client.join().unwrap();
    assert!(
        found.lock().unwrap().is_empty(),
        "{:#?}",
        found.lock().unwrap()
    );
}

/// CPU time (user + system, in clock ticks of usually 10 ms) of one of this
/// process's threads, from `/proc`.
fn cpu_ticks(tid: u64) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    // Fields after the parenthesised name: state is field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f[11].parse::<u64>().ok()? + f[12].parse::<u64>().ok()?)
}

#[test]
fn an_idle_watchdog_uses_under_one_percent_of_a_core() {
    let _s = serial();
    // Ten times the default scan rate, nothing blocked.
    policy::set_policy(Policy::default().watchdog(Some(Duration::from_millis(10))));
    let deadline = Instant::now() + Duration::from_secs(2);
    while lockscope_sync::watchdog::os_thread_id().is_none() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    let Some(tid) = lockscope_sync::watchdog::os_thread_id() else {
        return; // not Linux: no per-thread CPU accounting to read
    };
    let before = cpu_ticks(tid).unwrap();
    thread::sleep(Duration::from_secs(1));
    let used = cpu_ticks(tid).unwrap() - before;
    // One tick is 1% of a core over this second.
    assert!(used <= 1, "the idle watchdog used {used} ticks in 1 s");
    policy::set_policy(Policy::default());
}

/// An upgrade waits on the one blocking path like any lock: in watchdog
/// slices, so a thread deadlocked in an upgrade sees the verdict and
/// panics. Here only the upgrade can: the reader it waits for waits, in a
/// join, for the upgrading thread to end. (Without the `record` feature the
/// locks run no live checks.)
#[cfg(feature = "record")]
#[test]
fn a_thread_deadlocked_in_an_upgrade_wakes_to_panic() {
    let _s = serial();
    policy::set_policy(Policy::default());
    let upgrade = within(10, || {
        let table: Arc<lockscope_sync::RwLock<u32>> = Arc::new(Named::named("table", 0));
        let reading = Arc::new(Barrier::new(2));
        let upgrader = {
            let (table, reading) = (table.clone(), reading.clone());
            lockscope_sync::thread::spawn(move || {
                reading.wait();
                let upgradable = table.upgradable_read();
                drop(lockscope_sync::RwLockUpgradableReadGuard::upgrade(
                    upgradable,
                ));
            })
        };
        let _reader = table.read();
        reading.wait();
        upgrader.join()
    });
    let text = panic_text(upgrade.expect_err("the upgrade returned"));
    assert!(
        text.contains("deadlock") && text.contains("table"),
        "{text}"
    );
}
