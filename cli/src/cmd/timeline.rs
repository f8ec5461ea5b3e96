//! `lockscope timeline TRACE... -o timeline.json`: holds, waits, thread
//! starts and exits and findings over time, as Chrome trace-event JSON
//! ([`crate::render::perfetto`]), for Perfetto's UI or chrome://tracing.
//!
//! Each trace is analyzed (for the findings drawn on it), then read again
//! for its timeline ([`lockscope_detector::timeline::build`]). A whole trace
//! is drawn unless `--window FROM..TO` (event indices), `--window-time
//! FROM..TO` (times) or `--around-finding FINGERPRINT` (the events around
//! each of its steps) picks a part. The
//! file is kept under [`MAX_BYTES`]: a trace too large for that is an error
//! that says which window to ask for.
//!
//! This module also builds the timelines the HTML report draws around its
//! findings ([`around_findings`]).

use std::path::Path;

use lockscope_detector::report::Report;
use lockscope_detector::timeline::{self, Limits, Timelines, Window};
use lockscope_detector::trace::{self, ClockUnit, TraceError};

use crate::args::{Global, TimelineArgs};
use crate::error::{CliError, CliResult, EXIT_OK};
use crate::inputs::{self, InputSpec};
use crate::render::perfetto::{self, TraceTimelines};
use crate::sites::Root;
use crate::source::Progress;

/// The largest file `timeline` writes.
pub const MAX_BYTES: usize = 100 << 20;

/// Events and spans one timeline file may hold: about [`MAX_BYTES`] at the
/// 150 to 200 bytes one costs in the JSON.
pub const MAX_ITEMS: usize = 500_000;

/// Runs the command.
pub fn run(args: &TimelineArgs, global: &Global) -> CliResult<u8> {
    let part = Part::parse(args)?;
    let specs = inputs::expand(&args.traces)?;
    if specs.contains(&InputSpec::Stdin) {
        return Err(CliError::new(
            "-: `timeline` reads each trace twice (findings, then the timeline); give a file",
        ));
    }
    let report = super::analyze::analyze_specs(&specs, global.quiet, global.jobs())?;
    let progress = Progress::new(&specs, global.quiet);
    let mut built = Vec::new();
    for spec in &specs {
        let name = spec.name();
        let Some(windows) = part.windows(&name, &report)? else {
            continue;
        };
        let mut source = progress.open(spec)?;
        let limits = Limits {
            max_items: MAX_ITEMS,
        };
        let t = timeline::build(source.as_mut(), &windows, limits)?;
        if let Some(view) = t.views.iter().find(|v| v.truncated) {
            return Err(too_large(&name, &t, view.first, view.end));
        }
        built.push((name, t));
    }
    progress.finish();
    if built.is_empty() {
        return Err(CliError::new(format!(
            "--around-finding {}: no finding has this fingerprint in these traces; \
             `lockscope analyze --format json` lists the fingerprints",
            args.around_finding.as_deref().unwrap_or_default()
        )));
    }
    let traces: Vec<TraceTimelines<'_>> = built
        .iter()
        .map(|(name, built)| TraceTimelines { name, built })
        .collect();
    let out = perfetto::render(&traces, &report, &Root::discover());
    if out.len() > MAX_BYTES {
        // Suggest the share of the (first) window that fits by size.
        let (name, t) = &built[0];
        let view = &t.views[0];
        let fits = (view.end - view.first) as u128 * MAX_BYTES as u128 / out.len() as u128;
        let cut = view.first + u64::try_from(fits).unwrap_or(u64::MAX);
        return Err(too_large(name, t, view.first, cut));
    }
    super::write_output(Some(&args.output), &out)?;
    if !global.quiet && args.output.as_os_str() != "-" {
        super::write_stderr(&summary(&args.output, &built, out.len()));
    }
    Ok(EXIT_OK)
}

/// The error for a window too large for one file.
fn too_large(name: &str, t: &Timelines, first: u64, cut: u64) -> CliError {
    CliError::new(format!(
        "{name}: the timeline of events {first}..{} is too large for one file (more than {MAX_ITEMS} \
         events and slices, about {} MB); draw a part of it: --window {first}..{cut} (the part that \
         fits), --window-time FROM..TO, or --around-finding FINGERPRINT",
        t.events,
        MAX_BYTES >> 20
    ))
}

