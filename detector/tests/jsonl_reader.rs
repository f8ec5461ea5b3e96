//! JSON Lines: writer -> reader round trip, and one test per class of bad
//! input with the exact position and message shape.

mod common;

use std::io::Cursor;

use common::{drain, every_kind_events, every_kind_meta, first_error};
use lockscope_detector::trace::{
    from_reader, BacktraceId, EventKind, EventSource, JsonLinesReader, JsonLinesWriter, NoteId,
    ObjId, SiteId, ThreadId, TraceErrorKind, VarId,
};

const HEADER: &str = r#"{"type":"header","format":"lockscope-trace","version":"1.0","command":["prog"],"clock":"ns"}"#;
const DECLS: &str = r#"{"type":"primitive","id":5,"kind":"mutex","name":"accounts"}"#;

fn reader(text: &str) -> Box<dyn EventSource + Send> {
    from_reader("t.jsonl", Box::new(Cursor::new(text.as_bytes().to_vec()))).unwrap()
}

fn error_of(text: &str) -> String {
    first_error(&mut *reader(text))
}

fn open_error(text: &str) -> String {
    from_reader("t.jsonl", Box::new(Cursor::new(text.as_bytes().to_vec())))
        .err()
        .expect("the header was accepted")
        .to_string()
}

/// A trace with the header and one declaration, then `lines`.
fn trace(lines: &[&str]) -> String {
    let mut text = format!("{HEADER}\n{DECLS}\n");
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    text
}

#[test]
fn writer_output_reads_back_identically() {
    let meta = every_kind_meta();
    let events = every_kind_events();
    let names: std::collections::HashSet<_> = events.iter().map(|e| e.kind.type_name()).collect();
    assert_eq!(
        names.len(),
        EventKind::TYPE_NAMES.len(),
        "fixture covers every kind"
    );

    let mut w = JsonLinesWriter::new(Vec::new());
    w.header(&meta.header).unwrap();
    for (i, s) in meta.sites.iter().enumerate() {
        w.site(SiteId(i as u32), s).unwrap();
    }
    for (i, t) in meta.threads.iter().enumerate() {
        w.thread(ThreadId(i as u32), t).unwrap();
    }
    for (i, p) in meta.primitives.iter().enumerate() {
        w.primitive(ObjId(i as u32), p).unwrap();
    }
    for (i, v) in meta.vars.iter().enumerate() {
        w.var(VarId(i as u32), v).unwrap();
    }
    w.backtrace(BacktraceId(0), &meta.backtraces[0]).unwrap();
    w.note(NoteId(0), &meta.notes[0]).unwrap();
    for ev in &events {
        w.event(ev).unwrap();
    }
    let bytes = w.into_inner().unwrap();

    let mut r = JsonLinesReader::new("t.jsonl", &bytes[..]).unwrap();
    assert_eq!(drain(&mut r), events);
    assert_eq!(r.meta(), &meta);
}

