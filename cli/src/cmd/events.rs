//! `lockscope events TRACE --around N`: the events near one event index
//! (the `event N` a finding names), with their times, threads, sites and the
//! locks each thread held, then every thread's holds and wait just before
//! event N.
//!
//! The rows are the detector's timeline of the window `N-K..=N+K`
//! ([`lockscope_detector::timeline`]); `--thread T` shows only T's rows of
//! that window (widen it with `--context`).

use lockscope_detector::timeline::{self, Limits, Window};
use lockscope_detector::trace::{ThreadId, TraceMeta};

use crate::args::{EventsArgs, Global};
use crate::error::{CliError, CliResult, EXIT_OK};
use crate::inputs;
use crate::render::events::table;
use crate::sites::Root;
use crate::source::Progress;

/// Runs the command.
pub fn run(args: &EventsArgs, global: &Global) -> CliResult<u8> {
    let specs = inputs::expand(std::slice::from_ref(&args.trace))?;
    let [spec] = specs.as_slice() else {
        return Err(CliError::new(format!(
            "{}: names {} traces; `events` reads one (give one file)",
            args.trace,
            specs.len()
        )));
    };
    let progress = Progress::new(&specs, global.quiet);
    let mut source = progress.open(spec)?;
    let window = Window::around(args.around, args.context);
    let built = timeline::build(source.as_mut(), &[window], Limits::default())?;
    progress.finish();
    let name = spec.name();
    if args.around >= built.events {
        return Err(CliError::new(format!(
            "{name}: --around {}: the trace has {} events (0..{}); give an index below {}",
            args.around, built.events, built.events, built.events
        )));
    }
    let only = match &args.thread {
        Some(t) => Some(find_thread(&built.meta, t, &name)?),
        None => None,
    };
    let root = Root::discover();
    let out = table(&name, &built, &built.views[0], args.around, only, &root);
    super::write_output(None, &out)?;
    Ok(EXIT_OK)
}

/// The thread whose name (or, failing that, label) is `name`.
pub fn find_thread(meta: &TraceMeta, name: &str, trace: &str) -> CliResult<ThreadId> {
    let by = |f: &dyn Fn(&lockscope_detector::trace::ThreadInfo) -> bool| {
        meta.threads.iter().position(f)
    };
    by(&|t| t.display_name() == name)
        .or_else(|| by(&|t| t.label == name))
        .map(|i| ThreadId(i as u32))
        .ok_or_else(|| {
            let names: Vec<&str> = meta.threads.iter().map(|t| t.display_name()).collect();
            CliError::new(format!(
                "{trace}: --thread {name}: no such thread; its threads are {}",
                names.join(", ")
            ))
        })
}
