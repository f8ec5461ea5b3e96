//! What [`analyze`](crate::analysis::analyze) returns: the findings (one
//! per fingerprint, see [`crate::finding`]), what was analyzed, contention
//! statistics per lock and per thread, and the limits the analyses hit.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::finding::{wording, Finding, FindingKind};

/// Per-lock contention statistics (Linux `lock_stat`, mutrace). Times are
/// in the trace's clock unit ([`TraceSummary::clock`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LockStats {
    /// The trace the lock belongs to (one string shared by its rows: a
    /// trace can have a million).
    pub trace: Arc<str>,
    pub name: String,
    /// The primitive's kind (`mutex`, `rwlock`, ...).
    pub kind: Cow<'static, str>,
    pub acquisitions: u64,
    /// Acquisitions that had to wait (a request while another thread held
    /// the lock incompatibly).
    pub contended: u64,
    pub wait_total: u64,
    pub wait_mean: f64,
    pub wait_p99: u64,
    pub wait_max: u64,
    pub hold_total: u64,
    pub hold_mean: f64,
    pub hold_max: u64,
    /// How often the lock passed from one thread to a different one.
    pub owner_changes: u64,
    /// Which sites waited on which holder sites, most waited first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contention_sites: Vec<ContentionSite>,
}

/// Per-thread contention statistics: the acquisitions a thread made and
/// its waits and holds, counted as [`LockStats`] counts them. Times are in
/// the trace's clock unit.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadStats {
    /// The trace the thread belongs to (shared by its rows).
    pub trace: Arc<str>,
    pub name: String,
    pub acquisitions: u64,
    pub contended: u64,
    pub wait_total: u64,
    pub wait_max: u64,
    pub hold_total: u64,
    pub hold_max: u64,
}

/// One `waiter site <- holder site` row of a lock's contention.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentionSite {
    pub waiter_site: String,
    pub holder_site: String,
    pub count: u64,
    pub wait_total: u64,
}

/// What was analyzed in one input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceSummary {
    /// The input's name as given.
    pub name: String,
    /// `jsonl`, `json` or `std`.
    pub format: String,
    pub events: u64,
    pub threads: u64,
    pub primitives: u64,
    pub vars: u64,
    /// `ns` or `seq`.
    pub clock: String,
    pub first_time: u64,
    pub last_time: u64,
    /// Reader warnings (a truncated last line, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The trace ended early (its writer crashed, was killed or could not
    /// write): what came after the cut was not analyzed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
    /// The test the trace was recorded for, if its header names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test: Option<crate::trace::TestId>,
}

/// Everything `analyze` found in one or more traces.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// One per fingerprint, most severe first.
    pub findings: Vec<Finding>,
    pub traces: Vec<TraceSummary>,
    /// Per lock and trace.
    pub stats: Vec<LockStats>,
    /// Per thread and trace: the same acquisitions and waits as `stats`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thread_stats: Vec<ThreadStats>,
    /// Limits an analysis hit (a cycle-length bound, ...), in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub limits: Vec<String>,
}

impl Report {
    /// The tests `f` came from: the tests of the traces it was found in
    /// (each once, in trace order), for traces whose header names one.
    pub fn tests_of(&self, f: &Finding) -> Vec<&crate::trace::TestId> {
        let mut tests: Vec<&crate::trace::TestId> = Vec::new();
        for origin in &f.origins {
            let test = self
                .traces
                .iter()
                .find(|t| t.name == origin.trace)
                .and_then(|t| t.test.as_ref());
            if let Some(test) = test.filter(|t| !tests.contains(t)) {
                tests.push(test);
            }
        }
        tests
    }

    /// The report of one pass over every analysis, from the reports of
    /// passes over the same inputs by each [`Part`](crate::analysis::Part),
    /// given in [`Part::ALL`](crate::analysis::Part::ALL) order: the traces
    /// as the first part read them (every part reads the same), the
    /// findings, statistics and limits of each part in turn, the findings
    /// sorted again.
    pub fn merge(parts: impl IntoIterator<Item = Report>) -> Report {
        let mut merged = Report::default();
        for (i, part) in parts.into_iter().enumerate() {
            if i == 0 {
                merged.traces = part.traces;
            }
            merged.findings.extend(part.findings);
            merged.stats.extend(part.stats);
            merged.thread_stats.extend(part.thread_stats);
            merged.limits.extend(part.limits);
        }
        merged.sort();
        merged
    }

    /// How many findings (distinct fingerprints) of `kind`.
    pub fn count(&self, kind: FindingKind) -> usize {
        self.findings.iter().filter(|f| f.kind == kind).count()
    }

    /// How many occurrences the findings of `kind` have in all.
    pub fn occurrences(&self, kind: FindingKind) -> u64 {
        self.findings
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| f.occurrences)
            .sum()
    }

    /// Sorts findings most severe first, then by kind, then by title, so
    /// output is deterministic.
    pub fn sort(&mut self) {
        self.findings
            .sort_by_cached_key(|f| (Reverse(f.severity), f.kind, f.title()));
    }

    /// `1 deadlock, 1 lost update (99 occurrences) in 3 traces`.
    pub fn summary_line(&self) -> String {
        let counts: Vec<_> = FindingKind::ALL
            .iter()
            .map(|&k| (k, self.count(k), self.occurrences(k)))
            .collect();
        let truncated = self.traces.iter().filter(|t| t.truncated).count();
        wording::summary(&counts, self.traces.len(), truncated)
    }
}
