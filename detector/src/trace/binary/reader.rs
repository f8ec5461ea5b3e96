//! [`BinaryReader`]: the streaming reader of lockscope's binary encoding.
//!
//! The header is read by [`BinaryReader::new`]. Declarations are folded
//! into the meta tables as they stream by;
//! [`next_event`](EventSource::next_event) returns events only.
//!
//! # Errors
//! Positions are byte offsets (`trace.lsb at byte 1234`), of the faulty
//! value or of the record it is in. A trace that ends without its end
//! record (a writer that crashed, was killed or could not write) is read
//! up to its last complete record, with a warning in
//! [`TraceMeta::warnings`] and [`TraceMeta::truncated`] set.
//!
//! # Performance
//! Records are decoded in place from a 256 KiB buffer; an event is a few
//! varints and one vector index per id.
//!
//! # Limitations
//! A record is at most [`MAX_RECORD_BYTES`] long.

use std::io::{self, Read};

use super::bytes::{bad, Bytes, Stop};
use super::decode::{header, Decoder, Item};
use super::MAGIC;
use crate::trace::error::{Position, TraceError, TraceErrorKind, MAX_RECORD_BYTES};
use crate::trace::event::Event;
use crate::trace::meta::TraceMeta;
use crate::trace::source::EventSource;

/// The initial (and usual) buffer size.
const CHUNK: usize = 256 * 1024;

/// Reads a lockscope binary trace. See the module docs.
#[derive(Debug)]
pub struct BinaryReader<R> {
    input: R,
    name: String,
    buf: Vec<u8>,
    /// The unread bytes are `buf[start..end]`.
    start: usize,
    end: usize,
    eof: bool,
    /// The input offset of `buf[0]`.
    base: u64,
    dec: Decoder,
    done: bool,
}

impl<R: Read> BinaryReader<R> {
    /// Reads the magic number and the header from `input`; `name` is the
    /// input's name in errors.
    pub fn new(name: &str, input: R) -> Result<Self, TraceError> {
        let mut r = BinaryReader {
            input,
            name: name.to_owned(),
            buf: vec![0; CHUNK],
            start: 0,
            end: 0,
            eof: false,
            base: 0,
            dec: Decoder::new(),
            done: false,
        };
        let magic = r.parse(|_, b| {
            let found = b.take(MAGIC.len())?;
            if found != MAGIC {
                let hex: Vec<String> = found.iter().map(|x| format!("{x:02x}")).collect();
                return Err(bad(
                    0,
                    format!("bytes {}", hex.join(" ")),
                    "the binary trace magic number 89 4c 53 54 0d 0a 1a 0a",
                ));
            }
            Ok(())
        })?;
        let head = match magic {
            Some(()) => r.parse(|_, b| header(b))?,
            None => None,
        };
        match head {
            Some(h) => r.dec.tables.meta.header = h,
            None => r.truncated("inside its header"),
        }
        Ok(r)
    }

    fn offset(&self) -> u64 {
        self.base + self.start as u64
    }

    fn error(&mut self, at: u64, kind: TraceErrorKind) -> TraceError {
        self.done = true;
        TraceError::new(Position::at_byte(&self.name, at), kind)
    }

    /// The input ended early (`where_`: "inside a record", ...): warn and
    /// end the stream.
    fn truncated(&mut self, where_: &str) {
        self.done = true;
        let meta = &mut self.dec.tables.meta;
        meta.truncated = true;
        meta.warnings.push(format!(
            "{} at byte {}: truncated: the trace ends {where_} (the writer crashed, was \
             killed or could not write); the {} events before it are read",
            self.name,
            self.base + self.start as u64,
            self.dec.events
        ));
    }

    /// Parses one item with `f` from the unread bytes, reading more input
    /// as needed; `Ok(None)` if the input ends first.
    fn parse<T>(
        &mut self,
        mut f: impl FnMut(&mut Decoder, &mut Bytes<'_>) -> Result<T, Stop>,
    ) -> Result<Option<T>, TraceError> {
        loop {
            let mut bytes = Bytes::new(&self.buf[self.start..self.end]);
            match f(&mut self.dec, &mut bytes) {
                Ok(v) => {
                    self.start += bytes.at;
                    return Ok(Some(v));
                }
                Err(Stop::Bad(bad)) => {
                    let (at, kind) = *bad;
                    let at = self.offset() + at as u64;
                    return Err(self.error(at, kind));
                }
                Err(Stop::More) if self.eof => return Ok(None),
                Err(Stop::More) => self.refill()?,
            }
        }
    }

    /// Moves the unread bytes to the front and fills the buffer after them,
    /// growing it for a record longer than it (up to a limit).
    fn refill(&mut self) -> Result<(), TraceError> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.base += self.start as u64;
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            if self.buf.len() > MAX_RECORD_BYTES {
                let kind = TraceErrorKind::TooLong {
                    what: "record",
                    limit: MAX_RECORD_BYTES,
                };
                return Err(self.error(self.base, kind));
            }
            self.buf.resize(self.buf.len() * 2, 0);
        }
        // Fill the buffer: a record cut by its end is parsed again from its
        // start, so a long record is parsed a few times, not once per read.
        while self.end < self.buf.len() {
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.done = true;
                    let mut err = TraceError::io(&self.name, e);
                    err.position.byte = Some(self.base + self.end as u64);
                    return Err(err);
                }
            }
        }
        Ok(())
    }

    /// After the end record: the event count must match and nothing may
    /// follow.
    fn end(&mut self, at: u64, written: u64) -> Result<(), TraceError> {
        self.done = true;
        if written != self.dec.events {
            let kind = TraceErrorKind::Binary {
                found: format!(
                    "an end record counting {written} events after {} events",
                    self.dec.events
                ),
                expected: "the number of events before it (the trace is corrupt)".into(),
            };
            return Err(self.error(at, kind));
        }
        if self.start == self.end && !self.eof {
            self.refill()?;
        }
        if self.start < self.end {
            let at = self.offset();
            let kind = TraceErrorKind::Binary {
                found: "data after the end record".into(),
                expected: "the end of the input".into(),
            };
            return Err(self.error(at, kind));
        }
        Ok(())
    }
}

impl<R: Read> EventSource for BinaryReader<R> {
    fn meta(&self) -> &TraceMeta {
        &self.dec.tables.meta
    }

    fn next_event(&mut self) -> Result<Option<Event>, TraceError> {
        while !self.done {
            let at = self.offset();
            match self.parse(|dec, b| dec.record(b))? {
                Some(Item::Event(ev)) => return Ok(Some(ev)),
                Some(Item::Declaration) => {}
                Some(Item::End(written)) => self.end(at, written)?,
                None if self.start < self.end => self.truncated("a record"),
                None => self.truncated("before its end record"),
            }
        }
        Ok(None)
    }
}
