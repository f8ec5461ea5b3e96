//! Grading one trace's patterns: fork/join happens-before, confirmed
//! (the trace ends blocked in it), feasible (a sync-preserving closure over
//! the sampled occurrences, else a replayed witness of the
//! [`witness`](crate::analysis::witness) search over every occurrence) or
//! unconfirmed.

use super::clocks::ForkJoin;
use super::edges::{Instance, Rep, NO_SITE};
use crate::analysis::feasibility::{Loc, Recorder};
use crate::analysis::witness::{EdgeKey, Moved, Searcher};
use crate::finding::Grade;
use crate::state::{Replay, WaitTarget};
use crate::trace::{LockMode, ThreadId};

/// Occurrence combinations of the sampled occurrences tried per pattern by
/// the fast pass (the witness search then walks every occurrence).
pub const MAX_COMBOS: usize = 64;

/// A pattern's grade, the `(acquisition, request)` trace indexes of the
/// occurrences it rests on, and the critical sections its witness moves.
pub type Graded = (Grade, Vec<(u64, u64)>, Vec<Moved>);
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
    /// The witness search, for patterns the fast pass leaves unconfirmed.
    pub witness: Option<Searcher<'a>>,
}

impl Grader<'_> {
    /// The best grade over occurrence combinations not ordered by
    /// fork/join, with the occurrences that reach it; `None` when every
    /// combination is ordered and the witness search finds none. The fast
    /// pass tries the sampled occurrences; a pattern it leaves unconfirmed
    /// (or drops as ordered) goes to the witness search.
    pub fn grade(&mut self, chosen: &[&Rep]) -> Option<Graded> {
        let best = self.fast(chosen);
        if best.as_ref().is_some_and(|b| b.0 >= Grade::Feasible) {
            return best.map(|(g, insts)| (g, pairs(&insts), Vec::new()));
        }
        if let Some(w) = self.witness(chosen) {
            return Some(w);
        }
        best.map(|(g, insts)| (g, pairs(&insts), Vec::new()))
    }

    /// A replayed witness over every occurrence, for patterns whose locks
    /// are all held and asked for exclusively.
    fn witness(&mut self, chosen: &[&Rep]) -> Option<Graded> {
        let exclusive = |r: &&Rep| {
            r.mode_to == LockMode::Exclusive && r.held.iter().all(|h| h.1 == LockMode::Exclusive)
        };
        if !chosen.iter().all(exclusive) {
            return None;
        }
        let searcher = self.witness.as_mut()?;
        let site = |s: u32| (s != NO_SITE).then_some(s);
        let edges: Vec<_> = chosen
            .iter()
            .map(|r| {
                searcher.edge(EdgeKey {
                    thread: r.thread,
                    from: r.from,
                    site_from: site(r.site_from),
                    to: r.to,
                    site_to: site(r.site_to),
                    held: r.held.iter().map(|h| h.0).collect(),
                })
            })
            .collect();
        let w = searcher.deadlock(&edges)?;
        Some((Grade::Feasible, w.stops, w.moved))
    }

    /// The fast pass over the sampled occurrences.
    fn fast(&mut self, chosen: &[&Rep]) -> Option<(Grade, Vec<Instance>)> {
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
            Some(true) => Grade::Feasible,
            Some(false) => Grade::Unconfirmed,
            None => {
                self.budget = 0;
                Grade::Unconfirmed
            }
        }
    }
}

fn pairs(insts: &[Instance]) -> Vec<(u64, u64)> {
    insts.iter().map(|i| (i.idx_from, i.idx_to)).collect()
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
