//! The CI gate on a user's crate (`tests/bank`, copied to a temporary
//! directory with its lockscope dependency pointed at this repository):
//! `lockscope run -- cargo test` and `lockscope run -- cargo nextest run`
//! fail on every lock-order inversion the run shows, whether on one thread,
//! on threads joined in turn or split over two tests or processes, for
//! named and static locks; they only warn about races that threads started
//! outside lockscope may order; `Tracked::update` never races; a deadlock
//! the watchdog broke is one finding with its sites; and fingerprints
//! survive lines inserted above the code.
//!
//! The fixture is built once per test binary into a target directory under
//! cargo's `CARGO_TARGET_TMPDIR`, shared by every run.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard, OnceLock};

use serde_json::Value;

/// The runs share the fixture's target directory: one at a time.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("gate-fixture")
}

/// A copy of `tests/bank` in a fresh directory, with its lockscope
/// dependency at this repository and this repository's lock file; `shift`
/// comment lines are inserted at the top of each source file.
fn fixture(shift: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = repo().join("tests/bank");
    let repo_path = std::fs::canonicalize(repo()).unwrap();
    for file in ["Cargo.toml", "src/lib.rs", "tests/bank.rs"] {
        let mut text = std::fs::read_to_string(src.join(file)).unwrap();
        if file == "Cargo.toml" {
            text = text.replace(
                "path = \"../..\"",
                &format!("path = {:?}", repo_path.display().to_string()),
            );
        } else {
            text = "// an edit above the code\n".repeat(shift) + &text;
        }
        let to = dir.path().join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::write(to, text).unwrap();
    }
    std::fs::copy(repo().join("Cargo.lock"), dir.path().join("Cargo.lock")).unwrap();
    dir
}

/// `cargo ARGS` in `dir` with the shared target directory.
fn cargo(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(dir)
        .args(args)
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("LOCKSCOPE_TRACE");
    cmd
}

