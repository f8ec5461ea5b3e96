//! `lockscope events TRACE --around N`: the rows around one event, with
//! times, sites and who held what, and every thread's state just before N.

mod common;

use common::{data, lockscope};

fn example(name: &str) -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/traces/").to_owned() + name
}

fn events(args: &[&str]) -> String {
    let out = lockscope().arg("events").args(args).assert().code(0);
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

/// The row of event `index`: its columns (split on runs of two spaces),
/// without the `>` that marks the focus.
fn row(out: &str, index: u64) -> Vec<String> {
    out.lines()
        .find(|l| l.trim_start_matches('>').split_whitespace().next() == Some(&index.to_string()))
        .unwrap_or_else(|| panic!("no row for event {index} in\n{out}"))
        .trim_start_matches('>')
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_deadlocks_request_with_times_sites_and_holds() {
    let trace = example("deadlock_opposite_order.jsonl");
    let out = events(&[&trace, "--around", "8", "--context", "3"]);
    assert!(
        out.starts_with(&format!("{trace}: events 5..12 of 21 around event 8")),
        "{out}"
    );
    assert!(out.lines().any(|l| l.starts_with(">      8")), "{out}");
    assert_eq!(
        row(&out, 8),
        [
            "8",
            "54.54ms",
            "task1",
            "requested chopsticks",
            "plate",
            "examples/deadlock_opposite_order.rs:18:18"
        ]
    );
    assert_eq!(row(&out, 9)[3..5], ["requested plate", "chopsticks"]);
    assert_eq!(row(&out, 5)[3..5], ["acquired plate", "-"]);
    assert!(!out.contains("\n       4 "), "event 4 is outside: {out}");
    let state: Vec<&str> = out
        .lines()
        .skip_while(|l| *l != "just before event 8:")
        .collect();
    assert_eq!(
        state[1..],
        [
            "  main: joins task1 (since event 4 at examples/deadlock_opposite_order.rs:38:8)",
            "  task1: holds plate (since event 5 at examples/deadlock_opposite_order.rs:16:20)",
            "  task2: holds chopsticks (since event 7 at examples/deadlock_opposite_order.rs:16:20)",
        ]
    );
}

#[test]
fn one_threads_rows_of_a_trace_without_a_clock() {
    let out = events(&[&data("DiningPhil.std"), "--around", "100", "--thread", "T1"]);
    assert!(
        out.contains("thread T1 only (the trace has no clock)"),
        "{out}"
    );
    let header = out.lines().nth(2).unwrap();
    assert!(
        !header.contains("time"),
        "no time column without a clock: {header}"
    );
    let rows: Vec<&str> = out.lines().skip(3).take_while(|l| !l.is_empty()).collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.contains("  T1  ")), "{rows:?}");
    assert_eq!(row(&out, 97)[2..4], ["released L1", "L0, L1"]);
}

#[test]
fn an_index_past_the_end_or_an_unknown_thread_is_a_clear_error() {
    let err = |args: &[&str]| {
        let a = lockscope().arg("events").args(args).assert().code(2);
        String::from_utf8(a.get_output().stderr.clone()).unwrap()
    };
    let trace = data("Deadlock.std");
    let e = err(&[&trace, "--around", "39"]);
    assert!(e.contains("the trace has 39 events (0..39)"), "{e}");
    let e = err(&[&trace, "--around", "1", "--thread", "nobody"]);
    assert!(
        e.contains("--thread nobody: no such thread; its threads are"),
        "{e}"
    );
}
