//! The git hooks: `jikimi hook install` writes a small shell script that
//! runs `jikimi scan --staged` before each commit (`--pre-push`: `jikimi scan
//! --pre-push` before each push, [`prepush`]), and `jikimi hook uninstall`
//! removes it. `jikimi hook agent` is the hook for AI coding agents
//! ([`agent`]).
//!
//! Position: a command of its own, beside the scan pipeline. The repository
//! is found with git2 (never by running `git`), `core.hooksPath` is honoured,
//! and a marker line identifies our script, so we never overwrite or delete
//! another tool's hook unless told to (`--force`, which keeps a backup that
//! uninstall restores). The script calls the jikimi binary that installed it,
//! by absolute path, falling back to `jikimi` on `PATH` if that binary moved.

use std::path::{Path, PathBuf};

pub mod agent;
pub mod prepush;

use anyhow::{Context, Result, anyhow, bail};

/// The line that marks a hook as ours.
pub const MARKER: &str = "# jikimi-pre-commit-hook v1";
/// The line that marks a pre-push hook as ours.
pub const PUSH_MARKER: &str = "# jikimi-pre-push-hook v1";

/// Which git hook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `pre-commit`: `jikimi scan --staged`.
    PreCommit,
    /// `pre-push`: `jikimi scan --pre-push` on the commits being pushed.
    PrePush,
}

impl Kind {
    /// The hook's file name in the hooks folder.
    pub fn file(self) -> &'static str {
        match self {
            Kind::PreCommit => "pre-commit",
            Kind::PrePush => "pre-push",
        }
    }
    fn marker(self) -> &'static str {
        match self {
            Kind::PreCommit => MARKER,
            Kind::PrePush => PUSH_MARKER,
        }
    }
    fn backup(self) -> String {
        format!("{}.jikimi-backup", self.file())
    }
}

/// The pre-push hook script, calling `exe` (or `jikimi` on `PATH`). git
/// gives it the pushed refs on standard input, which jikimi reads.
pub fn push_script(exe: Option<&Path>) -> String {
    let exe = exe
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_else(|| "jikimi".into());
    format!(
        r#"#!/bin/sh
{PUSH_MARKER}
# Installed by `jikimi hook install --pre-push`; remove it with
# `jikimi hook uninstall --pre-push`. Blocks a push whose commits add a key.
# To push anyway, knowingly: git push --no-verify
JIKIMI={exe}
if [ ! -x "$JIKIMI" ]; then
  JIKIMI=jikimi
fi
"$JIKIMI" scan --pre-push --format compact
status=$?
if [ "$status" -eq 1 ]; then
  echo >&2
  echo "jikimi: push blocked: the commits being pushed add a secret (above)." >&2
  echo "  Rotate the key, remove it from those commits (git rebase -i), and push again." >&2
  echo "  To push anyway, knowingly: git push --no-verify." >&2
elif [ "$status" -ne 0 ]; then
  echo "jikimi: the pre-push scan could not run (exit $status); fix the error above, or push with --no-verify." >&2
fi
exit "$status"
"#,
        exe = sh_quote(&exe)
    )
}
/// Where `--force` keeps the hook it replaced.
pub const BACKUP: &str = "pre-commit.jikimi-backup";

/// The hooks folder of the repository around `path`, honouring
/// `core.hooksPath` (relative to the work tree, as git reads it).
pub fn hooks_dir(path: &Path) -> Result<PathBuf> {
    if let Some(problem) = crate::input::gitinfo::unsafe_git_files(path) {
        anyhow::bail!("cannot read the git repository ({problem}: not opened)");
    }
    let repo = git2::Repository::discover(path).map_err(|e| {
        if e.code() == git2::ErrorCode::NotFound {
            anyhow!(
                "{}: not inside a git repository (run `git init` first, or give a path inside one)",
                path.display()
            )
        } else {
            anyhow!(
                "{}: cannot open the git repository: {}",
                path.display(),
                e.message()
            )
        }
    })?;
    let configured = repo
        .config()
        .ok()
        .and_then(|c| c.get_path("core.hooksPath").ok());
    Ok(match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => repo.workdir().unwrap_or_else(|| repo.path()).join(p),
        // Linked worktrees share the main repository's hooks.
        None => repo.commondir().join("hooks"),
    })
}

/// Quote `s` for a POSIX shell.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The hook script, calling `exe` (or `jikimi` on `PATH`).
pub fn script(exe: Option<&Path>) -> String {
    let exe = exe
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_else(|| "jikimi".into());
    format!(
        r#"#!/bin/sh
{MARKER}
# Installed by `jikimi hook install`; remove it with `jikimi hook uninstall`.
# Blocks a commit whose staged changes add a key. To commit anyway, knowingly:
#   git commit --no-verify      (or add `jikimi:allow` to the line)
JIKIMI={exe}
if [ ! -x "$JIKIMI" ]; then
  JIKIMI=jikimi
fi
"$JIKIMI" scan --staged --format compact
status=$?
if [ "$status" -eq 1 ]; then
  echo >&2
  echo "jikimi: commit blocked: the staged changes add a secret (above)." >&2
  echo "  Fix it (the 'fix:' line), git add, and commit again." >&2
  echo "  To commit anyway, knowingly: git commit --no-verify, or add jikimi:allow to the line." >&2
elif [ "$status" -ne 0 ]; then
  echo "jikimi: the pre-commit scan could not run (exit $status); fix the error above, or commit with --no-verify." >&2
fi
exit "$status"
"#,
        exe = sh_quote(&exe)
    )
}

