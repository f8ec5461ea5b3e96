//! The single-document form: streaming layout rules, positions inside a
//! pretty-printed document, truncation.

mod common;

use std::io::Cursor;

use common::{drain, first_error};
use lockscope_detector::trace::{from_reader, EventKind, EventSource, JsonDocReader, SourceFormat};

const DOC: &str = r#"{
  "comment": {"ignored": ["by", "readers"]},
  "header": {"format": "lockscope-trace", "version": "1.2", "clock": "ns"},
  "declarations": [
    {"type": "primitive", "id": 5, "kind": "mutex", "name": "accounts"},
    {"type": "var", "id": 9, "name": "balance"}
  ],
  "events": [
    {"type": "acquired", "t": 10, "thread": 1, "obj": 5, "mode": "exclusive", "depth": 1},
    {"type": "thread", "id": 2, "name": "late"},
    {"type": "write", "t": 11, "thread": 2, "var": 9},
    {"type": "released", "t": 12, "thread": 1, "obj": 5, "mode": "exclusive"}
  ],
  "trailer": 1
}
"#;

fn reader(text: &str) -> Box<dyn EventSource + Send> {
    from_reader("t.json", Box::new(Cursor::new(text.as_bytes().to_vec()))).unwrap()
}

#[test]
fn pretty_document_with_unknown_members_reads() {
    let mut r = reader(DOC);
    let events = drain(&mut *r);
    assert_eq!(events.len(), 3);
    assert!(matches!(events[1].kind, EventKind::Write { .. }));
    let meta = r.meta();
    assert_eq!(meta.format, SourceFormat::JsonDocument);
    assert_eq!(meta.header.version.to_string(), "1.2");
    assert_eq!(meta.threads[1].name.as_deref(), Some("late"));
    assert_eq!(meta.primitives[0].name.as_deref(), Some("accounts"));
    assert!(meta.warnings.is_empty());
}

#[test]
fn errors_point_into_the_pretty_document() {
    let text = DOC.replace(
        r#""mode": "exclusive", "depth""#,
        r#""mode": "exclsive", "depth""#,
    );
    let msg = first_error(&mut *reader(&text));
    assert_eq!(
        msg,
        "t.json:9:66: field \"mode\": found \"exclsive\"; expected one of exclusive, shared, upgradable"
    );
}

#[test]
fn invalid_json_inside_an_element_has_its_file_position() {
    let text = DOC.replace(r#""t": 11,"#, r#""t": 11,,"#);
    let msg = first_error(&mut *reader(&text));
    assert_eq!(msg, "t.json:11:31: invalid JSON: key must be a string");
}

#[test]
fn missing_separator_between_records_is_an_error() {
    let text = DOC.replace("\"depth\": 1},", "\"depth\": 1}");
    let msg = first_error(&mut *reader(&text));
    assert_eq!(
        msg,
        "t.json:10:5: invalid JSON: found '{'; expected \",\" or \"]\" after a record"
    );
}

#[test]
fn events_before_the_header_are_refused() {
    let text = r#"{"events": [], "header": {"format": "lockscope-trace", "version": "1.0"}}"#;
    let err = from_reader("t.json", Box::new(Cursor::new(text.as_bytes().to_vec())))
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "t.json:1:12: field \"header\": found \"events\" before \"header\"; expected the \"header\" member first"
    );
}

#[test]
fn newer_major_version_is_refused() {
    let text = DOC.replace("\"1.2\"", "\"2.0\"");
    let err = from_reader("t.json", Box::new(Cursor::new(text.into_bytes())))
        .err()
        .unwrap();
    assert_eq!(
        err.to_string(),
        "t.json:3:54: trace format version 2.0 is newer than this build reads (1.x); upgrade lockscope"
    );
}

#[test]
fn truncated_document_keeps_complete_records_and_warns() {
    let cut = DOC.find(r#"{"type": "released""#).unwrap() + 20;
    let mut r = JsonDocReader::new("t.json", &DOC.as_bytes()[..cut]).unwrap();
    assert_eq!(drain(&mut r).len(), 2);
    assert_eq!(
        r.meta().warnings,
        ["t.json:12: truncated document ignored after the last complete record (the writer probably crashed)"]
    );
}

#[test]
fn document_detection_ignores_leading_whitespace_and_member_order() {
    let text = format!(
        "\n\n   {}",
        DOC.replacen("\"comment\"", "\"events\": [],\n \"c\"", 0)
    );
    assert_eq!(drain(&mut *reader(&text)).len(), 3);
}
