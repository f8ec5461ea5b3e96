//! [`WriteSummary`]: what a conversion read, wrote and dropped.

use std::collections::BTreeMap;
use std::fmt;
use std::io;

use crate::trace::error::TraceError;

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

/// A failed write of the conversion's output.
pub(crate) fn output_error(e: io::Error) -> TraceError {
    TraceError::io("output", e)
}
