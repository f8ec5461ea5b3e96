//! Inputs built to hurt a reader: each is generated here, streamed (a
//! 2 GB line is never held in memory by the test), and must end in a
//! positioned error or a warning, never an abort or an unbounded
//! allocation. The CLI runs the largest under a memory limit
//! (`cli/tests/hostile_input.rs`).

mod common;

use std::io::{self, Cursor, Read, Write};

use common::drain;
use lockscope_detector::trace::{
    from_reader, write_trace, EventSource, MemorySource, OutputFormat, TraceError, TraceErrorKind,
    BINARY_MAGIC, MAX_RECORD_BYTES,
};

const HEADER: &str = r#"{"type":"header","format":"lockscope-trace","version":"1.0"}"#;

/// `pattern` over and over, produced as it is read.
struct Cycle(Vec<u8>, usize);

impl Read for Cycle {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        for b in buf.iter_mut() {
            *b = self.0[self.1];
            self.1 = (self.1 + 1) % self.0.len();
        }
        Ok(buf.len())
    }
}

/// 2 GiB of `byte`, produced as it is read.
fn two_gib_of(byte: u8) -> impl Read + Send {
    io::repeat(byte).take(2 << 30)
}

fn open(
    name: &str,
    input: impl Read + Send + 'static,
) -> Result<Box<dyn EventSource + Send>, TraceError> {
    from_reader(name, Box::new(input))
}

/// The first error reading `input` (at open or while reading).
fn error_of(name: &str, input: impl Read + Send + 'static) -> TraceError {
    let mut src = match open(name, input) {
        Ok(src) => src,
        Err(e) => return e,
    };
    loop {
        match src.next_event() {
            Ok(Some(_)) => {}
            Ok(None) => panic!("{name} read without error"),
            Err(e) => return e,
        }
    }
}

fn too_long(e: &TraceError) -> bool {
    matches!(e.kind, TraceErrorKind::TooLong { .. })
}

#[test]
fn a_two_gib_json_lines_line_is_refused_at_its_line() {
    let input =
        Cursor::new(format!("{HEADER}\n{{\"type\":\"begin\",\"x\":\"")).chain(two_gib_of(b'x'));
    let e = error_of("big.jsonl", input);
    assert!(too_long(&e), "{e}");
    assert_eq!(
        e.to_string(),
        "big.jsonl:2: line longer than 16 MiB, the most a trace record can be; the input is \
         corrupt or not a trace"
    );
}

#[test]
fn a_two_gib_first_line_is_refused_at_detection() {
    let e = error_of(
        "big.jsonl",
        Cursor::new(b"{\"type\":\"".to_vec()).chain(two_gib_of(b'x')),
    );
    assert!(too_long(&e), "{e}");
    assert!(e.to_string().starts_with("big.jsonl:1: line longer"), "{e}");
}

#[test]
fn a_two_gib_std_line_is_refused() {
    let input = Cursor::new(b"T1|acq(L1)|1\nT1|rel(".to_vec()).chain(two_gib_of(b'L'));
    let e = error_of("big.std", input);
    assert!(too_long(&e), "{e}");
    assert!(e.to_string().starts_with("big.std:2: line longer"), "{e}");
}

#[test]
fn a_two_gib_json_document_value_is_refused_where_it_starts() {
    let head = format!("{{\"header\":{HEADER},\n\"events\":[\n  \"");
    let e = error_of("big.json", Cursor::new(head).chain(two_gib_of(b'x')));
    assert!(too_long(&e), "{e}");
    assert!(
        e.to_string().starts_with("big.json:3:3: JSON value longer"),
        "{e}"
    );
}

/// One gzip member holding `data`.
fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

#[test]
fn a_long_line_inside_gzip_or_zstd_is_refused_at_its_line() {
    // Concatenated members (frames) are one stream: a header, then 64
    // copies of one compressed MiB of a line that never ends.
    let mib = vec![b'x'; 1 << 20];
    let head = format!("{HEADER}\n{{\"type\":\"begin\",\"x\":\"");
    let mut gz = gzip(head.as_bytes());
    let mut zst = zstd::encode_all(head.as_bytes(), 1).unwrap();
    let (gz_mib, zst_mib) = (gzip(&mib), zstd::encode_all(&mib[..], 1).unwrap());
    for _ in 0..64 {
        gz.extend_from_slice(&gz_mib);
        zst.extend_from_slice(&zst_mib);
    }
    assert!(gz.len() < 1 << 20 && zst.len() < 1 << 20);
    for (name, bytes) in [("big.jsonl.gz", gz), ("big.jsonl.zst", zst)] {
        let e = error_of(name, Cursor::new(bytes));
        assert!(too_long(&e), "{e}");
        assert!(
            e.to_string().starts_with(&format!("{name}:2: line longer")),
            "{e}"
        );
    }
}

