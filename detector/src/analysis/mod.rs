//! Every offline analysis, one module each, behind one entry point:
//! [`analyze`].
//!
//! The driver reads each trace once, streaming. For every event it shows the
//! event to each [`Analysis`] together with the [`Replay`] state *before*
//! the event, then applies the event to the state. At the end of each trace
//! every analysis reports its per-trace findings ([`Analysis::end_trace`]);
//! after the last trace, cross-trace findings ([`Analysis::finish`]), such
//! as a lock-order inversion split across two test processes.

use crate::report::{Finding, LockStats, Report, TraceSummary};
use crate::state::Replay;
use crate::trace::{Event, EventSource, TraceError, TraceMeta};

mod config;
pub mod deadlock;
mod describe;
pub mod discipline;
pub mod feasibility;
mod live_notes;
pub mod lock_order;
#[cfg(test)]
#[allow(dead_code)] // Shared by every analysis's tests; each uses a part.
pub(crate) mod testkit;

mod histogram;
mod wording;

// Issue items 5-7: contention, lost updates, data races.
pub mod contention;
pub mod lost_update;
pub mod race;

pub mod transient_deadlock;

pub use config::Config;

/// What an analysis sees with each event.
#[derive(Debug)]
pub struct Context<'a> {
    /// Which input (0-based, in the order given to [`analyze`]).
    pub trace: usize,
    /// The input's name as given.
    pub trace_name: &'a str,
    /// The event's 0-based index in its trace.
    pub index: u64,
    /// The trace's tables as read so far (every id in the event is valid).
    pub meta: &'a TraceMeta,
    /// Replay state before the event.
    pub state: &'a Replay,
    pub config: &'a Config,
}

/// One analysis: a visitor over the event stream.
pub trait Analysis {
    /// Sees one event with the state before it.
    fn on_event(&mut self, cx: &Context<'_>, ev: &Event);

    /// The end of one trace: `cx.state` is the final state and `cx.index`
    /// the number of events. Returns the findings of this trace.
    fn end_trace(&mut self, cx: &Context<'_>) -> Vec<Finding>;

    /// After the last trace: findings that need every trace.
    fn finish(&mut self, _config: &Config) -> Finished {
        Finished::default()
    }
}

/// What [`Analysis::finish`] returns: cross-trace findings, statistics and
/// limits hit.
#[derive(Debug, Default)]
pub struct Finished {
    pub findings: Vec<Finding>,
    pub stats: Vec<LockStats>,
    pub limits: Vec<String>,
}

/// One named input for [`analyze`].
pub struct Input<'a> {
    pub name: String,
    pub source: Box<dyn EventSource + 'a>,
}

impl std::fmt::Debug for Input<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Input")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// The analyses `config` enables, in report order.
pub fn default_analyses(_config: &Config) -> Vec<Box<dyn Analysis>> {
    let mut analyses: Vec<Box<dyn Analysis>> = vec![
        Box::new(deadlock::Deadlocks::default()),
        Box::new(lock_order::LockOrder::new()),
        Box::new(discipline::Discipline::default()),
    ];
    // Issue items 5-7: contention statistics and starvation, lost updates,
    // data races.
    analyses.extend([
        Box::new(contention::Contention::new()) as Box<dyn Analysis>,
        Box::new(lost_update::LostUpdates::new()),
        Box::new(race::Races::new()),
    ]);
    analyses.push(Box::new(transient_deadlock::TransientDeadlocks::new()));
    analyses
}

/// Runs every analysis over `inputs`, one streaming pass each.
///
/// Returns an error only when an input cannot be read; what the analyses
/// find is in the [`Report`].
pub fn analyze(inputs: Vec<Input<'_>>, config: &Config) -> Result<Report, TraceError> {
    let mut analyses = default_analyses(config);
    let mut report = Report::default();
    for (trace, mut input) in inputs.into_iter().enumerate() {
        let source = input.source.as_mut();
        let (summary, findings) = analyze_trace(trace, &input.name, source, config, &mut analyses)?;
        report.findings.extend(findings);
        report.traces.push(summary);
    }
    for analysis in &mut analyses {
        let done = analysis.finish(config);
        report.findings.extend(done.findings);
        report.stats.extend(done.stats);
        report.limits.extend(done.limits);
    }
    report.sort();
    Ok(report)
}

/// Streams one trace through replay and `analyses`: each event is shown to
/// every analysis with the state before it, then applied; at the end each
/// analysis reports its per-trace findings (tagged with `name`). This is
/// what [`analyze`] does for each input; benchmarks and tools that run a
/// chosen set of analyses call it directly.
pub fn analyze_trace(
    trace: usize,
    name: &str,
    source: &mut dyn EventSource,
    config: &Config,
    analyses: &mut [Box<dyn Analysis>],
) -> Result<(TraceSummary, Vec<Finding>), TraceError> {
    let mut state = Replay::new();
    let mut index = 0u64;
    let (mut first_time, mut last_time) = (None, 0);
    while let Some(ev) = source.next_event()? {
        let cx = Context {
            trace,
            trace_name: name,
            index,
            meta: source.meta(),
            state: &state,
            config,
        };
        for analysis in analyses.iter_mut() {
            analysis.on_event(&cx, &ev);
        }
        state.apply(index, &ev);
        first_time.get_or_insert(ev.time);
        last_time = ev.time;
        index += 1;
    }
    let meta = source.meta();
    let cx = Context {
        trace,
        trace_name: name,
        index,
        meta,
        state: &state,
        config,
    };
    let mut findings = Vec::new();
    for analysis in analyses.iter_mut() {
        let mut found = analysis.end_trace(&cx);
        for f in &mut found {
            f.trace.get_or_insert_with(|| name.to_owned());
        }
        findings.extend(found);
    }
    let summary = TraceSummary {
        name: name.to_owned(),
        format: meta.format.as_str().to_owned(),
        events: index,
        threads: meta.threads.len() as u64,
        primitives: meta.primitives.len() as u64,
        vars: meta.vars.len() as u64,
        clock: meta.header.clock.as_str().to_owned(),
        first_time: first_time.unwrap_or(0),
        last_time,
        warnings: meta.warnings.clone(),
    };
    Ok((summary, findings))
}
