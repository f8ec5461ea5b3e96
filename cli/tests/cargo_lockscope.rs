//! `cargo lockscope test` and `cargo lockscope nextest` on a project that
//! uses parking_lot 0.12 from crates.io (`tests/data/pl012-fixture`, copied
//! to a temporary directory): its locks are recorded through the
//! substituted shim with no edit to the project, the inversion gates with
//! exit 1 at the project's own lines, and its `Cargo.lock` and manifest are
//! left byte for byte as they were.
//!
//! These tests build the fixture (and lockscope's crates, optimized) once
//! into a target directory kept under cargo's `CARGO_TARGET_TMPDIR`, and
//! fetch parking_lot 0.12 from crates.io when it is not cached.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::prelude::*;
use predicates::prelude::*;

/// Serialises the runs: they share one target directory.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn fixture_source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pl012-fixture")
}

/// A copy of the fixture project in a fresh temporary directory.
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = fixture_source();
    for file in ["Cargo.toml", "Cargo.lock", "src/lib.rs"] {
        let to = dir.path().join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(src.join(file), &to).unwrap();
    }
    dir
}

/// `cargo lockscope ARGS` in `dir`, with the shared target directory.
fn cargo_lockscope(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("cargo-lockscope").unwrap();
    cmd.current_dir(dir)
        .arg("lockscope")
        .args(args)
        .env(
            "CARGO_TARGET_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("cargo-lockscope"),
        )
        .env_remove("LOCKSCOPE_TRACE");
    cmd
}

/// The 1-based line of the fixture's source that contains `text`.
fn line_of(text: &str) -> usize {
    let src = std::fs::read_to_string(fixture_source().join("src/lib.rs")).unwrap();
    src.lines().position(|l| l.contains(text)).unwrap() + 1
}

/// The fixture's two transfers, each taking its second lock.
fn inversion_sites() -> [String; 2] {
    [
        format!(
            "src/lib.rs:{}:",
            line_of("let mut to = self.savings.lock();")
        ),
        format!(
            "src/lib.rs:{}:",
            line_of("let mut to = self.checking.lock();")
        ),
    ]
}

fn assert_untouched(dir: &Path) {
    let src = fixture_source();
    for file in ["Cargo.toml", "Cargo.lock"] {
        assert_eq!(
            std::fs::read(dir.join(file)).unwrap(),
            std::fs::read(src.join(file)).unwrap(),
            "{file} changed"
        );
    }
}

#[test]
fn cargo_test_records_the_dependency_locks_and_gates_the_inversion() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = fixture();
    let [first, second] = inversion_sites();
    cargo_lockscope(dir.path(), &["test"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("parking_lot 0.12 replaced"))
        .stdout(predicate::str::contains("error[potential_deadlock]"))
        .stdout(predicate::str::contains(first))
        .stdout(predicate::str::contains(second));
    assert_untouched(dir.path());
}

#[test]
fn without_the_substitution_nothing_is_recorded() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = fixture();
    cargo_lockscope(dir.path(), &["test", "--no-instrument-deps"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no test process wrote a trace"));
    assert_untouched(dir.path());
}

#[test]
fn cargo_nextest_records_one_trace_per_test_and_gates() {
    let nextest = Command::new(env!("CARGO"))
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !nextest {
        eprintln!(
            "skipped: cargo-nextest is not installed \
             (`cargo install cargo-nextest --locked`; .ci/test installs it)"
        );
        return;
    }
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = fixture();
    let traces = dir.path().join("traces");
    let [first, second] = inversion_sites();
    let junit = dir.path().join("junit.xml");
    let sarif = dir.path().join("lockscope.sarif");
    cargo_lockscope(dir.path(), &["nextest", "--trace-dir"])
        .arg(&traces)
        .arg("-o")
        .arg(format!("junit={}", junit.display()))
        .arg("-o")
        .arg(format!("sarif={}", sarif.display()))
        .assert()
        .code(1)
        .stdout(predicate::str::contains(first))
        .stdout(predicate::str::contains(second));
    // nextest's layout: the fixture's binary is a suite, its test a case
    // that fails with the inversion.
    let junit = std::fs::read_to_string(junit).unwrap();
    assert!(
        junit.contains(r#"<testsuite name="pl012-fixture" tests="1""#),
        "{junit}"
    );
    let case = junit
        .split(r#"<testcase name="tests::transfers_both_ways" classname="pl012-fixture""#)
        .nth(1)
        .unwrap_or_else(|| panic!("no test case for the test: {junit}"));
    assert!(case.contains("<failure"), "{junit}");
    let sarif = std::fs::read_to_string(sarif).unwrap();
    assert!(
        sarif.contains("\"pl012-fixture tests::transfers_both_ways\""),
        "the SARIF results name their test"
    );
    // The text report grouped by test.
    Command::cargo_bin("lockscope")
        .unwrap()
        .args(["analyze", "--by-test", "--color", "never"])
        .arg(&traces)
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "=== test pl012-fixture tests::transfers_both_ways: ",
        ));
    let written: Vec<String> = std::fs::read_dir(&traces)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written.len(), 1, "one test, one process, one trace");
    assert!(
        written[0].starts_with("pl012-fixture.tests__transfers_both_ways."),
        "the trace is named after its binary and test: {written:?}"
    );
    assert_untouched(dir.path());
}

