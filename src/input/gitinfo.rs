//! Git awareness for the working tree, through git2 (never the `git` binary:
//! a scanned repository's config could make it run commands).
//!
//! For a scan root this finds the enclosing repository and answers: is a
//! file tracked, ignored, or neither; which `.gitignore` files are committed;
//! and is a secret in the committed (HEAD) version of a file.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use std::sync::OnceLock;

use git2::Repository;

use crate::input::pack::Packs;
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
    /// Its packs, surveyed when first needed: objects whose delta chain
    /// loops are not handed to libgit2.
    packs: OnceLock<Packs>,
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
            packs: OnceLock::new(),
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
    /// a commit, not just in the working copy. Each object on the way is
    /// checked first ([`Packs::check`]): one whose delta chain loops, or
    /// larger than a real commit or tree (a blob: than `max`), is not read.
    pub fn head_contains(
        &self,
        repo: &Repository,
        repo_path: &str,
        needle: &[u8],
        max: u64,
    ) -> bool {
        let packs = self
            .packs
            .get_or_init(|| Packs::open(&repo.commondir().join("objects")));
        use crate::input::history::{MAX_COMMIT_BYTES, MAX_TREE_BYTES};
        let ok = |id: git2::Oid, limit: u64| packs.check(id, limit, "object").is_ok();
        let Some(head) = repo.head().ok().and_then(|h| h.resolve().ok()?.target()) else {
            return false;
        };
        if !ok(head, MAX_COMMIT_BYTES) {
            return false;
        }
        let Ok(mut id) = repo.find_commit(head).map(|c| c.tree_id()) else {
            return false;
        };
        for part in repo_path.split('/') {
            if !ok(id, MAX_TREE_BYTES) {
                return false;
            }
            let Ok(tree) = repo.find_tree(id) else {
                return false;
            };
            let Some(entry) = tree.get_name(part) else {
                return false;
            };
            id = entry.id();
        }
        if !ok(id, max) {
            return false;
        }
        let Ok(blob) = repo.find_blob(id) else {
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
    "config.worktree",
    "index",
    "shallow",
    "packed-refs",
    "commondir",
    "gitdir",
    "info/exclude",
    "info/attributes",
    "info/grafts",
    "logs/HEAD",
    "logs/refs/stash",
    "objects/info/alternates",
    "objects/info/commit-graph",
];

/// Config includes are followed this deep (git's and libgit2's limit).
const MAX_INCLUDE_DEPTH: usize = 10;
/// Alternates are followed this deep (libgit2's limit).
const MAX_ALTERNATE_DEPTH: usize = 5;

/// Why the repository around `start` must not be opened, if it must not:
/// libgit2 opens its files with no check, so a FIFO would block the scan
/// forever and a `/dev/zero` would exhaust memory. Looks at the first
/// `.git` found from `start` upwards (or `start` itself when it is a git
/// dir), and at every file libgit2 may open in it: the `.git` file and the
/// git dir it names, `commondir`, the config and every file it includes,
/// HEAD, the refs, the loose objects, the pack files and indexes, and the
/// same in each alternate object directory.
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
    let meta = std::fs::metadata(&git_dir).ok()?;
    let git_dir = if meta.is_dir() {
        git_dir
    } else {
        // A `.git` file (worktree or submodule link) names the real git dir.
        if let Some(kind) = fsread::special_kind(&meta) {
            return Some(format!("{} is {kind}", git_dir.display()));
        }
        let text = fsread::read_small_string(&git_dir).ok()?;
        let target = text.lines().find_map(|l| l.strip_prefix("gitdir:"))?.trim();
        let base = git_dir.parent().unwrap_or(Path::new("."));
        base.join(target)
    };
    let mut check = Checker::default();
    check.git_dir(&git_dir)
}

/// What [`unsafe_git_files`] has looked at.
#[derive(Default)]
struct Checker {
    seen: HashSet<PathBuf>,
}

impl Checker {
    /// A file libgit2 may open: fine if absent, a problem unless regular.
    fn file(p: &Path) -> Option<String> {
        let meta = std::fs::metadata(p).ok()?;
        let kind = fsread::special_kind(&meta)?;
        Some(format!("{} is {kind}", p.display()))
    }

