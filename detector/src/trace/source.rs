//! [`EventSource`]: what every reader is, and [`MemorySource`], events
//! already decoded (for tests and for programs that build traces in code).

use super::error::TraceError;
use super::event::Event;
use super::meta::TraceMeta;

/// A streaming trace reader.
///
/// Declarations (threads, primitives, variables, sites, ...) are added to
/// [`meta`](EventSource::meta) as they are read, so after an event is
/// returned every id it holds is valid in `meta()`.
pub trait EventSource {
    /// The tables read so far.
    fn meta(&self) -> &TraceMeta;

    /// The next event, `Ok(None)` at the end of the input.
    ///
    /// A truncated last line is not an error: it adds a warning to
    /// [`TraceMeta::warnings`] and ends the stream.
    fn next_event(&mut self) -> Result<Option<Event>, TraceError>;
}

/// Serves `events` in order with fixed `meta`.
#[derive(Clone, Debug)]
pub struct MemorySource {
    meta: TraceMeta,
    events: std::vec::IntoIter<Event>,
}

impl MemorySource {
    pub fn new(meta: TraceMeta, events: Vec<Event>) -> Self {
        MemorySource {
            meta,
            events: events.into_iter(),
        }
    }
}

impl EventSource for MemorySource {
    fn meta(&self) -> &TraceMeta {
        &self.meta
    }

    fn next_event(&mut self) -> Result<Option<Event>, TraceError> {
        Ok(self.events.next())
    }
}
