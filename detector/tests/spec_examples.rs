//! The examples in docs/trace-format.md are read by the readers, so the
//! spec and the code cannot drift apart.

mod common;

use std::io::Cursor;

use common::drain;
use lockscope_detector::trace::{from_reader, EventKind, EventSource, SourceFormat};

const SPEC: &str = include_str!("../../docs/trace-format.md");

/// The body of the first code block tagged `lang` after `heading`.
fn block(heading: &str, lang: &str) -> String {
    let after = &SPEC[SPEC.find(heading).expect(heading)..];
    let fence = format!("```{lang}\n");
    let start = after.find(&fence).expect(&fence) + fence.len();
    let len = after[start..].find("```").unwrap();
    after[start..start + len].to_owned()
}

fn read(text: String) -> Box<dyn EventSource + Send> {
    from_reader("spec", Box::new(Cursor::new(text.into_bytes()))).unwrap()
}

#[test]
fn complete_example_reads_as_described() {
    let mut src = read(block("## Complete example", "jsonl"));
    let events = drain(&mut *src);
    let meta = src.meta();
    assert_eq!(meta.format, SourceFormat::JsonLines);
    assert_eq!(events.len(), 12);
    let labels: Vec<&str> = meta.threads.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(labels, ["1", "2", "3"]);
    assert_eq!(meta.threads[2].name, None);
    assert_eq!(
        meta.threads[1].parent,
        Some(
            meta.threads
                .iter()
                .position(|t| t.label == "1")
                .map(|i| lockscope_detector::trace::ThreadId(i as u32))
                .unwrap()
        )
    );
    assert_eq!(
        (
            meta.primitives.len(),
            meta.vars.len(),
            meta.sites.len(),
            meta.notes.len()
        ),
        (2, 1, 3, 1)
    );
    assert!(matches!(
        events.last().unwrap().kind,
        EventKind::Note { .. }
    ));
    assert!(meta.warnings.is_empty());
}

#[test]
fn document_example_reads() {
    let mut src = read(block("## JSON document", "json"));
    assert_eq!(drain(&mut *src).len(), 3);
    assert_eq!(src.meta().format, SourceFormat::JsonDocument);
}

#[test]
fn header_example_is_a_valid_trace() {
    let mut src = read(block("### header", "json"));
    assert_eq!(drain(&mut *src).len(), 0);
    assert_eq!(src.meta().header.pid, Some(123));
}

/// The bytes of a `hex` block: each line's hex pairs, before its comment.
fn hex_bytes(block: &str) -> Vec<u8> {
    block
        .lines()
        .flat_map(|line| {
            let hex = line.split("  ").next().unwrap();
            hex.split_whitespace()
                .map(|pair| u8::from_str_radix(pair, 16).expect(pair))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn binary_worked_example_is_what_the_writer_writes_and_reads_back() {
    use lockscope_detector::trace::{write_trace, OutputFormat};
    let jsonl = block("### Worked example", "jsonl");
    let bytes = hex_bytes(&block("### Worked example", "hex"));
    assert_eq!(bytes.len(), 94, "the spec says 94 bytes");
    assert_eq!(jsonl.len(), 723, "the spec says 723 bytes of JSON Lines");
    let mut written = Vec::new();
    write_trace(
        &mut *read(jsonl.clone()),
        OutputFormat::Binary,
        &mut written,
    )
    .unwrap();
    assert_eq!(written, bytes, "the writer's bytes are the spec's");

    let mut from_json = read(jsonl);
    let mut from_binary = from_reader("spec.lsb", Box::new(Cursor::new(bytes))).unwrap();
    assert_eq!(drain(&mut *from_binary), drain(&mut *from_json));
    assert_eq!(from_binary.meta().format, SourceFormat::Binary);
    let mut want = from_json.meta().clone();
    want.format = SourceFormat::Binary;
    assert_eq!(from_binary.meta(), &want);
}

#[test]
fn binary_event_codes_in_the_spec_are_the_readers_codes() {
    use lockscope_detector::trace::EventType;
    let table = &SPEC[SPEC
        .find("| code | type |")
        .expect("the binary event table")..];
    let rows: Vec<&str> = table.lines().take_while(|l| l.starts_with('|')).collect();
    for ty in EventType::ALL {
        let name = format!("`{}`", ty.name());
        let row = rows
            .iter()
            .find(|r| r.split('|').nth(2).is_some_and(|c| c.contains(&name)))
            .unwrap_or_else(|| panic!("{name} has no row"));
        let names: Vec<&str> = row
            .split('|')
            .nth(2)
            .unwrap()
            .split(',')
            .map(str::trim)
            .collect();
        let codes: Vec<u8> = row
            .split('|')
            .nth(1)
            .unwrap()
            .split(',')
            .map(|c| c.trim().parse().unwrap())
            .collect();
        let at = names.iter().position(|n| *n == name).unwrap();
        assert_eq!(codes[at], ty.code(), "{name}");
    }
}

#[test]
fn binary_primitive_kind_bytes_in_the_spec_are_the_readers() {
    use lockscope_detector::trace::PrimitiveKind;
    let at = SPEC
        .find("kind byte (")
        .expect("the primitive record's kind byte");
    let list = &SPEC[at + "kind byte (".len()..];
    let list = &list[..list.find(')').unwrap()];
    let spec: Vec<(u8, &str)> = list
        .split(',')
        .map(|item| {
            let item = item.trim();
            let (code, name) = item.split_once(' ').unwrap();
            (code.trim_matches('`').parse().unwrap(), name.trim())
        })
        .collect();
    let want: Vec<(u8, &str)> = PrimitiveKind::ALL
        .iter()
        .enumerate()
        .map(|(i, k)| (i as u8, k.as_str()))
        .collect();
    assert_eq!(spec, want);
}
