//! Which part of a trace a timeline covers: every event, a range of event
//! indices, a range of times, or the events around chosen indices.

use std::ops::Range;

/// A part of a trace, chosen by event index or by time.
///
/// Times are in the trace's clock unit (nanoseconds, or event positions for
/// a sequence clock). Event times never decrease along a trace, so a time
/// window is one contiguous run of events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Window {
    /// Every event of the trace.
    All,
    /// The events whose index is in `from..to`.
    Events { from: u64, to: u64 },
    /// The events whose time is in `from..=to`.
    Time { from: u64, to: u64 },
}

impl Window {
    /// The `context` events on either side of `index`, and `index` itself.
    pub fn around(index: u64, context: u64) -> Self {
        let r = range_around(index, context);
        Window::Events {
            from: r.start,
            to: r.end,
        }
    }

    /// Windows of `context` events around every index of `indices`, where
    /// overlapping or touching windows are merged into one: the fewest
    /// windows that cover every index with its context, in trace order.
    pub fn around_all(indices: impl IntoIterator<Item = u64>, context: u64) -> Vec<Window> {
        let ranges = indices.into_iter().map(|i| range_around(i, context));
        merge(ranges.collect())
            .into_iter()
            .map(|r| Window::Events {
                from: r.start,
                to: r.end,
            })
            .collect()
    }

    /// Whether the event at `index`, at `time`, is inside.
    pub fn contains(&self, index: u64, time: u64) -> bool {
        match *self {
            Window::All => true,
            Window::Events { from, to } => (from..to).contains(&index),
            Window::Time { from, to } => (from..=to).contains(&time),
        }
    }

    /// Whether the event at `index`, at `time`, and every event after it
    /// are past the window's end.
    pub fn is_past(&self, index: u64, time: u64) -> bool {
        match *self {
            Window::All => false,
            Window::Events { to, .. } => index >= to,
            Window::Time { to, .. } => time > to,
        }
    }
}

/// `index` with `context` events on either side, clamped at 0.
fn range_around(index: u64, context: u64) -> Range<u64> {
    index.saturating_sub(context)..index.saturating_add(context).saturating_add(1)
}

/// The union of `ranges`: sorted, with overlapping and touching ranges
/// merged and empty ones dropped.
pub fn merge(mut ranges: Vec<Range<u64>>) -> Vec<Range<u64>> {
    ranges.retain(|r| r.start < r.end);
    ranges.sort_by_key(|r| r.start);
    let mut out: Vec<Range<u64>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn around_clamps_at_zero_and_includes_the_index() {
        assert_eq!(Window::around(3, 5), Window::Events { from: 0, to: 9 });
        assert_eq!(Window::around(10, 0), Window::Events { from: 10, to: 11 });
    }

    #[test]
    fn around_all_merges_overlapping_and_touching_windows() {
        let got = Window::around_all([50, 8, 10, 20, 3], 2);
        assert_eq!(
            got,
            [
                Window::Events { from: 1, to: 13 },
                Window::Events { from: 18, to: 23 },
                Window::Events { from: 48, to: 53 },
            ]
        );
    }

    #[test]
    fn merge_drops_empty_ranges() {
        assert_eq!(merge(vec![5..5, 1..3, 2..4, 4..6]), vec![1..6]);
    }

    #[test]
    fn time_windows_include_both_ends_and_end_past_them() {
        let w = Window::Time { from: 10, to: 20 };
        assert!(w.contains(0, 10) && w.contains(99, 20) && !w.contains(5, 21));
        assert!(w.is_past(7, 21) && !w.is_past(7, 20));
        let e = Window::Events { from: 2, to: 4 };
        assert!(e.contains(3, 0) && !e.contains(4, 0) && e.is_past(4, 0));
        assert!(!Window::All.is_past(u64::MAX, u64::MAX));
    }
}
