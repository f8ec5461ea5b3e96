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
//! A deadlock is reported once: a potential deadlock whose lock set is
//! that of a deadlock the runtime reported in the same trace is that
//! deadlock's inversion (the learned order saw it just before the threads
//! blocked for good; the trace shows the requests the watchdog's verdict
//! ended), and the deadlock, which names the same threads, locks and sites
//! with lockdep's scenario, stands for both. A potential deadlock the
//! trace shows is withdrawn only when no other trace has it.
//!
//! What a live check reported fails the gate as it did while the program
//! ran: the findings that show it are marked live and get the live
//! finding's severity (an inversion the trace grades unconfirmed, which
//! alone would only warn, is still an error once the runtime reported it).
//!
//! Everything else a live check reports becomes a finding of its kind.
//!
//! A note that is not a finding in this form (another kind, or text that
//! does not parse as a finding of that kind) is not a live check's report
//! and is left alone.
//!
//! # Performance
//! Notes are rare; each is parsed once. Memory: one entry per distinct
//! live finding of the current trace.

use std::collections::BTreeMap;

use super::{Analysis, Context};
use crate::finding::{Detail, End, Finding, FindingId, FindingKind, Findings};
use crate::trace::{Event, EventKind, NoteId, TraceMeta};

/// The live-notes analysis. Runs after the others: it leaves out what they
/// found.
#[derive(Debug, Default)]
pub struct LiveNotes {
    /// This trace's live findings, one per fingerprint.
    pending: Vec<Finding>,
}

impl Analysis for LiveNotes {
    fn on_event(&mut self, cx: &Context<'_>, ev: &Event, _found: &mut Findings) {
        let EventKind::Note { note } = ev.kind else {
            return;
        };
        let Some(f) = finding(cx.meta, note) else {
            return;
        };
        match self
            .pending
            .iter_mut()
            .find(|p| p.fingerprint == f.fingerprint)
        {
            Some(p) => p.occurrences += f.occurrences,
            None => self.pending.push(f),
        }
    }

    fn end_trace(&mut self, cx: &Context<'_>, found: &mut Findings) {
        let shown = Shown::of(found, cx.trace_name);
        let pending = std::mem::take(&mut self.pending);
        let deadlocked: Vec<Vec<String>> = pending
            .iter()
            .filter(|f| f.kind == FindingKind::Deadlock)
            .map(lock_set)
            .collect();
        let inversions = shown
            .cycles
            .iter()
            .filter(|(locks, _)| deadlocked.contains(locks))
            .flat_map(|(_, ids)| ids.iter().copied());
        for id in inversions {
            if found.get(id).origins.len() == 1 {
                found.withdraw(id);
            }
        }
        for f in pending {
            if f.kind == FindingKind::PotentialDeadlock && deadlocked.contains(&lock_set(&f)) {
                continue;
            }
            match shown.covers(&f) {
                Some(ids) => {
                    for id in ids {
                        found.mark_live(id, f.severity);
                    }
                }
                None => {
                    found.add(f);
                }
            }
        }
    }
}

/// The finding note `note` reports, if it is a live check's report.
pub fn finding(meta: &TraceMeta, note: NoteId) -> Option<Finding> {
    let n = meta.note(note);
    let kind = FindingKind::parse(&n.kind);
    let parsed = n
        .text
        .trim_start()
        .starts_with('{')
        .then(|| serde_json::from_str::<Finding>(&n.text).ok())
        .flatten()
        .filter(|f| Some(f.kind) == kind);
    let mut f = parsed?;
    f.live = true;
    f.origins.clear();
    Some(f)
}

/// What the trace's own events already show, from the findings of this
/// trace.
struct Shown {
    /// Threads on a deadlock the trace ends in or shows (a self-deadlock),
    /// with the findings that show them.
    deadlocked: BTreeMap<String, Vec<FindingId>>,
    /// Lock sets of potential deadlocks, with their findings.
    cycles: BTreeMap<Vec<String>, Vec<FindingId>>,
}

impl Shown {
    fn of(found: &Findings, trace: &str) -> Self {
        let mut shown = Shown {
            deadlocked: BTreeMap::new(),
            cycles: BTreeMap::new(),
        };
        for (id, f) in found
            .with_ids()
            .filter(|(_, f)| !f.live && f.found_in(trace))
        {
            match (&f.detail, f.kind) {
                (
                    Detail::Deadlock {
                        end: End::Hung | End::Returned,
                        ..
                    },
                    _,
                ) => {
                    for t in &f.threads {
                        shown.deadlocked.entry(t.clone()).or_default().push(id);
                    }
                }
                (_, FindingKind::PotentialDeadlock) => {
                    shown.cycles.entry(lock_set(f)).or_default().push(id);
                }
                _ => {}
            }
        }
        shown
    }

    /// The findings of the trace that already show live finding `f`;
    /// `None` when none does.
    fn covers(&self, f: &Finding) -> Option<Vec<FindingId>> {
        let ids = match f.kind {
            FindingKind::Deadlock => {
                let mut ids = Vec::new();
                for t in &f.threads {
                    ids.extend(self.deadlocked.get(t)?);
                }
                ids.sort_unstable();
                ids.dedup();
                ids
            }
            FindingKind::PotentialDeadlock => self.cycles.get(&lock_set(f))?.clone(),
            _ => return None,
        };
        (!ids.is_empty()).then_some(ids)
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
