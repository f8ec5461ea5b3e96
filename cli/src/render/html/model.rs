//! The page's data: what the HTML report's script draws, serialized once
//! by serde into the JSON blob the page carries.
//!
//! Times are in each trace's clock unit (`clock`: `ns`, or `seq` where a
//! time is an event position). Indices (`finding`, `track`, `segment`)
//! point into the lists of this model.

use serde::Serialize;

use crate::gate::Tally;

/// The whole page.
#[derive(Debug, Serialize)]
pub struct Page {
    /// `lockscope 0.1.0`.
    pub generator: String,
    pub summary: Summary,
    pub traces: Vec<TraceView>,
    /// Finding groups by kind, most severe first.
    pub kinds: Vec<KindGroup>,
    /// One entry per fingerprint: the group's first finding.
    pub findings: Vec<FindingView>,
    /// Per-lock contention, one row per lock and trace.
    pub locks: Vec<LockRow>,
    /// Limits an analysis hit, in words.
    pub limits: Vec<String>,
    /// Windows of the traces around findings, drawn as timelines.
    pub segments: Vec<Segment>,
}

/// The report's summary and the gate's verdict.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// The text report's closing line: `1 deadlock, 2 data races in 1 trace`.
    pub line: String,
    pub passed: bool,
    pub exit_code: u8,
    pub tally: Tally,
    /// Every finding, groups counted whole.
    pub findings: usize,
    /// Distinct fingerprints.
    pub distinct: usize,
}

/// One analyzed trace.
#[derive(Debug, Serialize)]
pub struct TraceView {
    pub name: String,
    pub format: String,
    pub events: u64,
    pub threads: u64,
    pub primitives: u64,
    pub vars: u64,
    pub clock: String,
    pub first_time: u64,
    pub last_time: u64,
    pub warnings: Vec<String>,
    /// Why this trace has no timelines, when it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_timeline: Option<String>,
}

/// The findings of one kind.
#[derive(Debug, Serialize)]
pub struct KindGroup {
    /// The wire name: `deadlock`.
    pub kind: &'static str,
    /// `2 potential deadlocks`.
    pub title: String,
    pub help: &'static str,
    /// Findings of the kind, groups counted whole.
    pub count: usize,
    /// The gate's strictest level among them: `deny`, `warn` or `allow`.
    pub level: &'static str,
    /// Indices into [`Page::findings`].
    pub findings: Vec<usize>,
}

/// One finding (the first of its fingerprint group).
#[derive(Debug, Serialize)]
pub struct FindingView {
    pub kind: &'static str,
    pub severity: &'static str,
    /// The gate's level: `deny`, `warn`, `allow`.
    pub level: &'static str,
    /// `new`, `baselined`, or `suppressed: REASON`.
    pub status: String,
    pub title: String,
    pub fingerprint: String,
    /// Findings with this fingerprint.
    pub count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
    pub threads: Vec<String>,
    pub locks: Vec<String>,
    pub vars: Vec<String>,
    /// For predicted deadlocks: `confirmed`, `feasible` or `unconfirmed`;
    /// for data races: `sound` or `hb_only`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<&'static str>,
    pub steps: Vec<StepView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<ScenarioView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cycle: Option<CycleView>,
    /// The segments that hold its steps (indices into [`Page::segments`]).
    pub segments: Vec<usize>,
    /// Why it has no timeline, when it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_timeline: Option<String>,
    /// Where the other findings of the group happened (the first
    /// [`OTHERS_SHOWN`](super::OTHERS_SHOWN)).
    pub others: Vec<Occurrence>,
}

/// One step of a finding.
#[derive(Debug, Serialize)]
pub struct StepView {
    pub thread: String,
    pub text: String,
    /// `file:line:col` relative to the repository, or `loc N`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// The source line at `site`, when the file is readable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<u64>,
    /// The event's time, when a timeline holds it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<u64>,
}

/// Another finding of a group: its last step.
#[derive(Debug, Serialize)]
pub struct Occurrence {
    pub thread: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<u64>,
}

/// The lockdep "possible unsafe locking scenario": one column per thread.
#[derive(Debug, Serialize)]
pub struct ScenarioView {
    pub threads: Vec<String>,
    pub rows: Vec<ScenarioRow>,
}

#[derive(Debug, Serialize)]
pub struct ScenarioRow {
    pub column: usize,
    pub text: String,
}

/// A lock cycle: `from` was held when `to` was taken or waited for.
#[derive(Debug, Serialize)]
pub struct CycleView {
    pub locks: Vec<String>,
    pub edges: Vec<CycleEdge>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct CycleEdge {
    /// Indices into `locks`.
    pub from: usize,
    pub to: usize,
    pub thread: String,
}

/// One row of the contention table.
#[derive(Debug, Serialize)]
pub struct LockRow {
    pub trace: String,
    pub name: String,
    pub kind: String,
    pub clock: String,
    pub acquisitions: u64,
    pub contended: u64,
    pub wait_total: u64,
    pub wait_max: u64,
    pub hold_total: u64,
    pub hold_max: u64,
    pub owner_changes: u64,
}

/// A window of one trace.
#[derive(Debug, Serialize)]
pub struct Segment {
    /// Index into [`Page::traces`].
    pub trace: usize,
    pub clock: String,
    /// Event indices `first..end`.
    pub first: u64,
    pub end: u64,
    /// Times of the window's start (earliest open span) and last event.
    pub start_time: u64,
    pub end_time: u64,
    pub tracks: Vec<String>,
    pub spans: Vec<SpanView>,
    pub events: Vec<EventView>,
}

/// A hold or a wait.
#[derive(Debug, Serialize)]
pub struct SpanView {
    /// Index into [`Segment::tracks`].
    pub track: usize,
    pub hold: bool,
    /// `plate`, `plate (shared)`, `waits for chopsticks`.
    pub label: String,
    /// Start and end: time and event index; no end while open at the
    /// window's end.
    pub start: u64,
    pub start_event: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_event: Option<u64>,
    /// How a wait ended: `granted`, `timed out`, `gave up`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<&'static str>,
    /// Threads holding the lock when a wait began (indices into tracks).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocked_by: Vec<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
}

/// One event of a window.
#[derive(Debug, Serialize)]
pub struct EventView {
    pub index: u64,
    pub time: u64,
    pub track: usize,
    pub what: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
}
