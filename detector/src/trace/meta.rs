//! The trace's tables: header, threads, primitives, variables, sites,
//! backtraces and notes. Events refer into them by dense id.
//!
//! A reader fills these tables as declarations stream by, so their size is
//! bounded by the number of distinct threads, primitives, variables and
//! sites, never by the number of events.

use std::borrow::Cow;
use std::fmt;

use super::event::{BacktraceId, NoteId, ObjId, PrimitiveKind, SiteId, ThreadId, VarId};

/// The trace format version this build reads and writes.
pub const FORMAT_VERSION: FormatVersion = FormatVersion { major: 1, minor: 1 };

/// The format identifier in every lockscope trace header.
pub const FORMAT_NAME: &str = "lockscope-trace";

/// `major.minor`: a reader accepts any minor of its major and refuses a newer
/// major.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct FormatVersion {
    pub major: u32,
    pub minor: u32,
}

impl fmt::Display for FormatVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Which encoding a trace was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceFormat {
    /// lockscope JSON Lines (what the runtime writes).
    JsonLines,
    /// lockscope single JSON document `{"header": ..., "events": [...]}`.
    JsonDocument,
    /// RAPID's STD text format.
    Std,
    /// lockscope's binary encoding.
    Binary,
}

impl SourceFormat {
    /// A short name for reports (`jsonl`, `json`, `std`, `binary`).
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::JsonLines => "jsonl",
            SourceFormat::JsonDocument => "json",
            SourceFormat::Std => "std",
            SourceFormat::Binary => "binary",
        }
    }
}

/// The unit of [`Event::time`](super::Event::time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockUnit {
    /// Nanoseconds since the trace started.
    Nanoseconds,
    /// No clock: time is the event's position in the trace (STD).
    Sequence,
}

impl ClockUnit {
    /// The wire name (`ns`, `seq`).
    pub fn as_str(self) -> &'static str {
        match self {
            ClockUnit::Nanoseconds => "ns",
            ClockUnit::Sequence => "seq",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ns" => Some(ClockUnit::Nanoseconds),
            "seq" => Some(ClockUnit::Sequence),
            _ => None,
        }
    }
}

/// The header record: what produced the trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub version: FormatVersion,
    /// The traced program's command line, if known.
    pub command: Vec<String>,
    pub pid: Option<u32>,
    /// Wall-clock start, RFC 3339 (`2026-11-22T04:50:44.123Z`), if known.
    pub start_time: Option<String>,
    pub clock: ClockUnit,
    /// The test this trace was recorded for, when a test harness ran it.
    pub test: Option<TestId>,
}

/// The test a trace was recorded for.
///
/// Under nextest (one process per test) every field is nextest's own
/// (`NEXTEST_BINARY_ID`, `NEXTEST_TEST_NAME`, `NEXTEST_RUN_ID`,
/// `NEXTEST_ATTEMPT`). Under `cargo test` one process runs every test of
/// its binary: `binary` is the executable's name and `name` the test whose
/// thread started recording.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TestId {
    /// The test binary.
    pub binary: String,
    /// The test, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The test run (nextest's run id), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    /// Which attempt at the test (1 for the first), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
}

impl fmt::Display for TestId {
    /// `BINARY TEST`, or `BINARY` without a test.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{} {name}", self.binary),
            None => f.write_str(&self.binary),
        }
    }
}

impl Default for Header {
    fn default() -> Self {
        Header {
            version: FORMAT_VERSION,
            command: Vec::new(),
            pid: None,
            start_time: None,
            clock: ClockUnit::Nanoseconds,
            test: None,
        }
    }
}

/// A source location.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Site {
    /// A Rust source location, as `#[track_caller]` gives it.
    Source {
        file: String,
        line: u32,
        column: u32,
    },
    /// An opaque location id (STD's integer location field).
    Label(String),
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Site::Source { file, line, column } => write!(f, "{file}:{line}:{column}"),
            Site::Label(label) => write!(f, "loc {label}"),
        }
    }
}

/// A thread's declaration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThreadInfo {
    /// The identifier the file used (`7`, `T1`).
    pub label: String,
    /// The thread's name, if it has one.
    pub name: Option<String>,
    pub parent: Option<ThreadId>,
    /// Where it was spawned.
    pub spawn_site: Option<SiteId>,
}

impl ThreadInfo {
    /// The name if there is one, else the label.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.label)
    }
}

/// A primitive's declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrimitiveInfo {
    /// The identifier the file used (`12`, `L2`).
    pub label: String,
    pub kind: PrimitiveKind,
    pub name: Option<String>,
    /// Where it was created.
    pub site: Option<SiteId>,
    /// A semaphore's initial permits; a barrier's party count.
    pub permits: Option<u32>,
    /// An explicit lock-order rank set by the user, if any.
    pub rank: Option<u64>,
    /// The lock's class when its name and creation site do not give one:
    /// an identity stable across processes of the same build (the
    /// recorder writes a `static`'s symbol, `bank::A`, `bank::PAIR+8`).
    pub class: Option<String>,
}