#[test]
fn nextest_missing_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let fake_cargo = dir.path().join("cargo");
    std::fs::write(&fake_cargo, "#!/bin/sh\nexit 101\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake_cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    cargo_lockscope(dir.path(), &["nextest"])
        .env("CARGO", &fake_cargo)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "install it with `cargo install cargo-nextest --locked`",
        ));
}

/// The fixture's test locks both accounts in one statement after
/// `thread::scope` has joined both transfer threads. lockscope does not see
/// that join (std's threads), and the join is all that keeps the statement
/// apart from `to_checking`'s opposite order: the pair is a lock-order
/// inversion graded `sequential` (both orders seen, never at once), denied
/// as the gate denies every inversion, never `feasible` (a deadlock this
/// run could have had), and it names the thread lockscope did not start.
#[test]
fn an_inversion_with_a_joined_std_thread_is_sequential_not_feasible() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = fixture();
    let after_join = format!(
        "src/lib.rs:{}:",
        line_of("assert_eq!((*bank.checking.lock()")
    );
    let report = dir.path().join("report.json");
    cargo_lockscope(dir.path(), &["test", "--format", "json", "-o"])
        .arg(&report)
        .assert()
        .code(1);
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let with_join: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "potential_deadlock")
        .filter(|f| f["title"].as_str().unwrap().contains(&after_join))
        .collect();
    assert_eq!(with_join.len(), 1, "{report:#}");
    let f = with_join[0];
    assert_eq!(f["grade"], "sequential", "{f:#}");
    assert_eq!(f["gate"]["level"], "deny", "{f:#}");
    assert!(f["unseen_thread"].is_string(), "{f:#}");
}

/// With a machine format and no `-o` the report is all of standard output:
/// the tests' own output goes to standard error.
#[test]
fn a_json_report_on_stdout_is_the_whole_of_stdout() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = fixture();
    let out = cargo_lockscope(dir.path(), &["test", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert_eq!(report["format"], "lockscope-report");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("test result: ok"), "{stderr}");
}

/// SIGTERM (or Ctrl-C) while the tests run ends cargo's whole process
/// group; then the lock file is restored and what the tests recorded is
/// analyzed and gated.
#[test]
fn sigterm_during_the_tests_restores_the_lock_file_and_gates() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = fixture();
    // A second test target that records the inversion, then sleeps.
    let started = dir.path().join("started");
    std::fs::create_dir_all(dir.path().join("tests")).unwrap();
    std::fs::write(
        dir.path().join("tests/slow.rs"),
        format!(
            "#[test]\nfn slow() {{\n    let bank = pl012_fixture::Bank::default();\n    \
             bank.to_savings(0);\n    bank.to_checking(0);\n    \
             std::fs::write({started:?}, \"\").unwrap();\n    \
             std::thread::sleep(std::time::Duration::from_secs(60));\n}}\n"
        ),
    )
    .unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-lockscope"))
        .current_dir(dir.path())
        .args(["lockscope", "test", "--test", "slow"])
        .env(
            "CARGO_TARGET_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("cargo-lockscope"),
        )
        .env_remove("LOCKSCOPE_TRACE")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    // The recorder flushes every 100 ms: after 500 ms what came before the
    // marker is in the trace.
    let (code, stdout, stderr) = common::sigterm_once(
        child,
        &started,
        std::time::Duration::from_secs(600),
        std::time::Duration::from_millis(500),
    );
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("when lockscope got signal 15"), "{stderr}");
    assert!(stdout.contains("potential_deadlock"), "{stdout}");
    assert!(start.elapsed().as_secs() < 600);
    assert_untouched(dir.path());
}

/// lockscope's recorder must not use parking_lot itself, or substituting
/// the shims would make it depend on itself: both series stay substitutable.
#[test]
fn the_recorder_depends_on_no_parking_lot() {
    let checkout = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let series =
        lockscope_cli::cargo::metadata::recorder_series(Path::new(env!("CARGO")), checkout)
            .unwrap();
    assert!(
        series.is_empty(),
        "lockscope-sync depends on parking_lot {series:?}"
    );
}

/// The cargo registry's unpacked copy of `name` (`$CARGO_HOME/registry/src/*/name`).
fn cached_crate(name: &str) -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo"),
        PathBuf::from,
    );
    std::fs::read_dir(home.join("registry/src"))
        .ok()?
        .filter_map(Result::ok)
        .map(|index| index.path().join(name))
        .find(|p| p.join("Cargo.toml").is_file())
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// docs/real-world.md's r2d2 0.8.10 run, from the cargo cache: parking_lot
/// 0.12 (r2d2's) and 0.13 (scheduled-thread-pool's) are both substituted
/// and the library tests pass recorded. `test::events` is skipped (it is
/// flaky with and without lockscope), and `deadlock` allowed (the idle
/// workers' false finding, see `tests/real_world.rs`).
#[test]
#[ignore = "needs r2d2 0.8.10 in the cargo cache (`cargo fetch`) and crates.io for its dependencies"]
fn r2d2_from_the_cargo_cache() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let src = cached_crate("r2d2-0.8.10").expect("r2d2 0.8.10 is not in the cargo cache");
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&src, dir.path());
    cargo_lockscope(
        dir.path(),
        &[
            "test",
            "--allow",
            "deadlock",
            "--lib",
            "--",
            "--skip",
            "test::events",
        ],
    )
    .assert()
    .code(0)
    .stderr(predicate::str::contains(
        "parking_lot 0.12 and 0.13 replaced",
    ))
    .stdout(predicate::str::contains("17 passed"));
}
