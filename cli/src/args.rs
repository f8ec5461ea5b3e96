//! The command line, as one clap definition. Completions and the man page are
//! generated from it (`lockscope completions`, `lockscope man`), so they can
//! never drift from what the parser accepts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  lockscope analyze target/lockscope/              report every finding
  lockscope analyze trace.jsonl --format sarif > lockscope.sarif
  lockscope analyze traces/ --deny long_hold --allow held_at_exit
  lockscope analyze traces/ --baseline main-report.json
  lockscope run -- cargo test                      record, analyze and gate in one step
  lockscope stats trace.jsonl --sort wait-total --top 10
  lockscope graph trace.jsonl --format svg > locks.svg
  lockscope convert trace.jsonl trace.std
  lockscope demo

Exit status: 0 when no finding fails the gate, 1 when one does (or the command
given to `run` failed), 2 for usage errors and unreadable input.";

/// Deadlock, lock-order and race detector for Rust programs.
#[derive(Debug, Parser)]
#[command(name = "lockscope", version, about, after_help = EXAMPLES)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(flatten)]
    pub threads: Threads,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct Global {
    /// When to use colours: auto (a terminal, and NO_COLOR unset), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
    /// Print only the summary line (and errors).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more: every finding of a group, backtraces, reader warnings.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// `lockscope`'s `-j` ([`Threads`]); `cargo lockscope` leaves `-j` to
    /// cargo and uses the default.
    #[arg(skip)]
    pub jobs: Option<std::num::NonZeroUsize>,
}

/// `lockscope`'s thread option, kept out of [`Global`] so that `cargo
/// lockscope test -j 4` passes `-j 4` on to cargo.
#[derive(Debug, Args)]
pub struct Threads {
    /// Threads for the analyses (default: the CPUs available). With more
    /// than one, the lock analyses and the variable analyses each read the
    /// traces on a thread of their own (standard input is read once, on one).
    #[arg(short, long, global = true, value_name = "N")]
    pub jobs: Option<std::num::NonZeroUsize>,
}

impl Global {
    /// The threads the analyses may use: `--jobs`, else the CPUs available.
    pub fn jobs(&self) -> usize {
        self.jobs
            .or_else(|| std::thread::available_parallelism().ok())
            .map_or(1, std::num::NonZeroUsize::get)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run every analysis over traces and report; exit 1 when the gate fails.
    Analyze(AnalyzeArgs),
    /// Run a command with tracing on, then analyze its traces and gate.
    Run(RunArgs),
    /// Per-lock contention table (acquisitions, waits, holds, owner changes).
    Stats(StatsArgs),
    /// The lock-order (or wait-for) graph as DOT, SVG or JSON.
    Graph(GraphArgs),
    /// Convert a trace between the binary encoding, JSON Lines, JSON document and STD.
    Convert(ConvertArgs),
    /// What a trace holds: format, events, threads, locks, variables, time span.
    Info(InfoArgs),
    /// Analyze the bundled benchmark and scenario traces.
    Demo(DemoArgs),
    /// Holds, waits and findings over time, as Chrome trace-event JSON for
    /// Perfetto's UI or chrome://tracing.
    Timeline(TimelineArgs),
    /// The events around one event index: times, threads, sites, who held what.
    Events(EventsArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the man page (roff), or write one page per command into a directory.
    Man(ManArgs),
}

/// Which findings fail the build, and how they are reported.
#[derive(Debug, Args, Clone, Default)]
pub struct GateArgs {
    /// Fail on these finding kinds (comma-separated wire names, or `all`).
    #[arg(long, value_name = "KIND,...", value_delimiter = ',')]
    pub deny: Vec<String>,
    /// Report these kinds as warnings without failing.
    #[arg(long, value_name = "KIND,...", value_delimiter = ',')]
    pub warn: Vec<String>,
    /// Do not report these kinds.
    #[arg(long, value_name = "KIND,...", value_delimiter = ',')]
    pub allow: Vec<String>,
    /// Fail only on findings whose fingerprint is not in this earlier
    /// `--format json` report.
    #[arg(long, value_name = "REPORT.json")]
    pub baseline: Option<PathBuf>,
    /// Configuration file (default: the nearest lockscope.toml upward from
    /// the current directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore any lockscope.toml.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
    /// Report format.
    #[arg(long, short = 'f', value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Write the report here instead of standard output. `FORMAT=FILE`
    /// writes that format to FILE as well (repeatable), e.g.
    /// `-o sarif=lockscope.sarif -o junit=junit.xml` next to the text on
    /// standard output.
    #[arg(long, short = 'o', value_name = "[FORMAT=]FILE", value_parser = parse_output)]
    pub output: Vec<Output>,
}

impl GateArgs {
    /// Where the `--format` report goes: the one `-o FILE` without a
    /// format, else standard output (`None`).
    pub fn main_output(&self) -> Result<Option<&std::path::Path>, crate::error::CliError> {
        let mut plain = self.output.iter().filter(|o| o.format.is_none());
        let first = plain.next();
        if let Some(second) = plain.next() {
            return Err(crate::error::CliError::new(format!(
                "-o given twice without a format ({} and {}); write extra formats as \
                 -o FORMAT=FILE, e.g. -o sarif=lockscope.sarif",
                first.map_or_else(String::new, |o| o.path.display().to_string()),
                second.path.display()
            )));
        }
        Ok(first.map(|o| o.path.as_path()))
    }

    /// Whether the report goes to standard output in a machine format: a
    /// command run under lockscope then writes its own output to standard
    /// error, so standard output holds the report alone.
    pub fn report_on_stdout(&self) -> bool {
        let main = self.main_output().ok().flatten();
        self.format != ReportFormat::Text && main.is_none_or(|p| p.as_os_str() == "-")
    }
}

/// One `-o`: a file, and the format written there (`None`: `--format`'s).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Output {
    pub format: Option<ReportFormat>,
    pub path: PathBuf,
}

/// `FILE` or `FORMAT=FILE` (FORMAT one of `--format`'s values).
fn parse_output(s: &str) -> Result<Output, String> {
    if let Some((name, path)) = s.split_once('=') {
        if let Ok(format) = ReportFormat::from_str(name, true) {
            if path.is_empty() {
                return Err(format!("{s}: no file after `{name}=`"));
            }
            return Ok(Output {
                format: Some(format),
                path: PathBuf::from(path),
            });
        }
    }
    Ok(Output {
        format: None,
        path: PathBuf::from(s),
    })
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    #[default]
    Text,
    Json,
    Sarif,
    Junit,
    /// One self-contained HTML page (write it with -o report.html).
    Html,
    /// GitHub Actions workflow commands: an annotation per finding.
    Github,
}

/// The analyze help's closing text: inputs and the finding kinds (a test
/// checks that every kind is listed under its default level).
const ANALYZE_AFTER: &str = "\
TRACE may be a file, a directory (every *.lsb, *.jsonl, *.json, *.std and their
.gz and .zst forms inside, recursively), a glob such as 'runs/*.lsb', or - for
stdin.

