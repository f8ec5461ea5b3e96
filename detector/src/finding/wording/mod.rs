//! The one place that turns findings into English: titles, step sentences,
//! notes, the lockdep scenario table, ThreadSanitizer's race block,
//! durations, grades and counts.
//!
//! It needs nothing but the finding (no trace tables), so the analyzer's
//! renderers and the runtime's live reports word findings the same way.
//! Text comes as [`Line`]s with [`Emphasis`], so a terminal renderer can
//! style what a plain one prints as is ([`report`]).
//!
//! ```
//! use lockscope_detector::finding::build::{self, At, Taken};
//! use lockscope_detector::finding::{wording, End};
//!
//! let held = Taken { lock: "state".into(), mode: None, at: At::site("src/app.rs:10:5") };
//! let f = build::self_deadlock("main", held, None, At::site("src/app.rs:12:9"), End::Hung);
//! let text = wording::report(&f, &wording::Words::PLAIN);
//! assert!(text.starts_with("lockscope: deadlock: main holds state and waits for state"));
//! assert!(text.contains("*** DEADLOCK ***"));
//! ```

mod body;
mod lines;
mod notes;
mod scenario;
mod step;
mod title;
mod units;

use std::fmt;

pub use body::{body, steps};
pub use lines::{plain_text, Emphasis, Line};
pub use notes::{distrust, notes, order_edge};
pub use scenario::{scenario, DEADLOCK, HEADING};
pub use step::{op, step, wait_target};
pub use title::title;
pub use units::{count, duration, grade, grade_note, grade_of, help, occurrences, summary};

use super::model::Finding;

/// How sites are shown and how much detail: a finding's sites are what the
/// trace recorded (`/home/me/app/src/a.rs:3:9`); a renderer may show them
/// relative to the repository.
#[derive(Clone, Copy)]
pub struct Words<'a> {
    site: &'a dyn Fn(&str) -> String,
    backtraces: bool,
}

fn as_recorded(site: &str) -> String {
    site.to_owned()
}

impl Words<'static> {
    /// Sites as recorded, no backtraces.
    pub const PLAIN: Words<'static> = Words {
        site: &(as_recorded as fn(&str) -> String),
        backtraces: false,
    };
}

impl<'a> Words<'a> {
    /// Sites shown as `site` maps them.
    pub fn with_sites(site: &'a dyn Fn(&str) -> String) -> Self {
        Words {
            site,
            backtraces: false,
        }
    }

    /// With each step's backtrace under it, or without.
    pub fn backtraces(self, on: bool) -> Self {
        Words {
            backtraces: on,
            ..self
        }
    }

    /// A site as shown, `unknown site` when there is none.
    pub fn site(&self, site: Option<&str>) -> String {
        self.site_or(site, "unknown site")
    }

    /// A site as shown, `none` when there is none.
    pub fn site_or(&self, site: Option<&str>, none: &str) -> String {
        site.map_or_else(|| none.to_owned(), |s| (self.site)(s))
    }
}

impl fmt::Debug for Words<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Words")
            .field("backtraces", &self.backtraces)
            .finish_non_exhaustive()
    }
}

impl Finding {
    /// The title with sites as recorded (see [`title`]).
    pub fn title(&self) -> String {
        title(self, &Words::PLAIN)
    }
}

/// `f` as plain text, lockdep style: `lockscope: TITLE`, its notes, its
/// steps with a site each, and its scenario ending in `*** DEADLOCK ***`.
/// This is what the runtime prints when a live check finds something.
pub fn report(f: &Finding, w: &Words<'_>) -> String {
    let mut head = format!("lockscope: {}", title(f, w));
    if let Some(n) = occurrences(f.occurrences) {
        head = format!("{head} {n}");
    }
    let mut lines = vec![Line::plain(0, head)];
    lines.extend(
        notes(f, w)
            .into_iter()
            .map(|n| Line::plain(2, format!("note: {n}"))),
    );
    lines.push(Line::blank());
    lines.extend(body(f, w).into_iter().map(|l| l.indented(2)));
    plain_text(&lines)
}

#[cfg(test)]
mod tests;
