//! `thread::spawn` / `Builder`: start, parent, name, join and exit.

#![cfg(feature = "record")]

mod support;

use lockscope_detector::trace::{EventKind, ThreadId};
use lockscope_sync::thread;

#[test]
fn spawn_join_and_names_are_recorded_in_order() {
    let (child, t) = support::record(|| {
        let h = thread::Builder::new()
            .name("worker-1".to_string())
            .spawn(|| std::thread::current().name().map(str::to_string))
            .unwrap();
        let id = h.lockscope_id();
        assert_eq!(h.join().unwrap().as_deref(), Some("worker-1"));
        id
    });
    let label = child.to_string();
    let ci = t
        .meta
        .threads
        .iter()
        .position(|th| th.label == label)
        .unwrap();
    let info = &t.meta.threads[ci];
    assert_eq!(info.name.as_deref(), Some("worker-1"));
    assert!(info.parent.is_some());
    assert!(info.spawn_site.is_some());
    let child = ThreadId(ci as u32);
    let pos = |f: &dyn Fn(&EventKind) -> bool| t.events.iter().position(|e| f(&e.kind)).unwrap();
    let fork = pos(&|k| *k == EventKind::Fork { child });
    let start = t
        .events
        .iter()
        .position(|e| e.thread == child && matches!(e.kind, EventKind::ThreadStart { .. }))
        .unwrap();
    let exit = t
        .events
        .iter()
        .position(|e| e.thread == child && e.kind == EventKind::ThreadExit)
        .unwrap();
    let join = pos(&|k| *k == EventKind::Join { child });
    let request = pos(&|k| *k == EventKind::JoinRequest { child });
    let all: Vec<_> = t
        .events
        .iter()
        .map(|e| (e.time, e.thread.0, e.kind))
        .collect();
    assert!(
        fork < start && start < exit && exit < join && request < join,
        "{all:?}"
    );
    assert_eq!(
        t.events[start].kind,
        EventKind::ThreadStart {
            parent: info.parent
        }
    );
}

/// The races the analyzer finds in trace `t`, with their grades.
fn races(t: &support::Trace) -> Vec<Option<lockscope_detector::finding::Grade>> {
    use lockscope_detector::analysis::{analyze, Config, Input};
    use lockscope_detector::finding::FindingKind;
    let input = Input {
        name: "t".into(),
        source: Box::new(lockscope_detector::trace::MemorySource::new(
            t.meta.clone(),
            t.events.clone(),
        )),
    };
    let report = analyze(vec![input], &Config::default()).unwrap();
    report
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::DataRace)
        .map(|f| f.grade)
        .collect()
}

#[test]
fn scoped_threads_are_started_and_joined_in_the_trace() {
    let x = lockscope_sync::Tracked::named("x", 0);
    let ((), t) = support::record(|| {
        x.set(1);
        thread::scope(|s| {
            let explicit = s.spawn(|| x.set(x.get() + 1));
            explicit.join().unwrap();
            s.spawn(|| x.set(x.get() + 1)); // joined by the scope's end
        });
        assert_eq!(x.get(), 3);
    });
    let joins = t
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Join { .. }))
        .count();
    assert_eq!(joins, 2, "one explicit join, one at the scope's end");
    assert_eq!(races(&t), [], "fork and join order every access");
    // The same with std's scope: the start and join are not in the trace,
    // so the races the analyzer sees are only warnings.
    let y = lockscope_sync::Tracked::named("y", 0);
    let ((), t) = support::record(|| {
        y.set(1);
        std::thread::scope(|s| {
            s.spawn(|| y.set(y.get() + 1));
        });
        assert_eq!(y.get(), 2);
    });
    let found = races(&t);
    assert!(!found.is_empty());
    assert!(found
        .iter()
        .all(|g| *g == Some(lockscope_detector::finding::Grade::Unconfirmed)));
}

/// A scoped thread whose thread-local destructors run after its closure
/// returned (here: slowly) is joined by the scope's end in the trace only
/// after all its events, its exit included.
#[test]
fn a_scoped_thread_exits_in_the_trace_before_the_scope_joins_it() {
    struct Slow;
    impl Drop for Slow {
        fn drop(&mut self) {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
    thread_local! {
        static SLOW: Slow = const { Slow };
    }
    let x = lockscope_sync::Tracked::named("x", 0);
    let ((), t) = support::record(|| {
        thread::scope(|s| {
            s.spawn(|| {
                SLOW.with(|_| ());
                x.set(x.get() + 1);
            });
        });
        assert_eq!(x.get(), 1);
    });
    let join = t
        .events
        .iter()
        .position(|e| matches!(e.kind, EventKind::Join { .. }))
        .expect("the scope's end joins the thread");
    let EventKind::Join { child } = t.events[join].kind else {
        unreachable!()
    };
    let last_of_child = t.events.iter().rposition(|e| e.thread == child).unwrap();
    assert!(
        matches!(t.events[last_of_child].kind, EventKind::ThreadExit),
        "{:?}",
        t.events
    );
    assert!(last_of_child < join, "{:?}", t.events);
    assert_eq!(races(&t), []);
}
