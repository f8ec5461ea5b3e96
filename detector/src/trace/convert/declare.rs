//! [`TraceOut`]: a whole trace through any [`Encoder`] (JSON Lines, JSON
//! document, binary), the part of [`write_trace`](super::write_trace) that
//! every encoding of lockscope's own shares.
//!
//! The output declares every table entry just before its first use, in
//! dense-id order (declaring entry `k` first declares every undeclared
//! entry below `k`), so a reader assigns the same dense ids again; entries
//! never used by an event are declared at the end. File ids are assigned
//! as `ids` describes; an entry whose label was replaced and that has no
//! name gets its label as its name (so STD names such as `T1` survive
//! STD -> JSON -> STD).
//!
//! A source that streams may fill in an entry after its first use (a
//! thread's parent declared later, a re-declaration): a thread whose parent
//! has a higher dense id is declared without it and declared again, with
//! it, right after the parent; and at the end every entry that differs from
//! what was written is declared again. So the tables read back equal the
//! source's final tables.
//!
//! # Performance
//! One pass; per event a few vector lookups besides the encoding itself.
//! Every entry is hashed once when written and once at the end.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io;

use super::ids::{Assigned, IdAlloc};
use super::summary::{output_error, WriteSummary};
use crate::trace::encode::Encoder;
use crate::trace::error::TraceError;
use crate::trace::event::{BacktraceId, Event, EventKind, NoteId, ObjId, SiteId, ThreadId, VarId};
use crate::trace::meta::TraceMeta;
use crate::trace::source::EventSource;

