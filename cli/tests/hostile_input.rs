//! Inputs built to hurt the reader, through the binary: a 2 GiB line fed
//! to standard input under a 1 GiB address-space limit ends in exit 2 with
//! the line's position (a reader that buffered the line would abort), a
//! FIFO named like a trace inside a trace directory is skipped instead of
//! blocking the command, and an unknown format says what was seen where.

#![cfg(target_os = "linux")]

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{data, lockscope, workdir};

const HEADER: &str = r#"{"type":"header","format":"lockscope-trace","version":"1.0"}"#;

/// Runs `lockscope ARGS -` under `ulimit -v` (KiB), feeding `head` and then
/// up to 2 GiB of `x` on standard input; returns exit code and stderr.
fn under_memory_limit(args: &[&str], head: &str, limit_kib: u64) -> (Option<i32>, String) {
    let bin = assert_cmd::cargo::cargo_bin("lockscope");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {limit_kib} && exec \"$0\" \"$@\""))
        .arg(&bin)
        .args(["--color=never"])
        .args(args)
        .arg("-")
        .env_remove("LOCKSCOPE_TRACE")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let head = head.to_owned();
    let feeder = std::thread::spawn(move || {
        let chunk = vec![b'x'; 1 << 20];
        if stdin.write_all(head.as_bytes()).is_err() {
            return;
        }
        for _ in 0..2048 {
            if stdin.write_all(&chunk).is_err() {
                return; // the reader stopped: the pipe is closed
            }
        }
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_two_gib_line_on_stdin_is_exit_2_at_its_line_within_a_memory_limit() {
    let head = format!("{HEADER}\n{{\"type\":\"begin\",\"x\":\"");
    for args in [&["info"][..], &["analyze"], &["stats"]] {
        let start = Instant::now();
        let (code, stderr) = under_memory_limit(args, &head, 1 << 20);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("-:2: line longer than 16 MiB"),
            "{args:?}: {stderr}"
        );
        assert!(start.elapsed() < Duration::from_secs(60), "{args:?}");
    }
}

#[test]
fn the_memory_limit_leaves_room_for_a_normal_run() {
    // The control: the same limit, a trace that ends.
    let bin = assert_cmd::cargo::cargo_bin("lockscope");
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {} && exec \"$0\" \"$@\"", 1 << 20))
        .arg(&bin)
        .args(["analyze", "-q", "--allow", "all"])
        .arg(data("Deadlock.std"))
        .env_remove("LOCKSCOPE_TRACE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[test]
fn a_fifo_named_like_a_trace_in_a_directory_is_skipped_not_waited_for() {
    let dir = workdir();
    let fifo = dir.path().join("stuck.jsonl");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    std::fs::copy(data("Deadlock.std"), dir.path().join("real.std")).unwrap();
    let out = lockscope()
        .timeout(Duration::from_secs(30))
        .args(["info", "--json"])
        .arg(dir.path())
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("stuck.jsonl: skipped: a FIFO"), "{stderr}");
    let infos = common::json_of(&out.stdout);
    assert_eq!(infos.as_array().unwrap().len(), 1);
}

#[test]
fn an_unknown_format_is_exit_2_with_what_was_seen_where() {
    let dir = workdir();
    let path = dir.path().join("a.out");
    std::fs::write(&path, b"\x7fELF\x02\x01\x01\x00rest").unwrap();
    let err = lockscope()
        .arg("info")
        .arg(&path)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("a.out at byte 0: unknown trace format: found binary data starting with bytes 7f 45 4c 46"),
        "{err}"
    );
}
