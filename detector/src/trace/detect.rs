//! [`open`] and [`from_reader`]: pick the reader from the content, never
//! from the file name.
//!
//! The rule, applied to the first bytes of the input (at most 64 KiB are
//! looked at; they are then replayed to the chosen reader):
//! 1. gzip magic `1f 8b`: decompress (flate2, multi-member) and detect again.
//! 2. Skip a UTF-8 byte-order mark and whitespace. Nothing left: an error.
//! 3. `{`: JSON. The first top-level key of that object that is one of
//!    `"type"` (JSON Lines), `"header"`, `"declarations"` or `"events"` (a
//!    JSON document) decides; other keys are skipped with their values,
//!    which must fit in the 64 KiB looked at.
//! 4. Otherwise the first non-blank line must parse as an STD line
//!    (`name|op(operand)|location`).
//! 5. Anything else is [`TraceErrorKind::UnknownFormat`], quoting the first
//!    line (or its first bytes, for binary data).
//!
//! # Performance
//! One extra copy of the first bytes; the rest streams untouched.

use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use super::error::{Position, TraceError, TraceErrorKind};
use super::json::keys::{walk_keys, Walk};
use super::json_doc::JsonDocReader;
use super::jsonl::JsonLinesReader;
use super::source::EventSource;
use super::std_format::line::{parse_line, quote};
use super::std_format::StdReader;

/// How many leading bytes detection may look at.
const PEEK: usize = 64 * 1024;

/// How deep gzip may nest (a `.gz` of a `.gz`).
const MAX_GZIP_DEPTH: u32 = 2;

/// What the first bytes of an input say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Detected {
    Gzip,
    JsonLines,
    JsonDocument,
    Std,
}

/// Opens the trace at `path` (`-` is standard input) and detects its format.
///
/// Errors name the file as `path` was given.
pub fn open(path: &Path) -> Result<Box<dyn EventSource + Send>, TraceError> {
    let name = path.to_string_lossy();
    if path.as_os_str() == "-" {
        return from_reader(&name, Box::new(io::stdin()));
    }
    let file = File::open(path).map_err(|e| TraceError::io(&name, e))?;
    from_reader(&name, Box::new(file))
}

/// Detects the format of `input` and returns a streaming reader of it;
/// `name` is the input's name in error messages.
pub fn from_reader(
    name: &str,
    input: Box<dyn Read + Send>,
) -> Result<Box<dyn EventSource + Send>, TraceError> {
    open_detected(name, input, 0)
}

fn open_detected(
    name: &str,
    mut input: Box<dyn Read + Send>,
    gzip_depth: u32,
) -> Result<Box<dyn EventSource + Send>, TraceError> {
    let (prefix, detected) = peek(&mut input).map_err(|e| TraceError::io(name, e))?;
    let detected = detected.map_err(|found| unknown(name, found))?;
    let input: Box<dyn Read + Send> = Box::new(Cursor::new(prefix).chain(input));
    Ok(match detected {
        Detected::Gzip if gzip_depth < MAX_GZIP_DEPTH => {
            return open_detected(name, Box::new(MultiGzDecoder::new(input)), gzip_depth + 1)
        }
        Detected::Gzip => return Err(unknown(name, "gzip nested too deep".into())),
        Detected::Std => Box::new(StdReader::new(name, input)),
        Detected::JsonLines => Box::new(JsonLinesReader::new(name, input)?),
        Detected::JsonDocument => Box::new(JsonDocReader::new(name, input)?),
    })
}

fn unknown(name: &str, found: String) -> TraceError {
    let position = Position {
        file: name.to_owned(),
        line: 1,
        column: 0,
    };
    TraceError::new(position, TraceErrorKind::UnknownFormat { found })
}

/// Reads until the format can be decided (or [`PEEK`] bytes, or the end).
fn peek(input: &mut dyn Read) -> io::Result<(Vec<u8>, Result<Detected, String>)> {
    let mut prefix = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let n = match input.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        prefix.extend_from_slice(&chunk[..n]);
        let complete = n == 0 || prefix.len() >= PEEK;
        if let Some(detected) = classify(&prefix, complete) {
            return Ok((prefix, detected));
        }
    }
}

