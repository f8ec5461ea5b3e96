//! Reading ahead of the analyses, for [`Analysis::prefetch`] hints.
//!
//! The driver normally hands each event to the analyses as it reads it.
//! When one of them takes prefetch hints, [`Ahead`] keeps the next
//! [`LOOKAHEAD`] events read but not yet analyzed, and tells those analyses
//! of each event when it is read and again when it is half way to them.
//! What the analyses see, and in which order, does not change; a read
//! error is returned after the events read before it were analyzed, as
//! without reading ahead.
//!
//! # Performance
//! Nothing for a set of analyses without a prefetching one (the same
//! `next_event` call). Otherwise one move of each event through a ring of
//! [`LOOKAHEAD`] and two virtual calls per prefetching analysis.

use std::collections::VecDeque;

use super::Analysis;
use crate::trace::{Event, EventSource, TraceError};

/// Events read ahead of the one analyzed.
pub(crate) const LOOKAHEAD: usize = 16;

/// The events read but not yet analyzed.
pub(super) struct Ahead {
    /// Indexes of the analyses that take hints; empty: no reading ahead.
    hinted: Vec<usize>,
    events: VecDeque<Event>,
    /// How the source ended, once it did.
    end: Option<Result<(), TraceError>>,
}

impl Ahead {
    pub(super) fn new(analyses: &[&mut dyn Analysis]) -> Self {
        let hinted: Vec<usize> = (0..analyses.len())
            .filter(|&i| analyses[i].prefetches())
            .collect();
        Ahead {
            events: VecDeque::with_capacity(if hinted.is_empty() { 0 } else { LOOKAHEAD }),
            hinted,
            end: None,
        }
    }

    /// The next event to analyze.
    pub(super) fn next(
        &mut self,
        source: &mut dyn EventSource,
        analyses: &[&mut dyn Analysis],
    ) -> Result<Option<Event>, TraceError> {
        if self.hinted.is_empty() {
            return source.next_event();
        }
        while self.end.is_none() && self.events.len() < LOOKAHEAD {
            match source.next_event() {
                Ok(Some(ev)) => {
                    for &i in &self.hinted {
                        analyses[i].prefetch(&ev, false);
                    }
                    let half = self.events.len().checked_sub(LOOKAHEAD / 2);
                    if let Some(near) = half.and_then(|k| self.events.get(k)) {
                        for &i in &self.hinted {
                            analyses[i].prefetch(near, true);
                        }
                    }
                    self.events.push_back(ev);
                }
                Ok(None) => self.end = Some(Ok(())),
                Err(e) => self.end = Some(Err(e)),
            }
        }
        if let Some(ev) = self.events.pop_front() {
            return Ok(Some(ev));
        }
        match self.end.as_mut() {
            Some(end @ Err(_)) => std::mem::replace(end, Ok(())).map(|()| None),
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;
    use crate::analysis::{Config, Context};
    use crate::finding::Findings;
    use crate::trace::{EventKind, SourceFormat, ThreadId, TraceMeta, VarId};

    /// Serves `n` reads (of variables 0, 1, ...) and then an error.
    struct Failing {
        meta: TraceMeta,
        served: u32,
        n: u32,
    }

    impl EventSource for Failing {
        fn meta(&self) -> &TraceMeta {
            &self.meta
        }

        fn next_event(&mut self) -> Result<Option<Event>, TraceError> {
            if self.served == self.n {
                let err = std::io::Error::other("the disk went away");
                return Err(TraceError::io("t.std", err));
            }
            self.served += 1;
            Ok(Some(Event {
                time: 0,
                thread: ThreadId(0),
                site: None,
                backtrace: None,
                kind: EventKind::Read {
                    var: VarId(self.served - 1),
                },
            }))
        }
    }

    /// Notes what it is told, in order: `(var, "far" | "near" | "event")`.
    #[derive(Default)]
    struct Log {
        seen: RefCell<Vec<(u32, &'static str)>>,
    }

    impl Analysis for Log {
        fn prefetches(&self) -> bool {
            true
        }

        fn prefetch(&self, ev: &Event, near: bool) {
            let what = if near { "near" } else { "far" };
            let var = ev.kind.var().expect("a read").0;
            self.seen.borrow_mut().push((var, what));
        }

        fn on_event(&mut self, _cx: &Context<'_>, ev: &Event, _found: &mut Findings) {
            let var = ev.kind.var().expect("a read").0;
            self.seen.borrow_mut().push((var, "event"));
        }

        fn end_trace(&mut self, _cx: &Context<'_>, _found: &mut Findings) {}
    }

    #[test]
    fn every_event_read_before_an_error_is_analyzed_in_order_after_its_hints() {
        let n = 3 * LOOKAHEAD as u32;
        let mut source = Failing {
            meta: TraceMeta::new(SourceFormat::Std),
            served: 0,
            n,
        };
        let mut log = Log::default();
        let result = crate::analysis::analyze_trace(
            0,
            "t.std",
            &mut source,
            &Config::default(),
            &mut [&mut log],
            &mut Findings::default(),
        );
        assert!(result.is_err());
        let seen = log.seen.into_inner();
        let events: Vec<u32> = seen
            .iter()
            .filter(|s| s.1 == "event")
            .map(|s| s.0)
            .collect();
        assert_eq!(events, (0..n).collect::<Vec<_>>());
        let at = |var: u32, what: &str| seen.iter().position(|s| *s == (var, what));
        for var in 0..n {
            let event = at(var, "event").expect("analyzed");
            let far = at(var, "far").expect("hinted when read");
            assert!(far < event, "event {var}: far hint after the event");
            assert_eq!(
                seen[far..event].iter().filter(|s| s.1 == "event").count(),
                (LOOKAHEAD - 1).min(var as usize),
                "event {var}: events analyzed between its far hint and it"
            );
            // Hinted near when the event half way behind it is read.
            if var + ((LOOKAHEAD / 2) as u32) < n {
                let near = at(var, "near").expect("hinted half way");
                assert!(far < near && near < event, "event {var}");
            }
        }
    }
}
