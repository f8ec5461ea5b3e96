//! [`write_trace`]: streams any [`EventSource`] out in any encoding. The
//! encodings of lockscope's own go through [`TraceOut`](declare::TraceOut)
//! (declarations before use, file ids assigned), STD through
//! [`write_std`](to_std::write_std) (what STD cannot say is counted).

mod declare;
mod ids;
mod summary;
mod to_std;

use std::io::Write;

use self::declare::TraceOut;
use self::to_std::write_std;
use crate::trace::binary::BinaryEncoder;
use crate::trace::error::TraceError;
use crate::trace::json::framing::{Framing, JsonEncoder};
use crate::trace::source::EventSource;

pub use summary::WriteSummary;

/// The encodings [`write_trace`] produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// lockscope JSON Lines.
    JsonLines,
    /// One lockscope JSON document.
    JsonDocument,
    /// RAPID STD text (lossy: see `docs/trace-format.md`).
    Std,
    /// lockscope's binary encoding.
    Binary,
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
        OutputFormat::JsonLines => TraceOut::new(JsonEncoder::new(out, Framing::Lines)).run(source),
        OutputFormat::JsonDocument => {
            TraceOut::new(JsonEncoder::new(out, Framing::Document)).run(source)
        }
        OutputFormat::Binary => TraceOut::new(BinaryEncoder::new(out)).run(source),
    }
}
