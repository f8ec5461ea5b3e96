//! Grading one trace's patterns: confirmed (the trace ends blocked in
//! it), feasible (a correct reordering reaches it: the sync-preserving
//! closure over sampled occurrences, else a replayed witness of the
//! [`witness`](crate::analysis::witness) search over every occurrence),
//! sequential (its edges are on one thread, or on threads fork/join orders:
//! both orders were taken, never concurrently, and nothing but thread
//! structure keeps them apart) or unconfirmed (no reordering tried reaches
//! it).

use super::clocks::ForkJoin;
use super::edges::{HeldSets, Instance, Rep, NO_SITE};
use crate::analysis::feasibility::{Checks, Loc, Verdict};
use crate::analysis::unseen::Unseen;
use crate::analysis::witness::{Budget, EdgeKey, Log, Moved, Searcher};
use crate::finding::Grade;
use crate::state::{Replay, WaitTarget};
use crate::trace::{LockMode, ThreadId};

/// Occurrence combinations of the sampled occurrences tried per pattern by
/// the fast pass (the witness search then walks every occurrence).
pub const MAX_COMBOS: usize = 64;
/// Events scanned by feasibility closures per trace.
pub const FEASIBILITY_STEPS: u64 = 200_000_000;

/// A grade with the occurrences (`(acquisition, request)` trace indexes)
/// and the moved sections it rests on.
type Found = (Grade, Vec<(u64, u64)>, Vec<Moved>);

/// A pattern's grade and the occurrences it rests on.
#[derive(Clone, Debug)]
pub struct Graded {
    pub grade: Grade,
    /// `(acquisition, request)` trace indexes of each edge's occurrence.
    pub at: Vec<(u64, u64)>,
    /// Whether the edges' threads were at them unordered (distinct
    /// threads, no fork/join order): evidence from concurrent threads,
    /// which says more about a lock cycle than sequential evidence.
    pub concurrent: bool,
    /// A thread lockscope did not see start or join whose start or join
    /// may order the edges, so a feasible grade is capped to sequential.
    pub unseen: Option<ThreadId>,
    /// The critical sections the witness moves before earlier sections of
    /// their lock.
    pub moved: Vec<Moved>,
}

/// Grades patterns of one trace.
pub struct Grader<'a> {
    /// The trace's final state (for confirmed).
    pub state: &'a Replay,
    pub clocks: &'a ForkJoin,
    /// The held sets the edges refer to.
    pub held: &'a HeldSets,
    /// Feasibility checks over the trace's window; `None` grades every
    /// pattern that is not confirmed as unconfirmed.
    pub checks: Option<Checks<'a>>,
    /// Whether fork/join happens-before may order patterns.
    pub trust: bool,
    /// The trace's threads lockscope did not see start or join.
    pub unseen: &'a Unseen,
    /// Grade work left (events scanned); 0 once it ran out.
    pub budget: u64,
    /// The witness search, for patterns the fast pass leaves unconfirmed.
    pub witness: Option<Searcher<'a>>,
    /// The log and budget the witness search starts from, until a pattern
    /// first needs it (its indexes are built then, not for a trace without
    /// one).
    pub witness_from: Option<(&'a Log, Budget)>,
    /// What the sampling of occurrences cut.
    pub cuts: SampleCuts,
    /// Checks whose pattern lay (partly) before the feasibility window.
    pub out_of_window: u64,
    /// Whether the trace had more events than the feasibility window, so
    /// the witness search does not run.
    pub over_window: bool,
    /// Patterns left below feasible that the witness search would have
    /// searched but for [`Grader::over_window`].
    pub unsearched: u64,
}

/// Patterns whose grade rests on sampled occurrences (see
/// [`Grader::grade`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SampleCuts {
    /// Patterns the witness search does not cover whose combinations of
    /// sampled occurrences were cut at [`MAX_COMBOS`] without a feasible
    /// one.
    pub combos: u64,
    /// Patterns graded sequential as ordered by fork/join on sampled
    /// occurrences (an edge had more occurrences than it keeps, or the
    /// combinations were cut) that the witness search did not grade.
    pub ordered: u64,
}

impl SampleCuts {
    /// The report's limit lines for trace `name`.
    pub fn messages(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        if self.combos > 0 {
            out.push(format!(
                "{name}: {} deadlock pattern(s) with shared-mode locks were graded on their \
                 first {MAX_COMBOS} combinations of sampled occurrences",
                self.combos
            ));
        }
        if self.ordered > 0 {
            out.push(format!(
                "{name}: {} deadlock pattern(s) were graded sequential (ordered by fork/join) on \
                 sampled occurrences",
                self.ordered
            ));
        }
        out
    }
}

