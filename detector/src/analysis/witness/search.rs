//! The witness search for one deadlock pattern: the sync-preserving walk
//! over every occurrence combination, then pinned closures on the
//! combinations it stood on; every schedule is replayed before it counts.

use super::closure::{Closure, Failure, Locks, Policy};
use super::explore::{explore, Explored, Local};
use super::linearize::{linearize, Unscheduled};
use std::collections::{HashMap, HashSet};

use super::log::{Log, View};
use super::moves::{moves, Moved};
use super::occurrences::{thread_edges, EdgeKey};
use super::replay::{check, Goal};
use super::walk::{walk, Stops, Walked};
use super::{Budget, Cuts};

/// One edge of a deadlock pattern (see [`EdgeKey`]) with its occurrences:
/// `(acquisition of from, request of to)` trace indexes, by request.
#[derive(Clone, Debug)]
pub struct PatternEdge {
    pub key: EdgeKey,
    pub occurrences: Vec<(u64, u64)>,
}

/// A replayed witness: the occurrence of each edge it stops at, and the
/// critical sections it runs before earlier ones.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Witness {
    pub stops: Vec<(u64, u64)>,
    pub moved: Vec<Moved>,
}

/// Searches witnesses in one trace's log within a budget.
#[derive(Debug)]
pub struct Searcher<'a> {
    log: &'a Log,
    view: View<'a>,
    locks: Locks,
    budget: Budget,
    steps: u64,
    /// States the exploration may still visit in this trace.
    states: u64,
    /// Variables and locks one thread uses, for the exploration (built on
    /// its first use).
    local: Option<Local>,
    /// Per thread asked about: every occurrence of each of its edges.
    occurrences: HashMap<u32, HashMap<EdgeKey, Vec<(u64, u64)>>>,
    pub cuts: Cuts,
}

impl<'a> Searcher<'a> {
    pub fn new(log: &'a Log, budget: Budget) -> Self {
        let view = log.view();
        let locks = Locks::new(&view);
        Searcher {
            log,
            view,
            locks,
            budget,
            steps: budget.steps,
            states: budget.states,
            local: None,
            occurrences: HashMap::new(),
            cuts: Cuts {
                log: log.dropped,
                ..Cuts::default()
            },
        }
    }

    /// The report's limit lines for what the budget cut in trace `name`.
    pub fn limits(&self, name: &str) -> Vec<String> {
        self.cuts.messages(name, &self.budget)
    }

