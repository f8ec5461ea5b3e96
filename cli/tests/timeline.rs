//! `lockscope timeline`: the Chrome trace-event JSON checked against the
//! format's rules (every `b` has its `e` with the same id, timestamps never
//! go back on a track, every thread named, flows paired), what it draws for
//! the seeds' deadlock, and the windows.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde_json::Value;

use common::{data, lockscope, workdir};

fn example(name: &str) -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/traces/").to_owned() + name
}

/// Runs `lockscope timeline TRACE -o FILE ARGS` and returns the document.
fn timeline(trace: &str, extra: &[&str]) -> Value {
    let dir = workdir();
    let out = dir.path().join("t.json");
    lockscope()
        .current_dir(dir.path())
        .arg("timeline")
        .arg(trace)
        .arg("-o")
        .arg(&out)
        .args(extra)
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&out).expect("written");
    let doc: Value = serde_json::from_str(&text).expect("valid JSON");
    check_schema(&doc);
    doc
}

fn records(doc: &Value) -> &Vec<Value> {
    doc["traceEvents"].as_array().expect("traceEvents array")
}

/// The trace-event format's rules, as Perfetto and chrome://tracing read
/// them.
fn check_schema(doc: &Value) {
    let mut open: HashMap<(u64, String, String), i64> = HashMap::new();
    let mut last_ts: HashMap<String, f64> = HashMap::new();
    let mut named: BTreeSet<(u64, u64)> = BTreeSet::new();
    let mut used: BTreeSet<(u64, u64)> = BTreeSet::new();
    let mut flows: HashMap<String, (usize, usize)> = HashMap::new();
    for r in records(doc) {
        let ph = r["ph"].as_str().expect("ph");
        let ts = r["ts"].as_f64().expect("numeric ts");
        let pid = r["pid"].as_u64().expect("pid");
        let tid = r["tid"].as_u64().expect("tid");
        assert!(r["name"].is_string(), "{r}");
        assert!(ts >= 0.0, "{r}");
        if ph == "M" {
            if r["name"] == "thread_name" {
                assert!(r["args"]["name"].is_string(), "{r}");
                named.insert((pid, tid));
            }
            continue;
        }
        used.insert((pid, tid));
        let track = match ph {
            "b" | "e" => {
                let id = r["id"].as_str().expect("async id");
                assert!(id.starts_with("0x") && u64::from_str_radix(&id[2..], 16).is_ok());
                let cat = r["cat"].as_str().expect("async cat").to_owned();
                let depth = open.entry((pid, cat.clone(), id.to_owned())).or_default();
                *depth += if ph == "b" { 1 } else { -1 };
                assert!(*depth >= 0, "`e` without its `b`: {r}");
                assert!(*depth <= 1, "two open slices share an id: {r}");
                format!("async {pid} {cat} {id}")
            }
            "X" => {
                assert!(r["dur"].as_f64().expect("X has dur") >= 0.0, "{r}");
                format!("thread {pid} {tid}")
            }
            "i" => {
                assert_eq!(r["s"], "t", "{r}");
                format!("thread {pid} {tid}")
            }
            "s" | "f" => {
                let id = r["id"].as_str().expect("flow id").to_owned();
                let e = flows.entry(id).or_default();
                if ph == "s" {
                    e.0 += 1;
                } else {
                    assert_eq!(e.0, e.1 + 1, "`f` before its `s`: {r}");
                    assert_eq!(r["bp"], "e");
                    e.1 += 1;
                }
                format!("flow {pid} {}", r["id"])
            }
            other => panic!("unexpected phase {other}: {r}"),
        };
        let last = last_ts.entry(track.clone()).or_insert(f64::MIN);
        assert!(ts >= *last, "time goes back on {track}: {r}");
        *last = ts;
    }
    assert!(open.values().all(|&d| d == 0), "a `b` without its `e`");
    assert!(flows.values().all(|&(s, f)| s == 1 && f == 1), "{flows:?}");
    let unnamed: Vec<_> = used.difference(&named).collect();
    assert!(unnamed.is_empty(), "threads without a name: {unnamed:?}");
}

