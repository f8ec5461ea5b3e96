//! Findings the runtime's live checks wrote into the trace as notes.
//!
//! A live check (the watchdog, the self-deadlock check, the learned lock
//! order, the sorted `acquire` helper) writes what it finds as a `note`
//! whose kind is the [`FindingKind`] wire name and whose text is the
//! finding as JSON, in the same serde form as a finding of the JSON report
//! (docs/trace-format.md, `note_text`). A note is evidence from the run
//! itself, even when the events around it were cut short (a timed-out
//! lock, a killed process), so the offline report repeats it, marked
//! [`live`](Finding::live), unless the trace's own events already show it:
//! - a deadlock whose threads are all on a deadlock the trace ends in (or
//!   a self-deadlock the trace shows);
//! - a potential deadlock whose lock set a potential deadlock found from
//!   the trace's acquisitions already has.
//!
//! Everything else a live check reports becomes a finding of its kind.
//!
//! Traces written before the runtime wrote findings as JSON carry the
//! older plain-text form; module `older` reads it.
//!
//! # Performance
//! Notes are rare; each is parsed once. Memory: one entry per distinct
//! live finding of the current trace.

mod older;

use std::collections::BTreeSet;

use super::{names, Analysis, Context};
use crate::finding::{Detail, End, Finding, FindingKind, Findings};
use crate::trace::{Event, EventKind, NoteId, TraceMeta};

/// The live-notes analysis. Runs after the others: it leaves out what they
/// found.
#[derive(Debug, Default)]
pub struct LiveNotes {
    /// This trace's live findings, by fingerprint, with the name of the
    /// thread that wrote each first.
    pending: Vec<(String, Finding)>,
}

impl Analysis for LiveNotes {
    fn on_event(&mut self, cx: &Context<'_>, ev: &Event, _found: &mut Findings) {
        let EventKind::Note { note } = ev.kind else {
            return;
        };
        let Some(f) = finding(cx.meta, cx.index, ev, note) else {
            return;
        };
        match self
            .pending
            .iter_mut()
            .find(|p| p.1.fingerprint == f.fingerprint)
        {
            Some(p) => p.1.occurrences += f.occurrences,
            None => self.pending.push((names::thread(cx.meta, ev.thread), f)),
        }
    }

    fn end_trace(&mut self, cx: &Context<'_>, found: &mut Findings) {
        let shown = Shown::of(found, cx.trace_name);
        for (writer, f) in std::mem::take(&mut self.pending) {
            if !shown.covers(&writer, &f) {
                found.add(f);
            }
        }
    }
}

/// The finding note `note` (written by event `index`) reports, if it is a
/// live check's report.
pub fn finding(meta: &TraceMeta, index: u64, ev: &Event, note: NoteId) -> Option<Finding> {
    let n = meta.note(note);
    let kind = FindingKind::parse(&n.kind);
    let parsed = n
        .text
        .trim_start()
        .starts_with('{')
        .then(|| serde_json::from_str::<Finding>(&n.text).ok())
        .flatten()
        .filter(|f| Some(f.kind) == kind);
    let mut f = match parsed {
        Some(f) => f,
        None => older::finding(meta, index, ev, n)?,
    };
    f.live = true;
    f.origins.clear();
    Some(f)
}

/// What the trace's own events already show, from the findings of this
/// trace.
struct Shown {
    /// Threads on a deadlock the trace ends in or shows (a self-deadlock).
    deadlocked: BTreeSet<String>,
    /// Lock sets of potential deadlocks.
    cycles: BTreeSet<Vec<String>>,
}

impl Shown {
    fn of(found: &Findings, trace: &str) -> Self {
        let mut shown = Shown {
            deadlocked: BTreeSet::new(),
            cycles: BTreeSet::new(),
        };
        for f in found.iter().filter(|f| !f.live && f.found_in(trace)) {
            match (&f.detail, f.kind) {
                (
                    Detail::Deadlock {
                        end: End::Hung | End::Returned,
                        ..
                    },
                    _,
                ) => {
                    shown.deadlocked.extend(f.threads.iter().cloned());
                }
                (_, FindingKind::PotentialDeadlock) => {
                    shown.cycles.insert(lock_set(f));
                }
                _ => {}
            }
        }
        shown
    }

    /// Whether live finding `f`, written by thread `writer`, is already
    /// shown.
    fn covers(&self, writer: &str, f: &Finding) -> bool {
        match (&f.detail, f.kind) {
            (Detail::LiveText { .. }, FindingKind::Deadlock) => self.deadlocked.contains(writer),
            (_, FindingKind::Deadlock) => {
                !f.threads.is_empty() && f.threads.iter().all(|t| self.deadlocked.contains(t))
            }
            (_, FindingKind::PotentialDeadlock) => self.cycles.contains(&lock_set(f)),
            _ => false,
        }
    }
}

fn lock_set(f: &Finding) -> Vec<String> {
    let mut locks = f.primitives.clone();
    locks.sort();
    locks.dedup();
    locks
}

#[cfg(test)]
mod tests;
