//! Scores lockscope's predicted deadlocks and races on generated traces
//! against the exhaustive ground truth.
//!
//! Deadlocks are compared three ways: per trace (does the trace have a
//! deadlock, did lockscope grade one `feasible` or `confirmed`), per
//! distinct deadlocking lock set, and per finding (the pattern a
//! `feasible`/`confirmed` finding names must be one the exhaustive search
//! reaches: that is its witness). Races are compared by site pair with
//! exact happens-before, and every race graded `sound` must be a
//! predictable race the exhaustive search reaches.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use lockscope_detector::analysis::{analyze, Config, Input};
use lockscope_detector::finding::{Detail, Finding, FindingKind, Grade};
use lockscope_detector::report::Report;
use lockscope_detector::trace;

use super::explore::{explore, Pattern, Truth};
use super::generate::{generate, Size, Trace};
use super::hb::{self, SitePair};

/// Runs `analyze` with `config` on the trace as STD text.
pub fn analyze_std(text: &str, config: &Config) -> Report {
    let source = trace::from_reader("gen.std", Box::new(std::io::Cursor::new(text.to_owned())))
        .expect("generated STD reads");
    let input = Input {
        name: "gen.std".to_owned(),
        source,
    };
    analyze(vec![input], config).expect("generated STD analyzes")
}

/// A predicted deadlock: its lock set, grade and pattern.
#[derive(Debug)]
pub struct Predicted {
    pub locks: Vec<u32>,
    pub grade: Grade,
    pub pattern: Pattern,
    pub title: String,
}

/// The number in a label such as `L3` or `T2`.
fn number(label: &str) -> u32 {
    label[1..]
        .parse()
        .expect("generated labels are a letter and a number")
}

/// The potential deadlocks of `report` on `trace`, with their patterns
/// (each edge's request as `(thread, position in its thread)`).
pub fn predicted(trace: &Trace, report: &Report) -> Vec<Predicted> {
    let mut position = Vec::with_capacity(trace.events.len());
    let mut next = vec![0u32; trace.threads];
    for e in &trace.events {
        position.push(next[e.thread as usize]);
        next[e.thread as usize] += 1;
    }
    report
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::PotentialDeadlock)
        .map(|f| {
            let Detail::LockCycle { edges, .. } = &f.detail else {
                panic!("a potential deadlock is a lock cycle");
            };
            let mut locks: Vec<u32> = edges.iter().map(|e| number(&e.from)).collect();
            locks.sort_unstable();
            let mut pattern: Pattern = f
                .steps
                .iter()
                .skip(1)
                .step_by(2)
                .map(|s| {
                    let i = s.event.expect("a trace step") as usize;
                    (trace.events[i].thread, position[i])
                })
                .collect();
            pattern.sort_unstable();
            Predicted {
                locks,
                grade: f.grade.expect("graded"),
                pattern,
                title: f.title(),
            }
        })
        .collect()
}

/// The race findings of `report` as site pairs, with their grades.
pub fn races(report: &Report) -> HashMap<SitePair, Option<Grade>> {
    report
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::DataRace)
        .map(|f: &Finding| {
            let Detail::DataRace { var } = &f.detail else {
                panic!("a data race names its variable");
            };
            let site = |i: usize| f.steps[i].site.clone().unwrap_or(hb::UNKNOWN.into());
            let (a, b) = (site(0), site(1));
            let (a, b) = if a <= b { (a, b) } else { (b, a) };
            let pair = (hb::site_pair_var(var, &a, &b), a, b);
            (pair, f.grade)
        })
        .collect()
}

/// Counts over many traces.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    pub traces: usize,
    /// Traces whose exhaustive search ran out of states (not scored).
    pub partial: usize,
    pub states: usize,
    /// Traces with a deadlock / with one graded feasible or confirmed /
    /// both.
    pub deadlocked: usize,
    pub flagged: usize,
    pub both: usize,
    /// Deadlocking lock sets / found (feasible or confirmed) / both.
    pub sets: usize,
    pub sets_found: usize,
    pub sets_both: usize,
    /// Feasible or confirmed findings, and those whose pattern no correct
    /// reordering reaches (false positives).
    pub findings: usize,
    pub wrong: Vec<String>,
    /// Deadlocking lock sets not found, by seed (what recall misses).
    pub missed: Vec<String>,
    /// Exact-HB racy site pairs / reported / SHB racy pairs / graded sound.
    pub hb_pairs: usize,
    pub hb_found: usize,
    pub shb_pairs: usize,
    pub sound: usize,
    /// Races graded `hb_only` that a correct reordering reaches anyway.
    pub hb_only_reachable: usize,
    /// Reported races that exact HB does not have, and `sound` races no
    /// correct reordering reaches.
    pub race_wrong: Vec<String>,
}

impl Tally {
    pub fn add(&mut self, o: &Tally) {
        self.traces += o.traces;
        self.partial += o.partial;
        self.states += o.states;
        self.deadlocked += o.deadlocked;
        self.flagged += o.flagged;
        self.both += o.both;
        self.sets += o.sets;
        self.sets_found += o.sets_found;
        self.sets_both += o.sets_both;
        self.findings += o.findings;
        self.wrong.extend(o.wrong.iter().cloned());
        self.missed.extend(o.missed.iter().cloned());
        self.hb_pairs += o.hb_pairs;
        self.hb_found += o.hb_found;
        self.shb_pairs += o.shb_pairs;
        self.sound += o.sound;
        self.hb_only_reachable += o.hb_only_reachable;
        self.race_wrong.extend(o.race_wrong.iter().cloned());
    }

