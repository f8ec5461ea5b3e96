//! Runs a seed example binary and analyzes the trace it wrote.
//!
//! `cargo test` builds the examples next to the test binary:
//! `target/<profile>/deps/<test>` -> `target/<profile>/examples/<name>`.
//! Each run is bounded by [`TIMEOUT`] (the child is killed and the test
//! fails) and records with `LOCKSCOPE_TRACE` pointing to a fresh file in a
//! temporary directory that lives as long as the [`Run`]; the live-check
//! policy variables are removed so a developer's environment cannot change
//! the outcome.
//!
//! Runs are serialised by one lock: the lost-update counts and the
//! deadlock timings are steadier on a quiet machine, and all of them
//! together take about two seconds.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lockscope::detector::analysis::{analyze, Config, Input};
use lockscope::detector::finding::{Finding, FindingKind, Severity};
use lockscope::detector::report::Report;
use lockscope::detector::trace::{self, Event, TraceMeta};

/// The longest an example may run.
pub const TIMEOUT: Duration = Duration::from_secs(60);

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// What one example run produced.
#[derive(Debug)]
pub struct Run {
    pub name: String,
    pub stdout: String,
    pub stderr: String,
    /// The trace, in `_dir`.
    pub trace: PathBuf,
    pub elapsed: Duration,
    _dir: tempfile::TempDir,
}

/// `target/<profile>`, from the running test binary.
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary knows its path");
    let deps = exe
        .parent()
        .expect("the test binary is in target/<profile>/deps");
    deps.parent()
        .expect("deps is in target/<profile>")
        .to_path_buf()
}

/// The example binary `name`, or a failure saying how to build it.
pub fn example_bin(name: &str) -> PathBuf {
    let bin = profile_dir()
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "example binary {} is missing: run the tests with `cargo test` (which builds the \
         examples) or build it with `cargo build --example {name}`",
        bin.display()
    );
    bin
}

/// Runs a command to completion within [`TIMEOUT`], output to files in a
/// fresh temporary directory; kills it and fails the test on timeout.
pub fn run_bounded(mut cmd: Command, what: &str) -> (std::process::ExitStatus, String, String) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (out, err) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let file = |p: &Path| fs::File::create(p).expect("an output file");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(file(&out))
        .stderr(file(&err))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the child") {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{what} did not finish within {TIMEOUT:?} and was killed; stderr:\n{}",
                fs::read_to_string(&err).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let read = |p: &Path| fs::read_to_string(p).unwrap_or_default();
    (status, read(&out), read(&err))
}

/// Runs example `name` and returns its output and trace path; fails unless
/// it exits with success and reports the trace it was told to write.
pub fn run_example(name: &str) -> Run {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("a temporary directory");
    let trace = dir.path().join(format!("{name}.jsonl"));
    let mut cmd = Command::new(example_bin(name));
    cmd.env("LOCKSCOPE_TRACE", &trace)
        .env_remove("LOCKSCOPE_ON_DEADLOCK")
        .env_remove("LOCKSCOPE_ON_SELF_DEADLOCK")
        .env_remove("LOCKSCOPE_ON_LOCK_ORDER")
        .env_remove("LOCKSCOPE_WATCHDOG");
    let start = Instant::now();
    let (status, stdout, stderr) = run_bounded(cmd, &format!("example `{name}`"));
    let elapsed = start.elapsed();
    assert!(
        status.success(),
        "example `{name}` failed ({status}); stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        stdout.contains(&format!("trace: {}", trace.display())),
        "example `{name}` did not report writing {}:\n{stdout}",
        trace.display()
    );
    assert!(
        trace.is_file(),
        "example `{name}` left no trace at {}",
        trace.display()
    );
    Run {
        name: name.to_owned(),
        stdout,
        stderr,
        trace,
        elapsed,
        _dir: dir,
    }
}

/// Every analysis over `run`'s trace, with the default configuration.
pub fn analyze_run(run: &Run) -> Report {
    let source = trace::open(&run.trace).unwrap_or_else(|e| panic!("{e}"));
    let input = Input {
        name: run.name.clone(),
        source,
    };
    analyze(vec![input], &Config::default())
        .unwrap_or_else(|e| panic!("analyzing {}: {e}", run.trace.display()))
}

/// Every event of `run`'s trace and its tables.
pub fn read_trace(run: &Run) -> (Vec<Event>, TraceMeta) {
    let mut source = trace::open(&run.trace).unwrap_or_else(|e| panic!("{e}"));
    let mut events = Vec::new();
    while let Some(ev) = source.next_event().unwrap_or_else(|e| panic!("{e}")) {
        events.push(ev);
    }
    (events, source.meta().clone())
}

/// The findings of `kind`.
pub fn of_kind(report: &Report, kind: FindingKind) -> Vec<&Finding> {
    report.findings.iter().filter(|f| f.kind == kind).collect()
}

/// Fails, listing every finding, unless the report has none of `kinds`.
pub fn assert_none_of(report: &Report, kinds: &[FindingKind]) {
    let bad: Vec<String> = report
        .findings
        .iter()
        .filter(|f| kinds.contains(&f.kind))
        .map(Finding::title)
        .collect();
    assert!(bad.is_empty(), "unexpected findings: {bad:#?}");
}

/// Fails unless the report has no finding of severity `error`.
pub fn assert_no_errors(report: &Report) {
    let errors: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(Finding::title)
        .collect();
    assert!(errors.is_empty(), "unexpected errors: {errors:#?}");
}

/// `examples/NAME.rs:LINE` of the only line of the example's source that
/// contains `needle`: acquisition sites without hard-coded line numbers.
pub fn site_of(example: &str, needle: &str) -> String {
    let file = format!("examples/{example}.rs");
    let source = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(&file))
        .unwrap_or_else(|e| panic!("reading {file}: {e}"));
    let lines: Vec<usize> = source
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(
        lines.len(),
        1,
        "`{needle}` must be on exactly one line of {file}"
    );
    format!("{file}:{}", lines[0])
}

/// Whether `site` (`file:line:col`) is at `file_line` (`file:line`).
pub fn at(site: Option<&str>, file_line: &str) -> bool {
    site.is_some_and(|s| s.starts_with(&format!("{file_line}:")))
}
