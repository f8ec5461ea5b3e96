//! The `lockscope` command's library: argument definitions, one module per
//! command, the CI gate, `lockscope.toml`, baselines, input expansion and
//! the report renderers. The binary's `main.rs` only calls [`main`].
//!
//! Exit status: 0 when no finding fails the gate, 1 when one does (or the
//! command given to `run` failed), 2 for usage and input errors. Every error
//! is one line on stderr, `lockscope: error: what: why; what to do`.

pub mod args;
pub mod baseline;
pub mod cargo;
pub mod cmd;
pub mod config_file;
pub mod error;
pub mod gate;
pub mod inputs;
pub mod passes;
pub mod render;
pub mod sites;
pub mod source;
pub mod source_lines;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, ColorWhen, Command};
use error::{CliResult, EXIT_ERROR, EXIT_OK};

/// Parses the command line, runs the command, and returns the exit status.
pub fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("lockscope: internal error: {info}; please report this with the command line");
    }));
    let mut cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version print and exit 0; usage errors exit 2.
        Err(e) => e.exit(),
    };
    cli.global.jobs = cli.threads.jobs;
    set_color(cli.global.color);
    match dispatch(&cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) if e.is_broken_pipe() => ExitCode::from(EXIT_OK),
        Err(e) => {
            cmd::write_stderr(&format!("lockscope: \x1b[31;1merror\x1b[0m: {e}\n"));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

pub(crate) fn set_color(when: ColorWhen) {
    let choice = match when {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
}

fn dispatch(cli: &Cli) -> CliResult<u8> {
    let g = &cli.global;
    match &cli.command {
        Command::Analyze(a) => cmd::analyze::run(a, g),
        Command::Run(a) => cmd::run::run(a, g),
        Command::Stats(a) => cmd::stats::run(a, g),
        Command::Graph(a) => cmd::graph::run(a, g),
        Command::Convert(a) => cmd::convert::run(a, g),
        Command::Info(a) => cmd::info::run(a, g),
        Command::Demo(a) => cmd::demo::run(a, g),
        Command::Timeline(a) => cmd::timeline::run(a, g),
        Command::Events(a) => cmd::events::run(a, g),
        Command::Completions(a) => cmd::meta::completions(a),
        Command::Man(a) => cmd::meta::man(a),
    }
}
