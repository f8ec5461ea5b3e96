//! Seed scenario 10: a thread pool (ThreadPoolExecutor) with done
//! callbacks. Workers take jobs from a shared queue; each job's callback
//! adds its result under a lock. A clean trace: `lockscope analyze` reports
//! no noise from the pool workers.

use std::collections::VecDeque;
use std::sync::Arc;

use lockscope::sync::prelude::*;
use lockscope::sync::{record_default, thread, Condvar, Mutex};

type Job = Box<dyn FnOnce() -> u64 + Send>;
type Callback = Arc<dyn Fn(u64) + Send + Sync>;

struct Pool {
    jobs: Mutex<(VecDeque<(Job, Callback)>, bool)>,
    available: Condvar,
}

fn worker(pool: Arc<Pool>) {
    loop {
        let (job, done) = {
            let mut g = pool.jobs.lock();
            pool.available
                .wait_while(&mut g, |(q, closed)| q.is_empty() && !*closed);
            match g.0.pop_front() {
                Some(j) => j,
                None => return,
            }
        };
        done(job());
    }
}

fn main() -> std::io::Result<()> {
    let rec = record_default(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/lockscope-traces/thread_pool.jsonl"
    ))?;
    let pool = Arc::new(Pool {
        jobs: Mutex::named("pool_queue", (VecDeque::new(), false)),
        available: Condvar::named("job_available"),
    });
    let workers: Vec<_> = (0..4)
        .map(|i| {
            let pool = pool.clone();
            thread::Builder::new()
                .name(format!("pool-worker-{i}"))
                .spawn(move || worker(pool))
        })
        .collect::<Result<_, _>>()?;
    let results = Arc::new(Mutex::named("results", Vec::new()));
    for n in 1..=20u64 {
        let results = results.clone();
        let callback: Callback = Arc::new(move |r| results.lock().push(r));
        pool.jobs
            .lock()
            .0
            .push_back((Box::new(move || n * n), callback));
        pool.available.notify_one();
    }
    pool.jobs.lock().1 = true;
    pool.available.notify_all();
    for w in workers {
        w.join().expect("worker panicked");
    }
    let sum: u64 = results.lock().iter().sum();
    println!("sum of squares 1..=20 = {sum}");
    let stats = rec.finish()?;
    println!("trace: {} ({} events)", stats.path.display(), stats.events);
    Ok(())
}
