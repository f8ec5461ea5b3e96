//! `lockscope.toml`: per-kind gate levels and suppressions.
//!
//! Found by walking up from the current directory (the first
//! `lockscope.toml` wins), or given with `--config`. Format:
//!
//! ```toml
//! [levels]
//! deny = ["long_hold"]          # kinds' wire names, or "all"
//! warn = ["held_at_exit"]
//! allow = ["starvation"]
//!
//! [[suppress]]
//! fingerprint = "3f9a0c1d2e4b5a69"
//! reason = "known; fixed by #42"
//!
//! [[suppress]]
//! kind = "lost_update"          # optional: only this kind
//! lock = "stats_*"              # glob over the finding's lock names
//! site = "src/legacy/*"         # glob over its sites (file:line:col)
//! thread = "worker-*"           # glob over its thread names (and its steps')
//! var = "counter"               # glob over its variable names
//! reason = "approximate counters, races are fine"
//! ```
//!
//! A suppression matches a finding when every criterion it gives matches
//! (a glob criterion matches when any of the finding's names or sites does);
//! it must give at least one criterion, and always a `reason`.
//!
//! A file that is not TOML, an unknown key outside `[[suppress]]` or an
//! unknown finding kind in `[levels]` is an error, reported as
//! `lockscope.toml:LINE:COL: message` (exit 2). A `[[suppress]]` entry that
//! cannot be used (an unknown key or kind, a bad glob, no reason, no
//! criterion) is a warning with its `lockscope.toml:LINE`, and is left out:
//! the gate is then stricter, never laxer. A suppression that matched no
//! finding is a warning too, after the gate (see [`Suppression::origin`]).
//!
//! # Limitations
//! Globs use the `glob` crate's syntax; `*` also matches `/`.

use std::path::{Path, PathBuf};

use glob::Pattern;
use lockscope_detector::finding::{Finding, FindingKind};
use serde::Deserialize;
use toml::Spanned;

use crate::error::{CliError, CliResult};
use crate::gate::{Level, Levels};
use crate::sites::Root;

/// The file name searched for.
pub const FILE_NAME: &str = "lockscope.toml";

/// One suppression, parsed and compiled.
#[derive(Clone, Debug)]
pub struct Suppression {
    pub fingerprint: Option<String>,
    pub kind: Option<FindingKind>,
    pub lock: Option<Pattern>,
    pub site: Option<Pattern>,
    pub thread: Option<Pattern>,
    pub var: Option<Pattern>,
    pub reason: String,
    /// Where it is written, `lockscope.toml:LINE`, for warnings.
    pub origin: String,
    /// Makes site files relative before matching.
    root: Root,
}

impl Suppression {
    /// Whether every criterion matches `finding`.
    pub fn matches(&self, f: &Finding) -> bool {
        let any = |p: &Option<Pattern>, names: &[String]| {
            p.as_ref()
                .is_none_or(|p| names.iter().any(|n| p.matches(n)))
        };
        let steps = || f.steps.iter().chain(f.examples.iter().flatten());
        let sites: Vec<String> = steps()
            .filter_map(|s| s.site.as_deref())
            .flat_map(|s| [s.to_owned(), self.root.relative_site(s)])
            .collect();
        let threads: Vec<String> = f
            .threads
            .iter()
            .cloned()
            .chain(steps().map(|s| s.thread.clone()))
            .collect();
        self.fingerprint
            .as_ref()
            .is_none_or(|fp| *fp == f.fingerprint)
            && self.kind.is_none_or(|k| k == f.kind)
            && any(&self.lock, &f.primitives)
            && any(&self.thread, &threads)
            && any(&self.var, &f.vars)
            && any(&self.site, &sites)
    }
}

