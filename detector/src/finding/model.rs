//! [`Finding`]: one entry per distinct bug (fingerprint), with its subject
//! ([`Detail`]), the steps of its first occurrence, a few more occurrences'
//! steps, and how often it occurred. Its words (title, notes, step
//! sentences) come from [`wording`](super::wording), which also defines
//! [`Finding::title`].

use serde::{Deserialize, Serialize};

use super::detail::Detail;
use super::fingerprint::fingerprint;
use super::kind::{FindingKind, Grade, Severity};
use super::scenario::Scenario;
use super::step::Step;

/// How many occurrences of a finding keep their steps: the first in
/// [`Finding::steps`], the next ones in [`Finding::examples`].
pub const EXAMPLES: usize = 3;

/// One thing an analysis (or the runtime) found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    /// For predicted findings: how sure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<Grade>,
    /// Display names of the threads involved.
    #[serde(default)]
    pub threads: Vec<String>,
    /// Display names of the primitives involved.
    #[serde(default)]
    pub primitives: Vec<String>,
    /// Display names of the variables involved (for a data race or lost
    /// update, one finding per pair of sites: the first eight distinct
    /// variables its occurrences touched).
    #[serde(default)]
    pub vars: Vec<String>,
    /// What it says.
    pub detail: Detail,
    /// The steps of its first occurrence, in trace order unless the kind
    /// says otherwise (a lock cycle lists its edges in cycle order).
    pub steps: Vec<Step>,
    /// For deadlocks: the lockdep-style scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<Scenario>,
    /// Stable across runs: see [`fingerprint`].
    pub fingerprint: String,
    /// What the fingerprint hashes besides the kind: the names and sites
    /// that identify the bug (see [`stabilize`](super::stabilize), which
    /// hashes each site's source line instead of its line number).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identity: Vec<String>,
    /// How many times it occurred (at least 1).
    #[serde(default = "one")]
    pub occurrences: u64,
    /// The steps of further occurrences, at most [`EXAMPLES`] - 1.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Vec<Step>>,
    /// How many distinct tuples of sites its occurrences' steps have.
    #[serde(default = "one")]
    pub site_tuples: u64,
    /// Where it was found, in input order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub origins: Vec<Origin>,
    /// The runtime's live checks reported it while the program ran.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub live: bool,
    /// A thread lockscope did not see start or join (not started through
    /// `lockscope::sync::thread`) whose start or join may order what the
    /// verdict says is unordered: the reason its grade is no better.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unseen_thread: Option<String>,
}

fn one() -> u64 {
    1
}

/// An input a finding was found in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Origin {
    /// The trace's name as given to the analyzer.
    pub trace: String,
}

impl Origin {
    pub fn trace(name: impl Into<String>) -> Self {
        Origin { trace: name.into() }
    }
}

impl Finding {
    /// A finding of `kind` saying `detail`, with the kind's default
    /// severity and a fingerprint of `kind` and `identity` (the names and
    /// sites that identify the bug; order matters, so pass them
    /// canonically sorted). Steps, names and the rest start empty.
    pub fn new(kind: FindingKind, identity: &[&str], detail: Detail) -> Self {
        Finding {
            kind,
            severity: kind.default_severity(),
            grade: None,
            threads: Vec::new(),
            primitives: Vec::new(),
            vars: Vec::new(),
            detail,
            steps: Vec::new(),
            scenario: None,
            fingerprint: fingerprint(kind, identity),
            identity: identity.iter().map(|p| (*p).to_owned()).collect(),
            occurrences: 1,
            examples: Vec::new(),
            site_tuples: 1,
            origins: Vec::new(),
            live: false,
            unseen_thread: None,
        }
    }

    /// Sets the grade and the severity that goes with it.
    pub fn graded(mut self, grade: Grade) -> Self {
        self.grade = Some(grade);
        self.severity = grade.severity();
        self
    }

    /// The finding as one line of JSON: the text of the trace note the
    /// runtime writes for a live finding (docs/trace-format.md,
    /// `note_text`), which the analyzer reads back.
    pub fn to_json(&self) -> String {
        // A finding is strings, numbers and enums: serializing cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The trace its steps come from (its first origin), if it has one.
    pub fn steps_trace(&self) -> Option<&str> {
        self.origins.first().map(|o| o.trace.as_str())
    }

    /// Whether it was found in the trace named `trace`.
    pub fn found_in(&self, trace: &str) -> bool {
        self.origins.iter().any(|o| o.trace == trace)
    }
}
