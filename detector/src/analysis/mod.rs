//! Every offline analysis, one module each, behind one entry point:
//! [`analyze`].
//!
//! The driver reads each trace once, streaming. For every event it shows the
//! event to each [`Analysis`] together with the [`Replay`] state *before*
//! the event, then applies the event to the state. At the end of each trace
//! every analysis adds its per-trace findings ([`Analysis::end_trace`]);
//! after the last trace, cross-trace findings ([`Analysis::finish`]), such
//! as a lock-order inversion split across two test processes. Findings go
//! into one [`Findings`] collector, which aggregates them by fingerprint.
//!
//! The analyses fall into independent [`Part`]s, which a caller may run as
//! separate passes (on threads of its own: this crate starts none) and
//! merge.
//!
//! [`run`] drives a chosen set of analyses: `lockscope stats` runs only
//! the contention analysis, `lockscope graph` only what its graph needs
//! ([`lock_order::graph`], [`deadlock::wait_for_graphs`]).

use crate::finding::Findings;
use crate::report::{LockStats, Report, ThreadStats, TraceSummary};
use crate::state::Replay;
use crate::trace::{Event, EventSource, TraceError, TraceMeta};

mod ahead;
mod config;
pub mod contention;
pub mod deadlock;
pub mod discipline;
pub mod feasibility;
pub mod graphs;
pub mod held_across_await;
mod histogram;
mod live_notes;
pub mod lock_order;
pub mod lost_update;
mod names;
pub mod race;
#[cfg(test)]
#[allow(dead_code)] // Shared by every analysis's tests; each uses a part.
pub(crate) mod testkit;
pub mod transient_deadlock;
mod unseen;
mod wait_cycle;
pub mod witness;

pub use config::Config;
pub use live_notes::LiveNotes;

/// Most distinct findings one analysis keeps per kind and trace where one
/// bug can show at many places (racy site pairs, lost-update site pairs):
/// past it, occurrences of new ones are counted and reported in the
/// limits, so memory stays bounded however many distinct sites a trace
/// has (each finding keeps names, steps and examples: a few KB).
pub const MAX_DISTINCT: usize = 10_000;

/// The limit line for `n` occurrences of `what` past [`MAX_DISTINCT`].
fn unkept_message(kind: &str, trace: &str, what: &str, n: u64) -> String {
    format!(
        "{kind}: {trace}: more than {MAX_DISTINCT} distinct {what}; {n} occurrence(s) of further \
         ones were counted, not reported"
    )
}

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

