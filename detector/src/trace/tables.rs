//! [`Tables`]: what the readers of lockscope's own encodings (JSON Lines,
//! JSON document, binary) share: file ids mapped to dense ids, declarations
//! folded into the [`TraceMeta`] tables, and times kept in file order.
//!
//! File ids are mapped to dense ids in order of first appearance; the file
//! id is kept as the entry's `label`. A declaration of an id already known
//! updates that entry (so a thread first seen in an event, or as another
//! thread's parent, can be declared later). An event naming an unknown
//! thread declares it implicitly; an unknown primitive, variable, site,
//! backtrace or note is an error.
//!
//! Errors come back as [`FieldError`]: the kind and the field whose value is
//! at fault, which each reader turns into its own position
//! (`file:line:column`, or a byte offset).
//!
//! # Performance
//! One vector index per id for ids below 2^20 (a hash lookup above).

use hashbrown::HashMap;

use super::error::{Position, TraceErrorKind};
use super::event::{BacktraceId, Event, NoteId, ObjId, SiteId, ThreadId, VarId};
use super::meta::{
    FormatVersion, Note, PrimitiveInfo, Site, SourceFormat, ThreadInfo, TraceMeta, VarInfo,
    FORMAT_VERSION,
};

/// A decoding error and the field it is about (`None`: the whole record).
#[derive(Debug)]
pub(crate) struct FieldError {
    pub field: Option<&'static str>,
    pub kind: TraceErrorKind,
}

/// `record` lacks `field`.
pub(crate) fn missing(record: &str, field: &'static str) -> FieldError {
    FieldError {
        field: None,
        kind: TraceErrorKind::MissingField {
            record: record.to_owned(),
            field,
        },
    }
}

/// `field` holds `found` where `expected` was expected.
pub(crate) fn bad(field: &'static str, found: &str, expected: &str) -> FieldError {
    FieldError {
        field: Some(field),
        kind: TraceErrorKind::BadValue {
            field,
            found: format!("{found:?}"),
            expected: expected.to_owned(),
        },
    }
}

/// `value`, or a missing-field error.
pub(crate) fn req<T>(value: Option<T>, record: &str, field: &'static str) -> Result<T, FieldError> {
    value.ok_or_else(|| missing(record, field))
}

/// Refuses a version this build does not read.
pub(crate) fn check_version(version: FormatVersion, text: &str) -> Result<(), FieldError> {
    if version.major > FORMAT_VERSION.major {
        return Err(FieldError {
            field: Some("version"),
            kind: TraceErrorKind::UnsupportedVersion {
                found: version,
                supported: FORMAT_VERSION,
            },
        });
    }
    if version.major < FORMAT_VERSION.major {
        return Err(bad("version", text, "1.x"));
    }
    Ok(())
}

/// File ids below this index a vector (the runtime's counters start at 1
/// and stay small); larger ones go through a hash map.
const DIRECT_LIMIT: u64 = 1 << 20;

/// File id -> dense id for one table.
#[derive(Debug, Default)]
struct IdMap {
    direct: Vec<u32>,
    map: HashMap<u64, u32>,
}

impl IdMap {
    #[inline]
    fn get(&self, id: u64) -> Option<u32> {
        if id < DIRECT_LIMIT {
            self.direct
                .get(id as usize)
                .copied()
                .filter(|&d| d != u32::MAX)
        } else {
            self.map.get(&id).copied()
        }
    }

    fn insert(&mut self, id: u64, dense: u32) {
        if id < DIRECT_LIMIT {
            let i = id as usize;
            crate::dense::grow(&mut self.direct, i, || u32::MAX);
            self.direct[i] = dense;
        } else {
            self.map.insert(id, dense);
        }
    }

    #[inline]
    fn lookup(&self, id: u64, field: &'static str, what: &'static str) -> Result<u32, FieldError> {
        // A match, not `ok_or`: the error is built only when it is one.
        match self.get(id) {
            Some(dense) => Ok(dense),
            None => Err(FieldError {
                field: Some(field),
                kind: TraceErrorKind::Undeclared { what, id },
            }),
        }
    }
}

/// The meta tables of a trace being read, and its file ids.
#[derive(Debug)]
pub(crate) struct Tables {
    pub meta: TraceMeta,
    threads: IdMap,
    prims: IdMap,
    vars: IdMap,
    sites: IdMap,
    backtraces: IdMap,
    notes: IdMap,
    last_time: u64,
    warned_time: bool,
}

impl Tables {
    pub fn new(format: SourceFormat) -> Self {
        Tables {
            meta: TraceMeta::new(format),
            threads: IdMap::default(),
            prims: IdMap::default(),
            vars: IdMap::default(),
            sites: IdMap::default(),
            backtraces: IdMap::default(),
            notes: IdMap::default(),
            last_time: 0,
            warned_time: false,
        }
    }

    /// Keeps times non-decreasing: an event earlier than the one before it
    /// gets the previous time. Returns `(found, previous)` the first time.
    pub fn order_time(&mut self, ev: &mut Event) -> Option<(u64, u64)> {
        if ev.time >= self.last_time {
            self.last_time = ev.time;
            return None;
        }
        let found = ev.time;
        ev.time = self.last_time;
        (!std::mem::replace(&mut self.warned_time, true)).then_some((found, self.last_time))
    }

