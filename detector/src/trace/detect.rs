//! [`open`] and [`from_reader`]: pick the reader from the content, never
//! from the file name.
//!
//! The rule, applied to the first bytes of the input (at most 64 KiB are
//! looked at; they are then replayed to the chosen reader):
//! 1. gzip magic `1f 8b` or zstd magic `28 b5 2f fd` (or a zstd skippable
//!    frame): decompress and detect again (at most two layers).
//! 2. The binary magic `89 4c 53 54 0d 0a 1a 0a`: the binary encoding.
//! 3. Skip a UTF-8 byte-order mark and whitespace. Nothing at all is an
//!    error; blank lines are an STD trace with no events.
//! 4. `{`: JSON. The first top-level key of that object that is one of
//!    `"type"` (JSON Lines), `"header"`, `"declarations"` or `"events"` (a
//!    JSON document) decides; other keys are skipped with their values,
//!    which must fit in the 64 KiB looked at.
//! 5. Otherwise the first non-blank line must parse as an STD line
//!    (`name|op(operand)|location`).
//! 6. Anything else is [`TraceErrorKind::UnknownFormat`], at the position
//!    of what was seen: `file:line:column` of the line it quotes, or the
//!    byte offset of binary data it shows in hex.
//!
//! # Performance
//! One extra copy of the first bytes; the rest streams untouched.

use std::fs::File;
use std::io::{self, Cursor, Read};
use std::path::Path;

use super::binary::{BinaryReader, MAGIC};
use super::error::{Position, TraceError, TraceErrorKind};
use super::input::decompress::{Codec, Decompressed};
use super::json::keys::{walk_keys, Walk};
use super::json_doc::JsonDocReader;
use super::jsonl::JsonLinesReader;
use super::source::EventSource;
use super::std_format::line::{parse_line, quote};
use super::std_format::StdReader;

/// How many leading bytes detection may look at.
const PEEK: usize = 64 * 1024;

/// How deep compression may nest (a `.gz` of a `.gz`).
const MAX_LAYERS: usize = 2;

/// The zstd frame magic number.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];

/// What the first bytes of an input say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Detected {
    Compressed(Codec),
    Binary,
    JsonLines,
    JsonDocument,
    Std,
}

/// What an input that is no trace starts with, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Unknown {
    /// The offset of what is shown.
    offset: usize,
    /// What was seen there.
    found: String,
    /// Whether it is text (positioned by line and column) or bytes.
    text: bool,
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
    open_detected(name, input, &mut Vec::new())
}

fn open_detected(
    name: &str,
    mut input: Box<dyn Read + Send>,
    layers: &mut Vec<Codec>,
) -> Result<Box<dyn EventSource + Send>, TraceError> {
    let (prefix, detected) = peek(&mut input).map_err(|e| TraceError::io(name, e))?;
    let detected = match detected {
        Ok(d) => d,
        Err(unknown) => return Err(unknown_format(name, &prefix, unknown, layers)),
    };
    let input: Box<dyn Read + Send> = Box::new(Cursor::new(prefix).chain(input));
    Ok(match detected {
        Detected::Compressed(codec) if layers.len() < MAX_LAYERS => {
            layers.push(codec);
            let inner = Decompressed::new(input, codec).map_err(|e| TraceError::io(name, e))?;
            return open_detected(name, Box::new(inner), layers);
        }
        Detected::Compressed(codec) => {
            let unknown = Unknown {
                offset: 0,
                found: format!("{} data nested too deep", codec.name()),
                text: false,
            };
            return Err(unknown_format(name, &[], unknown, layers));
        }
        Detected::Binary => Box::new(BinaryReader::new(name, input)?),
        Detected::Std => Box::new(StdReader::new(name, input)),
        Detected::JsonLines => Box::new(JsonLinesReader::new(name, input)?),
        Detected::JsonDocument => Box::new(JsonDocReader::new(name, input)?),
    })
}

/// The error for an input that is no trace: where (in the decompressed
/// data, for a compressed input), and what was there.
fn unknown_format(name: &str, prefix: &[u8], unknown: Unknown, layers: &[Codec]) -> TraceError {
    let mut position = Position::at_byte(name, unknown.offset as u64);
    if unknown.text {
        let before = &prefix[..unknown.offset.min(prefix.len())];
        let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
        position.line = 1 + memchr::memchr_iter(b'\n', before).count() as u64;
        position.column = 1 + String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count() as u64;
        position.byte = None;
    }
    let mut found = unknown.found;
    if let Some(codec) = layers.last() {
        found = format!("{found} in the {}-decompressed data", codec.name());
    }
    TraceError::new(position, TraceErrorKind::UnknownFormat { found })
}

