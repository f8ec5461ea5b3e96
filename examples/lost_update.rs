//! Seed scenario 1, the lost update: `x = 100`; 100 threads each do
//! `temp = x; sleep; x = temp - 1`. Every thread reads 100 before anyone
//! writes, so the program prints 99, not 0, and `lockscope analyze` reports
//! the lost writes.
//!
//! `cargo run --example lost_update`, then
//! `lockscope analyze target/lockscope-traces/lost_update.jsonl`.

use std::time::Duration;

use lockscope::sync::{record_default, thread, Tracked};

fn main() -> std::io::Result<()> {
    let rec = record_default(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/lockscope-traces/lost_update.jsonl"
    ))?;
    let x = std::sync::Arc::new(Tracked::named("x", 100));
    let workers: Vec<_> = (0..100)
        .map(|_| {
            let x = x.clone();
            thread::spawn(move || {
                let temp = x.get();
                thread::sleep(Duration::from_millis(50));
                x.set(temp - 1);
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker panicked");
    }
    println!("x = {} (0 if no update were lost)", x.get());
    let stats = rec.finish()?;
    println!("trace: {} ({} events)", stats.path.display(), stats.events);
    Ok(())
}
