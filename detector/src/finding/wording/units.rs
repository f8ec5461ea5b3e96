//! Words for quantities and categories: durations, counts of findings by
//! kind, what each kind means, what each grade means.

use crate::finding::kind::{FindingKind, Grade};
use crate::finding::model::Finding;
use crate::finding::step::{Duration, TimeUnit};

/// A duration for people: `1.50 ms`, or `12 events` on a trace without a
/// clock.
pub fn duration(d: Duration) -> String {
    let v = d.amount;
    if d.unit == TimeUnit::Events {
        return format!("{v} events");
    }
    match v {
        0..1_000 => format!("{v} ns"),
        1_000..1_000_000 => format!("{:.2} µs", v as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.2} ms", v as f64 / 1e6),
        _ => format!("{:.2} s", v as f64 / 1e9),
    }
}

/// `n` findings of `kind`: `1 deadlock`, `99 lost updates`.
pub fn count(kind: FindingKind, n: usize) -> String {
    let (one, many) = match kind {
        FindingKind::Deadlock => ("deadlock", "deadlocks"),
        FindingKind::BlockedForever => ("thread blocked forever", "threads blocked forever"),
        FindingKind::PotentialDeadlock => ("potential deadlock", "potential deadlocks"),
        FindingKind::LockOrderViolation => ("lock-order violation", "lock-order violations"),
        FindingKind::RecursiveRead => ("recursive read", "recursive reads"),
        FindingKind::BadRelease => ("bad release", "bad releases"),
        FindingKind::HeldAtExit => ("lock held at exit", "locks held at exit"),
        FindingKind::SemaphoreOverRelease => ("semaphore over-release", "semaphore over-releases"),
        FindingKind::WaitWhileHolding => ("wait while holding", "waits while holding"),
        FindingKind::Starvation => ("starved thread", "starved threads"),
        FindingKind::LongHold => ("long hold", "long holds"),
        FindingKind::LostUpdate => ("lost update", "lost updates"),
        FindingKind::DataRace => ("data race", "data races"),
        FindingKind::HeldAcrossAwait => ("lock held across an await", "locks held across an await"),
    };
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `(99 occurrences)`, or nothing for one.
pub fn occurrences(n: u64) -> Option<String> {
    (n > 1).then(|| format!("({n} occurrences)"))
}

/// The closing summary of a report: `1 deadlock, 1 lost update (99
/// occurrences) in 3 traces`, or `no findings in 1 trace`. `counts` gives,
/// per kind, the findings and their occurrences; `truncated` of the
/// `traces` ended in a cut record (`in 1 trace (truncated)`).
pub fn summary(counts: &[(FindingKind, usize, u64)], traces: usize, truncated: usize) -> String {
    let parts: Vec<String> = counts
        .iter()
        .filter(|c| c.1 > 0)
        .map(
            |&(kind, n, occ)| match occurrences(occ).filter(|_| occ > n as u64) {
                Some(o) => format!("{} {o}", count(kind, n)),
                None => count(kind, n),
            },
        )
        .collect();
    let what = if parts.is_empty() {
        "no findings".to_owned()
    } else {
        parts.join(", ")
    };
    let cut = match truncated {
        0 => String::new(),
        1 if traces == 1 => " (truncated)".to_owned(),
        n => format!(" ({n} truncated)"),
    };
    format!(
        "{what} in {traces} trace{}{cut}",
        if traces == 1 { "" } else { "s" }
    )
}

/// One line of help for a kind, for reports and SARIF rules.
pub fn help(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::Deadlock => "Threads wait for each other in a cycle and can never proceed.",
        FindingKind::BlockedForever => {
            "A thread is blocked at the end of the run and nothing can wake it."
        }
        FindingKind::PotentialDeadlock => {
            "Locks are taken in inconsistent orders by different threads; another schedule \
             deadlocks. Take them in one global order (see `acquire`)."
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
            "A thread waited on a condition variable while holding another lock, which blocks \
             every thread that needs that lock, including the notifier."
        }
        FindingKind::Starvation => {
            "A thread waited for a lock far longer than others, or was bypassed many times."
        }
        FindingKind::LongHold => "A lock was held far longer than usual.",
        FindingKind::LostUpdate => {
            "A thread wrote a value computed from a stale read, overwriting another thread's \
             update. Hold one lock across the whole read-modify-write."
        }
        FindingKind::DataRace => {
            "Two threads accessed a variable without ordering, and at least one wrote."
        }
        FindingKind::HeldAcrossAwait => {
            "A task yielded while holding a blocking lock: any other task on its worker that              takes the lock blocks the worker thread, and with it the task that would release              it. Drop the guard before the `.await`, or use an async lock."
        }
    }
}

