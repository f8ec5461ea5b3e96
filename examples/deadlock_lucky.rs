//! Seed scenario 3, the run that happened not to hang: `task1` takes plate
//! then chopsticks, `task2` chopsticks then plate, but `task2` starts late
//! (it sleeps first), so `task1` is done before it begins and nothing hangs.
//! The orders are still inverted: `lockscope analyze` predicts the deadlock
//! another schedule reaches, with both threads' acquisition sites.

use std::sync::Arc;
use std::time::Duration;

use lockscope::sync::prelude::*;
use lockscope::sync::{record_default, thread, Mutex};

fn task(first: &Mutex<()>, second: &Mutex<()>) {
    let _a = first.lock();
    let _b = second.lock();
}

fn main() -> std::io::Result<()> {
    let rec = record_default(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/lockscope-traces/deadlock_lucky.jsonl"
    ))?;
    let plate = Arc::new(Mutex::named("plate", ()));
    let chopsticks = Arc::new(Mutex::named("chopsticks", ()));
    let (p, c) = (plate.clone(), chopsticks.clone());
    let t1 = thread::Builder::new()
        .name("task1".into())
        .spawn(move || task(&p, &c))?;
    let t2 = thread::Builder::new().name("task2".into()).spawn(move || {
        thread::sleep(Duration::from_millis(100));
        task(&chopsticks, &plate);
    })?;
    t1.join().expect("task1 panicked");
    t2.join().expect("task2 panicked");
    println!("both tasks ate: no deadlock this time");
    let stats = rec.finish()?;
    println!("trace: {} ({} events)", stats.path.display(), stats.events);
    Ok(())
}