    fn git_dir(&mut self, dir: &Path) -> Option<String> {
        let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        if !self.seen.insert(key) {
            return None;
        }
        if let Some(p) = GIT_FILES.iter().find_map(|f| Self::file(&dir.join(f))) {
            return Some(p);
        }
        for config in ["config", "config.worktree"] {
            if let Some(p) = self.config(&dir.join(config), 0) {
                return Some(p);
            }
        }
        if let Some(p) = Self::tree(&dir.join("refs")) {
            return Some(p);
        }
        // HEAD (or a ref) naming a file outside `refs/`.
        if let Ok(head) = fsread::read_small_string(&dir.join("HEAD"))
            && let Some(target) = head.trim().strip_prefix("ref:")
        {
            let target = target.trim();
            if !target.split('/').any(|c| c == ".." || c.is_empty())
                && let Some(p) = Self::file(&dir.join(target))
            {
                return Some(p);
            }
        }
        // A linked worktree shares the main repository's git dir.
        if let Ok(common) = fsread::read_small_string(&dir.join("commondir")) {
            let common = dir.join(common.trim());
            if let Some(p) = self.git_dir(&common) {
                return Some(p);
            }
        }
        self.objects(&dir.join("objects"), 0)
    }

    /// A config file and, transitively, every file it includes (whatever
    /// the `includeIf` condition: it is not evaluated here).
    fn config(&mut self, path: &Path, depth: usize) -> Option<String> {
        if depth > MAX_INCLUDE_DEPTH {
            return None;
        }
        if let Some(p) = Self::file(path) {
            return Some(p);
        }
        let text = fsread::read_small_string(path).ok()?;
        let dir = path.parent().unwrap_or(Path::new("."));
        for include in config_includes(&text) {
            let target = match include.strip_prefix("~/") {
                Some(rest) => match std::env::var_os("HOME") {
                    Some(home) => PathBuf::from(home).join(rest),
                    None => continue,
                },
                None => dir.join(&include),
            };
            let key = target.canonicalize().unwrap_or_else(|_| target.clone());
            if !self.seen.insert(key) {
                continue;
            }
            if let Some(p) = self.config(&target, depth + 1) {
                return Some(p);
            }
        }
        None
    }

    /// Every file under `dir` (refs, loose objects, packs) must be regular;
    /// directories are entered (symlinks are followed for the check, not
    /// entered).
    fn tree(dir: &Path) -> Option<String> {
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.flatten() {
                let Ok(ft) = e.file_type() else { continue };
                if ft.is_dir() {
                    stack.push(e.path());
                } else if !ft.is_file()
                    && let Some(p) = Self::file(&e.path())
                    && !p.ends_with("a directory")
                {
                    return Some(p);
                }
            }
        }
        None
    }

    /// An object directory: its loose objects and packs, its info files,
    /// and its alternates.
    fn objects(&mut self, dir: &Path, depth: usize) -> Option<String> {
        if depth > 0 {
            let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
            if !self.seen.insert(key) {
                return None;
            }
        }
        let alternates = dir.join("info/alternates");
        for f in ["info/alternates", "info/commit-graph", "info/packs"] {
            if let Some(p) = Self::file(&dir.join(f)) {
                return Some(p);
            }
        }
        if let Some(p) = Self::tree(dir) {
            return Some(p);
        }
        if depth >= MAX_ALTERNATE_DEPTH {
            return None;
        }
        let text = fsread::read_small_string(&alternates).ok()?;
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(p) = self.objects(&dir.join(line), depth + 1) {
                return Some(p);
            }
        }
        None
    }
}

/// The `path` values of the `[include]` and `[includeIf "..."]` sections
/// of a git config file.
fn config_includes(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_include = false;
    for line in text.lines() {
        let mut rest = line.trim();
        if let Some(after) = rest.strip_prefix('[') {
            let Some(close) = after.find(']') else {
                in_include = false;
                continue;
            };
            let name = after
                .get(..close)
                .unwrap_or("")
                .split(|c: char| c.is_whitespace() || c == '"')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            in_include = name == "include" || name == "includeif";
            rest = after.get(close + 1..).unwrap_or("").trim();
        }
        if !in_include || rest.is_empty() || rest.starts_with(['#', ';']) {
            continue;
        }
        let Some((key, value)) = rest.split_once('=') else {
            continue;
        };
        if !key.trim().eq_ignore_ascii_case("path") {
            continue;
        }
        let value = config_value(value);
        if !value.is_empty() {
            out.push(value);
        }
    }
    out
}

/// A config value: quotes removed, escapes resolved, comments dropped.
fn config_value(raw: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    let mut chars = raw.trim().chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(c) => out.push(c),
                None => {}
            },
            '#' | ';' if !quoted => break,
            c => out.push(c),
        }
    }
    out.trim_end().to_string()
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
