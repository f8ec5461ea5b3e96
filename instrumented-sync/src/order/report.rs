//! Reports of the order checks, shaped like lockdep's: named locks, every
//! edge with the sites that took it, and a "possible unsafe locking
//! scenario" in one column per thread, ending in `*** DEADLOCK ***`.

use std::fmt::Write;
use std::panic::Location;

use lockscope_detector::trace::LockMode;

use super::learned::Edge;
use crate::policy::{FindingKind, LiveFinding};
use crate::thread_state::{Held, LockInfo};
use crate::watchdog::registry::thread_label;

/// Width of one scenario column.
const COLUMN: usize = 30;

/// Lays out `steps` (column, text) as lockdep's scenario table.
pub fn scenario(headers: &[String], steps: &[(usize, String)]) -> String {
    let mut out = String::from("possible unsafe locking scenario:\n\n");
    let row = |cells: &mut dyn Iterator<Item = (usize, &str)>| {
        let mut line = String::from("       ");
        for (col, text) in cells {
            while line.len() < 7 + col * COLUMN {
                line.push(' ');
            }
            line.push_str(text);
        }
        line.trim_end().to_owned() + "\n"
    };
    out += &row(&mut headers.iter().enumerate().map(|(i, h)| (i, h.as_str())));
    out += &row(&mut (0..headers.len()).map(|i| (i, "----")));
    for (col, text) in steps {
        out += &row(&mut std::iter::once((*col, text.as_str())));
    }
    out + "\n *** DEADLOCK ***\n"
}

/// A cycle `locks[0] -> locks[1] -> ... -> locks[0]`, edge `i` taken as
/// `taken[i]`.
pub fn inversion(locks: &[LockInfo], taken: &[&Edge]) -> LiveFinding {
    let n = locks.len();
    let names: Vec<String> = locks.iter().map(|l| format!("`{}`", l.label())).collect();
    let summary = format!(
        "potential deadlock: lock-order inversion {} -> {}",
        names.join(" -> "),
        names[0]
    );
    let mut report = format!(
        "lockscope: {summary} (nothing hung in this run)\n\nthe cycle, each edge as first taken:\n"
    );
    for (i, e) in taken.iter().enumerate() {
        let (a, b) = (&locks[i], &locks[(i + 1) % n]);
        let _ = writeln!(
            report,
            "  {a}\n    -> {b}\n       {} held {} (taken at {}) and took {} at {}",
            thread_label(e.thread, e.thread_name.as_deref()),
            names[i],
            e.from_site,
            names[(i + 1) % n],
            e.to_site
        );
    }
    report.push('\n');
    let headers: Vec<String> = taken
        .iter()
        .map(|e| thread_label(e.thread, e.thread_name.as_deref()))
        .collect();
    let mut steps: Vec<(usize, String)> = (0..n)
        .map(|i| (i, format!("lock({});", locks[i].label())))
        .collect();
    steps.extend(
        (0..n)
            .rev()
            .map(|i| (i, format!("lock({});", locks[(i + 1) % n].label()))),
    );
    report += &scenario(&headers, &steps);
    let mut threads: Vec<u64> = taken.iter().map(|e| e.thread).collect();
    threads.dedup();
    LiveFinding {
        kind: FindingKind::LockOrder,
        summary,
        report,
        threads,
    }
}

/// `thread` blocks on `lock` (in `mode`, at `site`) which it holds as `held`.
pub fn self_deadlock(
    thread: (u64, Option<&str>),
    held: &Held,
    mode: LockMode,
    site: &'static Location<'static>,
) -> LiveFinding {
    let who = thread_label(thread.0, thread.1);
    let lock = held.info.label();
    let summary = format!("self-deadlock: {who} blocks on `{lock}`, which it already holds");
    let mut report = format!(
        "lockscope: {summary}\n\n  {}\n    held ({}) since {}\n    requested again ({mode}) at {site}\n\n",
        held.info, held.mode, held.site
    );
    let steps = [(0, format!("lock({lock});")), (0, format!("lock({lock});"))];
    report += &scenario(&[who], &steps);
    LiveFinding {
        kind: FindingKind::SelfDeadlock,
        summary,
        report,
        threads: vec![thread.0],
    }
}

/// `thread` read-locks `held` again at `site` while a writer waits for it.
pub fn recursive_read(
    thread: (u64, Option<&str>),
    held: &Held,
    site: &'static Location<'static>,
) -> LiveFinding {
    let who = thread_label(thread.0, thread.1);
    let summary = format!(
        "recursive read: {who} read-locks `{}` again while a writer waits for it",
        held.info.label()
    );
    let report = format!(
        "lockscope: {summary}\n\n  {}\n    read-locked since {}\n    read-locked again at {site}\n\n\
         The waiting writer blocks new readers, and it waits for this thread's first read lock:\n\
         the second read can never be granted. Take the read lock once and pass the guard down.\n",
        held.info, held.site
    );
    LiveFinding {
        kind: FindingKind::RecursiveRead,
        summary,
        report,
        threads: vec![thread.0],
    }
}