fn summary(path: &Path, built: &[(String, Timelines)], bytes: usize) -> String {
    let parts: Vec<String> = built
        .iter()
        .flat_map(|(name, t)| {
            t.views.iter().map(move |v| {
                let spans = v.spans.len();
                format!(
                    "{name}: events {}..{} of {}, {spans} slices",
                    v.first, v.end, t.events
                )
            })
        })
        .collect();
    format!(
        "wrote {} ({} KB): {}; open it in the Perfetto UI or chrome://tracing\n",
        path.display(),
        bytes.div_ceil(1024),
        parts.join("; ")
    )
}

/// The part of each trace to draw.
#[derive(Debug)]
enum Part {
    All,
    Events { from: u64, to: u64 },
    Time { from: TimeBound, to: TimeBound },
    Finding { fingerprint: String, context: u64 },
}

impl Part {
    fn parse(args: &TimelineArgs) -> CliResult<Part> {
        if let Some(w) = &args.window {
            let (from, to) = split_range("--window", w)?;
            let index = |s: &str, default| parse_index(s, default, w);
            return Ok(Part::Events {
                from: index(from, 0)?,
                to: index(to, u64::MAX)?,
            });
        }
        if let Some(w) = &args.window_time {
            let (from, to) = split_range("--window-time", w)?;
            return Ok(Part::Time {
                from: TimeBound::parse(from, TimeBound::Raw(0), w)?,
                to: TimeBound::parse(to, TimeBound::Raw(u64::MAX), w)?,
            });
        }
        if let Some(fp) = &args.around_finding {
            return Ok(Part::Finding {
                fingerprint: fp.trim().to_owned(),
                context: args.context,
            });
        }
        Ok(Part::All)
    }

    /// The windows to draw of trace `name`, or `None` to leave it out (it
    /// does not hold the finding asked for).
    fn windows(&self, name: &str, report: &Report) -> CliResult<Option<Vec<Window>>> {
        Ok(Some(vec![match self {
            Part::All => Window::All,
            &Part::Events { from, to } => Window::Events { from, to },
            Part::Time { from, to } => {
                let clock = report
                    .traces
                    .iter()
                    .find(|t| t.name == name)
                    .and_then(|t| ClockUnit::parse(&t.clock))
                    .unwrap_or(ClockUnit::Nanoseconds);
                Window::Time {
                    from: from.resolve(clock, name)?,
                    to: to.resolve(clock, name)?,
                }
            }
            Part::Finding {
                fingerprint,
                context,
            } => {
                let finding = report.findings.iter().find(|f| {
                    f.fingerprint == *fingerprint && f.steps_trace().is_none_or(|t| t == name)
                });
                let Some(f) = finding else { return Ok(None) };
                let steps = f.steps.iter().filter_map(|s| s.event);
                let windows = Window::around_all(steps, *context);
                return Ok(Some(windows).filter(|w| !w.is_empty()));
            }
        }]))
    }
}

/// `FROM..TO` split at `..`; either side may be empty.
fn split_range<'a>(flag: &str, s: &'a str) -> CliResult<(&'a str, &'a str)> {
    s.split_once("..").ok_or_else(|| {
        CliError::new(format!(
            "{flag} {s}: expected FROM..TO (either end may be left out, as in 1000.. or ..5ms)"
        ))
    })
}

fn parse_index(s: &str, default: u64, whole: &str) -> CliResult<u64> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(default);
    }
    s.parse().map_err(|_| {
        CliError::new(format!(
            "--window {whole}: {s:?} is not an event index (a whole number such as 3228)"
        ))
    })
}

/// One end of a `--window-time`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TimeBound {
    /// A bare number: in the trace's own unit (ns, or event positions).
    Raw(u64),
    /// A duration with a unit, in nanoseconds.
    Nanos(u64),
}

