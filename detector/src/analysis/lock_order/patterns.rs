//! From a cycle of locks to deadlock patterns: one edge representative per
//! step of the cycle, chosen under Goodlock's conditions.
//!
//! For a lock cycle `l0 -> l1 -> ... -> l0` a pattern picks, for each
//! `i`, a representative of `l_i -> l_{i+1}` such that
//! - no two of them hold one lock in incompatible modes at their edges
//!   (this is the "no common gate lock" condition, generalised: two threads
//!   cannot both be inside one exclusive critical section),
//! - each request conflicts with how the next thread holds that lock (two
//!   read locks do not block each other).
//!
//! Edges of one thread (a thread is `(trace, thread)`) may form a pattern:
//! both orders taken by one thread can deadlock as soon as two threads run
//! that code, which is what lockdep reports. Whether the edges can be at
//! their requests at the same time (distinct threads not ordered by
//! fork/join) depends on the occurrences chosen, so the caller decides it,
//! and grades the pattern, in the `accept` callback.
//!
//! # Performance
//! A depth-first search over representatives with the pairwise checks
//! applied as each one is chosen; a step budget bounds it.

use super::edges::Rep;

/// Calls `accept` for every pattern (in search order) until it has
/// accepted `max`; returns true when the search was cut (by `max` or by
/// the `budget` of steps).
pub fn instantiate<'a>(
    candidates: &[&'a [Rep]],
    max: usize,
    budget: &mut u64,
    accept: &mut dyn FnMut(&[&'a Rep]) -> bool,
) -> bool {
    let mut search = Search {
        candidates,
        chosen: Vec::with_capacity(candidates.len()),
        kept: 0,
        max,
        budget,
        accept,
    };
    search.extend()
}

struct Search<'s, 'a> {
    candidates: &'s [&'a [Rep]],
    chosen: Vec<&'a Rep>,
    kept: usize,
    max: usize,
    budget: &'s mut u64,
    accept: &'s mut dyn FnMut(&[&'a Rep]) -> bool,
}

impl<'a> Search<'_, 'a> {
    /// Returns true when the search must stop.
    fn extend(&mut self) -> bool {
        let i = self.chosen.len();
        if i == self.candidates.len() {
            if hand_overs_conflict(&self.chosen) && (self.accept)(&self.chosen) {
                self.kept += 1;
                return self.kept >= self.max;
            }
            return false;
        }
        for rep in self.candidates[i] {
            if *self.budget == 0 {
                return true;
            }
            *self.budget -= 1;
            if self.chosen.iter().all(|c| compatible(c, rep)) {
                self.chosen.push(rep);
                let stop = self.extend();
                self.chosen.pop();
                if stop {
                    return true;
                }
            }
        }
        false
    }
}

/// Whether two edges could be at their requests at the same time if their
/// threads ran concurrently: no lock held by both in incompatible modes.
fn compatible(a: &Rep, b: &Rep) -> bool {
    // Both held sets are sorted by lock.
    let (mut i, mut j) = (0, 0);
    while i < a.held.len() && j < b.held.len() {
        let ((la, ma), (lb, mb)) = (a.held[i], b.held[j]);
        match la.cmp(&lb) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal if !ma.compatible(mb) => return false,
            std::cmp::Ordering::Equal => (i, j) = (i + 1, j + 1),
        }
    }
    true
}

/// Whether each request blocks on how the next thread holds the lock.
fn hand_overs_conflict(chosen: &[&Rep]) -> bool {
    let n = chosen.len();
    (0..n).all(|i| !chosen[i].mode_to.compatible(chosen[(i + 1) % n].mode_from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::LockMode::{self, Exclusive, Shared};

    fn rep(from: u32, to: u32, thread: u32, held: &[(u32, LockMode)]) -> Rep {
        let mode_from = held.iter().find(|h| h.0 == from).map_or(Exclusive, |h| h.1);
        Rep {
            from,
            to,
            trace: 0,
            thread,
            held: held.to_vec(),
            mode_from,
            mode_to: Exclusive,
            site_from: 0,
            site_to: 0,
            instances: Vec::new(),
            count: 1,
        }
    }

    fn count(candidates: &[&[Rep]]) -> usize {
        let mut n = 0;
        let mut budget = 1000;
        instantiate(candidates, 100, &mut budget, &mut |_| {
            n += 1;
            true
        });
        n
    }

    #[test]
    fn distinct_threads_without_gate_form_a_pattern() {
        let ab = [rep(1, 2, 0, &[(1, Exclusive)])];
        let ba = [rep(2, 1, 1, &[(2, Exclusive)])];
        assert_eq!(count(&[&ab, &ba]), 1);
    }

    #[test]
    fn one_thread_forms_a_pattern_but_a_common_gate_forms_none() {
        let ab = [rep(1, 2, 0, &[(1, Exclusive)])];
        let ba = [rep(2, 1, 0, &[(2, Exclusive)])];
        assert_eq!(count(&[&ab, &ba]), 1);
        let ab = [rep(1, 2, 0, &[(1, Exclusive), (9, Exclusive)])];
        let ba = [rep(2, 1, 0, &[(2, Exclusive), (9, Exclusive)])];
        assert_eq!(count(&[&ab, &ba]), 0);
        let ab = [rep(1, 2, 0, &[(1, Exclusive), (9, Exclusive)])];
        let ba = [rep(2, 1, 1, &[(2, Exclusive), (9, Exclusive)])];
        assert_eq!(count(&[&ab, &ba]), 0);
    }

    #[test]
    fn shared_gate_does_not_protect_and_shared_holds_do_not_block() {
        let ab = [rep(1, 2, 0, &[(1, Exclusive), (9, Shared)])];
        let ba = [rep(2, 1, 1, &[(2, Exclusive), (9, Shared)])];
        assert_eq!(count(&[&ab, &ba]), 1);
        // T1 read-holds 1 and asks for 2; T2 read-holds 2... and asks to
        // read 1: reads do not block reads.
        let mut ab = rep(1, 2, 0, &[(1, Shared)]);
        let mut ba = rep(2, 1, 1, &[(2, Shared)]);
        ab.mode_to = Shared;
        ba.mode_to = Shared;
        assert_eq!(count(&[&[ab], &[ba]]), 0);
    }

    #[test]
    fn budget_cuts_the_search() {
        let ab: Vec<Rep> = (0..10).map(|t| rep(1, 2, t, &[(1, Exclusive)])).collect();
        let ba: Vec<Rep> = (10..20).map(|t| rep(2, 1, t, &[(2, Exclusive)])).collect();
        let mut budget = 5;
        assert!(instantiate(&[&ab, &ba], 1000, &mut budget, &mut |_| true));
    }
}
