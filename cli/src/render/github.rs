//! `--format github`: GitHub Actions workflow commands, one annotation per
//! finding, which show on the pull request's diff without code scanning.
//!
//! A denied finding is `::error`, a warned one `::warning`; allowed,
//! suppressed and baselined findings are not annotated (text output hides
//! them too). The annotation sits at the finding's first source site
//! (`file=` relative to the repository root, `line=`, `col=`), its title is
//! the finding's kind, and its message the finding's title, the occurrence
//! count and every step with its site, one per line. A finding with no
//! source site is annotated without a file. The summary and the gate's
//! verdict follow as plain lines.
//!
//! Workflow-command escaping: `%`, CR and LF in every part, and `:` and
//! `,` in the properties as well.

use std::fmt::Write as _;

use lockscope_detector::finding::wording::{self, Words};
use lockscope_detector::finding::Finding;

use super::Ctx;
use crate::gate::{Disposition, Level, Status};
use crate::sites::{self, Root};

/// The annotations and the summary, one workflow command per line.
pub fn render(cx: &Ctx<'_>) -> String {
    let mut out = String::new();
    for (f, d) in cx.report.findings.iter().zip(&cx.verdict.dispositions) {
        if let Some(command) = command(d) {
            out.push_str(&annotation(cx.root, f, command));
        }
    }
    let mut footer = String::new();
    super::text::footer(&mut footer, cx);
    out.push_str(&anstream::adapter::strip_str(&footer).to_string());
    out
}

/// The workflow command for a finding, if it is annotated.
fn command(d: &Disposition) -> Option<&'static str> {
    if d.status != Status::New {
        return None;
    }
    match d.level {
        Level::Deny => Some("error"),
        Level::Warn => Some("warning"),
        Level::Allow => None,
    }
}

fn annotation(root: &Root, f: &Finding, command: &str) -> String {
    let mut props = Vec::new();
    let first = f
        .steps
        .iter()
        .find_map(|s| sites::parse(s.site.as_deref()?));
    if let Some(site) = first {
        props.push(format!("file={}", property(&root.relative(&site.file))));
        props.push(format!("line={}", site.line.max(1)));
        props.push(format!("col={}", site.column.max(1)));
    }
    props.push(format!(
        "title={}",
        property(&format!("lockscope {}", f.kind.as_str()))
    ));
    let mut message = wording::title(f, &Words::PLAIN);
    if let Some(n) = wording::occurrences(f.occurrences) {
        let _ = write!(message, " {n}");
    }
    for s in &f.steps {
        let _ = write!(message, "\n{}: {}", s.thread, wording::step(s));
        if let Some(site) = &s.site {
            let _ = write!(message, " at {}", root.relative_site(site));
        }
    }
    let _ = write!(message, "\nfingerprint: {}", f.fingerprint);
    format!("::{command} {}::{}\n", props.join(","), data(&message))
}

/// A workflow command's message, escaped.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value, escaped.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gate::Gate;
    use crate::render::fixtures::{sample, Fixture};

    #[test]
    fn one_annotation_per_shown_finding_at_its_first_site() {
        let report = sample();
        let fx = Fixture::new(&report);
        let cx = fx.ctx(&report, false, false);
        let out = render(&cx);
        let commands: Vec<&str> = out.lines().filter(|l| l.starts_with("::")).collect();
        let shown = cx
            .verdict
            .dispositions
            .iter()
            .filter(|d| command(d).is_some());
        assert_eq!(commands.len(), shown.count());
        let deadlock = commands
            .iter()
            .find(|l| l.contains("title=lockscope deadlock"))
            .unwrap();
        assert!(
            deadlock.starts_with("::error file=src/bank.rs,line=10,col=5,"),
            "{deadlock}"
        );
        let message = deadlock
            .split_once("::")
            .unwrap()
            .1
            .split_once("::")
            .unwrap()
            .1;
        assert!(!message.contains('\n'));
        assert!(
            message.contains("%0AT1: "),
            "steps on their own lines: {message}"
        );
        assert!(out.lines().any(|l| l.starts_with("gate: ")));
    }

    #[test]
    fn warned_findings_are_warnings_and_allowed_ones_are_left_out() {
        let report = sample();
        let mut gate = Gate::default();
        gate.levels.set("deadlock", Level::Warn, "--warn").unwrap();
        gate.levels
            .set("data_race", Level::Allow, "--allow")
            .unwrap();
        let fx = Fixture::with_gate(&report, &gate);
        let out = render(&fx.ctx(&report, false, false));
        assert!(out.contains("::warning file=src/bank.rs,line=10"));
        assert!(!out.contains("title=lockscope data_race"));
    }

    #[test]
    fn escaping_keeps_each_command_on_one_line() {
        assert_eq!(data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
