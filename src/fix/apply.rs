//! `--apply`: check every file first (unchanged since the scan, no
//! uncommitted changes, not a link), then write each one atomically (a
//! temporary file beside it, renamed over it), take env files out of the
//! git index through libgit2, and write the history replacements file.
//! Nothing is written when a check fails (unless `--force`).

use std::path::Path;
use std::time::SystemTime;

use super::plan::{Plan, read_regular};
use crate::findings::causes::is_env_file;

/// What was done.
#[derive(Debug, Default)]
pub struct Applied {
    pub written: Vec<String>,
    pub untracked: Vec<String>,
    pub replacements: Option<std::path::PathBuf>,
}

/// Why files cannot be written (empty: all can).
pub fn check(plan: &Plan, scanned_at: SystemTime, force: bool) -> Vec<String> {
    let mut refused = Vec::new();
    let repo = git2::Repository::discover(&plan.root).ok();
    for (rel, edit) in &plan.edits {
        let abs = plan.root.join(rel);
        let meta = std::fs::symlink_metadata(&abs).ok();
        if meta.as_ref().is_some_and(|m| !m.is_file()) {
            refused.push(format!(
                "{rel}: not a regular file (a link or special file); never written"
            ));
            continue;
        }
        match (&edit.before, &meta) {
            (None, Some(_)) => {
                refused.push(format!("{rel}: appeared since the scan"));
                continue;
            }
            (Some(_), None) => {
                refused.push(format!("{rel}: removed since the scan"));
                continue;
            }
            _ => {}
        }
        if let Some(before) = &edit.before {
            if read_regular(&abs).as_deref() != Some(before.as_slice()) {
                refused.push(format!("{rel}: changed since the scan"));
                continue;
            }
            let modified = meta
                .as_ref()
                .and_then(|m| m.modified().ok())
                .is_some_and(|t| t > scanned_at);
            if modified {
                refused.push(format!("{rel}: changed since the scan"));
                continue;
            }
            if force {
                continue;
            }
            if let Some(why) = repo.as_ref().and_then(|r| uncommitted(r, &abs, rel)) {
                refused.push(format!("{rel}: {why}"));
            }
        }
    }
    refused
}

/// Why git would lose work if `abs` were rewritten, if it would.
fn uncommitted(repo: &git2::Repository, abs: &Path, rel: &str) -> Option<String> {
    let path = super::envfiles::repo_path(repo, abs)?;
    let st = repo.status_file(Path::new(&path)).ok()?;
    if st.is_ignored() || is_env_file(rel) {
        return None;
    }
    if st.is_wt_new() {
        return Some("not committed (git could not give back its current content); commit it first, or use --force".to_string());
    }
    let changed = st.intersects(
        git2::Status::WT_MODIFIED
            | git2::Status::WT_TYPECHANGE
            | git2::Status::WT_RENAMED
            | git2::Status::INDEX_MODIFIED
            | git2::Status::INDEX_NEW
            | git2::Status::INDEX_RENAMED
            | git2::Status::INDEX_TYPECHANGE,
    );
    changed
        .then(|| "has uncommitted changes; commit or stash them first, or use --force".to_string())
}

/// Write the plan. Call [`check`] first.
pub fn apply(plan: &Plan) -> anyhow::Result<Applied> {
    use anyhow::Context;
    let mut done = Applied::default();
    for (rel, edit) in &plan.edits {
        let abs = plan.root.join(rel);
        write_atomic(&abs, &edit.after, edit.private)
            .with_context(|| format!("cannot write {}", crate::text::escape(rel)))?;
        done.written.push(rel.clone());
    }
    if !plan.untrack.is_empty() {
        let repo = git2::Repository::discover(&plan.root)
            .context("cannot open the git repository to untrack env files")?;
        let mut index = repo.index().context("cannot read the git index")?;
        for rel in &plan.untrack {
            let Some(path) = super::envfiles::repo_path(&repo, &plan.root.join(rel)) else {
                continue;
            };
            index
                .remove_path(Path::new(&path))
                .with_context(|| format!("cannot remove {path} from the git index"))?;
            done.untracked.push(rel.clone());
        }
        index.write().context("cannot write the git index")?;
    }
    if !plan.history_secrets.is_empty() {
        let file = super::history::write_replacements(&plan.root, &plan.history_secrets)
            .context("cannot write the history replacements file")?;
        done.replacements = Some(file);
    }
    Ok(done)
}

/// Write `bytes` to `path` through a temporary file in the same folder,
/// renamed over it: a reader sees the old file or the new one, never half.
pub(super) fn write_atomic(path: &Path, bytes: &[u8], private: bool) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mode = std::fs::metadata(path).ok().map(|m| m.permissions());
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.jikimi-{}.tmp", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(if private { 0o600 } else { 0o644 });
    }
    let _ = std::fs::remove_file(&tmp);
    let mut f = opts.open(&tmp)?;
    let written = f.write_all(bytes).and_then(|()| f.sync_all());
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    if let (Some(p), false) = (mode, private) {
        std::fs::set_permissions(&tmp, p)?;
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
