//! `lockscope analyze` end to end: every report format, the gate's exit
//! codes 0, 1 and 2, lockscope.toml, baselines, grouping, colours.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

use common::{data, hundred_lost_updates, json_of, lockscope, tiny_jsonl, workdir};

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
    // Known findings are counted, not shown; `-v` lists them.
    let text = |verbose: bool| {
        let mut cmd = lockscope();
        cmd.current_dir(dir.path())
            .args(["analyze", &data("StringBuffer.std"), "--baseline"])
            .arg(&report);
        if verbose {
            cmd.arg("-v");
        }
        let out = cmd.assert().code(0).get_output().stdout.clone();
        String::from_utf8(out).unwrap()
    };
    let quiet = text(false);
    assert!(!quiet.contains("error["), "{quiet}");
    assert!(
        quiet.contains("baselined finding") && quiet.contains("not shown; -v shows them"),
        "{quiet}"
    );
    let known = v["findings"].as_array().unwrap().len();
    assert!(quiet.contains(&format!("{known} in baseline)")), "{quiet}");
    let verbose = text(true);
    assert!(verbose.contains("(in baseline)"), "{verbose}");
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
fn a_suppression_that_matched_nothing_or_cannot_be_used_is_a_warning_with_its_line() {
    let dir = workdir();
    std::fs::write(
        dir.path().join("lockscope.toml"),
        "[[suppress]]\nkind = \"data_race\"\nreason = \"none here\"\n\n\
         [[suppress]]\nlock = \"L[\"\nreason = \"bad glob\"\n",
    )
    .unwrap();
    let out = lockscope()
        .current_dir(dir.path())
        .args(["analyze", &data("StringBuffer.std"), "-q"])
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert!(
        err.contains("lockscope.toml:1: this suppression matched no finding"),
        "{err}"
    );
    assert!(
        err.contains("lockscope.toml:5: [[suppress]]: lock = \"L[\": bad glob"),
        "{err}"
    );
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
fn occurrences_of_one_fingerprint_are_one_finding_and_counted() {
    let dir = workdir();
    std::fs::write(dir.path().join("lu.jsonl"), hundred_lost_updates()).unwrap();
    let out = lockscope()
        .current_dir(dir.path())
        .args(["analyze", "lu.jsonl", "--allow", "data_race"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.matches("error[lost_update]").count(), 1, "{text}");
    assert!(text.contains("before it (99 occurrences)\n"), "{text}");
    assert!(text.contains("  1. worker-"), "the three accesses: {text}");
    assert!(text.contains("at examples/lost_update.rs:10:9"), "{text}");
    assert!(text.contains("1 lost update (99 occurrences)"), "{text}");
    let json = lockscope()
        .current_dir(dir.path())
        .args(["analyze", "lu.jsonl", "-f", "json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json_of(&json);
    assert_eq!(v["summary"]["by_kind"]["lost_update"], 1);
    let lost = &v["findings"][0];
    assert_eq!(lost["kind"], "lost_update");
    assert_eq!(lost["occurrences"], 99);
    assert_eq!(lost["examples"].as_array().unwrap().len(), 2);
}

#[test]
fn a_truncated_trace_is_analyzed_and_said_to_be_truncated_even_with_quiet() {
    let dir = workdir();
    let cut = dir.path().join("cut.jsonl");
    let text = hundred_lost_updates();
    std::fs::write(&cut, &text[..text.len() - 20]).unwrap();
    let out = lockscope()
        .current_dir(dir.path())
        .args(["analyze", "-q", "--allow=all"])
        .arg(&cut)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.contains("warning: ") && out.contains("truncated last line ignored"),
        "{out}"
    );
    assert!(out.contains("in 1 trace (truncated)"), "{out}");
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

/// The report `lockscope -j JOBS analyze --format FORMAT TRACES` prints,
/// with its exit code.
fn report_with_jobs(jobs: &str, format: &str, traces: &[String]) -> (Option<i32>, Vec<u8>) {
    let dir = workdir();
    let out = lockscope()
        .current_dir(dir.path())
        .args(["-j", jobs, "analyze", "--format", format])
        .args(traces)
        .output()
        .expect("runs");
    (out.status.code(), out.stdout)
}

#[test]
fn the_report_is_the_same_on_one_thread_or_two() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let sets = [
        vec![format!("{root}/examples/traces")],
        vec![data("Account.std"), data("StringBuffer.std")],
    ];
    for traces in &sets {
        for format in ["json", "text"] {
            let one = report_with_jobs("1", format, traces);
            let two = report_with_jobs("2", format, traces);
            assert!(
                one.0.is_some_and(|c| c <= 1),
                "{traces:?}: exit {:?}",
                one.0
            );
            assert_eq!(one.0, two.0, "{traces:?} {format}: exit codes");
            assert!(
                one.1 == two.1,
                "{traces:?} {format}: reports differ\n{}\n---\n{}",
                String::from_utf8_lossy(&one.1),
                String::from_utf8_lossy(&two.1)
            );
        }
    }
}

/// Each input is opened when it is read, so a directory of more traces
/// than the process may hold open (one per test process, as `cargo
/// lockscope nextest` writes them) is analyzed, on one thread or two.
#[cfg(unix)]
#[test]
fn more_traces_than_the_open_files_limit_are_analyzed() {
    let dir = workdir();
    for i in 0..200 {
        let trace = "T0|fork(T1)|1\nT0|w(V1)|2\nT1|r(V1)|3\nT0|join(T1)|4\n";
        std::fs::write(dir.path().join(format!("t{i:03}.std")), trace).unwrap();
    }
    let bin = assert_cmd::cargo::cargo_bin("lockscope");
    for jobs in ["1", "2"] {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg("ulimit -n 64 && exec \"$0\" \"$@\"")
            .arg(&bin)
            .args(["--color=never", "-q", "-j", jobs, "analyze", "."])
            .current_dir(dir.path())
            .env_remove("LOCKSCOPE_TRACE")
            .output()
            .expect("sh runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "-j {jobs}: {stdout}{stderr}");
        assert!(
            stdout.contains("in 200 traces"),
            "-j {jobs}: {stdout}{stderr}"
        );
    }
}
