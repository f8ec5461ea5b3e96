//! One finding as the page shows it: facts, steps with their sites
//! and source lines, the lockdep scenario, the lock cycle, and the
//! timeline segments that hold its steps.
//!
//! Every sentence comes from the detector's wording module: a step's through
//! [`step_text`], the scenario's rows through [`scenario_rows`].

use lockscope_detector::finding::{wording, Finding, FindingKind, Scenario, Step};

use super::model::{
    CycleEdge, CycleView, FindingView, Occurrence, ScenarioRow, ScenarioView, StepView,
};
use super::segments::Segments;
use super::source::Sources;
use crate::gate::{Disposition, Status};
use crate::render::events::{obj, thread};
use crate::render::Ctx;

/// What a step says happened, in words.
pub fn step_text(step: &Step) -> String {
    wording::step(step)
}

/// The lockdep scenario's columns and rows.
pub fn scenario_rows(scenario: &Scenario) -> ScenarioView {
    ScenarioView {
        threads: scenario.threads.clone(),
        rows: scenario
            .rows
            .iter()
            .map(|row| ScenarioRow {
                column: row.column,
                text: wording::op(&row.op),
            })
            .collect(),
    }
}

/// The index in `cx.report.traces` of the trace `f` comes from.
pub fn trace_index(cx: &Ctx<'_>, f: &Finding) -> Option<usize> {
    let traces = &cx.report.traces;
    match f.steps_trace() {
        Some(name) => traces.iter().position(|t| t.name == name),
        None => (traces.len() == 1).then_some(0),
    }
}

/// The view of finding `index` of the report.
pub fn view(
    cx: &Ctx<'_>,
    index: usize,
    segs: &Segments<'_>,
    sources: &mut Sources<'_>,
) -> FindingView {
    let f = &cx.report.findings[index];
    let d = &cx.verdict.dispositions[index];
    let trace = trace_index(cx, f);
    let steps = f
        .steps
        .iter()
        .map(|s| StepView {
            thread: s.thread.clone(),
            text: step_text(s),
            site: s.site.as_deref().map(|x| cx.root.relative_site(x)),
            source: s.site.as_deref().and_then(|x| sources.line(x)),
            event: s.event,
            time: s.event.zip(trace).and_then(|(e, t)| segs.time_of(t, e)),
        })
        .collect();
    let mut segments: Vec<usize> = trace
        .map(|t| {
            let events = f.steps.iter().filter_map(|s| s.event);
            events
                .filter_map(|e| segs.covering(t, e).map(|(i, _)| i))
                .collect()
        })
        .unwrap_or_default();
    segments.sort_unstable();
    segments.dedup();
    FindingView {
        kind: f.kind.as_str(),
        severity: f.severity.as_str(),
        level: d.level.as_str(),
        status: status(d),
        title: cx.with_words(|w| wording::title(f, w)),
        fingerprint: f.fingerprint.clone(),
        count: usize::try_from(f.occurrences).unwrap_or(usize::MAX),
        trace: f.steps_trace().map(str::to_owned),
        threads: f.threads.clone(),
        locks: f.primitives.clone(),
        vars: f.vars.clone(),
        grade: f.grade.map(|g| g.as_str()),
        steps,
        scenario: f.scenario.as_ref().map(scenario_rows),
        cycle: trace.and_then(|t| cycle(f, t, segs)),
        no_timeline: no_timeline(cx, f, trace, segments.is_empty(), segs),
        segments,
        others: f
            .examples
            .iter()
            .filter_map(|steps| steps.last())
            .map(|s| Occurrence {
                thread: s.thread.clone(),
                site: s.site.as_deref().map(|x| cx.root.relative_site(x)),
                event: s.event,
            })
            .collect(),
    }
}

fn status(d: &Disposition) -> String {
    match &d.status {
        Status::New => "new".to_owned(),
        Status::Baselined => "baselined".to_owned(),
        Status::Suppressed { reason } => format!("suppressed: {reason}"),
    }
}

/// Why a finding has no timeline, when it has none.
fn no_timeline(
    cx: &Ctx<'_>,
    f: &Finding,
    trace: Option<usize>,
    none: bool,
    segs: &Segments<'_>,
) -> Option<String> {
    if !none {
        return None;
    }
    if f.steps.iter().all(|s| s.event.is_none()) {
        return Some("its steps name no trace event".to_owned());
    }
    let Some(t) = trace else {
        return Some("its trace is not among the analyzed ones".to_owned());
    };
    if segs.meta(t).is_none() {
        return Some("no timeline for its trace (see the trace's note)".to_owned());
    }
    Some(format!(
        "the page's size limit was reached before its events; draw them with \
         `lockscope timeline {} --around-finding {} -o timeline.json`",
        cx.report.traces[t].name, f.fingerprint
    ))
}

/// For a deadlock or a predicted one, the lock cycle: an edge from each lock
/// a step's thread held to the lock that step took or waited for, read from
/// the timeline's spans that begin at the step's event.
pub fn cycle(f: &Finding, trace: usize, segs: &Segments<'_>) -> Option<CycleView> {
    if !matches!(
        f.kind,
        FindingKind::Deadlock | FindingKind::PotentialDeadlock
    ) {
        return None;
    }
    let meta = segs.meta(trace)?;
    let locks = f.primitives.clone();
    let at = |name: &str| locks.iter().position(|l| l == name);
    let mut edges = Vec::new();
    for step in &f.steps {
        let Some(e) = step.event else { continue };
        let Some((_, view)) = segs.covering(trace, e) else {
            continue;
        };
        let spans = view
            .started_at(e)
            .filter(|s| thread(meta, s.thread) == step.thread);
        for span in spans {
            let Some(to) = span.obj().and_then(|o| at(&obj(meta, o))) else {
                continue;
            };
            for &held in &span.held {
                let Some(from) = at(&obj(meta, held)) else {
                    continue;
                };
                let edge = CycleEdge {
                    from,
                    to,
                    thread: step.thread.clone(),
                };
                if !edges.contains(&edge) {
                    edges.push(edge);
                }
            }
        }
    }
    (!edges.is_empty()).then_some(CycleView { locks, edges })
}
