//! Seed scenario 7, the failure: a client waits on an Event nobody ever
//! sets. Like a Python daemon thread, it is still blocked when the program
//! ends: the main thread finishes the trace and exits without joining it.
//! `lockscope analyze` reports the client as blocked forever.

use std::sync::Arc;
use std::time::Duration;

use lockscope::sync::{record_default, thread, Event};

fn main() -> std::io::Result<()> {
    let rec = record_default(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/lockscope-traces/event_never_set.jsonl"
    ))?;
    let started = Arc::new(Event::named("server_started"));
    // Not part of the scenario: lets main know the client is running (a
    // std barrier, so the trace does not show it).
    let running = Arc::new(std::sync::Barrier::new(2));
    let client = {
        let (started, running) = (started.clone(), running.clone());
        thread::Builder::new()
            .name("client".into())
            .spawn(move || {
                running.wait();
                started.wait();
                println!("client: server is up (never printed)");
            })?
    };
    // The server that should set the event never runs; give the client time
    // to block, then end the program with it still waiting.
    running.wait();
    thread::sleep(Duration::from_millis(50));
    println!(
        "main: client still waiting: {}, exiting without joining it",
        !client.is_finished()
    );
    // Leave the trace open: the exit hook finishes it after the main
    // thread's exit is recorded, so the trace shows nobody left to set it.
    println!("trace: {}", rec.path().display());
    std::mem::forget(rec);
    Ok(())
}
