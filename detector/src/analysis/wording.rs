//! Words shared by the analyses' findings: site names, durations, steps.

use crate::report::Step;
use crate::trace::{ClockUnit, SiteId, ThreadId, TraceMeta};

/// `file:line:col`, `loc N`, or `unknown site`.
pub(crate) fn site_name(meta: &TraceMeta, site: Option<SiteId>) -> String {
    site.map_or_else(|| "unknown site".to_owned(), |s| meta.site(s).to_string())
}

/// A duration in the trace's clock unit, for people: `1.50 ms`, or
/// `12 events` on a sequence clock.
pub(crate) fn duration(clock: ClockUnit, v: u64) -> String {
    if clock == ClockUnit::Sequence {
        return format!("{v} events");
    }
    match v {
        0..1_000 => format!("{v} ns"),
        1_000..1_000_000 => format!("{:.2} µs", v as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.2} ms", v as f64 / 1e6),
        _ => format!("{:.2} s", v as f64 / 1e9),
    }
}

/// A step: the event at trace index `index` by `thread` at `site`.
pub(crate) fn step(
    meta: &TraceMeta,
    thread: ThreadId,
    index: u64,
    site: Option<SiteId>,
    what: String,
) -> Step {
    Step {
        event: Some(index),
        thread: meta.thread(thread).display_name().to_owned(),
        site: site.map(|s| meta.site(s).to_string()),
        what,
        backtrace: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_pick_a_readable_unit() {
        let ns = ClockUnit::Nanoseconds;
        assert_eq!(duration(ns, 999), "999 ns");
        assert_eq!(duration(ns, 1_500), "1.50 µs");
        assert_eq!(duration(ns, 2_000_000), "2.00 ms");
        assert_eq!(duration(ns, 3_000_000_000), "3.00 s");
        assert_eq!(duration(ClockUnit::Sequence, 7), "7 events");
    }
}
