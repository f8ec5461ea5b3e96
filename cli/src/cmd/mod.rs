//! One module per command, and what they share: building the gate from
//! flags, `lockscope.toml` and a baseline; rendering a report in the chosen
//! format; writing output.

pub mod analyze;
pub mod convert;
pub mod demo;
pub mod events;
pub mod graph;
pub mod info;
pub mod meta;
pub mod run;
pub mod stats;
pub mod timeline;

use std::io::{self, Write};
use std::path::Path;

use lockscope_detector::report::Report;

use crate::args::{GateArgs, Global, ReportFormat};
use crate::error::{CliError, CliResult};
use crate::gate::{Gate, Level};
use crate::render::{self, Ctx};
use crate::sites::Root;
use crate::{baseline, config_file};

/// The gate from `lockscope.toml` (unless `--no-config`), then `--allow`,
/// `--warn`, `--deny`, then `--baseline`.
pub fn build_gate(args: &GateArgs, root: &Root) -> CliResult<Gate> {
    let file = if args.no_config {
        None
    } else if let Some(path) = &args.config {
        Some(config_file::load(path, root)?)
    } else {
        let cwd = std::env::current_dir()
            .map_err(|e| CliError::new(format!("current directory: {e}")))?;
        config_file::find_upward(&cwd)
            .map(|p| config_file::load(&p, root))
            .transpose()?
    };
    let mut gate = Gate::default();
    if let Some(file) = file {
        gate.levels = file.levels;
        gate.suppressions = file.suppressions;
        gate.warnings = file.warnings;
    }
    for (specs, level, flag) in [
        (&args.allow, Level::Allow, "--allow"),
        (&args.warn, Level::Warn, "--warn"),
        (&args.deny, Level::Deny, "--deny"),
    ] {
        for spec in specs {
            gate.levels.set(spec, level, flag)?;
        }
    }
    if let Some(path) = &args.baseline {
        gate.baseline = Some(baseline::load(path)?);
    }
    Ok(gate)
}

/// Judges `report`, renders it as `args.format` (to standard output, or
/// to the `-o FILE` without a format), writes every `-o FORMAT=FILE` as
/// well, and returns the gate's exit code.
pub fn report_and_gate(
    report: &Report,
    gate: &Gate,
    args: &GateArgs,
    global: &Global,
) -> CliResult<u8> {
    judged(report, gate, global, |cx| {
        let main = args.main_output()?;
        write_with(main, |out| render_as(args.format, cx, gate, out))?;
        for extra in args.output.iter().filter(|o| o.format.is_some()) {
            let format = extra.format.unwrap_or(args.format);
            write_with(Some(&extra.path), |out| render_as(format, cx, gate, out))?;
        }
        let to_files =
            main.is_some_and(|p| p.as_os_str() != "-") && args.format != ReportFormat::Text;
        if to_files && !global.quiet {
            // The file holds the machine-readable report; tell the person too.
            let mut line = String::new();
            render::text::footer(&mut line, cx);
            write_stderr(&line);
        }
        Ok(())
    })
}

/// Judges `report` and writes the text report grouped by test
/// (`analyze --by-test`) where the text report would go; returns the
/// gate's exit code. Other `--format`s are refused: they carry the tests
/// per finding already.
pub fn report_by_test(
    report: &Report,
    gate: &Gate,
    args: &GateArgs,
    global: &Global,
) -> CliResult<u8> {
    if args.format != ReportFormat::Text {
        return Err(CliError::new(
            "--by-test groups the text report; the other formats name each finding's tests \
             themselves (JSON `tests`, SARIF `tests`, JUnit one case per test)",
        ));
    }
    judged(report, gate, global, |cx| {
        write_output(args.main_output()?, &render::by_test::render(cx))
    })
}

/// Judges `report`, prints the gate's warnings (configuration problems
/// that are not errors: printed whatever `-q` says, since they change what
/// the gate decides), runs `write` with the rendering context and returns
/// the gate's exit code.
fn judged(
    report: &Report,
    gate: &Gate,
    global: &Global,
    write: impl FnOnce(&Ctx<'_>) -> CliResult<()>,
) -> CliResult<u8> {
    let root = Root::discover();
    let verdict = gate.judge(report);
    for w in gate.warnings.iter().chain(&verdict.unmatched) {
        write_stderr(&format!("lockscope: warning: {w}\n"));
    }
    let cx = Ctx {
        report,
        verdict: &verdict,
        root: &root,
        verbose: global.verbose,
        quiet: global.quiet,
    };
    write(&cx)?;
    Ok(verdict.exit_code())
}

/// Writes the report in `format` to `out`: JSON as it is serialized, the
/// other formats rendered first.
fn render_as(
    format: ReportFormat,
    cx: &Ctx<'_>,
    gate: &Gate,
    out: &mut dyn Write,
) -> io::Result<()> {
    let text = match format {
        ReportFormat::Json => return render::json::write(cx, out),
        ReportFormat::Text => render::text::render(cx),
        ReportFormat::Sarif => render::sarif::render(cx, gate.baseline.is_some()),
        ReportFormat::Junit => render::junit::render(cx),
        ReportFormat::Html => render::html::render(cx, &timeline::around_findings(cx.report)),
        ReportFormat::Github => render::github::render(cx),
    };
    out.write_all(text.as_bytes())
}

/// Writes `text` to `path`, or to standard output (colours stripped as
/// `--color` and the terminal say) when `path` is `None` or `-`.
pub fn write_output(path: Option<&Path>, text: &str) -> CliResult<()> {
    write_with(path, |out| out.write_all(text.as_bytes()))
}

/// Runs `write` on `path` (created or truncated, colours stripped), or on
/// standard output (colours stripped as the terminal needs) for `None` or
/// `-`, buffered and flushed.
pub fn write_with(
    path: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> CliResult<()> {
    match path {
        Some(p) if p.as_os_str() != "-" => {
            let file = std::fs::File::create(p).map_err(|e| CliError::io("write", p, &e))?;
            let buffered: Box<dyn Write> = Box::new(io::BufWriter::new(file));
            let mut out = anstream::StripStream::new(buffered);
            write(&mut out)
                .and_then(|()| out.flush())
                .map_err(|e| CliError::io("write", p, &e))
        }
        _ => {
            let mut out = io::BufWriter::new(anstream::stdout().lock());
            write(&mut out)?;
            out.flush()?;
            Ok(())
        }
    }
}

/// Writes a styled line to standard error (errors ignored: nowhere to report).
pub fn write_stderr(text: &str) {
    let _ = anstream::stderr().lock().write_all(text.as_bytes());
}
