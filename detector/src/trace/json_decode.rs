//! Turns decoded JSON [`Record`]s into meta-table entries and [`Event`]s:
//! the semantics shared by the JSON Lines and JSON document readers.
//!
//! File ids are mapped to dense ids in order of first appearance; the file
//! id is kept as the entry's `label`. A declaration of an id already known
//! updates that entry (so a thread first seen in an event, or as another
//! thread's parent, can be declared later). An event naming an unknown
//! thread declares it implicitly; an unknown primitive, variable, site,
//! backtrace or note is an error.
//!
//! Errors come back as [`FieldError`]: the kind and the field whose value is
//! at fault, which the reader turns into a `file:line:column`.
//!
//! # Performance
//! One vector index per id in the event for ids below 2^20 (a hash lookup
//! above); records are decoded in place, declarations take their strings
//! out of the record instead of copying them.

use hashbrown::HashMap;

use super::json_fast::EventFields;
use super::wire::Record;
use super::{
    ClockUnit, Event, FormatVersion, Header, Note, Position, PrimitiveInfo, PrimitiveKind, Site,
    SiteId, SourceFormat, ThreadId, ThreadInfo, TraceErrorKind, TraceMeta, VarInfo, FORMAT_NAME,
    FORMAT_VERSION,
};

/// A decoding error and the field it is about (`None`: the whole record).
#[derive(Debug)]
pub(crate) struct FieldError {
    pub field: Option<&'static str>,
    pub kind: TraceErrorKind,
}

fn missing(record: &str, field: &'static str) -> FieldError {
    FieldError {
        field: None,
        kind: TraceErrorKind::MissingField {
            record: record.to_owned(),
            field,
        },
    }
}

pub(super) fn bad(field: &'static str, found: &str, expected: &str) -> FieldError {
    FieldError {
        field: Some(field),
        kind: TraceErrorKind::BadValue {
            field,
            found: format!("{found:?}"),
            expected: expected.to_owned(),
        },
    }
}

pub(super) fn req<T>(value: Option<T>, record: &str, field: &'static str) -> Result<T, FieldError> {
    value.ok_or_else(|| missing(record, field))
}

/// File ids below this index a vector (the runtime's counters start at 1
/// and stay small); larger ones go through a hash map.
const DIRECT_LIMIT: u64 = 1 << 20;

/// File id -> dense id for one table.
#[derive(Debug, Default)]
pub(super) struct IdMap {
    direct: Vec<u32>,
    map: HashMap<u64, u32>,
}

impl IdMap {
    #[inline]
    fn get(&self, id: &u64) -> Option<&u32> {
        if *id < DIRECT_LIMIT {
            self.direct.get(*id as usize).filter(|&&d| d != u32::MAX)
        } else {
            self.map.get(id)
        }
    }

    fn insert(&mut self, id: u64, dense: u32) {
        if id < DIRECT_LIMIT {
            let i = id as usize;
            if self.direct.len() <= i {
                self.direct.resize(i + 1, u32::MAX);
            }
            self.direct[i] = dense;
        } else {
            self.map.insert(id, dense);
        }
    }
}

/// File id -> dense id, per table.
#[derive(Debug, Default)]
pub(super) struct Ids {
    pub(super) threads: IdMap,
    pub(super) prims: IdMap,
    pub(super) vars: IdMap,
    pub(super) sites: IdMap,
    pub(super) backtraces: IdMap,
    pub(super) notes: IdMap,
}

#[inline]
pub(super) fn lookup(
    map: &IdMap,
    id: Option<u64>,
    record: &str,
    field: &'static str,
    what: &'static str,
) -> Result<u32, FieldError> {
    let id = req(id, record, field)?;
    map.get(&id).copied().ok_or(FieldError {
        field: Some(field),
        kind: TraceErrorKind::Undeclared { what, id },
    })
}

/// The decoding state of one JSON trace.
#[derive(Debug)]
pub(crate) struct Decoder {
    pub meta: TraceMeta,
    pub(super) ids: Ids,
    last_time: u64,
    warned_time: bool,
}

