//! Test support: build small traces in code and run [`analyze`] on them.
//!
//! Names are declared on first use (threads, primitives as mutexes unless
//! declared otherwise, variables); every event gets the next time and an
//! optional site label. Acquisition depths are computed as the runtime
//! would record them.

use std::collections::HashMap;

use super::{analyze, Config, Input};
use crate::finding::{wording, Finding, FindingKind};
use crate::report::Report;
use crate::trace::{
    Event, EventKind, LockMode, MemorySource, ObjId, PrimitiveInfo, PrimitiveKind, Site, SiteId,
    SourceFormat, ThreadId, ThreadInfo, TraceMeta, VarId, VarInfo,
};

/// A trace under construction.
#[derive(Debug)]
pub struct TraceBuilder {
    meta: TraceMeta,
    events: Vec<Event>,
    threads: HashMap<String, ThreadId>,
    objs: HashMap<String, ObjId>,
    vars: HashMap<String, VarId>,
    sites: HashMap<String, SiteId>,
    depth: HashMap<(ThreadId, ObjId), u32>,
}

impl TraceBuilder {
    pub fn new(format: SourceFormat) -> Self {
        TraceBuilder {
            meta: TraceMeta::new(format),
            events: Vec::new(),
            threads: HashMap::new(),
            objs: HashMap::new(),
            vars: HashMap::new(),
            sites: HashMap::new(),
            depth: HashMap::new(),
        }
    }

    /// An STD-like trace: plain mutexes, sites are labels.
    pub fn std() -> Self {
        TraceBuilder::new(SourceFormat::Std)
    }

    /// A lockscope trace.
    pub fn lockscope() -> Self {
        TraceBuilder::new(SourceFormat::JsonLines)
    }

    /// Declares primitive `name` of `kind` (with `permits` / `rank`).
    pub fn declare(
        &mut self,
        name: &str,
        kind: PrimitiveKind,
        permits: Option<u32>,
        rank: Option<u64>,
    ) -> &mut Self {
        let id = self.meta.push_primitive(PrimitiveInfo {
            label: name.to_owned(),
            kind,
            name: None,
            site: None,
            permits,
            rank,
            class: None,
        });
        self.objs.insert(name.to_owned(), id);
        self
    }

    /// Records where primitive `name` was created.
    pub fn created_at(&mut self, name: &str, site: &str) -> &mut Self {
        let (obj, site) = (self.obj(name), self.site(site));
        self.meta.primitives[obj.index()].site = Some(site);
        self
    }

    pub fn thread(&mut self, name: &str) -> ThreadId {
        if let Some(&t) = self.threads.get(name) {
            return t;
        }
        let t = self.meta.push_thread(ThreadInfo {
            label: name.to_owned(),
            ..ThreadInfo::default()
        });
        self.threads.insert(name.to_owned(), t);
        t
    }

    pub fn obj(&mut self, name: &str) -> ObjId {
        if !self.objs.contains_key(name) {
            self.declare(name, PrimitiveKind::Mutex, None, None);
        }
        self.objs[name]
    }

    fn var(&mut self, name: &str) -> VarId {
        if let Some(&v) = self.vars.get(name) {
            return v;
        }
        let v = self.meta.push_var(VarInfo {
            label: name.to_owned(),
            ..VarInfo::default()
        });
        self.vars.insert(name.to_owned(), v);
        v
    }

    fn site(&mut self, label: &str) -> SiteId {
        if let Some(&s) = self.sites.get(label) {
            return s;
        }
        let s = self.meta.push_site(Site::Label(label.to_owned()));
        self.sites.insert(label.to_owned(), s);
        s
    }

    /// Appends an event of `thread` at site `site` (`""` for none).
    pub fn push(&mut self, thread: &str, site: &str, kind: EventKind) -> &mut Self {
        let thread = self.thread(thread);
        let site = (!site.is_empty()).then(|| self.site(site));
        self.events.push(Event {
            time: self.events.len() as u64,
            thread,
            site,
            backtrace: None,
            kind,
        });
        self
    }

    pub fn req(&mut self, t: &str, lock: &str, site: &str) -> &mut Self {
        let obj = self.obj(lock);
        self.push(t, site, req_kind(obj, LockMode::Exclusive))
    }

    /// Acquires `lock` in `mode`, depth computed.
    pub fn acq_mode(&mut self, t: &str, lock: &str, mode: LockMode, site: &str) -> &mut Self {
        let (tid, obj) = (self.thread(t), self.obj(lock));
        let depth = self.depth.entry((tid, obj)).or_insert(0);
        *depth += 1;
        let depth = *depth;
        self.push(t, site, EventKind::Acquired { obj, mode, depth })
    }

    pub fn acq(&mut self, t: &str, lock: &str, site: &str) -> &mut Self {
        self.acq_mode(t, lock, LockMode::Exclusive, site)
    }

    /// A request immediately followed by the acquisition (STD `req`+`acq`).
    pub fn lock(&mut self, t: &str, lock: &str, site: &str) -> &mut Self {
        self.req(t, lock, site).acq(t, lock, site)
    }

    pub fn rel(&mut self, t: &str, lock: &str) -> &mut Self {
        let (tid, obj) = (self.thread(t), self.obj(lock));
        if let Some(d) = self.depth.get_mut(&(tid, obj)) {
            *d = d.saturating_sub(1);
        }
        let mode = LockMode::Exclusive;
        self.push(t, "", EventKind::Released { obj, mode })
    }

