//! A finding's notes: what its title cannot say (why it is graded so, what
//! each edge of a cycle was, what to do).

use crate::finding::detail::{Detail, Distrust, End, Link, OrderEdge};
use crate::finding::model::Finding;
use crate::finding::FindingKind;

use super::step::waited_words;
use super::title::lock_cycle;
use super::units::{duration, grade_note};
use super::Words;

/// The notes of `f`, one sentence each.
pub fn notes(f: &Finding, w: &Words<'_>) -> Vec<String> {
    let mut out = Vec::new();
    match &f.detail {
        Detail::Deadlock { links, end } => out.extend(deadlock(links, *end)),
        Detail::LockCycle {
            edges,
            traces,
            fork_join_distrusted,
            by_class,
        } => {
            out.extend(cycle(edges, w));
            out.extend(f.grade.map(|g| grade_note(g).to_owned()));
            if !traces.is_empty() {
                out.push(format!(
                    "the edges come from different traces ({}): no single run can deadlock \
                     this way, but the program takes these locks in conflicting orders",
                    traces.join(", ")
                ));
            } else if *by_class {
                out.push(
                    "the edges take different locks of the same lock classes (same names or \
                     creation sites): these locks cannot deadlock each other, but the program \
                     takes locks of these classes in conflicting orders"
                        .to_owned(),
                );
            }
            if let Some(why) = fork_join_distrusted {
                out.push(format!(
                    "fork/join of this trace is not trusted ({}; a DeadlockFuzzer `*_dlf` \
                     recording?): happens-before from fork/join is ignored",
                    distrust(why)
                ));
            }
        }
        Detail::RankOrder { lock, held, .. } => out.push(format!(
            "the sorted-order rule takes locks in increasing rank: take {lock} before {held}"
        )),
        Detail::Starvation {
            thread,
            lock,
            waited,
            still_waiting: true,
        } => out.push(format!(
            "{thread} was still waiting for {lock} when the trace ended ({})",
            waited_words(waited)
        )),
        Detail::LongHold {
            lock,
            others,
            others_mean,
            ..
        } => out.push(format!(
            "the other {others} holds of {lock} took {} on average",
            duration(*others_mean)
        )),
        _ => {}
    }
    out.extend(unseen(f));
    out
}

/// Why the grade is no better, when a thread lockscope did not see start
/// or join is the reason, and how to make the verdict exact.
fn unseen(f: &Finding) -> Option<String> {
    let t = f.unseen_thread.as_deref()?;
    let what = match f.kind {
        FindingKind::PotentialDeadlock => {
            "its start or join may order these edges, so they may never have been taken \
             concurrently"
        }
        _ => "whatever started or joined it is not in the trace and may order these accesses",
    };
    Some(format!(
        "thread {t} was not started through lockscope: {what}; start it with \
         `lockscope::sync::thread::spawn` (or `lockscope::sync::thread::scope`) to make this \
         verdict exact"
    ))
}

fn deadlock(links: &[Link], end: End) -> Option<String> {
    match end {
        End::Hung if links.len() == 1 => Some(
            "a thread requested a lock it already holds, and the lock is not reentrant".to_owned(),
        ),
        End::Returned => links.first().and_then(|l| l.holds.as_ref()).map(|lock| {
            format!(
                "{lock} is not reentrant: a request by its holder never returns (this one gave \
                 up or the thread went on, so the run did not hang here)"
            )
        }),
        e if e.broken() => Some(
            "every thread of the cycle was blocked on the next; the run went on only because a \
             wait gave up, so without the timeout (or panic) it hangs"
                .to_owned(),
        ),
        _ => None,
    }
}

fn cycle(edges: &[OrderEdge], w: &Words<'_>) -> Vec<String> {
    let q = |s: &Option<String>| w.site_or(s.as_deref(), "?");
    let tuple: Vec<String> = edges
        .iter()
        .map(|e| format!("({}, {})", q(&e.site_from), q(&e.site_to)))
        .collect();
    let mut out = vec![
        format!("lock cycle: {}", lock_cycle(edges)),
        format!("acquisition sites: {}", tuple.join(", ")),
    ];
    out.extend(edges.iter().map(|e| order_edge(e, w)));
    out
}

/// One lock-order edge: `T1 acquired B at s2 while holding A (acquired at
/// s1), 3 times`.
pub fn order_edge(e: &OrderEdge, w: &Words<'_>) -> String {
    let q = |s: &Option<String>| w.site_or(s.as_deref(), "?");
    format!(
        "{} acquired {} at {} while holding {} (acquired at {}), {} time{}",
        e.thread,
        e.to,
        q(&e.site_to),
        e.from,
        q(&e.site_from),
        e.count,
        if e.count == 1 { "" } else { "s" }
    )
}

/// Why fork/join is not trusted.
pub fn distrust(d: &Distrust) -> String {
    match d {
        Distrust::RanBeforeFork { thread, event } => {
            format!("thread {thread} ran before the fork that starts it (event {event})")
        }
        Distrust::NeverAppears { thread, event } => {
            format!("forked thread {thread} never appears (fork at event {event})")
        }
    }
}
