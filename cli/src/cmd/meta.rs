//! `lockscope completions SHELL` and `lockscope man`: generated from the
//! clap definition in [`crate::args`], so they always match the parser.

use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs, ManArgs};
use crate::error::{CliError, CliResult, EXIT_OK};

/// Prints the completion script for a shell.
pub fn completions(args: &CompletionsArgs) -> CliResult<u8> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "lockscope", &mut out);
    super::write_output(None, &String::from_utf8_lossy(&out))?;
    Ok(EXIT_OK)
}

/// Prints the man page (roff): synopsis, options, the subcommand list,
/// examples and exit status. With `--dir`, writes one page per command
/// (`lockscope.1`, `lockscope-analyze.1`, ...) there.
pub fn man(args: &ManArgs) -> CliResult<u8> {
    if let Some(dir) = &args.dir {
        std::fs::create_dir_all(dir).map_err(|e| CliError::io("create directory", dir, &e))?;
        clap_mangen::generate_to(Cli::command(), dir)
            .map_err(|e| CliError::io("write man pages into", dir, &e))?;
        return Ok(EXIT_OK);
    }
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut out)?;
    super::write_output(None, &String::from_utf8_lossy(&out))?;
    Ok(EXIT_OK)
}
