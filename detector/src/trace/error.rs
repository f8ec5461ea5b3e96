//! Errors a trace reader reports: what was wrong, where (file, line and
//! column in a text encoding, the byte offset in the binary one) and, where
//! it helps, what to do.

use std::fmt;
use std::io;

use super::meta::FormatVersion;

/// Where in an input a problem is: `file:line:column` (1-based) in text,
/// `file at byte N` (0-based offset) in binary data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Position {
    /// The input's name as the user gave it (`trace.jsonl`, `-`).
    pub file: String,
    /// 1-based line; 0 when the problem is not on a line (an empty file,
    /// binary data).
    pub line: u64,
    /// 1-based column in characters; 0 when unknown.
    pub column: u64,
    /// The 0-based byte offset, for a problem in binary data (after
    /// decompression: the offset in the decompressed stream).
    pub byte: Option<u64>,
}

impl Position {
    /// Byte `offset` of `file`.
    pub fn at_byte(file: &str, offset: u64) -> Self {
        Position {
            file: file.to_owned(),
            byte: Some(offset),
            ..Position::default()
        }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column, self.byte) {
            (0, _, Some(byte)) => write!(f, "{} at byte {byte}", self.file),
            (0, _, None) => write!(f, "{}", self.file),
            (line, 0, _) => write!(f, "{}:{line}", self.file),
            (line, column, _) => write!(f, "{}:{line}:{column}", self.file),
        }
    }
}

/// What was wrong with the input.
#[derive(Debug)]
#[non_exhaustive]
pub enum TraceErrorKind {
    /// The input could not be read.
    Io(io::Error),
    /// The content is none of the formats this build reads.
    UnknownFormat { found: String },
    /// Not valid JSON, or a field of the wrong JSON type.
    Json { message: String },
    /// An event `"type"` (or STD operation) this build does not know.
    UnknownEvent {
        found: String,
        expected: &'static [&'static str],
    },
    /// A field the record must have is missing.
    MissingField { record: String, field: &'static str },
    /// A field has a value outside what the spec allows.
    BadValue {
        field: &'static str,
        found: String,
        expected: String,
    },
    /// An event refers to a thread, primitive, variable, site, backtrace or
    /// note that was never declared.
    Undeclared { what: &'static str, id: u64 },
    /// The header declares a newer major version than this build reads.
    UnsupportedVersion {
        found: FormatVersion,
        supported: FormatVersion,
    },
    /// A malformed STD line.
    StdSyntax { found: String, expected: String },
    /// A line, JSON value or binary record longer than a trace record can
    /// be ([`MAX_RECORD_BYTES`]).
    TooLong { what: &'static str, limit: usize },
    /// Malformed binary data.
    Binary { found: String, expected: String },
}

/// The longest line, JSON value, binary record or string a reader accepts:
/// 16 MiB. Real records are far shorter (a long backtrace is tens of KiB);
/// anything longer is corrupt or not a trace, and refusing it keeps a
/// reader's memory bounded whatever the input.
pub const MAX_RECORD_BYTES: usize = 16 << 20;

/// A reader error: where, and what.
#[derive(Debug)]
pub struct TraceError {
    pub position: Position,
    pub kind: TraceErrorKind,
}

impl TraceError {
    pub fn new(position: Position, kind: TraceErrorKind) -> Self {
        TraceError { position, kind }
    }

    /// An I/O error on the input named `file`.
    pub fn io(file: &str, err: io::Error) -> Self {
        TraceError::new(
            Position {
                file: file.to_owned(),
                ..Position::default()
            },
            TraceErrorKind::Io(err),
        )
    }
}

impl fmt::Display for TraceErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceErrorKind::Io(err) => write!(f, "cannot read: {err}"),
            TraceErrorKind::UnknownFormat { found } => write!(
                f,
                "unknown trace format: found {found}; expected a lockscope binary trace, \
                 lockscope JSON Lines, a lockscope JSON document or RAPID STD text \
                 (`T1|acq(L2)|86`), each optionally gzip- or zstd-compressed"
            ),
            TraceErrorKind::Json { message } => write!(f, "invalid JSON: {message}"),
            TraceErrorKind::UnknownEvent { found, expected } => write!(
                f,
                "unknown event {found:?}; expected one of {}",
                expected.join(", ")
            ),
            TraceErrorKind::MissingField { record, field } => {
                write!(f, "{record} record is missing field {field:?}")
            }
            TraceErrorKind::BadValue {
                field,
                found,
                expected,
            } => write!(f, "field {field:?}: found {found}; expected {expected}"),
            TraceErrorKind::Undeclared { what, id } => write!(
                f,
                "{what} {id} is used before it is declared; every {what} needs a declaration \
                 record earlier in the trace"
            ),
            TraceErrorKind::UnsupportedVersion { found, supported } => write!(
                f,
                "trace format version {found} is newer than this build reads \
                 ({}.x); upgrade lockscope",
                supported.major
            ),
            TraceErrorKind::StdSyntax { found, expected }
            | TraceErrorKind::Binary { found, expected } => {
                write!(f, "found {found}; expected {expected}")
            }
            TraceErrorKind::TooLong { what, limit } => write!(
                f,
                "{what} longer than {} MiB, the most a trace record can be; the input is \
                 corrupt or not a trace",
                limit >> 20
            ),
        }
    }
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.position, self.kind)
    }
}

impl std::error::Error for TraceError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            TraceErrorKind::Io(err) => Some(err),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_show_lines_in_text_and_offsets_in_binary() {
        let text = Position {
            file: "t.jsonl".into(),
            line: 3,
            column: 7,
            byte: None,
        };
        assert_eq!(text.to_string(), "t.jsonl:3:7");
        assert_eq!(
            Position::at_byte("t.lsb", 42).to_string(),
            "t.lsb at byte 42"
        );
        assert_eq!(Position::at_byte("t.lsb", 0).to_string(), "t.lsb at byte 0");
    }
}
