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
