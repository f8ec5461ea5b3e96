//! [`JsonEncoder`]: JSON records framed as JSON Lines (one record per line)
//! or as one JSON document (`{"header": {...}, "events": [...]}` with one
//! record per line inside the array). The only place either framing is
//! written: the public writers and [`write_trace`] both use it.
//!
//! [`write_trace`]: crate::trace::write_trace

use std::io::{self, Write};

use super::out::JsonOut;
use super::record::Declaration;
use crate::trace::encode::{Encoder, FileIds};
use crate::trace::event::Event;
use crate::trace::meta::{Header, Note, PrimitiveInfo, Site};

/// How records are put together into a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// One record per line, the header first.
    Lines,
    /// One JSON document: the header member, then every record in the
    /// `"events"` array.
    Document,
}

/// JSON records in one [`Framing`].
#[derive(Debug)]
pub(crate) struct JsonEncoder<W: Write> {
    out: JsonOut<W>,
    framing: Framing,
    /// The header is written.
    started: bool,
    /// No record is in the document's array yet.
    first: bool,
}

impl<W: Write> JsonEncoder<W> {
    pub fn new(out: W, framing: Framing) -> Self {
        JsonEncoder {
            out: JsonOut::new(out),
            framing,
            started: false,
            first: true,
        }
    }

    /// Before a record: a document's array separator.
    fn begin(&mut self) -> io::Result<()> {
        if self.framing == Framing::Lines {
            return Ok(());
        }
        if !self.started {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "write the JSON document header before any record",
            ));
        }
        let sep: &[u8] = if self.first { b"\n" } else { b",\n" };
        self.first = false;
        self.out.raw(sep)
    }

    /// After a record: a line's newline.
    fn end(&mut self) -> io::Result<()> {
        match self.framing {
            Framing::Lines => self.out.raw(b"\n"),
            Framing::Document => Ok(()),
        }
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(self) -> io::Result<W> {
        self.out.into_inner()
    }
}

impl<W: Write> Encoder for JsonEncoder<W> {
    fn header(&mut self, h: &Header) -> io::Result<()> {
        match self.framing {
            Framing::Lines => {
                self.started = true;
                self.out.header(Declaration::Header.name(), h)?;
                self.end()
            }
            Framing::Document if self.started => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the JSON document header was already written",
            )),
            Framing::Document => {
                self.started = true;
                self.out.raw(b"{\"header\":")?;
                self.out.header("", h)?;
                self.out.raw(b",\n\"events\":[")
            }
        }
    }

    fn site(&mut self, id: u64, site: &Site) -> io::Result<()> {
        self.begin()?;
        self.out.site(id, site)?;
        self.end()
    }

    fn thread(
        &mut self,
        id: u64,
        name: Option<&str>,
        parent: Option<u64>,
        site: Option<u64>,
    ) -> io::Result<()> {
        self.begin()?;
        self.out.thread(id, name, parent, site)?;
        self.end()
    }

    fn primitive(
        &mut self,
        id: u64,
        info: &PrimitiveInfo,
        name: Option<&str>,
        site: Option<u64>,
    ) -> io::Result<()> {
        self.begin()?;
        self.out.primitive(id, info, name, site)?;
        self.end()
    }

    fn var(&mut self, id: u64, name: Option<&str>, site: Option<u64>) -> io::Result<()> {
        self.begin()?;
        self.out.var(id, name, site)?;
        self.end()
    }

    fn backtrace(&mut self, id: u64, frames: &[String]) -> io::Result<()> {
        self.begin()?;
        self.out.backtrace(id, frames)?;
        self.end()
    }

    fn note(&mut self, id: u64, note: &Note) -> io::Result<()> {
        self.begin()?;
        self.out.note(id, note)?;
        self.end()
    }

    #[inline]
    fn event(&mut self, ev: &Event, ids: &impl FileIds) -> io::Result<()> {
        self.begin()?;
        self.out.event(ev, ids)?;
        self.end()
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.framing == Framing::Document {
            if !self.started {
                self.header(&Header::default())?;
            }
            self.out.raw(b"\n]}\n")?;
        }
        self.out.flush()
    }
}
