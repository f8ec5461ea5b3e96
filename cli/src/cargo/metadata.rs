//! What `cargo metadata` says about the user's workspace: where it is and
//! where its target directory is ([`workspace`]), and which parking_lot
//! versions its resolved dependency graph contains ([`graph`]).
//!
//! The graph is resolved as cargo resolves it (all features, all targets),
//! so a parking_lot that only a dev-dependency or an optional feature
//! brings in is seen too.

use std::path::{Path, PathBuf};

use cargo_metadata::{MetadataCommand, Package};

use crate::error::{CliError, CliResult};

/// Where the workspace is, from `cargo metadata --no-deps` (which resolves
/// nothing, so it never writes `Cargo.lock`).
#[derive(Debug, Clone)]
pub struct Workspace {
    /// The workspace root (where `Cargo.lock` is).
    pub root: PathBuf,
    /// The target directory, as cargo resolves it (`CARGO_TARGET_DIR`,
    /// `build.target-dir`, else `<root>/target`).
    pub target_dir: PathBuf,
}

/// What the resolved graph (all features, all targets) contains.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// The crates.io parking_lot packages of a shimmed series, each as
    /// (series, exact version): `("0.12", "0.12.5")`.
    pub parking_lot: Vec<(&'static str, String)>,
    /// Whether the graph already contains lockscope's recorder.
    pub uses_lockscope: bool,
}

impl Graph {
    /// The shimmed series in the graph, each once.
    pub fn series(&self) -> Vec<&'static str> {
        let mut s: Vec<_> = self.parking_lot.iter().map(|(s, _)| *s).collect();
        s.dedup();
        s
    }
}

/// The parking_lot series lockscope has a shim for.
pub const SHIMMED: [&str; 2] = ["0.12", "0.13"];

fn command(cargo: &Path, manifest_path: Option<&Path>) -> MetadataCommand {
    let mut cmd = MetadataCommand::new();
    cmd.cargo_path(cargo);
    if let Some(path) = manifest_path {
        cmd.manifest_path(path);
    }
    cmd
}

fn exec(cmd: &MetadataCommand) -> CliResult<cargo_metadata::Metadata> {
    cmd.exec().map_err(|e| {
        CliError::new(format!(
            "`cargo metadata` failed: {}; run `cargo lockscope` inside a Cargo project or give \
             --manifest-path",
            one_line(&e.to_string())
        ))
    })
}

/// The workspace that `manifest_path` (else the current directory) is in,
/// asked of `cargo` (`$CARGO`).
pub fn workspace(cargo: &Path, manifest_path: Option<&Path>) -> CliResult<Workspace> {
    let metadata = exec(command(cargo, manifest_path).no_deps())?;
    Ok(Workspace {
        root: metadata.workspace_root.into_std_path_buf(),
        target_dir: metadata.target_directory.into_std_path_buf(),
    })
}

/// The resolved graph of that workspace (this may write `Cargo.lock`).
pub fn graph(cargo: &Path, manifest_path: Option<&Path>) -> CliResult<Graph> {
    let metadata = exec(&command(cargo, manifest_path))?;
    let mut parking_lot: Vec<(&'static str, String)> = metadata
        .packages
        .iter()
        .filter_map(|p| Some((shimmed_series(p)?, p.version.to_string())))
        .collect();
    parking_lot.sort();
    parking_lot.dedup();
    Ok(Graph {
        parking_lot,
        uses_lockscope: metadata
            .packages
            .iter()
            .any(|p| p.name.as_str() == "lockscope-sync"),
    })
}

/// The shimmed parking_lot series that lockscope's recorder itself (the
/// `lockscope-sync` package of the checkout at `src`) depends on, through
/// normal dependencies: substituting one of those would make the recorder
/// depend on itself.
pub fn recorder_series(cargo: &Path, src: &Path) -> CliResult<Vec<&'static str>> {
    use cargo_metadata::DependencyKind;
    use std::collections::HashSet;

    let manifest = src.join("instrumented-sync").join("Cargo.toml");
    let metadata = exec(&command(cargo, Some(&manifest)))?;
    let resolve = metadata
        .resolve
        .as_ref()
        .ok_or_else(|| CliError::new("`cargo metadata` gave no resolved graph"))?;
    let Some(root) = metadata
        .packages
        .iter()
        .find(|p| p.name.as_str() == "lockscope-sync")
    else {
        return Ok(Vec::new());
    };
    let nodes: std::collections::HashMap<_, _> = resolve.nodes.iter().map(|n| (&n.id, n)).collect();
    let mut seen = HashSet::new();
    let mut stack = vec![&root.id];
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let Some(node) = nodes.get(id) else { continue };
        for dep in &node.deps {
            let normal = dep
                .dep_kinds
                .iter()
                .any(|k| k.kind == DependencyKind::Normal);
            if normal {
                stack.push(&dep.pkg);
            }
        }
    }
    let mut series: Vec<&'static str> = metadata
        .packages
        .iter()
        .filter(|p| seen.contains(&p.id))
        .filter_map(shimmed_series)
        .collect();
    series.sort_unstable();
    series.dedup();
    Ok(series)
}

/// The shimmed series of a crates.io parking_lot package, if it is one.
fn shimmed_series(p: &Package) -> Option<&'static str> {
    let from_registry = p.source.as_ref().is_some_and(|s| s.is_crates_io());
    if p.name.as_str() != "parking_lot" || !from_registry || p.version.major != 0 {
        return None;
    }
    let series = format!("0.{}", p.version.minor);
    SHIMMED.into_iter().find(|s| *s == series)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `--manifest-path` among cargo's arguments, if any (before `--`).
pub fn manifest_path_arg(cargo_args: &[String]) -> Option<PathBuf> {
    let mut args = cargo_args.iter().take_while(|a| *a != "--");
    while let Some(a) = args.next() {
        if a == "--manifest-path" {
            return args.next().map(PathBuf::from);
        }
        if let Some(path) = a.strip_prefix("--manifest-path=") {
            return Some(PathBuf::from(path));
        }
    }
    None
}

/// The cargo to run: `$CARGO` (set by cargo for its subcommands), else
/// `cargo` on PATH.
pub fn cargo_program() -> PathBuf {
    std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_path_in_either_spelling_before_the_separator() {
        let args = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            manifest_path_arg(&args(&["-p", "a", "--manifest-path", "x/Cargo.toml"])),
            Some(PathBuf::from("x/Cargo.toml"))
        );
        assert_eq!(
            manifest_path_arg(&args(&["--manifest-path=y/Cargo.toml"])),
            Some(PathBuf::from("y/Cargo.toml"))
        );
        assert_eq!(
            manifest_path_arg(&args(&["--", "--manifest-path", "z"])),
            None
        );
    }
}
