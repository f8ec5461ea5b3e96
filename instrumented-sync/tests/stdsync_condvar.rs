//! `stdsync::Condvar`: the examples of std's `Condvar` documentation,
//! written against `stdsync` (they run with and without the `record`
//! feature), poisoning through a wait, and what a wait records.

#[cfg(feature = "record")]
mod stdsync_support;
#[cfg(feature = "record")]
mod support;

use std::thread;
use std::time::{Duration, Instant};

use lockscope_sync::stdsync::{Arc, Condvar, Mutex};

/// A flag and the condvar that announces it, shared with a thread that
/// sets it (through `notify`) and is joined by the caller's `Drop` of the
/// handle.
fn flag_set_by_a_thread(
    initial: bool,
    notify: fn(&Condvar),
) -> (Arc<(Mutex<bool>, Condvar)>, thread::JoinHandle<()>) {
    let pair = Arc::new((Mutex::new(initial), Condvar::new()));
    let pair2 = Arc::clone(&pair);
    let setter = thread::spawn(move || {
        let (lock, cvar) = &*pair2;
        let mut flag = lock.lock().unwrap();
        *flag = !initial;
        notify(cvar);
    });
    (pair, setter)
}

#[test]
fn wait_in_a_loop_until_a_thread_has_started() {
    let (pair, setter) = flag_set_by_a_thread(false, Condvar::notify_one);
    let (lock, cvar) = &*pair;
    let mut started = lock.lock().unwrap();
    while !*started {
        started = cvar.wait(started).unwrap();
    }
    assert!(*started);
    drop(started);
    setter.join().unwrap();
}

#[test]
fn notify_all_wakes_the_waiter_too() {
    let (pair, setter) = flag_set_by_a_thread(false, Condvar::notify_all);
    let (lock, cvar) = &*pair;
    let mut started = lock.lock().unwrap();
    while !*started {
        started = cvar.wait(started).unwrap();
    }
    drop(started);
    setter.join().unwrap();
}

#[test]
fn notify_all_wakes_every_waiter() {
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let pair = Arc::clone(&pair);
            thread::spawn(move || {
                let (lock, cvar) = &*pair;
                let go = cvar.wait_while(lock.lock().unwrap(), |go| !*go).unwrap();
                assert!(*go);
            })
        })
        .collect();
    *pair.0.lock().unwrap() = true;
    pair.1.notify_all();
    for w in waiters {
        w.join().unwrap();
    }
}

#[test]
fn wait_while_a_job_is_pending() {
    let (pair, setter) = flag_set_by_a_thread(true, Condvar::notify_one);
    let (lock, cvar) = &*pair;
    let pending = cvar
        .wait_while(lock.lock().unwrap(), |pending| *pending)
        .unwrap();
    assert!(!*pending);
    drop(pending);
    setter.join().unwrap();
}

#[test]
#[allow(deprecated)]
fn wait_timeout_ms_in_a_loop() {
    let (pair, setter) = flag_set_by_a_thread(false, Condvar::notify_one);
    let (lock, cvar) = &*pair;
    let mut started = lock.lock().unwrap();
    loop {
        let (guard, _notified_in_time) = cvar.wait_timeout_ms(started, 10).unwrap();
        started = guard;
        if *started {
            break;
        }
    }
    drop(started);
    setter.join().unwrap();
}

#[test]
fn wait_timeout_in_a_loop() {
    let (pair, setter) = flag_set_by_a_thread(false, Condvar::notify_one);
    let (lock, cvar) = &*pair;
    let mut started = lock.lock().unwrap();
    loop {
        let result = cvar
            .wait_timeout(started, Duration::from_millis(10))
            .unwrap();
        started = result.0;
        if *started {
            break;
        }
    }
    drop(started);
    setter.join().unwrap();
}

#[test]
fn wait_timeout_while_returns_once_the_condition_is_false() {
    let (pair, setter) = flag_set_by_a_thread(true, Condvar::notify_one);
    let (lock, cvar) = &*pair;
    let (pending, result) = cvar
        .wait_timeout_while(lock.lock().unwrap(), Duration::from_secs(60), |&mut p| p)
        .unwrap();
    assert!(!result.timed_out());
    assert!(!*pending);
    drop(pending);
    setter.join().unwrap();
}

