//! [`JsonDocReader`]: the streaming reader of the single-document form
//! `{"header": {...}, "declarations": [...], "events": [...]}`.
//!
//! The document is never loaded whole: a structural scanner
//! ([`Scanner`]) walks the top-level object,
//! cuts each array element out of the stream and hands its bytes to
//! serde_json. Records are those of JSON Lines (`docs/trace-format.md`);
//! the header's `"type"` may be omitted.
//!
//! Rules: `"header"` must come before `"declarations"` and `"events"`;
//! both arrays accept declarations and events in any mix; other top-level
//! members are skipped (forward compatibility). A document that ends early
//! (a crashed writer) is a warning and ends the stream after the last
//! complete record.
//!
//! # Performance
//! Each element is copied once into a reused buffer and parsed once.

use std::io::Read;

use super::scan::{Cut, Scanner};
use crate::trace::error::{Position, TraceError, TraceErrorKind, MAX_RECORD_BYTES};
use crate::trace::event::Event;
use crate::trace::json::decode::Decoder;
use crate::trace::json::fast;
use crate::trace::json::pos::{field_error, field_position, json_error};
use crate::trace::json::record::Record;
use crate::trace::meta::{SourceFormat, TraceMeta};
use crate::trace::source::EventSource;
use crate::trace::tables::{FieldError, Tables};

/// Where the scanner is in the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum At {
    /// Before the next member of the top-level object (`first`: none yet).
    Members {
        first: bool,
    },
    /// Inside a records array (`first`: no element yet).
    Array {
        first: bool,
    },
    Done,
}

/// Reads a lockscope JSON document. See the module docs.
#[derive(Debug)]
pub struct JsonDocReader<R> {
    scan: Scanner<R>,
    name: String,
    dec: Decoder,
    at: At,
    have_header: bool,
    element: Vec<u8>,
}

type Step<T> = Result<T, TraceError>;

impl<R: Read> JsonDocReader<R> {
    /// Reads up to and including the header; `name` names the input in
    /// errors.
    pub fn new(name: &str, input: R) -> Result<Self, TraceError> {
        let mut r = JsonDocReader {
            scan: Scanner::new(input),
            name: name.to_owned(),
            dec: Decoder::new(SourceFormat::JsonDocument),
            at: At::Done,
            have_header: false,
            element: Vec::new(),
        };
        match r.scan.skip_ws().map_err(|e| r.io(e))? {
            Some(b'{') => {
                r.scan.bump();
                r.at = At::Members { first: true };
            }
            found => return Err(r.syntax(found, "\"{\" opening the document")),
        }
        while r.at != At::Done && !r.have_header {
            r.member()?;
        }
        if !r.have_header && r.dec.tables.meta.warnings.is_empty() {
            let kind = TraceErrorKind::MissingField {
                record: "document".into(),
                field: "header",
            };
            return Err(TraceError::new(r.position(), kind));
        }
        Ok(r)
    }

    fn position(&self) -> Position {
        Position {
            file: self.name.clone(),
            line: self.scan.line,
            column: self.scan.column,
            byte: None,
        }
    }

    fn io(&mut self, e: std::io::Error) -> TraceError {
        self.at = At::Done;
        let mut err = TraceError::io(&self.name, e);
        err.position.line = self.scan.line;
        err
    }

    fn syntax(&mut self, found: Option<u8>, expected: &str) -> TraceError {
        self.at = At::Done;
        let found = match found {
            Some(b) if b.is_ascii_graphic() => format!("{:?}", b as char),
            Some(b) => format!("byte 0x{b:02x}"),
            None => "end of input".into(),
        };
        let kind = TraceErrorKind::Json {
            message: format!("found {found}; expected {expected}"),
        };
        TraceError::new(self.position(), kind)
    }

    /// The input ended inside the document: warn and end the stream.
    fn truncated(&mut self) {
        self.at = At::Done;
        self.dec.tables.meta.truncated = true;
        self.dec.tables.meta.warnings.push(format!(
            "{}:{}: truncated document ignored after the last complete record (the writer \
             probably crashed)",
            self.name, self.scan.line
        ));
    }

    /// Cuts the next value into `self.element`; `Ok(None)` if it was cut
    /// short (then the stream has ended with a warning).
    fn value(&mut self) -> Step<Option<(u64, u64)>> {
        self.element.clear();
        let start = (self.scan.line, self.scan.column);
        match self
            .scan
            .capture(&mut self.element)
            .map_err(|e| self.io(e))?
        {
            Ok(()) => Ok(Some(start)),
            Err(Cut::Eof) => {
                self.truncated();
                Ok(None)
            }
            Err(Cut::TooLong) => {
                self.at = At::Done;
                let position = Position {
                    file: self.name.clone(),
                    line: start.0,
                    column: start.1,
                    byte: None,
                };
                let kind = TraceErrorKind::TooLong {
                    what: "JSON value",
                    limit: MAX_RECORD_BYTES,
                };
                Err(TraceError::new(position, kind))
            }
        }
    }