/// The format of an input starting with `prefix`; `None` if more bytes are
/// needed and `complete` is false. `Err` holds what was found.
fn classify(prefix: &[u8], complete: bool) -> Option<Result<Detected, String>> {
    if prefix.starts_with(&[0x1f, 0x8b]) {
        return Some(Ok(Detected::Gzip));
    }
    if prefix.len() < 3 && !complete {
        return None;
    }
    let text = prefix.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(prefix);
    let Some(start) = text.iter().position(|b| !b.is_ascii_whitespace()) else {
        return complete.then(|| Err("an empty input".into()));
    };
    let text = &text[start..];
    let line_end = memchr::memchr(b'\n', text);
    if text[0] == b'{' {
        let mut format = None;
        let walk = walk_keys(text, |key, _| {
            format = json_format_of_key(key);
            format.is_some()
        });
        match (format, walk) {
            (Some(format), _) => return Some(Ok(format)),
            (None, Walk::Incomplete) if !complete => return None,
            _ => {}
        }
    } else if line_end.is_none() && !complete {
        return None;
    }
    let line = &text[..line_end.unwrap_or(text.len())];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some(classify_line(line))
}

fn classify_line(line: &[u8]) -> Result<Detected, String> {
    if line.first() != Some(&b'{') && parse_line(line).is_ok() {
        return Ok(Detected::Std);
    }
    Err(describe(line))
}

fn json_format_of_key(key: &[u8]) -> Option<Detected> {
    match key {
        b"type" => Some(Detected::JsonLines),
        b"header" | b"declarations" | b"events" => Some(Detected::JsonDocument),
        _ => None,
    }
}

/// What a line looks like, for an unknown-format message.
fn describe(line: &[u8]) -> String {
    let binary = std::str::from_utf8(line).is_err()
        || line.iter().any(|&b| b < 0x20 && b != b'\t' && b != b'\r');
    if binary {
        let bytes: Vec<String> = line.iter().take(8).map(|b| format!("{b:02x}")).collect();
        format!("binary data starting with bytes {}", bytes.join(" "))
    } else {
        format!("the line {}", quote(line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(input: &[u8]) -> Result<Detected, String> {
        classify(input, true).unwrap()
    }

    #[test]
    fn detects_each_format_from_content() {
        assert_eq!(detect(b"T1|acq(L2)|86\n"), Ok(Detected::Std));
        assert_eq!(detect(b"\r\n  1|begin()|0\r\n"), Ok(Detected::Std));
        let jsonl = br#"{"type":"header","format":"lockscope-trace","version":"1.0"}"#;
        assert_eq!(detect(jsonl), Ok(Detected::JsonLines));
        assert_eq!(
            detect(b"\xEF\xBB\xBF{\n  \"header\": {}\n}"),
            Ok(Detected::JsonDocument)
        );
        assert_eq!(
            detect(br#"{"format":"x","type":"header"}"#),
            Ok(Detected::JsonLines)
        );
        assert_eq!(detect(&[0x1f, 0x8b, 8]), Ok(Detected::Gzip));
    }

    #[test]
    fn unknown_content_is_quoted() {
        assert_eq!(
            detect(b"hello world\nmore"),
            Err("the line \"hello world\"".into())
        );
        assert_eq!(
            detect(b"\x7fELF\x02\x01"),
            Err("binary data starting with bytes 7f 45 4c 46 02 01".into())
        );
        assert_eq!(detect(b"  \n"), Err("an empty input".into()));
        assert!(detect(br#"{"name": 1}"#).is_err());
    }

    #[test]
    fn waits_for_a_whole_first_line() {
        assert_eq!(classify(b"T1|acq(L", false), None);
        assert_eq!(classify(b"{\n  ", false), None);
    }
}
