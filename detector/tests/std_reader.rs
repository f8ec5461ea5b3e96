//! RAPID STD import: every bundled benchmark trace, counted against values
//! computed here with plain string operations, and the STD error classes.

use std::collections::{HashMap, HashSet};
use std::io::Cursor;
use std::path::{Path, PathBuf};

use lockscope_detector::trace::{
    from_reader, open, ClockUnit, EventKind, EventSource, LockMode, PrimitiveKind, Site, StdReader,
    TraceErrorKind,
};

const STD_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/std");

fn std_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(STD_DIR)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "std"))
        .collect();
    files.sort();
    files
}

/// What a trace holds, computed by splitting lines with `str` methods only.
#[derive(Debug, Default, PartialEq)]
struct Expected {
    events: usize,
    threads: usize,
    locks: usize,
    vars: usize,
    per_op: HashMap<String, usize>,
    /// Acquisitions whose re-entrancy depth is above 1.
    reentrant: usize,
}

fn expected(text: &str) -> Expected {
    let (mut threads, mut locks, mut vars) = (HashSet::new(), HashSet::new(), HashSet::new());
    let mut depth: HashMap<(String, String), u32> = HashMap::new();
    let mut e = Expected::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split('|').collect();
        let (op, operand) = fields[1].split_once('(').unwrap();
        let operand = operand.trim_end_matches(')');
        threads.insert(fields[0].to_owned());
        match op {
            "acq" | "rel" | "req" => {
                locks.insert(operand.to_owned());
            }
            "r" | "w" => {
                vars.insert(operand.to_owned());
            }
            "fork" | "join" => {
                threads.insert(operand.to_owned());
            }
            _ => {}
        }
        let key = (fields[0].to_owned(), operand.to_owned());
        if op == "acq" {
            let d = depth.entry(key).or_default();
            *d += 1;
            e.reentrant += usize::from(*d > 1);
        } else if op == "rel" {
            let d = depth.entry(key).or_default();
            *d = d.saturating_sub(1);
        }
        *e.per_op.entry(op.to_owned()).or_default() += 1;
        e.events += 1;
    }
    (e.threads, e.locks, e.vars) = (threads.len(), locks.len(), vars.len());
    e
}

fn op_of(kind: &EventKind) -> &'static str {
    match kind {
        EventKind::Acquired { .. } => "acq",
        EventKind::Released { .. } => "rel",
        EventKind::Request { .. } => "req",
        EventKind::Read { .. } => "r",
        EventKind::Write { .. } => "w",
        EventKind::Fork { .. } => "fork",
        EventKind::Join { .. } => "join",
        EventKind::Begin => "begin",
        EventKind::End => "end",
        other => panic!("STD cannot produce {other:?}"),
    }
}

fn read_all(
    path: &Path,
) -> (
    Box<dyn EventSource + Send>,
    Vec<lockscope_detector::trace::Event>,
) {
    let mut src = open(path).unwrap();
    let mut events = Vec::new();
    while let Some(ev) = src.next_event().unwrap() {
        events.push(ev);
    }
    (src, events)
}

#[test]
fn every_bundled_trace_matches_independent_counts() {
    let files = std_files();
    assert_eq!(files.len(), 13, "tests/data/std should hold 13 traces");
    for path in files {
        let want = expected(&std::fs::read_to_string(&path).unwrap());
        let (src, events) = read_all(&path);
        let meta = src.meta();
        let mut got = Expected {
            events: events.len(),
            threads: meta.threads.len(),
            locks: meta.primitives.len(),
            vars: meta.vars.len(),
            ..Expected::default()
        };
        for (i, ev) in events.iter().enumerate() {
            assert_eq!(ev.time, i as u64, "{}: time is the index", path.display());
            *got.per_op.entry(op_of(&ev.kind).to_owned()).or_default() += 1;
            if let EventKind::Acquired { depth, mode, .. } = ev.kind {
                assert_eq!(mode, LockMode::Exclusive);
                got.reentrant += usize::from(depth > 1);
            }
        }
        assert_eq!(got, want, "{}", path.display());
        assert_eq!(meta.header.clock, ClockUnit::Sequence);
        assert!(meta.warnings.is_empty(), "{:?}", meta.warnings);
        assert!(meta
            .primitives
            .iter()
            .all(|p| p.kind == PrimitiveKind::ReentrantMutex));
    }
}

#[test]
fn deadlock_trace_has_the_published_shape() {
    let (src, events) = read_all(&Path::new(STD_DIR).join("Deadlock.std"));
    assert_eq!(events.len(), 39);
    assert_eq!(src.meta().threads.len(), 3);
    assert_eq!(src.meta().primitives.len(), 2);
}

#[test]
fn string_buffer_ends_with_t2_requesting_l1() {
    let (src, events) = read_all(&Path::new(STD_DIR).join("StringBuffer.std"));
    let last = events
        .iter()
        .rev()
        .find(|e| !matches!(e.kind, EventKind::End));
    let last = last.unwrap();
    let meta = src.meta();
    assert_eq!(meta.thread(last.thread).label, "T2");
    let EventKind::Request { obj, mode } = last.kind else {
        panic!("{last:?}")
    };
    assert_eq!(
        (meta.primitive(obj).label.as_str(), mode),
        ("L1", LockMode::Exclusive)
    );
}

