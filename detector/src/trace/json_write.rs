//! The JSON writers: [`JsonLinesWriter`] (what the runtime's recorder
//! writes) and [`JsonDocWriter`] (the single-document form).
//!
//! Both write the records of `docs/trace-format.md` with the caller's ids
//! as the file ids: `thread(ThreadId(7), ..)` declares thread `7`, and an
//! event of `ThreadId(7)` refers to it. The caller declares every id before
//! the first event that uses it (a thread may also go undeclared: readers
//! then declare it implicitly). Neither writer checks this; [`write_trace`]
//! does it for whole traces.
//!
//! # Performance
//! Records are built in a 64 KiB buffer handed to the writer whole (see
//! `json_out`); an event costs a handful of `itoa` conversions and
//! constant-length copies, no allocation.
//!
//! [`write_trace`]: super::write_trace

use std::io::{self, Write};

use super::json_out::{JsonOut, SameIds};
use super::{
    BacktraceId, Event, Header, Note, NoteId, ObjId, PrimitiveInfo, Site, SiteId, ThreadId,
    ThreadInfo, VarId, VarInfo,
};

/// Generates the declaration and event methods shared by both writers;
/// each calls `self.begin()` before the record and `self.end()` after it.
macro_rules! record_methods {
    () => {
        /// Declares thread `id` (`parent` and `spawn_site` are written as ids).
        pub fn thread(&mut self, id: ThreadId, info: &ThreadInfo) -> io::Result<()> {
            self.begin()?;
            let parent = info.parent.map(|p| p.0.into());
            let site = info.spawn_site.map(|s| s.0.into());
            self.out
                .thread(id.0.into(), info.name.as_deref(), parent, site)?;
            self.end()
        }

        /// Declares primitive `id`.
        pub fn primitive(&mut self, id: ObjId, info: &PrimitiveInfo) -> io::Result<()> {
            self.begin()?;
            let site = info.site.map(|s| s.0.into());
            self.out
                .primitive(id.0.into(), info, info.name.as_deref(), site)?;
            self.end()
        }

        /// Declares tracked variable `id`.
        pub fn var(&mut self, id: VarId, info: &VarInfo) -> io::Result<()> {
            self.begin()?;
            let site = info.site.map(|s| s.0.into());
            self.out.var(id.0.into(), info.name.as_deref(), site)?;
            self.end()
        }

        /// Declares site `id`.
        pub fn site(&mut self, id: SiteId, site: &Site) -> io::Result<()> {
            self.begin()?;
            self.out.site(id.0.into(), site)?;
            self.end()
        }

        /// Declares backtrace `id` (frames innermost first).
        pub fn backtrace(&mut self, id: BacktraceId, frames: &[String]) -> io::Result<()> {
            self.begin()?;
            self.out.backtrace(id.0.into(), frames)?;
            self.end()
        }

        /// Declares note `id` (a `note_text` record).
        pub fn note(&mut self, id: NoteId, note: &Note) -> io::Result<()> {
            self.begin()?;
            self.out.note(id.0.into(), note)?;
            self.end()
        }

        /// Writes one event.
        pub fn event(&mut self, ev: &Event) -> io::Result<()> {
            self.begin()?;
            self.out.event(ev, &SameIds)?;
            self.end()
        }

        /// Flushes the buffer to the underlying writer.
        pub fn flush(&mut self) -> io::Result<()> {
            self.out.flush()
        }
    };
}

/// Writes lockscope JSON Lines: one record per line, header first.
#[derive(Debug)]
pub struct JsonLinesWriter<W: Write> {
    out: JsonOut<W>,
}

impl<W: Write> JsonLinesWriter<W> {
    /// A writer into `out` (buffered internally).
    pub fn new(out: W) -> Self {
        JsonLinesWriter {
            out: JsonOut::new(out),
        }
    }

    /// Writes the header record; call it first.
    pub fn header(&mut self, h: &Header) -> io::Result<()> {
        self.out.header("header", h)?;
        self.end()
    }

