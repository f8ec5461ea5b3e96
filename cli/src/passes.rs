//! Runs the detector's analyses over the inputs: one pass over every
//! analysis, or, with threads to spare, one pass per analysis [`Part`]
//! side by side, each on its own thread reading the inputs again, their
//! reports merged (the same report, see [`Part`]).
//!
//! The first part starts at once and its reading watches for events the
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

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use lockscope_detector::analysis::{analyze, analyze_part, Config, Input, Part};
use lockscope_detector::report::Report;
use lockscope_detector::trace::{Event, EventSource, TraceError, TraceMeta};

use crate::error::CliResult;
use crate::inputs::InputSpec;
use crate::source::Progress;

/// Analyzes `specs` with every analysis, on up to `jobs` threads.
pub fn run(specs: &[InputSpec], progress: &Progress, jobs: usize) -> CliResult<Report> {
    let config = Config::default();
    let (first, later) = Part::ALL.split_first().expect("one part at least");
    if jobs < 2 || !specs.iter().all(rereadable) {
        return Ok(analyze(progress.inputs(specs)?, &config)?);
    }
    let later = &later[..later.len().min(jobs - 1)];
    let (starts, waits): (Vec<_>, Vec<_>) = later
        .iter()
        .map(|&part| {
            let (start, wait) = sync_channel(1);
            ((part, start), (part, wait))
        })
        .unzip();
    let config = &config;
    std::thread::scope(|s| {
        let handles: Vec<_> = waits
            .into_iter()
            .map(|(part, wait)| s.spawn(move || later_part(part, &wait, specs, config)))
            .collect();
        let inputs = progress.inputs(specs).map(|inputs| {
            inputs
                .into_iter()
                .map(|input| watched(input, &starts))
                .collect()
        });
        drop(starts);
        let first = inputs.and_then(|inputs| Ok(analyze_part(inputs, config, *first)?));
        let mut reports = vec![first?];
        for handle in handles {
            let later = handle
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            reports.extend(later?);
        }
        Ok(Report::merge(reports))
    })
}

/// `part`'s report, once `wait` says the first part's reading saw an event
/// it acts on; `None` when the reading ended without one.
fn later_part(
    part: Part,
    wait: &Receiver<()>,
    specs: &[InputSpec],
    config: &Config,
) -> CliResult<Option<Report>> {
    if wait.recv().is_err() {
        return Ok(None);
    }
    let inputs = Progress::hidden().inputs(specs)?;
    Ok(Some(analyze_part(inputs, config, part)?))
}

/// Whether `spec` can be opened and read a second time.
fn rereadable(spec: &InputSpec) -> bool {
    match spec {
        InputSpec::Stdin => false,
        InputSpec::File(path) => std::fs::metadata(path).is_ok_and(|m| m.is_file()),
    }
}

/// `input`, its reading watched for the parts waiting in `starts`.
fn watched<'a>(input: Input<'a>, starts: &[(Part, SyncSender<()>)]) -> Input<'a> {
    Input {
        name: input.name,
        source: Box::new(Watched {
            source: input.source,
            starts: starts.to_vec(),
        }),
    }
}

/// A source that starts each waiting part at the first event it acts on.
/// The parts still waiting when every watched source is dropped are left
/// out (their channels close).
struct Watched<'a> {
    source: Box<dyn EventSource + 'a>,
    starts: Vec<(Part, SyncSender<()>)>,
}

impl EventSource for Watched<'_> {
    fn meta(&self) -> &TraceMeta {
        self.source.meta()
    }

    fn next_event(&mut self) -> Result<Option<Event>, TraceError> {
        let ev = self.source.next_event()?;
        if let Some(ev) = &ev {
            self.starts.retain(|(part, start)| {
                let acts = part.acts_on(ev);
                if acts {
                    // A full channel has been told already.
                    let _ = start.try_send(());
                }
                !acts
            });
        }
        Ok(ev)
    }
}