    /// Reads one top-level member: the header, the opening of a records
    /// array, or a skipped unknown member.
    fn member(&mut self) -> Step<()> {
        let At::Members { first } = self.at else {
            return Ok(());
        };
        let mut next = self.scan.skip_ws().map_err(|e| self.io(e))?;
        if !first && next == Some(b',') {
            self.scan.bump();
            next = self.scan.skip_ws().map_err(|e| self.io(e))?;
        } else if !first && next != Some(b'}') && next.is_some() {
            return Err(self.syntax(next, "\",\" or \"}\" after a member"));
        }
        match next {
            None => {
                self.truncated();
                return Ok(());
            }
            Some(b'}') => {
                self.scan.bump();
                self.at = At::Done;
                return Ok(());
            }
            Some(b'"') => {}
            found => return Err(self.syntax(found, "a member name such as \"events\"")),
        }
        let Some(start) = self.value()? else {
            return Ok(());
        };
        let key: String = serde_json::from_slice(&self.element)
            .map_err(|e| json_error(&self.name, &self.element, start.0, start.1, &e))?;
        match self.scan.skip_ws().map_err(|e| self.io(e))? {
            Some(b':') => self.scan.bump(),
            None => {
                self.truncated();
                return Ok(());
            }
            found => return Err(self.syntax(found, "\":\" after a member name")),
        }
        self.scan.skip_ws().map_err(|e| self.io(e))?;
        self.at = At::Members { first: false };
        match key.as_str() {
            "header" => self.header(),
            "declarations" | "events" => self.open_array(&key),
            _ => self.value().map(|_| ()),
        }
    }

    fn header(&mut self) -> Step<()> {
        if self.have_header {
            return Err(self.syntax(Some(b'{'), "a single \"header\" member"));
        }
        let Some((line, column)) = self.value()? else {
            return Ok(());
        };
        let rec: Record<'_> = serde_json::from_slice(&self.element)
            .map_err(|e| json_error(&self.name, &self.element, line, column, &e))?;
        let result = match rec.ty.as_deref() {
            None | Some("header") => self.dec.header(rec),
            Some(other) => Err(FieldError {
                field: Some("type"),
                kind: TraceErrorKind::BadValue {
                    field: "type",
                    found: format!("{other:?}"),
                    expected: "\"header\" or no \"type\" in the header member".into(),
                },
            }),
        };
        self.have_header = true;
        result.map_err(|e| field_error(&self.name, &self.element, line, column, e))
    }

    fn open_array(&mut self, key: &str) -> Step<()> {
        if !self.have_header {
            self.at = At::Done;
            let kind = TraceErrorKind::BadValue {
                field: "header",
                found: format!("{key:?} before \"header\""),
                expected: "the \"header\" member first".into(),
            };
            return Err(TraceError::new(self.position(), kind));
        }
        match self.scan.peek().map_err(|e| self.io(e))? {
            Some(b'[') => {
                self.scan.bump();
                self.at = At::Array { first: true };
                Ok(())
            }
            None => {
                self.truncated();
                Ok(())
            }
            found => Err(self.syntax(found, &format!("\"[\" opening {key:?}"))),
        }
    }

    /// Positions on the next array element: `Ok(true)` if there is one.
    fn next_element(&mut self, first: bool) -> Step<bool> {
        let mut next = self.scan.skip_ws().map_err(|e| self.io(e))?;
        if !first && next == Some(b',') {
            self.scan.bump();
            next = self.scan.skip_ws().map_err(|e| self.io(e))?;
        } else if !first && next != Some(b']') && next.is_some() {
            return Err(self.syntax(next, "\",\" or \"]\" after a record"));
        }
        match next {
            None => {
                self.truncated();
                Ok(false)
            }
            Some(b']') => {
                self.scan.bump();
                self.at = At::Members { first: false };
                Ok(false)
            }
            Some(_) => {
                self.at = At::Array { first: false };
                Ok(true)
            }
        }
    }

    /// Decodes the element in `self.element` that started at `line:column`.
    fn record(&mut self, line: u64, column: u64) -> Step<Option<Event>> {
        let decoded = match fast::scan(&self.element) {
            Some(fields) => self.dec.event(&fields).map(Some),
            None => {
                let mut rec: Record<'_> = serde_json::from_slice(&self.element)
                    .map_err(|e| json_error(&self.name, &self.element, line, column, &e))?;
                self.dec.record(&mut rec)
            }
        };
        let mut ev = match decoded {
            Ok(Some(ev)) => ev,
            Ok(None) => return Ok(None),
            Err(e) => return Err(field_error(&self.name, &self.element, line, column, e)),
        };
        if let Some(times) = self.dec.tables.order_time(&mut ev) {
            let at = field_position(&self.name, &self.element, line, column, Some("t"));
            self.dec
                .tables
                .meta
                .warnings
                .push(Tables::time_warning(&at, times));
        }
        Ok(Some(ev))
    }

    fn step(&mut self) -> Step<Option<Event>> {
        loop {
            match self.at {
                At::Done => return Ok(None),
                At::Members { .. } => self.member()?,
                At::Array { first } => {
                    if !self.next_element(first)? {
                        continue;
                    }
                    let Some((line, column)) = self.value()? else {
                        return Ok(None);
                    };
                    if let Some(ev) = self.record(line, column)? {
                        return Ok(Some(ev));
                    }
                }
            }
        }
    }
}

impl<R: Read> EventSource for JsonDocReader<R> {
    fn meta(&self) -> &TraceMeta {
        &self.dec.tables.meta
    }

    fn next_event(&mut self) -> Result<Option<Event>, TraceError> {
        let result = self.step();
        if result.is_err() {
            self.at = At::Done;
        }
        result
    }
}