    fn begin(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn end(&mut self) -> io::Result<()> {
        self.out.raw(b"\n")
    }

    record_methods!();

    /// Flushes and returns the underlying writer.
    pub fn into_inner(self) -> io::Result<W> {
        self.out.into_inner()
    }
}

/// Writes a lockscope JSON document: `{"header": {...}, "events": [...]}`
/// with declarations interleaved in `events`, one record per line.
///
/// Call [`header`](JsonDocWriter::header) first and
/// [`finish`](JsonDocWriter::finish) last: a document without its closing
/// `]}` reads as a truncated trace.
#[derive(Debug)]
pub struct JsonDocWriter<W: Write> {
    out: JsonOut<W>,
    started: bool,
    first: bool,
}

impl<W: Write> JsonDocWriter<W> {
    /// A writer into `out` (buffered internally).
    pub fn new(out: W) -> Self {
        JsonDocWriter {
            out: JsonOut::new(out),
            started: false,
            first: true,
        }
    }

    /// Opens the document with its header.
    pub fn header(&mut self, h: &Header) -> io::Result<()> {
        if self.started {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the JSON document header was already written",
            ));
        }
        self.started = true;
        self.out.raw(b"{\"header\":")?;
        self.out.header("", h)?;
        self.out.raw(b",\n\"events\":[")
    }

    fn begin(&mut self) -> io::Result<()> {
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

    fn end(&mut self) -> io::Result<()> {
        Ok(())
    }

    record_methods!();

    /// Closes the document, flushes, and returns the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        if !self.started {
            self.header(&Header::default())?;
        }
        self.out.raw(b"\n]}\n")?;
        self.out.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{EventKind, LockMode, PrimitiveKind};

    fn sample<F: FnMut(&Event)>(mut f: F) {
        f(&Event {
            time: 5,
            thread: ThreadId(1),
            site: Some(SiteId(2)),
            backtrace: None,
            kind: EventKind::Acquired {
                obj: ObjId(3),
                mode: LockMode::Exclusive,
                depth: 1,
            },
        });
    }

    #[test]
    fn json_lines_records_have_the_documented_shape() {
        let mut w = JsonLinesWriter::new(Vec::new());
        w.header(&Header::default()).unwrap();
        w.site(
            SiteId(2),
            &Site::Source {
                file: "src/main.rs".into(),
                line: 4,
                column: 9,
            },
        )
        .unwrap();
        let info = PrimitiveInfo {
            label: "3".into(),
            kind: PrimitiveKind::Mutex,
            name: Some("acc\"ount".into()),
            site: Some(SiteId(2)),
            permits: None,
            rank: None,
        };
        w.primitive(ObjId(3), &info).unwrap();
        sample(|ev| w.event(ev).unwrap());
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            r#"{"type":"header","format":"lockscope-trace","version":"1.0","command":[],"clock":"ns"}"#
        );
        assert_eq!(
            lines[1],
            r#"{"type":"site","id":2,"file":"src/main.rs","line":4,"column":9}"#
        );
        assert_eq!(
            lines[2],
            r#"{"type":"primitive","id":3,"kind":"mutex","name":"acc\"ount","site":2}"#
        );
        assert_eq!(
            lines[3],
            r#"{"type":"acquired","t":5,"thread":1,"obj":3,"mode":"exclusive","depth":1,"site":2}"#
        );
    }

    #[test]
    fn document_is_one_valid_json_value() {
        let mut w = JsonDocWriter::new(Vec::new());
        w.header(&Header::default()).unwrap();
        sample(|ev| w.event(ev).unwrap());
        sample(|ev| w.event(ev).unwrap());
        let bytes = w.finish().unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(doc["header"]["format"], "lockscope-trace");
        assert_eq!(doc["events"].as_array().unwrap().len(), 2);
        assert_eq!(doc["events"][1]["type"], "acquired");
    }

    #[test]
    fn document_records_before_the_header_are_refused() {
        let mut w = JsonDocWriter::new(Vec::new());
        sample(|ev| assert!(w.event(ev).is_err()));
    }
}
