//! What a finding is about ([`FindingKind`]), how bad it is ([`Severity`])
//! and, for predicted findings, how sure the analysis is ([`Grade`]).

use serde::{Deserialize, Serialize};

/// How bad a finding is. Ordered: `Error > Warning > Info`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// What a finding is about. The wire names (`snake_case`) are what
/// `--deny`/`--warn`/`--allow`, `lockscope.toml`, the JSON report and the
/// runtime's trace notes use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingKind {
    /// Threads blocked in a wait-for cycle (self-deadlock included).
    Deadlock,
    /// A thread blocked at the end of the trace outside any cycle.
    BlockedForever,
    /// A lock-order inversion (predicted deadlock).
    PotentialDeadlock,
    /// A break of the sorted-id discipline of the `acquire` helper.
    LockOrderViolation,
    /// A read lock taken again while a writer waits (recursive-read hazard).
    RecursiveRead,
    /// Releasing a lock not held, or held by another thread.
    BadRelease,
    /// A lock still held at thread exit or at the end of the trace.
    HeldAtExit,
    /// A semaphore released above its initial permits.
    SemaphoreOverRelease,
    /// A condvar wait while holding another lock.
    WaitWhileHolding,
    /// A thread bypassed many times, or waiting far too long, for a lock.
    Starvation,
    /// A lock held far longer than usual.
    LongHold,
    /// A write that overwrites another thread's update it never saw.
    LostUpdate,
    /// Two unordered conflicting accesses to a tracked variable.
    DataRace,
    /// A task yielded (its poll ended) while holding a blocking lock.
    HeldAcrossAwait,
}

impl FindingKind {
    /// Every kind, most severe first.
    pub const ALL: [FindingKind; 14] = [
        FindingKind::Deadlock,
        FindingKind::BlockedForever,
        FindingKind::PotentialDeadlock,
        FindingKind::LockOrderViolation,
        FindingKind::RecursiveRead,
        FindingKind::BadRelease,
        FindingKind::HeldAtExit,
        FindingKind::SemaphoreOverRelease,
        FindingKind::WaitWhileHolding,
        FindingKind::Starvation,
        FindingKind::LongHold,
        FindingKind::LostUpdate,
        FindingKind::DataRace,
        FindingKind::HeldAcrossAwait,
    ];

    /// The wire name (`deadlock`, `potential_deadlock`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Deadlock => "deadlock",
            FindingKind::BlockedForever => "blocked_forever",
            FindingKind::PotentialDeadlock => "potential_deadlock",
            FindingKind::LockOrderViolation => "lock_order_violation",
            FindingKind::RecursiveRead => "recursive_read",
            FindingKind::BadRelease => "bad_release",
            FindingKind::HeldAtExit => "held_at_exit",
            FindingKind::SemaphoreOverRelease => "semaphore_over_release",
            FindingKind::WaitWhileHolding => "wait_while_holding",
            FindingKind::Starvation => "starvation",
            FindingKind::LongHold => "long_hold",
            FindingKind::LostUpdate => "lost_update",
            FindingKind::DataRace => "data_race",
            FindingKind::HeldAcrossAwait => "held_across_await",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The severity an analysis gives this kind unless it knows better.
    pub fn default_severity(self) -> Severity {
        match self {
            FindingKind::Deadlock
            | FindingKind::PotentialDeadlock
            | FindingKind::LockOrderViolation
            | FindingKind::LostUpdate
            | FindingKind::DataRace
            | FindingKind::BadRelease
            | FindingKind::HeldAcrossAwait => Severity::Error,
            FindingKind::BlockedForever
            | FindingKind::RecursiveRead
            | FindingKind::HeldAtExit
            | FindingKind::SemaphoreOverRelease
            | FindingKind::WaitWhileHolding
            | FindingKind::Starvation => Severity::Warning,
            FindingKind::LongHold => Severity::Info,
        }
    }
}

