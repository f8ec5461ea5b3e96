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