/// One analysis: a visitor over the event stream that adds what it finds
/// to a [`Findings`] collector.
pub trait Analysis {
    /// Sees one event with the state before it.
    fn on_event(&mut self, cx: &Context<'_>, ev: &Event, found: &mut Findings);

    /// The end of one trace: `cx.state` is the final state and `cx.index`
    /// the number of events. Adds the findings of this trace.
    fn end_trace(&mut self, cx: &Context<'_>, found: &mut Findings);

    /// Whether the analysis takes [`Analysis::prefetch`] hints: the driver
    /// reads ahead of the events it analyzes only when one does.
    fn prefetches(&self) -> bool {
        false
    }

    /// A hint for an event [`on_event`](Analysis::on_event) sees soon: first
    /// [`ahead::LOOKAHEAD`] events before it (`near == false`), then half
    /// that (`near == true`). The analysis may ask for the memory the event
    /// will touch (first what it can locate without a cache miss, then,
    /// near, what that memory points to); it must not change anything the
    /// analysis finds.
    fn prefetch(&self, _ev: &Event, _near: bool) {}

    /// After the last trace: adds findings that need every trace, and
    /// returns statistics and limits hit.
    fn finish(&mut self, _config: &Config, _found: &mut Findings) -> Finished {
        Finished::default()
    }
}

/// What [`Analysis::finish`] returns besides findings: statistics and
/// limits hit.
#[derive(Debug, Default)]
pub struct Finished {
    pub stats: Vec<LockStats>,
    pub thread_stats: Vec<ThreadStats>,
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

/// The default analyses fall into independent parts: no analysis of one
/// part reads what an analysis of another finds, and each kind of finding
/// comes from one part only. So a pass per part over the same inputs, the
/// reports merged in [`Part::ALL`] order ([`Report::merge`]), gives the
/// report of one pass over every analysis ([`analyze`]); a caller with
/// threads to spare runs the parts side by side ([`analyze_part`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Locks and threads: deadlocks, lock order, discipline, contention,
    /// transient deadlocks, locks held across an await, and the live
    /// checks' notes (which leave out what the deadlock and lock-order
    /// analyses found, so they share this part).
    Locks,
    /// Tracked variables: lost updates and data races.
    Accesses,
}

impl Part {
    /// Every part, in the order their findings and limits are merged.
    pub const ALL: [Part; 2] = [Part::Locks, Part::Accesses];

    /// Whether this part's analyses act on `ev`. A pass of a part over
    /// inputs none of whose events it acts on finds nothing and hits no
    /// limit, so a caller whose reading saw no such event may leave the
    /// pass out.
    pub fn acts_on(self, ev: &Event) -> bool {
        match self {
            Part::Locks => true,
            Part::Accesses => ev.kind.var().is_some(),
        }
    }

    /// This part's analyses, in the order they see each event.
    pub fn analyses(self, _config: &Config) -> Vec<Box<dyn Analysis>> {
        match self {
            Part::Locks => vec![
                Box::new(deadlock::Deadlocks::default()),
                Box::new(lock_order::LockOrder::new()),
                Box::new(discipline::Discipline::default()),
                Box::new(contention::Contention::new()),
                Box::new(transient_deadlock::TransientDeadlocks::new()),
                Box::new(held_across_await::HeldAcrossAwait::default()),
                Box::new(LiveNotes::default()),
            ],
            Part::Accesses => vec![
                Box::new(lost_update::LostUpdates::new()),
                Box::new(race::Races::new()),
            ],
        }
    }
}

/// Every analysis, in the order they see each event: the parts'
/// analyses in [`Part::ALL`] order.
pub fn default_analyses(config: &Config) -> Vec<Box<dyn Analysis>> {
    Part::ALL
        .into_iter()
        .flat_map(|part| part.analyses(config))
        .collect()
}

/// Runs every analysis over `inputs`, one streaming pass each.
///
/// Returns an error only when an input cannot be read; what the analyses
/// find is in the [`Report`].
pub fn analyze(inputs: Vec<Input<'_>>, config: &Config) -> Result<Report, TraceError> {
    run_boxed(inputs, config, default_analyses(config))
}

/// Runs one [`Part`]'s analyses over `inputs`, one streaming pass each:
/// [`Report::merge`] of every part's report over the same inputs is what
/// [`analyze`] returns.
pub fn analyze_part(
    inputs: Vec<Input<'_>>,
    config: &Config,
    part: Part,
) -> Result<Report, TraceError> {
    run_boxed(inputs, config, part.analyses(config))
}

fn run_boxed(
    inputs: Vec<Input<'_>>,
    config: &Config,
    mut analyses: Vec<Box<dyn Analysis>>,
) -> Result<Report, TraceError> {
    let mut refs: Vec<&mut dyn Analysis> = analyses
        .iter_mut()
        .map(|a| {
            let a: &mut dyn Analysis = a.as_mut();
            a
        })
        .collect();
    run(inputs, config, &mut refs)
}

/// Runs `analyses` over `inputs`, one streaming pass each, and collects
/// what they find and measure.
pub fn run(
    inputs: Vec<Input<'_>>,
    config: &Config,
    analyses: &mut [&mut dyn Analysis],
) -> Result<Report, TraceError> {
    let mut found = Findings::new();
    let mut report = Report::default();
    for (trace, mut input) in inputs.into_iter().enumerate() {
        let source = input.source.as_mut();
        let summary = analyze_trace(trace, &input.name, source, config, analyses, &mut found)?;
        report.traces.push(summary);
    }
    found.set_trace(None);
    for analysis in analyses.iter_mut() {
        let done = analysis.finish(config, &mut found);
        report.stats.extend(done.stats);
        report.thread_stats.extend(done.thread_stats);
        report.limits.extend(done.limits);
    }
    report.findings = found.into_vec();
    report.sort();
    Ok(report)
}

/// Streams one trace through replay and `analyses`: each event is shown to
/// every analysis with the state before it, then applied; at the end each
/// analysis adds its per-trace findings to `found` (attributed to `name`).
/// This is what [`run`] does for each input; benchmarks call it directly.
pub fn analyze_trace(
    trace: usize,
    name: &str,
    source: &mut dyn EventSource,
    config: &Config,
    analyses: &mut [&mut dyn Analysis],
    found: &mut Findings,
) -> Result<TraceSummary, TraceError> {
    found.set_trace(Some(name));
    let mut state = Replay::new();
    let mut index = 0u64;
    let (mut first_time, mut last_time) = (None, 0);
    let mut ahead = ahead::Ahead::default();
    while let Some(ev) = ahead.next(source, analyses)? {
        let cx = Context {
            trace,
            trace_name: name,
            index,
            meta: source.meta(),
            state: &state,
            config,
        };
        for analysis in analyses.iter_mut() {
            analysis.on_event(&cx, &ev, found);
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
    for analysis in analyses.iter_mut() {
        analysis.end_trace(&cx, found);
    }
    Ok(TraceSummary {
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
        truncated: meta.truncated,
        test: meta.header.test.clone(),
    })
}
