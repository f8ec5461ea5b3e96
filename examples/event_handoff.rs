//! Seed scenario 7: a server thread sets an Event once it has started;
//! clients `wait()` for it. A second event is never set: its client waits
//! with `wait(timeout)` three times, then gives up; `lockscope analyze`
//! points at the waits nobody could end.

use std::sync::Arc;
use std::time::Duration;

use lockscope::sync::{record_default, thread, Event};

fn main() -> std::io::Result<()> {
    let rec = record_default(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/lockscope-traces/event_handoff.jsonl"
    ))?;
    let started = Arc::new(Event::named("server_started"));
    let shutdown = Arc::new(Event::named("never_set"));
    let clients: Vec<_> = (0..3)
        .map(|i| {
            let started = started.clone();
            thread::spawn(move || {
                started.wait();
                println!("client {i}: server is up");
            })
        })
        .collect();
    let patient = {
        let shutdown = shutdown.clone();
        thread::spawn(move || {
            for attempt in 1..=3 {
                if shutdown.wait_timeout(Duration::from_millis(30)) {
                    return;
                }
                println!("patient client: attempt {attempt} timed out");
            }
            println!("patient client: giving up");
        })
    };
    let server = {
        let started = started.clone();
        thread::Builder::new()
            .name("server".into())
            .spawn(move || {
                thread::sleep(Duration::from_millis(20));
                started.set();
            })?
    };
    server.join().expect("server panicked");
    for c in clients {
        c.join().expect("client panicked");
    }
    patient.join().expect("patient client panicked");
    let stats = rec.finish()?;
    println!("trace: {} ({} events)", stats.path.display(), stats.events);
    Ok(())
}
