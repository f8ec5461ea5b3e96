//! Positions inside JSON records: from a byte offset in a record (which
//! may span lines in a JSON document) to `file:line:column`, and the
//! positioned errors built on them.

use super::keys::{field_offset, json_error_offset, json_message};
use crate::trace::error::{Position, TraceError, TraceErrorKind};
use crate::trace::tables::FieldError;

/// The position of byte `offset` of a record that starts at `line`,
/// `column` of the input (column in characters, 1-based).
pub(crate) fn position_in(
    file: &str,
    bytes: &[u8],
    offset: usize,
    line: u64,
    column: u64,
) -> Position {
    let upto = &bytes[..offset.min(bytes.len())];
    let past_end = offset.saturating_sub(bytes.len()) as u64;
    let chars = |b: &[u8]| b.iter().filter(|&&c| (c & 0xC0) != 0x80).count() as u64;
    let (line, column) = match memchr::memrchr(b'\n', upto) {
        None => (line, column + chars(upto)),
        Some(nl) => {
            let newlines = memchr::memchr_iter(b'\n', upto).count() as u64;
            (line + newlines, 1 + chars(&upto[nl + 1..]))
        }
    };
    Position {
        file: file.to_owned(),
        line,
        column: column + past_end,
        byte: None,
    }
}

/// A [`FieldError`] in the record `bytes` (starting at `line`, `column`) as
/// a positioned error: at the faulty field's value, else at the record.
pub(crate) fn field_error(
    file: &str,
    bytes: &[u8],
    line: u64,
    column: u64,
    e: FieldError,
) -> TraceError {
    TraceError::new(field_position(file, bytes, line, column, e.field), e.kind)
}

/// Where the value of `field` is in the record `bytes` (starting at `line`,
/// `column`); the record's `{` if `field` is `None` or absent.
pub(crate) fn field_position(
    file: &str,
    bytes: &[u8],
    line: u64,
    column: u64,
    field: Option<&str>,
) -> Position {
    let start = bytes.iter().position(|&b| b == b'{').unwrap_or(0);
    let offset = field.and_then(|f| field_offset(bytes, f)).unwrap_or(start);
    position_in(file, bytes, offset, line, column)
}

/// A serde_json error in the record `bytes` (starting at `line`, `column`).
pub(crate) fn json_error(
    file: &str,
    bytes: &[u8],
    line: u64,
    column: u64,
    err: &serde_json::Error,
) -> TraceError {
    let offset = json_error_offset(bytes, err);
    let kind = TraceErrorKind::Json {
        message: json_message(err),
    };
    TraceError::new(position_in(file, bytes, offset, line, column), kind)
}
