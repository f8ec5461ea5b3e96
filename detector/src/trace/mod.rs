//! The one definition of lockscope's trace format (v1), its readers and its
//! writers. The wire spec is `docs/trace-format.md`.
//!
//! The model, at the bottom:
//! - [`Event`] / [`EventKind`] (`event`), with every event type's name and
//!   code in one table, [`EventType`] (`event_type`).
//! - [`TraceMeta`] (`meta`): header and declaration tables events refer into.
//! - [`TraceError`] (`error`): what was wrong and where.
//! - [`EventSource`] (`source`): a streaming reader.
//!
//! The encodings, each in its folder, on top of the model: `jsonl/` (JSON
//! Lines, what the runtime writes), `json_doc/` (one JSON document),
//! `std_format/` (RAPID STD text); `json/` is what the two JSON encodings
//! share, `tables` what the readers of lockscope's own encodings share,
//! `encode` the interface their writers implement, `input/` the byte-level
//! input under the line-based readers.
//!
//! On top of the encodings: `convert/` ([`write_trace`], any source to any
//! encoding) and `detect` ([`open`], [`from_reader`]: the format is told
//! from the content, never from the file name). Each module imports only
//! from the modules below it.

mod binary;
mod convert;
mod detect;
mod encode;
mod error;
mod event;
mod event_type;
mod input;
mod json;
mod json_doc;
mod jsonl;
mod meta;
mod output;
mod source;
mod std_format;
mod tables;

pub use binary::{BinaryReader, BinaryWriter, MAGIC as BINARY_MAGIC};
pub use convert::{write_trace, write_trace_summary, OutputFormat, WriteSummary};
pub use detect::{from_reader, open};
pub use error::{Position, TraceError, TraceErrorKind, MAX_RECORD_BYTES};
pub use event::{
    BacktraceId, Event, EventKind, LockMode, NoteId, ObjId, PrimitiveKind, SiteId, ThreadId, VarId,
};
pub use event_type::EventType;
pub use json_doc::{JsonDocReader, JsonDocWriter};
pub use jsonl::{JsonLinesReader, JsonLinesWriter};
pub use meta::{
    ClockUnit, FormatVersion, Header, Note, PrimitiveInfo, Site, SourceFormat, TestId, ThreadInfo,
    TraceMeta, VarInfo, FORMAT_NAME, FORMAT_VERSION,
};
pub use source::{EventSource, MemorySource};
pub use std_format::StdReader;
