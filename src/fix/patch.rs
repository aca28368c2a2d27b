//! `--patch FILE`: the exact patch (keys included, the one `git apply`
//! takes) written to a file the user names, so that applying the changes by
//! hand never puts a key on the terminal, in a scrollback or in a CI log:
//! standard output keeps the redacted diff.
//!
//! The file holds the keys, so it is written owner-only (0600), through a
//! temporary file renamed over it (a link at FILE is replaced, never
//! followed), and an existing FILE is refused unless `--force`. It is
//! refused inside the scanned folder and inside its git work tree: there
//! the next `git add -A` would commit the keys the fix takes out, and the
//! next scan would report them again.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use super::plan::Plan;
use crate::text::escape;

/// Where the patch goes: `file` made absolute (its folder resolved through
/// links), after the checks above. `root` is the scanned folder.
pub fn target(file: &Path, root: &Path, force: bool) -> Result<PathBuf> {
    let shown = escape(&file.display().to_string()).into_owned();
    let Some(name) = file.file_name() else {
        bail!("--patch {shown}: give a file name, e.g. /tmp/fix.patch");
    };
    let parent = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Ok(dir) = std::fs::canonicalize(parent) else {
        bail!("--patch {shown}: its folder does not exist; create it or choose another file");
    };
    let abs = dir.join(name);
    let mut inside = vec![super::absolute(root)];
    if let Some(work) = git2::Repository::discover(root)
        .ok()
        .and_then(|r| r.workdir().map(super::absolute))
    {
        inside.push(work);
    }
    if inside.iter().any(|top| abs.starts_with(top)) {
        bail!(
            "--patch {shown}: the patch holds the keys; write it outside the repository (e.g. /tmp/fix.patch), where `git add` cannot commit it and a scan does not find it"
        );
    }
    match std::fs::symlink_metadata(&abs) {
        Ok(m) if !m.is_file() && !m.file_type().is_symlink() => {
            bail!("--patch {shown}: exists and is not a regular file");
        }
        Ok(_) if !force => {
            bail!("--patch {shown}: already exists; choose another file, or --force to replace it");
        }
        _ => {}
    }
    Ok(abs)
}

/// Write the exact (unredacted) patch of `plan` to `abs` (from [`target`]),
/// owner-only. Returns the number of bytes written.
pub fn write(plan: &Plan, abs: &Path) -> Result<usize> {
    use anyhow::Context;
    let text = super::diff::render(plan, false);
    super::apply::write_atomic(abs, text.as_bytes(), true).with_context(|| {
        format!(
            "cannot write the patch to {}",
            escape(&abs.display().to_string())
        )
    })?;
    Ok(text.len())
}
