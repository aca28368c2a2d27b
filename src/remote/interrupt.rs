//! Ctrl-C during a remote scan: the temporary clones are removed before
//! jikimi exits.
//!
//! A SIGINT (or SIGTERM) ends the process without running destructors, so a
//! `TempDir` holding a bare clone (a whole repository's history) would stay
//! in the temporary folder. Each clone folder being written or scanned is
//! registered here while it exists; the first clone installs a handler
//! (through `ctrlc`, which runs it on a thread of its own, outside signal
//! context) that removes every registered folder and exits with 130, the
//! shell's code for a process ended by SIGINT. The ssh processes of clones
//! over ssh ([`super::ssh`]) are registered too: the handler kills and
//! reaps them first.

use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};

/// Folders to remove if the scan is interrupted.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// Child processes to kill if the scan is interrupted, by a number of
/// their own.
type Children = Vec<(u64, Arc<Mutex<Child>>)>;
static CHILDREN: Mutex<Children> = Mutex::new(Vec::new());
static NEXT: AtomicU64 = AtomicU64::new(0);
static INSTALL: Once = Once::new();

/// Exit code after an interrupt (128 + SIGINT).
pub const INTERRUPTED: i32 = 130;

/// A folder removed on Ctrl-C while this guard lives (dropping the guard
/// forgets it; removing the folder itself stays the owner's job).
#[derive(Debug)]
pub struct Guard(PathBuf);

impl Guard {
    pub fn new(path: &Path) -> Guard {
        install();
        LIVE.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(path.to_path_buf());
        Guard(path.to_path_buf())
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let mut live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = live.iter().position(|p| *p == self.0) {
            live.swap_remove(i);
        }
    }
}

/// A child process killed on Ctrl-C while this guard lives (dropping the
/// guard forgets it; ending the child stays the owner's job).
#[derive(Debug)]
pub struct ChildGuard(u64);

impl ChildGuard {
    pub fn new(child: &Arc<Mutex<Child>>) -> ChildGuard {
        install();
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        CHILDREN
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((id, Arc::clone(child)));
        ChildGuard(id)
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let mut live = CHILDREN.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = live.iter().position(|(id, _)| *id == self.0) {
            live.swap_remove(i);
        }
    }
}

fn install() {
    INSTALL.call_once(|| {
        // Another handler already installed (an embedding program's) keeps
        // its own: then the clones are left as before, never a failure.
        let _ = ctrlc::set_handler(|| {
            let children: Children = CHILDREN.lock().unwrap_or_else(|e| e.into_inner()).clone();
            for (_, c) in &children {
                let mut c = c.lock().unwrap_or_else(|e| e.into_inner());
                let _ = c.kill();
                let _ = c.wait();
            }
            let live: Vec<PathBuf> = LIVE.lock().unwrap_or_else(|e| e.into_inner()).clone();
            for p in &live {
                let _ = std::fs::remove_dir_all(p);
            }
            eprintln!(
                "jikimi: interrupted; {} temporary clone{} removed",
                live.len(),
                if live.len() == 1 { "" } else { "s" }
            );
            std::process::exit(INTERRUPTED);
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guards_register_and_forget() {
        let dir = tempfile::tempdir().unwrap();
        let g = Guard::new(dir.path());
        assert!(LIVE.lock().unwrap().iter().any(|p| p == dir.path()));
        drop(g);
        assert!(!LIVE.lock().unwrap().iter().any(|p| p == dir.path()));
    }
}
