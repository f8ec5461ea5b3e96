//! The `cargo lockscope` command line.
//!
//! cargo runs a subcommand `cargo lockscope ARGS` as `cargo-lockscope
//! lockscope ARGS`; the binary also accepts `cargo-lockscope ARGS`. lockscope's
//! own options come first; the first argument that is not one of them starts
//! what is handed to `cargo test` (or `cargo nextest run`) unchanged,
//! `--` and the test binaries' arguments included.
//!
//! The gate options are `lockscope analyze`'s, except that `lockscope.toml`
//! is chosen with `--lockscope-config` (cargo has its own `--config`).

use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::args::{GateArgs, Global};

const EXAMPLES: &str = "\
Examples:
  cargo lockscope test                       every test of the workspace, recorded and gated
  cargo lockscope test -p mycrate --lib      cargo test's own arguments after lockscope's
  cargo lockscope test --deny all -- --test-threads 1
  cargo lockscope nextest                    one process per test (cargo-nextest)
  cargo lockscope test --format sarif -o lockscope.sarif

Exit status: 0 when the tests passed and no finding fails the gate, 1 when a
test failed or the gate failed, 2 when nothing could be analyzed (the build
failed, no test process wrote a trace) or for usage errors.";

/// `cargo lockscope`, as cargo invokes it.
#[derive(Debug, Parser)]
#[command(name = "cargo", bin_name = "cargo")]
pub struct CargoCli {
    #[command(subcommand)]
    pub command: CargoCommand,
}

/// The `lockscope` subcommand of cargo.
#[derive(Debug, Subcommand)]
pub enum CargoCommand {
    /// Record, analyze and gate a test suite.
    #[command(version, after_help = EXAMPLES)]
    Lockscope(LockscopeCli),
}

/// `cargo lockscope`'s own options and its command.
#[derive(Debug, Args)]
pub struct LockscopeCli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: TestCommand,
}

/// What runs the tests.
#[derive(Debug, Subcommand)]
pub enum TestCommand {
    /// `cargo test ARGS...` with every test process recorded, then analyze
    /// and gate.
    Test(TestArgs),
    /// `cargo nextest run ARGS...` (one process per test), recorded, then
    /// analyze and gate.
    Nextest(TestArgs),
}

/// The options of `cargo lockscope test` and `cargo lockscope nextest`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct TestArgs {
    /// Do not substitute lockscope's parking_lot shims for parking_lot 0.12
    /// and 0.13 in the build: only code that uses lockscope's locks directly
    /// is recorded.
    #[arg(long)]
    pub no_instrument_deps: bool,
    /// The lockscope source checkout whose shims/ are substituted (default:
    /// $LOCKSCOPE_SRC, else the checkout this binary was built from).
    #[arg(long, value_name = "DIR")]
    pub lockscope_src: Option<PathBuf>,
    /// Directory for the traces (default: a new directory under
    /// <target-dir>/lockscope/runs/).
    #[arg(long, value_name = "DIR")]
    pub trace_dir: Option<PathBuf>,
    #[command(flatten)]
    pub gate: GateArgs,
    /// Arguments for `cargo test` (or `cargo nextest run`), `--` and the
    /// test binaries' arguments included.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CARGO ARGS"
    )]
    pub cargo_args: Vec<String>,
}

/// Parses `cargo-lockscope`'s command line (with or without the
/// `lockscope` word cargo inserts).
pub fn parse() -> LockscopeCli {
    let mut argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv.get(1).is_none_or(|a| a != "lockscope") {
        argv.insert(1, "lockscope".into());
    }
    let matches = command().get_matches_from(argv);
    match CargoCli::from_arg_matches(&matches) {
        Ok(CargoCli {
            command: CargoCommand::Lockscope(cli),
        }) => cli,
        Err(e) => e.exit(),
    }
}

/// The clap command, with the gate's `--config` renamed so cargo keeps
/// its own.
pub fn command() -> clap::Command {
    let rename = |t: clap::Command| {
        t.mut_arg("config", |a| a.long("lockscope-config"))
            .mut_arg("no_config", |a| a.long("no-lockscope-config"))
    };
    CargoCli::command().mut_subcommand("lockscope", |l| {
        l.mut_subcommand("test", rename)
            .mut_subcommand("nextest", rename)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_from(args: &[&str]) -> LockscopeCli {
        let matches = command().try_get_matches_from(args).unwrap();
        let CargoCli {
            command: CargoCommand::Lockscope(cli),
        } = CargoCli::from_arg_matches(&matches).unwrap();
        cli
    }

    #[test]
    fn lockscope_options_then_cargo_args_unchanged() {
        let cli = parse_from(&[
            "cargo",
            "lockscope",
            "test",
            "--deny",
            "all",
            "--lockscope-config",
            "ci.toml",
            "-p",
            "foo",
            "--config",
            "net.offline=true",
            "--",
            "--test-threads",
            "1",
        ]);
        let TestCommand::Test(t) = cli.command else {
            panic!("test expected")
        };
        assert_eq!(t.gate.deny, ["all"]);
        assert_eq!(t.gate.config, Some(PathBuf::from("ci.toml")));
        assert_eq!(
            t.cargo_args,
            [
                "-p",
                "foo",
                "--config",
                "net.offline=true",
                "--",
                "--test-threads",
                "1"
            ]
        );
    }

    #[test]
    fn a_jobs_flag_goes_to_cargo() {
        let cli = parse_from(&["cargo", "lockscope", "test", "-j", "4", "--lib"]);
        let TestCommand::Test(args) = &cli.command else {
            panic!("{cli:?}");
        };
        assert_eq!(args.cargo_args, ["-j", "4", "--lib"]);
        assert_eq!(cli.global.jobs, None);
    }

    #[test]
    fn the_definition_is_consistent() {
        command().debug_assert();
    }
}
