//! What a finding says, as data: one shape per kind of story, with the
//! names, sites and numbers the title and notes are worded from.

use serde::{Deserialize, Serialize};

use super::step::{Duration, Mode, WaitOn, Waited};

/// The finding's subject.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "shape", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Detail {
    /// Threads each waiting for the next (one thread: a self-deadlock).
    Deadlock { links: Vec<Link>, end: End },
    /// A thread blocked at the end that nothing can wake.
    Blocked {
        thread: String,
        on: WaitOn,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        holders: Vec<String>,
        why: Unwakeable,
    },
    /// A lock-order cycle: each edge's thread holds `from` and asks for
    /// `to`, the next edge's `from`.
    LockCycle {
        edges: Vec<OrderEdge>,
        /// The traces the edges come from, when they come from several.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        traces: Vec<String>,
        /// Why fork/join happens-before of the trace was not used.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fork_join_distrusted: Option<Distrust>,
        /// For a deadlock a reordering reaches: the critical sections that
        /// reordering runs before earlier sections of their lock.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        reordered: Vec<Reordered>,
        /// The cycle is over lock classes: its edges take different locks
        /// of the same classes (names or creation sites), so no single
        /// pair of locks of the run deadlocks this way.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        by_class: bool,
    },
    /// A lock asked for while holding one of equal or higher rank.
    RankOrder {
        thread: String,
        lock: String,
        rank: u64,
        held: String,
        held_rank: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        site: Option<String>,
    },
    /// A read lock asked for again while a writer waits for it.
    RecursiveRead {
        thread: String,
        lock: String,
        writer: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        site: Option<String>,
    },
    /// A release of a lock the thread does not hold.
    BadRelease {
        thread: String,
        lock: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        holders: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        site: Option<String>,
    },
    /// A lock held when its thread exited (or the trace ended).
    HeldAtExit {
        thread: String,
        lock: String,
        /// The thread exited; else it was still running at the end.
        exited: bool,
        /// Where the lock was acquired.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        site: Option<String>,
    },
    /// More permits released than were taken.
    OverRelease {
        thread: String,
        semaphore: String,
        permits: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        initial: Option<u32>,
        taken: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        site: Option<String>,
    },
    /// A condvar wait while holding another lock.
    WaitWhileHolding {
        thread: String,
        condvar: String,
        held: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        site: Option<String>,
    },
    /// A thread that waited too long for a lock.
    Starvation {
        thread: String,
        lock: String,
        waited: Waited,
        /// Still waiting when the trace ended.
        still_waiting: bool,
    },
    /// A hold far longer than the lock's others.
    LongHold {
        lock: String,
        thread: String,
        held: Duration,
        /// How many other holds, and their mean.
        others: u64,
        others_mean: Duration,
    },
    /// `thread` overwrote `overwritten`'s write of `var` with a value
    /// computed from a read before it.
    LostUpdate {
        var: String,
        thread: String,
        overwritten: String,
    },
    /// Two unordered accesses to `var`; the steps hold the accesses (the
    /// current one, then the previous) and where the threads were created.
    DataRace { var: String },
    /// `task` yielded (its poll ended) on OS thread `worker` while holding
    /// the blocking lock `lock`, acquired at `site`; `next` (another task,
    /// or the worker's own code) ran on `worker` next, which proves it.
    HeldAcrossAwait {
        task: String,
        lock: String,
        worker: String,
        next: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        site: Option<String>,
        /// Where the task's last event before the yield was (the await's
        /// site when the task yielded at a lockscope async lock).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_site: Option<String>,
    },
}

/// One thread of a wait-for cycle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub thread: String,
    /// The lock it holds that the previous thread of the cycle waits for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holds: Option<String>,
    pub waits_for: WaitOn,
}

/// How a deadlock ended, or did not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum End {
    /// The threads are still blocked: the run hung here.
    Hung,
    /// Every thread is blocked and none can wake another, with or without
    /// a cycle (the runtime's watchdog reports this).
    Stalled,
    /// A request of a non-reentrant lock by its holder, which returned (a
    /// timed request gave up): without the timeout it hangs.
    Returned,
    /// The cycle formed and a timeout broke it.
    BrokenByTimeout,
    /// The cycle formed and a panic or abort broke it.
    BrokenByAbort,
    /// The cycle formed and the threads stopped waiting; how is not in
    /// the trace.
    BrokenUnknown,
}

impl End {
    /// Whether the cycle formed during the run and was broken.
    pub fn broken(self) -> bool {
        matches!(
            self,
            End::BrokenByTimeout | End::BrokenByAbort | End::BrokenUnknown
        )
    }
}

/// Why a blocked thread can never be woken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unwakeable {
    /// A holder of what it waits for exited holding it.
    HolderExited,
    /// Every holder of what it waits for is stuck itself.
    HolderStuck,
    /// No thread that could signal it is left.
    NobodyToSignal,
    /// The trace does not say.
    Unknown,
}

/// One edge of a lock-order cycle: `thread` acquired `from` at
/// `site_from`, then asked for `to` at `site_to`, `count` times.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEdge {
    pub thread: String,
    pub from: String,
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_to: Option<String>,
    /// How `from` is held and `to` asked for, where the locks have modes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode_from: Option<Mode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode_to: Option<Mode>,
    pub count: u64,
}

/// A critical section that a witness schedule runs before `before`, a
/// section of the same lock that comes earlier in the trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reordered {
    pub lock: String,
    pub moved: SectionAt,
    pub before: SectionAt,
}

/// A critical section: its thread and where its outermost acquisition is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionAt {
    pub thread: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// The acquisition's event index.
    pub event: u64,
}

/// Why a trace's fork/join operands are not trusted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "because", rename_all = "snake_case")]
pub enum Distrust {
    /// `thread` ran before the fork (event `event`) that starts it.
    RanBeforeFork { thread: String, event: u64 },
    /// `thread` was forked at event `event` and never appears.
    NeverAppears { thread: String, event: u64 },
}
