//! The source-line lookup the detector's stable fingerprints read
//! (`finding::stabilize`): a site's file as the trace names it, found as
//! given (absolute, or relative to the current directory) or under the
//! repository root, read once and kept.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lockscope_detector::finding::SourceLines;

use crate::sites::Root;

/// Files bigger than this are not read (no source file is).
const MAX_FILE: u64 = 16 << 20;

/// Source files read on demand.
#[derive(Debug)]
pub struct SourceFiles {
    root: Root,
    files: RefCell<HashMap<String, Option<Vec<String>>>>,
}

impl SourceFiles {
    pub fn new(root: Root) -> Self {
        SourceFiles {
            root,
            files: RefCell::new(HashMap::new()),
        }
    }

    fn path(&self, file: &str) -> Option<PathBuf> {
        let given = Path::new(file);
        if given.is_file() {
            return Some(given.to_path_buf());
        }
        let under = self.root.dir().join(file);
        under.is_file().then_some(under)
    }

    fn read(&self, file: &str) -> Option<Vec<String>> {
        let path = self.path(file)?;
        if std::fs::metadata(&path).ok()?.len() > MAX_FILE {
            return None;
        }
        let text = std::fs::read_to_string(path).ok()?;
        Some(text.lines().map(str::to_owned).collect())
    }
}

impl SourceLines for SourceFiles {
    fn line(&self, file: &str, line: u32) -> Option<String> {
        let mut files = self.files.borrow_mut();
        let lines = files
            .entry(file.to_owned())
            .or_insert_with(|| self.read(file));
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        lines.as_ref()?.get(index).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lines_as_given_or_under_the_root() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/a.rs"), "fn f() {\n    g();\n}\n").unwrap();
        let files = SourceFiles::new(Root::new(dir.path().to_path_buf()));
        assert_eq!(files.line("src/a.rs", 2).as_deref(), Some("    g();"));
        let absolute = dir.path().join("src/a.rs").display().to_string();
        assert_eq!(files.line(&absolute, 1).as_deref(), Some("fn f() {"));
        assert_eq!(files.line("src/a.rs", 9), None);
        assert_eq!(files.line("src/a.rs", 0), None);
        assert_eq!(files.line("src/missing.rs", 1), None);
    }
}
