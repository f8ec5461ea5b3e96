//! [`Findings`]: where findings are collected, aggregated by fingerprint as
//! they arrive, so memory grows with distinct findings, never with how
//! often they occur.
//!
//! The first occurrence of a fingerprint is kept whole; later ones add to
//! its [`occurrences`](Finding::occurrences), keep their steps while fewer
//! than [`EXAMPLES`] are kept, add their trace to its
//! [`origins`](Finding::origins), and count towards its distinct
//! [`site_tuples`](Finding::site_tuples).
//!
//! An analysis that sees the same bug often (a racy counter) keeps the
//! [`FindingId`] of its first occurrence under a key of its own (ids, not
//! strings) and reports later ones with [`Findings::again`], which builds
//! no string unless it keeps the steps.
//!
//! # Performance
//! [`Findings::add`] hashes the fingerprint; [`Findings::again`] is a vector
//! index plus one set insert of a 64-bit site-tuple hash (the caller
//! combines cached site hashes). Memory per finding: the finding, at most
//! [`EXAMPLES`] step lists and 8 bytes per distinct site tuple.

use std::collections::HashMap;

use super::model::{Finding, Origin, EXAMPLES};
use super::step::Step;
use super::tuple::{site_tuple, Tuples};

/// The findings of a run, one per fingerprint, in order of first arrival.
#[derive(Debug, Default)]
pub struct Findings {
    entries: Vec<Entry>,
    by_fingerprint: HashMap<String, usize>,
    /// The trace findings are attributed to now.
    trace: Option<String>,
    /// Counts [`set_trace`](Findings::set_trace) calls, so an occurrence
    /// checks its origin only when the trace changed.
    trace_seq: usize,
}

#[derive(Debug)]
struct Entry {
    finding: Finding,
    /// Left out of the results (see [`Findings::withdraw`]) until it occurs
    /// again.
    withdrawn: bool,
    tuples: Tuples,
    /// The `trace_seq` its origins were last brought up to date in.
    origin_seq: usize,
}

/// A finding already in a [`Findings`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FindingId(usize);

impl Findings {
    pub fn new() -> Self {
        Findings::default()
    }

    /// Findings added from now on, without origins of their own, come from
    /// trace `name`; `None` after the last trace.
    pub fn set_trace(&mut self, name: Option<&str>) {
        self.trace = name.map(str::to_owned);
        self.trace_seq += 1;
    }

    /// Adds `f`: a new entry, or `f`'s occurrences folded into the entry of
    /// the same fingerprint (the higher grade wins).
    pub fn add(&mut self, mut f: Finding) -> FindingId {
        if f.origins.is_empty() {
            f.origins.extend(self.trace.iter().map(Origin::trace));
        }
        let tuple = site_tuple(event_sites(&f.steps));
        if let Some(&i) = self.by_fingerprint.get(&f.fingerprint) {
            self.entries[i].merge(f, tuple);
            self.entries[i].origin_seq = self.trace_seq;
            self.entries[i].withdrawn = false;
            return FindingId(i);
        }
        let i = self.entries.len();
        self.by_fingerprint.insert(f.fingerprint.clone(), i);
        let further = std::mem::take(&mut f.examples);
        f.site_tuples = 1;
        let mut entry = Entry {
            finding: f,
            withdrawn: false,
            tuples: Tuples::default(),
            origin_seq: self.trace_seq,
        };
        entry.tuples.insert(tuple);
        for steps in further {
            entry.example(steps);
        }
        self.entries.push(entry);
        FindingId(i)
    }

    /// One more occurrence of finding `id`, whose event steps have the sites
    /// that make `tuple` (see [`site_tuple`](super::site_tuple) and
    /// [`tuple_of`](super::tuple_of)); `steps` is called only if its steps
    /// are kept.
    pub fn again(&mut self, id: FindingId, tuple: u64, steps: impl FnOnce() -> Vec<Step>) {
        let entry = &mut self.entries[id.0];
        entry.withdrawn = false;
        entry.finding.occurrences += 1;
        if entry.tuples.insert(tuple) {
            entry.finding.site_tuples = entry.tuples.len() as u64;
        }
        if entry.finding.examples.len() + 1 < EXAMPLES {
            entry.finding.examples.push(steps());
        }
        if entry.origin_seq != self.trace_seq {
            entry.origin_seq = self.trace_seq;
            let trace = self.trace.as_deref();
            if let Some(t) = trace.filter(|t| !entry.finding.found_in(t)) {
                entry.finding.origins.push(Origin::trace(t));
            }
        }
    }

    /// The findings so far.
    pub fn iter(&self) -> impl Iterator<Item = &Finding> {
        self.with_ids().map(|(_, f)| f)
    }

    /// Finding `id`.
    pub fn get(&self, id: FindingId) -> &Finding {
        &self.entries[id.0].finding
    }

