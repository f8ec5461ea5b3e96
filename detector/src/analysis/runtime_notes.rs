//! The runtime's live findings, written into the trace as `note` events,
//! turned into findings where the events alone cannot show them.
//!
//! | note kind | what the runtime found | reported here as |
//! |---|---|---|
//! | `lock_order`, text `Lock Order Violation at SITE: ...` | the `acquire` helper refused a request breaking the sorted-id rule (nothing was locked, so no event shows it) | [`LockOrderViolation`](FindingKind::LockOrderViolation) |
//! | `lock_order`, any other text | a lock-order inversion learned live | nothing: [`super::lock_order`] finds it from the events |
//! | `deadlock`, `self_deadlock` | the watchdog's or the blocking check's live report | nothing: [`super::deadlock`] (still blocked at the end) or [`super::transient_deadlock`] (broken, with the note's first line attached) report it from the events |
//! | `recursive_read` | a read lock re-taken while a writer waits | nothing: [`super::discipline`] reports it from the events |
//! | anything else | | nothing |
//!
//! A violation finding is titled with the thread and the note's first
//! line up to the advice (`main: Lock Order Violation at SITE: the thread
//! holds ...`), keeps the whole note text as a note, and has one step per
//! lock the thread holds (its acquisition site, from the replay state) and
//! one for the refused call at the site parsed from the note (the note
//! event itself carries no site). Lock names are the back-quoted names of
//! the note text. The fingerprint hashes the call site and the sorted names
//! of the locks held; each distinct one is reported once per trace with the
//! number of times it happened.
//!
//! # Performance
//! Work only at note events: O(length of the note + locks held).

use std::collections::HashMap;

use super::describe;
use super::{Analysis, Context};
use crate::report::{Finding, FindingKind, Step};
use crate::trace::{Event, EventKind};

/// The note kind the `acquire` helper and the learned order write.
const LOCK_ORDER: &str = "lock_order";
/// How the `acquire` helper's violations start.
const VIOLATION_PREFIX: &str = "Lock Order Violation at ";

/// The runtime-notes analysis.
#[derive(Debug, Default)]
pub struct RuntimeNotes {
    found: Vec<(Finding, u64)>,
    by_fingerprint: HashMap<String, usize>,
}

impl RuntimeNotes {
    pub fn new() -> Self {
        RuntimeNotes::default()
    }

    fn report(&mut self, f: Finding) {
        match self.by_fingerprint.get(&f.fingerprint) {
            Some(&i) => self.found[i].1 += 1,
            None => {
                self.by_fingerprint
                    .insert(f.fingerprint.clone(), self.found.len());
                self.found.push((f, 1));
            }
        }
    }
}

impl Analysis for RuntimeNotes {
    fn on_event(&mut self, cx: &Context<'_>, ev: &Event) {
        let EventKind::Note { note } = ev.kind else {
            return;
        };
        let note = cx.meta.note(note);
        if note.kind == LOCK_ORDER && note.text.starts_with(VIOLATION_PREFIX) {
            self.report(violation(cx, ev, &note.text));
        }
    }

    fn end_trace(&mut self, _cx: &Context<'_>) -> Vec<Finding> {
        self.by_fingerprint.clear();
        std::mem::take(&mut self.found)
            .into_iter()
            .map(|(mut f, times)| {
                if times > 1 {
                    f.notes.push(format!("happened {times} times in the run"));
                }
                f
            })
            .collect()
    }
}

/// The call site in `Lock Order Violation at SITE: ...`.
fn call_site(text: &str) -> Option<&str> {
    let rest = text.strip_prefix(VIOLATION_PREFIX)?;
    rest.split_once(": ").map(|(site, _)| site)
}

/// The back-quoted names in `text`, first occurrence order, no repeats.
fn quoted_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in text.split('`').skip(1).step_by(2) {
        if !name.is_empty() && !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    names
}

fn violation(cx: &Context<'_>, ev: &Event, text: &str) -> Finding {
    let meta = cx.meta;
    let thread = describe::thread(meta, ev.thread);
    let first_line = text.lines().next().unwrap_or_default();
    let head = first_line.split_once("; ").map_or(first_line, |(h, _)| h);
    let site = call_site(text).map(str::to_owned);
    let held = &cx.state.thread(ev.thread).held;
    let mut held_names: Vec<String> = held.iter().map(|h| describe::prim(meta, h.obj)).collect();
    let mut steps: Vec<Step> = held
        .iter()
        .zip(&held_names)
        .map(|(h, name)| {
            describe::step(meta, h.since, ev.thread, h.site, format!("acquired {name}"))
        })
        .collect();
    steps.push(Step {
        event: Some(cx.index),
        thread: thread.clone(),
        site: site.clone().or_else(|| describe::site(meta, ev.site)),
        what: "acquire(...) refused: the request breaks the sorted-id order".to_owned(),
        backtrace: Vec::new(),
    });
    held_names.sort();
    let call = site.unwrap_or_else(|| "?".to_owned());
    let identity: Vec<&str> = std::iter::once(call.as_str())
        .chain(held_names.iter().map(String::as_str))
        .collect();
    let mut f = Finding::new(
        FindingKind::LockOrderViolation,
        format!("{thread}: {head}"),
        &identity,
    );
    f.threads = vec![thread];
    f.primitives = quoted_names(text);
    f.steps = steps;
    f.notes.push(text.to_owned());
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Lock Order Violation at src/a.rs:43:11: the thread holds mutex `y` \
        (#2, created at src/a.rs:20:22) (acquired at src/a.rs:42:22, order key (2, 2)), which \
        must sort before every requested lock, but it requests mutex `x` (#1, created at \
        src/a.rs:19:22) (order key (1, 1)); take all of them in one acquire call";

    #[test]
    fn the_call_site_is_parsed_from_the_first_words() {
        assert_eq!(call_site(TEXT), Some("src/a.rs:43:11"));
        assert_eq!(call_site("something else"), None);
    }

    #[test]
    fn quoted_names_are_the_locks_in_order() {
        assert_eq!(quoted_names(TEXT), ["y", "x"]);
        assert!(quoted_names("no names").is_empty());
    }
}
