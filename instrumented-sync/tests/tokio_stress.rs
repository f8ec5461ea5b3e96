//! 8 tasks x 100 000 async lock operations on a multi-thread runtime: every
//! event reaches the trace, each under its task, in a legal order.

use std::collections::HashMap;
use std::sync::Arc;

use lockscope_detector::trace::{self, EventKind, ThreadId};
use lockscope_sync::tokio_sync::Mutex;

const TASKS: usize = 8;
const OPS: usize = 100_000;

#[test]
fn every_event_of_8_tasks_x_100k_async_lock_operations_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stress.lsb");
    let m = Arc::new(Mutex::named("counter", 0u64));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    let rec = lockscope_sync::record_to(&path).unwrap();
    rt.block_on(async {
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let m = m.clone();
                tokio::spawn(async move {
                    for i in 0..OPS {
                        *m.lock().await += 1;
                        if i % 64 == 0 {
                            tokio::task::yield_now().await;
                        }
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    });
    let stats = rec.finish().unwrap();
    assert_eq!(stats.stale, 0);
    assert_eq!(*m.try_lock().unwrap(), (TASKS * OPS) as u64);

    let mut src = trace::open(&path).unwrap();
    let mut acquired: HashMap<ThreadId, usize> = HashMap::new();
    let mut holder: Option<ThreadId> = None;
    let mut events = 0u64;
    let mut waiting: HashMap<ThreadId, bool> = HashMap::new();
    while let Some(e) = src.next_event().unwrap() {
        events += 1;
        match e.kind {
            EventKind::Acquired { .. } => {
                assert_eq!(holder.replace(e.thread), None, "two holders at once");
                waiting.insert(e.thread, false);
                *acquired.entry(e.thread).or_default() += 1;
            }
            EventKind::Released { .. } => {
                assert_eq!(holder.take(), Some(e.thread), "released by a non-holder");
            }
            EventKind::Request { .. } => {
                assert!(!waiting.insert(e.thread, true).unwrap_or(false));
            }
            _ => {}
        }
    }
    assert_eq!(events, stats.events);
    assert!(src.meta().warnings.is_empty(), "{:?}", src.meta().warnings);
    assert_eq!(acquired.len(), TASKS, "one trace thread per task");
    assert!(acquired.values().all(|&n| n == OPS), "{acquired:?}");
    let names: Vec<_> = acquired
        .keys()
        .map(|&t| src.meta().thread(t).display_name().to_owned())
        .collect();
    assert!(names.iter().all(|n| n.starts_with("task-")), "{names:?}");
    // Every wait ended in an acquisition.
    assert!(waiting.values().all(|w| !w), "{waiting:?}");
}