/// A grade in a few words.
pub fn grade(g: Grade) -> &'static str {
    match g {
        Grade::Confirmed => "happened in this run",
        Grade::Feasible => "a valid reordering of this run reaches it",
        Grade::Sound => "a valid reordering of this run runs both accesses together",
        Grade::HbOnly => "unordered by happens-before; no valid reordering shown (may be benign)",
        Grade::Sequential => "both orders were taken, never concurrently; nothing keeps them apart",
        Grade::Unconfirmed => "no reordering reaching it was found (may be a false alarm)",
    }
}

/// A finding's grade in a few words, as its kind means it: for data races
/// and lost updates, whether the trace shows every edge that could order
/// the accesses; for the others, [`grade`]. `None` when it has no grade.
pub fn grade_of(f: &Finding) -> Option<String> {
    let g = f.grade?;
    let unseen = f.unseen_thread.as_deref();
    let on_accesses = matches!(f.kind, FindingKind::DataRace | FindingKind::LostUpdate);
    Some(match (on_accesses, g, unseen) {
        (true, Grade::Unconfirmed, Some(t)) => {
            format!("unconfirmed: thread {t} was not started through lockscope")
        }
        (true, Grade::Unconfirmed, None) => "unconfirmed".to_owned(),
        (true, _, _) => "confirmed: the trace shows every edge that could order it".to_owned(),
        (false, _, Some(t)) => {
            format!("{}; thread {t} was not started through lockscope", grade(g))
        }
        (false, _, None) => grade(g).to_owned(),
    })
}

/// What a grade means, in full.
pub fn grade_note(g: Grade) -> &'static str {
    match g {
        Grade::Confirmed => "confirmed: the trace ends in this deadlock",
        Grade::Feasible => {
            "feasible: a correct reordering of the trace (same reads-from, lock semantics and \
             fork/join order) reaches this deadlock"
        }
        Grade::Sound => {
            "sound: a correct reordering of the trace (every read before the two accesses \
             reads the same write, locks and fork/join respected) has both accesses about to \
             run at once (a race under schedulable happens-before)"
        }
        Grade::HbOnly => {
            "hb_only: the accesses are unordered by happens-before, but schedulable \
             happens-before orders them: running them together needs an earlier read to observe \
             another write than in the trace; it may still be a race"
        }
        Grade::Sequential => {
            "sequential: both lock orders were taken in this run, never at the same time (on one \
             thread, or on threads ordered only by how they were started and joined); nothing \
             else keeps them apart, so threads that run these paths concurrently can deadlock"
        }
        Grade::Unconfirmed => {
            "unconfirmed: no correct reordering of the trace found within the search budget \
             reaches this deadlock; it may still happen under a schedule that changes what some \
             read observes"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_pick_a_readable_unit() {
        let ns = |amount| Duration {
            amount,
            unit: TimeUnit::Nanoseconds,
        };
        assert_eq!(duration(ns(999)), "999 ns");
        assert_eq!(duration(ns(1_500)), "1.50 µs");
        assert_eq!(duration(ns(2_000_000)), "2.00 ms");
        assert_eq!(duration(ns(3_000_000_000)), "3.00 s");
        let events = Duration {
            amount: 7,
            unit: TimeUnit::Events,
        };
        assert_eq!(duration(events), "7 events");
    }

    #[test]
    fn summary_counts_findings_and_their_occurrences() {
        let counts = [
            (FindingKind::Deadlock, 1, 1),
            (FindingKind::LongHold, 0, 0),
            (FindingKind::LostUpdate, 1, 99),
            (FindingKind::DataRace, 2, 2),
        ];
        assert_eq!(
            summary(&counts, 3, 0),
            "1 deadlock, 1 lost update (99 occurrences), 2 data races in 3 traces"
        );
        assert_eq!(summary(&[], 1, 0), "no findings in 1 trace");
        assert_eq!(summary(&[], 1, 1), "no findings in 1 trace (truncated)");
        assert_eq!(summary(&[], 3, 2), "no findings in 3 traces (2 truncated)");
    }
}
