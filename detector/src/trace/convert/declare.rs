//! [`TraceOut`]: a whole trace through any [`Encoder`] (JSON Lines, JSON
//! document, binary), the part of [`write_trace`](super::write_trace) that
//! every encoding of lockscope's own shares.
//!
//! The output declares every table entry just before its first use, in
//! dense-id order (declaring entry `k` first declares every undeclared
//! entry below `k`), so a reader assigns the same dense ids again; entries
//! never used by an event are declared at the end. File ids: a thread,
//! primitive or variable whose label is a canonical unsigned integer keeps
//! it as its file id (so a JSON trace converts to itself); any other label
//! gets a fresh id and, if the entry has no name, becomes its `name` (so
//! STD names such as `T1` survive STD -> JSON -> STD). Sites, backtraces and
//! notes use their dense ids. A thread whose parent has a higher dense id is
//! declared without it and declared again, with it, right after the parent.
//!
//! # Performance
//! One pass; per event a few vector lookups besides the encoding itself.

use std::collections::HashSet;
use std::io;

use super::summary::{output_error, WriteSummary};
use crate::trace::encode::{Encoder, FileIds};
use crate::trace::error::TraceError;
use crate::trace::event::{BacktraceId, Event, EventKind, NoteId, ObjId, SiteId, ThreadId, VarId};
use crate::trace::meta::TraceMeta;
use crate::trace::source::EventSource;

/// Gives labels file ids: canonical integers keep theirs.
#[derive(Debug, Default)]
struct IdAlloc {
    used: HashSet<u64>,
    next: u64,
}

impl IdAlloc {
    /// The file id for `label`, and whether the label was not kept as it.
    fn assign(&mut self, label: &str) -> (u64, bool) {
        let own = label.parse::<u64>().ok().filter(|n| n.to_string() == label);
        if let Some(id) = own.filter(|id| self.used.insert(*id)) {
            return (id, false);
        }
        while !self.used.insert(self.next) {
            self.next += 1;
        }
        (self.next, true)
    }
}

/// File ids assigned so far (index: dense id).
#[derive(Debug, Default)]
struct Assigned {
    threads: Vec<u64>,
    prims: Vec<u64>,
    vars: Vec<u64>,
}

impl FileIds for Assigned {
    fn thread(&self, id: ThreadId) -> u64 {
        self.threads[id.index()]
    }
    fn obj(&self, id: ObjId) -> u64 {
        self.prims[id.index()]
    }
    fn var(&self, id: VarId) -> u64 {
        self.vars[id.index()]
    }
    fn site(&self, id: SiteId) -> u64 {
        id.0.into()
    }
    fn backtrace(&self, id: BacktraceId) -> u64 {
        id.0.into()
    }
    fn note(&self, id: NoteId) -> u64 {
        id.0.into()
    }
}

/// How many entries of each table are declared (all below are).
#[derive(Debug, Default)]
struct Declared {
    sites: usize,
    backtraces: usize,
    notes: usize,
}

/// A whole trace written through `E`.
pub(crate) struct TraceOut<E> {
    out: E,
    ids: Assigned,
    thread_ids: IdAlloc,
    prim_ids: IdAlloc,
    var_ids: IdAlloc,
    declared: Declared,
    /// Threads declared without their parent, waiting for it.
    orphans: Vec<ThreadId>,
}

impl<E: Encoder> TraceOut<E> {
    pub fn new(out: E) -> Self {
        TraceOut {
            out,
            ids: Assigned::default(),
            thread_ids: IdAlloc::default(),
            prim_ids: IdAlloc::default(),
            var_ids: IdAlloc::default(),
            declared: Declared::default(),
            orphans: Vec::new(),
        }
    }

    pub fn run(mut self, source: &mut dyn EventSource) -> Result<WriteSummary, TraceError> {
        let mut summary = WriteSummary::default();
        self.header(source.meta()).map_err(output_error)?;
        while let Some(ev) = source.next_event()? {
            summary.events_read += 1;
            self.event(source.meta(), &ev).map_err(output_error)?;
            summary.events_written += 1;
        }
        self.finish(source.meta()).map_err(output_error)?;
        Ok(summary)
    }

    fn header(&mut self, meta: &TraceMeta) -> io::Result<()> {
        self.out.header(&meta.header)
    }

    fn finish(mut self, meta: &TraceMeta) -> io::Result<()> {
        self.declare_all(meta)?;
        self.out.finish()
    }

    fn declare_all(&mut self, meta: &TraceMeta) -> io::Result<()> {
        if let Some(n) = meta.threads.len().checked_sub(1) {
            self.thread(meta, ThreadId(n as u32))?;
        }
        if let Some(n) = meta.primitives.len().checked_sub(1) {
            self.obj(meta, ObjId(n as u32))?;
        }
        if let Some(n) = meta.vars.len().checked_sub(1) {
            self.var(meta, VarId(n as u32))?;
        }
        if let Some(n) = meta.sites.len().checked_sub(1) {
            self.site(meta, SiteId(n as u32))?;
        }
        if let Some(n) = meta.backtraces.len().checked_sub(1) {
            self.backtrace(meta, BacktraceId(n as u32))?;
        }
        if let Some(n) = meta.notes.len().checked_sub(1) {
            self.note(meta, NoteId(n as u32))?;
        }
        Ok(())
    }

