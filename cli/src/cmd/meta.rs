//! `lockscope completions SHELL` and `lockscope man`: generated from the
//! clap definition in [`crate::args`], so they always match the parser.

use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs};
use crate::error::{CliResult, EXIT_OK};

/// Prints the completion script for a shell.
pub fn completions(args: &CompletionsArgs) -> CliResult<u8> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "lockscope", &mut out);
    super::write_output(None, &String::from_utf8_lossy(&out))?;
    Ok(EXIT_OK)
}

/// Prints the man page (roff): synopsis, options, the subcommand list,
/// examples and exit status.
pub fn man() -> CliResult<u8> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    super::write_output(None, &String::from_utf8_lossy(&out))?;
    Ok(EXIT_OK)
}
