//! Seed scenario 9, the failure: a producer puts two items on a queue that
//! three consumers read; the third consumer never gets an item. It is still
//! waiting when the program ends (like a daemon thread): `lockscope
//! analyze` reports it blocked forever.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use lockscope::sync::prelude::*;
use lockscope::sync::{record_default, thread, Condvar, Mutex};

struct Queue {
    items: Mutex<VecDeque<u32>>,
    not_empty: Condvar,
}

impl Queue {
    fn put(&self, v: u32) {
        self.items.lock().push_back(v);
        self.not_empty.notify_one();
    }

    fn get(&self) -> u32 {
        let mut q = self.items.lock();
        self.not_empty.wait_while(&mut q, |q| q.is_empty());
        q.pop_front().expect("not empty")
    }
}

fn main() -> std::io::Result<()> {
    let rec = record_default(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/lockscope-traces/consumer_starved.jsonl"
    ))?;
    let q = Arc::new(Queue {
        items: Mutex::named("queue", VecDeque::new()),
        not_empty: Condvar::named("not_empty"),
    });
    // Not part of the scenario: lets main know every consumer is running
    // (a std barrier, so the trace does not show it).
    let running = Arc::new(std::sync::Barrier::new(4));
    let consumers: Vec<_> = (0..3)
        .map(|i| {
            let (q, running) = (q.clone(), running.clone());
            thread::Builder::new()
                .name(format!("consumer-{i}"))
                .spawn(move || {
                    running.wait();
                    println!("consumer-{i} got {}", q.get());
                })
        })
        .collect::<Result<_, _>>()?;
    running.wait();
    let producer = {
        let q = q.clone();
        thread::Builder::new()
            .name("producer".into())
            .spawn(move || (1..=2).for_each(|v| q.put(v)))?
    };
    producer.join().expect("producer panicked");
    thread::sleep(Duration::from_millis(50));
    let waiting = consumers.iter().filter(|c| !c.is_finished()).count();
    println!("main: {waiting} consumer(s) still waiting, exiting without joining them");
    // Leave the trace open: the exit hook finishes it after the main
    // thread's exit is recorded, so the trace shows nobody left to wake
    // the waiter.
    println!("trace: {}", rec.path().display());
    std::mem::forget(rec);
    Ok(())
}