/// The fixture's test binary is built (once per test binary of ours).
fn built() {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = fixture(0);
        let out = cargo(dir.path(), &["test", "--offline", "--no-run"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
}

/// What one `lockscope run` gave.
struct Run {
    code: Option<i32>,
    report: Value,
    stderr: String,
}

impl Run {
    fn findings(&self, kind: &str) -> Vec<&Value> {
        self.report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == kind)
            .collect()
    }
}

/// `lockscope run [extra] -- cargo ARGS` in `dir`, its JSON report read
/// back.
fn run_in(dir: &Path, extra: &[&str], cargo_args: &[&str]) -> Run {
    let report = dir.join("report.json");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lockscope"));
    cmd.current_dir(dir)
        .args(["--color=never", "run", "--format=json", "-o"])
        .arg(&report)
        .args(extra)
        .arg("--")
        .arg(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(cargo_args)
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("LOCKSCOPE_TRACE");
    let Output { status, stderr, .. } = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    let text = std::fs::read_to_string(&report)
        .unwrap_or_else(|_| panic!("no report (exit {status}):\n{stderr}"));
    let _ = std::fs::remove_file(&report);
    Run {
        code: status.code(),
        report: serde_json::from_str(&text).unwrap(),
        stderr,
    }
}

/// `lockscope run -- cargo test --offline -- FILTER`.
fn cargo_test(filter: &str) -> Run {
    let _s = serial();
    built();
    let dir = fixture(0);
    run_in(dir.path(), &[], &["test", "--offline", "--", filter])
}

fn grades(findings: &[&Value]) -> Vec<String> {
    findings
        .iter()
        .map(|f| f["grade"].as_str().unwrap_or("-").to_owned())
        .collect()
}

#[test]
fn the_same_transfer_both_ways_on_one_thread_fails_the_gate() {
    let r = cargo_test("one_thread_both_directions");
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let found = r.findings("potential_deadlock");
    assert_eq!(grades(&found), ["sequential"], "{:#}", r.report);
    assert_eq!(found[0]["gate"]["level"], "deny");
}

#[test]
fn the_two_directions_on_std_threads_joined_in_turn_fail_the_gate() {
    let r = cargo_test("two_std_threads_joined_in_turn");
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let found = r.findings("potential_deadlock");
    assert_eq!(grades(&found), ["sequential"], "{:#}", r.report);
    assert!(found[0]["unseen_thread"].is_string(), "{:#}", found[0]);
}

#[test]
fn the_two_directions_in_two_tests_of_one_process_fail_the_gate() {
    for filter in ["split_", "static_"] {
        let r = cargo_test(filter);
        assert_eq!(r.code, Some(1), "{filter}: {}", r.stderr);
        // The harness runs the two tests on two threads at once: now and
        // then they do deadlock, and the watchdog's deadlock is then the
        // finding that stands for the inversion.
        let mut found = r.findings("potential_deadlock");
        found.extend(r.findings("deadlock"));
        assert!(!found.is_empty(), "{filter}: {:#}", r.report);
        assert!(
            found.iter().all(|f| f["gate"]["level"] == "deny"),
            "{filter}: {:#}",
            r.report
        );
    }
}

#[test]
fn one_order_only_passes() {
    let r = cargo_test("one_order_only");
    assert_eq!(r.code, Some(0), "{}\n{:#}", r.stderr, r.report);
    assert!(r.findings("potential_deadlock").is_empty());
}

#[test]
fn a_read_after_joining_a_std_thread_only_warns_and_through_lockscope_is_clean() {
    let r = cargo_test("join_then_read_std");
    assert_eq!(r.code, Some(0), "{}\n{:#}", r.stderr, r.report);
    let races = r.findings("data_race");
    assert!(!races.is_empty(), "{:#}", r.report);
    for f in races {
        assert_eq!(f["grade"], "unconfirmed", "{f:#}");
        assert_eq!(f["gate"]["level"], "warn");
        let notes = f["notes"].as_array().unwrap();
        assert!(
            notes.iter().any(|n| n
                .as_str()
                .unwrap()
                .contains("lockscope::sync::thread::spawn")),
            "{notes:?}"
        );
    }
    let r = cargo_test("join_then_read_lockscope");
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.findings("data_race").is_empty(), "{:#}", r.report);
}

#[test]
fn updates_from_a_hundred_threads_never_race_or_lose_an_update() {
    let r = cargo_test("update_from_100_std_threads");
    assert_eq!(r.code, Some(0), "{}\n{:#}", r.stderr, r.report);
    assert!(r.findings("lost_update").is_empty(), "{:#}", r.report);
    // The read after the joins may race only as a warning; two updates
    // never race.
    for f in r.findings("data_race") {
        assert_eq!(f["gate"]["level"], "warn", "{f:#}");
        let roles: Vec<&str> = f["steps"]
            .as_array()
            .unwrap()
            .iter()
            .take(2)
            .map(|s| s["text"].as_str().unwrap_or(""))
            .collect();
        assert!(
            roles.iter().any(|t| t.starts_with("read")),
            "two updates reported as a race: {f:#}"
        );
    }
}

#[test]
fn a_deadlock_the_watchdog_broke_is_one_finding_with_its_sites_and_suppressible() {
    let r = cargo_test("watchdog_breaks_a_deadlock");
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let deadlocks = r.findings("deadlock");
    assert_eq!(deadlocks.len(), 1, "{:#}", r.report);
    let f = deadlocks[0];
    let mut locks: Vec<&str> = f["primitives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    locks.sort_unstable();
    assert_eq!(locks, ["ledger", "vault"]);
    assert!(
        f["steps"].as_array().unwrap().iter().all(|s| s["site"]
            .as_str()
            .is_some_and(|x| x.starts_with("tests/bank.rs:"))),
        "{f:#}"
    );
    // It is the run's one finding: the inversion the learned order noted
    // just before is this deadlock, and the threads' waits ended.
    assert_eq!(
        r.report["findings"].as_array().unwrap().len(),
        1,
        "{:#}",
        r.report
    );
    // Its SARIF location is a line of the test, and a suppression by lock
    // or by site matches it.
    for criterion in ["lock = \"vault\"", "site = \"tests/bank.rs:118:*\""] {
        let _s = serial();
        let dir = fixture(0);
        std::fs::write(
            dir.path().join("lockscope.toml"),
            format!(
                "[[suppress]]\n{criterion}\nkind = \"deadlock\"\nreason = \"the test's point\"\n"
            ),
        )
        .unwrap();
        let sarif = dir.path().join("report.sarif");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_lockscope"));
        let out = cmd
            .current_dir(dir.path())
            .args(["--color=never", "run", "-o"])
            .arg(format!("sarif={}", sarif.display()))
            .arg("--")
            .arg(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["test", "--offline", "--", "watchdog_breaks_a_deadlock"])
            .env("CARGO_TARGET_DIR", target_dir())
            .env_remove("LOCKSCOPE_TRACE")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{criterion}: {stderr}");
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
        let results = v["runs"][0]["results"].as_array().unwrap();
        let deadlock = results
            .iter()
            .find(|r| r["ruleId"] == "deadlock")
            .expect("the deadlock in SARIF");
        assert!(deadlock["suppressions"].is_array(), "{deadlock:#}");
        let uri = &deadlock["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
        assert_eq!(uri, "tests/bank.rs", "{deadlock:#}");
    }
}

#[test]
fn fingerprints_survive_lines_inserted_above_the_code() {
    let _s = serial();
    built();
    let fingerprints = |shift: usize| {
        let dir = fixture(shift);
        let r = run_in(
            dir.path(),
            &[],
            &["test", "--offline", "--", "one_thread_both_directions"],
        );
        let mut fps: Vec<String> = r.report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{} {}", f["kind"], f["fingerprint"]))
            .collect();
        fps.sort();
        fps
    };
    let before = fingerprints(0);
    assert!(!before.is_empty());
    assert_eq!(before, fingerprints(3));
}

#[test]
fn under_nextest_each_test_is_a_process_and_the_split_inversions_still_fail() {
    if Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["nextest", "--version"])
        .output()
        .map_or(true, |o| !o.status.success())
    {
        eprintln!(
            "skipped: cargo-nextest is not installed (`cargo install cargo-nextest --locked`)"
        );
        return;
    }
    let _s = serial();
    built();
    for filter in ["split_", "static_"] {
        let dir = fixture(0);
        let expr = format!("test(/{filter}/)");
        let r = run_in(
            dir.path(),
            &[],
            &["nextest", "run", "--offline", "--no-fail-fast", "-E", &expr],
        );
        assert_eq!(r.code, Some(1), "{filter}: {}", r.stderr);
        assert_eq!(
            r.report["traces"].as_array().unwrap().len(),
            2,
            "{filter}: one trace per test process: {:#}",
            r.report
        );
        let found = r.findings("potential_deadlock");
        assert_eq!(grades(&found), ["sequential"], "{filter}: {:#}", r.report);
    }
}
