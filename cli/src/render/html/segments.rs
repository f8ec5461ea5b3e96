//! The detector's timelines around findings, as the page's segments: one
//! per window, tracks named, spans and events in words.

use std::collections::HashMap;

use lockscope_detector::report::Report;
use lockscope_detector::timeline::{Timeline, Timelines, WaitEnd};
use lockscope_detector::trace::{ThreadId, TraceMeta};

use super::model::{EventView, Segment, SpanView};
use crate::render::events::{describe, site, span, thread};
use crate::sites::Root;

/// One trace's tables and its windows, each with its segment index.
type TraceWindows<'a> = (&'a TraceMeta, Vec<(usize, &'a Timeline)>);

/// Every trace's windows as segments, and where each came from.
#[derive(Debug)]
pub struct Segments<'a> {
    pub list: Vec<Segment>,
    /// Per trace (in the report's order): its tables and its windows with
    /// their segment index.
    traces: Vec<Option<TraceWindows<'a>>>,
}

impl<'a> Segments<'a> {
    /// Converts `timelines` (one entry per trace of `report`).
    pub fn new(report: &Report, timelines: &'a [Result<Timelines, String>], root: &Root) -> Self {
        let mut list = Vec::new();
        let mut traces = Vec::new();
        for (trace, built) in timelines.iter().enumerate().take(report.traces.len()) {
            let Ok(built) = built else {
                traces.push(None);
                continue;
            };
            let clock = built.meta.header.clock.as_str();
            let mut views = Vec::new();
            for view in built.views.iter().filter(|v| v.first < v.end) {
                views.push((list.len(), view));
                list.push(segment(trace, clock, &built.meta, view, root));
            }
            traces.push(Some((&built.meta, views)));
        }
        Segments { list, traces }
    }

    /// The trace's tables, if its timelines were built.
    pub fn meta(&self, trace: usize) -> Option<&'a TraceMeta> {
        self.traces.get(trace)?.as_ref().map(|(m, _)| *m)
    }

    /// The segment holding event `index` of `trace`, with its window.
    /// (The windows of a trace are disjoint and in trace order.)
    pub fn covering(&self, trace: usize, index: u64) -> Option<(usize, &'a Timeline)> {
        let (_, views) = self.traces.get(trace)?.as_ref()?;
        let after = views.partition_point(|(_, v)| v.end <= index);
        views.get(after).copied().filter(|(_, v)| v.covers(index))
    }

    /// The time of event `index` of `trace`, when a window holds it.
    pub fn time_of(&self, trace: usize, index: u64) -> Option<u64> {
        let (_, view) = self.covering(trace, index)?;
        view.event(index).map(|e| e.event.time)
    }
}

fn segment(trace: usize, clock: &str, meta: &TraceMeta, view: &Timeline, root: &Root) -> Segment {
    let threads = view.threads();
    let track: HashMap<ThreadId, usize> =
        threads.iter().enumerate().map(|(i, &t)| (t, i)).collect();
    let spans = view
        .spans
        .iter()
        .map(|s| SpanView {
            track: track[&s.thread],
            hold: s.is_hold(),
            label: span(meta, s),
            start: s.start.time,
            start_event: s.start.index,
            end: s.end.map(|e| e.time),
            end_event: s.end.map(|e| e.index),
            outcome: s.outcome.map(|o| match o {
                WaitEnd::Granted => "granted",
                WaitEnd::TimedOut => "timed out",
                WaitEnd::GaveUp => "gave up",
            }),
            blocked_by: s
                .blocked_by
                .iter()
                .filter_map(|t| track.get(t).copied())
                .collect(),
            site: site(meta, root, s.start.site),
        })
        .collect();
    let events = view
        .events
        .iter()
        .map(|e| EventView {
            index: e.index,
            time: e.event.time,
            track: track[&e.event.thread],
            what: describe(meta, &e.event.kind),
            site: site(meta, root, e.event.site),
        })
        .collect();
    Segment {
        trace,
        clock: clock.to_owned(),
        first: view.first,
        end: view.end,
        start_time: view.start_time().unwrap_or(0),
        end_time: view.end_time().unwrap_or(0),
        tracks: threads.iter().map(|&t| thread(meta, t)).collect(),
        spans,
        events,
    }
}
