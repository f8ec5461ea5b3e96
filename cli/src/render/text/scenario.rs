//! lockdep's two-column "possible unsafe locking scenario" for deadlocks.

use std::fmt::Write as _;

use lockscope_detector::report::Scenario;

use super::{BOLD, RED};

/// The marker the analyses end their scenario rows with; printed once,
/// under the columns.
const DEADLOCK: &str = "*** DEADLOCK ***";

/// lockdep's "possible unsafe locking scenario", one column per thread.
pub fn scenario(out: &mut String, s: &Scenario) {
    let width = s
        .threads
        .iter()
        .map(String::len)
        .chain(s.rows.iter().map(|(_, t)| t.len()))
        .max()
        .unwrap_or(0)
        .max(16)
        + 4;
    let _ = writeln!(out, "\n  Possible unsafe locking scenario:\n");
    let row = |cells: &mut dyn Iterator<Item = (usize, &str)>| {
        let mut line = String::from("       ");
        for (col, text) in cells {
            let pad = 7 + col * width;
            while line.chars().count() < pad {
                line.push(' ');
            }
            line.push_str(text);
        }
        line.trim_end().to_owned()
    };
    let names = row(&mut s.threads.iter().map(String::as_str).enumerate());
    let rules: Vec<String> = s
        .threads
        .iter()
        .map(|t| "-".repeat(t.len().max(4)))
        .collect();
    let rules = row(&mut rules.iter().map(String::as_str).enumerate());
    let _ = writeln!(out, "{BOLD}{names}{BOLD:#}\n{rules}");
    // The analyses end their rows with the `*** DEADLOCK ***` marker; it is
    // printed once, under the columns, whether or not a row carries it.
    for (col, text) in s.rows.iter().filter(|(_, t)| t.trim() != DEADLOCK) {
        let _ = writeln!(out, "{}", row(&mut std::iter::once((*col, text.as_str()))));
    }
    let _ = writeln!(out, "\n  {RED} {DEADLOCK}{RED:#}");
}