    fn event(&mut self, meta: &TraceMeta, ev: &Event) -> io::Result<()> {
        self.thread(meta, ev.thread)?;
        if let Some(site) = ev.site {
            self.site(meta, site)?;
        }
        if let Some(bt) = ev.backtrace {
            self.backtrace(meta, bt)?;
        }
        match ev.kind {
            EventKind::ThreadStart { parent: Some(t) }
            | EventKind::Fork { child: t }
            | EventKind::JoinRequest { child: t }
            | EventKind::Join { child: t } => self.thread(meta, t)?,
            EventKind::CondWait { condvar, mutex }
            | EventKind::CondWoken { condvar, mutex, .. } => {
                self.obj(meta, condvar)?;
                self.obj(meta, mutex)?;
            }
            EventKind::Note { note } => self.note(meta, note)?,
            ref kind => {
                if let Some(obj) = kind.obj() {
                    self.obj(meta, obj)?;
                }
                if let Some(var) = kind.var() {
                    self.var(meta, var)?;
                }
            }
        }
        self.out.event(ev, &self.ids)
    }

    fn site(&mut self, meta: &TraceMeta, id: SiteId) -> io::Result<()> {
        while self.declared.sites <= id.index() {
            let k = self.declared.sites;
            self.declared.sites += 1;
            self.out.site(k as u64, &meta.sites[k])?;
        }
        Ok(())
    }

    fn backtrace(&mut self, meta: &TraceMeta, id: BacktraceId) -> io::Result<()> {
        while self.declared.backtraces <= id.index() {
            let k = self.declared.backtraces;
            self.declared.backtraces += 1;
            self.out.backtrace(k as u64, &meta.backtraces[k])?;
        }
        Ok(())
    }

    fn note(&mut self, meta: &TraceMeta, id: NoteId) -> io::Result<()> {
        while self.declared.notes <= id.index() {
            let k = self.declared.notes;
            self.declared.notes += 1;
            self.out.note(k as u64, &meta.notes[k])?;
        }
        Ok(())
    }

    fn thread(&mut self, meta: &TraceMeta, id: ThreadId) -> io::Result<()> {
        while self.ids.threads.len() <= id.index() {
            let k = self.ids.threads.len();
            let info = &meta.threads[k];
            if let Some(site) = info.spawn_site {
                self.site(meta, site)?;
            }
            let (file_id, relabeled) = self.thread_ids.assign(&info.label);
            self.ids.threads.push(file_id);
            let parent = match info.parent {
                Some(p) if p.index() < k => Some(self.ids.threads[p.index()]),
                Some(_) => {
                    self.orphans.push(ThreadId(k as u32));
                    None
                }
                None => None,
            };
            self.declare_thread(meta, k, relabeled, parent)?;
            self.adopt(meta, ThreadId(k as u32))?;
        }
        Ok(())
    }

    fn declare_thread(
        &mut self,
        meta: &TraceMeta,
        k: usize,
        relabeled: bool,
        parent: Option<u64>,
    ) -> io::Result<()> {
        let info = &meta.threads[k];
        let name = info
            .name
            .as_deref()
            .or(relabeled.then_some(info.label.as_str()));
        let site = info.spawn_site.map(|s| u64::from(s.0));
        self.out.thread(self.ids.threads[k], name, parent, site)
    }

    /// Declares again, with their parent, the threads waiting for `parent`.
    fn adopt(&mut self, meta: &TraceMeta, parent: ThreadId) -> io::Result<()> {
        let waiting: Vec<ThreadId> = self
            .orphans
            .iter()
            .copied()
            .filter(|&t| meta.threads[t.index()].parent == Some(parent))
            .collect();
        self.orphans.retain(|t| !waiting.contains(t));
        for child in waiting {
            let label = &meta.threads[child.index()].label;
            let relabeled = self.ids.threads[child.index()].to_string() != *label;
            let parent_id = self.ids.threads[parent.index()];
            self.declare_thread(meta, child.index(), relabeled, Some(parent_id))?;
        }
        Ok(())
    }

    fn obj(&mut self, meta: &TraceMeta, id: ObjId) -> io::Result<()> {
        while self.ids.prims.len() <= id.index() {
            let k = self.ids.prims.len();
            let info = &meta.primitives[k];
            if let Some(site) = info.site {
                self.site(meta, site)?;
            }
            let (file_id, relabeled) = self.prim_ids.assign(&info.label);
            self.ids.prims.push(file_id);
            let name = info
                .name
                .as_deref()
                .or(relabeled.then_some(info.label.as_str()));
            self.out
                .primitive(file_id, info, name, info.site.map(|s| s.0.into()))?;
        }
        Ok(())
    }

    fn var(&mut self, meta: &TraceMeta, id: VarId) -> io::Result<()> {
        while self.ids.vars.len() <= id.index() {
            let k = self.ids.vars.len();
            let info = &meta.vars[k];
            if let Some(site) = info.site {
                self.site(meta, site)?;
            }
            let (file_id, relabeled) = self.var_ids.assign(&info.label);
            self.ids.vars.push(file_id);
            let name = info
                .name
                .as_deref()
                .or(relabeled.then_some(info.label.as_str()));
            self.out.var(file_id, name, info.site.map(|s| s.0.into()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_integer_labels_keep_their_ids() {
        let mut ids = IdAlloc::default();
        assert_eq!(ids.assign("7"), (7, false));
        assert_eq!(ids.assign("T1"), (0, true));
        assert_eq!(ids.assign("007"), (1, true));
        assert_eq!(ids.assign("7"), (2, true));
        assert_eq!(ids.assign("1"), (3, true));
    }
}
