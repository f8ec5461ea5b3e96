//! The offline analyses over tasks: tasks are threads of the trace, so an
//! inversion between two tasks on async mutexes is a potential deadlock
//! before anything hangs, two tasks pending on each other's lock are a
//! deadlock (with no thread blocked), and a read-yield-write on `Tracked`
//! by two tasks is a lost update. On both runtimes.

mod support;

mod runtimes;

use std::sync::Arc;
use std::time::Duration;

use lockscope_detector::analysis::{self, Config, Input};
use lockscope_detector::finding::{Finding, FindingKind};
use lockscope_detector::trace::MemorySource;
use lockscope_sync::tokio_sync::{self, Mutex};
use lockscope_sync::Tracked;

use support::{record, Trace};

use runtimes::runtimes;

fn findings(t: &Trace, kind: FindingKind) -> Vec<Finding> {
    let source = Box::new(MemorySource::new(t.meta.clone(), t.events.clone()));
    let input = Input {
        name: "trace".into(),
        source,
    };
    let report = analysis::analyze(vec![input], &Config::default()).unwrap();
    report
        .findings
        .into_iter()
        .filter(|f| f.kind == kind)
        .collect()
}

async fn transfer(from: &Mutex<i64>, to: &Mutex<i64>, amount: i64) {
    let mut a = from.lock().await;
    tokio::task::yield_now().await;
    let mut b = to.lock().await;
    *a -= amount;
    *b += amount;
}

#[test]
fn an_inversion_between_two_tasks_is_a_potential_deadlock_without_a_hang() {
    for rt in runtimes() {
        let a = Arc::new(Mutex::named("alice", 100));
        let b = Arc::new(Mutex::named("bob", 100));
        let ((), t) = record(|| {
            rt.block_on(async {
                // One after the other: nothing hangs.
                let (x, y) = (a.clone(), b.clone());
                tokio::spawn(async move { transfer(&x, &y, 10).await })
                    .await
                    .unwrap();
                let (x, y) = (a.clone(), b.clone());
                tokio::spawn(async move { transfer(&y, &x, 5).await })
                    .await
                    .unwrap();
            })
        });
        assert!(findings(&t, FindingKind::Deadlock).is_empty());
        let predicted = findings(&t, FindingKind::PotentialDeadlock);
        assert_eq!(predicted.len(), 1, "{predicted:#?}");
        let mut locks = predicted[0].primitives.clone();
        locks.sort();
        assert_eq!(locks, ["alice", "bob"]);
        assert!(predicted[0].threads.iter().all(|t| t.starts_with("task-")));
    }
}

#[test]
fn two_tasks_pending_on_each_others_lock_are_a_deadlock() {
    for rt in runtimes() {
        let a = Arc::new(Mutex::named("alice", 100));
        let b = Arc::new(Mutex::named("bob", 100));
        let ((), t) = record(|| {
            rt.block_on(async {
                let both = Arc::new(tokio::sync::Barrier::new(2));
                let task = |from: Arc<Mutex<i64>>, to: Arc<Mutex<i64>>| {
                    let both = both.clone();
                    tokio_sync::spawn(async move {
                        let _a = from.lock().await;
                        both.wait().await;
                        let _b = to.lock().await;
                    })
                };
                let t1 = task(a.clone(), b.clone());
                let t2 = task(b.clone(), a.clone());
                // Both pend forever; no thread is blocked.
                let joined = tokio::time::timeout(Duration::from_millis(200), async {
                    t1.await.unwrap();
                    t2.await.unwrap();
                })
                .await;
                assert!(joined.is_err());
            })
        });
        // The two tasks stay pending until the runtime drops them: not
        // while another test records.
        let serial = support::serial();
        drop(rt);
        drop(serial);
        let deadlocks = findings(&t, FindingKind::Deadlock);
        assert_eq!(deadlocks.len(), 1, "{deadlocks:#?}");
        let mut threads = deadlocks[0].threads.clone();
        threads.sort();
        assert!(
            threads.iter().all(|t| t.starts_with("task-")),
            "{threads:?}"
        );
        assert_eq!(threads.len(), 2);
    }
}

#[test]
fn a_read_yield_write_by_two_tasks_is_a_lost_update() {
    for rt in runtimes() {
        let x = Arc::new(Tracked::named("balance", 100));
        let ((), t) = record(|| {
            rt.block_on(async {
                let both = Arc::new(tokio::sync::Barrier::new(2));
                let tasks: Vec<_> = (0..2)
                    .map(|_| {
                        let (x, both) = (x.clone(), both.clone());
                        tokio::spawn(async move {
                            let seen = x.get();
                            both.wait().await;
                            x.set(seen - 10);
                        })
                    })
                    .collect();
                for task in tasks {
                    task.await.unwrap();
                }
            })
        });
        assert_eq!(x.get(), 90, "one update is lost");
        let lost = findings(&t, FindingKind::LostUpdate);
        assert_eq!(lost.len(), 1, "{lost:#?}");
        assert!(lost[0].threads.iter().all(|t| t.starts_with("task-")));
    }
}