impl Decoder {
    pub fn new(format: SourceFormat) -> Self {
        Decoder {
            meta: TraceMeta::new(format),
            ids: Ids::default(),
            last_time: 0,
            warned_time: false,
        }
    }

    /// Reads the header record into `meta.header`.
    pub fn header(&mut self, rec: Record<'_>) -> Result<(), FieldError> {
        let format = req(rec.format, "header", "format")?;
        if format != FORMAT_NAME {
            return Err(bad("format", &format, &format!("{FORMAT_NAME:?}")));
        }
        let text = req(rec.version, "header", "version")?;
        let version = parse_version(&text)
            .ok_or_else(|| bad("version", &text, "\"MAJOR.MINOR\", such as \"1.0\""))?;
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
            return Err(bad("version", &text, "1.x"));
        }
        let clock = match rec.clock {
            None => ClockUnit::Nanoseconds,
            Some(c) => ClockUnit::parse(&c).ok_or_else(|| bad("clock", &c, "\"ns\" or \"seq\""))?,
        };
        self.meta.header = Header {
            version,
            command: rec.command.unwrap_or_default(),
            pid: rec.pid,
            start_time: rec.start_time,
            clock,
        };
        Ok(())
    }

    /// Decodes one record after the header: a declaration (`Ok(None)`) or an
    /// event.
    pub fn record(&mut self, rec: &mut Record<'_>) -> Result<Option<Event>, FieldError> {
        let Some(ty) = rec.ty.take() else {
            return Err(missing("a", "type"));
        };
        match &*ty {
            "header" => Err(bad(
                "type",
                "header",
                "a single header, as the first record",
            )),
            "site" => self.site(rec).map(|()| None),
            "thread" => self.thread(rec).map(|()| None),
            "primitive" => self.primitive(rec).map(|()| None),
            "var" => self.var(rec).map(|()| None),
            "backtrace" => self.backtrace(rec).map(|()| None),
            "note_text" => self.note(rec).map(|()| None),
            ty => self.event(&EventFields::from_record(rec, ty)).map(Some),
        }
    }

    /// Keeps times non-decreasing: an event earlier than the one before it
    /// gets the previous time. Returns `(found, previous)` the first time.
    pub fn order_time(&mut self, ev: &mut Event) -> Option<(u64, u64)> {
        self.order_time_inner(ev)
    }

    /// The warning for an out-of-order time at `at`.
    pub fn time_warning(at: &Position, (found, previous): (u64, u64)) -> String {
        format!(
            "{at}: time {found} is earlier than the previous event's {previous}; events keep \
             their file order and such times are raised to the previous one (only the first \
             is reported)"
        )
    }

    fn order_time_inner(&mut self, ev: &mut Event) -> Option<(u64, u64)> {
        if ev.time >= self.last_time {
            self.last_time = ev.time;
            return None;
        }
        let found = ev.time;
        ev.time = self.last_time;
        (!std::mem::replace(&mut self.warned_time, true)).then_some((found, self.last_time))
    }

    /// The dense id of thread `id`, declaring it if it is new.
    pub(super) fn thread_ref(&mut self, id: u64) -> ThreadId {
        if let Some(&dense) = self.ids.threads.get(&id) {
            return ThreadId(dense);
        }
        let dense = self.meta.push_thread(ThreadInfo {
            label: id.to_string(),
            ..ThreadInfo::default()
        });
        self.ids.threads.insert(id, dense.0);
        dense
    }

    pub(super) fn site_ref(
        &self,
        id: Option<u64>,
        record: &str,
    ) -> Result<Option<SiteId>, FieldError> {
        id.map(|id| lookup(&self.ids.sites, Some(id), record, "site", "site").map(SiteId))
            .transpose()
    }

    fn site(&mut self, rec: &mut Record<'_>) -> Result<(), FieldError> {
        let id = req(rec.id, "site", "id")?;
        let site = match (rec.file.take(), rec.label.take()) {
            (Some(file), _) => Site::Source {
                file,
                line: req(rec.line, "site", "line")?,
                column: rec.column.unwrap_or(0),
            },
            (None, Some(label)) => Site::Label(label),
            (None, None) => return Err(missing("site", "label")),
        };
        match self.ids.sites.get(&id) {
            Some(&dense) => self.meta.sites[dense as usize] = site,
            None => {
                let dense = self.meta.push_site(site);
                self.ids.sites.insert(id, dense.0);
            }
        }
        Ok(())
    }

    fn thread(&mut self, rec: &mut Record<'_>) -> Result<(), FieldError> {
        let id = req(rec.id, "thread", "id")?;
        let spawn_site = self.site_ref(rec.site, "thread")?;
        let parent = rec.parent.map(|p| self.thread_ref(p));
        let dense = self.thread_ref(id);
        let info = &mut self.meta.threads[dense.index()];
        info.name = rec.name.take().or(info.name.take());
        info.parent = parent.or(info.parent);
        info.spawn_site = spawn_site.or(info.spawn_site);
        Ok(())
    }

    fn primitive(&mut self, rec: &mut Record<'_>) -> Result<(), FieldError> {
        let id = req(rec.id, "primitive", "id")?;
        let kind = req(rec.kind.take(), "primitive", "kind")?;
        let kind = PrimitiveKind::parse(&kind).ok_or_else(|| {
            let names: Vec<&str> = PrimitiveKind::ALL.iter().map(|k| k.as_str()).collect();
            bad("kind", &kind, &format!("one of {}", names.join(", ")))
        })?;
        let info = PrimitiveInfo {
            label: id.to_string(),
            kind,
            name: rec.name.take(),
            site: self.site_ref(rec.site, "primitive")?,
            permits: rec.permits,
            rank: rec.rank,
        };
        match self.ids.prims.get(&id) {
            Some(&dense) => self.meta.primitives[dense as usize] = info,
            None => {
                let dense = self.meta.push_primitive(info);
                self.ids.prims.insert(id, dense.0);
            }
        }
        Ok(())
    }

    fn var(&mut self, rec: &mut Record<'_>) -> Result<(), FieldError> {
        let id = req(rec.id, "var", "id")?;
        let info = VarInfo {
            label: id.to_string(),
            name: rec.name.take(),
            site: self.site_ref(rec.site, "var")?,
        };
        match self.ids.vars.get(&id) {
            Some(&dense) => self.meta.vars[dense as usize] = info,
            None => {
                let dense = self.meta.push_var(info);
                self.ids.vars.insert(id, dense.0);
            }
        }
        Ok(())
    }

    fn backtrace(&mut self, rec: &mut Record<'_>) -> Result<(), FieldError> {
        let id = req(rec.id, "backtrace", "id")?;
        let frames = rec.frames.take().unwrap_or_default();
        match self.ids.backtraces.get(&id) {
            Some(&dense) => self.meta.backtraces[dense as usize] = frames,
            None => {
                let dense = self.meta.push_backtrace(frames);
                self.ids.backtraces.insert(id, dense.0);
            }
        }
        Ok(())
    }

    fn note(&mut self, rec: &mut Record<'_>) -> Result<(), FieldError> {
        let id = req(rec.id, "note_text", "id")?;
        let note = Note {
            kind: req(rec.kind.take(), "note_text", "kind")?.into_owned(),
            text: req(rec.text.take(), "note_text", "text")?,
        };
        match self.ids.notes.get(&id) {
            Some(&dense) => self.meta.notes[dense as usize] = note,
            None => {
                let dense = self.meta.push_note(note);
                self.ids.notes.insert(id, dense.0);
            }
        }
        Ok(())
    }
}

/// Parses `MAJOR.MINOR`.
fn parse_version(text: &str) -> Option<FormatVersion> {
    let (major, minor) = text.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(major) || !digits(minor) {
        return None;
    }
    Some(FormatVersion {
        major: major.parse().ok()?,
        minor: minor.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::EventKind;

    #[test]
    fn versions_parse_as_major_minor() {
        assert_eq!(
            parse_version("1.7"),
            Some(FormatVersion { major: 1, minor: 7 })
        );
        assert_eq!(parse_version("1"), None);
        assert_eq!(parse_version("1.x"), None);
        assert_eq!(parse_version("+1.0"), None);
    }

    #[test]
    fn times_are_clamped_and_warned_once() {
        let mut d = Decoder::new(SourceFormat::JsonLines);
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
}
