//! A process killed mid-run (SIGKILL: no exit hook, no panic hook, no
//! destructor) leaves a trace readable up to its last flush.
//!
//! The test runs its own binary again as the child: the child records,
//! takes a named mutex a known number of times, flushes, says so on stdout
//! and goes on locking until it is killed; the parent kills it then and
//! reads the trace.

#![cfg(all(feature = "record", unix))]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use lockscope_detector::trace;
use lockscope_sync::prelude::*;
use lockscope_sync::Mutex;

/// Lock+unlocks the child makes before its flush.
const BEFORE_FLUSH: usize = 5_000;
const CHILD: &str = "LOCKSCOPE_KILLED_TEST_CHILD";

#[test]
fn a_killed_process_leaves_a_trace_readable_up_to_its_last_flush() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("killed.jsonl");
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_records_until_killed", "--nocapture"])
        .env(CHILD, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // `ends_with`: with one test thread, libtest prints the test's name
    // on the same line first.
    let flushed = lines
        .by_ref()
        .map_while(Result::ok)
        .any(|l| l.ends_with("flushed"));
    assert!(flushed, "the child did not get to its flush");
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "killed: {status:?}");

    let mut src = trace::open(&path).unwrap();
    let mut acquired = 0;
    while let Some(e) = src.next_event().unwrap() {
        if matches!(e.kind, trace::EventKind::Acquired { .. }) {
            acquired += 1;
        }
    }
    let meta = src.meta().clone();
    let named = meta
        .primitives
        .iter()
        .any(|p| p.name.as_deref() == Some("killed_mid_run"));
    assert!(named, "the mutex's declaration is in the trace");
    // Everything before the flush, and perhaps some of what followed (the
    // background writer drains every 100 ms); a line cut by the kill is
    // reported as a warning, never an error.
    assert!(
        acquired >= BEFORE_FLUSH,
        "{acquired} acquisitions read back"
    );
    assert!(
        meta.warnings.iter().all(|w| w.contains("truncated")),
        "{:?}",
        meta.warnings
    );
}

/// The child's side; does nothing unless run by the test above.
#[test]
fn child_records_until_killed() {
    let Some(path) = std::env::var_os(CHILD) else {
        return;
    };
    let _rec = lockscope_sync::record_to(&path).unwrap();
    let m = Mutex::named("killed_mid_run", 0u64);
    for _ in 0..BEFORE_FLUSH {
        *m.lock() += 1;
    }
    lockscope_sync::flush().unwrap();
    println!("flushed");
    // Until killed; a minute at most, so a parent that failed before its
    // kill leaves nothing running.
    let start = std::time::Instant::now();
    while start.elapsed() < std::time::Duration::from_secs(60) {
        *m.lock() += 1;
        std::thread::sleep(std::time::Duration::from_micros(50));
    }
}
