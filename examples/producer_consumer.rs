//! Seed scenario 9: producers and consumers over a bounded queue with
//! `task_done`/`join` (Python's JoinableQueue), built from a Mutex and two
//! Condvars. A clean run: `lockscope analyze` reports nothing.

use std::collections::VecDeque;
use std::sync::Arc;

use lockscope::sync::prelude::*;
use lockscope::sync::{record_default, thread, Condvar, Mutex};

struct Queue {
    items: Mutex<(VecDeque<u32>, usize)>,
    not_full: Condvar,
    not_empty: Condvar,
    all_done: Condvar,
    capacity: usize,
}

impl Queue {
    fn put(&self, v: u32) {
        let mut g = self.items.lock();
        self.not_full
            .wait_while(&mut g, |(q, _)| q.len() >= self.capacity);
        g.0.push_back(v);
        g.1 += 1;
        self.not_empty.notify_one();
    }

    fn get(&self) -> u32 {
        let mut g = self.items.lock();
        self.not_empty.wait_while(&mut g, |(q, _)| q.is_empty());
        let v = g.0.pop_front().expect("not empty");
        self.not_full.notify_one();
        v
    }

    fn task_done(&self) {
        let mut g = self.items.lock();
        g.1 -= 1;
        if g.1 == 0 {
            self.all_done.notify_all();
        }
    }

    fn join(&self) {
        let mut g = self.items.lock();
        self.all_done
            .wait_while(&mut g, |(_, unfinished)| *unfinished > 0);
    }
}

fn main() -> std::io::Result<()> {
    let rec = record_default(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/lockscope-traces/producer_consumer.jsonl"
    ))?;
    let q = Arc::new(Queue {
        items: Mutex::named("queue", (VecDeque::new(), 0)),
        not_full: Condvar::named("not_full"),
        not_empty: Condvar::named("not_empty"),
        all_done: Condvar::named("all_tasks_done"),
        capacity: 4,
    });
    let consumers: Vec<_> = (0..3)
        .map(|_| {
            let q = q.clone();
            thread::spawn(move || loop {
                let v = q.get();
                q.task_done();
                if v == u32::MAX {
                    break;
                }
            })
        })
        .collect();
    let producers: Vec<_> = (0..2)
        .map(|p| {
            let q = q.clone();
            thread::spawn(move || (0..50).for_each(|i| q.put(p * 100 + i)))
        })
        .collect();
    for p in producers {
        p.join().expect("producer panicked");
    }
    q.join();
    println!("all 100 items processed");
    for _ in &consumers {
        q.put(u32::MAX);
    }
    for c in consumers {
        c.join().expect("consumer panicked");
    }
    let stats = rec.finish()?;
    println!("trace: {} ({} events)", stats.path.display(), stats.events);
    Ok(())
}
