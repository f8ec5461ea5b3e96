//! Shared test helpers: record a closure's run into a fresh trace and read
//! it back with the detector's reader. Recordings are process-global, so
//! tests that record are serialised by one lock.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use lockscope_detector::trace::{self, Event, EventKind, ObjId, TraceMeta};

static SERIAL: Mutex<()> = Mutex::new(());

/// The lock every recording holds: also held to tear down what a test
/// left running (a runtime with tasks pending forever), so no other
/// test's recording sees it.
pub fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// A trace read back: its tables and events.
pub struct Trace {
    pub meta: TraceMeta,
    pub events: Vec<Event>,
}

impl Trace {
    /// The dense id of the primitive labelled with process id `id`.
    pub fn obj(&self, id: u64) -> ObjId {
        let label = id.to_string();
        let i = self
            .meta
            .primitives
            .iter()
            .position(|p| p.label == label)
            .unwrap_or_else(|| panic!("primitive {id} not declared"));
        ObjId(i as u32)
    }

    /// Events of one object, in trace order.
    pub fn of(&self, obj: ObjId) -> Vec<EventKind> {
        self.events
            .iter()
            .filter(|e| e.kind.obj() == Some(obj))
            .map(|e| e.kind)
            .collect()
    }

    /// How many events of wire type `name` concern `obj`.
    pub fn count(&self, obj: ObjId, name: &str) -> usize {
        self.events
            .iter()
            .filter(|e| e.kind.obj() == Some(obj) && e.kind.type_name() == name)
            .count()
    }

    /// How many events of each wire type.
    pub fn counts(&self) -> HashMap<&'static str, usize> {
        let mut m = HashMap::new();
        for e in &self.events {
            *m.entry(e.kind.type_name()).or_insert(0) += 1;
        }
        m
    }

    /// The site (`file:line`) of an event.
    pub fn site_line(&self, e: &Event) -> Option<u32> {
        match self.meta.site(e.site?) {
            trace::Site::Source { line, .. } => Some(*line),
            trace::Site::Label(_) => None,
        }
    }
}

/// Runs `f` while recording to a temporary file and returns the trace.
pub fn record<R>(f: impl FnOnce() -> R) -> (R, Trace) {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace.jsonl");
    let rec = lockscope_sync::record_to(&path).unwrap();
    let r = f();
    let stats = rec.finish().unwrap();
    let trace = read(&path);
    assert_eq!(stats.events as usize, trace.events.len(), "stats vs file");
    (r, trace)
}

/// Reads a trace file completely.
pub fn read(path: &std::path::Path) -> Trace {
    let mut src = trace::open(path).unwrap();
    let mut events = Vec::new();
    while let Some(e) = src.next_event().unwrap() {
        events.push(e);
    }
    let meta = src.meta().clone();
    assert!(meta.warnings.is_empty(), "warnings: {:?}", meta.warnings);
    Trace { meta, events }
}

/// Counts down one acquisition of `obj` by `thread` seen in the trace;
/// false if there was none (it was made before the recording began).
fn take_open(open: &mut HashMap<(u32, ObjId), usize>, thread: u32, obj: ObjId) -> bool {
    match open.get_mut(&(thread, obj)) {
        Some(n) if *n > 0 => {
            *n -= 1;
            true
        }
        _ => false,
    }
}

/// Checks that every lock's acquisitions and releases alternate legally in
/// trace order (exclusive: one holder; shared: no exclusive holder) and
/// that times never decrease.
pub fn assert_legal(t: &Trace) {
    use lockscope_detector::trace::LockMode;
    let mut holders: HashMap<ObjId, Vec<(u32, LockMode)>> = HashMap::new();
    // Per thread and lock, the acquisitions seen in this trace and not yet
    // released: a release (or a condvar wait) beyond them undoes an
    // acquisition made before the recording began, by a test of this
    // binary running concurrently, and is not checked (other threads may
    // hold the lock meanwhile).
    let mut open_here: HashMap<(u32, ObjId), usize> = HashMap::new();
    let mut last = 0;
    for (i, e) in t.events.iter().enumerate() {
        assert!(e.time >= last, "time decreases at event {i}");
        last = e.time;
        match e.kind {
            EventKind::Acquired { obj, mode, depth } => {
                *open_here.entry((e.thread.0, obj)).or_default() += 1;
                let h = holders.entry(obj).or_default();
                let reentry = depth > 1;
                if !reentry {
                    for (th, m) in h.iter() {
                        assert!(
                            *th == e.thread.0 || m.compatible(mode),
                            "event {i}: {mode} acquisition of {obj:?} by {:?} while held {m} by {th}",
                            e.thread
                        );
                    }
                }
                h.push((e.thread.0, mode));
            }
            EventKind::Released { obj, .. } => {
                let h = holders.entry(obj).or_default();
                if !take_open(&mut open_here, e.thread.0, obj) {
                    continue;
                }
                let pos = h.iter().rposition(|(th, _)| *th == e.thread.0);
                assert!(
                    pos.is_some(),
                    "event {i}: release of {obj:?} not held by {:?}",
                    e.thread
                );
                h.remove(pos.unwrap());
            }
            EventKind::Upgraded { obj } => {
                let h = holders.entry(obj).or_default();
                assert!(
                    h.iter().all(|(th, _)| *th == e.thread.0),
                    "event {i}: upgrade of {obj:?} while others hold it"
                );
                for x in h.iter_mut().filter(|(th, _)| *th == e.thread.0) {
                    x.1 = LockMode::Exclusive;
                }
            }
            EventKind::Downgraded { obj, to } => {
                for x in holders
                    .entry(obj)
                    .or_default()
                    .iter_mut()
                    .filter(|(th, _)| *th == e.thread.0)
                {
                    x.1 = to;
                }
            }
            EventKind::CondWait { mutex, .. } => {
                if !take_open(&mut open_here, e.thread.0, mutex) {
                    continue;
                }
                let h = holders.entry(mutex).or_default();
                let pos = h.iter().rposition(|(th, _)| *th == e.thread.0);
                assert!(
                    pos.is_some(),
                    "event {i}: cond_wait without holding the mutex"
                );
                h.remove(pos.unwrap());
            }
            EventKind::CondWoken { mutex, .. } => {
                *open_here.entry((e.thread.0, mutex)).or_default() += 1;
                let h = holders.entry(mutex).or_default();
                assert!(
                    h.is_empty(),
                    "event {i}: cond_woken while the mutex is held"
                );
                h.push((e.thread.0, LockMode::Exclusive));
            }
            _ => {}
        }
    }
}
