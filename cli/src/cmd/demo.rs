//! `lockscope demo`: analyzes the bundled traces and shows what lockscope
//! finds, without any setup.
//!
//! The data root is `--data DIR`, else the source tree this binary was
//! built from (`CARGO_MANIFEST_DIR/..`). It reads `tests/data/std/*.std`
//! (the RAPID benchmark traces) and `examples/traces/*.jsonl` (the seed
//! scenarios; skipped with a note when absent). Each trace is analyzed on
//! its own and gets a verdict line. Below it comes the report of the first
//! [`SHOWN`] interesting findings that fail the default gate:
//! for the benchmark traces (Java programs, where data races on plain
//! fields are common and not what the benchmark is about) the deadlocks,
//! blocked threads, lock-order violations, lost updates and the predicted
//! deadlocks that a reordering of the trace reaches; for the seed
//! scenarios every failing group. Always exits 0 unless the data cannot be
//! read.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use lockscope_detector::finding::{Finding, FindingKind, Grade};
use lockscope_detector::report::Report;

use crate::args::{DemoArgs, Global};
use crate::error::{CliError, CliResult, EXIT_OK};
use crate::gate::Gate;
use crate::inputs::InputSpec;
use crate::render::{self, Ctx};
use crate::sites::Root;

/// How many findings of an interesting trace are shown in full.
pub const SHOWN: usize = 3;

fn default_root() -> PathBuf {
    let root = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    root.canonicalize().unwrap_or_else(|_| root.to_path_buf())
}

fn list(dir: &Path, ext: &str) -> CliResult<Vec<PathBuf>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    Ok(files)
}

/// Runs the command.
pub fn run(args: &DemoArgs, global: &Global) -> CliResult<u8> {
    let root = args.data.clone().unwrap_or_else(default_root);
    let std_dir = root.join("tests/data/std");
    let seeds_dir = root.join("examples/traces");
    let benches = list(&std_dir, "std")?;
    if benches.is_empty() {
        return Err(CliError::new(format!(
            "{}: no bundled *.std traces; point --data at a lockscope source tree",
            std_dir.display()
        )));
    }
    let gate = Gate::default();
    let sites = Root::discover();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\x1b[1mBenchmark traces (RAPID STD) in {}\x1b[0m",
        std_dir.display()
    );
    for path in &benches {
        section(&mut out, path, &gate, &sites, global, interesting)?;
    }
    let seeds = list(&seeds_dir, "jsonl")?;
    if seeds.is_empty() {
        let _ = writeln!(
            out,
            "\n(no seed-scenario traces in {}; skipped)",
            seeds_dir.display()
        );
    } else {
        let _ = writeln!(
            out,
            "\n\x1b[1mSeed-scenario traces in {}\x1b[0m",
            seeds_dir.display()
        );
        for path in &seeds {
            section(&mut out, path, &gate, &sites, global, |_| true)?;
        }
    }
    super::write_output(None, &out)?;
    Ok(EXIT_OK)
}

/// Whether a benchmark finding is worth its full report in the demo.
fn interesting(f: &Finding) -> bool {
    match f.kind {
        FindingKind::Deadlock
        | FindingKind::BlockedForever
        | FindingKind::LockOrderViolation
        | FindingKind::LostUpdate => true,
        FindingKind::PotentialDeadlock => f.grade >= Some(Grade::Feasible),
        _ => false,
    }
}

fn section(
    out: &mut String,
    path: &Path,
    gate: &Gate,
    sites: &Root,
    global: &Global,
    show: fn(&Finding) -> bool,
) -> CliResult<()> {
    let spec = InputSpec::File(path.to_path_buf());
    let report = super::analyze::analyze_specs(std::slice::from_ref(&spec), true, global.jobs())?;
    let verdict = gate.judge(&report);
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let t = report.traces.first().cloned().unwrap_or_default();
    let mark = if verdict.failed() {
        "\x1b[31;1mFAIL\x1b[0m"
    } else {
        "\x1b[32;1m ok \x1b[0m"
    };
    let what = report.summary_line();
    let what = what.rsplit_once(" in ").map_or(what.as_str(), |(w, _)| w);
    let _ = writeln!(
        out,
        "  {mark} {name:<36} {what} ({} events, {} threads, {} locks)",
        t.events, t.threads, t.primitives
    );
    let picked: Vec<usize> = (0..report.findings.len())
        .filter(|&i| verdict.dispositions[i].fails() && show(&report.findings[i]))
        .collect();
    if !picked.is_empty() && !global.quiet {
        let _ = writeln!(out);
        let shown = pick(&report, picked.iter().take(SHOWN).copied());
        let v = gate.judge(&shown);
        let cx = Ctx {
            report: &shown,
            verdict: &v,
            root: sites,
            verbose: false,
            quiet: false,
        };
        let text = render::text::render(&cx);
        // The verdict line above has the exact counts; the cut report's
        // own summary and gate lines are left out.
        let lines: Vec<&str> = text.lines().collect();
        for line in &lines[..lines.len().saturating_sub(2)] {
            let _ = writeln!(out, "{}", format!("      {line}").trim_end());
        }
        if picked.len() > SHOWN {
            let _ = writeln!(
                out,
                "      ... {} more; run `lockscope analyze {}`",
                picked.len() - SHOWN,
                path.display()
            );
        }
    }
    Ok(())
}

/// `report` with only the findings at `indices`.
fn pick(report: &Report, indices: impl Iterator<Item = usize>) -> Report {
    let mut cut = report.clone();
    cut.findings = indices.map(|i| report.findings[i].clone()).collect();
    cut.sort();
    cut
}
