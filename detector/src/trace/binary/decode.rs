//! Binary records to the model: the header, declarations folded into
//! [`Tables`] and events. A record is parsed whole before anything is
//! applied, so a record cut by the end of the bytes at hand ([`Stop::More`])
//! leaves no trace and is parsed again once more input is read.

use super::bytes::{bad, Bytes, Stop};
use super::shape::{assemble, shape, Parts};
use super::tag::{self, Record, Tag};
use crate::trace::event::{Event, LockMode, PrimitiveKind, SiteId, ThreadId};
use crate::trace::event_type::EventType;
use crate::trace::meta::{
    ClockUnit, FormatVersion, Header, Note, PrimitiveInfo, Site, SourceFormat, TestId,
};
use crate::trace::tables::{check_version, FieldError, Tables};

/// What one record was.
#[derive(Debug)]
pub(crate) enum Item {
    Event(Event),
    Declaration,
    /// The end record, with the number of events it says were written.
    End(u64),
}

/// The decoding state of one binary trace.
#[derive(Debug)]
pub(crate) struct Decoder {
    pub tables: Tables,
    /// The previous event's thread and time.
    thread: Option<ThreadId>,
    time: u64,
    /// Source file names of the sites read, by number.
    files: Vec<String>,
    /// Events decoded.
    pub events: u64,
}

/// A [`FieldError`] about the record that starts at `at`.
fn field(at: usize, e: FieldError) -> Stop {
    Stop::at(at, e.kind)
}

/// A flags byte with no bit above the `known` low bits.
fn flags(b: &mut Bytes<'_>, known: u32, record: &str) -> Result<u8, Stop> {
    let at = b.at;
    let flags = b.u8()?;
    if u32::from(flags) >> known != 0 {
        return Err(bad(
            at,
            format!("{record} flags {flags:#04x}"),
            &format!("only the low {known} bits set"),
        ));
    }
    Ok(flags)
}

/// `read(b)` when `present`.
fn opt<'a, T>(
    present: bool,
    b: &mut Bytes<'a>,
    read: impl FnOnce(&mut Bytes<'a>) -> Result<T, Stop>,
) -> Result<Option<T>, Stop> {
    present.then(|| read(b)).transpose()
}

/// Reads the header that follows the magic number.
pub(crate) fn header(b: &mut Bytes<'_>) -> Result<Header, Stop> {
    let at = b.at;
    let version = FormatVersion {
        major: b.u32("major version")?,
        minor: b.u32("minor version")?,
    };
    check_version(version, &version.to_string()).map_err(|e| field(at, e))?;
    let clock_at = b.at;
    let clock = match b.u8()? {
        0 => ClockUnit::Nanoseconds,
        1 => ClockUnit::Sequence,
        c => return Err(bad(clock_at, format!("clock {c}"), "0 (ns) or 1 (seq)")),
    };
    let present = flags(b, 3, "header")?;
    let n = b.count("command arguments")?;
    let mut command = Vec::new();
    for _ in 0..n {
        command.push(b.string("a command argument")?);
    }
    let pid = opt(present & 1 != 0, b, |b| b.u32("pid"))?;
    let start_time = opt(present & 2 != 0, b, |b| b.string("start_time"))?;
    let test = opt(present & 4 != 0, b, test_id)?;
    Ok(Header {
        version,
        command,
        pid,
        start_time,
        clock,
        test,
    })
}

/// The header's test: its binary, a flags byte, then the flagged fields.
fn test_id(b: &mut Bytes<'_>) -> Result<TestId, Stop> {
    let binary = b.string("test binary")?;
    let present = flags(b, 3, "test")?;
    Ok(TestId {
        binary,
        name: opt(present & 1 != 0, b, |b| b.string("test name"))?,
        run_id: opt(present & 2 != 0, b, |b| b.string("test run id"))?,
        attempt: opt(present & 4 != 0, b, |b| b.u32("test attempt"))?,
    })
}

