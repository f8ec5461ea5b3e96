//! Helpers for the `stdsync` tests that read a recording back. Every test
//! of a binary records while one of them holds the recorder, so a test
//! looks only at its own thread's events.

#![allow(dead_code)]

use lockscope_detector::trace::Event;

use crate::support::Trace;

/// The events of the thread whose event at `line` of the calling test file
/// comes first in the trace.
pub fn thread_of_line(t: &Trace, line: u32) -> Vec<&Event> {
    let first = t
        .events
        .iter()
        .find(|e| t.site_line(e) == Some(line))
        .unwrap_or_else(|| panic!("no event at line {line}: {:?}", t.events));
    t.events
        .iter()
        .filter(|e| e.thread == first.thread)
        .collect()
}
