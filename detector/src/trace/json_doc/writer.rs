//! [`JsonDocWriter`]: writes one lockscope JSON document,
//! `{"header": {...}, "events": [...]}`, with declarations interleaved in
//! `events`, one record per line. Ids are the caller's, as for
//! [`JsonLinesWriter`](crate::trace::JsonLinesWriter).

use std::io::{self, Write};

use crate::trace::encode::{writer_methods, Encoder};
use crate::trace::json::framing::{Framing, JsonEncoder};
use crate::trace::meta::Header;

/// Writes a lockscope JSON document.
///
/// Call [`header`](JsonDocWriter::header) first and
/// [`finish`](JsonDocWriter::finish) last: a document without its closing
/// `]}` reads as a truncated trace.
#[derive(Debug)]
pub struct JsonDocWriter<W: Write> {
    enc: JsonEncoder<W>,
}

impl<W: Write> JsonDocWriter<W> {
    /// A writer into `out` (buffered internally).
    pub fn new(out: W) -> Self {
        JsonDocWriter {
            enc: JsonEncoder::new(out, Framing::Document),
        }
    }

    /// Opens the document with its header.
    pub fn header(&mut self, h: &Header) -> io::Result<()> {
        self.enc.header(h)
    }

    writer_methods!();

    /// Closes the document, flushes, and returns the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.enc.finish()?;
        self.enc.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Event, EventKind, LockMode, ObjId, SiteId, ThreadId};

    fn sample() -> Event {
        Event {
            time: 5,
            thread: ThreadId(1),
            site: Some(SiteId(2)),
            backtrace: None,
            kind: EventKind::Acquired {
                obj: ObjId(3),
                mode: LockMode::Exclusive,
                depth: 1,
            },
        }
    }

    #[test]
    fn document_is_one_valid_json_value() {
        let mut w = JsonDocWriter::new(Vec::new());
        w.header(&Header::default()).unwrap();
        w.event(&sample()).unwrap();
        w.event(&sample()).unwrap();
        let bytes = w.finish().unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(doc["header"]["format"], "lockscope-trace");
        assert_eq!(doc["events"].as_array().unwrap().len(), 2);
        assert_eq!(doc["events"][1]["type"], "acquired");
    }

    #[test]
    fn document_records_before_the_header_are_refused() {
        let mut w = JsonDocWriter::new(Vec::new());
        assert!(w.event(&sample()).is_err());
    }

    #[test]
    fn a_second_header_is_refused() {
        let mut w = JsonDocWriter::new(Vec::new());
        w.header(&Header::default()).unwrap();
        assert!(w.header(&Header::default()).is_err());
    }
}
