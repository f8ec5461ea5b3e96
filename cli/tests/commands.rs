//! The other commands end to end: info (and stdin), convert, stats, graph,
//! demo, completions and the man page.

mod common;

use std::path::PathBuf;

use predicates::prelude::*;
use serde_json::Value;

use common::{data, json_of, lockscope, workdir};

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
    let bundled = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/data/std"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "std")
        })
        .count();
    assert!(bundled >= 13, "the benchmark set is bundled");
    assert_eq!(infos.len(), bundled, "every bundled trace reads");
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
    let out = lockscope()
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
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "header and the top 3: {table}");
    assert!(
        lines[0].starts_with("lock  kind             acquired  contended  wait total"),
        "{table}"
    );
    let json = |by: &str| {
        let out = lockscope()
            .args(["stats", &data("Account.std"), "--json", "--by", by])
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        json_of(&out).as_array().unwrap().clone()
    };
    let sum = |rows: &[Value], field: &str| -> u64 {
        rows.iter().map(|r| r[field].as_u64().unwrap()).sum()
    };
    let (locks, threads) = (json("lock"), json("thread"));
    assert!(
        locks[0]["wait_p99"].is_u64(),
        "lock rows are the detector's LockStats"
    );
    assert!(sum(&locks, "acquisitions") > 0);
    // The same acquisitions and waits, seen per lock and per thread.
    for field in ["acquisitions", "contended", "wait_total"] {
        assert_eq!(sum(&locks, field), sum(&threads, field), "{field}");
    }
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
    let dir = workdir();
    lockscope()
        .args(["man", "--dir"])
        .arg(dir.path())
        .assert()
        .code(0);
    for (page, title) in [
        ("lockscope.1", ".TH lockscope 1"),
        ("lockscope-analyze.1", ".TH lockscope-analyze 1"),
        ("lockscope-run.1", ".TH lockscope-run 1"),
    ] {
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(text.contains(title), "{page}: {text}");
    }
    lockscope()
        .arg("--help")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Examples:"));
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
