//! No input makes a reader panic: arbitrary bytes, and inputs built from
//! fragments of every format so the decoders' deeper paths are reached.

mod common;

use std::io::Cursor;

use lockscope_detector::trace::{
    from_reader, write_trace, BinaryReader, EventSource, JsonDocReader, JsonLinesReader,
    MemorySource, OutputFormat, StdReader, TraceError, BINARY_MAGIC,
};
use proptest::prelude::*;

/// Drains a source, bounded: every event consumes input, so a reader that
/// yields more events than there are bytes is looping.
fn drain(src: &mut dyn EventSource, len: usize) {
    for _ in 0..=len + 1 {
        match src.next_event() {
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => return,
        }
    }
    panic!("more events than input bytes");
}

fn drain_opened(r: Result<Box<dyn EventSource + Send>, TraceError>, len: usize) {
    if let Ok(mut src) = r {
        drain(&mut *src, len);
    }
}

fn every_reader(bytes: &[u8]) {
    drain(&mut StdReader::new("x", bytes), bytes.len());
    if let Ok(mut r) = JsonLinesReader::new("x", bytes) {
        drain(&mut r, bytes.len());
    }
    if let Ok(mut r) = JsonDocReader::new("x", bytes) {
        drain(&mut r, bytes.len());
    }
    if let Ok(mut r) = BinaryReader::new("x", bytes) {
        drain(&mut r, bytes.len());
    }
    drain_opened(
        from_reader("x", Box::new(Cursor::new(bytes.to_vec()))),
        bytes.len(),
    );
}

const HEADER: &str = r#"{"type":"header","format":"lockscope-trace","version":"1.0"}"#;

fn json_record() -> impl Strategy<Value = String> {
    let ty = prop_oneof![
        Just("acquired"),
        Just("released"),
        Just("read"),
        Just("fork"),
        Just("notify"),
        Just("note"),
        Just("thread"),
        Just("primitive"),
        Just("var"),
        Just("site"),
        Just("backtrace"),
        Just("note_text"),
        Just("header"),
        Just("bogus"),
    ];
    let key = prop_oneof![
        Just("t"),
        Just("thread"),
        Just("obj"),
        Just("var"),
        Just("id"),
        Just("kind"),
        Just("mode"),
        Just("child"),
        Just("parent"),
        Just("site"),
        Just("bt"),
        Just("file"),
        Just("line"),
        Just("label"),
        Just("frames"),
        Just("text"),
        Just("note"),
        Just("to"),
    ];
    let value = prop_oneof![
        (0u64..4).prop_map(|n| n.to_string()),
        Just("-1".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("\"mutex\"".to_owned()),
        Just("\"exclusive\"".to_owned()),
        Just("\"x\\u00e9\"".to_owned()),
        Just("null".to_owned()),
        Just("[\"a\"]".to_owned()),
        Just("{}".to_owned()),
        Just("true".to_owned()),
    ];
    (ty, proptest::collection::vec((key, value), 0..6)).prop_map(|(ty, fields)| {
        let mut s = format!("{{\"type\":\"{ty}\"");
        for (k, v) in fields {
            s.push_str(&format!(",\"{k}\":{v}"));
        }
        s.push('}');
        s
    })
}

fn cut(text: String, at: usize) -> Vec<u8> {
    let bytes = text.into_bytes();
    let at = at.min(bytes.len());
    bytes[..at].to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        every_reader(&bytes);
        let mut gz = vec![0x1f, 0x8b];
        gz.extend_from_slice(&bytes);
        drain_opened(from_reader("x.gz", Box::new(Cursor::new(gz))), bytes.len() + 2);
    }

    #[test]
    fn arbitrary_binary_records(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut input = BINARY_MAGIC.to_vec();
        input.extend_from_slice(&[1, 0, 0, 0, 0]);
        input.extend_from_slice(&bytes);
        every_reader(&input);
    }

    /// A valid binary trace with bytes flipped and cut: the decoder's
    /// deeper paths (declarations, options, ids) with plausible values.
    #[test]
    fn damaged_binary_traces(
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        at in any::<usize>(),
    ) {
        let meta = common::every_kind_meta();
        let mut bytes = Vec::new();
        let mut src = MemorySource::new(meta, common::every_kind_events());
        write_trace(&mut src, OutputFormat::Binary, &mut bytes).unwrap();
        for (i, x) in flips {
            let i = BINARY_MAGIC.len() + i % (bytes.len() - BINARY_MAGIC.len());
            bytes[i] ^= x;
        }
        let at = at % (bytes.len() + 1);
        every_reader(&bytes[..at]);
    }

    #[test]
    fn std_like_lines(lines in proptest::collection::vec(
        "[A-Za-z0-9ü|]{0,4}\\|?(acq|rel|req|r|w|fork|join|begin|end|zz)?\\(?[A-Z0-9]{0,3}\\)?\\|?[0-9]{0,3}\r?",
        0..12), at in 0usize..400) {
        every_reader(&cut(lines.join("\n"), at));
    }

    #[test]
    fn json_lines_like(records in proptest::collection::vec(json_record(), 0..12), at in 0usize..2000) {
        let text = format!("{HEADER}\n{}", records.join("\n"));
        every_reader(&cut(text, at));
    }

    #[test]
    fn json_document_like(
        records in proptest::collection::vec(json_record(), 0..12),
        sep in prop_oneof![Just(","), Just(",\n "), Just(" "), Just(",,"), Just("]")],
        at in 0usize..2000,
    ) {
        let text = format!(
            "{{\"x\":[1,{{}}],\"header\":{HEADER},\"declarations\":[],\"events\":[{}]}}",
            records.join(sep)
        );
        every_reader(&cut(text, at));
    }
}
