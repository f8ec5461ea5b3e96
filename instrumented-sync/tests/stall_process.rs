//! The default stall scope, where it can be seen: a whole process (no test
//! harness threads, `harness = false`) whose every thread is blocked. A
//! client waits for an event nobody sets, main joins it; the watchdog must
//! call it a deadlock and wake the client to panic. Then the same with a
//! client in a condvar wait nobody notifies (woken through the condvar: a
//! condvar wait is not sliced).

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use lockscope_sync::policy::{self, Policy};
use lockscope_sync::prelude::*;
use lockscope_sync::{live, Condvar, Event, Mutex};

fn main() {
    // A guard that fails the test instead of letting it hang; it is not a
    // thread that could set the event, so it declares itself internal.
    std::thread::spawn(|| {
        live::internal_thread();
        std::thread::sleep(Duration::from_secs(20));
        eprintln!("stall_process: the stall was not reported within 20 s");
        std::process::exit(1);
    });
    // The client's panic is expected: keep its message out of the output.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().name() == Some("main") {
            default_hook(info);
        }
    }));
    policy::set_policy(Policy::default());
    let ev = Arc::new(Event::named("never_set"));
    let e = ev.clone();
    stalled_client_panics("never_set", move || {
        e.wait();
    });

    let gate = Arc::new((
        Mutex::named("gate", false),
        Condvar::named("never_notified"),
    ));
    let g = gate.clone();
    let (_, t) = support::record(|| {
        stalled_client_panics("never_notified", move || {
            let (lock, cond) = &*g;
            let mut open = lock.lock();
            while !*open {
                cond.wait(&mut open);
            }
        })
    });
    // The doomed waiter's wake-up is in the trace before the release its
    // unwinding makes: wait, woken, released, in a legal order.
    let cond = t.obj(gate.1.meta().id());
    assert_eq!(t.count(cond, "cond_wait"), 1, "{:?}", t.of(cond));
    assert_eq!(t.count(cond, "cond_woken"), 1, "{:?}", t.of(cond));
    let lock = t.obj(gate.0.identity().id());
    assert_eq!(t.count(lock, "released"), 1, "{:?}", t.of(lock));
    support::assert_legal(&t);
}

/// Runs `wait` in a client thread that main joins: the client must be
/// woken to panic with a stall report naming `waited_on`.
fn stalled_client_panics(waited_on: &str, wait: impl FnOnce() + Send + 'static) {
    let start = Instant::now();
    let client = lockscope_sync::thread::spawn(wait);
    let err = client
        .join()
        .expect_err("the stalled client must be woken to panic");
    let text = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(text.contains("every thread is blocked"), "{text}");
    assert!(text.contains(waited_on), "{text}");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    println!(
        "stall_process: `{waited_on}` reported in {:?}",
        start.elapsed()
    );
}
