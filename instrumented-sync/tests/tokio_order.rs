//! The learned lock order over async locks: two tasks that take two async
//! locks in opposite orders, one after the other (nothing hangs), are
//! reported live as a potential deadlock with the threads' report and the
//! policy's lock-order action; the same order is not. A task's held locks
//! follow it across awaits and workers, and a guard released by another
//! task leaves nothing behind. On the current-thread and the multi-thread
//! runtime. Serialised: the policy is global.

mod runtimes;

use std::sync::{Arc, Mutex as StdMutex, MutexGuard as StdGuard};

use lockscope_detector::finding::{Finding, FindingKind};
use lockscope_sync::order::acquire::ViolationKind;
use lockscope_sync::policy::{self, Action, Policy};
use lockscope_sync::tokio_sync::{self, Mutex, RwLock};

use runtimes::runtimes;

fn serial() -> StdGuard<'static, ()> {
    static LOCK: StdMutex<()> = StdMutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

type Sink = Arc<StdMutex<Vec<Finding>>>;

/// Collects the lock-order findings for the duration of `f`.
fn lock_order_findings(f: impl FnOnce()) -> Vec<Finding> {
    let sink: Sink = Arc::default();
    let s = sink.clone();
    let cb = Action::callback(move |f| s.lock().unwrap().push(f.clone()));
    policy::set_policy(Policy::default().on_lock_order(cb));
    f();
    policy::set_policy(Policy::default());
    let found = sink.lock().unwrap().clone();
    found
}

type Account = Arc<Mutex<i64>>;

/// Locks `first`, yields (the task may move to another worker), then
/// locks `second`.
async fn transfer(first: Account, second: Account) {
    let mut a = first.lock().await;
    tokio::task::yield_now().await;
    let mut b = second.lock().await;
    *a -= 1;
    *b += 1;
}

/// Two tasks, the second started after the first is done: `alice -> bob`
/// then `bob -> alice` (or `alice -> bob` twice with `same_order`).
fn two_transfers(rt: &tokio::runtime::Runtime, same_order: bool) -> (Account, Account) {
    let alice: Account = Arc::new(Mutex::named("alice", 100));
    let bob: Account = Arc::new(Mutex::named("bob", 100));
    rt.block_on(async {
        tokio_sync::spawn_named("alice -> bob", transfer(alice.clone(), bob.clone()))
            .await
            .unwrap();
        let (first, second) = if same_order {
            (alice.clone(), bob.clone())
        } else {
            (bob.clone(), alice.clone())
        };
        tokio_sync::spawn_named("second transfer", transfer(first, second))
            .await
            .unwrap();
    });
    (alice, bob)
}

fn sorted(v: &[String]) -> Vec<&str> {
    let mut v: Vec<&str> = v.iter().map(String::as_str).collect();
    v.sort_unstable();
    v
}

#[test]
fn an_inversion_between_two_tasks_is_a_potential_deadlock_before_anything_hangs() {
    let _s = serial();
    for rt in runtimes() {
        let found = lock_order_findings(|| {
            two_transfers(&rt, false);
        });
        assert_eq!(found.len(), 1, "{found:#?}");
        let f = &found[0];
        assert_eq!(f.kind, FindingKind::PotentialDeadlock);
        assert_eq!(sorted(&f.primitives), ["alice", "bob"]);
        assert_eq!(sorted(&f.threads), ["alice -> bob", "second transfer"]);
        // The threads' report: lockdep's, with both tasks' sites.
        let text = f.steps.iter().filter_map(|s| s.site.as_deref());
        assert!(
            text.clone()
                .all(|s| s.starts_with("instrumented-sync/tests/tokio_order.rs:")),
            "{:#?}",
            f.steps
        );
    }
}

#[test]
fn the_same_order_in_both_tasks_is_no_finding() {
    let _s = serial();
    for rt in runtimes() {
        let found = lock_order_findings(|| {
            two_transfers(&rt, true);
        });
        assert!(found.is_empty(), "{found:#?}");
    }
}

#[test]
fn with_the_panic_action_the_inverting_task_panics_before_it_waits_and_holds_nothing() {
    let _s = serial();
    policy::set_policy(Policy::default().on_lock_order(Action::Panic));
    let rt = &runtimes()[1];
    let alice: Account = Arc::new(Mutex::named("alice", 100));
    let bob: Account = Arc::new(Mutex::named("bob", 100));
    rt.block_on(async {
        tokio::spawn(transfer(alice.clone(), bob.clone()))
            .await
            .unwrap();
        let e = tokio::spawn(transfer(bob.clone(), alice.clone()))
            .await
            .expect_err("the inverting task panics");
        let text = e.into_panic().downcast::<String>().unwrap();
        assert!(
            text.starts_with("lockscope: potential deadlock: alice -> bob -> alice"),
            "{text}"
        );
        // Its first lock was released as it unwound; the second never taken.
        drop(alice.try_lock().expect("alice is free"));
        drop(bob.try_lock().expect("bob is free"));
    });
    policy::set_policy(Policy::default());
}

