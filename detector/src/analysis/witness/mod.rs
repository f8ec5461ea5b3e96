//! Witnesses for predicted deadlocks: a correct reordering of the trace,
//! found within a budget and replayed before it is believed.
//!
//! A *correct reordering* keeps each thread's events in program order,
//! every read reading the write it read in the trace, lock semantics
//! (re-entrancy included) and fork/join. A deadlock witness is one that
//! ends with each thread of a pattern at its request, the lock it asks for
//! held by the next thread. The search for a pattern (its edges, each with
//! every occurrence of its request):
//!
//! 1. **Sync-preserving walk** (`walk`; SPDOffline, Tunç, Mathur,
//!    Pavlogiannis and Viswanathan, PLDI 2023): one growing closure
//!    (`closure`) over every occurrence combination, moving a thread's
//!    stop past the closure whenever the closure swallows it. Critical
//!    sections keep their trace order. A combination it accepts is
//!    scheduled in trace order.
//! 2. **Pinned closures**: on the combinations the walk stood on, then on
//!    every other occurrence combination (at most [`Budget::attempts`] in
//!    all), the sections the stops hold are *pinned*: they stay open and
//!    run after every other section of their lock, so later sections of
//!    those locks move before them (a critical-section swap; at most
//!    [`Budget::swaps`] moves). The closure then must be scheduled against
//!    trace order (`linearize`): each read stays between its writer and
//!    the next write (`variables`: a write with its reads may run before
//!    an earlier one with its reads, and writes no read of the schedule
//!    reads are not ordered among themselves).
//! 3. **Exploration** (`explore`): when neither finds a witness, every
//!    correct reordering of a short trace is explored state by state (at
//!    most [`Budget::states`] states per trace, traces of at most
//!    [`Budget::explore`] events), which also reorders sections of locks
//!    the deadlocked threads do not hold. With [`Budget::UNLIMITED`] it
//!    finds a witness whenever a correct reordering reaches the deadlock.
//! 4. **Replay** (`replay`): every schedule, from any step, is replayed
//!    from the start of the trace and checked against the correct
//!    reordering rules and the deadlock it claims. Only a schedule that
//!    passes is a witness, so a witness is a real execution: the search
//!    can miss deadlocks, never invent one.
//!
//! A witness says which critical sections it moved (`moves`), for the
//! report.
//!
//! # Budget
//! [`Budget`] bounds the search: moves per witness, pinned attempts per
//! pattern, events sorted per schedule (the window around the pattern's
//! held acquisitions: events before the earliest one run in trace order),
//! states explored per trace, and work per trace (events scanned by
//! closures, scheduled and replayed). Each cut is counted in [`Cuts`] and
//! reported in the report's limits.
//!
//! # Performance
//! The walk costs one pass over the events its closure reaches, whatever
//! the number of combinations; a pinned attempt costs one closure and one
//! sort of at most [`Budget::window`] events (O(n log n)). The log keeps 8
//! bytes per event; a trace with more events than
//! [`Config::feasibility_window`](crate::analysis::Config::feasibility_window)
//! (or [`Log::MAX_EVENTS`]) keeps none and is not searched, which the
//! report's limits say; the indexes built at the
//! end of the trace (`log::View`) about 20 more, for the search only.
//!
//! # Limitations
//! Condition-variable waits are not reordered: a pattern whose closure
//! contains one gets no witness from this search. Read locks are treated
//! as exclusive by the closures (the replay knows shared holds). Each
//! variable's reads and writes are scheduled in one of three orders (trace
//! order, or two taken from a schedule that ignored variables); a witness
//! that needs another is not found by the closures. Only the sections the
//! deadlocked threads hold move in the closures: a witness that needs two
//! sections of another lock swapped is left to the exploration, which
//! reaches it on small traces only (its states grow with the
//! interleavings of the whole trace).

mod closure;
mod explore;
mod linearize;
mod log;
mod moves;
mod occurrences;
mod replay;
mod search;
#[cfg(test)]
mod testlog;
mod variables;
mod walk;

pub use log::{Log, Section};
pub use moves::Moved;
pub use occurrences::EdgeKey;
pub use search::{PatternEdge, Searcher, Witness};

