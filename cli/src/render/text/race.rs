//! ThreadSanitizer's race layout for `data_race` findings.

use std::fmt::Write as _;

use lockscope_detector::report::{Finding, FindingKind, Step};

use super::{backtrace, site_line, BOLD, RED};
use crate::render::Ctx;

/// ThreadSanitizer's layout: the current access, the previous conflicting
/// one(s), where the threads were created, then a one-line SUMMARY.
///
/// The race analysis words its steps as TSan does (`Write of x by thread
/// T2`, `Previous read of x by thread T1`) and adds `Thread T2 created at
/// ...` and `SUMMARY: ...` notes; steps worded otherwise are taken as
/// previous accesses in trace order, the last one being current.
pub(super) fn race(out: &mut String, cx: &Ctx<'_>, f: &Finding) {
    let (mut previous, mut current): (Vec<&Step>, Vec<&Step>) =
        f.steps.iter().partition(|s| s.what.starts_with("Previous"));
    if previous.is_empty() {
        previous = current;
        current = previous.pop().into_iter().collect();
    }
    let _ = writeln!(out, "  {RED}WARNING: lockscope: data race{RED:#}");
    let access = |out: &mut String, s: &Step, prefix: &str| {
        let what = if s.what.contains(" by thread ") {
            format!("{prefix}{}", s.what)
        } else {
            format!("{prefix}{} by thread {}", s.what, s.thread)
        };
        let what = if prefix.is_empty() { cap(&what) } else { what };
        let _ = writeln!(out, "    {BOLD}{what}{BOLD:#}:");
        let _ = writeln!(out, "      {}", site_line(cx, s));
        backtrace(out, cx, s, "        ");
    };
    for s in &current {
        access(out, s, "");
    }
    for s in previous.iter().rev() {
        out.push('\n');
        let prefix = if s.what.starts_with("Previous") {
            ""
        } else {
            "Previous "
        };
        access(out, s, prefix);
    }
    let created: Vec<&String> = f.notes.iter().filter(|n| is_created_note(n)).collect();
    if !created.is_empty() {
        out.push('\n');
    }
    for n in created {
        let _ = writeln!(out, "    {}", cx.root.relative_site_in(n));
    }
    let summary = match f.notes.iter().find_map(|n| n.strip_prefix("SUMMARY: ")) {
        Some(s) => cx.root.relative_site_in(s),
        None => {
            let site = current
                .first()
                .and_then(|s| s.site.as_deref())
                .map_or_else(|| "unknown site".to_owned(), |x| cx.root.relative_site(x));
            format!("data race {site} in {}", f.vars.join(", "))
        }
    };
    let _ = writeln!(out, "\n  SUMMARY: lockscope: {summary}");
}

/// Notes the race body prints itself.
fn is_created_note(note: &str) -> bool {
    note.starts_with("Thread ") && note.contains(" created at ")
}

pub(super) fn in_body(kind: FindingKind, note: &str) -> bool {
    kind == FindingKind::DataRace && (note.starts_with("SUMMARY: ") || is_created_note(note))
}

fn cap(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or_else(String::new, |h| h.to_uppercase().chain(c).collect())
}
