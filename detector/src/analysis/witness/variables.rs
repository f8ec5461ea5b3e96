//! What a schedule keeps of each shared variable: every read reads the
//! write it read in the trace.
//!
//! A write is *live* when a read of the set reads it, *dead* otherwise.
//! Per variable, the accesses are taken in some order (trace order first):
//! each read goes before the write after its writer, live writes keep
//! that order, and a dead write keeps its place among the live events
//! around it (after the reads and the live write before it, before the
//! next live write) but is not ordered against other dead writes.
//!
//! Trace order is not the only choice: a live write and its reads may run
//! before an earlier live write and its reads, when nothing reads across.
//! [`grouped`] gives a second order, taken from a schedule that ignored
//! variables: each write with its reads (reads of a value written before
//! the set first), the groups in the order of their last member in that
//! schedule, and a write nothing reads in its place or after every group
//! that started before it ([`Dead`]).

use std::collections::{HashMap, HashSet};

use super::log::{Op, View, NO_EVENT};

/// The writes a read (or update) of `set` reads.
pub fn live(view: &View<'_>, set: &[u32]) -> HashSet<u32> {
    set.iter()
        .filter(|&&e| {
            matches!(
                view.events[e as usize].op(),
                Op::Read { .. } | Op::Update { .. }
            )
        })
        .map(|&e| view.dep[e as usize])
        .collect()
}

/// One variable's accesses so far: its latest live write, the reads
/// since, and the dead writes since.
#[derive(Default)]
struct Var {
    live: Option<u32>,
    reads: Vec<u32>,
    dead: Vec<u32>,
}

/// Calls `add(a, b)` for each constraint "`a` before `b`" between the
/// accesses of `order` (trace indexes), taken in that order per variable.
pub fn constrain(
    view: &View<'_>,
    order: &[u32],
    live: &HashSet<u32>,
    add: &mut dyn FnMut(u32, u32),
) {
    let mut vars: HashMap<u32, Var> = HashMap::new();
    for &e in order {
        match view.events[e as usize].op() {
            Op::Read { var } => vars.entry(var).or_default().reads.push(e),
            Op::Write { var } if !live.contains(&e) => {
                let v = vars.entry(var).or_default();
                for &before in v.reads.iter().chain(&v.live) {
                    add(before, e);
                }
                v.dead.push(e);
            }
            Op::Write { var } | Op::Update { var } => {
                let v = vars.entry(var).or_default();
                for before in v.reads.drain(..).chain(v.dead.drain(..)).chain(v.live) {
                    add(before, e);
                }
                v.live = Some(e);
            }
            _ => {}
        }
    }
}

/// Where [`grouped`] puts a write nothing reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dead {
    /// At its place in the schedule.
    InPlace,
    /// After every group that started before it in the schedule.
    AfterStarted,
}

/// `set` (sorted trace indexes) grouped by the write each access reads or
/// makes (reads of a value written before the set first), groups in the
/// order of `schedule` (a schedule of the set that ignored variables) by
/// their last member (a write nothing reads: as `dead` says), members in
/// that schedule's order.
pub fn grouped(view: &View<'_>, set: &[u32], schedule: &[u32], dead: Dead) -> Vec<u32> {
    let n = set.len();
    let mut rank = vec![0usize; n];
    let id = |e: u32| set.binary_search(&e).ok();
    for (i, &e) in schedule.iter().enumerate() {
        if let Some(k) = id(e) {
            rank[k] = i;
        }
    }
    // Per access: its group, the index of the write that opens it (`n`
    // for values written before the set); per group, its last member.
    let mut group = vec![n; n];
    let mut last = vec![0usize; n + 1];
    for (k, &e) in set.iter().enumerate() {
        let dep = view.dep[e as usize];
        group[k] = match view.events[e as usize].op() {
            Op::Read { .. } | Op::Update { .. } if dep == NO_EVENT => n,
            Op::Read { .. } | Op::Update { .. } => id(dep).map_or(n, |d| group[d]),
            _ => k,
        };
        last[group[k]] = last[group[k]].max(rank[k]);
    }
    // A write no access of the set reads goes after every group that
    // started before it in the schedule.
    let mut started: Vec<(usize, usize)> = (0..n)
        .filter(|&k| group[k] == k)
        .map(|k| (rank[k], last[k]))
        .collect();
    started.sort_unstable();
    let mut latest = 0;
    for s in &mut started {
        latest = latest.max(s.1);
        s.1 = latest;
    }
    // (place, whether it goes after the group that ends there).
    let place = |k: usize| {
        let g = group[k];
        if dead == Dead::AfterStarted && g == k && last[g] == rank[k] {
            let before = started.partition_point(|s| s.0 < rank[k]);
            let after = before.checked_sub(1).map_or(0, |i| started[i].1);
            (rank[k].max(after), true)
        } else {
            (last[g], false)
        }
    };
    let key = |k: usize| {
        let g = group[k];
        (g != n, place(k), g, rank[k])
    };
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by_key(|&k| key(k));
    order.into_iter().map(|k| set[k]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::witness::testlog::{log, R, W};
    use crate::analysis::witness::Log;

    fn view_of(log: &Log) -> View<'_> {
        log.view()
    }

    fn edges(view: &View<'_>, order: &[u32]) -> Vec<(u32, u32)> {
        let set: Vec<u32> = (0..view.events.len() as u32).collect();
        let live = live(view, &set);
        let mut out = Vec::new();
        constrain(view, order, &live, &mut |a, b| out.push((a, b)));
        out.sort_unstable();
        out
    }

    #[test]
    fn dead_writes_are_ordered_against_live_accesses_only() {
        // 0: T0 w (read by 1), 1: T1 r, 2: T2 w (dead), 3: T3 w (dead).
        let log = log(&[(0, W), (1, R), (2, W), (3, W)]);
        let view = view_of(&log);
        assert_eq!(
            edges(&view, &[0, 1, 2, 3]),
            [(0, 2), (0, 3), (1, 2), (1, 3)]
        );
    }

    #[test]
    fn grouped_keeps_each_write_with_its_reads_in_the_schedules_order() {
        // 0: T0 w, 1: T0 r (of 0), 2: T1 w, 3: T1 r (of 2). A schedule
        // that ran T1 first groups (2, 3) before (0, 1).
        let log = log(&[(0, W), (0, R), (1, W), (1, R)]);
        let view = view_of(&log);
        let order = grouped(&view, &[0, 1, 2, 3], &[2, 3, 0, 1], Dead::InPlace);
        assert_eq!(order, [2, 3, 0, 1]);
        assert_eq!(edges(&view, &[2, 3, 0, 1]), [(2, 0), (3, 0)]);
    }

    #[test]
    fn a_write_nothing_reads_can_wait_for_the_group_it_started_inside() {
        // 0: T0 w, 1: T0 r (of 0), 2: T1 w (read by nothing). A schedule
        // 0 2 1 puts 2 inside 0's group: in place it goes first, after
        // the groups started before it, last.
        let log = log(&[(0, W), (0, R), (1, W)]);
        let view = view_of(&log);
        let set = [0, 1, 2];
        assert_eq!(grouped(&view, &set, &[0, 2, 1], Dead::InPlace), [2, 0, 1]);
        assert_eq!(
            grouped(&view, &set, &[0, 2, 1], Dead::AfterStarted),
            [0, 1, 2]
        );
    }
}