impl std::fmt::Display for FindingKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the run showed about a finding: how sure it is. Ordered from least
/// to most sure.
///
/// For a potential deadlock: `confirmed` (the trace ends in it),
/// `feasible` (a correct reordering of the trace reaches it), `sequential`
/// (both lock orders were taken, never concurrently, and nothing in the run
/// keeps them apart: one thread, or threads ordered only by how they were
/// started and joined), `unconfirmed` (the trace shows it cannot happen as
/// recorded: a read observes a write only the other order allows, or every
/// reordering breaks lock semantics).
///
/// For a data race: `sound` (a correct reordering runs both accesses at
/// once: a race under schedulable happens-before) or `hb_only` (only
/// happens-before leaves them unordered). For a lost update: `confirmed`.
/// Either is `unconfirmed` when a thread lockscope did not see start or
/// join might order the accesses (see
/// [`Finding::unseen_thread`](super::Finding::unseen_thread)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Grade {
    /// The trace shows it cannot happen as recorded, or the verdict rests
    /// on ordering the trace does not show.
    Unconfirmed,
    /// A data race under happens-before only: a correct reordering that
    /// keeps every read's writer and runs both accesses together was not
    /// found (one may exist).
    HbOnly,
    /// A data race that a correct reordering of the trace reaches: both
    /// accesses about to run, every read before them reading the same
    /// write as in the trace (a race under schedulable happens-before).
    Sound,
    /// Both orders were observed, never concurrently, and nothing in the
    /// run keeps them apart.
    Sequential,
    /// A correct reordering of the trace reaches it.
    Feasible,
    /// It actually happened in the trace.
    Confirmed,
}

impl Grade {
    /// Every grade, least sure first.
    pub const ALL: [Grade; 6] = [
        Grade::Unconfirmed,
        Grade::HbOnly,
        Grade::Sound,
        Grade::Sequential,
        Grade::Feasible,
        Grade::Confirmed,
    ];

    /// The wire name (`unconfirmed`, `hb_only`, `sound`, `sequential`,
    /// `feasible`,
    /// `confirmed`).
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::Unconfirmed => "unconfirmed",
            Grade::HbOnly => "hb_only",
            Grade::Sound => "sound",
            Grade::Sequential => "sequential",
            Grade::Feasible => "feasible",
            Grade::Confirmed => "confirmed",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }

    /// The severity a finding of this grade gets: what happened, what a
    /// reordering reaches (a sound race included) and what nothing in the
    /// run keeps apart are errors; what the trace shows cannot happen, what
    /// rests on ordering the trace does not show, and a race only
    /// happens-before supports, a warning.
    pub fn severity(self) -> Severity {
        match self {
            Grade::Confirmed | Grade::Feasible | Grade::Sequential | Grade::Sound => {
                Severity::Error
            }
            Grade::Unconfirmed | Grade::HbOnly => Severity::Warning,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_their_own_names() {
        for k in FindingKind::ALL {
            assert_eq!(FindingKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn severity_orders_error_highest() {
        assert!(Severity::Error > Severity::Warning && Severity::Warning > Severity::Info);
    }

    #[test]
    fn grades_order_by_certainty() {
        assert!(Grade::Confirmed > Grade::Feasible && Grade::Feasible > Grade::Sequential);
        assert!(Grade::Sequential > Grade::Unconfirmed);
        assert_eq!(Grade::Unconfirmed.severity(), Severity::Warning);
        assert!(Grade::Sound > Grade::HbOnly && Grade::HbOnly > Grade::Unconfirmed);
        assert_eq!(Grade::Sound.severity(), Severity::Error);
        assert_eq!(Grade::HbOnly.severity(), Severity::Warning);
        assert_eq!(Grade::Sequential.severity(), Severity::Error);
        for g in Grade::ALL {
            assert_eq!(Grade::parse(g.as_str()), Some(g));
        }
    }
}