/// Reads until the format can be decided (or [`PEEK`] bytes, or the end).
fn peek(input: &mut dyn Read) -> io::Result<(Vec<u8>, Result<Detected, Unknown>)> {
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

/// Whether `prefix` starts with `magic`: `None` if it is a shorter prefix
/// of it and more bytes may come.
fn has_magic(prefix: &[u8], magic: &[u8], complete: bool) -> Option<bool> {
    let n = prefix.len().min(magic.len());
    if prefix[..n] != magic[..n] {
        return Some(false);
    }
    (n == magic.len() || complete).then_some(n == magic.len())
}

/// The format of an input starting with `prefix`; `None` if more bytes are
/// needed and `complete` is false. `Err` says what was found instead.
fn classify(prefix: &[u8], complete: bool) -> Option<Result<Detected, Unknown>> {
    if prefix.starts_with(&[0x1f, 0x8b]) {
        return Some(Ok(Detected::Compressed(Codec::Gzip)));
    }
    let skippable =
        prefix.len() >= 4 && prefix[0] & 0xF0 == 0x50 && prefix[1..4] == [0x2A, 0x4D, 0x18];
    if skippable {
        return Some(Ok(Detected::Compressed(Codec::Zstd)));
    }
    for (magic, detected) in [
        (&ZSTD_MAGIC[..], Detected::Compressed(Codec::Zstd)),
        (&MAGIC[..], Detected::Binary),
    ] {
        match has_magic(prefix, magic, complete) {
            Some(true) => return Some(Ok(detected)),
            Some(false) => {}
            None => return None,
        }
    }
    if prefix.len() < 3 && !complete {
        return None;
    }
    let bom = if prefix.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let text = &prefix[bom..];
    let Some(start) = text.iter().position(|b| !b.is_ascii_whitespace()) else {
        // Blank lines: an STD trace with no events (what the STD writer
        // writes for one). Nothing at all was never written by a writer.
        return complete.then(|| {
            if text.is_empty() || bom > 0 {
                Err(Unknown {
                    offset: 0,
                    found: "an empty input (no trace was written to it)".into(),
                    text: false,
                })
            } else {
                Ok(Detected::Std)
            }
        });
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
    if line.first() != Some(&b'{') && parse_line(line).is_ok() {
        return Some(Ok(Detected::Std));
    }
    let (found, text) = describe(line, text);
    Some(Err(Unknown {
        offset: bom + start,
        found,
        text,
    }))
}

fn json_format_of_key(key: &[u8]) -> Option<Detected> {
    match key {
        b"type" => Some(Detected::JsonLines),
        b"header" | b"declarations" | b"events" => Some(Detected::JsonDocument),
        _ => None,
    }
}

/// What `line`, the first line of `data`, looks like, for an
/// unknown-format message, and whether it is text.
fn describe(line: &[u8], data: &[u8]) -> (String, bool) {
    let binary = std::str::from_utf8(line).is_err()
        || line.iter().any(|&b| b < 0x20 && b != b'\t' && b != b'\r');
    if binary {
        let bytes: Vec<String> = data.iter().take(8).map(|b| format!("{b:02x}")).collect();
        (
            format!("binary data starting with bytes {}", bytes.join(" ")),
            false,
        )
    } else {
        (format!("the line {}", quote(line)), true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(input: &[u8]) -> Result<Detected, Unknown> {
        classify(input, true).unwrap()
    }

    fn found(input: &[u8]) -> (usize, String) {
        let u = detect(input).unwrap_err();
        (u.offset, u.found)
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
        assert_eq!(
            detect(&[0x1f, 0x8b, 8]),
            Ok(Detected::Compressed(Codec::Gzip))
        );
        assert_eq!(
            detect(&[0x28, 0xb5, 0x2f, 0xfd, 0]),
            Ok(Detected::Compressed(Codec::Zstd))
        );
        assert_eq!(detect(&MAGIC), Ok(Detected::Binary));
    }

    #[test]
    fn unknown_content_is_quoted_with_its_offset() {
        assert_eq!(
            found(b"hello world\nmore"),
            (0, "the line \"hello world\"".into())
        );
        assert_eq!(found(b"\n\n  hello"), (4, "the line \"hello\"".into()));
        assert_eq!(
            found(b"\x7fELF\x02\x01"),
            (
                0,
                "binary data starting with bytes 7f 45 4c 46 02 01".into()
            )
        );
        assert_eq!(
            found(b""),
            (0, "an empty input (no trace was written to it)".into())
        );
        assert_eq!(detect(b"  \n"), Ok(Detected::Std));
        assert!(detect(br#"{"name": 1}"#).is_err());
        assert_eq!(
            found(&MAGIC[..5]),
            (0, "binary data starting with bytes 89 4c 53 54 0d".into())
        );
        assert_eq!(
            found(b"  \x00\x01\n\x02"),
            (2, "binary data starting with bytes 00 01 0a 02".into())
        );
    }

    #[test]
    fn waits_for_a_whole_first_line_and_a_whole_magic() {
        assert_eq!(classify(b"T1|acq(L", false), None);
        assert_eq!(classify(b"{\n  ", false), None);
        assert_eq!(classify(&MAGIC[..4], false), None);
        assert_eq!(classify(&ZSTD_MAGIC[..2], false), None);
    }

    #[test]
    fn unknown_format_errors_give_line_and_column_or_byte() {
        let text = b"\n  hello";
        let err = unknown_format("x.txt", text, detect(text).unwrap_err(), &[]);
        assert!(
            err.to_string()
                .starts_with("x.txt:2:3: unknown trace format"),
            "{err}"
        );
        let bin = b"\x7fELF\x02\x01";
        let err = unknown_format("x.bin", bin, detect(bin).unwrap_err(), &[]);
        assert!(
            err.to_string()
                .starts_with("x.bin at byte 0: unknown trace format: found binary"),
            "{err}"
        );
        let err = unknown_format("x.gz", text, detect(text).unwrap_err(), &[Codec::Gzip]);
        assert!(
            err.to_string()
                .starts_with("x.gz:2:3: unknown trace format: found the line \"hello\" in the gzip-decompressed data"),
            "{err}"
        );
    }
}
