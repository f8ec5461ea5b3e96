//! Seed scenario 6: `acquire(*locks)` takes locks sorted by id, so
//! `thread_1` taking `(x, y)` and `thread_2` taking `(y, x)` never
//! deadlock. A thread that already holds a lock with a larger id and asks
//! for a smaller one breaks the rule: the helper refuses with a
//! `Lock Order Violation` naming both sites.

use std::sync::Arc;
use std::time::Duration;

use lockscope::sync::order::acquire::acquire;
use lockscope::sync::prelude::*;
use lockscope::sync::{record_default, thread, Mutex};

fn main() -> std::io::Result<()> {
    let rec = record_default(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/lockscope-traces/sorted_acquire.jsonl"
    ))?;
    let x = Arc::new(Mutex::named("x", 0));
    let y = Arc::new(Mutex::named("y", 0));
    let workers: Vec<_> = (0..2)
        .map(|i| {
            let (x, y) = (x.clone(), y.clone());
            thread::spawn(move || {
                for _ in 0..100 {
                    let locks = if i == 0 { [&*x, &*y] } else { [&*y, &*x] };
                    let mut held =
                        acquire(&locks).expect("sorted acquisition never violates the order");
                    *held[0] += 1;
                    thread::sleep(Duration::from_micros(50));
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker panicked");
    }
    println!(
        "x + y = {} after 200 sorted acquisitions, no deadlock",
        *x.lock() + *y.lock()
    );
    let _y_first = y.lock();
    match acquire(&[&*x]) {
        Ok(_) => println!("no violation?!"),
        Err(violation) => println!("{violation}"),
    }
    drop(_y_first);
    let stats = rec.finish()?;
    println!("trace: {} ({} events)", stats.path.display(), stats.events);
    Ok(())
}
