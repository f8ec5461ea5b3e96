//! [`JsonLinesWriter`]: writes lockscope JSON Lines, one record per line.
//!
//! Records are those of `docs/trace-format.md`, with the caller's ids as
//! the file ids: `thread(ThreadId(7), ..)` declares thread `7`, and an
//! event of `ThreadId(7)` refers to it. The caller declares every id before
//! the first event that uses it (a thread may also go undeclared: readers
//! then declare it implicitly). The writer does not check this;
//! [`write_trace`] does it for whole traces.
//!
//! # Performance
//! Records are built in a 64 KiB buffer handed to the writer whole (see
//! `json::out`); an event costs a handful of `itoa` conversions and
//! constant-length copies, no allocation.
//!
//! [`write_trace`]: crate::trace::write_trace

use std::io::{self, Write};

use crate::trace::encode::{writer_methods, Encoder};
use crate::trace::json::framing::{Framing, JsonEncoder};
use crate::trace::meta::Header;

/// Writes lockscope JSON Lines: one record per line, header first.
#[derive(Debug)]
pub struct JsonLinesWriter<W: Write> {
    enc: JsonEncoder<W>,
}

impl<W: Write> JsonLinesWriter<W> {
    /// A writer into `out` (buffered internally).
    pub fn new(out: W) -> Self {
        JsonLinesWriter {
            enc: JsonEncoder::new(out, Framing::Lines),
        }
    }

    /// Writes the header record; call it first.
    pub fn header(&mut self, h: &Header) -> io::Result<()> {
        self.enc.header(h)
    }

    writer_methods!();

    /// Flushes and returns the underlying writer.
    pub fn into_inner(self) -> io::Result<W> {
        self.enc.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{
        Event, EventKind, LockMode, ObjId, PrimitiveInfo, PrimitiveKind, Site, SiteId, ThreadId,
    };

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
            class: None,
        };
        w.primitive(ObjId(3), &info).unwrap();
        w.event(&Event {
            time: 5,
            thread: ThreadId(1),
            site: Some(SiteId(2)),
            backtrace: None,
            kind: EventKind::Acquired {
                obj: ObjId(3),
                mode: LockMode::Exclusive,
                depth: 1,
            },
        })
        .unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            r#"{"type":"header","format":"lockscope-trace","version":"1.1","command":[],"clock":"ns"}"#
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
}
