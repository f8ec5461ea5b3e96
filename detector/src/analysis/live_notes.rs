//! Findings the runtime's live checks wrote into the trace as notes.
//!
//! When a program runs with lockscope's instrumented locks, the live checks
//! (watchdog, self-deadlock check, sorted `acquire` helper) write what they
//! detect as a `note` record of kind `deadlock`, `self_deadlock`,
//! `lock_order` or `recursive_read`, with the full report as its text. A
//! note is evidence from the run itself, even when the events around it
//! were cut short (a timed-out lock, a killed process), so the offline
//! report repeats it: [`finding`] turns one into a [`Finding`] of the
//! matching kind whose title is the report's first line.

use super::describe;
use crate::report::{Finding, FindingKind};
use crate::trace::{Event, NoteId, TraceMeta};

/// The finding kind for a runtime note kind, if it is one of the live
/// checks' and the events cannot show it by themselves. A
/// `potential_deadlock` note (the learned lock order closed a cycle) is not
/// repeated: the lock-order analysis finds the same inversion from the
/// recorded acquisitions, with both sites and a feasibility grade.
pub fn kind(note_kind: &str) -> Option<FindingKind> {
    Some(match note_kind {
        "deadlock" | "self_deadlock" => FindingKind::Deadlock,
        "lock_order" => FindingKind::LockOrderViolation,
        "recursive_read" => FindingKind::RecursiveRead,
        _ => return None,
    })
}

/// The finding for note `note` written by event `index`, if it is a live
/// check's report.
pub fn finding(meta: &TraceMeta, index: u64, ev: &Event, note: NoteId) -> Option<Finding> {
    let n = meta.note(note);
    let kind = kind(&n.kind)?;
    let first = n.text.lines().next().unwrap_or("").trim();
    let first = first.strip_prefix("lockscope: ").unwrap_or(first);
    let title = format!("{first} (reported live by the runtime)");
    let mut f = Finding::new(kind, title, &[&n.kind, first]);
    f.threads = vec![describe::thread(meta, ev.thread)];
    f.steps = vec![describe::step(
        meta,
        index,
        ev.thread,
        ev.site,
        format!("the runtime's live check wrote a {} report", n.kind),
    )];
    f.notes = n
        .text
        .lines()
        .map(str::to_owned)
        .filter(|l| !l.is_empty())
        .collect();
    Some(f)
}

#[cfg(test)]
mod tests {
    use crate::analysis::testkit::{titles, TraceBuilder};
    use crate::report::FindingKind;
    use crate::trace::{EventKind, Note};

    #[test]
    fn live_reports_become_findings_of_their_kind() {
        let mut b = TraceBuilder::lockscope();
        for (kind, text) in [
            ("self_deadlock", "lockscope: self-deadlock: thread `main` (1) blocks on `lock`, which it already holds\n\ndetails"),
            ("lock_order", "lockscope: lock order: `b` (rank 2) taken after `a` (rank 3)"),
            ("potential_deadlock", "lockscope: potential deadlock: lock-order inversion `a` -> `b` -> `a`"),
            ("progress", "not a live check"),
        ] {
            let note = b.note(Note {
                kind: kind.to_owned(),
                text: text.to_owned(),
            });
            b.push("main", "", EventKind::Note { note });
        }
        let report = b.analyze();
        assert_eq!(
            titles(&report, FindingKind::Deadlock),
            ["self-deadlock: thread `main` (1) blocks on `lock`, which it already holds (reported live by the runtime)"]
        );
        assert_eq!(
            titles(&report, FindingKind::LockOrderViolation),
            ["lock order: `b` (rank 2) taken after `a` (rank 3) (reported live by the runtime)"]
        );
        assert_eq!(report.findings.len(), 2);
    }
}
