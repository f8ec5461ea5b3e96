//! Report renderers: [`text`] for people, [`json`] for programs, [`sarif`]
//! for code-scanning, [`junit`] for CI dashboards; plus the tables and
//! graphs of `stats` and `graph`.
//!
//! Every renderer takes the analyzed [`Report`] and the gate's [`Verdict`]
//! (one disposition per finding) and returns the whole output as a string;
//! the caller writes it. Text output carries ANSI styles, which the caller's
//! `anstream` stream strips when colours are off.

pub mod events;
pub mod graph;
pub mod html;
pub mod json;
pub mod junit;
pub mod perfetto;
pub mod sarif;
pub mod stats;
pub mod text;

use std::collections::HashMap;

use lockscope_detector::report::{FindingKind, Report};

use crate::gate::Verdict;
use crate::sites::Root;

/// What every report renderer needs.
#[derive(Debug)]
pub struct Ctx<'a> {
    pub report: &'a Report,
    pub verdict: &'a Verdict,
    pub root: &'a Root,
    /// `-v`: every finding of a group, allowed and suppressed ones, backtraces.
    pub verbose: bool,
    /// `-q`: only the summary.
    pub quiet: bool,
}

/// Findings sharing a fingerprint, in report order: indices into
/// `report.findings`, the first being the representative.
pub fn groups(report: &Report) -> Vec<Vec<usize>> {
    let mut at: HashMap<&str, usize> = HashMap::new();
    let mut out: Vec<Vec<usize>> = Vec::new();
    for (i, f) in report.findings.iter().enumerate() {
        match at.get(f.fingerprint.as_str()) {
            Some(&g) => out[g].push(i),
            None => {
                at.insert(&f.fingerprint, out.len());
                out.push(vec![i]);
            }
        }
    }
    out
}

/// The noun for `n` findings of `kind`: `1 deadlock`, `99 lost updates`.
pub fn count_noun(kind: FindingKind, n: usize) -> String {
    let (one, many) = match kind {
        FindingKind::Deadlock => ("deadlock", "deadlocks"),
        FindingKind::BlockedForever => ("thread blocked forever", "threads blocked forever"),
        FindingKind::PotentialDeadlock => ("potential deadlock", "potential deadlocks"),
        FindingKind::LockOrderViolation => ("lock-order violation", "lock-order violations"),
        FindingKind::RecursiveRead => ("recursive read", "recursive reads"),
        FindingKind::BadRelease => ("bad release", "bad releases"),
        FindingKind::HeldAtExit => ("lock held at exit", "locks held at exit"),
        FindingKind::SemaphoreOverRelease => ("semaphore over-release", "semaphore over-releases"),
        FindingKind::WaitWhileHolding => ("wait while holding", "waits while holding"),
        FindingKind::Starvation => ("starved thread", "starved threads"),
        FindingKind::LongHold => ("long hold", "long holds"),
        FindingKind::LostUpdate => ("lost update", "lost updates"),
        FindingKind::DataRace => ("data race", "data races"),
        _ => return format!("{n} {}", kind.as_str().replace('_', " ")),
    };
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `1 deadlock, 99 lost updates in 3 traces` (or `no findings in 1 trace`).
pub fn summary_line(report: &Report) -> String {
    let counts: Vec<String> = FindingKind::ALL
        .iter()
        .filter_map(|&k| match report.count(k) {
            0 => None,
            n => Some(count_noun(k, n)),
        })
        .collect();
    let what = if counts.is_empty() {
        "no findings".to_owned()
    } else {
        counts.join(", ")
    };
    let n = report.traces.len();
    format!("{what} in {n} trace{}", if n == 1 { "" } else { "s" })
}

/// Per-kind counts, every kind present (zeros included), for JSON output.
pub fn counts_by_kind(report: &Report) -> std::collections::BTreeMap<&'static str, usize> {
    FindingKind::ALL
        .iter()
        .map(|&k| (k.as_str(), report.count(k)))
        .collect()
}

#[cfg(test)]
pub(crate) mod fixtures;

#[cfg(test)]
mod tests {
    use super::*;
    use lockscope_detector::report::{Finding, TraceSummary};

    #[test]
    fn summary_counts_exactly_and_pluralises() {
        let mut r = Report::default();
        r.findings
            .push(Finding::new(FindingKind::Deadlock, "d", &["a"]));
        for _ in 0..99 {
            r.findings
                .push(Finding::new(FindingKind::LostUpdate, "l", &["x"]));
        }
        r.traces = vec![TraceSummary::default(); 3];
        assert_eq!(summary_line(&r), "1 deadlock, 99 lost updates in 3 traces");
        assert_eq!(groups(&r).len(), 2);
        assert_eq!(groups(&r)[1].len(), 99);
        r.findings.clear();
        r.traces.truncate(1);
        assert_eq!(summary_line(&r), "no findings in 1 trace");
    }
}
