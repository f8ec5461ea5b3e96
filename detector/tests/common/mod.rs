//! Shared fixtures: a trace that uses every event kind and every table.

#![allow(dead_code)]

use lockscope_detector::trace::{
    BacktraceId, ClockUnit, Event, EventKind, EventSource, Header, LockMode, Note, NoteId, ObjId,
    PrimitiveInfo, PrimitiveKind, Site, SiteId, SourceFormat, TestId, ThreadId, ThreadInfo,
    TraceMeta, VarId, VarInfo, FORMAT_VERSION,
};

/// Tables whose labels are the dense ids (what a JSON reader gives back
/// when the writer used the dense ids as file ids).
pub fn every_kind_meta() -> TraceMeta {
    let mut meta = TraceMeta::new(SourceFormat::JsonLines);
    meta.header = Header {
        version: FORMAT_VERSION,
        command: vec!["prog".into(), "arg with \"quotes\"".into()],
        pid: Some(123),
        start_time: Some("2026-11-22T04:50:44.123Z".into()),
        clock: ClockUnit::Nanoseconds,
        test: Some(TestId {
            binary: "bank::bin/bank".into(),
            name: Some("tests::transfer \"both\" ways".into()),
            run_id: Some("b58cbb25-f544-43db-a68e-8fc2de9d18e3".into()),
            attempt: Some(2),
        }),
    };
    meta.sites = vec![
        Site::Source {
            file: "src/main.rs".into(),
            line: 10,
            column: 5,
        },
        Site::Label("86".into()),
    ];
    meta.threads = vec![
        ThreadInfo {
            label: "0".into(),
            name: Some("main".into()),
            parent: None,
            spawn_site: None,
        },
        ThreadInfo {
            label: "1".into(),
            name: Some("worker ü".into()),
            parent: Some(ThreadId(0)),
            spawn_site: Some(SiteId(0)),
        },
        ThreadInfo {
            label: "2".into(),
            name: None,
            parent: Some(ThreadId(0)),
            spawn_site: None,
        },
    ];
    meta.primitives = PrimitiveKind::ALL
        .iter()
        .enumerate()
        .map(|(i, &kind)| PrimitiveInfo {
            label: i.to_string(),
            kind,
            name: (i % 2 == 0).then(|| format!("{kind}-{i}")),
            site: (i == 0).then_some(SiteId(1)),
            permits: matches!(kind, PrimitiveKind::Semaphore | PrimitiveKind::Barrier).then_some(3),
            rank: (i == 1).then_some(10),
            class: None,
        })
        .collect();
    meta.vars = vec![
        VarInfo {
            label: "0".into(),
            name: Some("balance".into()),
            site: Some(SiteId(1)),
        },
        VarInfo {
            label: "1".into(),
            name: None,
            site: None,
        },
    ];
    meta.backtraces = vec![vec!["main".into(), "app::transfer".into()]];
    meta.notes = vec![Note {
        kind: "deadlock".into(),
        text: "thread 1 waits for \"m\"\nthread 2 waits for \"rw\"".into(),
    }];
    meta
}

/// One event of every kind, using every table.
pub fn every_kind_events() -> Vec<Event> {
    let (t0, t1, t2) = (ThreadId(0), ThreadId(1), ThreadId(2));
    let o = ObjId;
    let x = LockMode::Exclusive;
    let kinds = [
        (t0, EventKind::ThreadStart { parent: None }),
        (t0, EventKind::Fork { child: t1 }),
        (t1, EventKind::ThreadStart { parent: Some(t0) }),
        (t1, EventKind::Request { obj: o(0), mode: x }),
        (
            t1,
            EventKind::Acquired {
                obj: o(0),
                mode: x,
                depth: 1,
            },
        ),
        (t2, EventKind::TryFailed { obj: o(0), mode: x }),
        (
            t1,
            EventKind::Acquired {
                obj: o(2),
                mode: x,
                depth: 2,
            },
        ),
        (t1, EventKind::Released { obj: o(0), mode: x }),
        (
            t2,
            EventKind::Acquired {
                obj: o(1),
                mode: LockMode::Upgradable,
                depth: 1,
            },
        ),
        (t2, EventKind::Upgraded { obj: o(1) }),
        (
            t2,
            EventKind::Downgraded {
                obj: o(1),
                to: LockMode::Shared,
            },
        ),
        (
            t2,
            EventKind::Released {
                obj: o(1),
                mode: LockMode::Shared,
            },
        ),
        (
            t1,
            EventKind::CondWait {
                condvar: o(3),
                mutex: o(0),
                timed: false,
            },
        ),
        (
            t2,
            EventKind::Notify {
                condvar: o(3),
                all: true,
                woken: 1,
            },
        ),
        (
            t1,
            EventKind::CondWoken {
                condvar: o(3),
                mutex: o(0),
                timed_out: true,
            },
        ),
        (
            t1,
            EventKind::SemAcquired {
                obj: o(4),
                permits: 2,
            },
        ),
        (
            t1,
            EventKind::SemReleased {
                obj: o(4),
                permits: 2,
            },
        ),
        (t2, EventKind::EventSet { obj: o(5) }),
        (t2, EventKind::EventClear { obj: o(5) }),
        (
            t1,
            EventKind::EventWait {
                obj: o(5),
                timed: false,
            },
        ),
        (
            t1,
            EventKind::EventWoken {
                obj: o(5),
                timed_out: false,
            },
        ),
        (t1, EventKind::BarrierWait { obj: o(6) }),
        (
            t1,
            EventKind::BarrierPassed {
                obj: o(6),
                leader: true,
            },
        ),
        (t1, EventKind::Read { var: VarId(0) }),
        (t2, EventKind::Write { var: VarId(1) }),
        (t2, EventKind::Update { var: VarId(0) }),
        (t1, EventKind::Begin),
        (t1, EventKind::End),
        (t0, EventKind::Note { note: NoteId(0) }),
        (t1, EventKind::Scheduled { worker: t2 }),
        (t1, EventKind::ThreadExit),
        (t0, EventKind::JoinRequest { child: t1 }),
        (t0, EventKind::Join { child: t1 }),
    ];
    kinds
        .into_iter()
        .enumerate()
        .map(|(i, (thread, kind))| Event {
            time: 1000 + 7 * i as u64,
            thread,
            site: [None, Some(SiteId(0)), Some(SiteId(1))][i % 3],
            backtrace: (i % 5 == 0).then_some(BacktraceId(0)),
            kind,
        })
        .collect()
}

/// Every event of `src`, panicking on an error.
pub fn drain(src: &mut dyn EventSource) -> Vec<Event> {
    let mut events = Vec::new();
    while let Some(ev) = src.next_event().unwrap() {
        events.push(ev);
    }
    events
}

/// The first error `src` reports, as text.
pub fn first_error(src: &mut dyn EventSource) -> String {
    loop {
        match src.next_event() {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the input read without error"),
            Err(e) => return e.to_string(),
        }
    }
}