    pub fn read(&mut self, t: &str, var: &str) -> &mut Self {
        let var = self.var(var);
        self.push(t, "", EventKind::Read { var })
    }

    pub fn write(&mut self, t: &str, var: &str) -> &mut Self {
        let var = self.var(var);
        self.push(t, "", EventKind::Write { var })
    }

    pub fn fork(&mut self, t: &str, child: &str) -> &mut Self {
        let child = self.thread(child);
        self.push(t, "", EventKind::Fork { child })
    }

    pub fn join(&mut self, t: &str, child: &str) -> &mut Self {
        let child = self.thread(child);
        self.push(t, "", EventKind::Join { child })
    }

    pub fn exit(&mut self, t: &str) -> &mut Self {
        self.push(t, "", EventKind::ThreadExit)
    }

    /// Appends an event whose kind names one primitive.
    pub fn on(&mut self, t: &str, prim: &str, kind: impl FnOnce(ObjId) -> EventKind) -> &mut Self {
        let obj = self.obj(prim);
        self.push(t, "", kind(obj))
    }

    /// Appends the events of RAPID STD text (`T1|acq(L2)|86` per line).
    /// Test support only: panics on a line it cannot read.
    pub fn std_text(&mut self, text: &str) -> &mut Self {
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            let mut fields = line.split('|');
            let (t, op, loc) = match (fields.next(), fields.next(), fields.next()) {
                (Some(t), Some(op), Some(loc)) => (t, op, loc),
                _ => panic!("not an STD line: {line}"),
            };
            let (name, arg) = op
                .strip_suffix(')')
                .and_then(|o| o.split_once('('))
                .unwrap_or_else(|| panic!("not an STD operation: {op}"));
            match name {
                "acq" => self.acq(t, arg, loc),
                "rel" => self.rel(t, arg),
                "req" => self.req(t, arg, loc),
                "r" => self.read(t, arg),
                "w" => self.write(t, arg),
                "fork" => self.fork(t, arg),
                "join" => self.join(t, arg),
                "begin" => self.push(t, loc, EventKind::Begin),
                "end" => self.push(t, loc, EventKind::End),
                _ => panic!("unknown STD operation: {op}"),
            };
        }
        self
    }

    /// Reads a bundled benchmark trace (`tests/data/std/<name>.std`).
    pub fn bundled(name: &str) -> Self {
        let path = format!(
            "{}/../tests/data/std/{name}.std",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut b = TraceBuilder::std();
        b.std_text(&text);
        b
    }

    /// Adds a note to the trace's table.
    pub fn note(&mut self, note: crate::trace::Note) -> crate::trace::NoteId {
        self.meta.push_note(note)
    }

    /// The events so far.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The finished trace.
    pub fn source(&self) -> MemorySource {
        MemorySource::new(self.meta.clone(), self.events.clone())
    }

    /// Runs every default analysis with `config`.
    pub fn analyze_with(&self, config: &Config) -> Report {
        let input = Input {
            name: "test".to_owned(),
            source: Box::new(self.source()),
        };
        analyze(vec![input], config).expect("in-memory traces cannot fail to read")
    }

    pub fn analyze(&self) -> Report {
        self.analyze_with(&Config::default())
    }
}

/// An event of thread `t` at time 0, without site or backtrace.
pub fn event(t: u32, kind: EventKind) -> Event {
    Event {
        time: 0,
        thread: ThreadId(t),
        site: None,
        backtrace: None,
        kind,
    }
}

pub fn req_kind(obj: ObjId, mode: LockMode) -> EventKind {
    EventKind::Request { obj, mode }
}

/// The findings of `kind`, in report order.
pub fn of_kind(report: &Report, kind: FindingKind) -> Vec<&Finding> {
    report.findings.iter().filter(|f| f.kind == kind).collect()
}

/// The titles of the findings of `kind`, in report order.
pub fn titles(report: &Report, kind: FindingKind) -> Vec<String> {
    of_kind(report, kind)
        .into_iter()
        .map(Finding::title)
        .collect()
}

/// The notes of `f`, worded.
pub fn notes(f: &Finding) -> Vec<String> {
    wording::notes(f, &wording::Words::PLAIN)
}

/// The steps of `f` as (event, sentence).
pub fn steps(f: &Finding) -> Vec<(Option<u64>, String)> {
    f.steps
        .iter()
        .map(|s| (s.event, wording::step(s)))
        .collect()
}

/// The scenario rows of `f` as (column, operation).
pub fn rows(f: &Finding) -> Vec<(usize, String)> {
    f.scenario
        .iter()
        .flat_map(|s| &s.rows)
        .map(|r| (r.column, wording::op(&r.op)))
        .collect()
}

/// T1 nests A then B; T3 takes A after T1's section; T0 joins T3 and then
/// forks T2, which nests B then A. The fork brings the join and the join
/// all of T3, whose section of A follows T1's in the trace: the
/// sync-preserving closure cannot deadlock it, a reordering that runs T3's
/// section first can.
pub fn join_then_fork_inversion() -> TraceBuilder {
    let mut b = TraceBuilder::std();
    b.lock("T1", "A", "1")
        .lock("T1", "B", "2")
        .rel("T1", "B")
        .rel("T1", "A");
    b.lock("T3", "A", "5").rel("T3", "A");
    b.join("T0", "T3").fork("T0", "T2");
    b.lock("T2", "B", "3").lock("T2", "A", "4");
    b
}
