//! Seed scenario 8: threads wait on a condition until it lets `n` of them
//! go. Five waiters; the main thread raises the allowance to 3, then to 5,
//! notifying each time.

use std::sync::Arc;
use std::time::Duration;

use lockscope::sync::prelude::*;
use lockscope::sync::{record_default, thread, Condvar, Mutex};

fn main() -> std::io::Result<()> {
    let rec = record_default(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/lockscope-traces/condition.jsonl"
    ))?;
    // (allowed, gone)
    let state = Arc::new((
        Mutex::named("gate", (0usize, 0usize)),
        Condvar::named("gate_open"),
    ));
    let waiters: Vec<_> = (0..5)
        .map(|i| {
            let state = state.clone();
            thread::spawn(move || {
                let (lock, cond) = &*state;
                let mut g = lock.lock();
                cond.wait_while(&mut g, |(allowed, gone)| *gone >= *allowed);
                g.1 += 1;
                println!("thread {i} passes ({} of {})", g.1, g.0);
            })
        })
        .collect();
    for allowed in [3, 5] {
        thread::sleep(Duration::from_millis(20));
        let (lock, cond) = &*state;
        lock.lock().0 = allowed;
        cond.notify_all();
    }
    for w in waiters {
        w.join().expect("waiter panicked");
    }
    let stats = rec.finish()?;
    println!("trace: {} ({} events)", stats.path.display(), stats.events);
    Ok(())
}