/// How far the witness search goes, per trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Most critical sections a witness may move before an earlier section
    /// of their lock; 0 keeps to sync-preserving reorderings.
    pub swaps: usize,
    /// Most occurrence combinations tried with pinned sections per
    /// pattern (those the walk stood on first).
    pub attempts: usize,
    /// Most events one schedule sorts against trace order.
    pub window: usize,
    /// Most events one schedule sorts with a variable's accesses out of
    /// trace order (when trace order has no schedule).
    pub regroup: usize,
    /// Most states the exploration visits per trace (see `explore`); 0
    /// leaves it out.
    pub states: u64,
    /// Most events a trace may have to be explored.
    pub explore: usize,
    /// Work per trace: events scanned by closures, scheduled and replayed.
    pub steps: u64,
}

impl Budget {
    /// The default: 8 moves, 16 attempts per pattern, a window of 65,536
    /// events (4,096 with variables regrouped), 50 million steps per trace,
    /// and 250,000 states explored per trace of at most 4,096 events.
    pub const DEFAULT: Budget = Budget {
        swaps: 8,
        attempts: 16,
        window: 1 << 16,
        regroup: 1 << 12,
        states: 250_000,
        explore: 1 << 12,
        steps: 50_000_000,
    };

    /// Sync-preserving reorderings only (the walk, no pinned attempts, no
    /// exploration).
    pub const SYNC_PRESERVING: Budget = Budget {
        swaps: 0,
        states: 0,
        ..Budget::DEFAULT
    };

    /// No bound but the work per trace (for small traces and tests).
    pub const UNLIMITED: Budget = Budget {
        swaps: usize::MAX,
        attempts: usize::MAX,
        window: usize::MAX,
        regroup: usize::MAX,
        states: u64::MAX,
        explore: usize::MAX,
        steps: u64::MAX,
    };
}

impl Default for Budget {
    fn default() -> Self {
        Budget::DEFAULT
    }
}

/// What the budget cut in one trace.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cuts {
    /// Patterns left unsearched (or cut short) when the work ran out.
    pub budget: u64,
    /// Patterns with more occurrence combinations than
    /// [`Budget::attempts`], none of the tried ones a witness.
    pub attempts: u64,
    /// Attempts that needed more moves than [`Budget::swaps`].
    pub swaps: u64,
    /// Attempts whose schedule was larger than [`Budget::window`].
    pub window: u64,
    /// Attempts without a schedule in trace order of variables, larger
    /// than [`Budget::regroup`].
    pub regroup: u64,
    /// Patterns left unexplored (or explored in part) when the trace's
    /// [`Budget::states`] ran out.
    pub states: u64,
    /// Patterns not explored: the trace has more than [`Budget::explore`]
    /// events.
    pub explore: u64,
    /// Events not logged (ids too large to pack): patterns after them get
    /// no witness.
    pub log: u64,
}

impl Cuts {
    /// The report's limit lines for trace `name`.
    pub fn messages(&self, name: &str, budget: &Budget) -> Vec<String> {
        let mut out = Vec::new();
        if self.budget > 0 {
            out.push(format!(
                "{name}: the deadlock witness search ran out of work ({} steps); {} pattern(s) \
                 were not searched to the end",
                budget.steps, self.budget
            ));
        }
        if self.attempts > 0 {
            out.push(format!(
                "{name}: {} deadlock pattern(s) had more than {} occurrence combinations to \
                 try with critical sections moved; the rest were not tried",
                self.attempts, budget.attempts
            ));
        }
        if self.swaps > 0 {
            out.push(format!(
                "{name}: {} deadlock witness attempt(s) needed more than {} critical-section \
                 moves and were not scheduled",
                self.swaps, budget.swaps
            ));
        }
        if self.window > 0 {
            out.push(format!(
                "{name}: {} deadlock witness attempt(s) had more than {} events to reorder and \
                 were not scheduled",
                self.window, budget.window
            ));
        }
        if self.regroup > 0 {
            out.push(format!(
                "{name}: {} deadlock witness attempt(s) had more than {} events to reorder with \
                 variables regrouped and were scheduled with variables in trace order only",
                self.regroup, budget.regroup
            ));
        }
        if self.states > 0 {
            out.push(format!(
                "{name}: the exploration of reorderings ran out of states ({} per trace); {} \
                 deadlock pattern(s) were not explored to the end",
                budget.states, self.states
            ));
        }
        if self.explore > 0 {
            out.push(format!(
                "{name}: {} deadlock pattern(s) without a witness were not explored state by \
                 state: the trace has more than {} events",
                self.explore, budget.explore
            ));
        }
        if self.log > 0 {
            out.push(format!(
                "{name}: {} events (from the first whose id is too large to pack on) were not \
                 kept for the deadlock witness search",
                self.log
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests;
