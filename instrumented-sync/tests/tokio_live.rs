//! The live checks over tasks: the watchdog reports a cycle of tasks
//! pending on each other's async locks within a second, with the threads'
//! report, and by default the program goes on; with `panic` the pending
//! tasks panic. A cancelled wait leaves no wait-for edge behind. A task
//! whose poll ends holding a blocking lock is reported as it yields. On
//! the current-thread and the multi-thread runtime. Serialised: the
//! policy and the watchdog are global.

// Holding a guard across an await is what a test here checks.
#![allow(clippy::await_holding_lock)]

mod runtimes;

use std::sync::{Arc, Mutex as StdMutex, MutexGuard as StdGuard};
use std::time::{Duration, Instant};

use lockscope_detector::finding::{Detail, Finding, FindingKind};
use lockscope_sync::policy::{self, Action, Policy};
use lockscope_sync::prelude::Named;
use lockscope_sync::tokio_sync::{self, Mutex};

use runtimes::runtimes;

fn serial() -> StdGuard<'static, ()> {
    static LOCK: StdMutex<()> = StdMutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

type Sink = Arc<StdMutex<Vec<Finding>>>;

/// A callback that collects findings into the returned sink.
fn collect() -> (Action, Sink) {
    let sink: Sink = Arc::default();
    let s = sink.clone();
    (
        Action::callback(move |f| s.lock().unwrap().push(f.clone())),
        sink,
    )
}

/// Two tasks that each take one lock, wait for the other to hold its
/// own, then take the other's: both pend for good.
fn inversion(a: &Arc<Mutex<u32>>, b: &Arc<Mutex<u32>>) -> [tokio_sync::JoinHandle<()>; 2] {
    let both = Arc::new(tokio::sync::Barrier::new(2));
    let task = |name: &str, first: Arc<Mutex<u32>>, second: Arc<Mutex<u32>>| {
        let both = both.clone();
        tokio_sync::spawn_named(name, async move {
            let _first = first.lock().await;
            both.wait().await;
            let _second = second.lock().await;
        })
    };
    [
        task("alice-to-bob", a.clone(), b.clone()),
        task("bob-to-alice", b.clone(), a.clone()),
    ]
}

/// Waits (up to `secs`) until `sink` has a finding; how long it took.
async fn first_finding(sink: &Sink, secs: u64) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        if !sink.lock().unwrap().is_empty() {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

#[test]
fn a_cycle_of_pending_tasks_is_reported_within_a_second_and_the_program_goes_on() {
    let _s = serial();
    for rt in runtimes() {
        let (cb, sink) = collect();
        policy::set_policy(Policy::default().on_task_deadlock(cb));
        let a = Arc::new(Mutex::named("alice", 0));
        let b = Arc::new(Mutex::named("bob", 0));
        rt.block_on(async {
            let tasks = inversion(&a, &b);
            let took = first_finding(&sink, 5).await.expect("no deadlock reported");
            assert!(took < Duration::from_secs(1), "took {took:?}");
            // Nothing is blocked: other tasks still run.
            assert_eq!(tokio::spawn(async { 7 }).await.unwrap(), 7);
            tokio::time::sleep(Duration::from_millis(300)).await;
            assert!(tasks.iter().all(|t| !t.is_finished()));
            for t in &tasks {
                t.abort();
            }
        });
        let found = sink.lock().unwrap().clone();
        assert_eq!(found.len(), 1, "reported once: {found:#?}");
        let f = &found[0];
        assert_eq!(f.kind, FindingKind::Deadlock);
        let mut threads = f.threads.clone();
        threads.sort();
        assert_eq!(threads, ["alice-to-bob", "bob-to-alice"]);
        let mut locks = f.primitives.clone();
        locks.sort();
        assert_eq!(locks, ["alice", "bob"]);
        let Detail::Deadlock { links, .. } = &f.detail else {
            panic!("{:?}", f.detail);
        };
        assert!(links.iter().all(|l| l.holds.is_some()), "{links:?}");
        // The aborted tasks released their locks.
        rt.block_on(async {
            drop(a.lock().await);
            drop(b.lock().await);
        });
    }
    policy::set_policy(Policy::default());
}

#[test]
fn with_the_panic_action_the_pending_tasks_panic_and_release_their_locks() {
    let _s = serial();
    for rt in runtimes() {
        policy::set_policy(Policy::default().on_task_deadlock(Action::Panic));
        let a = Arc::new(Mutex::named("alice", 0));
        let b = Arc::new(Mutex::named("bob", 0));
        rt.block_on(async {
            let [t1, t2] = inversion(&a, &b);
            let joined =
                tokio::time::timeout(Duration::from_secs(5), async { (t1.await, t2.await) })
                    .await
                    .expect("the deadlocked tasks did not end");
            for r in [joined.0, joined.1] {
                let e = r.expect_err("a deadlocked task panics");
                assert!(e.is_panic());
                let text = e.into_panic().downcast::<String>().unwrap();
                assert!(text.contains("DEADLOCK"), "{text}");
            }
            drop(a.lock().await);
            drop(b.lock().await);
        });
    }
    policy::set_policy(Policy::default());
}

#[test]
fn a_cancelled_wait_leaves_no_wait_for_edge() {
    let _s = serial();
    for rt in runtimes() {
        let (cb, sink) = collect();
        policy::set_policy(Policy::default().on_task_deadlock(cb));
        let first = Arc::new(Mutex::named("first", 0));
        let second = Arc::new(Mutex::named("second", 0));
        rt.block_on(async {
            let one = first.clone().lock_owned().await;
            let (holds_second, release) = tokio::sync::oneshot::channel();
            let other = tokio_sync::spawn_named("other", {
                let (first, second) = (first.clone(), second.clone());
                async move {
                    let _two = second.lock().await;
                    // Pending on `first`, then cancelled by the timeout.
                    let gave_up =
                        tokio::time::timeout(Duration::from_millis(50), first.lock()).await;
                    assert!(gave_up.is_err());
                    holds_second.send(()).unwrap();
                    // Holds `second` for several watchdog intervals.
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            });
            release.await.unwrap();
            // Pending on `second` while `other` holds it: were the
            // cancelled wait still there, this would close a cycle.
            let two = tokio::time::timeout(Duration::from_secs(5), second.lock())
                .await
                .expect("`other` releases `second`");
            drop((one, two));
            other.await.unwrap();
        });
        let found = sink.lock().unwrap().clone();
        assert!(found.is_empty(), "{found:#?}");
    }
    policy::set_policy(Policy::default());
}

/// A local task that holds a blocking lock across a yield (unless
/// `drop_first`), spawned with lockscope's `spawn_local`; the findings.
fn yield_holding(drop_first: bool) -> Vec<Finding> {
    let (cb, sink) = collect();
    policy::set_policy(Policy::default().on_held_across_await(cb));
    let m = Arc::new(lockscope_sync::Mutex::named("config", 0));
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        let task = tokio_sync::spawn_local({
            let m = m.clone();
            async move {
                let mut g = m.lock();
                *g += 1;
                if drop_first {
                    drop(g);
                    tokio::task::yield_now().await;
                } else {
                    tokio::task::yield_now().await;
                    *g += 1;
                }
            }
        });
        task.await.unwrap();
    });
    policy::set_policy(Policy::default());
    let found = sink.lock().unwrap().clone();
    found
}

