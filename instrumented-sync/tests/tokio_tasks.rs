//! Tasks as threads of the trace: every event recorded while a tokio task
//! runs is that task's, whichever worker ran it, and a `scheduled` event
//! says which worker that was.

mod support;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use lockscope_detector::trace::{EventKind, ThreadId};
use lockscope_sync::prelude::Identity;
use lockscope_sync::Mutex;

use support::{assert_legal, record, Trace};

/// The threads whose name starts with `task-`.
fn tasks(t: &Trace) -> HashSet<ThreadId> {
    (0..t.meta.threads.len())
        .map(|i| ThreadId(i as u32))
        .filter(|&th| t.meta.thread(th).display_name().starts_with("task-"))
        .collect()
}

#[test]
fn each_task_is_a_thread_and_its_worker_is_named() {
    let m = Arc::new(Mutex::new(0u32));
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let ((), t) = record(|| {
        rt.block_on(async {
            let mut handles = Vec::new();
            for _ in 0..2 {
                let m = m.clone();
                handles.push(tokio::spawn(async move {
                    for _ in 0..3 {
                        *m.lock() += 1;
                        tokio::task::yield_now().await;
                    }
                }));
            }
            for h in handles {
                h.await.unwrap();
            }
        })
    });
    assert_legal(&t);
    let obj = t.obj(m.identity().id());
    let tasks = tasks(&t);
    assert_eq!(tasks.len(), 2, "two task threads: {:?}", t.meta.threads);
    let lockers: HashSet<ThreadId> = t
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Acquired { obj: o, .. } if o == obj))
        .map(|e| e.thread)
        .collect();
    assert_eq!(lockers, tasks, "every acquisition is a task's");
    // The one worker (this thread) ran both tasks: before each of a
    // task's acquisitions, the latest `scheduled` names that task.
    let mut running = None;
    let mut workers = HashSet::new();
    for e in &t.events {
        match e.kind {
            EventKind::Scheduled { worker } => {
                workers.insert(worker);
                running = Some(e.thread);
            }
            EventKind::Acquired { obj: o, .. } if o == obj => {
                assert_eq!(running, Some(e.thread), "{:?}", t.events);
            }
            _ => {}
        }
    }
    assert_eq!(workers.len(), 1);
    assert!(!tasks.iter().any(|task| workers.contains(task)));
}

#[test]
fn a_task_moving_between_workers_keeps_its_order() {
    const TASKS: usize = 4;
    const ROUNDS: usize = 500;
    let m = Arc::new(Mutex::new(0u64));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let ((), t) = record(|| {
        rt.block_on(async {
            let handles: Vec<_> = (0..TASKS)
                .map(|_| {
                    let m = m.clone();
                    tokio::spawn(async move {
                        for _ in 0..ROUNDS {
                            *m.lock() += 1;
                            tokio::task::yield_now().await;
                        }
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
        })
    });
    assert_legal(&t);
    let obj = t.obj(m.identity().id());
    let tasks = tasks(&t);
    assert_eq!(tasks.len(), TASKS);
    // Per task: every acquisition is followed by its release before the
    // next acquisition, in the file's (time) order, on whatever worker.
    let mut holding: HashMap<ThreadId, bool> = HashMap::new();
    let mut acquired: HashMap<ThreadId, usize> = HashMap::new();
    for e in &t.events {
        match e.kind {
            EventKind::Acquired { obj: o, .. } if o == obj => {
                assert!(tasks.contains(&e.thread));
                assert!(!holding.insert(e.thread, true).unwrap_or(false));
                *acquired.entry(e.thread).or_default() += 1;
            }
            EventKind::Released { obj: o, .. } if o == obj => {
                assert!(holding.insert(e.thread, false).unwrap_or(false));
            }
            _ => {}
        }
    }
    assert!(acquired.values().all(|&n| n == ROUNDS), "{acquired:?}");
}
