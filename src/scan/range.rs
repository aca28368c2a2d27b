//! Risk rules on the files a `--since` / `--range` scan changes.
//!
//! The history pass reports secrets only: an old version of a file is not
//! today's architecture. But a pull request scanned with `--since main`
//! that adds a `dangerouslyAllowBrowser` call or a `VITE_` secret variable
//! must not go green when `--staged` on the same file and the scan after
//! merging both fail. So the files the range adds or modifies are also
//! scanned as the range's tip has them, like `--staged` scans the index:
//! risks and secrets alike (a secret there merges with its history finding).

use std::collections::HashSet;

use anyhow::{Result, anyhow};
use git2::{Delta, Oid, Repository};

use crate::input::history::Scope;
use crate::input::{GitState, Origin, Sink};

/// The (base, tip) commits of a range scope; `None` for other scopes.
fn ends(repo: &Repository, scope: &Scope) -> Result<Option<(Oid, Oid)>> {
    let commit = |rev: &str| -> Result<Oid> {
        let obj = repo
            .revparse_single(rev)
            .map_err(|e| anyhow!("'{rev}' not found ({})", e.message()))?;
        Ok(obj
            .peel_to_commit()
            .map_err(|_| anyhow!("'{rev}' does not name a commit"))?
            .id())
    };
    Ok(match scope {
        Scope::Since(rev) => Some((commit(rev)?, commit("HEAD")?)),
        Scope::Range(spec) => match spec.split_once("..") {
            Some((a, b)) if !b.starts_with('.') => {
                let a = if a.is_empty() { "HEAD" } else { a };
                let b = if b.is_empty() { "HEAD" } else { b };
                Some((commit(a)?, commit(b)?))
            }
            _ => None,
        },
        _ => None,
    })
}

/// Scan the files the range changes (added, modified, renamed), as its tip
/// has them, into `sink`. Returns (files, bytes) scanned.
pub fn scan_changed_files(
    repo: &Repository,
    scope: &Scope,
    max: u64,
    sink: &dyn Sink,
) -> Result<(u64, u64)> {
    let Some((base, tip)) = ends(repo, scope)? else {
        return Ok((0, 0));
    };
    // What the branch changed since it left the base (as a pull request
    // shows it), not what the base gained since.
    let from = repo.merge_base(base, tip).unwrap_or(base);
    let old = repo.find_commit(from)?.tree()?;
    let new = repo.find_commit(tip)?.tree()?;
    let mut opts = git2::DiffOptions::new();
    opts.ignore_submodules(true);
    let diff = repo.diff_tree_to_tree(Some(&old), Some(&new), Some(&mut opts))?;
    let (mut files, mut bytes) = (0u64, 0u64);
    let mut seen = HashSet::new();
    for delta in diff.deltas() {
        if !matches!(
            delta.status(),
            Delta::Added | Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange
        ) {
            continue;
        }
        let file = delta.new_file();
        if file.id().is_zero() || file.mode() == git2::FileMode::Commit || !seen.insert(file.id()) {
            continue;
        }
        let Some(path) = file
            .path_bytes()
            .map(|p| String::from_utf8_lossy(p).into_owned())
        else {
            continue;
        };
        if file.size() > max {
            continue;
        }
        let Ok(blob) = repo.find_blob(file.id()) else {
            continue;
        };
        files += 1;
        bytes += blob.content().len() as u64;
        let origin = Origin::File {
            path,
            git: GitState::Tracked,
        };
        sink.blob(&origin, blob.content());
    }
    Ok((files, bytes))
}