#[test]
fn unknown_event_type_points_at_the_type_value() {
    let msg = error_of(&trace(&[r#"{"t":1,"type":"aquire","thread":1}"#]));
    assert!(
        msg.starts_with(
            "t.jsonl:3:15: unknown event \"aquire\"; expected one of thread_start, thread_exit, fork,"
        ),
        "{msg}"
    );
}

#[test]
fn invalid_json_uses_serde_json_column() {
    let msg = error_of(&trace(&[r#"{"type":"begin","t":1,,"thread":1}"#]));
    assert_eq!(msg, "t.jsonl:3:23: invalid JSON: key must be a string");
}

#[test]
fn wrong_json_type_is_reported_at_the_value() {
    let msg = error_of(&trace(&[r#"{"type":"begin","t":"soon","thread":1}"#]));
    assert!(
        msg.starts_with("t.jsonl:3:26: invalid JSON: invalid type: string \"soon\""),
        "{msg}"
    );
}

#[test]
fn missing_field_names_record_and_field() {
    let msg = error_of(&trace(&[
        r#"{"type":"acquired","t":1,"thread":1,"mode":"exclusive"}"#,
    ]));
    assert_eq!(msg, "t.jsonl:3:1: acquired record is missing field \"obj\"");
}

#[test]
fn bad_mode_points_at_the_value() {
    let msg = error_of(&trace(&[
        r#"{"type":"acquired","t":1,"thread":1,"obj":5,"mode":"exclsive"}"#,
    ]));
    assert_eq!(
        msg,
        "t.jsonl:3:52: field \"mode\": found \"exclsive\"; expected one of exclusive, shared, upgradable"
    );
}

#[test]
fn bad_primitive_kind_lists_the_kinds() {
    let msg = error_of(&trace(&[
        r#"{"type":"primitive","id":6,"kind":"spinlock"}"#,
    ]));
    assert_eq!(
        msg,
        "t.jsonl:3:35: field \"kind\": found \"spinlock\"; expected one of mutex, rwlock, \
         reentrant_mutex, condvar, semaphore, event, barrier, async_mutex, async_rwlock"
    );
}

#[test]
fn undeclared_primitive_is_an_error_at_the_id() {
    let msg = error_of(&trace(&[
        r#"{"type":"acquired","t":1,"thread":1,"obj":7,"mode":"exclusive"}"#,
    ]));
    assert!(
        msg.starts_with("t.jsonl:3:43: primitive 7 is used before it is declared"),
        "{msg}"
    );
}

#[test]
fn undeclared_variable_site_and_backtrace_are_errors() {
    let var = error_of(&trace(&[r#"{"type":"read","t":1,"thread":1,"var":3}"#]));
    assert!(
        var.starts_with("t.jsonl:3:39: variable 3 is used before"),
        "{var}"
    );
    let site = error_of(&trace(&[r#"{"type":"begin","t":1,"thread":1,"site":4}"#]));
    assert!(
        site.starts_with("t.jsonl:3:41: site 4 is used before"),
        "{site}"
    );
    let bt = error_of(&trace(&[r#"{"type":"begin","t":1,"thread":1,"bt":4}"#]));
    assert!(
        bt.starts_with("t.jsonl:3:39: backtrace 4 is used before"),
        "{bt}"
    );
}

#[test]
fn undeclared_threads_are_declared_implicitly() {
    let mut r = reader(&trace(&[
        r#"{"type":"fork","t":1,"thread":9,"child":12}"#,
        r#"{"type":"thread","id":12,"name":"late","parent":9}"#,
    ]));
    let events = drain(&mut *r);
    assert_eq!(events[0].thread, ThreadId(0));
    assert_eq!(events[0].kind, EventKind::Fork { child: ThreadId(1) });
    let threads = &r.meta().threads;
    assert_eq!(
        (threads[0].label.as_str(), threads[1].label.as_str()),
        ("9", "12")
    );
    assert_eq!(threads[1].name.as_deref(), Some("late"));
    assert_eq!(threads[1].parent, Some(ThreadId(0)));
}

#[test]
fn thread_parent_declared_later_is_accepted() {
    let mut r = reader(&trace(&[
        r#"{"type":"thread","id":3,"parent":8}"#,
        r#"{"type":"thread","id":8,"name":"main"}"#,
        r#"{"type":"begin","t":1,"thread":3}"#,
    ]));
    drain(&mut *r);
    let meta = r.meta();
    let child = meta.threads.iter().find(|t| t.label == "3").unwrap();
    let parent = meta.thread(child.parent.unwrap());
    assert_eq!(parent.name.as_deref(), Some("main"));
}

#[test]
fn earlier_time_is_a_warning_and_is_raised() {
    let mut r = reader(&trace(&[
        r#"{"type":"begin","t":10,"thread":1}"#,
        r#"{"type":"end","t":4,"thread":1}"#,
        r#"{"type":"end","t":2,"thread":1}"#,
    ]));
    let times: Vec<u64> = drain(&mut *r).iter().map(|e| e.time).collect();
    assert_eq!(times, [10, 10, 10]);
    assert_eq!(r.meta().warnings.len(), 1);
    assert!(
        r.meta().warnings[0].starts_with(
            "t.jsonl:4:19: time 4 is earlier than the previous event's 10; events keep their file order"
        ),
        "{:?}",
        r.meta().warnings
    );
}

#[test]
fn newer_major_version_is_refused_naming_the_version_read() {
    let text = HEADER.replace("\"1.0\"", "\"2.0\"");
    assert_eq!(
        open_error(&text),
        "t.jsonl:1:55: trace format version 2.0 is newer than this build reads (1.x); upgrade lockscope"
    );
}

#[test]
fn newer_minor_version_and_unknown_fields_are_accepted() {
    let header = HEADER
        .replace("\"1.0\"", "\"1.7\"")
        .replace("\"clock\"", "\"flavour\":{\"a\":[1]},\"clock\"");
    let text = format!(
        "{header}\n{DECLS}\n{}\n",
        r#"{"type":"acquired","t":1,"thread":1,"obj":5,"mode":"exclusive","depth":1,"future":[1,2],"why":"x"}"#
    );
    let mut r = reader(&text);
    let events = drain(&mut *r);
    assert_eq!(events.len(), 1);
    assert_eq!(r.meta().header.version.to_string(), "1.7");
}

#[test]
fn malformed_version_and_wrong_format_name_are_errors() {
    let msg = open_error(&HEADER.replace("\"1.0\"", "\"one\""));
    assert_eq!(
        msg,
        "t.jsonl:1:55: field \"version\": found \"one\"; expected \"MAJOR.MINOR\", such as \"1.0\""
    );
    let msg = open_error(&HEADER.replace("lockscope-trace", "other-trace"));
    assert_eq!(
        msg,
        "t.jsonl:1:27: field \"format\": found \"other-trace\"; expected \"lockscope-trace\""
    );
}

#[test]
fn first_record_must_be_the_header() {
    let msg = open_error(r#"{"type":"begin","t":1,"thread":1}"#);
    assert_eq!(
        msg,
        "t.jsonl:1:9: field \"type\": found \"begin\"; expected \"header\" (a lockscope trace starts with its header)"
    );
}

#[test]
fn truncated_last_line_is_a_warning_and_keeps_earlier_events() {
    let mut text = trace(&[r#"{"type":"begin","t":1,"thread":1}"#]);
    text.push_str(r#"{"type":"end","t":2,"thr"#);
    let mut r = reader(&text);
    assert_eq!(drain(&mut *r).len(), 1);
    assert_eq!(
        r.meta().warnings,
        ["t.jsonl:4: truncated last line ignored (the writer probably crashed)"]
    );
}

#[test]
fn gzipped_json_lines_are_read() {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(trace(&[r#"{"type":"begin","t":1,"thread":1}"#]).as_bytes())
        .unwrap();
    let bytes = gz.finish().unwrap();
    let mut r = from_reader("t.jsonl.gz", Box::new(Cursor::new(bytes))).unwrap();
    assert_eq!(drain(&mut *r).len(), 1);
}

#[test]
fn stdin_name_shows_in_json_errors() {
    let text = trace(&[r#"{"type":"nope","t":1,"thread":1}"#]);
    let mut r = from_reader("-", Box::new(Cursor::new(text.into_bytes()))).unwrap();
    assert!(first_error(&mut *r).starts_with("-:3:9: unknown event \"nope\""));
}

#[test]
fn error_kinds_are_matchable() {
    let err = from_reader(
        "t.jsonl",
        Box::new(Cursor::new(
            HEADER.replace("\"1.0\"", "\"3.1\"").into_bytes(),
        )),
    )
    .err()
    .unwrap();
    assert!(matches!(
        err.kind,
        TraceErrorKind::UnsupportedVersion { .. }
    ));
}
