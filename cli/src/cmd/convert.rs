//! `lockscope convert IN OUT`: re-encodes a trace with the detector's
//! writers. The output format is `--to`, else OUT's extension (`.lsb`,
//! `.jsonl`, `.json`, `.std`, each optionally followed by `.gz` or `.zst`,
//! which compress). OUT `-` is standard output and needs `--to`. What the
//! output format cannot express (STD has no condvars, ...) is dropped by the
//! writer and reported on stderr. OUT may not be IN, by any path (a
//! symbolic or hard link, standard input redirected from it): the output is
//! created empty before the input is read.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use flate2::write::GzEncoder;
use flate2::Compression;
use lockscope_detector::trace::{write_trace_summary, EventSource, OutputFormat, WriteSummary};
use same_file::Handle;

use crate::args::{ConvertArgs, Global, TraceFormat};
use crate::error::{CliError, CliResult, EXIT_OK};
use crate::inputs::{self, InputSpec};
use crate::source::Progress;

/// The zstd level of `.zst` output: zstd's default, several times faster
/// than gzip's default at a better ratio.
const ZSTD_LEVEL: i32 = 3;

/// How the output file is compressed, from its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Compress {
    None,
    Gzip,
    Zstd,
}

fn compression(out: &str) -> Compress {
    if out.ends_with(".gz") {
        Compress::Gzip
    } else if out.ends_with(".zst") {
        Compress::Zstd
    } else {
        Compress::None
    }
}

/// The format for `out`: `--to` if given, else from the extension.
pub fn output_format(out: &str, to: Option<TraceFormat>) -> CliResult<TraceFormat> {
    if let Some(t) = to {
        return Ok(t);
    }
    let name = out
        .strip_suffix(".gz")
        .or_else(|| out.strip_suffix(".zst"))
        .unwrap_or(out);
    let ext = Path::new(name).extension().and_then(|e| e.to_str());
    match ext {
        Some("lsb") => Ok(TraceFormat::Binary),
        Some("jsonl") => Ok(TraceFormat::Jsonl),
        Some("json") => Ok(TraceFormat::Json),
        Some("std") => Ok(TraceFormat::Std),
        _ => Err(CliError::new(format!(
            "{out}: cannot tell the output format from the name; name it *.lsb, *.jsonl, \
             *.json or *.std (optionally .gz or .zst), or pass --to binary|jsonl|json|std"
        ))),
    }
}

fn writer_format(t: TraceFormat) -> OutputFormat {
    match t {
        TraceFormat::Binary => OutputFormat::Binary,
        TraceFormat::Jsonl => OutputFormat::JsonLines,
        TraceFormat::Json => OutputFormat::JsonDocument,
        TraceFormat::Std => OutputFormat::Std,
    }
}

/// Refuses an output that is the input: creating it would empty the trace
/// before it is read.
fn refuse_own_input(input: &InputSpec, output: &Path) -> CliResult<()> {
    let Ok(out) = Handle::from_path(output) else {
        // The output does not exist yet (or cannot be opened: creating it
        // reports why).
        return Ok(());
    };
    let same = match input {
        InputSpec::Stdin => Handle::stdin().is_ok_and(|h| h == out),
        InputSpec::File(path) => Handle::from_path(path).is_ok_and(|h| h == out),
    };
    if same {
        return Err(CliError::new(format!(
            "{}: this is the input trace ({}); converting would overwrite it before it is \
             read. Write to another file",
            output.display(),
            input.name()
        )));
    }
    Ok(())
}

/// Writes `source` to the file `path`, compressed as its name says.
fn write_file(
    source: &mut dyn EventSource,
    format: OutputFormat,
    path: &Path,
) -> CliResult<WriteSummary> {
    let file = File::create(path).map_err(|e| CliError::io("create", path, &e))?;
    let io_err = |e: std::io::Error| CliError::io("write", path, &e);
    let mut buf = BufWriter::new(file);
    let summary = match compression(&path.to_string_lossy()) {
        Compress::None => write_trace_summary(source, format, &mut buf)?,
        Compress::Gzip => {
            let mut enc = GzEncoder::new(&mut buf, Compression::default());
            let n = write_trace_summary(source, format, &mut enc)?;
            enc.finish().map_err(io_err)?;
            n
        }
        Compress::Zstd => {
            let mut enc = zstd::Encoder::new(&mut buf, ZSTD_LEVEL).map_err(io_err)?;
            let n = write_trace_summary(source, format, &mut enc)?;
            enc.finish().map_err(io_err)?;
            n
        }
    };
    buf.flush().map_err(io_err)?;
    Ok(summary)
}

/// Runs the command.
pub fn run(args: &ConvertArgs, global: &Global) -> CliResult<u8> {
    let format = writer_format(output_format(&args.output, args.to)?);
    let specs = inputs::expand(std::slice::from_ref(&args.input))?;
    let [spec] = specs.as_slice() else {
        return Err(CliError::new(format!(
            "{}: matches {} files; convert takes one input",
            args.input,
            specs.len()
        )));
    };
    if args.output != "-" {
        refuse_own_input(spec, Path::new(&args.output))?;
    }
    let progress = Progress::new(&specs, global.quiet);
    let mut source = progress.open(spec)?;
    let summary = if args.output == "-" {
        let stdout = std::io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        let n = write_trace_summary(source.as_mut(), format, &mut out)?;
        out.flush()?;
        n
    } else {
        write_file(source.as_mut(), format, Path::new(&args.output))?
    };
    progress.finish();
    for w in &source.meta().warnings {
        super::write_stderr(&format!("lockscope: warning: {w}\n"));
    }
    if !summary.dropped.is_empty() {
        // Lossy (STD cannot say everything): always tell.
        super::write_stderr(&format!("lockscope: warning: {}: {summary}\n", args.output));
    } else if !global.quiet && args.output != "-" {
        super::write_stderr(&format!("{}: {summary}\n", args.output));
    }
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_extension_or_flag() {
        assert_eq!(output_format("a.jsonl", None).unwrap(), TraceFormat::Jsonl);
        assert_eq!(output_format("a.json.gz", None).unwrap(), TraceFormat::Json);
        assert_eq!(output_format("x/a.std", None).unwrap(), TraceFormat::Std);
        assert_eq!(output_format("a.lsb", None).unwrap(), TraceFormat::Binary);
        assert_eq!(
            output_format("a.lsb.zst", None).unwrap(),
            TraceFormat::Binary
        );
        assert_eq!(
            output_format("-", Some(TraceFormat::Std)).unwrap(),
            TraceFormat::Std
        );
        let err = output_format("a.txt", None).unwrap_err().to_string();
        assert!(err.contains("pass --to binary|jsonl|json|std"), "{err}");
    }

    #[test]
    fn compression_from_the_name() {
        assert_eq!(compression("a.lsb.zst"), Compress::Zstd);
        assert_eq!(compression("a.jsonl.gz"), Compress::Gzip);
        assert_eq!(compression("a.jsonl"), Compress::None);
    }
}
