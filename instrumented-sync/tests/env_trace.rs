//! `LOCKSCOPE_TRACE` turns recording on without code changes, expands
//! `{pid}` and `{test}`, names the test in the header, and the trace is
//! flushed at exit. The test runs this very test binary again as a child
//! with the variable set.

#![cfg(feature = "record")]

use std::process::Command;

use lockscope_detector::trace::{self, EventKind, TestId};

const CHILD: &str = "LOCKSCOPE_ENV_TRACE_CHILD";

#[test]
fn child_locks_a_mutex() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let m = lockscope_sync::Mutex::new(0);
    *m.lock() += 1;
}

#[test]
fn child_panics_holding_a_mutex() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let m = lockscope_sync::Mutex::new(0);
    let _g = m.lock();
    panic!("child panics on purpose while holding a lock");
}

/// Runs child test `name` with `LOCKSCOPE_TRACE` set; returns whether it
/// passed, the trace file's name and its event kinds.
fn run_child(name: &str) -> (bool, String, Vec<EventKind>) {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("trace-{pid}-{test}.jsonl");
    let out = Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--test-threads=1"])
        .env(CHILD, "1")
        .env("LOCKSCOPE_TRACE", &template)
        // The child's own test names it, not the test that runs it.
        .env_remove("NEXTEST_TEST_NAME")
        .env_remove("NEXTEST_BINARY_ID")
        .env_remove("NEXTEST_ATTEMPT")
        .output()
        .unwrap();
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let file = files[0].file_name().unwrap().to_string_lossy().into_owned();
    let mut src = trace::open(&files[0]).unwrap();
    let mut kinds = Vec::new();
    while let Some(e) = src.next_event().unwrap() {
        kinds.push(e.kind);
    }
    (out.status.success(), file, kinds)
}

#[test]
fn the_environment_variable_records_and_the_trace_is_flushed_at_exit() {
    let (ok, file, kinds) = run_child("child_locks_a_mutex");
    assert!(ok);
    assert!(
        file.starts_with("trace-") && file.ends_with("-env_trace.child_locks_a_mutex.jsonl"),
        "{file}"
    );
    assert!(kinds
        .iter()
        .any(|k| matches!(k, EventKind::Acquired { .. })));
    assert!(kinds
        .iter()
        .any(|k| matches!(k, EventKind::Released { .. })));
}

#[test]
fn a_panicking_program_still_writes_the_release() {
    let (ok, _, kinds) = run_child("child_panics_holding_a_mutex");
    assert!(!ok, "the child test fails by panicking");
    assert!(kinds
        .iter()
        .any(|k| matches!(k, EventKind::Acquired { .. })));
    assert!(kinds
        .iter()
        .any(|k| matches!(k, EventKind::Released { .. })));
}

/// The header's test when child test `name` records with `env` set.
fn header_test_of_child(name: &str, env: &[(&str, &str)]) -> Option<TestId> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace.lsb");
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([name, "--exact", "--test-threads=1"])
        .env(CHILD, "1")
        .env("LOCKSCOPE_TRACE", &path)
        .env_remove("NEXTEST_TEST_NAME")
        .env_remove("NEXTEST_BINARY_ID")
        .env_remove("NEXTEST_RUN_ID")
        .env_remove("NEXTEST_ATTEMPT")
        .envs(env.iter().copied());
    assert!(cmd.output().unwrap().status.success());
    let src = trace::open(&path).unwrap();
    src.meta().header.test.clone()
}

#[test]
fn the_header_names_the_test_binary_and_the_test() {
    assert_eq!(
        header_test_of_child("child_locks_a_mutex", &[]),
        Some(TestId {
            binary: "env_trace".into(),
            name: Some("child_locks_a_mutex".into()),
            ..TestId::default()
        })
    );
    let nextest = [
        ("NEXTEST_BINARY_ID", "lockscope-sync::env_trace"),
        ("NEXTEST_TEST_NAME", "child_locks_a_mutex"),
        ("NEXTEST_RUN_ID", "0f7c"),
        ("NEXTEST_ATTEMPT", "2"),
    ];
    assert_eq!(
        header_test_of_child("child_locks_a_mutex", &nextest),
        Some(TestId {
            binary: "lockscope-sync::env_trace".into(),
            name: Some("child_locks_a_mutex".into()),
            run_id: Some("0f7c".into()),
            attempt: Some(2),
        })
    );
}
