//! `lockscope run -- CMD`: traces written by the command are analyzed and
//! gated; a failing command never exits 0.

mod common;

use predicates::prelude::*;

use common::{data, lockscope, sh, workdir};

#[test]
fn run_gates_on_the_traces_the_command_writes() {
    let dir = workdir();
    let traces = dir.path().join("traces");
    let copy = format!("cp '{}' \"$LOCKSCOPE_TRACE\"", data("StringBuffer.std"));
    lockscope()
        .current_dir(dir.path())
        .args(["run", "--trace-dir"])
        .arg(&traces)
        .arg("--")
        .args(sh(&copy))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[deadlock]"));
    assert!(traces.join("lockscope-{pid}.lsb").is_file());
    // The same directory again: refused, so runs are never mixed.
    lockscope()
        .current_dir(dir.path())
        .args(["run", "--trace-dir"])
        .arg(&traces)
        .arg("--")
        .args(sh("true"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already holds traces"));
}

/// A process ended before its first flush leaves an empty trace: skipped
/// with a warning, the other traces analyzed and gated.
#[test]
fn an_empty_trace_is_skipped_with_a_warning() {
    let dir = workdir();
    let traces = dir.path().join("traces");
    let script = format!(
        ": > \"$(dirname \"$LOCKSCOPE_TRACE\")/lockscope-1.lsb\"; cp '{}' \"$LOCKSCOPE_TRACE\"",
        data("StringBuffer.std")
    );
    lockscope()
        .current_dir(dir.path())
        .args(["run", "--trace-dir"])
        .arg(&traces)
        .arg("--")
        .args(sh(&script))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[deadlock]"))
        .stderr(predicate::str::contains("lockscope-1.lsb is empty"));
}

#[test]
fn run_reports_a_failing_command_and_never_exits_0() {
    let dir = workdir();
    let copy = format!("cp '{}' \"$LOCKSCOPE_TRACE\"; exit 3", data("Transfer.std"));
    lockscope()
        .current_dir(dir.path())
        .args(["run", "--allow=all", "--trace-dir"])
        .arg(dir.path().join("t"))
        .arg("--")
        .args(sh(&copy))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("failed (exit status: 3)"));
    lockscope()
        .current_dir(dir.path())
        .args(["run", "--", "no-such-program-lockscope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot run `no-such-program-lockscope`",
        ));
}

#[test]
fn run_defaults_to_a_fresh_dir_under_target() {
    let dir = workdir();
    std::fs::write(dir.path().join("Cargo.toml"), "[package]\n").unwrap();
    let copy = format!("cp '{}' \"$LOCKSCOPE_TRACE\"", data("Transfer.std"));
    for _ in 0..2 {
        lockscope()
            .current_dir(dir.path())
            .args(["run", "--allow=all", "--"])
            .args(sh(&copy))
            .assert()
            .code(0)
            .stderr(predicate::str::contains("target/lockscope-runs/run-"));
    }
    let runs = std::fs::read_dir(dir.path().join("target/lockscope-runs"))
        .unwrap()
        .count();
    assert_eq!(runs, 2, "each run gets its own directory");
}

#[test]
fn run_timeout_kills_a_hanging_command_and_fails() {
    let dir = workdir();
    let hang = format!(
        "cp '{}' \"$LOCKSCOPE_TRACE\"; sleep 60; sleep 60",
        data("Transfer.std")
    );
    let start = std::time::Instant::now();
    lockscope()
        .current_dir(dir.path())
        .args(["run", "--timeout", "0.5", "--allow=all", "--trace-dir"])
        .arg(dir.path().join("t"))
        .arg("--")
        .args(sh(&hang))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("timed out after 0.5 s"))
        .stdout(predicate::str::contains("in 1 trace"));
    assert!(start.elapsed().as_secs() < 30, "the whole group was killed");
    lockscope()
        .args(["run", "--timeout=0", "--", "true"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "expected a positive number of seconds",
        ));
}

