//! The human report: one block per finding, most severe first, then the
//! summary and the gate's verdict.
//!
//! A block is headed `error[kind]: title` (the word is the gate's level:
//! `error` for denied, `warning` for warned, `note` for allowed), with the
//! finding's occurrences when it occurred more than once, names the traces,
//! threads, locks and variables, the grade and the notes, then the
//! finding's body as the detector's wording lays it out (the steps with
//! their sites relative to the repository root, the lockdep scenario for
//! deadlocks, ThreadSanitizer's layout for races, the numbered accesses of
//! a lost update). `-v` adds the further occurrences kept and backtraces.
//! Allowed and suppressed findings are hidden unless `-v`.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};
use lockscope_detector::finding::wording::{self, Emphasis, Line, Words};
use lockscope_detector::finding::Finding;

use super::Ctx;
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
        for (f, d) in cx.report.findings.iter().zip(&cx.verdict.dispositions) {
            if !d.shown() && !cx.verbose {
                hidden += 1;
                continue;
            }
            block(&mut out, cx, f, d);
            out.push('\n');
        }
        for limit in &cx.report.limits {
            let _ = writeln!(out, "{CYAN}note{CYAN:#}: analysis limit: {limit}");
        }
        if hidden > 0 {
            let _ = writeln!(
                out,
                "{DIM}({hidden} allowed, suppressed or baselined finding{} not shown; -v shows \
                 them){DIM:#}",
                if hidden == 1 { "" } else { "s" }
            );
        }
    }
    // A trace's warnings (a truncated last line, ...) say the run was not
    // all analyzed: printed even with -q.
    for t in &cx.report.traces {
        for w in &t.warnings {
            let _ = writeln!(out, "{YELLOW}warning{YELLOW:#}: {w}");
        }
    }
    footer(&mut out, cx);
    out
}

/// The summary and gate lines.
pub fn footer(out: &mut String, cx: &Ctx<'_>) {
    let _ = writeln!(out, "{BOLD}{}{BOLD:#}", cx.report.summary_line());
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

/// The block of finding `index`.
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
    cx.with_words(|w| {
        header(out, f, d, w);
        out.push('\n');
        lines(out, &wording::body(f, w), 2);
        if cx.verbose {
            for (i, steps) in f.examples.iter().enumerate() {
                let _ = writeln!(out, "\n  {DIM}occurrence {}:{DIM:#}", i + 2);
                lines(out, &wording::steps(steps, w), 4);
            }
        }
    });
}

fn header(out: &mut String, f: &Finding, d: &Disposition, w: &Words<'_>) {
    let (style, word) = header_style(d.level);
    let status = match &d.status {
        Status::New => String::new(),
        Status::Baselined => " (in baseline)".to_owned(),
        Status::Suppressed { reason } => format!(" (suppressed: {reason})"),
    };
    let occurrences = wording::occurrences(f.occurrences)
        .map(|o| format!(" {o}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{style}{word}[{}]{style:#}{BOLD}: {}{BOLD:#}{occurrences}{status}",
        f.kind,
        wording::title(f, w)
    );
    if !f.origins.is_empty() {
        let traces: Vec<&str> = f.origins.iter().map(|o| o.trace.as_str()).collect();
        let _ = writeln!(out, "  {DIM}-->{DIM:#} {}", traces.join(", "));
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
    facts.extend(wording::grade_of(f));
    if f.site_tuples > 1 {
        facts.push(format!("{} site tuples", f.site_tuples));
    }
    if !facts.is_empty() {
        let _ = writeln!(out, "   = {}", facts.join("; "));
    }
    for note in wording::notes(f, w) {
        let _ = writeln!(out, "   = note: {note}");
    }
    let _ = writeln!(out, "   = {DIM}fingerprint: {}{DIM:#}", f.fingerprint);
}

/// `lines` indented by `by`, styled.
fn lines(out: &mut String, lines: &[Line], by: usize) {
    for line in lines {
        if line.spans.is_empty() {
            out.push('\n');
            continue;
        }
        let _ = write!(out, "{:1$}", "", line.indent + by);
        for (emphasis, text) in &line.spans {
            let style = match emphasis {
                Emphasis::Plain => Style::new(),
                Emphasis::Strong => BOLD,
                Emphasis::Alarm => RED,
                Emphasis::Faint => DIM,
            };
            let _ = write!(out, "{style}{text}{style:#}");
        }
        out.push('\n');
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
            out.starts_with("error[deadlock]: deadlock: T1 holds L1 and waits for L2"),
            "{out}"
        );
        assert!(out.contains("Possible unsafe locking scenario:"), "{out}");
        assert_eq!(out.matches(wording::DEADLOCK).count(), 2, "{out}");
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
    fn lost_updates_are_one_finding_with_their_occurrences() {
        let out = plain(false, false);
        assert_eq!(out.matches("error[lost_update]").count(), 1, "{out}");
        assert!(out.contains("before it (3 occurrences)"), "{out}");
        assert!(
            out.contains("  3. worker-100: wrote x computed from its read"),
            "{out}"
        );
        assert!(out.contains("1 lost update (3 occurrences)"), "{out}");
        assert!(!out.contains("occurrence 2:"), "{out}");
        let verbose = plain(true, false);
        assert!(
            verbose.contains("occurrence 2:\n    worker-200: read x"),
            "{verbose}"
        );
    }

    #[test]
    fn race_uses_tsan_layout() {
        let out = plain(false, false);
        let race: Vec<&str> = out
            .lines()
            .skip_while(|l| !l.contains("WARNING: lockscope: data race"))
            .take(10)
            .collect();
        assert_eq!(race[0], "  WARNING: lockscope: data race", "{out}");
        assert_eq!(race[1], "    Write of flag by thread T9:", "{out}");
        assert_eq!(race[2], "      at src/flag.rs:7:1 (event 41)", "{out}");
        assert_eq!(
            race[4], "    Previous read of flag by thread main:",
            "{out}"
        );
        assert_eq!(race[7], "    Thread T9 created at src/main.rs:5:5", "{out}");
        let (summary, rest) = race[9].split_at(10);
        assert_eq!(summary, "  SUMMARY:", "{out}");
        assert_eq!(
            rest,
            " lockscope: data race on flag at src/flag.rs:7:1 and src/flag.rs:3:1"
        );
    }

    #[test]
    fn info_is_hidden_and_summary_closes() {
        let out = plain(false, false);
        assert!(!out.contains("long_hold]"), "{out}");
        assert!(
            out.contains("(1 allowed, suppressed or baselined finding not shown"),
            "{out}"
        );
        let last: Vec<&str> = out.lines().rev().take(2).collect();
        assert_eq!(
            last[1],
            "1 deadlock, 1 potential deadlock, 1 long hold, 1 lost update (3 occurrences), 1 data race in 2 traces"
        );
        assert_eq!(last[0], "gate: FAILED (4 denied, 1 allowed)");
        assert!(plain(true, false).contains("note[long_hold]"));
    }

    #[test]
    fn quiet_prints_only_the_summary() {
        assert_eq!(plain(false, true).lines().count(), 2);
    }

    /// The whole layout, reviewed as `cli/tests/snapshots/*.snap`.
    #[test]
    fn snapshot_of_the_sample_report() {
        insta::with_settings!({snapshot_path => "../../../tests/snapshots"}, {
            insta::assert_snapshot!(plain(false, false));
        });
    }
}
