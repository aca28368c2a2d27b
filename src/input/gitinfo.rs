//! Git awareness for the working tree, through git2 (never the `git` binary:
//! a scanned repository's config could make it run commands).
//!
//! For a scan root this finds the enclosing repository and answers: is a
//! file tracked, ignored, or neither; which `.gitignore` files are committed;
//! and is a secret in the committed (HEAD) version of a file.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use git2::Repository;

use crate::input::{GitState, fsread};

/// What the tree scan needs to know about the repository around a root.
#[derive(Debug)]
pub struct GitContext {
    /// The repository's git dir (to reopen per thread).
    pub git_dir: PathBuf,
    /// Work tree root.
    pub workdir: PathBuf,
    /// The scan root relative to the work tree (`""` or `sub/dir/`).
    pub prefix: String,
    /// Paths in the index, relative to the work tree.
    pub tracked: HashSet<String>,
    /// Tracked `.gitignore` files, relative to the work tree.
    pub gitignores: Vec<String>,
    /// The repository is a shallow clone.
    pub shallow: bool,
}

impl GitContext {
    /// Discover the repository enclosing `root`, if any. Errors opening a
    /// repository (corrupt index, unsupported extensions) are returned so the
    /// caller can say so and scan the tree without git awareness.
    pub fn discover(root: &Path) -> Result<Option<GitContext>, git2::Error> {
        if let Some(problem) = unsafe_git_files(root) {
            return Err(git2::Error::from_str(&problem));
        }
        let repo = match Repository::discover(root) {
            Ok(r) => r,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(workdir) = repo.workdir().map(Path::to_path_buf) else {
            return Ok(None);
        };
        let workdir = workdir.canonicalize().unwrap_or(workdir);
        let root_abs = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
        let prefix = match root_abs.strip_prefix(&workdir) {
            Ok(p) if p.as_os_str().is_empty() => String::new(),
            Ok(p) => format!("{}/", to_slash(p)),
            Err(_) => String::new(),
        };
        let mut tracked = HashSet::new();
        let mut gitignores = Vec::new();
        if let Ok(index) = repo.index() {
            for e in index.iter() {
                let p = String::from_utf8_lossy(&e.path).into_owned();
                if p == ".gitignore" || p.ends_with("/.gitignore") {
                    gitignores.push(p.clone());
                }
                tracked.insert(p);
            }
        }
        gitignores.sort();
        Ok(Some(GitContext {
            git_dir: repo.path().to_path_buf(),
            workdir,
            prefix,
            tracked,
            gitignores,
            shallow: repo.is_shallow(),
        }))
    }

    /// `rel` (relative to the scan root) relative to the work tree.
    pub fn repo_path(&self, rel: &str) -> String {
        format!("{}{}", self.prefix, rel)
    }

    /// State of a file the (ignore-respecting) walk yielded.
    pub fn state_of_walked(&self, rel: &str) -> GitState {
        if self.tracked.contains(&self.repo_path(rel)) {
            GitState::Tracked
        } else {
            GitState::Untracked
        }
    }

    pub fn open(&self) -> Result<Repository, git2::Error> {
        Repository::open(&self.git_dir)
    }

    /// Whether the HEAD version of `rel` contains `needle`: the secret is in
    /// a commit, not just in the working copy.
    pub fn head_contains(repo: &Repository, repo_path: &str, needle: &[u8]) -> bool {
        let Ok(head) = repo.head().and_then(|h| h.peel_to_tree()) else {
            return false;
        };
        let Ok(entry) = head.get_path(Path::new(repo_path)) else {
            return false;
        };
        let Ok(blob) = repo.find_blob(entry.id()) else {
            return false;
        };
        memchr::memmem::find(blob.content(), needle).is_some()
    }
}

/// The files of a git dir that libgit2 opens when it opens a repository or
/// reads its index, refs and ignore rules.
const GIT_FILES: &[&str] = &[
    "HEAD",
    "config",
    "index",
    "shallow",
    "packed-refs",
    "commondir",
    "gitdir",
    "info/exclude",
    "info/attributes",
    "info/grafts",
    "objects/info/alternates",
];

/// Why the repository around `start` must not be opened, if it must not:
/// libgit2 opens its files with no check, so a FIFO `.git/config` would
/// block the scan forever and a `/dev/zero` one would exhaust memory.
/// Looks at the first `.git` found from `start` upwards (or `start` itself
/// when it is a git dir).
pub fn unsafe_git_files(start: &Path) -> Option<String> {
    let start = start.canonicalize().ok()?;
    let git_dir = start.ancestors().find_map(|d| {
        let dot = d.join(".git");
        if std::fs::symlink_metadata(&dot).is_ok() {
            Some(dot)
        } else if d.join("HEAD").exists() && d.join("objects").is_dir() {
            Some(d.to_path_buf())
        } else {
            None
        }
    })?;
    let check = |p: &Path| -> Option<String> {
        let meta = std::fs::metadata(p).ok()?;
        let kind = fsread::special_kind(&meta)?;
        Some(format!("{} is {kind}", p.display()))
    };
    match std::fs::metadata(&git_dir) {
        Ok(m) if m.is_dir() => GIT_FILES.iter().find_map(|f| check(&git_dir.join(f))),
        // A `.git` file (worktree or submodule link) names the real git dir.
        Ok(_) => check(&git_dir),
        Err(_) => None,
    }
}

/// A relative path with `/` separators.
pub fn to_slash(p: &Path) -> String {
    let s = p.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        s.into_owned()
    } else {
        s.replace(std::path::MAIN_SEPARATOR, "/")
    }
}