/// The binary encoding of an empty trace, without its end record.
fn binary_head() -> Vec<u8> {
    let mut out = Vec::new();
    let meta =
        lockscope_detector::trace::TraceMeta::new(lockscope_detector::trace::SourceFormat::Binary);
    write_trace(
        &mut MemorySource::new(meta, vec![]),
        OutputFormat::Binary,
        &mut out,
    )
    .unwrap();
    assert_eq!(
        out[out.len() - 2..],
        [0x1f, 0x00],
        "the end record of no events"
    );
    out.truncate(out.len() - 2);
    out
}

#[test]
fn a_binary_string_claiming_a_terabyte_is_refused_at_its_offset() {
    let mut bytes = binary_head();
    let at = bytes.len();
    // A note_text record: id 0, then a kind string of 2^40 bytes.
    bytes.extend_from_slice(&[0xdf, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
    let e = error_of("big.lsb", Cursor::new(bytes).chain(two_gib_of(b'x')));
    assert!(too_long(&e), "{e}");
    assert_eq!(e.position.byte, Some(at as u64 + 2), "{e}");
    assert!(e
        .to_string()
        .starts_with(&format!("big.lsb at byte {}: string longer", at + 2)));
}

#[test]
fn a_binary_record_longer_than_a_record_can_be_is_refused() {
    let mut bytes = binary_head();
    // A backtrace of 2^22 frames, each a 16-byte string: 68 MiB.
    bytes.extend_from_slice(&[0xbf, 0x00, 0x80, 0x80, 0x80, 0x02]);
    let frame: Vec<u8> = std::iter::once(16u8).chain([b'f'; 16]).collect();
    let frames = Cycle(frame, 0).take(17 << 22);
    let e = error_of("big.lsb", Cursor::new(bytes).chain(frames));
    assert!(too_long(&e), "{e}");
    assert!(e.to_string().contains("record longer than 16 MiB"), "{e}");
}

#[test]
fn malformed_binary_records_say_what_and_where() {
    let cases: [(&[u8], &str); 5] = [
        (&[0x1d], "found record tag 0x1d"),
        (&[0xff], "found record tag 0xff"),
        (
            &[0x25, 0x00, 0x07],
            "event of \"the previous event's thread\"",
        ),
        (
            &[0x85, 0x08, 0x01, 0x00, 0x01],
            "options 0x08 on a request event: a flag",
        ),
        (
            &[0x16, 0x01, 0x00, 0x09],
            "variable 9 is used before it is declared",
        ),
    ];
    for (record, message) in cases {
        let mut bytes = binary_head();
        let at = bytes.len();
        bytes.extend_from_slice(record);
        let e = error_of("bad.lsb", Cursor::new(bytes));
        let text = e.to_string();
        assert!(text.contains(message), "{text}");
        let byte = e.position.byte.expect("a byte offset");
        assert!(
            (at as u64..(at + record.len()) as u64).contains(&byte),
            "{text}"
        );
    }
}

#[test]
fn data_after_the_end_record_and_a_wrong_count_are_errors() {
    let mut bytes = binary_head();
    bytes.extend_from_slice(&[0x1f, 0x00, 0x00]);
    let e = error_of("bad.lsb", Cursor::new(bytes));
    assert!(e.to_string().contains("data after the end record"), "{e}");
    let mut bytes = binary_head();
    bytes.extend_from_slice(&[0x1f, 0x03]);
    let e = error_of("bad.lsb", Cursor::new(bytes));
    assert!(
        e.to_string()
            .contains("an end record counting 3 events after 0 events"),
        "{e}"
    );
}

#[test]
fn a_binary_trace_cut_anywhere_reads_its_prefix_and_says_it_is_truncated() {
    let (meta, events) = (common::every_kind_meta(), common::every_kind_events());
    let mut full = Vec::new();
    write_trace(
        &mut MemorySource::new(meta, events.clone()),
        OutputFormat::Binary,
        &mut full,
    )
    .unwrap();
    for cut in BINARY_MAGIC.len()..full.len() {
        let mut src = open("cut.lsb", Cursor::new(full[..cut].to_vec())).unwrap();
        let got = drain(&mut *src);
        assert_eq!(got[..], events[..got.len()], "cut at {cut}");
        let meta = src.meta();
        assert!(meta.truncated, "cut at {cut}");
        assert!(
            meta.warnings.len() == 1 && meta.warnings[0].contains("truncated"),
            "cut at {cut}: {:?}",
            meta.warnings
        );
    }
    let mut src = open("full.lsb", Cursor::new(full)).unwrap();
    assert_eq!(drain(&mut *src), events);
    assert!(!src.meta().truncated && src.meta().warnings.is_empty());
}

#[test]
fn a_cut_compressed_trace_reads_its_prefix_and_says_it_is_truncated() {
    let (meta, events) = (common::every_kind_meta(), common::every_kind_events());
    for format in [OutputFormat::Binary, OutputFormat::JsonLines] {
        let mut plain = Vec::new();
        write_trace(
            &mut MemorySource::new(meta.clone(), events.clone()),
            format,
            &mut plain,
        )
        .unwrap();
        let gz = gzip(&plain);
        let cut = gz[..gz.len() * 3 / 4].to_vec();
        let mut src = open("cut.gz", Cursor::new(cut)).unwrap();
        let got = drain(&mut *src);
        assert!(got.len() < events.len(), "{format:?}");
        assert_eq!(got[..], events[..got.len()], "{format:?}");
        assert!(
            src.meta().truncated,
            "{format:?}: {:?}",
            src.meta().warnings
        );
    }
}

#[test]
fn corrupt_compressed_data_names_the_compressed_bytes() {
    let mut plain = format!("{HEADER}\n").into_bytes();
    for i in 0..50_000 {
        plain.extend_from_slice(
            format!("{{\"type\":\"begin\",\"t\":{i},\"thread\":1}}\n").as_bytes(),
        );
    }
    // The data decodes, then its checksum does not match.
    let mut gz = gzip(&plain);
    let crc = gz.len() - 8;
    gz[crc] ^= 0xFF;
    let mut enc = zstd::Encoder::new(Vec::new(), 3).unwrap();
    enc.include_checksum(true).unwrap();
    enc.write_all(&plain).unwrap();
    let mut zst = enc.finish().unwrap();
    let sum = zst.len() - 1;
    zst[sum] ^= 0xFF;
    for (name, bytes) in [("bad.jsonl.gz", gz), ("bad.jsonl.zst", zst)] {
        let len = bytes.len();
        let e = error_of(name, Cursor::new(bytes));
        let text = e.to_string();
        let range = text
            .split("data is corrupt within compressed bytes ")
            .nth(1)
            .unwrap_or_else(|| panic!("{text}"));
        let to: usize = range.split([':', '-']).nth(1).unwrap().parse().unwrap();
        assert_eq!(to, len, "the checksum is the last thing read: {text}");
        // At the line the reader had reached when the decoder noticed.
        assert!(text.starts_with(&format!("{name}:")), "{text}");
        assert!(text.contains(": cannot read: "), "{text}");
    }
}

#[test]
fn unknown_formats_say_what_was_seen_where() {
    let cases: [(&[u8], &str); 4] = [
        (
            b"\n\n   hello world\n",
            "x:3:4: unknown trace format: found the line \"hello world\"",
        ),
        (
            b"  \x00\x01\x02junk",
            "x at byte 2: unknown trace format: found binary data starting with bytes 00 01 02",
        ),
        (
            b"\x89LSX\r\n\x1a\n",
            "x at byte 0: unknown trace format: found binary data starting with bytes 89 4c 53 58",
        ),
        (
            b"",
            "x at byte 0: unknown trace format: found an empty input",
        ),
    ];
    for (input, want) in cases {
        let e = error_of("x", Cursor::new(input.to_vec()));
        assert!(e.to_string().starts_with(want), "{e}");
    }
    let gz = gzip(b"\n  not a trace\n");
    let e = error_of("x.gz", Cursor::new(gz));
    assert!(
        e.to_string().starts_with(
            "x.gz:2:3: unknown trace format: found the line \"not a trace\" in the \
             gzip-decompressed data"
        ),
        "{e}"
    );
}

#[test]
fn blank_lines_are_an_empty_trace_and_no_bytes_are_no_trace() {
    let mut src = open("blank.std", Cursor::new(b"\n\n".to_vec())).unwrap();
    assert!(drain(&mut *src).is_empty());
    assert!(open("empty", Cursor::new(Vec::new())).is_err());
}

#[test]
fn the_limit_is_what_the_messages_say() {
    assert_eq!(MAX_RECORD_BYTES, 16 << 20);
}
