//! The human report: one block per finding group, most severe first, then
//! the summary and the gate's verdict.
//!
//! A block is headed `error[kind]: title` (the word is the gate's level:
//! `error` for denied, `warning` for warned, `note` for allowed), names the
//! trace, threads, locks and variables, lists the steps with their sites
//! (`file:line:col`, relative to the repository root) and adds a per-kind
//! body: the lockdep-style scenario for deadlocks, the three numbered
//! accesses for lost updates, the ThreadSanitizer layout (current access,
//! previous access, `SUMMARY:`) for races. Findings that share a fingerprint
//! are printed once, with `... and N more like this`; counts stay exact.
//! Allowed and suppressed findings are hidden unless `-v`.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};
use lockscope_detector::report::{Feasibility, Finding, FindingKind, Step};

mod race;
mod scenario;

pub use scenario::scenario;

use self::race::{in_body, race};
use super::{groups, summary_line, Ctx};
use crate::gate::{Disposition, Level, Status};

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const RED: Style = AnsiColor::Red.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const CYAN: Style = AnsiColor::Cyan.on_default().bold();
const GREEN: Style = AnsiColor::Green.on_default().bold();

/// The whole text report.
pub fn render(cx: &Ctx<'_>) -> String {
    let mut out = String::new();
    let mut hidden = 0;
    if !cx.quiet {
        for group in groups(cx.report) {
            let first = group[0];
            let d = &cx.verdict.dispositions[first];
            if !d.shown() && !cx.verbose {
                hidden += group.len();
                continue;
            }
            block(&mut out, cx, &cx.report.findings[first], d);
            let more = group.len() - 1;
            if more > 0 {
                more_line(&mut out, cx, &group[1..]);
            }
            out.push('\n');
        }
        for t in &cx.report.traces {
            for w in &t.warnings {
                let _ = writeln!(out, "{YELLOW}warning{YELLOW:#}: {w}");
            }
        }
        for limit in &cx.report.limits {
            let _ = writeln!(out, "{CYAN}note{CYAN:#}: analysis limit: {limit}");
        }
        if hidden > 0 {
            let _ = writeln!(
                out,
                "{DIM}({hidden} allowed or suppressed finding{} not shown; -v shows them){DIM:#}",
                if hidden == 1 { "" } else { "s" }
            );
        }
    }
    footer(&mut out, cx);
    out
}