impl Decoder {
    pub fn new() -> Self {
        Decoder {
            tables: Tables::new(SourceFormat::Binary),
            thread: None,
            time: 0,
            files: Vec::new(),
            events: 0,
        }
    }

    /// Decodes the record at the start of `b`.
    pub fn record(&mut self, b: &mut Bytes<'_>) -> Result<Item, Stop> {
        let tag = b.u8()?;
        match tag::kind(tag) {
            Tag::Event(ty) => self.event(ty, tag, b).map(Item::Event),
            Tag::Record(Record::End) => b.varint().map(Item::End),
            Tag::Record(record) => self.declaration(record, b).map(|()| Item::Declaration),
            Tag::Reserved => Err(bad(
                0,
                format!("record tag {tag:#04x}"),
                "an event type code (0-27) or a record tag (0x1f, 0x3f, ..., 0xdf)",
            )),
        }
    }

    fn event(&mut self, ty: EventType, tag: u8, b: &mut Bytes<'_>) -> Result<Event, Stop> {
        let options = if tag & tag::HAS_OPTIONS != 0 {
            self.options(ty, b)?
        } else {
            0
        };
        let thread = if tag & tag::SAME_THREAD != 0 {
            None
        } else {
            Some(b.varint()?)
        };
        let dt = b.varint()?;
        let s = shape(ty);
        let mut parts = Parts {
            operands: [0; 2],
            mode: tag::mode_of(options).unwrap_or(LockMode::Exclusive),
            flag: options & tag::OPT_FLAG != 0,
            value: None,
        };
        for operand in &mut parts.operands[..s.operands] {
            *operand = b.varint()?;
        }
        parts.value = opt(options & tag::OPT_VALUE != 0, b, Bytes::varint)?;
        let site = opt(tag & tag::HAS_SITE != 0, b, Bytes::varint)?;
        let bt = opt(options & tag::OPT_BACKTRACE != 0, b, Bytes::varint)?;
        // Parsed whole: apply.
        let thread = match (thread, self.thread) {
            (Some(id), _) => self.tables.thread(id),
            (None, Some(previous)) => previous,
            (None, None) => {
                return Err(bad(
                    0,
                    "an event of \"the previous event's thread\"".into(),
                    "a thread id on the first event",
                ))
            }
        };
        let time = self
            .time
            .checked_add(dt)
            .ok_or_else(|| bad(0, format!("a time past 2^64 (+{dt})"), "times below 2^64"))?;
        let site = site
            .map(|s| self.tables.site(s, "site"))
            .transpose()
            .map_err(|e| field(0, e))?;
        let backtrace = bt
            .map(|id| self.tables.backtrace(id, "bt"))
            .transpose()
            .map_err(|e| field(0, e))?;
        let kind = assemble(ty, &parts, &mut self.tables).map_err(|e| field(0, e))?;
        self.thread = Some(thread);
        self.time = time;
        self.events += 1;
        Ok(Event {
            time,
            thread,
            site,
            backtrace,
            kind,
        })
    }

    /// An event's options byte, checked against what type `ty` has.
    fn options(&self, ty: EventType, b: &mut Bytes<'_>) -> Result<u8, Stop> {
        let at = b.at;
        let options = b.u8()?;
        let s = shape(ty);
        let refuse = |what: &str| {
            bad(
                at,
                format!("options {options:#04x} on a {ty} event: {what}"),
                "only the options its type has (docs/trace-format.md, Binary)",
            )
        };
        if options & tag::OPT_RESERVED != 0 {
            return Err(refuse("reserved bits set"));
        }
        if tag::mode_of(options).is_none() {
            return Err(refuse("mode 3"));
        }
        if !s.mode && options & tag::OPT_MODE_MASK != 0 {
            return Err(refuse("a mode"));
        }
        if !s.flag && options & tag::OPT_FLAG != 0 {
            return Err(refuse("a flag"));
        }
        if !s.value && options & tag::OPT_VALUE != 0 {
            return Err(refuse("a value"));
        }
        Ok(options)
    }

