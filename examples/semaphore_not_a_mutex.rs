//! Seed scenario 5: `Semaphore(5)` and 30 threads running the lost-update
//! body. At most 5 run the critical section at once, but 5 is not 1: the
//! updates are still lost, and `lockscope analyze` says so.

use std::sync::Arc;
use std::time::Duration;

use lockscope::sync::{record_default, thread, Semaphore, Tracked};

fn main() -> std::io::Result<()> {
    let rec = record_default(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/lockscope-traces/semaphore_not_a_mutex.jsonl"
    ))?;
    let x = Arc::new(Tracked::named("num", 30));
    let sem = Arc::new(Semaphore::named("sem", 5));
    let workers: Vec<_> = (0..30)
        .map(|_| {
            let (x, sem) = (x.clone(), sem.clone());
            thread::spawn(move || {
                let _permit = sem.acquire();
                let temp = x.get();
                thread::sleep(Duration::from_millis(10));
                x.set(temp - 1);
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker panicked");
    }
    println!("num = {} (0 if no update were lost)", x.get());
    let stats = rec.finish()?;
    println!("trace: {} ({} events)", stats.path.display(), stats.events);
    Ok(())
}