    fn ratio(a: usize, b: usize) -> f64 {
        if b == 0 {
            1.0
        } else {
            a as f64 / b as f64
        }
    }

    /// Lock sets found that really deadlock, over lock sets found.
    pub fn precision(&self) -> f64 {
        Self::ratio(self.sets_both, self.sets_found)
    }

    /// Deadlocking traces flagged, over deadlocking traces.
    pub fn trace_recall(&self) -> f64 {
        Self::ratio(self.both, self.deadlocked)
    }

    /// Deadlocking lock sets found, over deadlocking lock sets.
    pub fn set_recall(&self) -> f64 {
        Self::ratio(self.sets_both, self.sets)
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} traces ({} partial, {} states): precision {:.3} ({} of {} lock sets, {} wrong \
             witnesses); trace recall {:.3} ({} of {}); lock-set recall {:.3} ({} of {}); races: \
             {} of {} exact-HB site pairs, {} SHB pairs, {} graded sound, {} wrong, {} hb_only \
             reachable",
            self.traces,
            self.partial,
            self.states,
            self.precision(),
            self.sets_both,
            self.sets_found,
            self.wrong.len(),
            self.trace_recall(),
            self.both,
            self.deadlocked,
            self.set_recall(),
            self.sets_both,
            self.sets,
            self.hb_found,
            self.hb_pairs,
            self.shb_pairs,
            self.sound,
            self.race_wrong.len(),
            self.hb_only_reachable,
        )
    }
}

/// Scores one trace under each of `configs` (one tally each);
/// `max_states` bounds the exhaustive search, which runs once.
pub fn score(trace: &Trace, configs: &[Config], max_states: usize) -> Vec<Tally> {
    let mut t = Tally {
        traces: 1,
        ..Tally::default()
    };
    let truth = explore(trace, max_states);
    t.states = truth.states;
    if !truth.complete {
        t.partial = 1;
        return vec![t; configs.len()];
    }
    let text = trace.to_std();
    configs
        .iter()
        .map(|config| {
            let mut t = t.clone();
            let report = analyze_std(&text, config);
            score_deadlocks(trace, &truth, &report, &mut t);
            score_races(trace, &truth, &text, &report, &mut t);
            t
        })
        .collect()
}

fn score_deadlocks(trace: &Trace, truth: &Truth, report: &Report, t: &mut Tally) {
    let found: Vec<Predicted> = predicted(trace, report)
        .into_iter()
        .filter(|p| p.grade >= Grade::Feasible)
        .collect();
    for p in &found {
        if !truth.has_pattern(&p.pattern) {
            t.wrong
                .push(format!("seed {}: {} {:?}", trace.seed, p.title, p.pattern));
        }
    }
    let real: BTreeSet<&Vec<u32>> = truth.deadlocks.keys().collect();
    let sets: BTreeSet<&Vec<u32>> = found.iter().map(|p| &p.locks).collect();
    t.findings = found.len();
    t.deadlocked = usize::from(!real.is_empty());
    t.flagged = usize::from(!sets.is_empty());
    t.both = usize::from(!real.is_empty() && !sets.is_empty());
    t.sets = real.len();
    t.sets_found = sets.len();
    t.sets_both = sets.intersection(&real).count();
    for locks in real.difference(&sets) {
        t.missed
            .push(format!("seed {}: locks {locks:?}", trace.seed));
    }
}

fn score_races(trace: &Trace, truth: &Truth, text: &str, report: &Report, t: &mut Tally) {
    let mut source = trace::from_reader("gen.std", Box::new(std::io::Cursor::new(text.to_owned())))
        .expect("generated STD reads");
    let exact = hb::pairs(source.as_mut());
    let found = races(report);
    let predictable: BTreeSet<SitePair> = truth
        .races
        .iter()
        .map(|&(v, a, b)| (format!("V{v}"), format!("loc {a}"), format!("loc {b}")))
        .map(|(v, a, b)| if a <= b { (v, a, b) } else { (v, b, a) })
        .map(|(v, a, b)| (hb::site_pair_var(&v, &a, &b), a, b))
        .collect();
    t.hb_pairs = exact.hb.len();
    t.shb_pairs = exact.shb.len();
    t.hb_found = exact.hb.iter().filter(|p| found.contains_key(*p)).count();
    for (pair, grade) in &found {
        if !exact.hb.contains(pair) {
            t.race_wrong
                .push(format!("seed {}: {pair:?} is not an HB race", trace.seed));
        }
        if *grade == Some(Grade::HbOnly) && predictable.contains(pair) {
            t.hb_only_reachable += 1;
        }
        if *grade == Some(Grade::Sound) {
            t.sound += 1;
            if !predictable.contains(pair) {
                t.race_wrong.push(format!(
                    "seed {}: {pair:?} graded sound, never reachable",
                    trace.seed
                ));
            }
        }
    }
}

/// Scores `count` traces from seed `first`, cycling through the sizes of
/// [`Size::LADDER`]; returns, per config, the tally per size.
pub fn run(first: u64, count: u64, configs: &[Config], max_states: usize) -> Vec<Vec<Tally>> {
    let mut out = vec![vec![Tally::default(); Size::LADDER.len()]; configs.len()];
    for seed in first..first + count {
        let size = (seed % Size::LADDER.len() as u64) as usize;
        let trace = generate(seed, Size::LADDER[size]);
        for (per_size, t) in out.iter_mut().zip(score(&trace, configs, max_states)) {
            per_size[size].add(&t);
        }
    }
    out
}