#[test]
fn run_exits_2_when_the_command_wrote_no_trace() {
    let dir = workdir();
    lockscope()
        .current_dir(dir.path())
        .args(["run", "--trace-dir"])
        .arg(dir.path().join("t"))
        .arg("--")
        .args(sh("true"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("the command wrote no trace into"));
}

#[test]
fn run_exits_2_when_a_trace_was_cut_by_a_write_error_or_ends_early_by_itself() {
    let dir = workdir();
    // The recorder's marker next to the trace it could not finish writing.
    let marked = format!(
        "cp '{}' \"$LOCKSCOPE_TRACE\"; echo 'lockscope: writing trace: No space left on device' \
         > \"$LOCKSCOPE_TRACE.error\"",
        data("Transfer.std")
    );
    lockscope()
        .current_dir(dir.path())
        .args(["run", "--allow=all", "--trace-dir"])
        .arg(dir.path().join("a"))
        .arg("--")
        .args(sh(&marked))
        .assert()
        .code(2)
        .stdout(predicate::str::contains("in 1 trace"))
        .stderr(predicate::str::contains(
            "No space left on device; the run was not fully analyzed",
        ));
    // A JSON Lines trace whose last line is cut, from a command that ended
    // by itself.
    let cut = dir.path().join("cut.jsonl");
    let text = common::hundred_lost_updates();
    std::fs::write(&cut, &text[..text.len() - 20]).unwrap();
    let copy = format!("cp '{}' \"$LOCKSCOPE_TRACE\"", cut.display());
    lockscope()
        .current_dir(dir.path())
        .args(["run", "--allow=all", "--trace-dir"])
        .arg(dir.path().join("b"))
        .arg("--")
        .args(sh(&copy))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "ended early although the command ended by itself",
        ));
}

#[test]
fn run_makes_the_trace_dir_absolute_and_refuses_placeholders_in_it() {
    let dir = workdir();
    std::fs::create_dir(dir.path().join("pkg")).unwrap();
    // Cargo runs each test binary in its package's directory: the trace
    // must still land in the directory given relative to where lockscope ran.
    let copy = format!(
        "cd pkg && cp '{}' \"$LOCKSCOPE_TRACE\"",
        data("Transfer.std")
    );
    lockscope()
        .current_dir(dir.path())
        .args(["run", "--allow=all", "--trace-dir", "traces", "--"])
        .args(sh(&copy))
        .assert()
        .code(0);
    assert!(dir.path().join("traces/lockscope-{pid}.lsb").is_file());
    assert!(!dir.path().join("pkg/traces").exists());
    lockscope()
        .current_dir(dir.path())
        .args(["run", "--trace-dir", "runs/{test}", "--", "true"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("{test} is for trace file names"));
}

#[test]
fn run_with_a_machine_format_keeps_stdout_for_the_report() {
    let dir = workdir();
    let noisy = format!(
        "echo 'test output on stdout'; cp '{}' \"$LOCKSCOPE_TRACE\"",
        data("StringBuffer.std")
    );
    let out = lockscope()
        .current_dir(dir.path())
        .args(["run", "--format", "json", "--trace-dir"])
        .arg(dir.path().join("t"))
        .arg("--")
        .args(sh(&noisy))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("test output on stdout"))
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).expect("stdout is the JSON report");
    assert_eq!(v["format"], "lockscope-report");
}

#[cfg(unix)]
#[test]
fn sigterm_ends_the_commands_whole_group_then_the_traces_are_gated() {
    let dir = workdir();
    let pid_file = dir.path().join("grandchild.pid");
    let script = format!(
        "cp '{}' \"$LOCKSCOPE_TRACE\"; sleep 60 & echo $! > '{}'; wait",
        data("StringBuffer.std"),
        pid_file.display()
    );
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_lockscope"))
        .current_dir(dir.path())
        .args(["--color=never", "run", "--trace-dir"])
        .arg(dir.path().join("t"))
        .arg("--")
        .args(sh(&script))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let (code, stdout, stderr) = common::sigterm_once(
        child,
        &pid_file,
        std::time::Duration::from_secs(20),
        std::time::Duration::from_millis(200),
    );
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("when lockscope got signal 15"), "{stderr}");
    assert!(stdout.contains("error[deadlock]"), "{stdout}");
    assert!(start.elapsed().as_secs() < 20);
    let grandchild = std::fs::read_to_string(&pid_file).unwrap();
    let alive = std::path::Path::new("/proc").join(grandchild.trim());
    // Ended with its group (a zombie until reaped by init is gone too).
    let status = std::fs::read_to_string(alive.join("status")).unwrap_or_default();
    assert!(
        status.is_empty() || status.contains("State:\tZ"),
        "the grandchild still runs: {status}"
    );
}
