//! A whole trace as STD text, through [`StdWriter`]: what STD cannot say is
//! counted in the [`WriteSummary`]. A trace with no event STD can express is
//! written as one blank line, which reads back as an empty trace.

use std::io::{BufWriter, Write};

use super::summary::{output_error, WriteSummary};
use crate::trace::error::TraceError;
use crate::trace::source::EventSource;
use crate::trace::std_format::writer::StdWriter;

/// Streams `source` to `out` as STD text.
pub(crate) fn write_std(
    source: &mut dyn EventSource,
    out: &mut dyn Write,
) -> Result<WriteSummary, TraceError> {
    let mut out = BufWriter::with_capacity(64 * 1024, out);
    let mut writer = StdWriter::default();
    let mut summary = WriteSummary::default();
    while let Some(ev) = source.next_event()? {
        summary.events_read += 1;
        match writer
            .event(source.meta(), &ev, &mut out)
            .map_err(output_error)?
        {
            0 => *summary.dropped.entry(ev.kind.type_name()).or_default() += 1,
            _ => summary.events_written += 1,
        }
    }
    if summary.events_written == 0 {
        // An empty file is no trace; a blank line is an STD trace with no
        // events.
        out.write_all(b"\n").map_err(output_error)?;
    }
    out.flush().map_err(output_error)?;
    Ok(summary)
}
