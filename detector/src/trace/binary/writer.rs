//! [`BinaryWriter`]: writes lockscope's binary encoding, record by record,
//! with the caller's ids as file ids (as
//! [`JsonLinesWriter`](crate::trace::JsonLinesWriter) does). What the
//! runtime's recorder writes by default.

use std::io::{self, Write};

use super::encoder::BinaryEncoder;
use crate::trace::encode::{writer_methods, Encoder};
use crate::trace::meta::Header;

/// Writes a lockscope binary trace.
///
/// Call [`header`](BinaryWriter::header) first and
/// [`finish`](BinaryWriter::finish) last: a trace without its end record
/// reads as truncated.
#[derive(Debug)]
pub struct BinaryWriter<W: Write> {
    enc: BinaryEncoder<W>,
}

impl<W: Write> BinaryWriter<W> {
    /// A writer into `out` (buffered internally).
    pub fn new(out: W) -> Self {
        BinaryWriter {
            enc: BinaryEncoder::new(out),
        }
    }

    /// Writes the magic number and the header; call it first.
    pub fn header(&mut self, h: &Header) -> io::Result<()> {
        self.enc.header(h)
    }

    writer_methods!();

    /// Writes the end record, flushes, and returns the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.enc.finish()?;
        self.enc.into_inner()
    }
}
