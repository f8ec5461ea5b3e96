//! Source sites as findings carry them (`file:line:col`, or `loc N` for STD
//! traces), parsed for SARIF and made relative to the repository root.
//!
//! The root is the nearest directory upward from the current directory that
//! holds `.git` (else the current directory). A site file under the root is
//! shown relative to it; other files (a dependency in `~/.cargo`) are kept.

use std::path::{Path, PathBuf};

/// A site split into its parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceSite {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

/// Parses `file:line:col` (the file may itself contain `:`, as on Windows).
/// `loc N` and anything else without line and column give `None`.
pub fn parse(site: &str) -> Option<SourceSite> {
    let mut parts = site.rsplitn(3, ':');
    let column = parts.next()?.parse().ok()?;
    let line = parts.next()?.parse().ok()?;
    let file = parts.next()?;
    if file.is_empty() {
        return None;
    }
    Some(SourceSite {
        file: file.to_owned(),
        line,
        column,
    })
}

/// Relativizes site files against a root directory.
#[derive(Clone, Debug)]
pub struct Root {
    root: PathBuf,
}

impl Root {
    pub fn new(root: PathBuf) -> Self {
        Root { root }
    }

    /// The repository root around the current directory.
    pub fn discover() -> Self {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let root = cwd
            .ancestors()
            .find(|d| d.join(".git").exists())
            .map_or_else(|| cwd.clone(), Path::to_path_buf);
        Root::new(root)
    }

    /// The root directory.
    pub fn dir(&self) -> &Path {
        &self.root
    }

    /// `file` relative to the root, with `/` separators.
    pub fn relative(&self, file: &str) -> String {
        let path = Path::new(file);
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        rel.to_string_lossy().replace('\\', "/")
    }

    /// A whole site string with its file made relative.
    pub fn relative_site(&self, site: &str) -> String {
        match parse(site) {
            Some(s) => format!("{}:{}:{}", self.relative(&s.file), s.line, s.column),
            None => site.to_owned(),
        }
    }
}

impl Root {
    /// `text` with every whitespace-separated word that is a site made
    /// relative (for notes such as `Thread T2 created at /repo/a.rs:3:4`).
    pub fn relative_site_in(&self, text: &str) -> String {
        text.split(' ')
            .map(|w| self.relative_site(w))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rust_sites_and_rejects_labels() {
        assert_eq!(
            parse("src/main.rs:10:5"),
            Some(SourceSite {
                file: "src/main.rs".into(),
                line: 10,
                column: 5
            })
        );
        assert_eq!(parse("C:\\x\\a.rs:1:2").unwrap().file, "C:\\x\\a.rs");
        assert_eq!(parse("loc 86"), None);
        assert_eq!(parse(":1:2"), None);
        assert_eq!(parse("a.rs:x:2"), None);
    }

    #[test]
    fn strips_the_root_only_from_files_under_it() {
        let root = Root::new(PathBuf::from("/repo"));
        assert_eq!(root.relative("/repo/src/a.rs"), "src/a.rs");
        assert_eq!(root.relative("src/a.rs"), "src/a.rs");
        assert_eq!(root.relative("/other/b.rs"), "/other/b.rs");
        assert_eq!(root.relative_site("/repo/src/a.rs:3:4"), "src/a.rs:3:4");
        assert_eq!(root.relative_site("loc 7"), "loc 7");
        assert_eq!(
            root.relative_site_in("T1 created at /repo/a.rs:1:2"),
            "T1 created at a.rs:1:2"
        );
    }
}
