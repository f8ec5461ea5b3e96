//! CI output: `--format github` annotations and `-o FORMAT=FILE` (text to
//! the log, SARIF and JUnit to files, in one run); the SARIF validates
//! against the complete SARIF 2.1.0 schema.

mod common;

use predicates::prelude::*;
use serde_json::Value;

use common::{data, lockscope, workdir};

fn sarif_validator() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/sarif-schema/sarif-2.1.0-rtm.5.json"
    );
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::draft4::new(&schema).unwrap()
}

#[test]
fn text_to_the_log_and_sarif_junit_github_to_files_in_one_run() {
    let dir = workdir();
    let p = |name: &str| dir.path().join(name);
    lockscope()
        .args(["analyze", &data("StringBuffer.std")])
        .arg("-o")
        .arg(format!("sarif={}", p("l.sarif").display()))
        .arg("--output")
        .arg(format!("junit={}", p("junit.xml").display()))
        .arg("-o")
        .arg(format!("github={}", p("annotations.txt").display()))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[deadlock]"))
        .stdout(predicate::str::contains("gate: FAILED"));
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(p("l.sarif")).unwrap()).unwrap();
    let errors: Vec<String> = sarif_validator()
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(sarif["runs"][0]["automationDetails"]["id"], "lockscope/");
    let junit = std::fs::read_to_string(p("junit.xml")).unwrap();
    assert!(junit.starts_with("<?xml"), "{junit}");
    let github = std::fs::read_to_string(p("annotations.txt")).unwrap();
    assert!(
        github.lines().any(|l| l.starts_with("::error ")),
        "{github}"
    );
}

#[test]
fn github_format_prints_one_workflow_command_per_finding() {
    lockscope()
        .args(["analyze", &data("StringBuffer.std"), "--format", "github"])
        .assert()
        .code(1)
        .stdout(predicate::str::is_match(r"(?m)^::error .*title=lockscope deadlock::").unwrap())
        .stdout(predicate::str::contains("gate: FAILED"));
}

#[test]
fn two_plain_outputs_are_a_usage_error() {
    let dir = workdir();
    lockscope()
        .args(["analyze", &data("StringBuffer.std"), "-o"])
        .arg(dir.path().join("a.txt"))
        .arg("-o")
        .arg(dir.path().join("b.txt"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("-o FORMAT=FILE"));
}
