//! Seed scenario 4, second half: `RLock` lets its holder acquire it again
//! and counts the acquisitions; `mutex1 = mutex2 = RLock()` is the
//! tutorials' fix for scenario 3, since both "locks" are then one lock.
//! `lockscope analyze` reports nothing.

use std::sync::Arc;
use std::time::Duration;

use lockscope::sync::{record_default, thread, ReentrantMutex};

fn main() -> std::io::Result<()> {
    let rec = record_default(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/lockscope-traces/rlock.jsonl"
    ))?;
    let rlock = Arc::new(ReentrantMutex::named("rlock", ()));
    let (mutex1, mutex2) = (rlock.clone(), rlock.clone());
    let workers: Vec<_> = (0..2)
        .map(|i| {
            let (a, b) = if i == 0 {
                (mutex1.clone(), mutex2.clone())
            } else {
                (mutex2.clone(), mutex1.clone())
            };
            thread::spawn(move || {
                let _first = a.lock();
                thread::sleep(Duration::from_millis(10));
                let _second = b.lock();
                println!("thread {i}: holds the RLock twice");
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker panicked");
    }
    let stats = rec.finish()?;
    println!("trace: {} ({} events)", stats.path.display(), stats.events);
    Ok(())
}
