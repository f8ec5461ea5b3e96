//! A blocking lock held by a task when it yields, found by the offline
//! analysis in a recorded trace: with plain `spawn_local` (the next task's
//! event on the worker proves the yield), with lockscope's `spawn_local`
//! (the end of the poll is recorded), and not when the guard is dropped
//! before the `.await`. The guards are not `Send`, so a task holding one
//! across an await is a local task (or the future a runtime's `block_on`
//! drives).

// Holding a guard across an await is what these tests record.
#![allow(clippy::await_holding_lock)]

mod support;

use std::sync::Arc;

use lockscope_detector::analysis::{self, Config, Input};
use lockscope_detector::finding::{Detail, Finding, FindingKind};
use lockscope_detector::trace::MemorySource;
use lockscope_sync::prelude::Named;
use lockscope_sync::stdsync;
use lockscope_sync::tokio_sync;
use lockscope_sync::Mutex;

use support::{record, Trace};

fn held_across_await(t: &Trace) -> Vec<Finding> {
    let source = Box::new(MemorySource::new(t.meta.clone(), t.events.clone()));
    let input = Input {
        name: "trace".into(),
        source,
    };
    let report = analysis::analyze(vec![input], &Config::default()).unwrap();
    report
        .findings
        .into_iter()
        .filter(|f| f.kind == FindingKind::HeldAcrossAwait)
        .collect()
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// Runs `f`'s future on a `LocalSet` on `rt`.
fn local<F: std::future::Future>(rt: &tokio::runtime::Runtime, f: F) -> F::Output {
    rt.block_on(tokio::task::LocalSet::new().run_until(f))
}

/// Two plain tasks on one worker: the first holds `m` across a yield
/// (unless `drop_first`), the second takes another lock meanwhile.
fn two_tasks(rt: &tokio::runtime::Runtime, drop_first: bool) -> (u32, Trace) {
    let m = Arc::new(Mutex::named("config", 0));
    let other = Arc::new(Mutex::named("stats", 0));
    record(|| {
        local(rt, async {
            let holder = tokio::task::spawn_local({
                let m = m.clone();
                async move {
                    let line = line!() + 1;
                    let mut g = m.lock();
                    *g += 1;
                    if drop_first {
                        drop(g);
                        tokio::task::yield_now().await;
                    } else {
                        tokio::task::yield_now().await;
                        *g += 1;
                    }
                    line
                }
            });
            let bystander = tokio::task::spawn_local(async move { *other.lock() += 1 });
            bystander.await.unwrap();
            holder.await.unwrap()
        })
    })
}

#[test]
fn a_guard_held_across_a_yield_is_proven_by_the_next_task_on_the_worker() {
    let (line, t) = two_tasks(&current_thread(), false);
    let found = held_across_await(&t);
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    let Detail::HeldAcrossAwait {
        task,
        lock,
        next,
        site,
        ..
    } = &f.detail
    else {
        panic!("{f:#?}")
    };
    assert_eq!(lock, "config");
    assert!(task.starts_with("task-") && next.starts_with("task-") && task != next);
    let here = format!("{}:{line}:", file!());
    assert!(site.as_deref().unwrap().starts_with(&here), "{site:?}");
}

#[test]
fn a_guard_dropped_before_the_await_is_not_reported() {
    let (_, t) = two_tasks(&current_thread(), true);
    assert_eq!(held_across_await(&t), []);
}

#[test]
fn lockscopes_spawn_reports_the_yield_itself() {
    // One task, alone on its worker: nothing else runs there while it
    // holds the lock, but the end of its poll is recorded.
    let m = Arc::new(stdsync::Mutex::new(0));
    let ((), t) = record(|| {
        local(&current_thread(), async {
            let task = tokio_sync::spawn_local({
                let m = m.clone();
                async move {
                    let g = m.lock().unwrap();
                    tokio::task::yield_now().await;
                    drop(g);
                }
            });
            task.await.unwrap();
        })
    });
    let found = held_across_await(&t);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        matches!(&found[0].detail, Detail::HeldAcrossAwait { task, next, .. } if task.starts_with("task-") && !next.starts_with("task-")),
        "{found:#?}"
    );
}

#[test]
fn a_held_guard_on_a_multi_thread_runtime_is_reported() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (_, t) = two_tasks(&rt, false);
    assert_eq!(held_across_await(&t).len(), 1);
}
