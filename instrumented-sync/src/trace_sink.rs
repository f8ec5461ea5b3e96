//! Where the live checks' findings go in the trace: the recorder installs
//! a [`TraceSink`] when it starts recording; until then (or without a
//! recording) findings are only printed.
//!
//! A leaf: the recorder installs the sink here and the live checks write
//! through it, so neither imports the other.

use std::sync::OnceLock;

use lockscope_detector::finding::Finding;

/// The recorder's entry points for the live checks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct TraceSink {
    /// Writes a note event of `kind` (a finding kind's wire name) with
    /// `text`. May be called from the watchdog thread, which has no
    /// lockscope thread id of its own.
    pub note: fn(kind: &str, text: &str),
    /// Flushes buffered events to the trace file.
    pub flush: fn(),
    /// Ends the recording (the trace is complete), before the process
    /// aborts.
    pub finish: fn(),
}

static SINK: OnceLock<TraceSink> = OnceLock::new();

/// Installs the recorder's sink (the first call wins).
pub(crate) fn install(sink: TraceSink) {
    let _ = SINK.set(sink);
}

/// Writes finding `f` into the trace as a note: its kind's wire name, its
/// JSON (what the analyzer reads back as this very finding).
pub(crate) fn note_finding(f: &Finding) {
    if let Some(s) = SINK.get() {
        (s.note)(f.kind.as_str(), &f.to_json());
    }
}

/// Flushes the trace, if one is being recorded.
pub(crate) fn flush() {
    if let Some(s) = SINK.get() {
        (s.flush)();
    }
}

/// Ends the recording before an abort: the trace reads as complete, not as
/// cut short by a crash.
pub(crate) fn finish() {
    if let Some(s) = SINK.get() {
        (s.finish)();
    }
}
