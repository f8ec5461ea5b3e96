//! Every command on inputs of pathological shapes, under a 4 GB limit on
//! the address space and 60 seconds (an unoptimized build: 300): each ends
//! with exit 0, 1 or 2, never an abort. The inputs are generated here,
//! never stored. Unix only: the limit is set by the shell's `ulimit -v`.
#![cfg(unix)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Address-space limit for each command, in KB (4 GB).
const LIMIT_KB: u64 = 4_000_000;
/// 60 seconds for the optimized binary. An unoptimized one (what `cargo
/// test` builds) is several times slower, and the test binaries share the
/// machine with each other: it gets five times as long.
const TIME: Duration = Duration::from_secs(if cfg!(debug_assertions) { 300 } else { 60 });

/// Runs `lockscope ARGS` in `dir` under the limits; returns its exit code
/// (`None` when a signal ended it).
fn run_limited(dir: &Path, args: &[&str]) -> Option<i32> {
    let bin = assert_cmd::cargo::cargo_bin("lockscope");
    let script = format!("ulimit -v {LIMIT_KB} && exec \"$0\" \"$@\"");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(bin)
        .args(["--color=never", "-q"])
        .args(args)
        .current_dir(dir)
        .env_remove("LOCKSCOPE_TRACE")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("sh runs");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status.code();
        }
        if start.elapsed() > TIME {
            let _ = child.kill();
            panic!("lockscope {args:?} ran longer than {TIME:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every command on the trace `name` in `dir`.
fn every_command(dir: &Path, name: &str) {
    let commands: [&[&str]; 7] = [
        &["analyze", name],
        &["stats", name],
        &["graph", name],
        &["info", name],
        &["timeline", "-o", "timeline.json", name],
        &["events", "--around", "1000", name],
        &["convert", name, "converted.jsonl"],
    ];
    for args in commands {
        let code = run_limited(dir, args);
        assert!(
            matches!(code, Some(0..=2)),
            "lockscope {args:?} on {name} ended with {code:?}"
        );
    }
}

/// Writes `text` to `dir/name`, gzip-compressed (by the system's `gzip`)
/// when `name` ends in `.gz`.
fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if !name.ends_with(".gz") {
        std::fs::write(&path, text).expect("write trace");
        return;
    }
    let plain = dir.join(name.trim_end_matches(".gz"));
    std::fs::write(&plain, text).expect("write trace");
    let ok = Command::new("gzip")
        .args(["-9", "-f"])
        .arg(&plain)
        .status()
        .expect("gzip runs");
    assert!(ok.success());
}

fn check(name: &str, text: String) {
    let dir = common::workdir();
    write(dir.path(), name, &text);
    drop(text);
    every_command(dir.path(), name);
}

#[test]
fn a_hand_over_hand_walk_of_100k_locks() {
    let mut text = String::from("T1|acq(L0)|1\n");
    for i in 1..100_000 {
        text += &format!("T1|acq(L{i})|2\nT1|rel(L{})|3\n", i - 1);
    }
    check("walk.std", text);
}

#[test]
fn two_threads_nesting_800_locks_in_opposite_orders() {
    let n = 800;
    let mut text = String::new();
    for i in 0..n {
        text += &format!("T1|acq(L{i})|{i}\n");
    }
    for i in (0..n).rev() {
        text += &format!("T1|rel(L{i})|{i}\nT2|acq(L{i})|{i}\n");
    }
    for i in 0..n {
        text += &format!("T2|rel(L{i})|{i}\n");
    }
    check("nest.std", text);
}

#[test]
fn forty_thousand_threads() {
    let mut text = String::new();
    for i in 1..40_000 {
        text += &format!("T0|fork(T{i})|1\nT{i}|w(V0)|2\n");
    }
    check("threads.std", text);
}

#[test]
fn twenty_thousand_threads_through_one_lock() {
    let mut text = String::new();
    for i in 1..20_000 {
        text += &format!("T{i}|acq(L0)|1\nT{i}|w(V{})|2\nT{i}|rel(L0)|3\n", i % 7);
    }
    check("chain.std", text);
}

/// What a small `.gz` of a loop expands to: two million events.
#[test]
fn a_long_repetitive_compressed_trace() {
    let block = "T1|acq(L1)|1\nT1|acq(L2)|2\nT1|w(V1)|5\nT1|rel(L2)|3\nT1|rel(L1)|4\n\
                 T2|acq(L2)|6\nT2|acq(L1)|7\nT2|w(V1)|8\nT2|rel(L1)|9\nT2|rel(L2)|10\n";
    check("loop.std.gz", block.repeat(200_000));
}

/// A compressed trace with 100,000 distinct racy site pairs.
#[test]
fn many_distinct_findings_compressed() {
    let mut text = String::new();
    for i in 0..100_000 {
        text += &format!("T1|w(V1)|{i}\nT2|w(V1)|{i}\n");
    }
    check("sites.std.gz", text);
}

/// A 2 GiB line in a 2 MB `.gz` (made by the system's `gzip` from a
/// pipe, never on disk uncompressed): every command stops at the line
/// limit with exit 2.
#[test]
fn a_two_gib_line_compressed() {
    let dir = common::workdir();
    let script = "{ printf '%s\\n{\"type\":\"begin\",\"x\":\"' \"$0\"; \
                  head -c 2147483648 /dev/zero | tr '\\0' x; } | gzip -1 > line.jsonl.gz";
    let header = r#"{"type":"header","format":"lockscope-trace","version":"1.0"}"#;
    let ok = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(header)
        .current_dir(dir.path())
        .status()
        .expect("sh runs");
    assert!(ok.success());
    every_command(dir.path(), "line.jsonl.gz");
    for args in [
        &["analyze", "line.jsonl.gz"][..],
        &["info", "line.jsonl.gz"],
    ] {
        assert_eq!(run_limited(dir.path(), args), Some(2), "lockscope {args:?}");
    }
}
