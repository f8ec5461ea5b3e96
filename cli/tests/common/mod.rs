//! Helpers shared by the integration tests: the binary with a time bound,
//! bundled trace paths, and small traces built in code.

#![allow(dead_code)] // each test file uses its own subset

use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

pub fn data(name: &str) -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/std/").to_owned() + name
}

/// The binary with a bounded run time and no colours or config from the
/// environment.
pub fn lockscope() -> Command {
    let mut cmd = Command::cargo_bin("lockscope").expect("binary built");
    cmd.timeout(Duration::from_secs(60))
        .env_remove("LOCKSCOPE_TRACE")
        .env("NO_COLOR", "1")
        .arg("--color=never");
    cmd
}

/// A temp dir that is also the working directory (so no lockscope.toml
/// from the repository is picked up).
pub fn workdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

pub fn json_of(out: &[u8]) -> Value {
    serde_json::from_slice(out).expect("valid JSON")
}

/// A small lockscope JSON Lines trace: one thread taking and releasing L1.
pub fn tiny_jsonl(acquired: &str) -> String {
    [
        r#"{"type":"header","format":"lockscope-trace","version":"1.0","clock":"ns"}"#,
        r#"{"type":"thread","id":1,"name":"main"}"#,
        r#"{"type":"primitive","id":1,"kind":"mutex","name":"L1"}"#,
        &format!(
            r#"{{"type":"{acquired}","t":4,"thread":1,"obj":1,"mode":"exclusive","depth":1}}"#
        ),
        r#"{"type":"released","t":5,"thread":1,"obj":1,"mode":"exclusive"}"#,
    ]
    .join("\n")
        + "\n"
}

/// Scenario 1 of the seeds: 100 threads each read x, then each write x - 1.
pub fn hundred_lost_updates() -> String {
    let mut lines = vec![
        r#"{"type":"header","format":"lockscope-trace","version":"1.0","clock":"ns"}"#.to_owned(),
        r#"{"type":"site","id":0,"file":"examples/lost_update.rs","line":8,"column":20}"#
            .to_owned(),
        r#"{"type":"site","id":1,"file":"examples/lost_update.rs","line":10,"column":9}"#
            .to_owned(),
        r#"{"type":"var","id":0,"name":"x"}"#.to_owned(),
    ];
    for i in 1..=100 {
        lines.push(format!(
            r#"{{"type":"thread","id":{i},"name":"worker-{i}"}}"#
        ));
    }
    for (op, site, t0) in [("read", 0, 0), ("write", 1, 100)] {
        for i in 1..=100 {
            lines.push(format!(
                r#"{{"type":"{op}","t":{},"thread":{i},"var":0,"site":{site}}}"#,
                t0 + i
            ));
        }
    }
    lines.join("\n") + "\n"
}

pub fn sh(script: &str) -> Vec<String> {
    vec!["sh".into(), "-c".into(), script.into()]
}

/// Waits (up to `limit`) for `marker` to exist, `settle` more, then sends
/// SIGTERM to `child` (a lockscope process the test started) and returns
/// its exit code, standard output and standard error.
#[cfg(unix)]
pub fn sigterm_once(
    child: std::process::Child,
    marker: &std::path::Path,
    limit: Duration,
    settle: Duration,
) -> (Option<i32>, String, String) {
    let start = std::time::Instant::now();
    while !marker.is_file() && start.elapsed() < limit {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(marker.is_file(), "{} never appeared", marker.display());
    std::thread::sleep(settle);
    // SAFETY: sends SIGTERM to the process this test started.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