#[test]
fn timed_waits_without_a_notify_time_out() {
    let lock = Mutex::new(());
    let cvar = Condvar::new();
    let start = Instant::now();
    let (guard, r) = cvar
        .wait_timeout(lock.lock().unwrap(), Duration::from_millis(20))
        .unwrap();
    // A spurious wake-up may end the wait early, without timing out.
    assert!(!r.timed_out() || start.elapsed() >= Duration::from_millis(20));
    let (_guard, r) = cvar
        .wait_timeout_while(guard, Duration::from_millis(20), |_| true)
        .unwrap();
    assert!(r.timed_out());
    assert!(start.elapsed() >= Duration::from_millis(20));
    assert_eq!(format!("{r:?}"), "WaitTimeoutResult(true)");
    assert_eq!(format!("{cvar:?}"), "Condvar { .. }");
}

#[test]
fn a_wait_returns_the_guard_poisoned_when_the_notifier_panicked_holding_the_mutex() {
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let (lock, cvar) = &*pair;
    let mut ready = lock.lock().unwrap();
    let pair2 = Arc::clone(&pair);
    let notifier = thread::spawn(move || {
        let mut ready = pair2.0.lock().unwrap();
        *ready = true;
        pair2.1.notify_one();
        panic!("poisoning the mutex while the waiter waits");
    });
    let mut poisoned = false;
    while !*ready {
        ready = match cvar.wait(ready) {
            Ok(g) => g,
            Err(e) => {
                poisoned = true;
                e.into_inner()
            }
        };
    }
    assert!(poisoned);
    drop(ready);
    assert!(notifier.join().is_err());
    assert!(lock.is_poisoned());
    // A waiter on a poisoned mutex gets `Err` from every kind of wait.
    let g = lock.lock().unwrap_err().into_inner();
    let e = cvar
        .wait_timeout(g, Duration::from_millis(1))
        .unwrap_err()
        .into_inner();
    let e = cvar
        .wait_timeout_while(e.0, Duration::from_millis(1), |_| true)
        .unwrap_err();
    drop(e);
}

#[test]
fn new_is_const_and_default_works() {
    static READY: Condvar = Condvar::new();
    READY.notify_all();
    let c = Condvar::default();
    c.notify_one();
}

#[cfg(feature = "record")]
mod recorded {
    use super::{stdsync_support, support};
    use lockscope_detector::trace::EventKind;
    use lockscope_sync::stdsync::{Condvar, Mutex};
    use std::time::Duration;

    #[test]
    fn waits_and_notifies_are_recorded_at_the_callers_lines() {
        let lock = Mutex::new(0);
        let cvar = Condvar::new();
        let (lines, t) = support::record(|| {
            let first = line!() + 1;
            let (g, ms) = (lock.lock().unwrap(), Duration::from_millis(1));
            let wait = line!() + 1;
            let (g, _) = cvar.wait_timeout(g, ms).unwrap();
            let wait_while = line!() + 1;
            let (g, _) = cvar.wait_timeout_while(g, ms, |_| true).unwrap();
            drop(g);
            let notify = line!() + 1;
            cvar.notify_all();
            [first, wait, wait_while, notify]
        });
        let [first, wait, wait_while, notify] = lines;
        let mine = stdsync_support::thread_of_line(&t, first);
        let site_of = |name: &str| -> Vec<Option<u32>> {
            mine.iter()
                .filter(|e| e.kind.type_name() == name)
                .map(|e| t.site_line(e))
                .collect()
        };
        let waits = site_of("cond_wait");
        assert!(waits.len() >= 2, "{:?}", t.events);
        assert_eq!(waits[0], Some(wait));
        assert!(
            waits[1..].iter().all(|s| *s == Some(wait_while)),
            "{waits:?}"
        );
        assert_eq!(site_of("cond_woken").len(), waits.len());
        assert_eq!(site_of("notify"), vec![Some(notify)]);
        assert!(t.events.iter().any(|e| matches!(
            e.kind,
            EventKind::CondWoken {
                timed_out: true,
                ..
            }
        )));
    }
}
