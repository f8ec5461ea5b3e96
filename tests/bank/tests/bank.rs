//! One case of the CI gate each (cli/tests/gate.rs says what each must
//! give).

use std::sync::{Arc, Barrier};
use std::time::Duration;

use bank::*;
use lockscope::sync::{prelude::*, thread, Mutex};

#[test]
fn one_thread_both_directions() {
    let a = Account::named("a1", 100);
    let b = Account::named("b1", 100);
    transfer(&a, &b, 10);
    transfer(&b, &a, 10);
}

#[test]
fn two_std_threads_joined_in_turn() {
    let a = Arc::new(Account::named("a2", 100));
    let b = Arc::new(Account::named("b2", 100));
    let (x, y) = (a.clone(), b.clone());
    std::thread::spawn(move || transfer(&x, &y, 10)).join().unwrap();
    let (x, y) = (a.clone(), b.clone());
    std::thread::spawn(move || transfer(&y, &x, 10)).join().unwrap();
}

#[test]
fn split_forward() {
    let a = Account::named("a3", 1);
    let b = Account::named("b3", 1);
    transfer(&a, &b, 1);
}

#[test]
fn split_backward() {
    let a = Account::named("a3", 1);
    let b = Account::named("b3", 1);
    transfer(&b, &a, 1);
}

#[test]
fn static_forward() {
    transfer_static(true);
}

#[test]
fn static_backward() {
    transfer_static(false);
}

#[test]
fn one_order_only() {
    let a = Account::named("a4", 1);
    let b = Account::named("b4", 1);
    transfer(&a, &b, 1);
    transfer(&a, &b, 1);
}

#[test]
fn join_then_read_std() {
    let c = Arc::new(counter());
    let c2 = c.clone();
    c.set(1);
    std::thread::spawn(move || {
        let v = c2.get();
        c2.set(v + 1);
    })
    .join()
    .unwrap();
    assert_eq!(c.get(), 2);
}

#[test]
fn join_then_read_lockscope() {
    let c = Arc::new(counter());
    let c2 = c.clone();
    c.set(1);
    thread::spawn(move || {
        let v = c2.get();
        c2.set(v + 1);
    })
    .join()
    .unwrap();
    assert_eq!(c.get(), 2);
}

#[test]
fn update_from_100_std_threads() {
    let c = Arc::new(counter());
    let workers: Vec<_> = (0..100)
        .map(|_| {
            let c = c.clone();
            std::thread::spawn(move || c.update(|v| *v += 1))
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(c.get(), 100);
}

#[test]
fn watchdog_breaks_a_deadlock() {
    let locks = Arc::new((Mutex::named("vault", ()), Mutex::named("ledger", ())));
    let both = Arc::new(Barrier::new(2));
    let spawn = |forward: bool| {
        let (locks, both) = (locks.clone(), both.clone());
        thread::spawn(move || {
            let (first, second) = if forward {
                (&locks.0, &locks.1)
            } else {
                (&locks.1, &locks.0)
            };
            let _held = first.lock();
            both.wait();
            std::thread::sleep(Duration::from_millis(20));
            let _wanted = second.lock();
        })
    };
    let (one, two) = (spawn(true), spawn(false));
    let panicked = [one.join().is_err(), two.join().is_err()];
    assert!(panicked.contains(&true), "the watchdog wakes a thread to panic");
}
