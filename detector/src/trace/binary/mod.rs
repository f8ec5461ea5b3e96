//! lockscope's binary encoding: the same event model as JSON Lines in
//! about a tenth of the bytes, streamed record by record. The byte-level
//! spec, with a worked example, is the "Binary" section of
//! `docs/trace-format.md`.
//!
//! A file is the magic number [`MAGIC`], the header, then records, each
//! starting with a tag byte (`tag`): declarations inline before their first
//! use, as in JSON Lines, and events as varints (`varint`): the thread only
//! when it changes, the time as a delta from the previous event's, ids as
//! the file's integers. An end record closes the trace, so a cut trace is
//! told from a complete one.

mod bytes;
mod decode;
mod encoder;
mod reader;
mod shape;
mod tag;
mod varint;
mod writer;

pub(crate) use encoder::BinaryEncoder;
pub use reader::BinaryReader;
pub use writer::BinaryWriter;

/// The first 8 bytes of every binary trace: `\x89LST\r\n\x1a\n`. The first
/// byte is not ASCII (no text format starts with it), and the line ends
/// and `^Z` catch a transfer that altered line ends or stopped at `^Z`.
pub const MAGIC: [u8; 8] = *b"\x89LST\r\n\x1a\n";
