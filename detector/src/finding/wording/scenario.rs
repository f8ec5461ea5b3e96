//! lockdep's "possible unsafe locking scenario" table: the one place that
//! lays it out, for the text report and the runtime's live reports alike.
//!
//! ```text
//! Possible unsafe locking scenario:
//!
//!      T1                  T2
//!      ----                ----
//!      lock(L1);
//!                          lock(L2);
//!      lock(L2);
//!                          lock(L1);
//!
//!  *** DEADLOCK ***
//! ```
//!
//! One column per thread, at least four spaces apart; a one-thread
//! scenario is one column. When one thread stands in two columns (it took
//! the locks in both orders itself), the repeated header says `(again)`.

use crate::finding::scenario::Scenario;

use super::lines::{Emphasis, Line};
use super::step::op;

/// The scenario's heading.
pub const HEADING: &str = "Possible unsafe locking scenario:";
/// The line that ends every scenario.
pub const DEADLOCK: &str = "*** DEADLOCK ***";

/// Narrowest column, separator included.
const MIN_COLUMN: usize = 20;
/// Indent of the columns under the heading.
const COLUMNS_AT: usize = 5;

/// The table of `s`.
pub fn scenario(s: &Scenario) -> Vec<Line> {
    let headers = headers(&s.threads);
    let cells: Vec<(usize, String)> = s.rows.iter().map(|r| (r.column, op(&r.op))).collect();
    let width = headers
        .iter()
        .map(|h| h.chars().count())
        .chain(cells.iter().map(|c| c.1.chars().count()))
        .max()
        .unwrap_or(0)
        .max(4)
        + 4;
    let width = width.max(MIN_COLUMN);
    let row = |cells: &mut dyn Iterator<Item = (usize, String)>| {
        let mut line = String::new();
        for (col, text) in cells {
            while line.chars().count() < col * width {
                line.push(' ');
            }
            line.push_str(&text);
        }
        line
    };
    let names = row(&mut headers.iter().cloned().enumerate());
    let rules = row(&mut headers
        .iter()
        .map(|h| "-".repeat(h.chars().count().max(4)))
        .enumerate());
    let mut out = vec![
        Line::plain(0, HEADING),
        Line::blank(),
        Line::styled(COLUMNS_AT, Emphasis::Strong, names),
        Line::plain(COLUMNS_AT, rules),
    ];
    for cell in cells {
        out.push(Line::plain(COLUMNS_AT, row(&mut std::iter::once(cell))));
    }
    out.push(Line::blank());
    out.push(Line::styled(1, Emphasis::Alarm, DEADLOCK));
    out
}

/// Column headers: the thread names, a repeated one marked `(again)`.
fn headers(threads: &[String]) -> Vec<String> {
    threads
        .iter()
        .enumerate()
        .map(|(i, t)| {
            if threads[..i].contains(t) {
                format!("{t} (again)")
            } else {
                t.clone()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::scenario::Op;
    use crate::finding::wording::lines::plain_text;

    fn table(threads: &[&str], rows: &[(usize, &str)]) -> String {
        let mut s = Scenario::new(threads.iter().map(|t| t.to_string()).collect());
        for &(col, lock) in rows {
            s.push(col, Op::lock(lock));
        }
        plain_text(&scenario(&s))
    }

    #[test]
    fn two_threads_get_two_columns() {
        let t = table(&["T1", "T2"], &[(0, "L1"), (1, "L2"), (0, "L2"), (1, "L1")]);
        assert_eq!(
            t,
            "Possible unsafe locking scenario:\n\n\
             \x20    T1                  T2\n\
             \x20    ----                ----\n\
             \x20    lock(L1);\n\
             \x20                        lock(L2);\n\
             \x20    lock(L2);\n\
             \x20                        lock(L1);\n\n\
             \x20*** DEADLOCK ***\n"
        );
    }

    #[test]
    fn one_thread_is_one_column_with_its_rule() {
        let t = table(&["main"], &[(0, "lock"), (0, "lock")]);
        assert_eq!(
            t,
            "Possible unsafe locking scenario:\n\n\
             \x20    main\n\
             \x20    ----\n\
             \x20    lock(lock);\n\
             \x20    lock(lock);\n\n\
             \x20*** DEADLOCK ***\n"
        );
    }

    #[test]
    fn one_thread_in_two_columns_is_told_apart_and_columns_never_touch() {
        let long = "a_lock_with_a_rather_long_name";
        let t = table(
            &["main", "main"],
            &[(0, long), (1, "b"), (0, "b"), (1, long)],
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(
            lines[2].trim(),
            format!("main{}main (again)", " ".repeat(37))
        );
        // The longest cell is followed by at least four spaces before the
        // next column.
        let col = lines[5].find("lock(b);").unwrap();
        assert!(col >= 5 + format!("lock({long});").len() + 4, "{t}");
    }
}
