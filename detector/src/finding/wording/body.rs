//! A finding's body: its steps, laid out for its kind (ThreadSanitizer's
//! race block for a data race, the numbered accesses of a lost update, one
//! entry per step otherwise), then its scenario table.

use crate::finding::detail::Detail;
use crate::finding::model::Finding;
use crate::finding::step::{Access, Role, Step};
use crate::finding::FindingKind;

use super::lines::{Emphasis, Line};
use super::scenario::scenario;
use super::step::step;
use super::Words;

/// The body of `f`.
pub fn body(f: &Finding, w: &Words<'_>) -> Vec<Line> {
    let mut out = match (&f.detail, f.kind) {
        (Detail::DataRace { var }, _) => race(var, &f.steps, w),
        (_, FindingKind::LostUpdate) => numbered(&f.steps, w),
        _ => steps(&f.steps, w),
    };
    if let Some(s) = &f.scenario {
        out.push(Line::blank());
        out.extend(scenario(s));
    }
    out
}

/// One entry per step: `T1: acquired L1`, then where.
pub fn steps(steps: &[Step], w: &Words<'_>) -> Vec<Line> {
    let mut out = Vec::new();
    for s in steps {
        out.push(
            Line::styled(0, Emphasis::Strong, s.thread.as_str())
                .then(Emphasis::Plain, format!(": {}", step(s))),
        );
        located(&mut out, s, 4, w);
    }
    out
}

/// Steps numbered from 1 (the accesses of a lost update).
fn numbered(steps: &[Step], w: &Words<'_>) -> Vec<Line> {
    let mut out = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        out.push(
            Line::plain(0, format!("{}. ", i + 1))
                .then(Emphasis::Strong, s.thread.as_str())
                .then(Emphasis::Plain, format!(": {}", step(s))),
        );
        located(&mut out, s, 5, w);
    }
    out
}

/// `at SITE (event N)` at `indent`, then the backtrace if shown.
fn located(out: &mut Vec<Line>, s: &Step, indent: usize, w: &Words<'_>) {
    let mut line = Line::plain(indent, format!("at {}", w.site(s.site.as_deref())));
    if let Some(e) = s.event {
        line = line.then(Emphasis::Faint, format!(" (event {e})"));
    }
    out.push(line);
    if w.backtraces {
        for (i, frame) in s.backtrace.iter().enumerate() {
            out.push(Line::plain(indent + 2, format!("#{i} {frame}")));
        }
    }
}

/// ThreadSanitizer's layout: the current access, the previous one, where
/// the threads were created, then a one-line summary.
fn race(var: &str, steps: &[Step], w: &Words<'_>) -> Vec<Line> {
    let access = |s: &Step| match &s.role {
        Role::Read { .. } => Some("Read"),
        Role::Wrote { .. } => Some("Write"),
        Role::PreviousAccess {
            access: Access::Read,
            ..
        } => Some("Previous read"),
        Role::PreviousAccess {
            access: Access::Write,
            ..
        } => Some("Previous write"),
        _ => None,
    };
    let mut out = vec![Line::styled(
        0,
        Emphasis::Alarm,
        "WARNING: lockscope: data race",
    )];
    let accesses: Vec<(&Step, &str)> = steps
        .iter()
        .filter_map(|s| access(s).map(|a| (s, a)))
        .collect();
    for (i, (s, what)) in accesses.iter().enumerate() {
        if i > 0 {
            out.push(Line::blank());
        }
        let text = format!("{what} of {var} by thread {}:", s.thread);
        out.push(Line::styled(2, Emphasis::Strong, text));
        located(&mut out, s, 4, w);
    }
    let created: Vec<&Step> = steps.iter().filter(|s| s.role == Role::Created).collect();
    if !created.is_empty() {
        out.push(Line::blank());
    }
    for s in created {
        let text = format!(
            "Thread {} created at {}",
            s.thread,
            w.site(s.site.as_deref())
        );
        out.push(Line::plain(2, text));
    }
    let at: Vec<String> = accesses
        .iter()
        .map(|(s, _)| w.site(s.site.as_deref()))
        .collect();
    out.push(Line::blank());
    out.push(Line::plain(
        0,
        format!(
            "SUMMARY: lockscope: data race on {var} at {}",
            at.join(" and ")
        ),
    ));
    out
}
