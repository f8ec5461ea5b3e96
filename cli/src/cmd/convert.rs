//! `lockscope convert IN OUT`: re-encodes a trace with the detector's
//! writers. The output format is `--to`, else OUT's extension (`.jsonl`,
//! `.json`, `.std`, each optionally followed by `.gz`, which compresses).
//! OUT `-` is standard output and needs `--to`. What the output format
//! cannot express (STD has no condvars, ...) is dropped by the writer and
//! reported on stderr.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use flate2::write::GzEncoder;
use flate2::Compression;
use lockscope_detector::trace::{write_trace_summary, OutputFormat, WriteSummary};

use crate::args::{ConvertArgs, Global, TraceFormat};
use crate::error::{CliError, CliResult, EXIT_OK};
use crate::inputs;
use crate::source::Progress;

/// The format for `out`: `--to` if given, else from the extension.
pub fn output_format(out: &str, to: Option<TraceFormat>) -> CliResult<TraceFormat> {
    if let Some(t) = to {
        return Ok(t);
    }
    let name = out.strip_suffix(".gz").unwrap_or(out);
    let ext = Path::new(name).extension().and_then(|e| e.to_str());
    match ext {
        Some("jsonl") => Ok(TraceFormat::Jsonl),
        Some("json") => Ok(TraceFormat::Json),
        Some("std") => Ok(TraceFormat::Std),
        _ => Err(CliError::new(format!(
            "{out}: cannot tell the output format from the name; name it *.jsonl, *.json or \
             *.std (optionally .gz), or pass --to jsonl|json|std"
        ))),
    }
}

fn writer_format(t: TraceFormat) -> OutputFormat {
    match t {
        TraceFormat::Jsonl => OutputFormat::JsonLines,
        TraceFormat::Json => OutputFormat::JsonDocument,
        TraceFormat::Std => OutputFormat::Std,
    }
}

/// Runs the command.
pub fn run(args: &ConvertArgs, global: &Global) -> CliResult<u8> {
    let format = output_format(&args.output, args.to)?;
    let specs = inputs::expand(std::slice::from_ref(&args.input))?;
    let [spec] = specs.as_slice() else {
        return Err(CliError::new(format!(
            "{}: matches {} files; convert takes one input",
            args.input,
            specs.len()
        )));
    };
    let progress = Progress::new(&specs, global.quiet);
    let mut source = progress.open(spec)?;
    let gz = args.output.ends_with(".gz");
    let summary: WriteSummary = if args.output == "-" {
        let stdout = std::io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        let n = write_trace_summary(source.as_mut(), writer_format(format), &mut out)?;
        out.flush()?;
        n
    } else {
        let path = Path::new(&args.output);
        let file = File::create(path).map_err(|e| CliError::io("create", path, &e))?;
        let io_err = |e: std::io::Error| CliError::io("write", path, &e);
        let buf = BufWriter::new(file);
        if gz {
            let mut enc = GzEncoder::new(buf, Compression::default());
            let n = write_trace_summary(source.as_mut(), writer_format(format), &mut enc)?;
            enc.finish().map_err(io_err)?.flush().map_err(io_err)?;
            n
        } else {
            let mut buf = buf;
            let n = write_trace_summary(source.as_mut(), writer_format(format), &mut buf)?;
            buf.flush().map_err(io_err)?;
            n
        }
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
        assert_eq!(
            output_format("-", Some(TraceFormat::Std)).unwrap(),
            TraceFormat::Std
        );
        let err = output_format("a.txt", None).unwrap_err().to_string();
        assert!(err.contains("pass --to jsonl|json|std"), "{err}");
    }
}
