//! A small trace builder for the data-driven analysis tests: declare
//! threads, primitives and variables by name, push events with a site label,
//! then run `analyze` over the result.
#![allow(dead_code)] // each test file uses a different part of it

use std::collections::HashMap;

use lockscope_detector::analysis::{analyze, Config, Input};
use lockscope_detector::report::Report;
use lockscope_detector::trace::{
    ClockUnit, Event, EventKind, LockMode, MemorySource, ObjId, PrimitiveInfo, PrimitiveKind, Site,
    SiteId, SourceFormat, ThreadId, ThreadInfo, TraceMeta, VarId, VarInfo,
};

/// A trace under construction.
pub struct Trace {
    meta: TraceMeta,
    events: Vec<Event>,
    time: u64,
    sites: HashMap<String, SiteId>,
}

impl Trace {
    /// A lockscope trace with a nanosecond clock: each event is 1 ns after
    /// the previous one unless [`advance`](Trace::advance) says otherwise.
    pub fn new() -> Self {
        Trace {
            meta: TraceMeta::new(SourceFormat::JsonLines),
            events: Vec::new(),
            time: 0,
            sites: HashMap::new(),
        }
    }

    /// An STD-like trace: sequence clock, time = event position.
    pub fn std() -> Self {
        let mut t = Trace::new();
        t.meta = TraceMeta::new(SourceFormat::Std);
        t.meta.header.clock = ClockUnit::Sequence;
        t
    }

    pub fn thread(&mut self, name: &str) -> ThreadId {
        self.meta.push_thread(ThreadInfo {
            label: name.to_owned(),
            ..ThreadInfo::default()
        })
    }

    pub fn prim(&mut self, name: &str, kind: PrimitiveKind, permits: Option<u32>) -> ObjId {
        self.meta.push_primitive(PrimitiveInfo {
            label: name.to_owned(),
            kind,
            name: None,
            site: None,
            permits,
            rank: None,
            class: None,
        })
    }

    pub fn mutex(&mut self, name: &str) -> ObjId {
        self.prim(name, PrimitiveKind::Mutex, None)
    }

    pub fn var(&mut self, name: &str) -> VarId {
        self.meta.push_var(VarInfo {
            label: name.to_owned(),
            ..VarInfo::default()
        })
    }

    /// Lets `ns` pass before the next event (nanosecond traces).
    pub fn advance(&mut self, ns: u64) -> &mut Self {
        self.time += ns;
        self
    }

    fn site(&mut self, label: &str) -> Option<SiteId> {
        if label.is_empty() {
            return None;
        }
        if let Some(&id) = self.sites.get(label) {
            return Some(id);
        }
        let id = self.meta.push_site(Site::Label(label.to_owned()));
        self.sites.insert(label.to_owned(), id);
        Some(id)
    }

    /// Appends one event of `t` at `site` (a label; "" for none).
    pub fn push(&mut self, t: ThreadId, kind: EventKind, site: &str) -> &mut Self {
        let time = if self.meta.header.clock == ClockUnit::Sequence {
            self.events.len() as u64
        } else {
            self.time += 1;
            self.time
        };
        let site = self.site(site);
        self.events.push(Event {
            time,
            thread: t,
            site,
            backtrace: None,
            kind,
        });
        self
    }

    pub fn request(&mut self, t: ThreadId, l: ObjId, site: &str) -> &mut Self {
        let mode = LockMode::Exclusive;
        self.push(t, EventKind::Request { obj: l, mode }, site)
    }

    pub fn acquired(&mut self, t: ThreadId, l: ObjId, site: &str) -> &mut Self {
        let kind = EventKind::Acquired {
            obj: l,
            mode: LockMode::Exclusive,
            depth: 1,
        };
        self.push(t, kind, site)
    }

    /// Request and acquisition at once (an uncontended `lock()`).
    pub fn lock(&mut self, t: ThreadId, l: ObjId, site: &str) -> &mut Self {
        self.request(t, l, site).acquired(t, l, site)
    }

    pub fn unlock(&mut self, t: ThreadId, l: ObjId, site: &str) -> &mut Self {
        let mode = LockMode::Exclusive;
        self.push(t, EventKind::Released { obj: l, mode }, site)
    }

    pub fn read(&mut self, t: ThreadId, v: VarId, site: &str) -> &mut Self {
        self.push(t, EventKind::Read { var: v }, site)
    }

    pub fn write(&mut self, t: ThreadId, v: VarId, site: &str) -> &mut Self {
        self.push(t, EventKind::Write { var: v }, site)
    }

    pub fn update(&mut self, t: ThreadId, v: VarId, site: &str) -> &mut Self {
        self.push(t, EventKind::Update { var: v }, site)
    }

    /// A thread's first event as the recorder writes it (`thread_start`
    /// without a parent: a thread lockscope did not start).
    pub fn start(&mut self, t: ThreadId) -> &mut Self {
        self.push(t, EventKind::ThreadStart { parent: None }, "")
    }

    /// A thread's last event, from its thread-local destructor.
    pub fn exit(&mut self, t: ThreadId) -> &mut Self {
        self.push(t, EventKind::ThreadExit, "")
    }

    pub fn fork(&mut self, t: ThreadId, child: ThreadId) -> &mut Self {
        self.push(t, EventKind::Fork { child }, "")
    }

    pub fn join(&mut self, t: ThreadId, child: ThreadId) -> &mut Self {
        self.push(t, EventKind::Join { child }, "")
    }

    /// The trace as an in-memory source.
    /// The events pushed so far.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    pub fn source(&self) -> MemorySource {
        MemorySource::new(self.meta.clone(), self.events.clone())
    }

    pub fn analyze(&self) -> Report {
        self.analyze_with(&Config::default())
    }

    pub fn analyze_with(&self, config: &Config) -> Report {
        let input = Input {
            name: "test".to_owned(),
            source: Box::new(self.source()),
        };
        analyze(vec![input], config).expect("an in-memory trace always reads")
    }
}