/// What a `lockscope.toml` says.
#[derive(Clone, Debug, Default)]
pub struct ConfigFile {
    /// Where it was read from.
    pub path: Option<PathBuf>,
    pub levels: Levels,
    pub suppressions: Vec<Suppression>,
    /// What was wrong but is not an error, each `file:line: message`.
    pub warnings: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    levels: RawLevels,
    /// Each entry checked on its own (a bad one is a warning).
    #[serde(default)]
    suppress: Vec<Spanned<toml::Value>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLevels {
    #[serde(default)]
    deny: Vec<Spanned<String>>,
    #[serde(default)]
    warn: Vec<Spanned<String>>,
    #[serde(default)]
    allow: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppression {
    fingerprint: Option<String>,
    kind: Option<String>,
    lock: Option<String>,
    site: Option<String>,
    thread: Option<String>,
    var: Option<String>,
    reason: Option<String>,
}

/// The nearest `lockscope.toml` at or above `dir`.
pub fn find_upward(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|p| p.is_file())
}

/// Reads and checks the file at `path`.
pub fn load(path: &Path, root: &Root) -> CliResult<ConfigFile> {
    let text = std::fs::read_to_string(path).map_err(|e| CliError::io("read", path, &e))?;
    parse(&text, &path.display().to_string(), root).map(|mut c| {
        c.path = Some(path.to_path_buf());
        c
    })
}

/// Parses `text`; `name` is the file name used in error messages.
pub fn parse(text: &str, name: &str, root: &Root) -> CliResult<ConfigFile> {
    let at = |offset: usize| {
        let (l, c) = line_col(text, offset);
        format!("{name}:{l}:{c}")
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let here = e.span().map_or_else(|| name.to_owned(), |s| at(s.start));
        CliError::new(format!("{here}: {}", e.message()))
    })?;
    let mut levels = Levels::default();
    for (list, level) in [
        (&raw.levels.deny, Level::Deny),
        (&raw.levels.warn, Level::Warn),
        (&raw.levels.allow, Level::Allow),
    ] {
        for spec in list {
            let origin = format!("{}: [levels] {}", at(spec.span().start), level.as_str());
            levels.set(spec.get_ref(), level, &origin)?;
        }
    }
    let mut suppressions = Vec::new();
    let mut warnings = Vec::new();
    for entry in raw.suppress {
        let line = line_col(text, entry.span().start).0;
        let origin = format!("{name}:{line}");
        match compile(entry.into_inner(), &origin, root) {
            Ok(s) => suppressions.push(s),
            Err(e) => warnings.push(format!("{e}; this suppression is left out")),
        }
    }
    Ok(ConfigFile {
        path: None,
        levels,
        suppressions,
        warnings,
    })
}

fn compile(value: toml::Value, origin: &str, root: &Root) -> CliResult<Suppression> {
    let raw: RawSuppression = value
        .try_into()
        .map_err(|e: toml::de::Error| CliError::new(format!("{origin}: {}", e.message())))?;
    let origin = &format!("{origin}: [[suppress]]");
    let reason = raw
        .reason
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| CliError::new(format!("{origin}: `reason` is required; say why")))?;
    let pattern = |field: &str, p: Option<String>| -> CliResult<Option<Pattern>> {
        p.map(|p| {
            Pattern::new(&p)
                .map_err(|e| CliError::new(format!("{origin}: {field} = {p:?}: bad glob: {e}")))
        })
        .transpose()
    };
    let kind = raw
        .kind
        .map(|k| {
            FindingKind::parse(&k)
                .ok_or_else(|| CliError::new(format!("{origin}: unknown finding kind {k:?}")))
        })
        .transpose()?;
    let s = Suppression {
        fingerprint: raw.fingerprint,
        kind,
        lock: pattern("lock", raw.lock)?,
        site: pattern("site", raw.site)?,
        thread: pattern("thread", raw.thread)?,
        var: pattern("var", raw.var)?,
        reason,
        origin: origin.trim_end_matches(": [[suppress]]").to_owned(),
        root: root.clone(),
    };
    let criteria = [
        s.fingerprint.is_some(),
        s.kind.is_some(),
        s.lock.is_some(),
        s.site.is_some(),
        s.thread.is_some(),
        s.var.is_some(),
    ];
    if !criteria.contains(&true) {
        return Err(CliError::new(format!(
            "{origin}: matches every finding; give a fingerprint, kind, lock, site, thread or var"
        )));
    }
    Ok(s)
}

