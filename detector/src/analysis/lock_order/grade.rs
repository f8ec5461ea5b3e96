//! Grading one trace's patterns: fork/join happens-before, confirmed
//! (the trace ends blocked in it), feasible (sync-preserving closure) or
//! unconfirmed, over a bounded number of occurrence combinations.

use super::clocks::ForkJoin;
use super::edges::{Instance, Rep};
use crate::analysis::feasibility::{Loc, Recorder, Verdict};
use crate::finding::Grade;
use crate::state::{Replay, WaitTarget};
use crate::trace::ThreadId;

/// Occurrence combinations tried per pattern.
pub const MAX_COMBOS: usize = 64;
/// Events scanned by feasibility closures per trace.
pub const FEASIBILITY_STEPS: u64 = 200_000_000;

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
    /// Grade work left (events scanned); 0 once it ran out.
    pub budget: u64,
    /// Checks whose pattern lay (partly) before the feasibility window.
    pub out_of_window: u64,
}

impl Grader<'_> {
    /// The best grade over occurrence combinations not ordered by
    /// fork/join, with the occurrences that reach it; `None` when every
    /// combination is ordered.
    pub fn grade(&mut self, chosen: &[&Rep]) -> Option<(Grade, Vec<Instance>)> {
        let mut best: Option<(Grade, Vec<Instance>)> = None;
        let mut combo = vec![0usize; chosen.len()];
        for _ in 0..MAX_COMBOS {
            let insts: Vec<Instance> = chosen
                .iter()
                .zip(&combo)
                .map(|(r, &i)| r.instances[i])
                .collect();
            if !self.ordered(chosen, &insts) {
                let grade = if self.confirmed(chosen, &insts) {
                    Grade::Confirmed
                } else if best.as_ref().is_some_and(|b| b.0 >= Grade::Feasible) {
                    Grade::Unconfirmed
                } else {
                    self.feasible(chosen, &insts)
                };
                if best.as_ref().is_none_or(|b| grade > b.0) {
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
        best
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
            Verdict::Feasible => Grade::Feasible,
            Verdict::Infeasible => Grade::Unconfirmed,
            Verdict::OutOfWindow => {
                self.out_of_window += 1;
                Grade::Unconfirmed
            }
            Verdict::OutOfBudget => {
                self.budget = 0;
                Grade::Unconfirmed
            }
        }
    }
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
