//! `tokio_sync`: tokio's async locks with their API, and what they and
//! lockscope's `spawn` record.

mod support;

use std::sync::Arc;
use std::time::Duration;

use lockscope_detector::analysis::{self, Config, Input};
use lockscope_detector::report::Report;
use lockscope_detector::trace::{EventKind, LockMode, MemorySource, PrimitiveKind, ThreadId};
use lockscope_sync::tokio_sync::{self, Mutex, Notify, RwLock, Semaphore};

use support::{assert_legal, record, Trace};

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
}

/// Every analysis over `t`.
fn analyze(t: &Trace) -> Report {
    let source = Box::new(MemorySource::new(t.meta.clone(), t.events.clone()));
    let input = Input {
        name: "trace".into(),
        source,
    };
    analysis::analyze(vec![input], &Config::default()).unwrap()
}

/// The events about `obj`, with their threads.
fn of(t: &Trace, obj: lockscope_detector::trace::ObjId) -> Vec<(ThreadId, EventKind)> {
    t.events
        .iter()
        .filter(|e| e.kind.obj() == Some(obj))
        .map(|e| (e.thread, e.kind))
        .collect()
}

#[test]
fn an_uncontended_lock_records_acquired_and_released_at_the_callers_line() {
    let m = Mutex::named("m", 1);
    let (line, t) = record(|| {
        current_thread().block_on(async {
            let line = line!() + 1;
            let mut g = m.lock().await;
            *g += 1;
            line
        })
    });
    let obj = t.obj(m.meta().id());
    assert_eq!(t.meta.primitive(obj).kind, PrimitiveKind::AsyncMutex);
    let kinds: Vec<_> = of(&t, obj).into_iter().map(|e| e.1).collect();
    assert_eq!(
        kinds,
        [
            EventKind::Acquired {
                obj,
                mode: LockMode::Exclusive,
                depth: 1
            },
            EventKind::Released {
                obj,
                mode: LockMode::Exclusive
            }
        ]
    );
    let acquired = t.events.iter().find(|e| e.kind.obj() == Some(obj)).unwrap();
    assert_eq!(t.site_line(acquired), Some(line));
}

#[test]
fn a_contended_lock_records_the_wait_and_cancelling_it_leaves_none() {
    let m = Arc::new(Mutex::new(0));
    let ((), t) = record(|| {
        current_thread().block_on(async {
            let held = m.lock().await;
            // Pending, then cancelled by the timeout: the wait must end.
            let quitter = tokio::spawn({
                let m = m.clone();
                async move {
                    let gave_up = tokio::time::timeout(Duration::from_millis(20), m.lock()).await;
                    assert!(gave_up.is_err());
                }
            });
            quitter.await.unwrap();
            // Pending, then granted once the holder lets go.
            let waiter = tokio::spawn({
                let m = m.clone();
                async move { *m.lock().await += 1 }
            });
            tokio::task::yield_now().await;
            drop(held);
            waiter.await.unwrap();
        })
    });
    assert_legal(&t);
    let obj = t.obj(m.meta().id());
    let names: Vec<_> = of(&t, obj).iter().map(|e| e.1.type_name()).collect();
    assert_eq!(
        names,
        [
            "acquired",
            "request",
            "try_failed",
            "request",
            "released",
            "acquired",
            "released"
        ]
    );
    // No thread is left waiting: the deadlock analysis finds nothing.
    let report = analyze(&t);
    assert!(
        report
            .findings
            .iter()
            .all(|f| !f.kind.as_str().contains("deadlock")),
        "{:?}",
        report.findings
    );
}

#[test]
fn owned_mapped_and_try_guards_keep_tokios_api() {
    let m = Arc::new(Mutex::new((1, 2)));
    let ((), t) = record(|| {
        current_thread().block_on(async {
            let g = m.clone().lock_owned().await;
            assert!(m.try_lock().is_err());
            let mut part = tokio_sync::OwnedMutexGuard::map(g, |p| &mut p.1);
            *part += 1;
            drop(part);
            let g = m.try_lock().unwrap();
            let g = tokio_sync::MutexGuard::map(g, |p| &mut p.0);
            assert_eq!(*g, 1);
            drop(g);
            assert_eq!(*m.clone().try_lock_owned().unwrap(), (1, 3));
        })
    });
    assert_legal(&t);
    let obj = t.obj(m.meta().id());
    assert_eq!(t.count(obj, "acquired"), 3);
    assert_eq!(t.count(obj, "try_failed"), 1);
    assert_eq!(t.count(obj, "released"), 3);
}

#[test]
fn blocking_lock_outside_the_runtime() {
    let m = Mutex::new(5);
    let ((), t) = record(|| {
        let g = m.blocking_lock();
        assert_eq!(*g, 5);
    });
    let obj = t.obj(m.meta().id());
    assert_eq!(t.count(obj, "acquired"), 1);
    assert_eq!(t.count(obj, "released"), 1);
}