/// 1-based line and column of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockscope_detector::finding::{Detail, Duration, Role, Step, TimeUnit};

    fn root() -> Root {
        Root::new(PathBuf::from("/repo"))
    }

    fn race() -> Finding {
        let var = || "counter".to_owned();
        let detail = Detail::DataRace { var: var() };
        let mut f = Finding::new(FindingKind::DataRace, &["counter"], detail);
        f.vars = vec![var()];
        f.primitives = vec!["stats_lock".into()];
        let role = Role::Wrote {
            var: var(),
            unseen_by: None,
        };
        let step = Step::new("worker-1", role).at(Some("/repo/src/legacy/a.rs:3:9".into()));
        f.steps = vec![step];
        f
    }

    #[test]
    fn levels_and_globs_suppress() {
        let text = r#"
[levels]
deny = ["long_hold"]
[[suppress]]
kind = "data_race"
site = "src/legacy/*"
reason = "legacy"
"#;
        let c = parse(text, "lockscope.toml", &root()).unwrap();
        assert!(c.suppressions[0].matches(&race()));
        let mut other = race();
        other.kind = FindingKind::LostUpdate;
        assert!(!c.suppressions[0].matches(&other));
        let ms = |n: u64| Duration {
            amount: n * 1_000_000,
            unit: TimeUnit::Nanoseconds,
        };
        let detail = Detail::LongHold {
            lock: "cache".into(),
            thread: "main".into(),
            held: ms(40),
            others: 10,
            others_mean: ms(1),
        };
        let lh = Finding::new(FindingKind::LongHold, &[], detail);
        assert_eq!(c.levels.level(&lh), Level::Deny);
    }

    #[test]
    fn fingerprint_and_name_criteria() {
        let f = race();
        let text = format!(
            "[[suppress]]\nfingerprint = \"{}\"\nthread = \"worker-*\"\nreason = \"x\"\n",
            f.fingerprint
        );
        let c = parse(&text, "l.toml", &root()).unwrap();
        assert!(c.suppressions[0].matches(&f));
        let c = parse(
            "[[suppress]]\nlock = \"other\"\nreason = \"x\"\n",
            "l",
            &root(),
        )
        .unwrap();
        assert!(!c.suppressions[0].matches(&f));
    }

    #[test]
    fn errors_point_at_the_problem() {
        let err = parse("[levels]\ndny = []\n", "lockscope.toml", &root())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("lockscope.toml:2:1: unknown field `dny`"),
            "{err}"
        );
        let err = parse("[levels]\nwarn = [\"nope\"]\n", "l.toml", &root())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("l.toml:2:9: [levels] warn: unknown finding kind"),
            "{err}"
        );
    }

    #[test]
    fn unusable_suppressions_are_warnings_with_their_line_and_are_left_out() {
        let text = "\
[[suppress]]
lock = \"a\"

[[suppress]]
reason = \"r\"

[[suppress]]
lokc = \"a\"
reason = \"typo\"

[[suppress]]
lock = \"a\"
reason = \"fine\"
";
        let c = parse(text, "l.toml", &root()).unwrap();
        assert_eq!(c.suppressions.len(), 1);
        assert_eq!(c.suppressions[0].origin, "l.toml:11");
        assert_eq!(
            c.warnings[0],
            "l.toml:1: [[suppress]]: `reason` is required; say why; this suppression is left out"
        );
        assert!(c.warnings[1].starts_with("l.toml:4: [[suppress]]: matches every finding"));
        assert!(
            c.warnings[2].starts_with("l.toml:7: unknown field `lokc`"),
            "{}",
            c.warnings[2]
        );
    }

    #[test]
    fn finds_the_nearest_file_upward() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        assert_eq!(
            find_upward(&sub).filter(|p| p.starts_with(dir.path())),
            None
        );
        std::fs::write(dir.path().join("a").join(FILE_NAME), "").unwrap();
        assert_eq!(
            find_upward(&sub),
            Some(dir.path().join("a").join(FILE_NAME))
        );
    }
}