#[test]
fn a_task_that_yields_holding_a_blocking_lock_is_reported_as_it_yields() {
    let _s = serial();
    let found = yield_holding(false);
    assert_eq!(found.len(), 1, "{found:#?}");
    let f = &found[0];
    assert_eq!(f.kind, FindingKind::HeldAcrossAwait);
    assert_eq!(f.primitives, ["config"]);
    let Detail::HeldAcrossAwait { task, site, .. } = &f.detail else {
        panic!("{:?}", f.detail);
    };
    assert!(task.starts_with("task-"), "{task}");
    assert!(
        site.as_deref().unwrap().contains("tokio_live.rs"),
        "{site:?}"
    );
}

#[test]
fn a_guard_dropped_before_the_await_is_not_reported() {
    let _s = serial();
    let found = yield_holding(true);
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn a_cycle_of_a_pending_wait_and_a_thread_blocked_in_a_task_is_one_deadlock() {
    let _s = serial();
    policy::set_policy(Policy::default().on_deadlock(Action::Panic));
    let rt = &runtimes()[1];
    let cache = Arc::new(Mutex::named("cache", 0));
    let config = Arc::new(lockscope_sync::Mutex::named("config", 0));
    let (cache_held, wait_cache) = std::sync::mpsc::channel();
    let (config_held, wait_config) = tokio::sync::oneshot::channel();
    // A task takes `cache` (async), then blocks its worker on `config`.
    let entered = rt.enter();
    let writer = tokio_sync::spawn_named("cache-writer", {
        let (cache, config) = (cache.clone(), config.clone());
        async move {
            let _cache = cache.lock().await;
            cache_held.send(()).unwrap();
            wait_config.await.unwrap();
            *config.lock() += 1;
        }
    });
    drop(entered);
    // A thread takes `config` (blocking), then waits for `cache`.
    let holder = std::thread::Builder::new()
        .name("config-holder".into())
        .spawn({
            let (cache, config, handle) = (cache.clone(), config.clone(), rt.handle().clone());
            move || {
                wait_cache.recv().unwrap();
                let _config = config.lock();
                config_held.send(()).unwrap();
                *handle.block_on(cache.lock()) += 1;
            }
        })
        .unwrap();
    let joined = rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(5), writer)
            .await
            .expect("the deadlock was not broken")
    });
    // Both panicked with the report: the worker blocked in the task (which
    // dropped `cache`), and the thread's pending wait for `cache`.
    let e = joined.expect_err("the task blocked in the cycle panics");
    let text = e.into_panic().downcast::<String>().unwrap();
    assert!(
        text.starts_with(
            "lockscope: deadlock: cache-writer holds cache and waits for config; \
             config-holder holds config and waits for cache"
        ),
        "{text}"
    );
    assert!(text.contains("*** DEADLOCK ***"), "{text}");
    let e = holder
        .join()
        .expect_err("the thread waiting in the cycle panics");
    assert_eq!(*e.downcast::<String>().unwrap(), *text);
    // Neither lock is left held.
    assert!(config.try_lock().is_some());
    assert!(cache.try_lock().is_ok());
    policy::set_policy(Policy::default());
}