    /// The log searched.
    pub fn log(&self) -> &'a Log {
        self.log
    }

    /// The edge `key` with every occurrence it has in the log.
    pub fn edge(&mut self, key: EdgeKey) -> PatternEdge {
        let (log, view) = (self.log, &self.view);
        let found = self
            .occurrences
            .entry(key.thread)
            .or_insert_with(|| thread_edges(log, view, key.thread));
        PatternEdge {
            occurrences: found.get(&key).cloned().unwrap_or_default(),
            key,
        }
    }

    /// A witness for the deadlock `edges` (in cycle order), if the search
    /// finds one within its budget.
    pub fn deadlock(&mut self, edges: &[PatternEdge]) -> Option<Witness> {
        if self.steps == 0 {
            self.cuts.budget += 1;
            return None;
        }
        let n = self.view.events.len() as u64;
        let pattern: Vec<Stops> = edges
            .iter()
            .map(|e| Stops {
                thread: e.key.thread,
                stops: e
                    .occurrences
                    .iter()
                    .filter(|o| o.1 < n)
                    .map(|o| self.view.pos[o.1 as usize])
                    .collect(),
            })
            .collect();
        let keep = self.budget.attempts.max(1);
        let wants: Vec<u32> = edges.iter().map(|e| e.key.to).collect();
        let visited = match walk(&self.view, &self.locks, &pattern, keep, &mut self.steps) {
            Ok(Walked::Feasible(at)) => {
                if let Some(moved) = self.sync_preserving(&pattern, &wants, &at) {
                    return Some(Self::witness(edges, &at, moved));
                }
                vec![at]
            }
            Ok(Walked::Infeasible { visited }) => visited,
            Err(_) => {
                self.steps = 0;
                self.cuts.budget += 1;
                return None;
            }
        };
        if self.budget.swaps == 0 {
            return None;
        }
        if let Some(w) = self.pinned_attempts(edges, &pattern, visited) {
            return Some(w);
        }
        if self.steps == 0 {
            return None;
        }
        self.explored(edges, &pattern, &wants)
    }

    /// Pinned closures on the combinations the walk stood on first, then on
    /// every other one, within [`Budget::attempts`].
    fn pinned_attempts(
        &mut self,
        edges: &[PatternEdge],
        pattern: &[Stops],
        visited: Vec<Vec<usize>>,
    ) -> Option<Witness> {
        let seen: HashSet<Vec<usize>> = visited.iter().cloned().collect();
        let lens: Vec<usize> = pattern.iter().map(|p| p.stops.len()).collect();
        let rest = Combinations::new(lens).filter(|at| !seen.contains(at));
        for (tried, at) in visited.into_iter().chain(rest).enumerate() {
            if tried == self.budget.attempts {
                self.cuts.attempts += 1;
                return None;
            }
            if let Some(moved) = self.pinned(edges, pattern, &at) {
                return Some(Self::witness(edges, &at, moved));
            }
            if self.steps == 0 {
                self.cuts.budget += 1;
                return None;
            }
        }
        None
    }

    /// A witness from exploring every correct reordering, within
    /// [`Budget::states`] per trace, in a trace of at most
    /// [`Budget::explore`] events.
    fn explored(
        &mut self,
        edges: &[PatternEdge],
        pattern: &[Stops],
        wants: &[u32],
    ) -> Option<Witness> {
        if self.budget.states == 0 {
            return None;
        }
        if self.view.events.len() > self.budget.explore {
            self.cuts.explore += 1;
            return None;
        }
        if self.states == 0 {
            self.cuts.states += 1;
            return None;
        }
        let local = self.local.get_or_insert_with(|| Local::new(&self.view));
        match explore(&self.view, local, pattern, wants, &mut self.states) {
            Explored::Found { schedule, at } => {
                let goals = Self::goals(pattern, wants, &at);
                self.pay(schedule.len());
                let moved = self.replayed(&goals, &schedule);
                debug_assert!(moved.is_some(), "an explored schedule replays");
                Some(Self::witness(edges, &at, moved?))
            }
            Explored::Unreachable => None,
            Explored::States => {
                self.cuts.states += 1;
                None
            }
        }
    }

    fn witness(edges: &[PatternEdge], at: &[usize], moved: Vec<Moved>) -> Witness {
        let stops = edges.iter().zip(at).map(|(e, &k)| e.occurrences[k]);
        Witness {
            stops: stops.collect(),
            moved,
        }
    }

    fn goals(pattern: &[Stops], wants: &[u32], at: &[usize]) -> Vec<Goal> {
        pattern
            .iter()
            .zip(wants)
            .zip(at)
            .map(|((p, &lock), &k)| Goal {
                thread: p.thread,
                stop: p.stops[k],
                wants: Some(lock),
            })
            .collect()
    }

    /// The moves of `schedule`, if it replays to `goals`.
    fn replayed(&self, goals: &[Goal], schedule: &[u32]) -> Option<Vec<Moved>> {
        check(&self.view, schedule, goals).then(|| moves(&self.view, schedule))
    }

    /// The sync-preserving witness of combination `at`: its closure in
    /// trace order.
    fn sync_preserving(
        &mut self,
        pattern: &[Stops],
        wants: &[u32],
        at: &[usize],
    ) -> Option<Vec<Moved>> {
        let goals = Self::goals(pattern, wants, at);
        let mut closure = Closure::new(&self.view, &self.locks, Policy::SyncPreserving);
        for g in &goals {
            closure.set_limit(g.thread, g.stop);
            closure.raise(g.thread, g.stop).ok()?;
        }
        closure.run(&mut self.steps).ok()?;
        let schedule = linearize(&self.view, &self.locks, closure.prefixes(), &[], (0, 0)).ok()?;
        self.pay(schedule.len());
        self.replayed(&goals, &schedule)
    }

    /// A witness of combination `at` in which the stops' held sections
    /// run last among their locks' sections.
    fn pinned(
        &mut self,
        edges: &[PatternEdge],
        pattern: &[Stops],
        at: &[usize],
    ) -> Option<Vec<Moved>> {
        let wants: Vec<u32> = edges.iter().map(|e| e.key.to).collect();
        let goals = Self::goals(pattern, &wants, at);
        let mut closure = Closure::new(&self.view, &self.locks, Policy::Pinned);
        let mut pins = Vec::new();
        for (e, g) in edges.iter().zip(&goals) {
            for &lock in &e.key.held {
                let s = self.open_section(lock, g.thread, g.stop)?;
                closure.pin(lock, s);
                pins.push((lock, s));
            }
        }
        for g in &goals {
            closure.set_limit(g.thread, g.stop);
            closure.raise(g.thread, g.stop).ok()?;
        }
        match closure.run(&mut self.steps) {
            Ok(()) => {}
            Err(Failure::Impossible) => return None,
            Err(Failure::Budget) => {
                self.steps = 0;
                return None;
            }
        }
        if self.swaps(closure.prefixes(), &pins) > self.budget.swaps {
            self.cuts.swaps += 1;
            return None;
        }
        let prefixes = closure.prefixes().to_vec();
        let bounds = (self.budget.window, self.budget.regroup);
        let schedule = match linearize(&self.view, &self.locks, &prefixes, &pins, bounds) {
            Ok(s) => s,
            Err(Unscheduled::Cycle) => return None,
            Err(Unscheduled::Window) => {
                self.cuts.window += 1;
                return None;
            }
            Err(Unscheduled::Regroup) => {
                self.cuts.regroup += 1;
                return None;
            }
        };
        self.pay(schedule.len());
        self.replayed(&goals, &schedule)
    }

    /// Thread `t`'s section of `lock` open at its position `stop`.
    fn open_section(&self, lock: u32, t: u32, stop: u32) -> Option<u32> {
        let mine = self.locks.of(lock, t);
        let acquired_before = |&s: &u32| {
            let acq = self.view.sections[s as usize].acq;
            self.view.pos[acq as usize] < stop
        };
        let n = mine.partition_point(acquired_before);
        let s = *mine.get(n.checked_sub(1)?)?;
        let sec = self.view.sections[s as usize];
        let open = !sec.released() || self.view.pos[sec.rel as usize] >= stop;
        open.then_some(s)
    }

    /// How many sections of the pinned locks in the set run before a
    /// pinned section they follow in the trace.
    fn swaps(&self, prefixes: &[u32], pins: &[(u32, u32)]) -> usize {
        pins.iter()
            .map(|&(lock, pinned)| {
                let acq = self.view.sections[pinned as usize].acq;
                (0..prefixes.len() as u32)
                    .map(|u| {
                        self.locks
                            .of(lock, u)
                            .iter()
                            .filter(|&&s| {
                                let a = self.view.sections[s as usize].acq;
                                a > acq && self.view.pos[a as usize] < prefixes[u as usize]
                            })
                            .count()
                    })
                    .sum::<usize>()
            })
            .sum()
    }

    fn pay(&mut self, work: usize) {
        self.steps = self.steps.saturating_sub(2 * work as u64);
    }
}

