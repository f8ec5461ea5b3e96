//! The cargo configuration that instruments a build without editing it: a
//! `[patch.crates-io]` entry per parking_lot series in the graph, pointing
//! at lockscope's shim for it, and optimization for lockscope's crates
//! inside the dev profile.
//!
//! It is one TOML file under the target directory, handed to cargo with
//! `--config FILE`, so the same file also works by hand:
//! `cargo test --config target/lockscope/state/<workspace>/cargo-config.toml`.
//!
//! The patch keys are `lockscope-parking-lot-0-12` and
//! `lockscope-parking-lot-0-13`, each with `package = "parking_lot"`, so both
//! series are patched in one build (a crate using 0.12 next to one using
//! 0.13 through a dependency).
//!
//! # Where the shims come from
//! `shims/parking_lot-<series>/` in a lockscope source checkout: the one
//! given by `--lockscope-src`, else `$LOCKSCOPE_SRC`, else the checkout
//! this binary was built from (recorded at build time). The shims depend
//! on that checkout's `instrumented-sync` by path, so the recorded
//! program uses the same lockscope as the checkout.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{CliError, CliResult};

/// The environment variable naming a lockscope source checkout.
pub const SRC_ENV: &str = "LOCKSCOPE_SRC";

/// The opt-level lockscope's crates get inside the user's dev profile: the
/// recorder's per-event work is then that of a release build, while the
/// user's own code stays as `cargo test` builds it.
pub const OPT_LEVEL: u8 = 3;

/// The lockscope checkout whose shims are used.
pub fn source_dir(flag: Option<&Path>) -> CliResult<PathBuf> {
    let (dir, from) = match (flag, std::env::var_os(SRC_ENV)) {
        (Some(dir), _) => (dir.to_path_buf(), "--lockscope-src"),
        (None, Some(dir)) => (PathBuf::from(dir), SRC_ENV),
        (None, None) => (built_from(), "the checkout this binary was built from"),
    };
    if !dir.join("shims").is_dir() || !dir.join("instrumented-sync").is_dir() {
        return Err(CliError::new(format!(
            "{}: not a lockscope source checkout (no shims/ or instrumented-sync/; taken from \
             {from}); give one with --lockscope-src DIR or {SRC_ENV}=DIR, or turn the \
             substitution off with --no-instrument-deps",
            dir.display()
        )));
    }
    Ok(dir)
}

/// The checkout this binary was built from.
fn built_from() -> PathBuf {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR"));
    cli.parent().unwrap_or(cli).to_path_buf()
}

/// One parking_lot series to substitute, and the shim that replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patch {
    pub series: &'static str,
    pub shim: PathBuf,
}

/// The patches for `series` (the graph's parking_lot series) from the
/// checkout `src`, and the series that have no shim there.
pub fn patches(src: &Path, series: &[&'static str]) -> (Vec<Patch>, Vec<&'static str>) {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for &s in series {
        let shim = src.join("shims").join(format!("parking_lot-{s}"));
        if shim.join("Cargo.toml").is_file() {
            found.push(Patch { series: s, shim });
        } else {
            missing.push(s);
        }
    }
    (found, missing)
}

/// The configuration file's text: the patches, and the opt-level for
/// lockscope's crates (those a patched build contains, plus `lockscope`'s
/// own when the workspace already depends on it).
pub fn config_toml(patches: &[Patch], uses_lockscope: bool) -> String {
    let mut out =
        String::from("# Written by `cargo lockscope`: instruments the build without editing it.\n");
    if !patches.is_empty() {
        out.push_str("\n[patch.crates-io]\n");
        for p in patches {
            let key = format!("lockscope-parking-lot-{}", p.series.replace('.', "-"));
            let _ = writeln!(
                out,
                "{key} = {{ package = \"parking_lot\", path = {} }}",
                toml_string(&p.shim)
            );
        }
    }
    let mut optimized: Vec<&str> = Vec::new();
    if !patches.is_empty() || uses_lockscope {
        optimized.extend(["lockscope-sync", "lockscope-detector", "parking_lot_core"]);
    }
    if !patches.is_empty() {
        optimized.push("parking_lot");
    }
    for krate in optimized {
        let _ = write!(
            out,
            "\n[profile.dev.package.{krate}]\nopt-level = {OPT_LEVEL}\ndebug-assertions = false\n"
        );
    }
    out
}

/// A path as a TOML basic string.
fn toml_string(path: &Path) -> String {
    toml::Value::String(path.display().to_string()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_series_patched_under_their_own_keys() {
        let patches = [
            Patch {
                series: "0.12",
                shim: PathBuf::from("/src/shims/parking_lot-0.12"),
            },
            Patch {
                series: "0.13",
                shim: PathBuf::from("/src/shims/parking_lot-0.13"),
            },
        ];
        let text = config_toml(&patches, false);
        let value: toml::Table = text.parse().unwrap();
        let patch = value["patch"]["crates-io"].as_table().unwrap();
        assert_eq!(
            patch["lockscope-parking-lot-0-12"]["path"].as_str(),
            Some("/src/shims/parking_lot-0.12")
        );
        assert_eq!(
            patch["lockscope-parking-lot-0-13"]["package"].as_str(),
            Some("parking_lot")
        );
        let dev = value["profile"]["dev"]["package"].as_table().unwrap();
        assert_eq!(dev["lockscope-sync"]["opt-level"].as_integer(), Some(3));
        assert!(dev.contains_key("parking_lot"));
    }

    #[test]
    fn without_patches_or_lockscope_only_the_header() {
        let text = config_toml(&[], false);
        assert!(text.parse::<toml::Table>().unwrap().is_empty());
        let with_lockscope: toml::Table = config_toml(&[], true).parse().unwrap();
        assert!(!with_lockscope["profile"]["dev"]["package"]
            .as_table()
            .unwrap()
            .contains_key("parking_lot"));
    }
}