impl TimeBound {
    fn parse(s: &str, default: TimeBound, whole: &str) -> CliResult<TimeBound> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(default);
        }
        let split = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        let (number, unit) = s.split_at(split);
        let bad = || {
            CliError::new(format!(
                "--window-time {whole}: {s:?} is not a time; give a number with a unit \
                 (ns, us, ms, s: 1.5ms) or a plain number in the trace's own unit"
            ))
        };
        let scale = match unit.trim() {
            "" => return number.parse().map(TimeBound::Raw).map_err(|_| bad()),
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            _ => return Err(bad()),
        };
        let value: f64 = number.parse().map_err(|_| bad())?;
        Ok(TimeBound::Nanos((value * scale).round() as u64))
    }

    fn resolve(self, clock: ClockUnit, trace: &str) -> CliResult<u64> {
        match (self, clock) {
            (TimeBound::Raw(v), _) | (TimeBound::Nanos(v), ClockUnit::Nanoseconds) => Ok(v),
            (TimeBound::Nanos(_), ClockUnit::Sequence) => Err(CliError::new(format!(
                "{trace}: --window-time: this trace has no clock (its times are event positions); \
                 give plain positions (--window-time 100..200) or use --window"
            ))),
        }
    }
}

/// Events of context on either side of each finding step the HTML report
/// draws.
pub const HTML_CONTEXT: u64 = 30;

/// Events and spans the HTML report stores per trace.
pub const HTML_MAX_ITEMS: usize = 150_000;

/// For each trace of `report` (in its order), the timelines around the
/// steps of its findings (one finding per fingerprint), windows merged where
/// they overlap; or why there are none (a trace read from standard input,
/// or no longer readable).
pub fn around_findings(report: &Report) -> Vec<Result<Timelines, String>> {
    report
        .traces
        .iter()
        .map(|t| {
            let steps = report
                .findings
                .iter()
                .filter(|f| f.steps_trace().is_none_or(|n| n == t.name))
                .flat_map(|f| f.steps.iter().filter_map(|s| s.event));
            let windows = Window::around_all(steps, HTML_CONTEXT);
            if windows.is_empty() {
                return Err("no finding in this trace names an event".to_owned());
            }
            read_windows(&t.name, &windows)
        })
        .collect()
}

fn read_windows(name: &str, windows: &[Window]) -> Result<Timelines, String> {
    if name == "-" {
        return Err("the trace was read from standard input, which cannot be read again".into());
    }
    let limits = Limits {
        max_items: HTML_MAX_ITEMS,
    };
    let read = || -> Result<Timelines, TraceError> {
        let mut source = trace::open(Path::new(name))?;
        timeline::build(source.as_mut(), windows, limits)
    };
    read().map_err(|e| format!("cannot read the trace again: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_bounds_take_units_or_the_trace_unit() {
        let p = |s| TimeBound::parse(s, TimeBound::Raw(7), s);
        assert_eq!(p("1.5ms").unwrap(), TimeBound::Nanos(1_500_000));
        assert_eq!(p("2s").unwrap(), TimeBound::Nanos(2_000_000_000));
        assert_eq!(p("250").unwrap(), TimeBound::Raw(250));
        assert_eq!(p("").unwrap(), TimeBound::Raw(7));
        assert!(p("3 weeks").is_err() && p("1.5").is_err());
        let seq = TimeBound::Nanos(5).resolve(ClockUnit::Sequence, "t.std");
        assert!(seq.unwrap_err().to_string().contains("no clock"));
        assert_eq!(
            TimeBound::Raw(5).resolve(ClockUnit::Sequence, "t").unwrap(),
            5
        );
    }

    #[test]
    fn too_large_names_the_part_that_fits_and_the_other_ways() {
        let t = Timelines {
            meta: lockscope_detector::trace::TraceMeta::new(
                lockscope_detector::trace::SourceFormat::Std,
            ),
            events: 2_000_000,
            first_time: 0,
            last_time: 0,
            views: Vec::new(),
        };
        let msg = too_large("big.std", &t, 0, 612_345).to_string();
        assert!(
            msg.starts_with("big.std: the timeline of events 0..2000000 is too large"),
            "{msg}"
        );
        assert!(
            msg.contains("--window 0..612345 (the part that fits)"),
            "{msg}"
        );
        assert!(
            msg.contains("--window-time FROM..TO, or --around-finding"),
            "{msg}"
        );
    }

    #[test]
    fn ranges_need_two_dots_and_whole_indices() {
        assert_eq!(split_range("--window", "3..").unwrap(), ("3", ""));
        assert!(split_range("--window", "3-9").is_err());
        assert_eq!(parse_index("", 9, "..").unwrap(), 9);
        assert!(parse_index("x", 0, "x..").is_err());
    }
}