    /// The warning for an out-of-order time at `at`.
    pub fn time_warning(at: &Position, (found, previous): (u64, u64)) -> String {
        format!(
            "{at}: time {found} is earlier than the previous event's {previous}; events keep \
             their file order and such times are raised to the previous one (only the first \
             is reported)"
        )
    }

    /// The dense id of thread `id`, declaring it if it is new.
    #[inline]
    pub fn thread(&mut self, id: u64) -> ThreadId {
        if let Some(dense) = self.threads.get(id) {
            return ThreadId(dense);
        }
        let dense = self.meta.push_thread(ThreadInfo {
            label: id.to_string(),
            ..ThreadInfo::default()
        });
        self.threads.insert(id, dense.0);
        dense
    }

    #[inline]
    pub fn obj(&self, id: u64, field: &'static str) -> Result<ObjId, FieldError> {
        self.prims.lookup(id, field, "primitive").map(ObjId)
    }

    #[inline]
    pub fn var(&self, id: u64, field: &'static str) -> Result<VarId, FieldError> {
        self.vars.lookup(id, field, "variable").map(VarId)
    }

    #[inline]
    pub fn site(&self, id: u64, field: &'static str) -> Result<SiteId, FieldError> {
        self.sites.lookup(id, field, "site").map(SiteId)
    }

    #[inline]
    pub fn backtrace(&self, id: u64, field: &'static str) -> Result<BacktraceId, FieldError> {
        self.backtraces
            .lookup(id, field, "backtrace")
            .map(BacktraceId)
    }

    #[inline]
    pub fn note(&self, id: u64, field: &'static str) -> Result<NoteId, FieldError> {
        self.notes.lookup(id, field, "note").map(NoteId)
    }

    /// Declares (or re-declares) site `id`.
    pub fn declare_site(&mut self, id: u64, site: Site) {
        match self.sites.get(id) {
            Some(dense) => self.meta.sites[dense as usize] = site,
            None => {
                let dense = self.meta.push_site(site);
                self.sites.insert(id, dense.0);
            }
        }
    }

    /// Declares thread `id`, or fills in what a re-declaration gives.
    pub fn declare_thread(
        &mut self,
        id: u64,
        name: Option<String>,
        parent: Option<u64>,
        spawn_site: Option<SiteId>,
    ) {
        let parent = parent.map(|p| self.thread(p));
        let dense = self.thread(id);
        let info = &mut self.meta.threads[dense.index()];
        info.name = name.or(info.name.take());
        info.parent = parent.or(info.parent);
        info.spawn_site = spawn_site.or(info.spawn_site);
    }

    /// Declares (or re-declares) primitive `id`; its label becomes `id`.
    pub fn declare_primitive(&mut self, id: u64, mut info: PrimitiveInfo) {
        info.label = id.to_string();
        match self.prims.get(id) {
            Some(dense) => self.meta.primitives[dense as usize] = info,
            None => {
                let dense = self.meta.push_primitive(info);
                self.prims.insert(id, dense.0);
            }
        }
    }

    /// Declares (or re-declares) variable `id`.
    pub fn declare_var(&mut self, id: u64, name: Option<String>, site: Option<SiteId>) {
        let info = VarInfo {
            label: id.to_string(),
            name,
            site,
        };
        match self.vars.get(id) {
            Some(dense) => self.meta.vars[dense as usize] = info,
            None => {
                let dense = self.meta.push_var(info);
                self.vars.insert(id, dense.0);
            }
        }
    }

    /// Declares (or re-declares) backtrace `id`.
    pub fn declare_backtrace(&mut self, id: u64, frames: Vec<String>) {
        match self.backtraces.get(id) {
            Some(dense) => self.meta.backtraces[dense as usize] = frames,
            None => {
                let dense = self.meta.push_backtrace(frames);
                self.backtraces.insert(id, dense.0);
            }
        }
    }

    /// Declares (or re-declares) note `id`.
    pub fn declare_note(&mut self, id: u64, note: Note) {
        match self.notes.get(id) {
            Some(dense) => self.meta.notes[dense as usize] = note,
            None => {
                let dense = self.meta.push_note(note);
                self.notes.insert(id, dense.0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::event::EventKind;

    #[test]
    fn times_are_clamped_and_warned_once() {
        let mut d = Tables::new(SourceFormat::JsonLines);
        let ev = |t| Event {
            time: t,
            thread: ThreadId(0),
            site: None,
            backtrace: None,
            kind: EventKind::Begin,
        };
        assert_eq!(d.order_time(&mut ev(5)), None);
        let mut e = ev(3);
        assert_eq!(d.order_time(&mut e), Some((3, 5)));
        assert_eq!(e.time, 5);
        assert_eq!(d.order_time(&mut ev(1)), None);
    }

    #[test]
    fn large_and_small_ids_map_densely_in_order_of_appearance() {
        let mut d = Tables::new(SourceFormat::JsonLines);
        assert_eq!(d.thread(7), ThreadId(0));
        assert_eq!(d.thread(u64::MAX), ThreadId(1));
        assert_eq!(d.thread(7), ThreadId(0));
        assert_eq!(d.meta.threads[1].label, u64::MAX.to_string());
        assert!(d.obj(3, "obj").is_err());
        d.declare_site(1 << 40, Site::Label("x".into()));
        assert_eq!(d.site(1 << 40, "site").unwrap(), SiteId(0));
    }
}
