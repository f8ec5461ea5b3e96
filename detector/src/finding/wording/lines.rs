//! The layout the wording module hands to renderers: lines of text with an
//! indent and emphasised spans. A terminal renderer maps emphasis to
//! styles; a plain one ignores it ([`Line`]'s `Display`).

use std::fmt;

/// How a span wants to be shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Emphasis {
    Plain,
    /// Names to find at a glance (threads, scenario headers, accesses).
    Strong,
    /// The alarm itself (`*** DEADLOCK ***`, `WARNING: ...`).
    Alarm,
    /// Details (event numbers).
    Faint,
}

/// One line: `indent` spaces, then its spans.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Line {
    pub indent: usize,
    pub spans: Vec<(Emphasis, String)>,
}

impl Line {
    /// An empty line.
    pub fn blank() -> Self {
        Line::default()
    }

    /// A line of one plain span.
    pub fn plain(indent: usize, text: impl Into<String>) -> Self {
        Line::styled(indent, Emphasis::Plain, text)
    }

    /// A line of one span shown as `emphasis`.
    pub fn styled(indent: usize, emphasis: Emphasis, text: impl Into<String>) -> Self {
        Line {
            indent,
            spans: vec![(emphasis, text.into())],
        }
    }

    /// Appends a span.
    pub fn then(mut self, emphasis: Emphasis, text: impl Into<String>) -> Self {
        self.spans.push((emphasis, text.into()));
        self
    }

    /// The same line indented `by` more.
    pub fn indented(mut self, by: usize) -> Self {
        if !self.spans.is_empty() {
            self.indent += by;
        }
        self
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.spans.iter().all(|(_, s)| s.is_empty()) {
            return Ok(());
        }
        write!(f, "{:1$}", "", self.indent)?;
        for (_, s) in &self.spans {
            f.write_str(s)?;
        }
        Ok(())
    }
}

/// `lines` as plain text, one per line, each ending in a newline.
pub fn plain_text(lines: &[Line]) -> String {
    let mut out = String::new();
    for line in lines {
        out.push_str(line.to_string().trim_end());
        out.push('\n');
    }
    out
}
