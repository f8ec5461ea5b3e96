//! End-to-end tests of the `lockscope` binary: every command and format,
//! and the exit codes 0 (gate passed), 1 (gate failed) and 2 (usage or
//! input error), on the bundled RAPID benchmark traces.

use std::path::PathBuf;
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn data(name: &str) -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/std/").to_owned() + name
}

/// The binary with a bounded run time and no colours or config from the
/// environment.
fn lockscope() -> Command {
    let mut cmd = Command::cargo_bin("lockscope").expect("binary built");
    cmd.timeout(Duration::from_secs(60))
        .env_remove("LOCKSCOPE_TRACE")
        .env("NO_COLOR", "1")
        .arg("--color=never");
    cmd
}

/// A temp dir that is also the working directory (so no lockscope.toml
/// from the repository is picked up).
fn workdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn json_of(out: &[u8]) -> Value {
    serde_json::from_slice(out).expect("valid JSON")
}

#[test]
fn analyze_clean_trace_exits_0() {
    let dir = workdir();
    std::fs::write(dir.path().join("clean.jsonl"), tiny_jsonl("acquired")).unwrap();
    lockscope()
        .current_dir(dir.path())
        .args(["analyze", "clean.jsonl"])
        .assert()
        .code(0)
        .stdout("no findings in 1 trace\ngate: passed (0 denied)\n");
    // Warnings report but do not fail.
    lockscope()
        .current_dir(dir.path())
        .args(["analyze", &data("Bensalem.std"), "--warn=all"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("warning[potential_deadlock]"));
}

#[test]
fn analyze_actual_deadlock_exits_1_with_lockdep_scenario() {
    let dir = workdir();
    lockscope()
        .current_dir(dir.path())
        .args(["analyze", &data("StringBuffer.std")])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[deadlock]"))
        .stdout(predicate::str::contains("*** DEADLOCK ***"))
        .stdout(predicate::str::contains("gate: FAILED"));
}

#[test]
fn allow_all_turns_failure_into_success() {
    let dir = workdir();
    lockscope()
        .current_dir(dir.path())
        .args(["analyze", &data("StringBuffer.std"), "--allow=all", "-q"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("deadlock"));
}

#[test]
fn several_traces_directories_and_globs() {
    let dir = workdir();
    let glob = data("Bensalem*.std");
    let out = lockscope()
        .current_dir(dir.path())
        .args([
            "analyze",
            &glob,
            &data("Deadlock.std"),
            "--format",
            "json",
            "--allow=all",
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    assert_eq!(v["summary"]["traces"], 4);
    assert_eq!(v["traces"].as_array().unwrap().len(), 4);
    assert_eq!(v["verdict"]["passed"], true);
}

#[test]
fn json_report_is_a_baseline() {
    let dir = workdir();
    let report = dir.path().join("base.json");
    lockscope()
        .current_dir(dir.path())
        .args(["analyze", &data("StringBuffer.std"), "--format=json", "-o"])
        .arg(&report)
        .assert()
        .code(1);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(v["format"], "lockscope-report");
    assert!(v["summary"]["by_kind"]["deadlock"].as_u64().unwrap() >= 1);
    lockscope()
        .current_dir(dir.path())
        .args(["analyze", &data("StringBuffer.std"), "--baseline"])
        .arg(&report)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("in baseline"));
}

#[test]
fn sarif_output_is_sarif() {
    let dir = workdir();
    let out = lockscope()
        .current_dir(dir.path())
        .args(["analyze", &data("StringBuffer.std"), "--format", "sarif"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "deadlock"));
    let schema_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/sarif-2.1.0-subset.schema.json"
    );
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::draft7::new(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&v).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn junit_output_has_a_failure_per_denied_group() {
    let dir = workdir();
    let out = lockscope()
        .current_dir(dir.path())
        .args(["analyze", &data("StringBuffer.std"), "--format", "junit"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let xml = String::from_utf8(out).unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut failures = 0;
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) if e.name().as_ref() == b"failure" => failures += 1,
            _ => {}
        }
    }
    assert!(failures >= 1, "{xml}");
}

#[test]
fn config_file_levels_and_suppressions_apply() {
    let dir = workdir();
    std::fs::write(
        dir.path().join("lockscope.toml"),
        "[[suppress]]\nkind = \"deadlock\"\nreason = \"known\"\n[levels]\nallow = [\"all\"]\n",
    )
    .unwrap();
    lockscope()
        .current_dir(dir.path())
        .args(["analyze", &data("StringBuffer.std")])
        .assert()
        .code(0);
    lockscope()
        .current_dir(dir.path())
        .args(["analyze", &data("StringBuffer.std"), "--no-config"])
        .assert()
        .code(1);
}

#[test]
fn usage_and_input_errors_exit_2_with_one_line() {
    let dir = workdir();
    let missing = dir.path().join("missing.jsonl");
    lockscope()
        .current_dir(dir.path())
        .arg("analyze")
        .arg(&missing)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("lockscope: error:"))
        .stderr(predicate::str::contains("no such file or directory"))
        .stderr(predicate::str::contains("panicked").not());
    lockscope()
        .current_dir(dir.path())
        .args(["analyze", &data("Deadlock.std"), "--deny", "deadlok"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown finding kind \"deadlok\""));
    lockscope().args(["analyze"]).assert().code(2);
    lockscope().args(["frobnicate"]).assert().code(2);
    std::fs::write(dir.path().join("lockscope.toml"), "[levels]\ndny = []\n").unwrap();
    lockscope()
        .current_dir(dir.path())
        .args(["analyze", &data("Deadlock.std")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "lockscope.toml:2:1: unknown field `dny`",
        ));
}

/// A small lockscope JSON Lines trace: one thread taking and releasing L1.
fn tiny_jsonl(acquired: &str) -> String {
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

#[test]
fn malformed_trace_names_file_line_and_column() {
    let dir = workdir();
    std::fs::write(dir.path().join("good.jsonl"), tiny_jsonl("acquired")).unwrap();
    std::fs::write(dir.path().join("bad.jsonl"), tiny_jsonl("aquire")).unwrap();
    lockscope()
        .current_dir(dir.path())
        .args(["analyze", "good.jsonl"])
        .assert()
        .code(0);
    lockscope()
        .current_dir(dir.path())
        .args(["analyze", "bad.jsonl"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::is_match(r#"^lockscope: error: bad\.jsonl:4:\d+: unknown event "aquire"; expected one of thread_start, "#)
                .unwrap(),
        )
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn stdin_is_read_with_dash() {
    let dir = workdir();
    lockscope()
        .current_dir(dir.path())
        .args(["info", "-"])
        .pipe_stdin(data("Deadlock.std"))
        .unwrap()
        .assert()
        .code(0)
        .stdout(predicate::str::contains("events:            39"));
}

#[test]
fn info_reads_every_bundled_trace() {
    let out = lockscope()
        .args([
            "info",
            "--json",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/std"),
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&out);
    let infos = v.as_array().unwrap();
    assert_eq!(infos.len(), 13);
    let deadlock = infos
        .iter()
        .find(|i| i["name"].as_str().unwrap().ends_with("/Deadlock.std"))
        .unwrap();
    assert_eq!(deadlock["events"], 39);
    assert_eq!(deadlock["threads"], 3);
    assert_eq!(deadlock["locks"], 2);
    assert_eq!(deadlock["format"], "std");
}

#[test]
fn convert_round_trips_through_every_format() {
    let dir = workdir();
    let p = |n: &str| dir.path().join(n);
    lockscope()
        .arg("convert")
        .arg(data("Bensalem.std"))
        .arg(p("a.jsonl"))
        .assert()
        .code(0);
    lockscope()
        .arg("convert")
        .arg(p("a.jsonl"))
        .arg(p("b.json.gz"))
        .assert()
        .code(0);
    lockscope()
        .arg("convert")
        .arg(p("b.json.gz"))
        .arg(p("c.std"))
        .assert()
        .code(0);
    let info = |path: PathBuf| {
        let out = lockscope()
            .arg("info")
            .arg("--json")
            .arg(path)
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        let v = json_of(&out);
        (
            v[0]["events"].clone(),
            v[0]["threads"].clone(),
            v[0]["locks"].clone(),
            v[0]["format"].clone(),
        )
    };
    let (e0, t0, l0, _) = info(PathBuf::from(data("Bensalem.std")));
    assert_eq!(
        info(p("a.jsonl")),
        (e0.clone(), t0.clone(), l0.clone(), "jsonl".into())
    );
    assert_eq!(
        info(p("b.json.gz")),
        (e0.clone(), t0.clone(), l0.clone(), "json".into())
    );
    assert_eq!(info(p("c.std")), (e0, t0, l0, "std".into()));
    lockscope()
        .args(["convert", &data("Deadlock.std"), "out.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("pass --to"));
    lockscope()
        .args(["convert", &data("Deadlock.std"), "-", "--to", "std"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("|acq("));
}

#[test]
fn stats_table_by_lock_and_thread() {
    lockscope()
        .args([
            "stats",
            &data("Account.std"),
            "--sort",
            "acquisitions",
            "--top",
            "3",
        ])
        .assert()
        .code(0)
        .stdout(
            predicate::str::starts_with("lock ")
                .or(predicate::str::contains("no lock was acquired")),
        );
    let out = lockscope()
        .args(["stats", &data("Deadlock.std"), "--by", "thread", "--json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let rows = json_of(&out);
    let total: u64 = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["acquisitions"].as_u64().unwrap())
        .sum();
    assert!(total > 0, "{rows}");
}

#[test]
fn graph_formats_mark_the_cycle() {
    let dot = lockscope()
        .args(["graph", &data("Deadlock.std")])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let dot = String::from_utf8(dot).unwrap();
    assert!(dot.starts_with("digraph \"lock-order\""), "{dot}");
    assert!(
        dot.contains("color=red"),
        "the L1/L2 cycle is highlighted: {dot}"
    );
    let json = lockscope()
        .args(["graph", &data("Deadlock.std"), "-f", "json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&json);
    assert_eq!(v["cycles"].as_array().unwrap().len(), 1);
    let svg = lockscope()
        .args(["graph", &data("Deadlock.std"), "-f", "svg"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert!(String::from_utf8(svg).unwrap().starts_with("<svg"));
    let wf = lockscope()
        .args([
            "graph",
            &data("StringBuffer.std"),
            "--wait-for",
            "-f",
            "json",
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&wf);
    assert_eq!(v["kind"], "wait-for");
    assert_eq!(v["cycles"].as_array().unwrap().len(), 1, "{v}");
}

fn sh(script: &str) -> Vec<String> {
    vec!["sh".into(), "-c".into(), script.into()]
}

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
    assert!(traces.join("lockscope-{pid}.jsonl").is_file());
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
fn demo_runs_on_the_bundled_data() {
    lockscope()
        .arg("demo")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("StringBuffer.std"))
        .stdout(predicate::str::contains("jigsaw.std"))
        .stdout(predicate::str::contains("error[deadlock]"))
        .stdout(predicate::str::contains("*** DEADLOCK ***"));
    let empty = workdir();
    lockscope()
        .args(["demo", "--data"])
        .arg(empty.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no bundled *.std traces"));
}

#[test]
fn completions_and_man_page_are_generated() {
    for shell in ["bash", "zsh", "fish"] {
        lockscope()
            .args(["completions", shell])
            .assert()
            .code(0)
            .stdout(predicate::str::contains("analyze"));
    }
    lockscope()
        .arg("man")
        .assert()
        .code(0)
        .stdout(predicate::str::contains(".TH lockscope"));
    lockscope()
        .arg("--help")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Examples:"));
}

#[test]
fn quiet_verbose_and_output_file() {
    let dir = workdir();
    let run = |extra: &[&str]| {
        let out = lockscope()
            .current_dir(dir.path())
            .arg("analyze")
            .arg(data("Bensalem.std"))
            .args(extra)
            .assert()
            .code(1)
            .get_output()
            .stdout
            .clone();
        String::from_utf8(out).unwrap()
    };
    let quiet = run(&["-q"]);
    assert_eq!(quiet.lines().count(), 2, "{quiet}");
    let normal = run(&[]);
    let verbose = run(&["-v"]);
    assert!(verbose.lines().count() >= normal.lines().count());
    assert!(normal.ends_with(&quiet), "the summary closes every report");
    let file = dir.path().join("report.txt");
    let mut cmd = Command::cargo_bin("lockscope").unwrap();
    cmd.current_dir(dir.path())
        .args(["analyze", &data("Bensalem.std"), "--color=always", "-o"])
        .arg(&file)
        .assert()
        .code(1)
        .stdout("");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(!text.contains('\u{1b}'), "no escape codes in files: {text}");
    assert!(text.ends_with(&quiet), "{text}");
}

#[test]
fn colours_only_when_asked() {
    let dir = workdir();
    let mut cmd = Command::cargo_bin("lockscope").unwrap();
    cmd.current_dir(dir.path())
        .env_remove("NO_COLOR")
        .args(["analyze", &data("StringBuffer.std"), "--color=always"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("\u{1b}["));
    lockscope()
        .current_dir(dir.path())
        .args(["analyze", &data("StringBuffer.std")])
        .assert()
        .stdout(predicate::str::contains("\u{1b}[").not());
}