#[test]
fn rwlock_reads_share_writes_exclude_and_a_downgrade_is_recorded() {
    let l = Arc::new(RwLock::named("table", vec![1]));
    let ((), t) = record(|| {
        current_thread().block_on(async {
            let r1 = l.read().await;
            let r2 = l.try_read().unwrap();
            assert!(l.try_write().is_err());
            drop((r1, r2));
            let mut w = l.write().await;
            w.push(2);
            let r = tokio_sync::RwLockWriteGuard::downgrade(w);
            assert_eq!(r.len(), 2);
            drop(r);
            let w = l.clone().write_owned().await;
            let r = tokio_sync::OwnedRwLockWriteGuard::downgrade(w);
            assert_eq!(r[1], 2);
        })
    });
    assert_legal(&t);
    let obj = t.obj(l.meta().id());
    assert_eq!(t.meta.primitive(obj).kind, PrimitiveKind::AsyncRwLock);
    assert_eq!(t.count(obj, "downgraded"), 2);
    let shared = of(&t, obj)
        .iter()
        .filter(|e| {
            matches!(
                e.1,
                EventKind::Released {
                    mode: LockMode::Shared,
                    ..
                }
            )
        })
        .count();
    assert_eq!(shared, 4, "two reads and two downgraded writes");
}

#[test]
fn semaphore_permits_are_counted() {
    let s = Arc::new(Semaphore::named("pool", 3));
    let ((), t) = record(|| {
        current_thread().block_on(async {
            let two = s.acquire_many(2).await.unwrap();
            assert!(s.try_acquire_many(2).is_err());
            let one = s.clone().acquire_owned().await.unwrap();
            assert_eq!(s.available_permits(), 0);
            drop((two, one));
            s.try_acquire().unwrap().forget();
            s.add_permits(1);
            s.close();
            assert!(s.acquire().await.is_err());
        })
    });
    let obj = t.obj(s.meta().id());
    let permits: Vec<_> = of(&t, obj)
        .iter()
        .filter_map(|e| match e.1 {
            EventKind::SemAcquired { permits, .. } => Some(("+", permits)),
            EventKind::SemReleased { permits, .. } => Some(("-", permits)),
            EventKind::TryFailed { .. } => Some(("x", 0)),
            _ => None,
        })
        .collect();
    assert_eq!(
        permits,
        [
            ("+", 2),
            ("x", 0),
            ("+", 1),
            ("-", 2),
            ("-", 1),
            ("+", 1),
            ("-", 1),
            ("x", 0)
        ]
    );
    assert_eq!(t.meta.primitive(obj).permits, Some(3));
}

#[test]
fn notify_orders_the_waiter_after_the_notification() {
    let n = Arc::new(Notify::new());
    let ((), t) = record(|| {
        current_thread().block_on(async {
            let waiter = tokio_sync::spawn({
                let n = n.clone();
                async move { n.notified().await }
            });
            tokio::task::yield_now().await;
            n.notify_one();
            waiter.await.unwrap();
        })
    });
    assert_legal(&t);
    let obj = t.obj(n.meta().id());
    let names: Vec<_> = of(&t, obj).iter().map(|e| e.1.type_name()).collect();
    assert_eq!(names, ["event_wait", "event_set", "event_woken"]);
}

#[test]
fn spawn_records_fork_start_exit_and_join_of_the_task() {
    let m = Arc::new(Mutex::new(0));
    let ((), t) = record(|| {
        current_thread().block_on(async {
            let task = tokio_sync::spawn_named("adder", {
                let m = m.clone();
                async move { *m.lock().await += 1 }
            });
            task.await.unwrap();
        })
    });
    assert_legal(&t);
    let task = (0..t.meta.threads.len() as u32)
        .map(ThreadId)
        .find(|&th| t.meta.thread(th).display_name() == "adder")
        .expect("the task is declared with its name");
    let info = t.meta.thread(task);
    assert!(info.spawn_site.is_some());
    let parent = info.parent.expect("the spawner is its parent");
    let seq: Vec<_> = t
        .events
        .iter()
        .filter(|e| {
            e.thread == task
                || matches!(e.kind, EventKind::Fork { child } | EventKind::Join { child } | EventKind::JoinRequest { child } if child == task)
        })
        .map(|e| (e.thread == task, e.kind.type_name()))
        .collect();
    let at = |s| seq.iter().position(|x| *x == s).unwrap();
    let order = [
        at((false, "fork")),
        at((true, "thread_start")),
        at((true, "acquired")),
        at((true, "thread_exit")),
        at((false, "join")),
    ];
    assert!(order.is_sorted(), "{seq:?}");
    assert!(t.events.iter().any(
        |e| e.thread == parent && matches!(e.kind, EventKind::Fork { child } if child == task)
    ));
}

#[test]
fn a_task_that_only_takes_free_locks_still_yields_when_its_budget_is_spent() {
    use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
    // As with tokio's own locks: on a current-thread runtime, a task
    // looping on a free lock yields after its cooperative budget, so the
    // other task runs and stops it.
    let rt = current_thread();
    let m = Arc::new(Mutex::named("free", 0u64));
    let stop = Arc::new(AtomicBool::new(false));
    // Were it never to yield, this thread stops it after 5 s.
    let forced = std::thread::spawn({
        let stop = stop.clone();
        move || {
            let start = std::time::Instant::now();
            while !stop.load(Relaxed) && start.elapsed() < Duration::from_secs(5) {
                std::thread::sleep(Duration::from_millis(10));
            }
            !stop.swap(true, Relaxed)
        }
    });
    rt.block_on(async {
        let looping = tokio::spawn({
            let (m, stop) = (m.clone(), stop.clone());
            async move {
                while !stop.load(Relaxed) {
                    *m.lock().await += 1;
                }
            }
        });
        let stopper = tokio::spawn({
            let stop = stop.clone();
            async move { stop.store(true, Relaxed) }
        });
        looping.await.unwrap();
        stopper.await.unwrap();
    });
    assert!(!forced.join().unwrap(), "the looping task never yielded");
}
