//! What real crates' test suites do, reduced to the smallest program that
//! shows how lockscope reports it (docs/real-world.md).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use lockscope::detector::analysis::{analyze, Config, Input};
use lockscope::detector::finding::FindingKind;
use lockscope::detector::trace;
use lockscope::sync::{Condvar, Mutex};

/// An idle worker of a thread pool: waits on its own condvar until told to
/// stop (scheduled-thread-pool 0.2.8's workers, which r2d2 starts per
/// pool, have this shape).
struct Worker {
    jobs: Mutex<u32>,
    ready: Condvar,
    stop: AtomicBool,
}

/// Three idle workers, each blocked on its own condvar when the trace ends
/// (the test process exits with its pools' workers parked), then stopped.
fn idle_pools_at_the_end_of_a_trace() -> lockscope::detector::report::Report {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace");
    let rec = lockscope::sync::record_to(&path).unwrap();
    let workers: Vec<Arc<Worker>> = (0..3)
        .map(|_| {
            Arc::new(Worker {
                jobs: Mutex::new(0),
                ready: Condvar::new(),
                stop: AtomicBool::new(false),
            })
        })
        .collect();
    let handles: Vec<_> = workers
        .iter()
        .map(|w| {
            let w = Arc::clone(w);
            std::thread::Builder::new()
                .name("pool-worker-0".into())
                .spawn(move || {
                    let mut jobs = w.jobs.lock();
                    while *jobs == 0 && !w.stop.load(Ordering::SeqCst) {
                        w.ready.wait_for(&mut jobs, Duration::from_secs(30));
                    }
                })
                .unwrap()
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    rec.finish().unwrap();
    for w in &workers {
        w.stop.store(true, Ordering::SeqCst);
        w.ready.notify_all();
    }
    for h in handles {
        h.join().unwrap();
    }
    let input = Input {
        name: "idle-pools".into(),
        source: trace::open(&path).unwrap(),
    };
    analyze(vec![input], &Config::default()).unwrap()
}

/// r2d2 0.8.10's tests under `cargo lockscope test` (parking_lot 0.13
/// substituted): 2,716 "deadlocks" with 1,163,684 occurrences, each a set
/// of idle `r2d2-worker-0` threads (one per pool) blocked on their own
/// condvars, printed as one thread waiting for several notifications. No
/// thread waits for another: idle workers at exit are not a deadlock, and
/// subsets of them are not cycles.
#[test]
fn idle_condvar_waiters_at_the_end_are_not_deadlocks() {
    let report = idle_pools_at_the_end_of_a_trace();
    let deadlocks: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Deadlock)
        .map(|f| f.fingerprint.clone())
        .collect();
    assert!(deadlocks.is_empty(), "deadlocks: {deadlocks:?}");
}