impl Grader<'_> {
    /// The pattern's grade: for edges on one thread, sequential; confirmed
    /// when each edge's latest occurrence is where its thread ends blocked;
    /// else the best grade over the sampled occurrence combinations not
    /// ordered by fork/join, raised to feasible by the witness search
    /// (which finds every occurrence again, so the grade of a pattern it
    /// covers depends on neither the sampling nor the lock numbering);
    /// sequential when every combination tried is ordered and the search
    /// finds no witness. What the search cannot cover (shared modes, no
    /// search) and the sampling cut is counted in [`Grader::cuts`].
    pub fn grade(&mut self, chosen: &[&Rep]) -> Graded {
        let first: Vec<Instance> = chosen.iter().map(|r| r.instances[0]).collect();
        let sequential = |insts: &[Instance]| Graded {
            grade: Grade::Sequential,
            at: pairs(insts),
            concurrent: false,
            unseen: None,
            moved: Vec::new(),
        };
        if one_thread_twice(chosen) {
            return sequential(&first);
        }
        if let Some(confirmed) = self.confirmed(chosen) {
            return confirmed;
        }
        let (best, first_ordered, cut) = self.fast(chosen);
        let mut found: Option<Found> = best.map(|(g, insts)| (g, pairs(&insts), Vec::new()));
        if found.as_ref().is_none_or(|f| f.0 < Grade::Feasible) {
            let searched = self.searchable(chosen);
            self.unsearched += u64::from(self.over_window && self.exclusive(chosen));
            if searched {
                if let Some(w) = self.witness(chosen) {
                    found = Some(w);
                }
            }
            let feasible = found.as_ref().is_some_and(|f| f.0 == Grade::Feasible);
            if !feasible && !searched && cut {
                self.cuts.combos += 1;
            }
            if found.is_none() && (cut || chosen.iter().any(|r| sampled(r))) {
                self.cuts.ordered += 1;
            }
        }
        match found {
            Some((grade, at, moved)) => {
                let unseen = (grade == Grade::Feasible)
                    .then(|| self.unseen_between(chosen))
                    .flatten();
                let capped = unseen.is_some();
                Graded {
                    grade: if capped { Grade::Sequential } else { grade },
                    at,
                    concurrent: true,
                    unseen,
                    moved: if capped { Vec::new() } else { moved },
                }
            }
            None => sequential(first_ordered.as_deref().unwrap_or(&first)),
        }
    }

    /// An unseen thread whose start or join may order the pattern's edges.
    fn unseen_between(&self, chosen: &[&Rep]) -> Option<ThreadId> {
        let threads: Vec<ThreadId> = chosen.iter().map(|r| ThreadId(r.thread)).collect();
        self.unseen.among(&threads)
    }

    /// Whether the witness search covers `chosen`: a search runs and every
    /// lock is held and asked for exclusively.
    fn searchable(&self, chosen: &[&Rep]) -> bool {
        (self.witness.is_some() || self.witness_from.is_some()) && self.exclusive(chosen)
    }

    /// Whether every lock of `chosen` is held and asked for exclusively.
    fn exclusive(&self, chosen: &[&Rep]) -> bool {
        let exclusive = |r: &&Rep| {
            r.mode_to == LockMode::Exclusive
                && self
                    .held
                    .get(r.held)
                    .iter()
                    .all(|h| h.1 == LockMode::Exclusive)
        };
        chosen.iter().all(exclusive)
    }

    /// A replayed witness over every occurrence: its occurrences and the
    /// sections it moves.
    fn witness(&mut self, chosen: &[&Rep]) -> Option<Found> {
        let held = self.held;
        if let Some((log, budget)) = self.witness_from.take() {
            self.witness = Some(Searcher::new(log, budget));
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
                    held: held.get(r.held).iter().map(|h| h.0).collect(),
                })
            })
            .collect();
        let w = searcher.deadlock(&edges)?;
        Some((Grade::Feasible, w.stops, w.moved))
    }

    /// The fast pass over the sampled occurrences: the best grade over the
    /// combinations not ordered by fork/join, the first ordered one, and
    /// whether [`MAX_COMBOS`] cut the combinations.
    #[allow(clippy::type_complexity)]
    fn fast(
        &mut self,
        chosen: &[&Rep],
    ) -> (Option<(Grade, Vec<Instance>)>, Option<Vec<Instance>>, bool) {
        let mut best: Option<(Grade, Vec<Instance>)> = None;
        let mut first_ordered = None;
        let mut combo = vec![0usize; chosen.len()];
        for _ in 0..MAX_COMBOS {
            let insts: Vec<Instance> = chosen
                .iter()
                .zip(&combo)
                .map(|(r, &i)| r.instances[i])
                .collect();
            if self.ordered(chosen, &insts) {
                first_ordered.get_or_insert(insts);
            } else {
                let grade = self.feasible(chosen, &insts);
                if best.as_ref().is_none_or(|b| grade > b.0) {
                    best = Some((grade, insts));
                }
                if grade == Grade::Feasible {
                    return (best, first_ordered, false);
                }
                if !self.closure_can_run() {
                    // No later combination can do better than this one.
                    return (best, first_ordered, combos(chosen) > MAX_COMBOS);
                }
            }
            if !next_combo(&mut combo, chosen) {
                return (best, first_ordered, false);
            }
        }
        (best, first_ordered, true)
    }
    fn ordered(&self, chosen: &[&Rep], insts: &[Instance]) -> bool {
        if !self.trust {
            return false;
        }
        let at = |i: usize| (ThreadId(chosen[i].thread), insts[i].clock);
        let n = chosen.len();
        (0..n).any(|i| (0..n).any(|j| i != j && self.clocks.happens_before(at(i), at(j))))
    }

    /// The pattern's grade if it is confirmed: on distinct threads, the
    /// trace ending with each blocked at its edge's latest occurrence.
    /// (What [`Grader::grade`] gives it then, with no other work.)
    pub fn confirmed(&self, chosen: &[&Rep]) -> Option<Graded> {
        if one_thread_twice(chosen) {
            return None;
        }
        let latest = self.blocked_at_latest(chosen)?;
        Some(Graded {
            grade: Grade::Confirmed,
            at: pairs(&latest),
            concurrent: true,
            unseen: None,
            moved: Vec::new(),
        })
    }

    /// Each edge's latest occurrence, when the trace ends with every
    /// thread of the pattern blocked at it.
    fn blocked_at_latest(&self, chosen: &[&Rep]) -> Option<Vec<Instance>> {
        let blocked_at = |r: &&Rep| {
            let inst = r.instances.last()?;
            let blocked = self.state.thread(ThreadId(r.thread)).blocked?;
            let at_it = blocked.since == inst.idx_to
                && matches!(blocked.on, WaitTarget::Lock { obj, .. } if obj.0 == r.to);
            at_it.then_some(*inst)
        };
        chosen.iter().map(blocked_at).collect()
    }

    /// Counts a pattern not graded because its key is settled at
    /// unconfirmed (see [`Grader::can_be_feasible`]) where the witness
    /// search would have searched it but for [`Grader::over_window`].
    pub fn skipped(&mut self, chosen: &[&Rep]) {
        let searchable = !one_thread_twice(chosen) && self.exclusive(chosen);
        self.unsearched += u64::from(self.over_window && searchable);
    }

    /// Whether grading a pattern may still give it a feasible grade: the
    /// closure has budget left, or the witness search may run.
    pub fn can_be_feasible(&self) -> bool {
        self.closure_can_run() || self.witness.is_some() || self.witness_from.is_some()
    }

    /// Whether a feasibility closure can still run: there is a window and
    /// budget left.
    fn closure_can_run(&self) -> bool {
        self.checks.is_some() && self.budget > 0
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
        let can_run = self.closure_can_run();
        let Some(checks) = self.checks.as_mut().filter(|_| can_run) else {
            return Grade::Unconfirmed;
        };
        match checks.sync_preserving(&locs, &mut self.budget) {
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

/// Whether `r` had more occurrences than it keeps.
fn sampled(r: &Rep) -> bool {
    r.count > r.instances.len() as u64
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

fn pairs(insts: &[Instance]) -> Vec<(u64, u64)> {
    insts.iter().map(|i| (i.idx_from, i.idx_to)).collect()
}

/// The occurrence combinations of `chosen` (saturating).
fn combos(chosen: &[&Rep]) -> usize {
    chosen
        .iter()
        .fold(1usize, |n, r| n.saturating_mul(r.instances.len()))
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
