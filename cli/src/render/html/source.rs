//! Source lines for step sites, read from the files when they are readable
//! (each file once).
//!
//! A site's file is looked for as written (absolute, or relative to the
//! current directory), then relative to the repository root. Files larger
//! than [`MAX_FILE_BYTES`] are not read.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::sites::{self, Root};

/// Larger files are skipped: a site in a generated file is not worth it.
pub const MAX_FILE_BYTES: u64 = 4 << 20;

/// A cache of source files by path.
#[derive(Debug)]
pub struct Sources<'a> {
    root: &'a Root,
    files: HashMap<String, Option<Vec<String>>>,
}

impl<'a> Sources<'a> {
    pub fn new(root: &'a Root) -> Self {
        Sources {
            root,
            files: HashMap::new(),
        }
    }

    /// The line of `site` (`file:line:col`), trimmed, if its file reads.
    pub fn line(&mut self, site: &str) -> Option<String> {
        let s = sites::parse(site)?;
        let root = self.root;
        let lines = self
            .files
            .entry(s.file.clone())
            .or_insert_with(|| read(&s.file, root))
            .as_ref()?;
        let line = lines.get(usize::try_from(s.line).ok()?.checked_sub(1)?)?;
        Some(line.trim().to_owned()).filter(|l| !l.is_empty())
    }
}

fn read(file: &str, root: &Root) -> Option<Vec<String>> {
    let candidates = [PathBuf::from(file), root.dir().join(root.relative(file))];
    candidates.iter().find_map(|p| {
        let meta = std::fs::metadata(p).ok()?;
        if !meta.is_file() || meta.len() > MAX_FILE_BYTES {
            return None;
        }
        let text = std::fs::read_to_string(p).ok()?;
        Some(text.lines().map(str::to_owned).collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_line_of_a_site_under_the_root_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(
            dir.path().join("src/a.rs"),
            "fn main() {\n    let g = m.lock();\n}\n",
        )
        .unwrap();
        let root = Root::new(dir.path().to_path_buf());
        let mut sources = Sources::new(&root);
        assert_eq!(
            sources.line("src/a.rs:2:15").as_deref(),
            Some("let g = m.lock();")
        );
        let abs = format!("{}/src/a.rs:1:1", dir.path().display());
        assert_eq!(sources.line(&abs).as_deref(), Some("fn main() {"));
        assert_eq!(sources.line("src/a.rs:9:1"), None);
        assert_eq!(sources.line("src/missing.rs:1:1"), None);
        assert_eq!(sources.line("loc 86"), None);
    }
}