/// Every combination of one index per pattern thread (`lens[i]` choices
/// for thread `i`), the first thread's index changing fastest.
struct Combinations {
    lens: Vec<usize>,
    next: Option<Vec<usize>>,
}

impl Combinations {
    fn new(lens: Vec<usize>) -> Self {
        let next = lens.iter().all(|&n| n > 0).then(|| vec![0; lens.len()]);
        Combinations { lens, next }
    }
}

impl Iterator for Combinations {
    type Item = Vec<usize>;

    fn next(&mut self) -> Option<Vec<usize>> {
        let at = self.next.take()?;
        let mut following = at.clone();
        for (i, n) in following.iter_mut().zip(&self.lens) {
            *i += 1;
            if *i < *n {
                self.next = Some(following);
                return Some(at);
            }
            *i = 0;
        }
        Some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::Combinations;

    #[test]
    fn combinations_cover_the_product_once() {
        let all: Vec<Vec<usize>> = Combinations::new(vec![2, 1, 3]).collect();
        assert_eq!(all.len(), 6);
        assert_eq!(all[0], [0, 0, 0]);
        assert_eq!(all[1], [1, 0, 0]);
        assert_eq!(all[5], [1, 0, 2]);
        assert_eq!(Combinations::new(vec![2, 0]).count(), 0);
    }
}
