//! `lockscope graph TRACE...`: the lock-order graph or, with `--wait-for`,
//! the wait-for graph at the end of each trace, with cycles marked.
//!
//! Both come from the detector and use the analyses' own rules, so `graph`
//! and `analyze` agree: the lock-order graph is the lock-order analysis's
//! (its edge rule, every trace merged by lock identity) and its cycles are
//! the lock cycles of the potential deadlocks `analyze` reports
//! ([`lock_order::graph`]); the wait-for graph is the deadlock analysis's
//! (the blocked threads nothing can wake and who each waits for) and its
//! cycles are the deadlocks `analyze` reports at the end of each trace
//! ([`deadlock::wait_for_graphs`]). With several inputs, wait-for nodes are
//! prefixed by their trace's name.

use lockscope_detector::analysis::{deadlock, lock_order, Config};

use crate::args::{Global, GraphArgs, GraphFormat};
use crate::error::{CliResult, EXIT_OK};
use crate::inputs;
use crate::render::graph::{self, GraphView};
use crate::source::Progress;

/// Runs the command.
pub fn run(args: &GraphArgs, global: &Global) -> CliResult<u8> {
    let specs = inputs::expand(&args.traces)?;
    let progress = Progress::new(&specs, global.quiet);
    let inputs = progress.inputs(&specs);
    let config = Config::default();
    let view = if args.wait_for {
        GraphView::of("wait-for", &deadlock::wait_for_graphs(inputs, &config)?)
    } else {
        GraphView::of("lock-order", &lock_order::graph(inputs, &config)?)
    };
    progress.finish();
    let out = match args.format {
        GraphFormat::Dot => graph::dot(&view),
        GraphFormat::Svg => graph::svg(&view),
        GraphFormat::Json => graph::json(&view),
    };
    super::write_output(None, &out)?;
    Ok(EXIT_OK)
}
