//! Seed scenario 4, first half: a plain lock acquired twice by one thread
//! hangs. Here the second acquisition times out so the example ends; the
//! live check reports the self-deadlock (logged, not panicking, for this
//! example) and `lockscope analyze` reports it from the trace.
//! See `rlock.rs` for the reentrant lock that allows it.

use std::time::Duration;

use lockscope::sync::policy::{self, Action, Policy};
use lockscope::sync::prelude::*;
use lockscope::sync::{record_default, Mutex};

fn main() -> std::io::Result<()> {
    policy::set_policy(Policy::default().on_self_deadlock(Action::Log));
    let rec = record_default(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/lockscope-traces/self_deadlock.jsonl"
    ))?;
    let lock = Mutex::named("lock", 0);
    let first = lock.lock();
    match lock.try_lock_for(Duration::from_millis(200)) {
        Some(_) => println!("acquired twice?!"),
        None => println!("second acquisition by the same thread would hang forever; gave up"),
    }
    drop(first);
    let stats = rec.finish()?;
    println!("trace: {} ({} events)", stats.path.display(), stats.events);
    Ok(())
}
