//! [`JsonLinesReader`]: the streaming reader of lockscope JSON Lines, the
//! format the runtime writes (spec: `docs/trace-format.md`).
//!
//! The header is read by [`JsonLinesReader::new`], so `meta().header` is
//! valid before the first event. Declarations are folded into the meta
//! tables as they stream by; [`next_event`](EventSource::next_event)
//! returns events only. Blank lines are skipped.
//!
//! # Errors
//! Positions are `file:line:column` with the column, in characters, of the
//! faulty value (serde_json's column for invalid JSON). A last line without
//! `\n` that is not valid JSON is a warning (a crashed writer), not an
//! error. An event time earlier than the previous event's is raised to it,
//! with one warning for the first such event: the file order is the order of
//! events.
//!
//! # Performance
//! Lines are split in place. Event records in the plain form the writers
//! produce go through a hand-written scanner (`json::fast`); everything
//! else (declarations, escapes, unusual spacing of values) through one
//! serde_json parse into a flat struct, no `Value` tree, strings borrowed
//! where unescaped. Both paths decode identically.

use std::io::Read;

use crate::trace::error::{Position, TraceError, TraceErrorKind};
use crate::trace::event::Event;
use crate::trace::input::lines::{Line, Lines, LinesError};
use crate::trace::json::decode::Decoder;
use crate::trace::json::fast;
use crate::trace::json::pos::{field_error, field_position, json_error};
use crate::trace::json::record::Record;
use crate::trace::meta::{SourceFormat, TraceMeta};
use crate::trace::source::EventSource;
use crate::trace::tables::{FieldError, Tables};

/// Reads lockscope JSON Lines. See the module docs.
#[derive(Debug)]
pub struct JsonLinesReader<R> {
    lines: Lines<R>,
    name: String,
    dec: Decoder,
    done: bool,
}

/// What one line held. A short-lived stack value: boxing the record would
/// cost an allocation per line for nothing.
#[allow(clippy::large_enum_variant)]
enum Parsed<'a> {
    Record(Record<'a>),
    Blank,
    /// The unterminated last line did not parse: warned, stream ended.
    Truncated,
}

impl<R: Read> JsonLinesReader<R> {
    /// Reads the header from `input`; `name` is the input's name in errors.
    pub fn new(name: &str, input: R) -> Result<Self, TraceError> {
        let mut reader = JsonLinesReader {
            lines: Lines::new(input),
            name: name.to_owned(),
            dec: Decoder::new(SourceFormat::JsonLines),
            done: false,
        };
        reader.read_header()?;
        Ok(reader)
    }

    fn input_error(&mut self, e: LinesError) -> TraceError {
        self.done = true;
        e.at(&self.name, self.lines.line_number() + 1)
    }

    fn read_header(&mut self) -> Result<(), TraceError> {
        loop {
            let number = self.lines.line_number() + 1;
            let Some(line) = self
                .lines
                .next_line()
                .map_err(|e| e.at(&self.name, number))?
            else {
                self.done = true;
                let position = Position {
                    file: self.name.clone(),
                    ..Position::default()
                };
                let kind = TraceErrorKind::BadValue {
                    field: "type",
                    found: "an empty input".into(),
                    expected: "a \"header\" record first".into(),
                };
                return Err(TraceError::new(position, kind));
            };
            let (bytes, number) = (line.bytes, line.number);
            let rec = match parse(&self.name, &mut self.dec.tables.meta, &line)? {
                Parsed::Blank => continue,
                Parsed::Truncated => {
                    self.done = true;
                    return Ok(());
                }
                Parsed::Record(rec) => rec,
            };
            let result = match rec.ty.as_deref() {
                Some("header") => self.dec.header(rec),
                other => Err(FieldError {
                    field: Some("type"),
                    kind: TraceErrorKind::BadValue {
                        field: "type",
                        found: other.map_or("no \"type\"".into(), |t| format!("{t:?}")),
                        expected: "\"header\" (a lockscope trace starts with its header)".into(),
                    },
                }),
            };
            return result.map_err(|e| {
                self.done = true;
                field_error(&self.name, bytes, number, 1, e)
            });
        }
    }
}

/// Parses one line. A parse failure of an unterminated last line is pushed
/// to `meta.warnings` as a truncation.
fn parse<'a>(name: &str, meta: &mut TraceMeta, line: &Line<'a>) -> Result<Parsed<'a>, TraceError> {
    if line.bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Parsed::Blank);
    }
    match serde_json::from_slice::<Record<'a>>(line.bytes) {
        Ok(rec) => Ok(Parsed::Record(rec)),
        Err(_) if !line.terminated => {
            meta.truncated = true;
            meta.warnings.push(format!(
                "{name}:{}: truncated last line ignored (the writer probably crashed)",
                line.number
            ));
            Ok(Parsed::Truncated)
        }
        Err(e) => Err(json_error(name, line.bytes, line.number, 1, &e)),
    }
}

impl<R: Read> EventSource for JsonLinesReader<R> {
    fn meta(&self) -> &TraceMeta {
        &self.dec.tables.meta
    }

    fn next_event(&mut self) -> Result<Option<Event>, TraceError> {
        while !self.done {
            let line = match self.lines.next_line() {
                Ok(Some(line)) => line,
                Ok(None) => break,
                Err(e) => return Err(self.input_error(e)),
            };
            let decoded = match fast::scan(line.bytes) {
                Some(fields) => self.dec.event(&fields).map(Some),
                None => match parse(&self.name, &mut self.dec.tables.meta, &line) {
                    Ok(Parsed::Record(mut rec)) => self.dec.record(&mut rec),
                    Ok(Parsed::Blank) => continue,
                    Ok(Parsed::Truncated) => break,
                    Err(e) => {
                        self.done = true;
                        return Err(e);
                    }
                },
            };
            match decoded {
                Ok(None) => continue,
                Ok(Some(mut ev)) => {
                    if let Some(times) = self.dec.tables.order_time(&mut ev) {
                        let at = field_position(&self.name, line.bytes, line.number, 1, Some("t"));
                        let warning = Tables::time_warning(&at, times);
                        self.dec.tables.meta.warnings.push(warning);
                    }
                    return Ok(Some(ev));
                }
                Err(e) => {
                    self.done = true;
                    return Err(field_error(&self.name, line.bytes, line.number, 1, e));
                }
            }
        }
        self.done = true;
        Ok(None)
    }
}
