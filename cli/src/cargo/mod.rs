//! `cargo lockscope test` and `cargo lockscope nextest`: a test suite
//! recorded, analyzed and gated in one command, with no edit to the project.
//!
//! 1. `cargo metadata` (with `$CARGO`, and the `--manifest-path` among
//!    cargo's arguments) gives the workspace root, the target directory
//!    and the parking_lot series in the resolved graph ([`metadata`]).
//! 2. Unless `--no-instrument-deps`, each parking_lot 0.12 / 0.13 is
//!    replaced by lockscope's shim through a `[patch.crates-io]` in a cargo
//!    configuration file handed over with `--config`, which also compiles
//!    lockscope's crates optimized inside the dev profile ([`substitute`]).
//!    The project's manifests are never edited; its `Cargo.lock`, which
//!    cargo rewrites for a patched build, is put back byte for byte
//!    ([`lockfile`]).
//! 3. The tests build into `<target-dir>/lockscope/target`, so the
//!    project's own build cache stays valid, and run with
//!    `LOCKSCOPE_TRACE=<run dir>/lockscope-{pid}.lsb`: one trace per test
//!    process (one per test binary under `cargo test`; one per test under
//!    nextest, named `BINARY.TEST.<pid>.lsb` after it).
//! 4. Every trace is analyzed together and gated as by `lockscope analyze`
//!    (`lockscope.toml`, `--deny`/`--warn`/`--allow`, `--baseline`,
//!    `--format`, `-o`).
//!
//! Exit status: 0 when the tests passed and the gate passed; 1 when a test
//! failed or the gate failed; 2 when nothing could be analyzed (the build
//! failed, or no test process wrote a trace), or for usage errors.

pub mod args;
pub mod lockfile;
pub mod metadata;
pub mod substitute;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{SystemTime, UNIX_EPOCH};

use args::{TestArgs, TestCommand};
use metadata::Graph;
use substitute::Patch;

use crate::args::Global;
use crate::cmd::run::child;
use crate::cmd::{self, write_stderr};
use crate::error::{CliError, CliResult, EXIT_ERROR, EXIT_FAIL};
use crate::sites::Root;

/// The `cargo-lockscope` binary's entry point.
pub fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!(
            "cargo-lockscope: internal error: {info}; please report this with the command line"
        );
    }));
    let cli = args::parse();
    crate::set_color(cli.global.color);
    let (runner, args) = match &cli.command {
        TestCommand::Test(a) => (Runner::CargoTest, a),
        TestCommand::Nextest(a) => (Runner::Nextest, a),
    };
    match run(runner, args, &cli.global) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            write_stderr(&format!("cargo-lockscope: \x1b[31;1merror\x1b[0m: {e}\n"));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// What runs the tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runner {
    /// `cargo test`
    CargoTest,
    /// `cargo nextest run`
    Nextest,
}

impl Runner {
    /// The trace file name template: under nextest (one process per test)
    /// the recorder's `{test}`, `BINARY.TEST`, names each trace after its
    /// test, so a finding's trace says which test it came from.
    fn trace_template(self) -> &'static str {
        match self {
            Runner::CargoTest => "lockscope-{pid}.lsb",
            Runner::Nextest => "{test}.{pid}.lsb",
        }
    }

    /// cargo's arguments that name the subcommand.
    fn subcommand(self) -> &'static [&'static str] {
        match self {
            Runner::CargoTest => &["test"],
            Runner::Nextest => &["nextest", "run"],
        }
    }
}

/// The environment variable the recorder reads.
const TRACE_ENV: &str = "LOCKSCOPE_TRACE";

/// Records, analyzes and gates one test run; returns the exit code.
pub fn run(runner: Runner, args: &TestArgs, global: &Global) -> CliResult<u8> {
    let gate = cmd::build_gate(&args.gate, &Root::discover())?;
    let cargo = metadata::cargo_program();
    if runner == Runner::Nextest {
        check_nextest(&cargo)?;
    }
    let manifest = metadata::manifest_path_arg(&args.cargo_args);
    let ws = metadata::workspace(&cargo, manifest.as_deref())?;
    let home = ws.target_dir.join("lockscope");
    // Per workspace: several projects may share one target directory.
    let state = home.join("state").join(dir_key(&ws.root));
    let runs = trace_dir(args.trace_dir.as_deref(), &home.join("runs"))?;
    // Saved before anything resolves the graph, which may write it.
    let saved = lockfile::SavedLock::save(&ws.root, &state)?;
    let graph = metadata::graph(&cargo, manifest.as_deref())?;
    let (config, patches) = write_config(&cargo, args, &graph, &state, global)?;
    if !patches.is_empty() {
        use_patches(&cargo, &config, manifest.as_deref(), &graph, &patches)?;
    }
    if !global.quiet {
        write_stderr(&format!("lockscope: tracing into {}\n", runs.display()));
    }
    let mut command = Command::new(&cargo);
    command
        .args(runner.subcommand())
        .arg("--config")
        .arg(&config)
        .arg("--target-dir")
        .arg(home.join("target"))
        .args(&args.cargo_args)
        .env(TRACE_ENV, runs.join(runner.trace_template()));
    if args.gate.report_on_stdout() {
        // The report is the only thing on standard output.
        command.stdout(std::io::stderr());
    }
    // In a process group of its own, ended as a whole on Ctrl-C or SIGTERM,
    // after which the lock file is restored and what ran is analyzed.
    let ended = cmd::run::child::run(&mut command, &cargo.display().to_string(), None)?;
    saved.restore()?;
    let status_ok = matches!(&ended, child::Ended::Exited(s) if s.success());
    let specs = cmd::run::traces::traces_in(&runs)?;
    if specs.is_empty() {
        return Err(CliError::new(format!(
            "no test process wrote a trace into {} ({}); nothing to analyze",
            runs.display(),
            if status_ok {
                "the tests use no lock lockscope records: parking_lot 0.12/0.13 or lockscope's \
                 own"
            } else {
                "cargo failed or was ended before any test ran"
            }
        )));
    }
    if let Some(how) = ended.failure() {
        write_stderr(&format!(
            "lockscope: `cargo {}` {how}; analyzing what it recorded\n",
            runner.subcommand().join(" ")
        ));
    }
    let report = cmd::analyze::analyze_specs(&specs, global.quiet, global.jobs())?;
    let code = cmd::report_and_gate(&report, &gate, &args.gate, global)?;
    Ok(if status_ok { code } else { EXIT_FAIL })
}

