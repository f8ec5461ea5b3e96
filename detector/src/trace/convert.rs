//! [`write_trace`]: streams any [`EventSource`] out as JSON Lines, a JSON
//! document or STD. How each output is produced: `json_convert` (JSON) and
//! `std_write` (STD).

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};

use super::json_convert::JsonConvert;
use super::std_write::write_std;
use super::{EventSource, TraceError};

/// The encodings [`write_trace`] produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// lockscope JSON Lines.
    JsonLines,
    /// One lockscope JSON document.
    JsonDocument,
    /// RAPID STD text (lossy: see `std_write`).
    Std,
}

/// What a conversion did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteSummary {
    /// Events read from the source.
    pub events_read: u64,
    /// Events written (an STD `update` counts once, though it is two lines).
    pub events_written: u64,
    /// Events the output format cannot express, by wire type.
    pub dropped: BTreeMap<&'static str, u64>,
}

impl fmt::Display for WriteSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "wrote {} of {} events",
            self.events_written, self.events_read
        )?;
        if !self.dropped.is_empty() {
            let parts: Vec<String> = self
                .dropped
                .iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect();
            write!(
                f,
                "; dropped what the format cannot express: {}",
                parts.join(", ")
            )?;
        }
        Ok(())
    }
}

/// Streams `source` to `out` in `format`; returns the number of events
/// written. [`write_trace_summary`] also says what was dropped.
pub fn write_trace(
    source: &mut dyn EventSource,
    format: OutputFormat,
    out: &mut dyn Write,
) -> Result<u64, TraceError> {
    write_trace_summary(source, format, out).map(|s| s.events_written)
}

/// [`write_trace`], returning the full [`WriteSummary`].
pub fn write_trace_summary(
    source: &mut dyn EventSource,
    format: OutputFormat,
    out: &mut dyn Write,
) -> Result<WriteSummary, TraceError> {
    match format {
        OutputFormat::Std => write_std(source, out),
        OutputFormat::JsonLines => JsonConvert::new(out, false).run(source),
        OutputFormat::JsonDocument => JsonConvert::new(out, true).run(source),
    }
}

pub(crate) fn output_error(e: io::Error) -> TraceError {
    TraceError::io("output", e)
}
