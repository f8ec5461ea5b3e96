//! Finding titles: one line that says what was found, for example
//! `deadlock: T1 holds L1 and waits for L2; T2 holds L2 and waits for L1`.

use crate::finding::detail::{Detail, End, Link, OrderEdge, Unwakeable};
use crate::finding::model::Finding;

use super::step::{wait_target, waited_words};
use super::units::duration;
use super::Words;

/// The finding's title.
pub fn title(f: &Finding, w: &Words<'_>) -> String {
    let t = subject(&f.detail, w);
    if f.live {
        format!("{t} (reported live by the runtime)")
    } else {
        t
    }
}

fn subject(d: &Detail, w: &Words<'_>) -> String {
    let q = |s: &Option<String>| w.site_or(s.as_deref(), "?");
    match d {
        Detail::Deadlock { links, end } => deadlock(links, *end),
        Detail::Blocked {
            thread,
            on,
            holders,
            why,
        } => {
            let why = match why {
                Unwakeable::HolderExited => {
                    format!(" held by {} (which exited holding it)", holders.join(", "))
                }
                Unwakeable::HolderStuck => {
                    format!(" held by {} (which is stuck itself)", holders.join(", "))
                }
                Unwakeable::NobodyToSignal => {
                    "; no thread that could still signal it is left".to_owned()
                }
                Unwakeable::Unknown => String::new(),
            };
            format!(
                "blocked forever: {thread} waits for {}{why}",
                wait_target(on)
            )
        }
        Detail::LockCycle { edges, .. } => {
            let per_thread: Vec<String> = edges
                .iter()
                .map(|e| format!("{} at {} -> {}", e.thread, q(&e.site_from), q(&e.site_to)))
                .collect();
            format!(
                "potential deadlock: {} ({})",
                lock_cycle(edges),
                per_thread.join(", ")
            )
        }
        Detail::RankOrder {
            thread,
            lock,
            rank,
            held,
            held_rank,
            site,
        } => format!(
            "lock order violation: {thread} requested {lock} (rank {rank}) at {} while holding \
             {held} (rank {held_rank})",
            q(site)
        ),
        Detail::RecursiveRead {
            thread,
            lock,
            writer,
            site,
        } => format!(
            "recursive read: {thread} read-locks {lock} again at {} while {writer} waits to \
             write it",
            q(site)
        ),
        Detail::BadRelease {
            thread,
            lock,
            holders,
            site,
        } => {
            let whose = if holders.is_empty() {
                "which nobody holds".to_owned()
            } else {
                format!("held by {}", holders.join(", "))
            };
            format!(
                "bad release: {thread} released {lock} at {}, {whose}",
                q(site)
            )
        }
        Detail::HeldAtExit {
            thread,
            lock,
            exited,
            site,
        } => {
            let when = if *exited {
                "exited"
            } else {
                "was still running when the trace ended"
            };
            format!(
                "held at exit: {thread} {when} holding {lock} (acquired at {})",
                q(site)
            )
        }
        Detail::OverRelease {
            thread,
            semaphore,
            permits,
            initial,
            taken,
            site,
        } => {
            let initial = initial.map_or_else(String::new, |p| format!(" (initial permits {p})"));
            format!(
                "semaphore over-release: {thread} released {permits} permit(s) of \
                 {semaphore}{initial} at {} with only {taken} taken",
                q(site)
            )
        }
        Detail::WaitWhileHolding {
            thread,
            condvar,
            held,
            site,
        } => format!(
            "wait while holding: {thread} waits on {condvar} at {} while holding {held}",
            q(site)
        ),
        Detail::Starvation {
            thread,
            lock,
            waited,
            still_waiting,
        } => {
            let still = if *still_waiting {
                " and is still waiting"
            } else {
                ""
            };
            format!(
                "starvation: {thread} {} for {lock}{still}",
                waited_words(waited)
            )
        }
        Detail::LongHold {
            lock, thread, held, ..
        } => format!("long hold: {lock} held {} by {thread}", duration(*held)),
        Detail::LostUpdate {
            var,
            thread,
            overwritten,
        } => format!(
            "lost update on {var}: {thread} overwrote {overwritten}'s write with a value read \
             before it"
        ),
        Detail::DataRace { var } => format!("data race on {var}"),
        Detail::HeldAcrossAwait {
            task,
            lock,
            worker,
            next,
            site,
            ..
        } => {
            let then = if next == worker {
                format!("{worker} went on with its own code")
            } else {
                format!("{next} ran on {worker}")
            };
            format!(
                "held across await: {task} yielded holding {lock} (acquired at {}); {then}",
                q(site)
            )
        }
    }
}

fn deadlock(links: &[Link], end: End) -> String {
    let parts: Vec<String> = links
        .iter()
        .map(|l| {
            let waits = wait_target(&l.waits_for);
            match &l.holds {
                Some(h) => format!("{} holds {h} and waits for {waits}", l.thread),
                None => format!("{} waits for {waits}", l.thread),
            }
        })
        .collect();
    let parts = parts.join("; ");
    let mut t = match end {
        End::BrokenByTimeout => format!("deadlock (broken by a timeout): {parts}"),
        End::BrokenByAbort => format!("deadlock (broken by an abort): {parts}"),
        End::BrokenUnknown => {
            format!("deadlock (broken by an unknown cause (the threads stopped waiting)): {parts}")
        }
        End::Stalled => {
            format!("deadlock: every thread is blocked and none can wake the others: {parts}")
        }
        End::Hung | End::Returned => format!("deadlock: {parts}"),
    };
    if links.len() == 1 {
        t.push_str(" (self-deadlock)");
    }
    t
}

/// `A -> B -> A`.
pub fn lock_cycle(edges: &[OrderEdge]) -> String {
    let cycle: Vec<&str> = edges
        .iter()
        .map(|e| e.from.as_str())
        .chain(edges.first().map(|e| e.from.as_str()))
        .collect();
    cycle.join(" -> ")
}
