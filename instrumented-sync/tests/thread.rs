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