/// What an install did.
#[derive(Debug, PartialEq, Eq)]
pub enum Installed {
    New(PathBuf),
    Updated(PathBuf),
    /// Replaced a foreign hook, kept at the second path.
    Replaced(PathBuf, PathBuf),
}

/// Install the pre-commit hook in the repository around `path`.
pub fn install(path: &Path, force: bool) -> Result<Installed> {
    install_kind(path, force, Kind::PreCommit)
}

/// Install the `kind` hook in the repository around `path`.
pub fn install_kind(path: &Path, force: bool, kind: Kind) -> Result<Installed> {
    let dir = hooks_dir(path)?;
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the hooks folder {}", dir.display()))?;
    let hook = dir.join(kind.file());
    let exe = std::env::current_exe().ok();
    let mut outcome = Installed::New(hook.clone());
    if let Ok(existing) = crate::input::fsread::read_small(&hook) {
        let existing = String::from_utf8_lossy(&existing);
        if existing.contains(kind.marker()) {
            outcome = Installed::Updated(hook.clone());
        } else if !force {
            let hint = if existing.contains("pre-commit.com") || existing.contains("pre_commit") {
                "it is managed by the pre-commit framework: add jikimi to .pre-commit-config.yaml instead (repo: https://github.com/jikimi-dev/jikimi, hook id: jikimi)"
            } else {
                match kind {
                    Kind::PreCommit => {
                        "re-run with --force to replace it (it is kept as pre-commit.jikimi-backup), or add `jikimi scan --staged` to it yourself"
                    }
                    Kind::PrePush => {
                        "re-run with --force to replace it (it is kept as pre-push.jikimi-backup), or add `jikimi scan --pre-push` to it yourself (it reads git's pre-push lines on standard input)"
                    }
                }
            };
            bail!(
                "{} already exists and is not jikimi's hook: {hint}",
                hook.display()
            );
        } else {
            let backup = dir.join(kind.backup());
            if backup.exists() {
                bail!(
                    "{} already exists; move it away first so that no hook is lost",
                    backup.display()
                );
            }
            std::fs::rename(&hook, &backup)
                .with_context(|| format!("cannot back up {}", hook.display()))?;
            outcome = Installed::Replaced(hook.clone(), backup);
        }
    }
    let text = match kind {
        Kind::PreCommit => script(exe.as_deref()),
        Kind::PrePush => push_script(exe.as_deref()),
    };
    std::fs::write(&hook, text).with_context(|| format!("cannot write {}", hook.display()))?;
    make_executable(&hook)?;
    Ok(outcome)
}

/// What an uninstall did.
#[derive(Debug, PartialEq, Eq)]
pub enum Uninstalled {
    Removed(PathBuf),
    /// Removed, and the hook `--force` had replaced is back.
    Restored(PathBuf),
    NotInstalled(PathBuf),
}

/// Remove our pre-commit hook from the repository around `path`.
pub fn uninstall(path: &Path) -> Result<Uninstalled> {
    uninstall_kind(path, Kind::PreCommit)
}

/// Remove our `kind` hook from the repository around `path`.
pub fn uninstall_kind(path: &Path, kind: Kind) -> Result<Uninstalled> {
    let dir = hooks_dir(path)?;
    let hook = dir.join(kind.file());
    let Ok(existing) = crate::input::fsread::read_small(&hook) else {
        return Ok(Uninstalled::NotInstalled(hook));
    };
    if !String::from_utf8_lossy(&existing).contains(kind.marker()) {
        bail!(
            "{} is not jikimi's hook; it was left as it is",
            hook.display()
        );
    }
    std::fs::remove_file(&hook).with_context(|| format!("cannot remove {}", hook.display()))?;
    let backup = dir.join(kind.backup());
    if backup.is_file() {
        std::fs::rename(&backup, &hook)
            .with_context(|| format!("cannot restore {}", backup.display()))?;
        return Ok(Uninstalled::Restored(hook));
    }
    Ok(Uninstalled::Removed(hook))
}

#[cfg(unix)]
fn make_executable(p: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", p.display()))
}

#[cfg(not(unix))]
fn make_executable(_p: &Path) -> Result<()> {
    // Git for Windows runs hooks through its own sh; no mode bits needed.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_quotes_the_path_and_carries_the_marker() {
        let s = script(Some(Path::new("/opt/it's here/jikimi")));
        assert!(s.starts_with("#!/bin/sh\n"));
        assert!(s.contains(MARKER));
        assert!(s.contains(r"JIKIMI='/opt/it'\''s here/jikimi'"), "{s}");
        assert!(s.contains("scan --staged"));
    }
}