Finding kinds (for --deny, --warn, --allow and lockscope.toml), by default level:
  deny:  deadlock, potential_deadlock, lock_order_violation, bad_release,
         lost_update, data_race, held_across_await
  warn:  blocked_forever, recursive_read, held_at_exit, semaphore_over_release,
         wait_while_holding, starvation
  allow: long_hold
The default follows each finding's severity (error denies, warning warns, info
is allowed), so an unconfirmed potential_deadlock only warns.";

#[derive(Debug, Args)]
#[command(after_help = ANALYZE_AFTER)]
pub struct AnalyzeArgs {
    /// Trace files, directories, globs, or - for stdin.
    #[arg(required = true, value_name = "TRACE")]
    pub traces: Vec<String>,
    /// Group the text report by the test each finding came from (traces
    /// that name their tests, as `cargo lockscope nextest` records them).
    #[arg(long)]
    pub by_test: bool,
    #[command(flatten)]
    pub gate: GateArgs,
}

#[derive(Debug, Args)]
#[command(
    after_help = "The command's exit status is reported. lockscope exits 1 when the \
                        command failed or the gate failed, 2 when the command could not be \
                        started, 0 only when both succeeded."
)]
pub struct RunArgs {
    /// Directory for the traces (default: a new directory under
    /// target/lockscope-runs/, or the system temp dir outside a Cargo project).
    #[arg(long, value_name = "DIR")]
    pub trace_dir: Option<PathBuf>,
    /// Kill the command (and, on Unix, every process it started) after this
    /// many seconds, then analyze what it traced: a deadlocked test suite
    /// fails the gate instead of hanging CI.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    #[command(flatten)]
    pub gate: GateArgs,
    /// The command and its arguments.
    #[arg(required = true, last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Trace files, directories, globs, or - for stdin.
    #[arg(required = true, value_name = "TRACE")]
    pub traces: Vec<String>,
    /// Column to sort by, largest first.
    #[arg(long, value_enum, default_value_t = SortKey::WaitTotal)]
    pub sort: SortKey,
    /// Show only the first N rows.
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Group rows by lock (default) or by thread.
    #[arg(long, value_enum, default_value_t = StatsBy::Lock)]
    pub by: StatsBy,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SortKey {
    Name,
    Acquisitions,
    Contended,
    WaitTotal,
    WaitMax,
    HoldTotal,
    HoldMax,
    OwnerChanges,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StatsBy {
    Lock,
    Thread,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Trace files, directories, globs, or - for stdin.
    #[arg(required = true, value_name = "TRACE")]
    pub traces: Vec<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// The wait-for graph at the end of the trace instead of the lock-order graph.
    #[arg(long)]
    pub wait_for: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Dot,
    Svg,
    Json,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Input trace (- for stdin).
    pub input: String,
    /// Output file (- for stdout; then --to is required).
    pub output: String,
    /// Output format (default: from OUT's extension; .gz or .zst compresses).
    #[arg(long, value_enum)]
    pub to: Option<TraceFormat>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TraceFormat {
    /// lockscope JSON Lines (.jsonl)
    Jsonl,
    /// lockscope JSON document (.json)
    Json,
    /// RAPID STD text (.std)
    Std,
    /// lockscope binary (.lsb), what the recorder writes by default
    Binary,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Trace files, directories, globs, or - for stdin.
    #[arg(required = true, value_name = "TRACE")]
    pub traces: Vec<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Repository root holding tests/data/std and examples/traces (default:
    /// the source tree lockscope was built from).
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

const TIMELINE_AFTER: &str = "\
Open the file in the Perfetto UI or in chrome://tracing. One process per trace,
one track per thread; lock holds and waits are slices, findings are instant
events, and a deadlock has arrows from each waiter to the holder it waits for.
Times are real (microseconds) when the trace has a clock; a trace without one
(STD) is drawn one microsecond per event.

Examples:
  lockscope timeline trace.jsonl -o timeline.json
  lockscope timeline big.jsonl -o part.json --window 120000..180000
  lockscope timeline run.jsonl -o part.json --window-time 1.5s..2s
  lockscope timeline run.jsonl -o dl.json --around-finding 66e865a1ae7f1358";

#[derive(Debug, Args)]
#[command(after_help = TIMELINE_AFTER)]
pub struct TimelineArgs {
    /// Trace files, directories or globs.
    #[arg(required = true, value_name = "TRACE")]
    pub traces: Vec<String>,
    /// Where to write the JSON (- for standard output).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: PathBuf,
    /// Only the events with index FROM..TO (0-based, TO excluded; either end
    /// may be left out).
    #[arg(long, value_name = "FROM..TO", group = "part")]
    pub window: Option<String>,
    /// Only the events with time in FROM..TO: durations since the trace
    /// started (1.5ms..2s), or plain numbers in the trace's own unit.
    #[arg(long, value_name = "FROM..TO", group = "part")]
    pub window_time: Option<String>,
    /// Only the events around the steps of the finding with this
    /// fingerprint.
    #[arg(long, value_name = "FINGERPRINT", group = "part")]
    pub around_finding: Option<String>,
    /// With --around-finding: events drawn on either side of each of its
    /// steps.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 200,
        requires = "around_finding"
    )]
    pub context: u64,
}

const EVENTS_AFTER: &str = "\
Each row is one event: its index, time, thread, what it did, the locks its
thread held just before it, and its site. The row of event N is marked >.
After the rows, every thread's holds and wait just before event N.

Examples:
  lockscope events trace.jsonl --around 3228
  lockscope events trace.jsonl --around 3228 --thread worker-3 --context 100";

#[derive(Debug, Args)]
#[command(after_help = EVENTS_AFTER)]
pub struct EventsArgs {
    /// The trace file (or - for stdin).
    #[arg(value_name = "TRACE")]
    pub trace: String,
    /// The event index to show (the `event N` of a finding's step).
    #[arg(long, value_name = "N")]
    pub around: u64,
    /// Show only this thread's events (by name, or by the trace's id).
    #[arg(long, value_name = "THREAD")]
    pub thread: Option<String>,
    /// Events shown on either side of N.
    #[arg(long, value_name = "K", default_value_t = 10)]
    pub context: u64,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write lockscope.1 and lockscope-COMMAND.1 pages into DIR instead of
    /// printing lockscope.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn run_takes_everything_after_double_dash() {
        let cli = Cli::try_parse_from(["lockscope", "run", "--", "cargo", "test", "--", "-q"])
            .expect("parses");
        match cli.command {
            Command::Run(run) => assert_eq!(run.command, ["cargo", "test", "--", "-q"]),
            other => panic!("parsed as {other:?}"),
        }
    }

    #[test]
    fn analyze_help_lists_every_kind_at_its_default_level() {
        use lockscope_detector::finding::FindingKind;
        for kind in FindingKind::ALL {
            let level = crate::gate::Level::for_severity(kind.default_severity());
            let section = ANALYZE_AFTER
                .split(&format!("  {}:", level.as_str()))
                .nth(1)
                .and_then(|rest| rest.split(":  ").next())
                .unwrap_or_default();
            let section = section.split("The default").next().unwrap_or_default();
            let names: Vec<&str> = section
                .split(|c: char| c == ',' || c.is_whitespace())
                .collect();
            assert!(
                names.contains(&kind.as_str()),
                "{kind} under {}",
                level.as_str()
            );
        }
    }

    #[test]
    fn deny_takes_comma_lists() {
        let cli = Cli::try_parse_from(["lockscope", "analyze", "t", "--deny", "a,b", "--deny=c"])
            .expect("parses");
        match cli.command {
            Command::Analyze(a) => assert_eq!(a.gate.deny, ["a", "b", "c"]),
            other => panic!("parsed as {other:?}"),
        }
    }
}