/// The summary and gate lines.
pub fn footer(out: &mut String, cx: &Ctx<'_>) {
    let _ = writeln!(out, "{BOLD}{}{BOLD:#}", summary_line(cx.report));
    let t = cx.verdict.tally();
    let mut parts = vec![format!("{} denied", t.denied)];
    for (n, what) in [
        (t.warned, "warned"),
        (t.allowed, "allowed"),
        (t.suppressed, "suppressed"),
        (t.baselined, "in baseline"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    let (style, word) = if cx.verdict.failed() {
        (RED, "FAILED")
    } else {
        (GREEN, "passed")
    };
    let _ = writeln!(out, "gate: {style}{word}{style:#} ({})", parts.join(", "));
}

/// The block of one finding (without the group's "... and N more").
pub fn finding(cx: &Ctx<'_>, index: usize) -> String {
    let mut out = String::new();
    block(
        &mut out,
        cx,
        &cx.report.findings[index],
        &cx.verdict.dispositions[index],
    );
    out
}

fn header_style(level: Level) -> (Style, &'static str) {
    match level {
        Level::Deny => (RED, "error"),
        Level::Warn => (YELLOW, "warning"),
        Level::Allow => (CYAN, "note"),
    }
}

fn block(out: &mut String, cx: &Ctx<'_>, f: &Finding, d: &Disposition) {
    let (style, word) = header_style(d.level);
    let status = match &d.status {
        Status::New => String::new(),
        Status::Baselined => " (in baseline)".to_owned(),
        Status::Suppressed { reason } => format!(" (suppressed: {reason})"),
    };
    let _ = writeln!(
        out,
        "{style}{word}[{}]{style:#}{BOLD}: {}{BOLD:#}{status}",
        f.kind, f.title
    );
    if let Some(trace) = &f.trace {
        let _ = writeln!(out, "  {DIM}-->{DIM:#} {trace}");
    }
    let mut facts = Vec::new();
    for (label, names) in [
        ("threads", &f.threads),
        ("locks", &f.primitives),
        ("vars", &f.vars),
    ] {
        if !names.is_empty() {
            facts.push(format!("{label}: {}", names.join(", ")));
        }
    }
    if let Some(feas) = f.feasibility {
        facts.push(feasibility(feas).to_owned());
    }
    if !facts.is_empty() {
        let _ = writeln!(out, "   = {}", facts.join("; "));
    }
    for note in f.notes.iter().filter(|n| !in_body(f.kind, n)) {
        let _ = writeln!(out, "   = note: {note}");
    }
    let _ = writeln!(out, "   = {DIM}fingerprint: {}{DIM:#}", f.fingerprint);
    out.push('\n');
    match f.kind {
        FindingKind::DataRace => race(out, cx, f),
        FindingKind::LostUpdate => numbered(out, cx, &f.steps),
        _ => steps(out, cx, &f.steps),
    }
    if let Some(s) = &f.scenario {
        scenario(out, s);
    }
}

fn feasibility(f: Feasibility) -> &'static str {
    match f {
        Feasibility::Confirmed => "happened in this run",
        Feasibility::Feasible => "a valid reordering of this run reaches it",
        Feasibility::Unconfirmed => "no reordering reaching it was found (may be a false alarm)",
    }
}

fn site_line(cx: &Ctx<'_>, s: &Step) -> String {
    let site = s
        .site
        .as_deref()
        .map_or_else(|| "unknown site".to_owned(), |x| cx.root.relative_site(x));
    match s.event {
        Some(e) => format!("at {site} {DIM}(event {e}){DIM:#}"),
        None => format!("at {site}"),
    }
}

fn backtrace(out: &mut String, cx: &Ctx<'_>, s: &Step, indent: &str) {
    if cx.verbose {
        for (i, frame) in s.backtrace.iter().enumerate() {
            let _ = writeln!(out, "{indent}#{i} {frame}");
        }
    }
}

fn steps(out: &mut String, cx: &Ctx<'_>, steps: &[Step]) {
    for s in steps {
        let _ = writeln!(out, "  {BOLD}{}{BOLD:#}: {}", s.thread, s.what);
        let _ = writeln!(out, "      {}", site_line(cx, s));
        backtrace(out, cx, s, "        ");
    }
}

fn numbered(out: &mut String, cx: &Ctx<'_>, steps: &[Step]) {
    for (i, s) in steps.iter().enumerate() {
        let _ = writeln!(out, "  {}. {BOLD}{}{BOLD:#}: {}", i + 1, s.thread, s.what);
        let _ = writeln!(out, "       {}", site_line(cx, s));
        backtrace(out, cx, s, "         ");
    }
}

fn more_line(out: &mut String, cx: &Ctx<'_>, rest: &[usize]) {
    if cx.verbose {
        for &i in rest {
            let f = &cx.report.findings[i];
            let at = f.steps.last().map(|s| site_line(cx, s)).unwrap_or_default();
            let thread = f.steps.last().map_or("", |s| s.thread.as_str());
            let _ = writeln!(out, "  also: {thread} {at}");
        }
    } else {
        let _ = writeln!(
            out,
            "\n  ... and {} more like this (same fingerprint; -v lists them)",
            rest.len()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures::{sample, Fixture};

    fn plain(verbose: bool, quiet: bool) -> String {
        let report = sample();
        let fx = Fixture::new(&report);
        let cx = fx.ctx(&report, verbose, quiet);
        anstream::adapter::strip_str(&render(&cx)).to_string()
    }

    #[test]
    fn deadlock_block_has_lockdep_scenario() {
        let out = plain(false, false);
        assert!(
            out.starts_with("error[deadlock]: deadlock: T1 and T2"),
            "{out}"
        );
        assert!(out.contains("Possible unsafe locking scenario:"), "{out}");
        assert_eq!(out.matches("*** DEADLOCK ***").count(), 1, "{out}");
        assert!(out.contains("at src/bank.rs:10:5 (event 3)"), "{out}");
        let scen: Vec<&str> = out
            .lines()
            .skip_while(|l| !l.contains("Possible unsafe"))
            .collect();
        assert_eq!(scen[2].trim(), format!("T1{}T2", " ".repeat(18)));
        assert!(scen[4].starts_with("       lock(L1);"), "{scen:?}");
        assert!(
            scen[5].starts_with("                           lock(L2);"),
            "{scen:?}"
        );
    }

    #[test]
    fn lost_updates_are_grouped_and_counted() {
        let out = plain(false, false);
        assert_eq!(out.matches("error[lost_update]").count(), 1, "{out}");
        assert!(out.contains("... and 2 more like this"), "{out}");
        assert!(
            out.contains("  3. worker-100: wrote x from the stale read"),
            "{out}"
        );
        assert!(out.contains("3 lost updates"), "{out}");
        let verbose = plain(true, false);
        assert!(verbose.contains("also: worker-300"), "{verbose}");
    }

    #[test]
    fn race_uses_tsan_layout() {
        let out = plain(false, false);
        assert!(out.contains("WARNING: lockscope: data race"), "{out}");
        let race: Vec<&str> = out
            .lines()
            .skip_while(|l| !l.contains("WARNING: lockscope: data race"))
            .take(10)
            .collect();
        assert_eq!(race[1], "    Write of flag by thread T9:", "{out}");
        assert_eq!(race[2], "      at src/flag.rs:7:1 (event 41)", "{out}");
        assert_eq!(
            race[4], "    Previous read of flag by thread main:",
            "{out}"
        );
        assert_eq!(race[7], "    Thread T9 created at src/main.rs:5:5", "{out}");
        assert_eq!(
            race[9],
            "  SUMMARY: lockscope: data race on flag at src/flag.rs:7:1 and src/flag.rs:3:1"
        );
        assert!(!out.contains("note: SUMMARY"), "{out}");
    }

    #[test]
    fn race_steps_worded_otherwise_fall_back_to_trace_order() {
        let mut report = sample();
        let race = report
            .findings
            .iter_mut()
            .find(|f| f.kind == FindingKind::DataRace)
            .unwrap();
        race.notes.clear();
        race.steps.reverse();
        race.steps[0].what = "read flag".into();
        race.steps[1].what = "wrote flag".into();
        let fx = Fixture::new(&report);
        let cx = fx.ctx(&report, false, false);
        let out = anstream::adapter::strip_str(&render(&cx)).to_string();
        assert!(out.contains("    Wrote flag by thread T9:"), "{out}");
        assert!(
            out.contains("    Previous read flag by thread main:"),
            "{out}"
        );
        assert!(
            out.contains("SUMMARY: lockscope: data race src/flag.rs:7:1 in flag"),
            "{out}"
        );
    }

    #[test]
    fn info_is_hidden_and_summary_closes() {
        let out = plain(false, false);
        assert!(!out.contains("long_hold]"), "{out}");
        assert!(
            out.contains("(1 allowed or suppressed finding not shown"),
            "{out}"
        );
        let last: Vec<&str> = out.lines().rev().take(2).collect();
        assert_eq!(
            last[1],
            "1 deadlock, 1 potential deadlock, 1 long hold, 3 lost updates, 1 data race in 2 traces"
        );
        assert_eq!(last[0], "gate: FAILED (6 denied, 1 allowed)");
        assert!(plain(true, false).contains("note[long_hold]"));
    }

    #[test]
    fn quiet_prints_only_the_summary() {
        assert_eq!(plain(false, true).lines().count(), 2);
    }

    /// The whole layout, reviewed as `snapshots/*.snap`.
    #[test]
    fn snapshot_of_the_sample_report() {
        insta::assert_snapshot!(plain(false, false));
    }
}
