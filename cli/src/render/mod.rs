//! Report renderers: [`text`] for people, [`json`] for programs, [`sarif`]
//! for code-scanning, [`junit`] for CI dashboards, [`github`] for GitHub
//! Actions annotations; plus the tables and
//! graphs of `stats` and `graph`.
//!
//! Every renderer takes the analyzed [`Report`] and the gate's [`Verdict`]
//! (one disposition per finding) and returns the whole output as a string;
//! the caller writes it. Each renders the findings' data; every sentence
//! comes from the detector's wording module. Text output carries ANSI
//! styles, which the caller's `anstream` stream strips when colours are
//! off.

pub mod by_test;
pub mod events;
pub mod github;
pub mod graph;
pub mod html;
pub mod json;
pub mod junit;
pub mod junit_by_test;
pub mod perfetto;
pub mod sarif;
pub mod stats;
pub mod text;

use lockscope_detector::finding::wording::Words;
use lockscope_detector::report::Report;

use crate::gate::Verdict;
use crate::sites::Root;

/// What every report renderer needs.
#[derive(Debug)]
pub struct Ctx<'a> {
    pub report: &'a Report,
    pub verdict: &'a Verdict,
    pub root: &'a Root,
    /// `-v`: allowed and suppressed findings, further occurrences,
    /// backtraces.
    pub verbose: bool,
    /// `-q`: only the summary.
    pub quiet: bool,
}

impl Ctx<'_> {
    /// Words for this output: sites relative to the repository root,
    /// backtraces with `-v`.
    pub fn with_words<T>(&self, f: impl FnOnce(&Words<'_>) -> T) -> T {
        let site = |s: &str| self.root.relative_site(s);
        f(&Words::with_sites(&site).backtraces(self.verbose))
    }
}

#[cfg(test)]
pub(crate) mod fixtures;
