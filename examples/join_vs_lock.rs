//! Seed scenario 11: serialising with `join` works but kills concurrency;
//! a lock keeps the critical section small. Both halves run 4 threads that
//! each do 20 ms of work plus a 1 ms critical section. `lockscope analyze`'s
//! contention statistics show the difference (hold time, wait time, owner
//! changes).

use std::sync::Arc;
use std::time::{Duration, Instant};

use lockscope::sync::prelude::*;
use lockscope::sync::{record_default, thread, Mutex, Tracked};

fn work(counter: &Tracked<u32>) {
    thread::sleep(Duration::from_millis(20));
    let v = counter.get();
    thread::sleep(Duration::from_millis(1));
    counter.set(v + 1);
}

fn main() -> std::io::Result<()> {
    let rec = record_default(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/lockscope-traces/join_vs_lock.jsonl"
    ))?;
    let counter = Arc::new(Tracked::named("counter", 0));

    let start = Instant::now();
    for _ in 0..4 {
        let c = counter.clone();
        thread::spawn(move || work(&c))
            .join()
            .expect("worker panicked");
    }
    println!("join after each spawn: {:?} (serial)", start.elapsed());

    let lock = Arc::new(Mutex::named("counter_lock", ()));
    let start = Instant::now();
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (c, lock) = (counter.clone(), lock.clone());
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(20));
                let _g = lock.lock();
                let v = c.get();
                thread::sleep(Duration::from_millis(1));
                c.set(v + 1);
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker panicked");
    }
    println!(
        "lock around the critical section: {:?} (concurrent)",
        start.elapsed()
    );
    println!("counter = {}", counter.get());
    let stats = rec.finish()?;
    println!("trace: {} ({} events)", stats.path.display(), stats.events);
    Ok(())
}
