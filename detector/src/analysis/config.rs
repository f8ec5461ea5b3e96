//! Analysis settings, with documented defaults.

/// What the analyses look for and where they stop.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Longest lock cycle the predicted-deadlock search enumerates. Cycles
    /// are found shortest first; when the bound cuts the search the report
    /// says so in [`Report::limits`](crate::report::Report::limits).
    pub max_cycle_len: usize,
    /// Most cycles reported per strongly connected component of the lock
    /// order graph before the search stops (and says so).
    pub max_cycles_per_component: usize,
    /// A thread is starved when others took the lock this many times while
    /// it waited.
    pub starvation_bypass: u32,
    /// A single wait longer than this (in nanoseconds) is starvation.
    /// Default 100 ms: parking_lot hands a lock over fairly after about
    /// 0.5 ms of unfairness, so a 100 ms wait is two orders of magnitude
    /// past anything a healthy lock shows, yet short enough to catch a
    /// test-sized run. (parking_lot also always unlocks fairly after a
    /// critical section longer than 1 ms.)
    pub long_wait_ns: u64,
    /// A hold longer than this factor times the lock's mean hold (and at
    /// least [`long_hold_min_ns`](Config::long_hold_min_ns)) is reported.
    pub long_hold_factor: f64,
    /// Holds shorter than this are never "long" (nanoseconds; 10 ms).
    pub long_hold_min_ns: u64,
    /// Whether fork/join order the trace. Off for DeadlockFuzzer-recorded
    /// (`*_dlf`) traces, whose fork/join operands do not name the child.
    pub trust_fork_join: bool,
    /// How far the search for deadlock witnesses beyond the
    /// sync-preserving closure over sampled occurrences goes per trace (see
    /// [`witness::Budget`](super::witness::Budget)); cuts are reported in
    /// the report's limits. `None` grades with that closure only (no
    /// witness log is kept). A trace with more events than
    /// `feasibility_window` is not searched (the log keeps no more), which
    /// the limits say.
    pub witness: Option<super::witness::Budget>,
    /// How many of a trace's latest events the feasibility grader of
    /// predicted deadlocks keeps (8 bytes each, plus its critical
    /// sections): a pattern whose request is older is graded unconfirmed
    /// and the report's limits say so. Default 4,194,304 (about 4M events,
    /// 32 MB): memory stays bounded however long the trace.
    pub feasibility_window: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_cycle_len: 6,
            max_cycles_per_component: 1000,
            starvation_bypass: 20,
            long_wait_ns: 100_000_000,
            long_hold_factor: 100.0,
            long_hold_min_ns: 10_000_000,
            trust_fork_join: true,
            witness: Some(super::witness::Budget::DEFAULT),
            feasibility_window: 1 << 22,
        }
    }
}