impl PrimitiveInfo {
    /// The name if there is one, else the class (a `static`'s symbol), else
    /// the label. [`TraceMeta::primitive_name`] also uses the site.
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .or(self.class.as_deref())
            .unwrap_or(&self.label)
    }

    /// The name of an unnamed primitive of `kind` known by its site:
    /// `mutex@src/bank.rs:16:38`. The recorder names it the same way.
    pub fn site_name(kind: PrimitiveKind, site: impl fmt::Display) -> String {
        format!("{}@{site}", kind.as_str())
    }
}

/// A tracked variable's declaration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VarInfo {
    pub label: String,
    pub name: Option<String>,
    /// Where it was created.
    pub site: Option<SiteId>,
}

impl VarInfo {
    /// The name if there is one, else the label.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.label)
    }
}

/// A free-text note written into the trace (for example the runtime's
/// report of a live deadlock).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// What kind of note: `deadlock`, `lock_order`, ...
    pub kind: String,
    pub text: String,
}

/// Everything in a trace except its events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceMeta {
    pub header: Header,
    pub format: SourceFormat,
    pub threads: Vec<ThreadInfo>,
    pub primitives: Vec<PrimitiveInfo>,
    pub vars: Vec<VarInfo>,
    pub sites: Vec<Site>,
    /// Symbolized frames, outermost last.
    pub backtraces: Vec<Vec<String>>,
    pub notes: Vec<Note>,
    /// Problems the reader recovered from (a truncated last line, ...),
    /// already formatted as `file:line:col: message`.
    pub warnings: Vec<String>,
    /// The input ended early: its last record was cut, or (binary) its end
    /// record is missing. Everything before the cut is read; a warning
    /// says where it was.
    pub truncated: bool,
}

impl TraceMeta {
    /// Empty tables for a trace read from `format`.
    pub fn new(format: SourceFormat) -> Self {
        TraceMeta {
            header: Header::default(),
            format,
            threads: Vec::new(),
            primitives: Vec::new(),
            vars: Vec::new(),
            sites: Vec::new(),
            backtraces: Vec::new(),
            notes: Vec::new(),
            warnings: Vec::new(),
            truncated: false,
        }
    }

    /// Whether the trace is a RAPID STD trace: read from STD, or converted
    /// from it (the `seq` clock, which only STD traces have, survives every
    /// conversion). Such a trace is a window of a Java run: its locks are
    /// re-entrant monitors and its threads' ends are not recorded.
    pub fn from_std(&self) -> bool {
        self.format == SourceFormat::Std || self.header.clock == ClockUnit::Sequence
    }

    pub fn thread(&self, id: ThreadId) -> &ThreadInfo {
        &self.threads[id.index()]
    }

    pub fn primitive(&self, id: ObjId) -> &PrimitiveInfo {
        &self.primitives[id.index()]
    }

    pub fn var(&self, id: VarId) -> &VarInfo {
        &self.vars[id.index()]
    }

    pub fn site(&self, id: SiteId) -> &Site {
        &self.sites[id.index()]
    }

    /// How reports name primitive `o`: its name, else its class (a
    /// `static`'s symbol), else its kind and site (`mutex@src/bank.rs:16:38`:
    /// where it was created, or first used when it was made by a `const`
    /// constructor), else its label (STD traces' `L1`).
    pub fn primitive_name(&self, o: ObjId) -> Cow<'_, str> {
        let p = self.primitive(o);
        match (&p.name, &p.class, p.site) {
            (None, None, Some(s)) => Cow::Owned(PrimitiveInfo::site_name(p.kind, self.site(s))),
            _ => Cow::Borrowed(p.display_name()),
        }
    }

    pub fn backtrace(&self, id: BacktraceId) -> &[String] {
        &self.backtraces[id.index()]
    }

    pub fn note(&self, id: NoteId) -> &Note {
        &self.notes[id.index()]
    }

    /// Appends a thread and returns its id.
    pub fn push_thread(&mut self, info: ThreadInfo) -> ThreadId {
        crate::dense::push(&mut self.threads, info);
        ThreadId(dense(self.threads.len()))
    }

    /// Appends a primitive and returns its id.
    pub fn push_primitive(&mut self, info: PrimitiveInfo) -> ObjId {
        crate::dense::push(&mut self.primitives, info);
        ObjId(dense(self.primitives.len()))
    }

    /// Appends a variable and returns its id.
    pub fn push_var(&mut self, info: VarInfo) -> VarId {
        crate::dense::push(&mut self.vars, info);
        VarId(dense(self.vars.len()))
    }

    /// Appends a site and returns its id.
    pub fn push_site(&mut self, site: Site) -> SiteId {
        self.sites.push(site);
        SiteId(dense(self.sites.len()))
    }

    /// Appends a backtrace and returns its id.
    pub fn push_backtrace(&mut self, frames: Vec<String>) -> BacktraceId {
        self.backtraces.push(frames);
        BacktraceId(dense(self.backtraces.len()))
    }

    /// Appends a note and returns its id.
    pub fn push_note(&mut self, note: Note) -> NoteId {
        self.notes.push(note);
        NoteId(dense(self.notes.len()))
    }
}

/// The id of the element just pushed onto a table of `len` elements.
///
/// Tables are bounded by distinct threads, primitives, variables and sites;
/// more than `u32::MAX` of any is not a trace this build can hold.
fn dense(len: usize) -> u32 {
    u32::try_from(len - 1).expect("more than u32::MAX entries in a trace table")
}