    fn site_ref(&self, id: Option<u64>) -> Result<Option<SiteId>, Stop> {
        id.map(|s| self.tables.site(s, "site"))
            .transpose()
            .map_err(|e| field(0, e))
    }

    fn declaration(&mut self, record: Record, b: &mut Bytes<'_>) -> Result<(), Stop> {
        let id = b.varint()?;
        match record {
            Record::End => unreachable!("the end record is not a declaration"),
            Record::Site => self.site(id, b),
            Record::Thread => {
                let present = flags(b, 3, "thread")?;
                let name = opt(present & 1 != 0, b, |b| b.string("a thread name"))?;
                let parent = opt(present & 2 != 0, b, Bytes::varint)?;
                let site = self.site_ref(opt(present & 4 != 0, b, Bytes::varint)?)?;
                self.tables.declare_thread(id, name, parent, site);
                Ok(())
            }
            Record::Primitive => self.primitive(id, b),
            Record::Var => {
                let present = flags(b, 2, "var")?;
                let name = opt(present & 1 != 0, b, |b| b.string("a variable name"))?;
                let site = self.site_ref(opt(present & 2 != 0, b, Bytes::varint)?)?;
                self.tables.declare_var(id, name, site);
                Ok(())
            }
            Record::Backtrace => {
                let n = b.count("frames")?;
                let mut frames = Vec::new();
                for _ in 0..n {
                    frames.push(b.string("a frame")?);
                }
                self.tables.declare_backtrace(id, frames);
                Ok(())
            }
            Record::NoteText => {
                let kind = b.string("a note kind")?;
                let text = b.string("a note text")?;
                self.tables.declare_note(id, Note { kind, text });
                Ok(())
            }
        }
    }

    fn site(&mut self, id: u64, b: &mut Bytes<'_>) -> Result<(), Stop> {
        let at = b.at;
        let form = b.varint()?;
        let site = match form {
            0 => Site::Label(b.string("a site label")?),
            1 => {
                let file = b.string("a file name")?;
                let (line, column) = (b.u32("line")?, b.u32("column")?);
                self.files.push(file.clone());
                Site::Source { file, line, column }
            }
            n => {
                let file = usize::try_from(n - 2)
                    .ok()
                    .and_then(|k| self.files.get(k))
                    .ok_or_else(|| {
                        bad(
                            at,
                            format!("file number {}", n - 2),
                            &format!("one of the {} file names read so far", self.files.len()),
                        )
                    })?
                    .clone();
                let (line, column) = (b.u32("line")?, b.u32("column")?);
                Site::Source { file, line, column }
            }
        };
        self.tables.declare_site(id, site);
        Ok(())
    }

    fn primitive(&mut self, id: u64, b: &mut Bytes<'_>) -> Result<(), Stop> {
        let at = b.at;
        let k = b.u8()?;
        let kind = *PrimitiveKind::ALL
            .get(usize::from(k))
            .ok_or_else(|| bad(at, format!("primitive kind {k}"), "0-6 (mutex ... barrier)"))?;
        let present = flags(b, 5, "primitive")?;
        let name = opt(present & 1 != 0, b, |b| b.string("a primitive name"))?;
        let site = self.site_ref(opt(present & 2 != 0, b, Bytes::varint)?)?;
        let permits = opt(present & 4 != 0, b, |b| b.u32("permits"))?;
        let rank = opt(present & 8 != 0, b, Bytes::varint)?;
        let class = opt(present & 16 != 0, b, |b| b.string("a lock class"))?;
        let info = PrimitiveInfo {
            label: String::new(),
            kind,
            name,
            site,
            permits,
            rank,
            class,
        };
        self.tables.declare_primitive(id, info);
        Ok(())
    }
}