    /// The findings so far, with their ids.
    pub fn with_ids(&self) -> impl Iterator<Item = (FindingId, &Finding)> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.withdrawn)
            .map(|(i, e)| (FindingId(i), &e.finding))
    }

    /// Leaves finding `id` out of the results: another finding stands for
    /// what it reports (a deadlock for the inversion it ran into). A later
    /// occurrence ([`add`](Findings::add), [`again`](Findings::again))
    /// brings it back, with every occurrence counted.
    pub fn withdraw(&mut self, id: FindingId) {
        self.entries[id.0].withdrawn = true;
    }

    /// Raises finding `id` to `grade` (with the severity that goes with it
    /// and `unseen_thread`, the reason it is no better) if that is higher
    /// than its grade: an occurrence that shows more than the first.
    pub fn regrade(&mut self, id: FindingId, grade: super::Grade, unseen_thread: Option<String>) {
        let f = &mut self.entries[id.0].finding;
        if f.grade < Some(grade) {
            f.grade = Some(grade);
            f.severity = grade.severity();
            f.unseen_thread = unseen_thread;
        }
    }

    /// Adds variable `name` to finding `id`'s variables, unless it is
    /// there: a finding per pair of sites names the variables its
    /// occurrences touched.
    pub fn name_var(&mut self, id: FindingId, name: String) {
        let vars = &mut self.entries[id.0].finding.vars;
        if !vars.contains(&name) {
            vars.push(name);
        }
    }

    /// Marks finding `id` as reported by the runtime's live checks, which
    /// raises its severity to `severity` if that is higher: what a live
    /// check reported fails the gate whatever grade the trace gives it.
    pub fn mark_live(&mut self, id: FindingId, severity: super::Severity) {
        let f = &mut self.entries[id.0].finding;
        f.live = true;
        f.severity = f.severity.max(severity);
    }

    /// Every finding, in order of first arrival.
    pub fn into_vec(self) -> Vec<Finding> {
        self.entries
            .into_iter()
            .filter(|e| !e.withdrawn)
            .map(|e| e.finding)
            .collect()
    }
}

impl Entry {
    fn merge(&mut self, f: Finding, tuple: u64) {
        let mine = &mut self.finding;
        mine.occurrences += f.occurrences;
        if f.grade > mine.grade {
            mine.grade = f.grade;
            mine.severity = f.severity;
            mine.unseen_thread = f.unseen_thread;
        }
        for o in f.origins {
            if !mine.origins.contains(&o) {
                mine.origins.push(o);
            }
        }
        mine.live |= f.live;
        self.tuples.insert(tuple);
        self.example(f.steps);
        for steps in f.examples {
            self.example(steps);
        }
    }

    /// Keeps `steps` as an example while there is room, counting its tuple.
    fn example(&mut self, steps: Vec<Step>) {
        self.tuples.insert(site_tuple(event_sites(&steps)));
        self.finding.site_tuples = self.tuples.len() as u64;
        if self.finding.examples.len() + 1 < EXAMPLES {
            self.finding.examples.push(steps);
        }
    }
}

/// The sites of the steps that are trace events, in order: what an
/// occurrence's site tuple is made of.
fn event_sites(steps: &[Step]) -> impl Iterator<Item = Option<&str>> {
    steps
        .iter()
        .filter(|s| s.event.is_some())
        .map(|s| s.site.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Detail, FindingKind, Role};

    fn lost(thread: &str, site: &str, event: u64) -> Finding {
        let mut f = Finding::new(
            FindingKind::LostUpdate,
            &["x"],
            Detail::LostUpdate {
                var: "x".into(),
                thread: thread.into(),
                overwritten: "T0".into(),
            },
        );
        let mut step = Step::new(thread, Role::Read { var: "x".into() }).at(Some(site.into()));
        step.event = Some(event);
        f.steps = vec![step];
        f
    }

    #[test]
    fn occurrences_fold_into_one_entry_with_a_few_examples() {
        let mut found = Findings::new();
        found.set_trace(Some("a.jsonl"));
        let id = found.add(lost("T1", "a.rs:1:1", 1));
        for i in 0..9 {
            assert_eq!(found.add(lost("T2", "a.rs:1:1", 10 + i)), id);
        }
        found.set_trace(Some("b.jsonl"));
        found.add(lost("T3", "a.rs:2:1", 3));
        let all = found.into_vec();
        assert_eq!(all.len(), 1);
        let f = &all[0];
        assert_eq!(f.occurrences, 11);
        assert_eq!(f.examples.len(), EXAMPLES - 1);
        assert_eq!(f.steps[0].thread, "T1");
        assert_eq!(f.site_tuples, 2);
        let traces: Vec<&str> = f.origins.iter().map(|o| o.trace.as_str()).collect();
        assert_eq!(traces, ["a.jsonl", "b.jsonl"]);
    }

    #[test]
    fn a_withdrawn_finding_is_left_out_until_it_occurs_again() {
        let mut found = Findings::new();
        let id = found.add(lost("T1", "a.rs:1:1", 1));
        found.withdraw(id);
        assert_eq!(found.iter().count(), 0);
        found.add(lost("T2", "a.rs:1:1", 2));
        let all = found.into_vec();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].occurrences, 2);
    }

    #[test]
    fn again_builds_steps_only_while_they_are_kept() {
        let mut found = Findings::new();
        let id = found.add(lost("T1", "a.rs:1:1", 1));
        let mut built = 0;
        for i in 0..100 {
            let tuple = site_tuple([Some("a.rs:1:1")]);
            found.again(id, tuple, || {
                built += 1;
                lost("T2", "a.rs:1:1", i).steps
            });
        }
        assert_eq!(built, EXAMPLES - 1);
        let f = found.get(id);
        assert_eq!((f.occurrences, f.site_tuples), (101, 1));
    }
}
