//! Seed scenario 2: the lost update fixed with a lock around the
//! read-modify-write (the tutorials' `SharedCounter.incr/decr`). Prints 0;
//! `lockscope analyze` reports nothing.

use std::sync::Arc;
use std::time::Duration;

use lockscope::sync::prelude::*;
use lockscope::sync::{record_default, thread, Mutex, Tracked};

fn main() -> std::io::Result<()> {
    let rec = record_default(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/lockscope-traces/lost_update_locked.jsonl"
    ))?;
    let x = Arc::new(Tracked::named("x", 100));
    let lock = Arc::new(Mutex::named("x_lock", ()));
    let workers: Vec<_> = (0..100)
        .map(|_| {
            let (x, lock) = (x.clone(), lock.clone());
            thread::spawn(move || {
                let _held = lock.lock();
                let temp = x.get();
                thread::sleep(Duration::from_micros(200));
                x.set(temp - 1);
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker panicked");
    }
    println!("x = {}", x.get());
    let stats = rec.finish()?;
    println!("trace: {} ({} events)", stats.path.display(), stats.events);
    Ok(())
}
