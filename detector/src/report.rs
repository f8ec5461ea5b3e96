//! The findings model: one [`Finding`] type for every analysis, and the
//! [`Report`] that collects them.
//!
//! A finding names what it involves (threads, primitives, variables) by
//! their display names, lists the events that prove it as [`Step`]s (trace
//! index, thread, site, what happened), and carries a stable
//! [`fingerprint`](Finding::fingerprint): the same bug in two runs has the
//! same fingerprint, because it hashes kind, names and sites, never ids,
//! addresses, times or event indices. Baselines and suppressions key on it.
//!
//! Analyses return findings; finding a deadlock is never an `Err`.

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
/// `--deny`/`--warn`/`--allow` and `lockscope.toml` take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FindingKind {
    /// Threads blocked at the end of the trace in a wait-for cycle
    /// (self-deadlock included).
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
}

impl FindingKind {
    /// Every kind, most severe first.
    pub const ALL: [FindingKind; 13] = [
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
            | FindingKind::BadRelease => Severity::Error,
            FindingKind::BlockedForever
            | FindingKind::RecursiveRead
            | FindingKind::HeldAtExit
            | FindingKind::SemaphoreOverRelease
            | FindingKind::WaitWhileHolding
            | FindingKind::Starvation => Severity::Warning,
            FindingKind::LongHold => Severity::Info,
        }
    }

    /// One line of help for reports and SARIF rules.
    pub fn help(self) -> &'static str {
        match self {
            FindingKind::Deadlock => {
                "Threads wait for each other in a cycle and can never proceed."
            }
            FindingKind::BlockedForever => {
                "A thread is blocked at the end of the run and nothing can wake it."
            }
            FindingKind::PotentialDeadlock => {
                "Locks are taken in inconsistent orders by different threads; another \
                 schedule deadlocks. Take them in one global order (see `acquire`)."
            }
            FindingKind::LockOrderViolation => {
                "A lock was requested while a lock with an equal or higher id (rank) was held, \
                 breaking the sorted-id discipline."
            }
            FindingKind::RecursiveRead => {
                "A read lock was taken again while a writer was waiting; with a fair rwlock the \
                 second read blocks behind the writer and deadlocks."
            }
            FindingKind::BadRelease => "A lock was released by a thread that did not hold it.",
            FindingKind::HeldAtExit => "A lock was still held when its thread or the run ended.",
            FindingKind::SemaphoreOverRelease => {
                "A semaphore was released more times than it was acquired."
            }
            FindingKind::WaitWhileHolding => {
                "A thread waited on a condition variable while holding another lock, which \
                 blocks every thread that needs that lock, including the notifier."
            }
            FindingKind::Starvation => {
                "A thread waited for a lock far longer than others, or was bypassed many times."
            }
            FindingKind::LongHold => "A lock was held far longer than usual.",
            FindingKind::LostUpdate => {
                "A thread wrote a value computed from a stale read, overwriting another \
                 thread's update. Hold one lock across the whole read-modify-write."
            }
            FindingKind::DataRace => {
                "Two threads accessed a variable without ordering, and at least one wrote."
            }
        }
    }
}

impl std::fmt::Display for FindingKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure a predicted deadlock is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feasibility {
    /// No correct reordering of the trace was found that reaches it.
    Unconfirmed,
    /// A correct reordering of the trace reaches it.
    Feasible,
    /// It actually happened in the trace.
    Confirmed,
}

/// One event that is part of a finding's proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// 0-based index of the event in its trace, if it is a trace event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<u64>,
    /// The thread's display name.
    pub thread: String,
    /// `file:line:col` (or `loc N` for STD), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// What happened, in words: `acquired L2 while holding L1`.
    pub what: String,
    /// Symbolized frames, if the trace had them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backtrace: Vec<String>,
}

/// A lockdep-style two-column (or n-column) scenario: one column per thread,
/// rows read top to bottom, ending in the deadlock.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    /// Column headers: thread names.
    pub threads: Vec<String>,
    /// Each row is `(column, text)`: the step a thread takes at that point.
    pub rows: Vec<(usize, String)>,
}

