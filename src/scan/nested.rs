//! Repositories nested in a scanned folder that is not itself in one (a
//! folder of clones): the tree walk reads their files, but their history
//! would go unread and the checklist would pass questions about history it
//! never looked at. Each one found gets a history pass of its own, with its
//! folder in every path.

use std::path::{Path, PathBuf};

/// Folders not searched for nested repositories.
const SKIP: &[&str] = &["node_modules", "target", "vendor", ".venv", "venv"];

/// How deep below the scanned folder repositories are looked for, and how
/// many folders are looked at in all (a huge tree is not walked twice).
const MAX_DEPTH: usize = 3;
const MAX_DIRS: usize = 20_000;

/// The repositories under `root` (relative, `/`-separated), outermost only:
/// a folder holding `.git` (a folder or a worktree's file). Symlinks are
/// not followed.
pub fn find(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut queue: Vec<(PathBuf, String, usize)> = vec![(root.to_path_buf(), String::new(), 0)];
    let mut seen = 0usize;
    while let Some((dir, rel, depth)) = queue.pop() {
        seen += 1;
        if seen > MAX_DIRS {
            break;
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(t) = e.file_type() else { continue };
            if !t.is_dir() {
                continue;
            }
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || SKIP.contains(&name.as_str()) {
                continue;
            }
            let child_rel = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let path = e.path();
            if std::fs::symlink_metadata(path.join(".git")).is_ok() {
                out.push(child_rel);
            } else if depth + 1 < MAX_DEPTH {
                queue.push((path, child_rel, depth + 1));
            }
        }
    }
    out.sort();
    out
}
