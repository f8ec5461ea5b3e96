//! Grading one trace's patterns over a bounded number of occurrence
//! combinations: confirmed (the trace ends blocked in it), feasible (a
//! sync-preserving reordering reaches it), sequential (its edges are on one
//! thread, or on threads fork/join orders: both orders were taken, never
//! concurrently, and nothing but thread structure keeps them apart) or
//! unconfirmed (the trace's reads-from or lock semantics rule out every
//! reordering tried). A combination's grade is the best it reaches; the
//! pattern's, the best over combinations.

use super::clocks::ForkJoin;
use super::edges::{Instance, Rep};
use crate::analysis::feasibility::{Loc, Recorder};
use crate::analysis::unseen::Unseen;
use crate::finding::Grade;
use crate::state::{Replay, WaitTarget};
use crate::trace::ThreadId;

/// Occurrence combinations tried per pattern.
pub const MAX_COMBOS: usize = 64;
/// Events scanned by feasibility closures per trace.
pub const FEASIBILITY_STEPS: u64 = 200_000_000;

/// A pattern's grade and the occurrences it rests on.
#[derive(Clone, Debug)]
pub struct Graded {
    pub grade: Grade,
    pub insts: Vec<Instance>,
    /// Whether the edges' threads were at them unordered (distinct
    /// threads, no fork/join order): evidence from concurrent threads,
    /// which says more about a lock cycle than sequential evidence.
    pub concurrent: bool,
    /// A thread lockscope did not see start or join whose start or join
    /// may order the edges, so a feasible grade is capped to sequential.
    pub unseen: Option<ThreadId>,
}

/// Grades patterns of one trace.
pub struct Grader<'a> {
    /// The trace's final state (for confirmed).
    pub state: &'a Replay,
    pub clocks: &'a ForkJoin,
    /// The trace's events for feasibility; `None` grades every pattern
    /// that is not confirmed as unconfirmed.
    pub recorder: Option<&'a Recorder>,
    /// Whether fork/join happens-before may drop patterns.
    pub trust: bool,
    /// The trace's threads lockscope did not see start or join.
    pub unseen: &'a Unseen,
    /// Grade work left (events scanned); 0 once it ran out.
    pub budget: u64,
}

impl Grader<'_> {
    /// The pattern's grade: for edges on one thread, or whose every
    /// occurrence combination tried is ordered by fork/join, sequential
    /// (not concurrent evidence); else the best grade over the unordered
    /// combinations (concurrent evidence), with the occurrences that reach
    /// it.
    pub fn grade(&mut self, chosen: &[&Rep]) -> Graded {
        let mut combo = vec![0usize; chosen.len()];
        let at = |combo: &[usize]| -> Vec<Instance> {
            chosen
                .iter()
                .zip(combo)
                .map(|(r, &i)| r.instances[i])
                .collect()
        };
        let sequential = |insts| Graded {
            grade: Grade::Sequential,
            insts,
            concurrent: false,
            unseen: None,
        };
        if one_thread_twice(chosen) {
            return sequential(at(&combo));
        }
        let mut best: Option<(Grade, Vec<Instance>)> = None;
        let mut first_ordered = None;
        for _ in 0..MAX_COMBOS {
            let insts = at(&combo);
            if self.ordered(chosen, &insts) {
                first_ordered.get_or_insert(insts);
            } else {
                let known = best.as_ref().map(|b| b.0);
                let grade = if self.confirmed(chosen, &insts) {
                    Grade::Confirmed
                } else if known >= Some(Grade::Feasible) {
                    Grade::Unconfirmed
                } else {
                    self.feasible(chosen, &insts)
                };
                if known.is_none_or(|k| grade > k) {
                    best = Some((grade, insts));
                }
                if grade == Grade::Confirmed {
                    break;
                }
            }
            if !next_combo(&mut combo, chosen) {
                break;
            }
        }
        match best {
            Some((grade, insts)) => {
                let unseen = (grade == Grade::Feasible)
                    .then(|| self.unseen_between(chosen))
                    .flatten();
                Graded {
                    grade: if unseen.is_some() {
                        Grade::Sequential
                    } else {
                        grade
                    },
                    insts,
                    concurrent: true,
                    unseen,
                }
            }
            None => sequential(first_ordered.unwrap_or_else(|| at(&vec![0; chosen.len()]))),
        }
    }

    /// An unseen thread whose start or join may order the pattern's edges.
    fn unseen_between(&self, chosen: &[&Rep]) -> Option<ThreadId> {
        let threads: Vec<ThreadId> = chosen.iter().map(|r| ThreadId(r.thread)).collect();
        self.unseen.among(&threads)
    }

    fn ordered(&self, chosen: &[&Rep], insts: &[Instance]) -> bool {
        if !self.trust {
            return false;
        }
        let at = |i: usize| (ThreadId(chosen[i].thread), insts[i].clock);
        let n = chosen.len();
        (0..n).any(|i| (0..n).any(|j| i != j && self.clocks.happens_before(at(i), at(j))))
    }

    fn confirmed(&self, chosen: &[&Rep], insts: &[Instance]) -> bool {
        chosen.iter().zip(insts).all(|(r, inst)| {
            let blocked = self.state.thread(ThreadId(r.thread)).blocked;
            blocked.is_some_and(|b| {
                b.since == inst.idx_to
                    && matches!(b.on, WaitTarget::Lock { obj, .. } if obj.0 == r.to)
            })
        })
    }

    fn feasible(&mut self, chosen: &[&Rep], insts: &[Instance]) -> Grade {
        let locs: Vec<Loc> = chosen
            .iter()
            .zip(insts)
            .map(|(r, i)| Loc {
                thread: r.thread,
                pos: i.pos_to,
            })
            .collect();
        // Fork/join constraints only ever add events to the closure, so the
        // closure applies them even when happens-before is not trusted: a
        // misnamed fork can hide a deadlock, never invent one.
        let Some(recorder) = self.recorder else {
            return Grade::Unconfirmed;
        };
        match recorder.sync_preserving(&locs, &mut self.budget) {
            Some(true) => Grade::Feasible,
            Some(false) => Grade::Unconfirmed,
            None => {
                self.budget = 0;
                Grade::Unconfirmed
            }
        }
    }
}

/// Whether two edges of the pattern are on one thread: they can never be at
/// their requests at the same time in this run.
fn one_thread_twice(chosen: &[&Rep]) -> bool {
    chosen.iter().enumerate().any(|(i, a)| {
        chosen[i + 1..]
            .iter()
            .any(|b| (a.trace, a.thread) == (b.trace, b.thread))
    })
}

/// Advances a mixed-radix counter over each rep's instances.
fn next_combo(combo: &mut [usize], chosen: &[&Rep]) -> bool {
    for (c, r) in combo.iter_mut().zip(chosen) {
        *c += 1;
        if *c < r.instances.len() {
            return true;
        }
        *c = 0;
    }
    false
}
