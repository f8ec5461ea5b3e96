//! The reader of the older note form: plain text, the report the runtime
//! printed, under the note kinds `deadlock`, `self_deadlock`, `lock_order`
//! (the `acquire` helper's sorted-id rule) and `recursive_read`. Bundled
//! traces (`examples/traces/`) and traces recorded before the runtime wrote
//! findings as JSON carry it.
//!
//! Such a note becomes a finding whose detail keeps the text's lines
//! ([`Detail::LiveText`]) and whose title is its first line. The older
//! form's `potential_deadlock` notes are not read: their text names no lock
//! set to compare with what the lock-order analysis finds from the same
//! trace's acquisitions (with both sites and a grade), so reading them
//! would report most inversions twice.

use crate::analysis::names;
use crate::finding::{Detail, Finding, FindingKind, Role};
use crate::trace::{Event, Note, TraceMeta};

/// The finding kind of an older-form note kind.
fn kind(note_kind: &str) -> Option<FindingKind> {
    Some(match note_kind {
        "deadlock" | "self_deadlock" => FindingKind::Deadlock,
        "lock_order" => FindingKind::LockOrderViolation,
        "recursive_read" => FindingKind::RecursiveRead,
        _ => return None,
    })
}

/// The finding of older-form note `n`, written by event `index`.
pub(super) fn finding(meta: &TraceMeta, index: u64, ev: &Event, n: &Note) -> Option<Finding> {
    let kind = kind(&n.kind)?;
    let lines: Vec<String> = n.text.lines().map(str::to_owned).collect();
    let first = lines.first().map_or("", |l| l.trim());
    let first = first.strip_prefix("lockscope: ").unwrap_or(first);
    let detail = Detail::LiveText {
        check: n.kind.clone(),
        lines: lines.clone(),
    };
    let mut f = Finding::new(kind, &[&n.kind, first], detail);
    f.threads = vec![names::thread(meta, ev.thread)];
    let role = Role::Reported {
        check: n.kind.clone(),
    };
    f.steps = vec![names::step(
        meta,
        ev.thread,
        (index, Some(ev.time), ev.site),
        role,
    )];
    Some(f)
}
