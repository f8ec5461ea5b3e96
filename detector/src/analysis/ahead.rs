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
//! Whether an analysis takes hints can change as the trace goes (an
//! analysis whose state fits in the cache has nothing to prefetch, see
//! [`MANY_VARIABLES`]): it is asked again every [`RECHECK`] events.
//!
//! # Performance
//! While no analysis takes hints, one `next_event` call per event, as
//! without reading ahead. Otherwise one move of each event through a ring
//! of [`LOOKAHEAD`] and two virtual calls per prefetching analysis.

use std::collections::VecDeque;

use super::Analysis;
use crate::trace::{Event, EventSource, TraceError};

/// Events read ahead of the one analyzed.
pub(crate) const LOOKAHEAD: usize = 16;

/// Events between two checks of which analyses take hints.
const RECHECK: u64 = 1 << 16;

/// Variables past which per-variable state (tens to hundreds of bytes
/// each) outgrows a core's share of the cache, so an analysis keeping it
/// gains from prefetching; below it, the hints cost more than they save.
pub(crate) const MANY_VARIABLES: usize = 1 << 13;

/// The events read but not yet analyzed.
#[derive(Default)]
pub(super) struct Ahead {
    /// Indexes of the analyses that take hints; empty: no reading ahead.
    hinted: Vec<usize>,
    /// Events handed out.
    served: u64,
    events: VecDeque<Event>,
    /// How the source ended, once it did.
    end: Option<Result<(), TraceError>>,
}

impl Ahead {
    /// The next event to analyze.
    pub(super) fn next(
        &mut self,
        source: &mut dyn EventSource,
        analyses: &[&mut dyn Analysis],
    ) -> Result<Option<Event>, TraceError> {
        if self.served % RECHECK == 0 {
            self.hinted.clear();
            self.hinted
                .extend((0..analyses.len()).filter(|&i| analyses[i].prefetches()));
        }
        self.served += 1;
        if self.hinted.is_empty() && self.events.is_empty() && self.end.is_none() {
            return source.next_event();
        }
        while !self.hinted.is_empty() && self.end.is_none() && self.events.len() < LOOKAHEAD {
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
    use crate::analysis::testkit::event;
    use crate::analysis::{Config, Context};
    use crate::finding::Findings;
    use crate::trace::{EventKind, SourceFormat, TraceMeta, VarId};

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
            let var = VarId(self.served - 1);
            Ok(Some(event(0, EventKind::Read { var })))
        }
    }

    /// Analyzes `n` reads and then a read error with `analysis`; whether
    /// the error came back.
    fn until_an_error(n: u32, analysis: &mut dyn Analysis) -> bool {
        let mut source = Failing {
            meta: TraceMeta::new(SourceFormat::Std),
            served: 0,
            n,
        };
        let result = crate::analysis::analyze_trace(
            0,
            "t.std",
            &mut source,
            &Config::default(),
            &mut [analysis],
            &mut Findings::default(),
        );
        result.is_err()
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

    /// Takes hints from its 70,000th event to its 140,000th, and counts
    /// the events it sees out of order.
    #[derive(Default)]
    struct Switching {
        seen: u32,
        out_of_order: u32,
        hints: RefCell<u32>,
    }

    impl Analysis for Switching {
        fn prefetches(&self) -> bool {
            (70_000..140_000).contains(&self.seen)
        }

        fn prefetch(&self, _ev: &Event, _near: bool) {
            *self.hints.borrow_mut() += 1;
        }

        fn on_event(&mut self, _cx: &Context<'_>, ev: &Event, _found: &mut Findings) {
            let var = ev.kind.var().expect("a read").0;
            self.out_of_order += u32::from(var != self.seen);
            self.seen += 1;
        }

        fn end_trace(&mut self, _cx: &Context<'_>, _found: &mut Findings) {}
    }

    #[test]
    fn reading_ahead_starts_and_stops_without_losing_or_reordering_events() {
        let n = 200_000;
        let mut switching = Switching::default();
        assert!(until_an_error(n, &mut switching));
        assert_eq!((switching.seen, switching.out_of_order), (n, 0));
        // Hinted while it asked, as checked every RECHECK events: from
        // event 131,072 to 196,607, twice each.
        let hints = switching.hints.into_inner();
        assert!((100_000..=140_000).contains(&hints), "{hints} hints");
    }

    #[test]
    fn every_event_read_before_an_error_is_analyzed_in_order_after_its_hints() {
        let n = 3 * LOOKAHEAD as u32;
        let mut log = Log::default();
        assert!(until_an_error(n, &mut log));
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
