//! Seed scenario 3, the classic deadlock: `task1` takes A then B, `task2`
//! takes B then A, with a sleep in between (the tutorials' plate and
//! chopsticks). The real program hangs; here each second acquisition gives
//! up after a timeout so the example ends, and the trace still shows both
//! threads blocked on each other's lock (`lockscope analyze` reports the
//! cycle with both sites). Run it with `LOCKSCOPE_ON_DEADLOCK=log` or the
//! default watchdog to see the live report instead.

use std::sync::Arc;
use std::time::Duration;

use lockscope::sync::prelude::*;
use lockscope::sync::{record_default, thread, Mutex};

fn task(first: Arc<Mutex<()>>, second: Arc<Mutex<()>>, me: &str) {
    let _a = first.lock();
    thread::sleep(Duration::from_millis(50));
    match second.try_lock_for(Duration::from_millis(300)) {
        Some(_b) => println!("{me}: got both locks (no deadlock this time)"),
        None => println!("{me}: deadlocked, gave up after 300 ms"),
    }
}

fn main() -> std::io::Result<()> {
    let rec = record_default(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/lockscope-traces/deadlock_opposite_order.jsonl"
    ))?;
    let plate = Arc::new(Mutex::named("plate", ()));
    let chopsticks = Arc::new(Mutex::named("chopsticks", ()));
    let (p, c) = (plate.clone(), chopsticks.clone());
    let t1 = thread::Builder::new()
        .name("task1".into())
        .spawn(move || task(p, c, "task1"))?;
    let t2 = thread::Builder::new()
        .name("task2".into())
        .spawn(move || task(chopsticks, plate, "task2"))?;
    t1.join().expect("task1 panicked");
    t2.join().expect("task2 panicked");
    let stats = rec.finish()?;
    println!("trace: {} ({} events)", stats.path.display(), stats.events);
    Ok(())
}
