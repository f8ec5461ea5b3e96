//! The contention table of `lockscope stats`, in the spirit of Linux
//! `lock_stat` and mutrace: one row per lock (or per thread), sortable,
//! top-N.
//!
//! Times are shown in the trace's clock: nanoseconds are scaled (`1.25ms`),
//! sequence clocks (STD traces) are event counts (`340ev`).

use std::fmt::Write as _;

use lockscope_detector::report::{LockStats, ThreadStats};
use serde::Serialize;

use crate::args::SortKey;

/// One table row.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Row {
    /// Lock or thread name.
    pub name: String,
    /// `mutex`, `rwlock`, ... (empty for thread rows).
    pub kind: String,
    pub trace: String,
    pub acquisitions: u64,
    pub contended: u64,
    pub wait_total: u64,
    pub wait_max: u64,
    pub hold_total: u64,
    pub hold_max: u64,
    /// Only for locks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_changes: Option<u64>,
    /// For lock rows: the detector's full statistics (mean, p99,
    /// contention sites), shown in `--json` output.
    #[serde(skip)]
    pub full: Option<LockStats>,
}

impl From<&LockStats> for Row {
    fn from(s: &LockStats) -> Self {
        Row {
            name: s.name.clone(),
            kind: s.kind.to_string(),
            trace: s.trace.to_string(),
            acquisitions: s.acquisitions,
            contended: s.contended,
            wait_total: s.wait_total,
            wait_max: s.wait_max,
            hold_total: s.hold_total,
            hold_max: s.hold_max,
            owner_changes: Some(s.owner_changes),
            full: Some(s.clone()),
        }
    }
}

impl From<&ThreadStats> for Row {
    fn from(s: &ThreadStats) -> Self {
        Row {
            name: s.name.clone(),
            trace: s.trace.to_string(),
            acquisitions: s.acquisitions,
            contended: s.contended,
            wait_total: s.wait_total,
            wait_max: s.wait_max,
            hold_total: s.hold_total,
            hold_max: s.hold_max,
            ..Row::default()
        }
    }
}

/// Sorts `rows` by `key` (largest first; names ascending) and keeps `top`.
pub fn sort(rows: &mut Vec<Row>, key: SortKey, top: Option<usize>) {
    let k = |r: &Row| match key {
        SortKey::Name => 0,
        SortKey::Acquisitions => r.acquisitions,
        SortKey::Contended => r.contended,
        SortKey::WaitTotal => r.wait_total,
        SortKey::WaitMax => r.wait_max,
        SortKey::HoldTotal => r.hold_total,
        SortKey::HoldMax => r.hold_max,
        SortKey::OwnerChanges => r.owner_changes.unwrap_or(0),
    };
    rows.sort_by(|a, b| k(b).cmp(&k(a)).then_with(|| a.name.cmp(&b.name)));
    if let Some(n) = top {
        rows.truncate(n);
    }
}

/// A time in `clock` units (`ns` or `seq`) for a table cell.
pub fn duration(v: u64, clock: &str) -> String {
    if clock != "ns" {
        return format!("{v}ev");
    }
    let f = v as f64;
    match v {
        0..=999 => format!("{v}ns"),
        1_000..=999_999 => format!("{:.2}us", f / 1e3),
        1_000_000..=999_999_999 => format!("{:.2}ms", f / 1e6),
        _ => format!("{:.2}s", f / 1e9),
    }
}

/// The table; `first` names the first column (`lock` or `thread`). Thread
/// tables have no kind and no owner-change column.
pub fn table(rows: &[Row], first: &str, clock: &str) -> String {
    let header = [
        first,
        "kind",
        "acquired",
        "contended",
        "wait total",
        "wait max",
        "hold total",
        "hold max",
        "owner chg",
    ];
    let keep = |i: usize| first != "thread" || (i != 1 && i != 8);
    let cells: Vec<[String; 9]> = rows
        .iter()
        .map(|r| {
            [
                r.name.clone(),
                r.kind.clone(),
                r.acquisitions.to_string(),
                r.contended.to_string(),
                duration(r.wait_total, clock),
                duration(r.wait_max, clock),
                duration(r.hold_total, clock),
                duration(r.hold_max, clock),
                r.owner_changes
                    .map_or_else(|| "-".to_owned(), |n| n.to_string()),
            ]
        })
        .collect();
    let mut width = header.map(str::len);
    for row in &cells {
        for (w, c) in width.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cols: &[&str]| {
        let mut l = String::new();
        for (i, (c, w)) in cols.iter().zip(width).enumerate().filter(|(i, _)| keep(*i)) {
            if i < 2 {
                let _ = write!(l, "{c:<w$}  ");
            } else {
                let _ = write!(l, "{c:>w$}  ");
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&header);
    for row in &cells {
        line(&row.iter().map(String::as_str).collect::<Vec<_>>());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, wait: u64, acq: u64) -> Row {
        Row {
            name: name.into(),
            kind: "mutex".into(),
            acquisitions: acq,
            wait_total: wait,
            owner_changes: Some(1),
            ..Row::default()
        }
    }

    #[test]
    fn sorts_largest_first_and_cuts_top() {
        let mut rows = vec![row("a", 5, 1), row("b", 50, 2), row("c", 7, 3)];
        sort(&mut rows, SortKey::WaitTotal, Some(2));
        assert_eq!(
            rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ["b", "c"]
        );
        sort(&mut rows, SortKey::Name, None);
        assert_eq!(rows[0].name, "b");
    }

    #[test]
    fn durations_scale() {
        assert_eq!(duration(999, "ns"), "999ns");
        assert_eq!(duration(1_250_000, "ns"), "1.25ms");
        assert_eq!(duration(3_000_000_000, "ns"), "3.00s");
        assert_eq!(duration(340, "seq"), "340ev");
    }

    #[test]
    fn table_aligns_columns() {
        let t = table(&[row("long_lock_name", 1_500, 10)], "lock", "ns");
        let lines: Vec<&str> = t.lines().collect();
        assert!(
            lines[0].starts_with("lock            kind   acquired"),
            "{t}"
        );
        assert!(
            lines[1].starts_with("long_lock_name  mutex        10"),
            "{t}"
        );
        assert!(lines[1].contains("1.50us"), "{t}");
        let t = table(&[row("T1", 0, 1)], "thread", "seq");
        assert!(t.starts_with("thread  acquired  contended"), "{t}");
        assert!(!t.contains("owner"), "{t}");
    }
}