fn of_phase<'a>(doc: &'a Value, ph: &str) -> Vec<&'a Value> {
    records(doc).iter().filter(|r| r["ph"] == ph).collect()
}

#[test]
fn every_bundled_kind_of_trace_gives_valid_trace_events() {
    for trace in [
        example("condition.jsonl"),
        example("producer_consumer.jsonl"),
        example("semaphore_not_a_mutex.jsonl"),
        example("rlock.jsonl"),
        example("event_handoff.jsonl"),
        example("join_vs_lock.jsonl"),
        data("Dbcp1.std"),
    ] {
        let doc = timeline(&trace, &[]);
        assert!(!of_phase(&doc, "b").is_empty(), "{trace}: no slices");
    }
}

#[test]
fn the_seeds_deadlock_draws_holds_waits_arrows_and_the_finding() {
    let doc = timeline(&example("deadlock_opposite_order.jsonl"), &[]);
    let names: BTreeSet<&str> = of_phase(&doc, "M")
        .iter()
        .filter(|r| r["name"] == "thread_name")
        .map(|r| r["args"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, BTreeSet::from(["main", "task1", "task2"]));
    let begun: Vec<&str> = of_phase(&doc, "b")
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    for slice in [
        "hold plate",
        "hold chopsticks",
        "waits for chopsticks",
        "waits for plate",
    ] {
        assert!(begun.contains(&slice), "{slice} in {begun:?}");
    }
    // Real time: task1 requested chopsticks 54540783 ns into the run.
    let wait = of_phase(&doc, "b")
        .into_iter()
        .find(|r| r["name"] == "waits for chopsticks")
        .unwrap();
    assert_eq!(wait["ts"].as_f64(), Some(54540.783));
    assert_eq!(wait["args"]["from_event"], 8);
    let deadlock = of_phase(&doc, "i")
        .into_iter()
        .find(|r| r["cat"] == "finding" && r["args"]["kind"] == "deadlock")
        .expect("the deadlock as an instant");
    assert_eq!(deadlock["args"]["fingerprint"], "66e865a1ae7f1358");
    assert!(deadlock["args"]["message"]
        .as_str()
        .unwrap()
        .contains("task1 holds plate and waits for chopsticks"));
    // One arrow from each waiter to the other, who holds what it waits for.
    let tid = |name: &str| {
        of_phase(&doc, "M")
            .into_iter()
            .find(|r| r["name"] == "thread_name" && r["args"]["name"] == name)
            .unwrap()["tid"]
            .clone()
    };
    let arrows: BTreeSet<(String, String)> = of_phase(&doc, "s")
        .iter()
        .map(|s| {
            let f = of_phase(&doc, "f")
                .into_iter()
                .find(|f| f["id"] == s["id"])
                .unwrap();
            (s["tid"].to_string(), f["tid"].to_string())
        })
        .collect();
    let (t1, t2) = (tid("task1").to_string(), tid("task2").to_string());
    assert_eq!(arrows, BTreeSet::from([(t1.clone(), t2.clone()), (t2, t1)]));
    assert!(doc["otherData"]["time_axis"]
        .to_string()
        .contains("real time"));
}

#[test]
fn a_trace_without_a_clock_says_its_unit_once() {
    let doc = timeline(&data("DiningPhil.std"), &[]);
    let axis = doc["otherData"]["time_axis"].to_string();
    assert!(axis.contains("1 us on the axis is 1 event"), "{axis}");
    let process = of_phase(&doc, "M")
        .into_iter()
        .find(|r| r["name"] == "process_name")
        .unwrap();
    assert!(process["args"]["name"]
        .as_str()
        .unwrap()
        .ends_with("(no clock: 1 us = 1 event)"));
    // Event positions as microseconds: the last release is event 270 (then
    // only `end()` markers, which are not drawn).
    let max = records(&doc)
        .iter()
        .filter_map(|r| r["ts"].as_f64())
        .fold(0.0, f64::max);
    assert_eq!(max, 270.0);
}

#[test]
fn windows_draw_only_their_part() {
    let trace = example("deadlock_opposite_order.jsonl");
    let events = |doc: &Value| -> BTreeSet<u64> {
        of_phase(doc, "i")
            .iter()
            .filter(|r| r["cat"] != "finding")
            .filter_map(|r| r["args"]["event"].as_u64())
            .collect()
    };
    let doc = timeline(&trace, &["--window", "10..14"]);
    assert_eq!(events(&doc), BTreeSet::from([10, 11, 13]));
    // task1's hold of plate began at event 5, before the window: drawn whole.
    let plate = of_phase(&doc, "b")
        .into_iter()
        .find(|r| r["name"] == "hold plate")
        .unwrap();
    assert_eq!(plate["args"]["from_event"], 5);

    let doc = timeline(&trace, &["--window-time", "354ms..354.7ms"]);
    assert_eq!(events(&doc), BTreeSet::from([11, 13]));

    let doc = timeline(
        &trace,
        &["--around-finding", "66e865a1ae7f1358", "--context", "1"],
    );
    assert_eq!(events(&doc), BTreeSet::from([6, 10]));
}

#[test]
fn a_finding_with_steps_far_apart_draws_each_stretch_and_each_slice_once() {
    // DiningPhil's predicted deadlock has steps from event 61 to 235.
    let std = data("DiningPhil.std");
    let doc = timeline(&std, &[]);
    let fp = of_phase(&doc, "i")
        .into_iter()
        .find(|r| r["args"]["kind"] == "potential_deadlock")
        .unwrap()["args"]["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();
    let doc = timeline(&std, &["--around-finding", &fp, "--context", "2"]);
    let events: BTreeSet<u64> = of_phase(&doc, "i")
        .iter()
        .filter_map(|r| r["args"]["event"].as_u64())
        .collect();
    let stretches = [59..=65, 102..=108, 145..=151, 188..=194, 231..=237];
    assert!(
        events
            .iter()
            .all(|e| stretches.iter().any(|r| r.contains(e))),
        "{events:?}"
    );
    assert!(stretches
        .iter()
        .all(|r| events.iter().any(|e| r.contains(e))));
    // Holds that span stretches are drawn once each (check_schema also
    // rejects two open slices with one id).
    let mut holds: Vec<(String, u64)> = of_phase(&doc, "b")
        .iter()
        .map(|r| {
            (
                r["name"].to_string(),
                r["args"]["from_event"].as_u64().unwrap(),
            )
        })
        .collect();
    let all = holds.len();
    holds.sort();
    holds.dedup();
    assert_eq!(holds.len(), all);

    // The seeds' deadlock with no context: events 5 and 7..=9, two
    // stretches; task1's hold of plate (5..12) and main's join (4..14)
    // cross from the first into the second and are drawn once.
    let trace = example("deadlock_opposite_order.jsonl");
    let doc = timeline(
        &trace,
        &["--around-finding", "66e865a1ae7f1358", "--context", "0"],
    );
    let begun: Vec<String> = of_phase(&doc, "b")
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        begun.iter().filter(|n| *n == "hold plate").count(),
        1,
        "{begun:?}"
    );
    assert_eq!(
        begun.iter().filter(|n| *n == "joins task1").count(),
        1,
        "{begun:?}"
    );
}

#[test]
fn bad_windows_and_unknown_findings_are_clear_errors() {
    let dir = workdir();
    let out = dir.path().join("t.json");
    let run = |args: &[&str]| {
        let a = lockscope()
            .arg("timeline")
            .arg("-o")
            .arg(&out)
            .args(args)
            .assert()
            .code(2);
        String::from_utf8(a.get_output().stderr.clone()).unwrap()
    };
    let std = data("Deadlock.std");
    let err = run(&[&std, "--window-time", "1ms..2ms"]);
    assert!(err.contains("this trace has no clock"), "{err}");
    let err = run(&[&std, "--window", "5-9"]);
    assert!(err.contains("expected FROM..TO"), "{err}");
    let err = run(&[&std, "--around-finding", "0123456789abcdef"]);
    assert!(err.contains("no finding has this fingerprint"), "{err}");
    let err = run(&[&std, "--window", "1..2", "--around-finding", "x"]);
    assert!(err.contains("cannot be used with"), "{err}");
    assert!(!Path::new(&out).exists());
}