#[test]
fn an_inversion_between_a_task_and_the_runtimes_own_thread_is_found_too() {
    let _s = serial();
    let rt = &runtimes()[0];
    let found = lock_order_findings(|| {
        let (x, y) = (
            Arc::new(Mutex::named("x", 0)),
            Arc::new(Mutex::named("y", 0)),
        );
        rt.block_on(async {
            // The future `block_on` drives is no task: the thread's own code.
            {
                let _x = x.lock().await;
                let _y = y.lock().await;
            }
            let (x, y) = (x.clone(), y.clone());
            tokio::spawn(async move {
                let _y = y.lock().await;
                let _x = x.lock().await;
            })
            .await
            .unwrap();
        });
    });
    assert_eq!(found.len(), 1, "{found:#?}");
}

#[test]
fn a_guard_released_by_another_task_leaves_no_held_lock_behind() {
    let _s = serial();
    for rt in runtimes() {
        let found = lock_order_findings(|| {
            let x = Arc::new(Mutex::named("x", 0));
            let y = Arc::new(Mutex::named("y", 0));
            rt.block_on(async {
                let (x1, y1) = (x.clone(), y.clone());
                tokio::spawn(async move {
                    // Taken here, released by another task.
                    let guard = x1.lock_owned().await;
                    tokio::spawn(async move { drop(guard) }).await.unwrap();
                    // Were `x` still on this task's list: x -> y ...
                    drop(y1.lock().await);
                })
                .await
                .unwrap();
                // ... and with y -> x here, a cycle.
                tokio::spawn(async move {
                    let _y = y.lock().await;
                    let _x = x.lock().await;
                })
                .await
                .unwrap();
            });
        });
        assert!(found.is_empty(), "{found:#?}");
    }
}

#[test]
fn readers_only_on_an_async_rwlock_are_no_inversion_until_it_is_written() {
    let _s = serial();
    let rt = &runtimes()[1];
    let table = Arc::new(RwLock::named("table", 0));
    let m = Arc::new(Mutex::named("m", 0));
    let found = lock_order_findings(|| {
        rt.block_on(async {
            let (t, m2) = (table.clone(), m.clone());
            tokio::spawn(async move {
                let _r = t.read().await;
                let _m = m2.lock().await;
            })
            .await
            .unwrap();
            let (t, m2) = (table.clone(), m.clone());
            tokio::spawn(async move {
                let _m = m2.lock().await;
                let _r = t.read().await;
            })
            .await
            .unwrap();
        });
    });
    // No writer: a reader never waits for a reader.
    assert!(found.is_empty(), "{found:#?}");
    let found = lock_order_findings(|| {
        rt.block_on(async { *table.write().await += 1 });
    });
    // A writer can queue between the two readers now.
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(sorted(&found[0].primitives), ["m", "table"]);
}

#[test]
fn the_acquire_helper_takes_async_locks_in_order_and_refuses_a_held_later_one() {
    let _s = serial();
    for rt in runtimes() {
        let found = lock_order_findings(|| {
            let x = Arc::new(Mutex::named("x", 1));
            let y = Arc::new(Mutex::named("y", 2));
            rt.block_on(async {
                // Two tasks asking in opposite orders: both take x first.
                let tasks = [(x.clone(), y.clone()), (y.clone(), x.clone())].map(|(a, b)| {
                    tokio::spawn(async move {
                        let mut both = tokio_sync::acquire(&[&*a, &*b]).await.unwrap();
                        tokio::task::yield_now().await;
                        *both[0] += 1;
                        *both[1] -= 1;
                    })
                });
                for t in tasks {
                    t.await.unwrap();
                }
                let (x2, y2) = (x.clone(), y.clone());
                tokio::spawn(async move {
                    let (_held, held_line) = (y2.lock().await, line!());
                    let err = tokio_sync::acquire(&[&*x2]).await.unwrap_err();
                    let ViolationKind::HeldNotBefore { held } = &err.kind else {
                        panic!("{err}");
                    };
                    assert_eq!(held[0].0.name, Some("y"));
                    assert_eq!(held[0].1.line(), held_line);
                    assert!(err.to_string().starts_with("Lock Order Violation"), "{err}");
                    // Nothing was locked.
                    assert!(x2.try_lock().is_ok());
                })
                .await
                .unwrap();
            });
            // Each task moved one from its second lock to its first.
            assert_eq!((*x.try_lock().unwrap(), *y.try_lock().unwrap()), (1, 2));
        });
        assert!(found.is_empty(), "{found:#?}");
    }
}