/// A fingerprint of what was written for one table entry.
fn fingerprint(value: impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// Fingerprints of the entries written, per table (index: dense id; the
/// length is how many are declared).
#[derive(Debug, Default)]
struct Written {
    threads: Vec<u64>,
    prims: Vec<u64>,
    vars: Vec<u64>,
    sites: Vec<u64>,
    backtraces: Vec<u64>,
    notes: Vec<u64>,
}

/// Records fingerprint `fp` of entry `k` of `table`.
fn record(table: &mut Vec<u64>, k: usize, fp: u64) {
    if k == table.len() {
        table.push(fp);
    } else {
        table[k] = fp;
    }
}

/// A whole trace written through `E`.
pub(crate) struct TraceOut<E> {
    out: E,
    ids: Assigned,
    thread_ids: IdAlloc,
    prim_ids: IdAlloc,
    var_ids: IdAlloc,
    written: Written,
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
            written: Written::default(),
            orphans: Vec::new(),
        }
    }

    pub fn run(mut self, source: &mut dyn EventSource) -> Result<WriteSummary, TraceError> {
        let mut summary = WriteSummary::default();
        self.out
            .header(&source.meta().header)
            .map_err(output_error)?;
        while let Some(ev) = source.next_event()? {
            summary.events_read += 1;
            self.event(source.meta(), &ev).map_err(output_error)?;
            summary.events_written += 1;
        }
        self.finish(source.meta()).map_err(output_error)?;
        Ok(summary)
    }

    fn finish(mut self, meta: &TraceMeta) -> io::Result<()> {
        self.declare_all(meta)?;
        self.declare_changed(meta)?;
        self.out.finish()
    }

    fn declare_all(&mut self, meta: &TraceMeta) -> io::Result<()> {
        let last = |n: usize| n.checked_sub(1).map(|k| k as u32);
        if let Some(k) = last(meta.threads.len()) {
            self.thread(meta, ThreadId(k))?;
        }
        if let Some(k) = last(meta.primitives.len()) {
            self.obj(meta, ObjId(k))?;
        }
        if let Some(k) = last(meta.vars.len()) {
            self.var(meta, VarId(k))?;
        }
        if let Some(k) = last(meta.sites.len()) {
            self.site(meta, SiteId(k))?;
        }
        if let Some(k) = last(meta.backtraces.len()) {
            self.backtrace(meta, BacktraceId(k))?;
        }
        if let Some(k) = last(meta.notes.len()) {
            self.note(meta, NoteId(k))?;
        }
        Ok(())
    }

    /// Declares again every entry the source changed after it was written.
    fn declare_changed(&mut self, meta: &TraceMeta) -> io::Result<()> {
        for k in 0..meta.sites.len() {
            if fingerprint(&meta.sites[k]) != self.written.sites[k] {
                self.write_site(meta, k)?;
            }
        }
        for k in 0..meta.backtraces.len() {
            if fingerprint(&meta.backtraces[k]) != self.written.backtraces[k] {
                self.write_backtrace(meta, k)?;
            }
        }
        for k in 0..meta.notes.len() {
            if self.note_fp(meta, k) != self.written.notes[k] {
                self.write_note(meta, k)?;
            }
        }
        for k in 0..meta.primitives.len() {
            if self.prim_fp(meta, k) != self.written.prims[k] {
                self.write_obj(meta, k)?;
            }
        }
        for k in 0..meta.vars.len() {
            if self.var_fp(meta, k) != self.written.vars[k] {
                self.write_var(meta, k)?;
            }
        }
        for k in 0..meta.threads.len() {
            if self.thread_fp(meta, k, meta.threads[k].parent) != self.written.threads[k] {
                self.write_thread(meta, k, meta.threads[k].parent)?;
            }
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
            | EventKind::Join { child: t }
            | EventKind::Scheduled { worker: t } => self.thread(meta, t)?,
            EventKind::CondWait { condvar, mutex, .. }
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
        while self.written.sites.len() <= id.index() {
            self.write_site(meta, self.written.sites.len())?;
        }
        Ok(())
    }

    fn write_site(&mut self, meta: &TraceMeta, k: usize) -> io::Result<()> {
        record(&mut self.written.sites, k, fingerprint(&meta.sites[k]));
        self.out.site(k as u64, &meta.sites[k])
    }

    fn backtrace(&mut self, meta: &TraceMeta, id: BacktraceId) -> io::Result<()> {
        while self.written.backtraces.len() <= id.index() {
            self.write_backtrace(meta, self.written.backtraces.len())?;
        }
        Ok(())
    }

    fn write_backtrace(&mut self, meta: &TraceMeta, k: usize) -> io::Result<()> {
        let fp = fingerprint(&meta.backtraces[k]);
        record(&mut self.written.backtraces, k, fp);
        self.out.backtrace(k as u64, &meta.backtraces[k])
    }

    fn note(&mut self, meta: &TraceMeta, id: NoteId) -> io::Result<()> {
        while self.written.notes.len() <= id.index() {
            self.write_note(meta, self.written.notes.len())?;
        }
        Ok(())
    }

    fn note_fp(&self, meta: &TraceMeta, k: usize) -> u64 {
        let note = &meta.notes[k];
        fingerprint((&note.kind, &note.text))
    }

    fn write_note(&mut self, meta: &TraceMeta, k: usize) -> io::Result<()> {
        let fp = self.note_fp(meta, k);
        record(&mut self.written.notes, k, fp);
        self.out.note(k as u64, &meta.notes[k])
    }

    fn thread(&mut self, meta: &TraceMeta, id: ThreadId) -> io::Result<()> {
        while self.ids.threads.len() <= id.index() {
            let k = self.ids.threads.len();
            let info = &meta.threads[k];
            if let Some(site) = info.spawn_site {
                self.site(meta, site)?;
            }
            let assigned = self.thread_ids.assign(&info.label);
            self.ids.threads.push(assigned);
            let parent = match info.parent {
                Some(p) if p.index() < k => Some(p),
                Some(_) => {
                    self.orphans.push(ThreadId(k as u32));
                    None
                }
                None => None,
            };
            self.write_thread(meta, k, parent)?;
            self.adopt(meta, ThreadId(k as u32))?;
        }
        Ok(())
    }

    /// What is written for thread `k` declared with `parent`.
    fn thread_fp(&self, meta: &TraceMeta, k: usize, parent: Option<ThreadId>) -> u64 {
        let info = &meta.threads[k];
        fingerprint((&info.name, parent, info.spawn_site))
    }

    /// Declares thread `k` (already given a file id) with `parent`.
    fn write_thread(
        &mut self,
        meta: &TraceMeta,
        k: usize,
        parent: Option<ThreadId>,
    ) -> io::Result<()> {
        let fp = self.thread_fp(meta, k, parent);
        record(&mut self.written.threads, k, fp);
        let info = &meta.threads[k];
        let (file_id, relabeled) = self.ids.threads[k];
        let name = info
            .name
            .as_deref()
            .or(relabeled.then_some(info.label.as_str()));
        let parent = parent.map(|p| self.ids.threads[p.index()].0);
        let site = info.spawn_site.map(|s| u64::from(s.0));
        self.out.thread(file_id, name, parent, site)
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
            self.write_thread(meta, child.index(), Some(parent))?;
        }
        Ok(())
    }

    fn obj(&mut self, meta: &TraceMeta, id: ObjId) -> io::Result<()> {
        while self.ids.prims.len() <= id.index() {
            let k = self.ids.prims.len();
            if let Some(site) = meta.primitives[k].site {
                self.site(meta, site)?;
            }
            let assigned = self.prim_ids.assign(&meta.primitives[k].label);
            self.ids.prims.push(assigned);
            self.write_obj(meta, k)?;
        }
        Ok(())
    }

    fn prim_fp(&self, meta: &TraceMeta, k: usize) -> u64 {
        let p = &meta.primitives[k];
        fingerprint((
            p.kind.as_str(),
            &p.name,
            p.site,
            p.permits,
            p.rank,
            &p.class,
        ))
    }

    fn write_obj(&mut self, meta: &TraceMeta, k: usize) -> io::Result<()> {
        let fp = self.prim_fp(meta, k);
        record(&mut self.written.prims, k, fp);
        let info = &meta.primitives[k];
        let (file_id, relabeled) = self.ids.prims[k];
        let name = info
            .name
            .as_deref()
            .or(relabeled.then_some(info.label.as_str()));
        let site = info.site.map(|s| s.0.into());
        self.out.primitive(file_id, info, name, site)
    }

    fn var(&mut self, meta: &TraceMeta, id: VarId) -> io::Result<()> {
        while self.ids.vars.len() <= id.index() {
            let k = self.ids.vars.len();
            if let Some(site) = meta.vars[k].site {
                self.site(meta, site)?;
            }
            let assigned = self.var_ids.assign(&meta.vars[k].label);
            self.ids.vars.push(assigned);
            self.write_var(meta, k)?;
        }
        Ok(())
    }

    fn var_fp(&self, meta: &TraceMeta, k: usize) -> u64 {
        let v = &meta.vars[k];
        fingerprint((&v.name, v.site))
    }

    fn write_var(&mut self, meta: &TraceMeta, k: usize) -> io::Result<()> {
        let fp = self.var_fp(meta, k);
        record(&mut self.written.vars, k, fp);
        let info = &meta.vars[k];
        let (file_id, relabeled) = self.ids.vars[k];
        let name = info
            .name
            .as_deref()
            .or(relabeled.then_some(info.label.as_str()));
        self.out.var(file_id, name, info.site.map(|s| s.0.into()))
    }
}
