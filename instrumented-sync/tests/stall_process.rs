//! The default stall scope, where it can be seen: a whole process (no test
//! harness threads, `harness = false`) whose every thread is blocked. The
//! client waits for an event nobody sets, main joins it; the watchdog must
//! call it a deadlock and wake the client to panic.

use std::sync::Arc;
use std::time::{Duration, Instant};

use lockscope_sync::policy::{self, Policy};
use lockscope_sync::{live, Event};

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
    let start = Instant::now();
    let client = lockscope_sync::thread::spawn(move || e.wait());
    let err = client
        .join()
        .expect_err("the stalled client must be woken to panic");
    let text = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(text.contains("every thread is blocked"), "{text}");
    assert!(text.contains("`never_set`"), "{text}");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    println!("stall_process: reported in {:?}", start.elapsed());
}
