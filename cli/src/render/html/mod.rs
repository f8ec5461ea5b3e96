//! `--format html`: one self-contained page, readable offline from file://.
//!
//! The page holds its styles, its script and its data inline and loads
//! nothing (its Content-Security-Policy forbids every fetch). It shows the
//! summary and the gate's verdict; the findings grouped by kind, collapsed,
//! one entry per fingerprint, each with its steps (sites relative to the
//! repository, source lines where the file reads), grade and fingerprint;
//! for deadlocks and predicted ones the lock cycle as a graph and the
//! lockdep scenario table; a zoomable, scrollable timeline of the threads
//! around each finding, its steps highlighted and linked both ways; and the
//! per-lock contention table, sortable.
//!
//! The data is one JSON value, the [`model::Page`], serialized by serde;
//! the script (`assets/js/`, hand-written, no library) draws it. Lists
//! are drawn when opened, so 10,000 findings cost only their data until
//! someone looks; timelines are windows of the trace around findings (see
//! [`crate::cmd::timeline::around_findings`]), bounded in size, so a trace
//! of millions of events still gives a page a browser opens.

mod finding;
pub mod model;
mod segments;
mod source;

pub use finding::{scenario_rows, step_text};

use lockscope_detector::finding::{wording, FindingKind};
use lockscope_detector::report::Report;
use lockscope_detector::timeline::Timelines;

use self::model::{KindGroup, LockRow, Page, Summary, TraceView};
use self::segments::Segments;
use self::source::Sources;
use super::Ctx;
use crate::gate::Level;

const TEMPLATE: &str = include_str!("assets/page.html");
const STYLE: &str = include_str!("assets/style.css");

/// The page's script: its parts in one block, so they share names but put
/// none on `window`. Hand-written, no library; everything is built with DOM
/// calls, never from HTML strings, so no name in a trace becomes markup.
const SCRIPT: &str = concat!(
    "'use strict';\n{\n",
    include_str!("assets/js/util.js"),
    include_str!("assets/js/summary.js"),
    include_str!("assets/js/findings.js"),
    include_str!("assets/js/cycle.js"),
    include_str!("assets/js/timeline.js"),
    include_str!("assets/js/contention.js"),
    include_str!("assets/js/main.js"),
    "}\n"
);

/// The page. `timelines` has one entry per trace of the report: its
/// windows around findings, or why there are none.
pub fn render(cx: &Ctx<'_>, timelines: &[Result<Timelines, String>]) -> String {
    let page = page(cx, timelines);
    // `<` never appears raw inside the script element, so no `</script>`
    // or `<!--` in the data can end it; `\u003c` is the same JSON string.
    let data = serde_json::to_string(&page)
        .unwrap_or_else(|_| "{}".to_owned())
        .replace('<', "\\u003c");
    fill(&[("style", STYLE), ("data", &data), ("script", SCRIPT)])
}

/// The template with each `<!--NAME-->` slot, in order, replaced once.
fn fill(slots: &[(&str, &str)]) -> String {
    let mut out =
        String::with_capacity(TEMPLATE.len() + slots.iter().map(|s| s.1.len()).sum::<usize>());
    let mut rest = TEMPLATE;
    for (name, value) in slots {
        let marker = format!("<!--{name}-->");
        let (before, after) = rest.split_once(&marker).unwrap_or((rest, ""));
        out.push_str(before);
        out.push_str(value);
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The page model of the whole report.
pub fn page(cx: &Ctx<'_>, timelines: &[Result<Timelines, String>]) -> Page {
    let report = cx.report;
    let segs = Segments::new(report, timelines, cx.root);
    let mut sources = Sources::new(cx.root);
    let findings = (0..report.findings.len())
        .map(|i| finding::view(cx, i, &segs, &mut sources))
        .collect();
    let verdict = cx.verdict;
    Page {
        generator: concat!("lockscope ", env!("CARGO_PKG_VERSION")).to_owned(),
        summary: Summary {
            line: report.summary_line(),
            passed: !verdict.failed(),
            exit_code: verdict.exit_code(),
            tally: verdict.tally(),
            findings: report.findings.iter().map(|f| f.occurrences as usize).sum(),
            distinct: report.findings.len(),
        },
        traces: traces(report, timelines),
        kinds: kinds(cx),
        findings,
        locks: locks(report),
        limits: report.limits.clone(),
        segments: segs.list,
    }
}

fn traces(report: &Report, timelines: &[Result<Timelines, String>]) -> Vec<TraceView> {
    report
        .traces
        .iter()
        .enumerate()
        .map(|(i, t)| TraceView {
            name: t.name.clone(),
            format: t.format.clone(),
            events: t.events,
            threads: t.threads,
            primitives: t.primitives,
            vars: t.vars,
            clock: t.clock.clone(),
            first_time: t.first_time,
            last_time: t.last_time,
            warnings: t.warnings.clone(),
            no_timeline: match timelines.get(i) {
                Some(Ok(_)) => None,
                Some(Err(why)) => Some(why.clone()),
                None => Some("no timeline was built".to_owned()),
            },
        })
        .collect()
}

/// Findings by kind, most severe kind first.
fn kinds(cx: &Ctx<'_>) -> Vec<KindGroup> {
    let findings = &cx.report.findings;
    FindingKind::ALL
        .iter()
        .filter_map(|&kind| {
            let mine: Vec<usize> = (0..findings.len())
                .filter(|&i| findings[i].kind == kind)
                .collect();
            let count: usize = mine.iter().map(|&i| findings[i].occurrences as usize).sum();
            let level = mine
                .iter()
                .map(|&i| cx.verdict.dispositions[i].level)
                .max()
                .unwrap_or(Level::Allow);
            (count > 0).then(|| KindGroup {
                kind: kind.as_str(),
                title: wording::count(kind, count),
                help: wording::help(kind),
                count,
                level: level.as_str(),
                findings: mine,
            })
        })
        .collect()
}

fn locks(report: &Report) -> Vec<LockRow> {
    report
        .stats
        .iter()
        .map(|s| {
            let clock = report.traces.iter().find(|t| *t.name == *s.trace);
            LockRow {
                trace: s.trace.to_string(),
                name: s.name.clone(),
                kind: s.kind.to_string(),
                clock: clock.map_or_else(|| "ns".to_owned(), |t| t.clock.clone()),
                acquisitions: s.acquisitions,
                contended: s.contended,
                wait_total: s.wait_total,
                wait_max: s.wait_max,
                hold_total: s.hold_total,
                hold_max: s.hold_max,
                owner_changes: s.owner_changes,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
