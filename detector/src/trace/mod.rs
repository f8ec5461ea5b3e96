//! The one definition of lockscope's trace format (v1), its readers and its
//! writers. The wire spec is `docs/trace-format.md`.
//!
//! - [`Event`] / [`EventKind`]: the in-memory event model.
//! - [`TraceMeta`]: header and declaration tables events refer into.
//! - [`EventSource`]: a streaming reader; [`open`] and [`from_reader`] detect
//!   the format (JSON Lines, JSON document, RAPID STD; optionally gzipped)
//!   from the content, never from the file name.
//! - Writers: JSON Lines, JSON document, STD.

mod convert;
mod detect;
mod error;
mod event;
mod intern;
mod json_convert;
mod json_decode;
mod json_doc;
mod json_event;
mod json_fast;
mod json_out;
mod json_pos;
mod json_scan;
mod json_write;
mod jsonl;
mod lines;
mod memory;
mod meta;
mod std_line;
mod std_read;
mod std_write;
mod wire;

pub use convert::{write_trace, write_trace_summary, OutputFormat, WriteSummary};
pub use detect::{from_reader, open};
pub use error::{Position, TraceError, TraceErrorKind};
pub use event::{
    BacktraceId, Event, EventKind, LockMode, NoteId, ObjId, PrimitiveKind, SiteId, ThreadId, VarId,
};
pub use json_doc::JsonDocReader;
pub use json_write::{JsonDocWriter, JsonLinesWriter};
pub use jsonl::JsonLinesReader;
pub use memory::MemorySource;
pub use meta::{
    ClockUnit, FormatVersion, Header, Note, PrimitiveInfo, Site, SourceFormat, ThreadInfo,
    TraceMeta, VarInfo, FORMAT_NAME, FORMAT_VERSION,
};
pub use std_read::StdReader;

/// A streaming trace reader.
///
/// Declarations (threads, primitives, variables, sites, ...) are added to
/// [`meta`](EventSource::meta) as they are read, so after an event is
/// returned every id it holds is valid in `meta()`.
pub trait EventSource {
    /// The tables read so far.
    fn meta(&self) -> &TraceMeta;

    /// The next event, `Ok(None)` at the end of the input.
    ///
    /// A truncated last line is not an error: it adds a warning to
    /// [`TraceMeta::warnings`] and ends the stream.
    fn next_event(&mut self) -> Result<Option<Event>, TraceError>;
}
