//! Seed scenario 8, the failures: a thread waits on a condition nobody ever
//! notifies (it is still waiting when the program ends, like a daemon
//! thread), and another waits on a condition while holding an unrelated
//! lock, blocking every thread that needs that lock, the notifier
//! included. `lockscope analyze` reports a thread blocked forever and a
//! wait while holding.

use std::sync::Arc;
use std::time::Duration;

use lockscope::sync::prelude::*;
use lockscope::sync::{record_default, thread, Condvar, Mutex};

fn main() -> std::io::Result<()> {
    let rec = record_default(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/lockscope-traces/condition_never_notified.jsonl"
    ))?;
    let gate = Arc::new((Mutex::named("gate", false), Condvar::named("gate_open")));
    let config = Arc::new(Mutex::named("config", 0u32));

    let forgotten = {
        let gate = gate.clone();
        thread::Builder::new()
            .name("forgotten".into())
            .spawn(move || {
                let (lock, cond) = &*gate;
                let mut open = lock.lock();
                cond.wait_while(&mut open, |open| !*open);
                println!("forgotten: passed the gate (never printed)");
            })?
    };
    let holder = {
        let (gate, config) = (gate.clone(), config.clone());
        thread::Builder::new()
            .name("holder".into())
            .spawn(move || {
                let (lock, cond) = &*gate;
                let _config = config.lock();
                let mut open = lock.lock();
                let timed_out = cond
                    .wait_while_for(&mut open, |open| !*open, Duration::from_millis(30))
                    .timed_out();
                println!("holder: waited holding `config`, timed out: {timed_out}");
            })?
    };
    holder.join().expect("holder panicked");
    thread::sleep(Duration::from_millis(20));
    println!(
        "main: `forgotten` still waiting: {}, exiting without joining it",
        !forgotten.is_finished()
    );
    // Leave the trace open: the exit hook finishes it after the main
    // thread's exit is recorded, so the trace shows nobody left to wake
    // the waiter.
    println!("trace: {}", rec.path().display());
    std::mem::forget(rec);
    Ok(())
}
