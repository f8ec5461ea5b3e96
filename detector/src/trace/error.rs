//! Errors a trace reader reports: what was wrong, where (file, line,
//! column) and, where it helps, what to do.

use std::fmt;
use std::io;

use super::meta::FormatVersion;

/// Where in an input a problem is: `file:line:column`, 1-based.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Position {
    /// The input's name as the user gave it (`trace.jsonl`, `-`).
    pub file: String,
    /// 1-based line; 0 when the problem is not on a line (an empty file).
    pub line: u64,
    /// 1-based column in characters; 0 when unknown.
    pub column: u64,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}", self.file),
            (line, 0) => write!(f, "{}:{line}", self.file),
            (line, column) => write!(f, "{}:{line}:{column}", self.file),
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
}

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
                "unknown trace format: found {found}; expected lockscope JSON Lines, a lockscope \
                 JSON document or RAPID STD text (`T1|acq(L2)|86`)"
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
            TraceErrorKind::StdSyntax { found, expected } => {
                write!(f, "found {found}; expected {expected}")
            }
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