#[test]
fn locations_become_interned_label_sites() {
    let text = "T1|acq(L1)|86\r\nT2|acq(L2)|86\r\nT1|rel(L1)|9\r\n\r\n";
    let mut r = StdReader::new("t.std", text.as_bytes());
    let mut sites = Vec::new();
    while let Some(ev) = r.next_event().unwrap() {
        sites.push(ev.site.unwrap());
    }
    assert_eq!(sites[0], sites[1]);
    assert_eq!(
        r.meta().sites,
        vec![Site::Label("86".into()), Site::Label("9".into())]
    );
}

#[test]
fn reentrant_acquisition_counts_depth_per_thread() {
    let text = "T1|acq(L)|1\nT1|acq(L)|1\nT2|req(L)|1\nT1|rel(L)|1\nT1|rel(L)|1\nT2|acq(L)|1\n";
    let mut r = StdReader::new("t.std", text.as_bytes());
    let mut depths = Vec::new();
    while let Some(ev) = r.next_event().unwrap() {
        if let EventKind::Acquired { depth, .. } = ev.kind {
            depths.push(depth);
        }
    }
    assert_eq!(depths, [1, 2, 1]);
}

fn first_error(name: &str, text: &str) -> String {
    let mut src = from_reader(name, Box::new(Cursor::new(text.as_bytes().to_vec()))).unwrap();
    loop {
        match src.next_event() {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("no error in {text:?}"),
            Err(e) => return e.to_string(),
        }
    }
}

#[test]
fn unclosed_operand_is_a_syntax_error_at_the_end_of_the_line() {
    let msg = first_error("t.std", "T1|acq(L1)|1\nT1|acq(L2\nT1|rel(L1)|1\n");
    assert_eq!(
        msg,
        "t.std:2:10: found end of line; expected \")\" closing \"acq(\""
    );
}

#[test]
fn unknown_operation_lists_the_known_ones() {
    let msg = first_error("t.std", "T1|acq(L1)|1\nT1|lock(L2)|1\n");
    assert_eq!(
        msg,
        "t.std:2:4: unknown event \"lock\"; expected one of acq, rel, req, r, w, fork, join, begin, end"
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    let msg = first_error("t.std", "Tü|acq(L1)|1\nTü|acq(L1)x\n");
    assert_eq!(
        msg,
        "t.std:2:11: found \"x\"; expected \"|\" and a location, or end of line"
    );
}

#[test]
fn stdin_name_shows_in_errors() {
    let msg = first_error("-", "T1|acq(L1)|1\nT1|begin(x)|1\n");
    assert!(msg.starts_with("-:2:10: "), "{msg}");
}

#[test]
fn truncated_last_line_is_a_warning_and_keeps_earlier_events() {
    let mut r = StdReader::new("t.std", &b"T1|acq(L1)|1\nT1|rel(L1)|1\nT1|ac"[..]);
    let mut n = 0;
    while r.next_event().unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 2);
    assert_eq!(
        r.meta().warnings,
        ["t.std:3: truncated last line ignored (the writer probably crashed)"]
    );
}

#[test]
fn complete_last_line_without_newline_is_an_event() {
    let mut r = StdReader::new("t.std", &b"T1|acq(L1)|1\nT1|rel(L1)|1"[..]);
    let mut n = 0;
    while r.next_event().unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 2);
    assert!(r.meta().warnings.is_empty());
}

#[test]
fn unknown_format_quotes_what_was_found() {
    let err = from_reader("x.txt", Box::new(Cursor::new(b"hello world\n".to_vec())))
        .err()
        .unwrap();
    assert!(matches!(err.kind, TraceErrorKind::UnknownFormat { .. }));
    assert!(
        err.to_string()
            .starts_with("x.txt:1:1: unknown trace format: found the line \"hello world\""),
        "{err}"
    );
}

#[test]
fn gzip_input_is_detected_from_content() {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(b"T1|acq(L1)|1\nT1|rel(L1)|1\n").unwrap();
    let bytes = gz.finish().unwrap();
    let mut src = from_reader("t.std.gz", Box::new(Cursor::new(bytes))).unwrap();
    let mut n = 0;
    while src.next_event().unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 2);
}

#[test]
fn missing_file_names_the_path() {
    let err = open(Path::new("no/such/trace.std")).err().unwrap();
    assert!(
        err.to_string()
            .starts_with("no/such/trace.std: cannot read: "),
        "{err}"
    );
}

/// `open("-")` reads standard input and names it `-` in errors. The test
/// runs itself as a child process with a pipe as its standard input.
#[test]
fn dash_reads_standard_input_and_names_it() {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    const CHILD: &str = "LOCKSCOPE_TEST_STDIN_CHILD";
    if std::env::var_os(CHILD).is_some() {
        let mut src = open(Path::new("-")).unwrap();
        let outcome = loop {
            match src.next_event() {
                Ok(Some(_)) => continue,
                Ok(None) => break "no error".to_owned(),
                Err(e) => break e.to_string(),
            }
        };
        println!("OUTCOME {outcome}");
        return;
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "dash_reads_standard_input_and_names_it",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"T1|acq(L1)|1\nT1|oops(L1)|1\n").unwrap();
    drop(stdin);
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the child reading standard input did not finish in 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(
        out.contains("OUTCOME -:2:4: unknown event \"oops\""),
        "child output: {out}"
    );
}
