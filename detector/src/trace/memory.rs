//! An in-memory [`EventSource`]: events already decoded, for tests and for
//! programs that build traces in code.

use super::{Event, EventSource, TraceError, TraceMeta};

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