/// One thing an analysis found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    /// A one-line title: `deadlock: T1 and T2 wait for each other on L1, L2`.
    pub title: String,
    /// Display names of the threads involved.
    pub threads: Vec<String>,
    /// Display names of the primitives involved.
    pub primitives: Vec<String>,
    /// Display names of the variables involved.
    pub vars: Vec<String>,
    /// The events that prove it, in trace order unless the kind says
    /// otherwise (a lock cycle lists one step per edge).
    pub steps: Vec<Step>,
    /// Stable across runs: see [`fingerprint`].
    pub fingerprint: String,
    /// For predicted deadlocks: how sure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feasibility: Option<Feasibility>,
    /// For deadlocks: the lockdep-style scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<Scenario>,
    /// Further lines of explanation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The trace the finding comes from, when several were analyzed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

impl Finding {
    /// A finding of `kind` with its default severity, a title and a
    /// fingerprint computed from `kind` and `identity` (names and sites that
    /// identify the bug; order matters, so pass them canonically sorted).
    pub fn new(kind: FindingKind, title: impl Into<String>, identity: &[&str]) -> Self {
        Finding {
            kind,
            severity: kind.default_severity(),
            title: title.into(),
            threads: Vec::new(),
            primitives: Vec::new(),
            vars: Vec::new(),
            steps: Vec::new(),
            fingerprint: fingerprint(kind, identity),
            feasibility: None,
            scenario: None,
            notes: Vec::new(),
            trace: None,
        }
    }
}

/// Per-lock contention statistics (Linux `lock_stat`, mutrace). Times are
/// in the trace's clock unit ([`TraceSummary::clock`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LockStats {
    /// The trace the lock belongs to.
    pub trace: String,
    pub name: String,
    pub kind: String,
    pub acquisitions: u64,
    /// Acquisitions that had to wait (a request while another thread held
    /// the lock incompatibly).
    pub contended: u64,
    pub wait_total: u64,
    pub wait_mean: f64,
    pub wait_p99: u64,
    pub wait_max: u64,
    pub hold_total: u64,
    pub hold_mean: f64,
    pub hold_max: u64,
    /// How often the lock passed from one thread to a different one.
    pub owner_changes: u64,
    /// Which sites waited on which holder sites, most waited first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contention_sites: Vec<ContentionSite>,
}

/// One `waiter site <- holder site` row of a lock's contention.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentionSite {
    pub waiter_site: String,
    pub holder_site: String,
    pub count: u64,
    pub wait_total: u64,
}

/// What was analyzed in one input.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceSummary {
    /// The input's name as given.
    pub name: String,
    /// `jsonl`, `json` or `std`.
    pub format: String,
    pub events: u64,
    pub threads: u64,
    pub primitives: u64,
    pub vars: u64,
    /// `ns` or `seq`.
    pub clock: String,
    pub first_time: u64,
    pub last_time: u64,
    /// Reader warnings (a truncated last line, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Everything `analyze` found in one or more traces.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Most severe first.
    pub findings: Vec<Finding>,
    pub traces: Vec<TraceSummary>,
    pub stats: Vec<LockStats>,
    /// Limits an analysis hit (a cycle-length bound, ...), in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub limits: Vec<String>,
}

impl Report {
    /// How many findings of `kind`.
    pub fn count(&self, kind: FindingKind) -> usize {
        self.findings.iter().filter(|f| f.kind == kind).count()
    }

    /// Sorts findings most severe first, then by kind, then by title, so
    /// output is deterministic.
    pub fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(a.kind.cmp(&b.kind))
                .then_with(|| a.title.cmp(&b.title))
        });
    }
}

/// A stable 64-bit FNV-1a hash of `kind` and `identity`, as 16 hex digits.
///
/// Stable across runs, platforms and lockscope versions: it depends only on
/// the bytes of the kind's wire name and of each identity string.
pub fn fingerprint(kind: FindingKind, identity: &[&str]) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(PRIME);
        }
        // A separator no identity string contains, so ["ab","c"] != ["a","bc"].
        hash ^= 0xff;
        hash = hash.wrapping_mul(PRIME);
    };
    feed(kind.as_str().as_bytes());
    for part in identity {
        feed(part.as_bytes());
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_stable_and_separates_parts() {
        let a = fingerprint(FindingKind::Deadlock, &["L1", "L2"]);
        assert_eq!(a, fingerprint(FindingKind::Deadlock, &["L1", "L2"]));
        assert_ne!(a, fingerprint(FindingKind::Deadlock, &["L1L", "2"]));
        assert_ne!(
            a,
            fingerprint(FindingKind::PotentialDeadlock, &["L1", "L2"])
        );
        // Pinned: a change here breaks every user's baseline file.
        assert_eq!(fingerprint(FindingKind::Deadlock, &[]), "52b1d1f0b8a6397d");
    }

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
}
