//! Leaves the user's `Cargo.lock` exactly as it was.
//!
//! A patched build makes cargo rewrite `Cargo.lock` (the shims and
//! lockscope's crates replace parking_lot's registry entries), and stable
//! cargo has no way to point it at another lock file. So the file's bytes
//! (or its absence) are saved under the target directory before cargo
//! runs, and put back when the run ends, whether it passed, failed or
//! panicked. If `cargo lockscope` itself is killed before it can restore
//! them, the saved copy stays, and the next `cargo lockscope` run restores
//! it first and says so.

use std::path::{Path, PathBuf};

use crate::cmd::write_stderr;
use crate::error::{CliError, CliResult};

/// The saved state of a `Cargo.lock`; restores it when dropped.
#[derive(Debug)]
pub struct SavedLock {
    lock: PathBuf,
    saved: PathBuf,
    /// Whether a `Cargo.lock` existed (an absent one is removed again).
    existed: bool,
    restored: bool,
}

impl SavedLock {
    /// Saves `<root>/Cargo.lock` into `state_dir` (created), after restoring
    /// one an interrupted run left there.
    pub fn save(root: &Path, state_dir: &Path) -> CliResult<SavedLock> {
        std::fs::create_dir_all(state_dir)
            .map_err(|e| CliError::io("create directory", state_dir, &e))?;
        let lock = root.join("Cargo.lock");
        let saved = state_dir.join("Cargo.lock.saved");
        let absent = state_dir.join("Cargo.lock.absent");
        if saved.exists() || absent.exists() {
            write_stderr(&format!(
                "lockscope: restoring {} as an interrupted run left it saved\n",
                lock.display()
            ));
            SavedLock::from_disk(lock.clone(), saved.clone(), absent.clone()).restore()?;
        }
        let existed = lock.is_file();
        if existed {
            std::fs::copy(&lock, &saved).map_err(|e| CliError::io("copy", &lock, &e))?;
        } else {
            std::fs::write(&absent, b"").map_err(|e| CliError::io("write", &absent, &e))?;
        }
        Ok(SavedLock {
            lock,
            saved: if existed { saved } else { absent },
            existed,
            restored: false,
        })
    }

    fn from_disk(lock: PathBuf, saved: PathBuf, absent: PathBuf) -> SavedLock {
        let existed = saved.exists();
        SavedLock {
            lock,
            saved: if existed { saved } else { absent },
            existed,
            restored: false,
        }
    }

    /// Puts the saved state back and removes the saved copy.
    pub fn restore(mut self) -> CliResult<()> {
        self.restore_now()
    }

    fn restore_now(&mut self) -> CliResult<()> {
        if self.restored {
            return Ok(());
        }
        if self.existed {
            std::fs::copy(&self.saved, &self.lock)
                .map_err(|e| CliError::io("restore", &self.lock, &e))?;
        } else if self.lock.exists() {
            std::fs::remove_file(&self.lock).map_err(|e| CliError::io("remove", &self.lock, &e))?;
        }
        std::fs::remove_file(&self.saved).map_err(|e| CliError::io("remove", &self.saved, &e))?;
        self.restored = true;
        Ok(())
    }
}

impl Drop for SavedLock {
    fn drop(&mut self) {
        if let Err(e) = self.restore_now() {
            write_stderr(&format!("lockscope: error: {e}\n"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rewritten_lock_gets_its_bytes_back() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("Cargo.lock");
        std::fs::write(&lock, "version = 4\n").unwrap();
        let saved = SavedLock::save(dir.path(), &dir.path().join("state")).unwrap();
        std::fs::write(&lock, "rewritten by a patched build\n").unwrap();
        saved.restore().unwrap();
        assert_eq!(std::fs::read_to_string(&lock).unwrap(), "version = 4\n");
        assert!(!dir.path().join("state/Cargo.lock.saved").exists());
    }

    #[test]
    fn a_lock_the_build_created_is_removed_also_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("Cargo.lock");
        let saved = SavedLock::save(dir.path(), &dir.path().join("state")).unwrap();
        std::fs::write(&lock, "created\n").unwrap();
        drop(saved);
        assert!(!lock.exists());
    }

    #[test]
    fn an_interrupted_runs_copy_is_restored_first() {
        let dir = tempfile::tempdir().unwrap();
        let lock = dir.path().join("Cargo.lock");
        let state = dir.path().join("state");
        std::fs::write(&lock, "original\n").unwrap();
        let saved = SavedLock::save(dir.path(), &state).unwrap();
        std::fs::write(&lock, "patched\n").unwrap();
        std::mem::forget(saved); // killed before restoring
        let again = SavedLock::save(dir.path(), &state).unwrap();
        assert_eq!(std::fs::read_to_string(&lock).unwrap(), "original\n");
        again.restore().unwrap();
        assert_eq!(std::fs::read_to_string(&lock).unwrap(), "original\n");
    }
}
