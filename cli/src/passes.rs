//! Runs the detector's analyses over the inputs: one pass over every
//! analysis, or, with threads to spare, one pass per analysis [`Part`]
//! side by side, each on its own thread reading the inputs again, their
//! reports merged (the same report, see [`Part`]).
//!
//! The first part starts at once and watches its events for those the
//! later parts act on ([`Part::acts_on`]): a later part starts when the
//! first such event is read, and is left out when none comes (its pass
//! would find nothing), so a trace without tracked variables is read once.
//! Parts run side by side only when every input is a regular file (a pipe
//! or standard input can be read once). The progress bar counts the first
//! part's reading.
//!
//! # Performance
//! On a trace with many variable accesses the two parts cost about the
//! same (the lock analyses on one thread, lost updates and races on the
//! other), so two threads take a little over half the time of one. Each
//! part decodes and replays the inputs, so memory grows by one reader and
//! one replay state while both run. docs/performance.md has the figures.

use std::thread::{Scope, ScopedJoinHandle};

use lockscope_detector::analysis::{self, analyze, analyze_part, Analysis, Config, Context, Part};
use lockscope_detector::finding::Findings;
use lockscope_detector::report::Report;
use lockscope_detector::trace::Event;

use crate::error::CliResult;
use crate::inputs::InputSpec;
use crate::source::Progress;

/// Analyzes `specs` with every analysis, the parts side by side when
/// `jobs` is 2 or more.
pub fn run(specs: &[InputSpec], progress: &Progress, jobs: usize) -> CliResult<Report> {
    let config = Config::default();
    let (first, later) = Part::ALL.split_first().expect("one part at least");
    if jobs < 2 || !specs.iter().all(rereadable) {
        return Ok(analyze(progress.inputs(specs), &config)?);
    }
    let config = &config;
    std::thread::scope(|scope| {
        let mut starter = Starter {
            scope,
            waiting: later.to_vec(),
            started: Vec::new(),
            specs,
            config,
        };
        let first = first_part(*first, &mut starter, specs, progress, config);
        let mut reports = vec![first?];
        for part in later {
            let report = match starter.started.iter().position(|(p, _)| p == part) {
                Some(i) => match starter.started.swap_remove(i).1 {
                    Started::Thread(handle) => handle
                        .join()
                        .unwrap_or_else(|e| std::panic::resume_unwind(e)),
                    Started::NoThread => later_part(specs, config, *part),
                },
                None => continue,
            };
            reports.push(report?);
        }
        Ok(Report::merge(reports))
    })
}

/// A later part that an event it acts on started.
enum Started<'scope> {
    /// Running on a thread of its own.
    Thread(ScopedJoinHandle<'scope, CliResult<Report>>),
    /// No thread could be started: it runs after the first part.
    NoThread,
}

/// A later part's pass over `specs` (which it opens again).
fn later_part(specs: &[InputSpec], config: &Config, part: Part) -> CliResult<Report> {
    let inputs = Progress::hidden().inputs(specs);
    Ok(analyze_part(inputs, config, part)?)
}

/// `part`'s report, its reading watched by `starter`.
fn first_part(
    part: Part,
    starter: &mut dyn Analysis,
    specs: &[InputSpec],
    progress: &Progress,
    config: &Config,
) -> CliResult<Report> {
    let inputs = progress.inputs(specs);
    let mut analyses = part.analyses(config);
    let mut refs: Vec<&mut dyn Analysis> = analyses
        .iter_mut()
        .map(|a| {
            let a: &mut dyn Analysis = a.as_mut();
            a
        })
        .collect();
    refs.push(starter);
    Ok(analysis::run(inputs, config, &mut refs)?)
}

/// Whether `spec` can be opened and read a second time.
fn rereadable(spec: &InputSpec) -> bool {
    match spec {
        InputSpec::Stdin => false,
        InputSpec::File(path) => std::fs::metadata(path).is_ok_and(|m| m.is_file()),
    }
}

/// Watches the first part's events (it finds nothing) and starts each
/// later part on a thread of its own at the first event the part acts on.
/// A part not started by the end is left out. No thread is started before
/// one is needed, so a run that needs none stays single-threaded (and
/// keeps the allocator's single-thread fast paths).
struct Starter<'scope, 'env> {
    scope: &'scope Scope<'scope, 'env>,
    waiting: Vec<Part>,
    started: Vec<(Part, Started<'scope>)>,
    specs: &'env [InputSpec],
    config: &'env Config,
}

impl Analysis for Starter<'_, '_> {
    fn on_event(&mut self, _cx: &Context<'_>, ev: &Event, _found: &mut Findings) {
        // Every event of the first part comes here: one test each while
        // nothing is to start.
        if !self.waiting.iter().any(|p| p.acts_on(ev)) {
            return;
        }
        let (now, still) = self.waiting.iter().partition(|p| p.acts_on(ev));
        self.waiting = still;
        let (specs, config) = (self.specs, self.config);
        for part in now {
            let spawned = std::thread::Builder::new()
                .name(format!("lockscope {part:?}"))
                .spawn_scoped(self.scope, move || later_part(specs, config, part));
            // Without a thread (a process or memory limit) the part runs
            // after the first, on the calling thread.
            let started = spawned.map_or(Started::NoThread, Started::Thread);
            self.started.push((part, started));
        }
    }

    fn end_trace(&mut self, _cx: &Context<'_>, _found: &mut Findings) {}
}
