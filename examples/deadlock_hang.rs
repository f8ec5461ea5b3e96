//! Seed scenario 3 as the tutorials have it: `task1` takes plate then
//! chopsticks, `task2` chopsticks then plate, with a sleep in between, all
//! with plain `lock()`. The program really deadlocks. lockscope's watchdog
//! finds the cycle (well within a second) and, with the deadlock policy set
//! to `panic`, the deadlocked threads panic; the first to unwind releases
//! its lock, so the other may finish. The example reports which threads
//! panicked and exits; the trace holds the runtime's deadlock note and the
//! blocked requests.

use std::sync::Arc;
use std::time::{Duration, Instant};

use lockscope::sync::policy::{self, Action, Policy};
use lockscope::sync::prelude::*;
use lockscope::sync::{record_default, thread, Mutex};

fn task(first: &Mutex<()>, second: &Mutex<()>) {
    let _a = first.lock();
    thread::sleep(Duration::from_millis(50));
    let _b = second.lock();
}

fn main() -> std::io::Result<()> {
    let rec = record_default(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/lockscope-traces/deadlock_hang.jsonl"
    ))?;
    policy::set_policy(
        Policy::default()
            .on_deadlock(Action::Panic)
            .watchdog(Some(Duration::from_millis(100))),
    );
    let plate = Arc::new(Mutex::named("plate", ()));
    let chopsticks = Arc::new(Mutex::named("chopsticks", ()));
    let start = Instant::now();
    let (p, c) = (plate.clone(), chopsticks.clone());
    let t1 = thread::Builder::new()
        .name("task1".into())
        .spawn(move || task(&p, &c))?;
    let t2 = thread::Builder::new()
        .name("task2".into())
        .spawn(move || task(&chopsticks, &plate))?;
    let results = [("task1", t1.join()), ("task2", t2.join())];
    let elapsed = start.elapsed();
    for (name, r) in &results {
        match r {
            Ok(()) => println!("{name}: finished"),
            Err(_) => println!("{name}: panicked (deadlock broken by the watchdog)"),
        }
    }
    let panicked = results.iter().filter(|(_, r)| r.is_err()).count();
    println!("{panicked} thread(s) panicked; the deadlock was broken after {elapsed:?}");
    let stats = rec.finish()?;
    println!("trace: {} ({} events)", stats.path.display(), stats.events);
    Ok(())
}