/// Writes the cargo configuration for this run (returns its path and the
/// patches in it); warns about parking_lot series lockscope has no shim
/// for.
fn write_config(
    cargo: &Path,
    args: &TestArgs,
    graph: &Graph,
    state: &Path,
    global: &Global,
) -> CliResult<(PathBuf, Vec<Patch>)> {
    let series = graph.series();
    let patches = if args.no_instrument_deps || series.is_empty() {
        Vec::new()
    } else {
        let src = substitute::source_dir(args.lockscope_src.as_deref())?;
        let (mut found, missing) = substitute::patches(&src, &series);
        let circular = metadata::recorder_series(cargo, &src)?;
        found.retain(|p| {
            let keep = !circular.contains(&p.series);
            if !keep {
                write_stderr(&format!(
                    "lockscope: warning: parking_lot {} is in the build, but lockscope's \
                     recorder in {} uses it itself, so it is not substituted (that would be \
                     circular); its locks are not recorded\n",
                    p.series,
                    src.display()
                ));
            }
            keep
        });
        for series in missing {
            write_stderr(&format!(
                "lockscope: warning: parking_lot {series} is in the build but {} has no shim \
                 for it; its locks are not recorded\n",
                src.display()
            ));
        }
        found
    };
    if !global.quiet && !patches.is_empty() {
        let list: Vec<&str> = patches.iter().map(|p| p.series).collect();
        write_stderr(&format!(
            "lockscope: parking_lot {} replaced by lockscope's shims\n",
            list.join(" and ")
        ));
    }
    std::fs::create_dir_all(state).map_err(|e| CliError::io("create directory", state, &e))?;
    let path = state.join("cargo-config.toml");
    let text = substitute::config_toml(&patches, graph.uses_lockscope);
    std::fs::write(&path, text).map_err(|e| CliError::io("write", &path, &e))?;
    Ok((path, patches))
}

/// Moves the lock file onto the shims: cargo uses a patch whose version
/// differs from the locked one only once that package is updated, so each
/// patched parking_lot is updated, alone (`cargo update -p
/// parking_lot@VERSION`), to its shim. The lock file is restored after
/// the run.
fn use_patches(
    cargo: &Path,
    config: &Path,
    manifest: Option<&Path>,
    graph: &Graph,
    patches: &[Patch],
) -> CliResult<()> {
    let mut command = Command::new(cargo);
    command.args(["update", "--quiet", "--config"]).arg(config);
    if let Some(path) = manifest {
        command.arg("--manifest-path").arg(path);
    }
    for (series, version) in &graph.parking_lot {
        if patches.iter().any(|p| p.series == *series) {
            command.arg("-p").arg(format!("parking_lot@{version}"));
        }
    }
    let status = command
        .status()
        .map_err(|e| CliError::new(format!("cannot run {}: {e}", cargo.display())))?;
    if status.success() {
        Ok(())
    } else {
        Err(CliError::new(format!(
            "`cargo update` could not put lockscope's parking_lot shims into the build ({status}); \
             see cargo's message above, or run with --no-instrument-deps"
        )))
    }
}

/// Fails with the install command when cargo-nextest is missing.
fn check_nextest(cargo: &Path) -> CliResult<()> {
    let ok = Command::new(cargo)
        .args(["nextest", "--version"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Ok(())
    } else {
        Err(CliError::new(
            "cargo-nextest is not installed; install it with `cargo install cargo-nextest \
             --locked`, or use `cargo lockscope test`",
        ))
    }
}

/// A directory name for the workspace at `root` (its path, flattened).
fn dir_key(root: &Path) -> String {
    let flat: String = root
        .to_string_lossy()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    flat.trim_matches('_').to_string()
}

/// This run's trace directory: `chosen` (which must hold no traces yet),
/// else a new `run-<time>-<pid>` under `runs`; created, and absolute.
fn trace_dir(chosen: Option<&Path>, runs: &Path) -> CliResult<PathBuf> {
    let dir = match chosen {
        Some(dir) => dir.to_path_buf(),
        None => {
            let stamp = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis());
            runs.join(format!("run-{stamp}-{}", std::process::id()))
        }
    };
    std::fs::create_dir_all(&dir).map_err(|e| CliError::io("create directory", &dir, &e))?;
    if chosen.is_some() && !cmd::run::traces::traces_in(&dir)?.is_empty() {
        return Err(CliError::new(format!(
            "{}: already holds traces; give an empty or new --trace-dir so old runs are not \
             mixed in",
            dir.display()
        )));
    }
    std::path::absolute(&dir).map_err(|e| CliError::io("resolve", &dir, &e))
}
