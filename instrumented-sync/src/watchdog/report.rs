//! The watchdog's deadlock report: every deadlocked thread with what it
//! holds and wants (names, sites, how long, backtraces when captured), then
//! lockdep's two-column scenario ending in `*** DEADLOCK ***`.

use std::fmt::Write;
use std::time::Instant;

use super::registry::{thread_label, Blocked, Slot, WaitDesc};
use crate::order::report::scenario;
use crate::policy::{FindingKind, LiveFinding};

/// `wants ...` text for a wait.
fn wants(on: &WaitDesc) -> String {
    match on {
        WaitDesc::Lock { lock, mode } => format!("{lock} ({mode})"),
        WaitDesc::Condvar { condvar, mutex } => {
            format!(
                "a notification on {condvar} (with {} released)",
                mutex.label()
            )
        }
        WaitDesc::Semaphore(s) => format!("a permit of {s}"),
        WaitDesc::Event(e) => format!("{e} to be set"),
        WaitDesc::Barrier(b) => format!("the other parties of {b}"),
        WaitDesc::Join(t) => format!("thread {t} to exit"),
    }
}

/// The scenario step for a wait.
fn step(on: &WaitDesc) -> String {
    match on {
        WaitDesc::Lock { lock, .. } => format!("lock({});", lock.label()),
        WaitDesc::Condvar { condvar, .. } => format!("wait({});", condvar.label()),
        WaitDesc::Semaphore(s) => format!("acquire({});", s.label()),
        WaitDesc::Event(e) => format!("wait({});", e.label()),
        WaitDesc::Barrier(b) => format!("wait({});", b.label()),
        WaitDesc::Join(t) => format!("join(thread {t});"),
    }
}

/// A deadlock among `threads` (in cycle order for a wait-for cycle: each
/// waits for something the next one holds). `cycle` says which kind.
pub fn deadlock(threads: &[(&Slot, &Blocked)], cycle: bool) -> LiveFinding {
    let now = Instant::now();
    let labels: Vec<String> = threads
        .iter()
        .map(|(s, _)| thread_label(s.thread, s.name.as_deref()))
        .collect();
    let summary = if cycle {
        format!(
            "deadlock: {} wait for each other ({})",
            labels.join(", "),
            threads.len()
        )
    } else {
        format!(
            "deadlock: every thread is blocked and none can wake the others: {}",
            labels.join(", ")
        )
    };
    let mut report = format!("lockscope: {summary}\n\n");
    for ((_, b), label) in threads.iter().zip(&labels) {
        let _ = writeln!(report, "{label}");
        for h in &b.held {
            let _ = writeln!(report, "    holds {} ({}) since {}", h.info, h.mode, h.site);
        }
        let _ = writeln!(
            report,
            "    wants {} at {}, blocked for {:.1?}",
            wants(&b.on),
            b.site,
            now.saturating_duration_since(b.since)
        );
        if let Some(bt) = &b.backtrace {
            let _ = writeln!(report, "    backtrace:\n{bt}");
        }
    }
    report.push('\n');
    let mut steps: Vec<(usize, String)> = Vec::new();
    for (i, (_, b)) in threads.iter().enumerate() {
        for h in &b.held {
            steps.push((i, format!("lock({});", h.info.label())));
        }
    }
    for (i, (_, b)) in threads.iter().enumerate().rev() {
        steps.push((i, step(&b.on)));
    }
    report += &scenario(&labels, &steps);
    LiveFinding {
        kind: FindingKind::Deadlock,
        summary,
        report,
        threads: threads.iter().map(|(s, _)| s.thread).collect(),
    }
}
