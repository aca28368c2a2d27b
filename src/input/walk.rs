//! The working-tree input: a parallel walk of a directory (the `ignore`
//! crate, as ripgrep does), honouring `.gitignore`, skipping VCS and
//! dependency folders, reading each file once and handing its bytes to the
//! [`Sink`].
//!
//! Files that git ignores are not scanned, except two kinds that matter to
//! the guide and are found by a second, listing-only pass: `.env`-style files
//! (reported as notes: local development done right) and build output
//! (`dist/`, `.next/`, ...: it ships to browsers, so it fails).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ignore::{WalkBuilder, WalkState};

use crate::input::fsread;
use crate::input::gitinfo::{GitContext, to_slash};
use crate::input::ignores::Ignores;
use crate::input::{GitState, Origin, Sink};
use crate::paths::{BUILD_OUTPUT_DIRS, in_build_output, is_env_file, is_env_template};

/// Version-control folders: never scanned as files (history is its own input).
pub const VCS_DIRS: &[&str] = &[".git", ".hg", ".svn", ".jj"];

/// Dependency and tool-cache folders, skipped unless `--include-deps`.
pub const DEPENDENCY_DIRS: &[&str] = &[
    "node_modules",
    "bower_components",
    "jspm_packages",
    "vendor",
    ".venv",
    "venv",
    "site-packages",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".gradle",
    ".m2",
    "Pods",
    "Carthage",
    ".dart_tool",
    ".pub-cache",
    ".yarn",
    ".pnpm-store",
    ".terraform",
    ".bundle",
];

/// How to walk.
#[derive(Clone, Debug)]
pub struct WalkOptions {
    pub threads: usize,
    pub max_file_size: u64,
    pub include_deps: bool,
    pub follow_links: bool,
    /// Archives and app packages may be this large (they are opened, not
    /// scanned as text); 0 when archives are not opened.
    pub max_archive_size: u64,
    /// Config-file excludes: pruned here so excluded folders are never read.
    pub excludes: Excludes,
}

/// Which walk entries the configuration excludes, asked with the entry's
/// path relative to the root and whether it is a folder. The scan stage
/// builds it from its filters; the walk only asks.
#[derive(Clone)]
pub struct Excludes(Arc<ExcludeFn>);

type ExcludeFn = dyn Fn(&str, bool) -> bool + Send + Sync;

impl Excludes {
    pub fn new(excluded: impl Fn(&str, bool) -> bool + Send + Sync + 'static) -> Self {
        Excludes(Arc::new(excluded))
    }

    /// Nothing excluded.
    pub fn none() -> Self {
        Excludes::new(|_, _| false)
    }

    pub fn excluded(&self, rel: &str, is_dir: bool) -> bool {
        (self.0)(rel, is_dir)
    }
}

impl std::fmt::Debug for Excludes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Excludes")
    }
}

impl WalkOptions {
    /// The size limit for the file at `rel`.
    pub fn size_limit(&self, rel: &str) -> u64 {
        if self.max_archive_size > self.max_file_size && crate::input::archive::archive_name(rel) {
            self.max_archive_size
        } else {
            self.max_file_size
        }
    }
}

/// Totals of a walk.
#[derive(Debug, Default)]
pub struct WalkTotals {
    pub files: AtomicU64,
    pub bytes: AtomicU64,
}

fn skip_dir(name: &str, include_deps: bool) -> bool {
    VCS_DIRS.contains(&name) || (!include_deps && DEPENDENCY_DIRS.contains(&name))
}

/// Walk `root` (a directory) and feed every file to `sink`. Files are
/// reported relative to `root`.
pub fn walk_dir(
    root: &Path,
    opts: &WalkOptions,
    git: Option<&GitContext>,
    ignores: &Arc<Ignores>,
    sink: &dyn Sink,
    totals: &WalkTotals,
) {
    let include_deps = opts.include_deps;
    let excludes = opts.excludes.clone();
    let root_owned = root.to_path_buf();
    let root_abs = absolute(root);
    let filter_root = root_abs.clone();
    let rules = Arc::clone(ignores);
    let mut builder = WalkBuilder::new(root);
    // Ignore files are read by `Ignores` (regular files only, bounded), never
    // by the walker itself: a committed FIFO `.gitignore` would block it.
    builder
        .hidden(false)
        .parents(false)
        .ignore(false)
        .git_ignore(false)
        .git_global(false)
        .git_exclude(false)
        .follow_links(opts.follow_links)
        .threads(opts.threads)
        .filter_entry(move |e| {
            if e.depth() == 0 {
                return true;
            }
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            if is_dir && skip_dir(&e.file_name().to_string_lossy(), include_deps) {
                return false;
            }
            let rel = rel_path(&root_owned, e.path());
            !excludes.excluded(&rel, is_dir)
                && !rules.is_ignored_below(&filter_root, &filter_root.join(&rel), is_dir)
        });
    // A root that git ignores is scanned (the user named it), and what is
    // in it is ignored, not about to be committed.
    let root_ignored = git.is_some() && ignores.is_ignored(&root_abs, true);
    builder.build_parallel().run(|| {
        let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
        Box::new(move |result| {
            let entry = match result {
                Ok(e) => e,
                Err(err) => {
                    let (path, msg) = describe_walk_error(root, &err);
                    sink.error(&path, &msg);
                    return WalkState::Continue;
                }
            };
            let Some(ft) = entry.file_type() else {
                return WalkState::Continue;
            };
            if ft.is_dir() {
                return WalkState::Continue;
            }
            let rel = rel_path(root, entry.path());
            if ft.is_symlink() {
                sink.skipped(
                    &rel,
                    "symbolic link (use --follow to scan what it points to)",
                );
                return WalkState::Continue;
            }
            if !ft.is_file() {
                return WalkState::Continue;
            }
            let state = match git.map_or(GitState::NoRepo, |g| g.state_of_walked(&rel)) {
                GitState::Untracked if root_ignored => GitState::Ignored,
                s => s,
            };
            let max = opts.size_limit(&rel);
            let file = ToScan {
                path: entry.path(),
                listed: true,
                rel,
                git: state,
            };
            read_and_scan(file, max, &mut buf, sink, totals);
            WalkState::Continue
        })
    });
    for (path, why) in ignores.take_problems() {
        sink.skipped(&rel_path(&root_abs, &path), &why);
    }
}

/// `path` made absolute and canonical where possible (ignore rules match on
/// absolute paths).
pub fn absolute(path: &Path) -> PathBuf {
    path.canonicalize()
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// A file for [`read_and_scan`].
pub struct ToScan<'a> {
    pub path: &'a Path,
    /// A directory listing gave it as a regular file a moment ago (it is
    /// opened without a `stat` first); a path from the command line may be
    /// anything.
    pub listed: bool,
    /// Its path as reported.
    pub rel: String,
    pub git: GitState,
}

/// Read one file (bounded by `max`) and hand it to the sink.
pub fn read_and_scan(
    file: ToScan<'_>,
    max: u64,
    buf: &mut Vec<u8>,
    sink: &dyn Sink,
    totals: &WalkTotals,
) {
    let ToScan {
        path,
        listed,
        rel,
        git,
    } = file;
    let opened = if listed {
        fsread::open_listed(path)
    } else {
        fsread::open_regular(path).and_then(|f| {
            let len = f.metadata()?.len();
            Ok((f, len))
        })
    };
    let (file, len) = match opened {
        Ok(opened) => opened,
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            sink.skipped(&rel, &e.to_string());
            return;
        }
        Err(e) => {
            sink.error(&rel, &format!("cannot open: {e}"));
            return;
        }
    };
    if len > max {
        sink.skipped(
            &rel,
            &format!("too large ({len} bytes > {max}: --max-file-size, or --archive-max-bytes for archives)"),
        );
        return;
    }
    buf.clear();
    // One allocation of the size the file states (bounded by `max`), not a
    // series of doublings, each copying what was read and touching fresh
    // pages: a tree's large binaries made that a tenth of their cost.
    buf.reserve(usize::try_from(len.min(max)).unwrap_or(0).saturating_add(1));
    // Read at most max+1 bytes: a file that grows while we read stays bounded.
    if let Err(e) = file.take(max.saturating_add(1)).read_to_end(buf) {
        sink.error(&rel, &format!("cannot read: {e}"));
        return;
    }
    if buf.len() as u64 > max {
        sink.skipped(
            &rel,
            &format!("too large (more than {max} bytes: --max-file-size, or --archive-max-bytes for archives)"),
        );
        return;
    }
    totals.files.fetch_add(1, Ordering::Relaxed);
    totals.bytes.fetch_add(buf.len() as u64, Ordering::Relaxed);
    let origin = Origin::File { path: rel, git };
    sink.blob(&origin, buf);
    if buf.capacity() > 8 << 20 {
        // Do not keep a huge buffer alive for the rest of the walk.
        *buf = Vec::with_capacity(64 * 1024);
    }
}

fn describe_walk_error(root: &Path, err: &ignore::Error) -> (String, String) {
    match err {
        ignore::Error::WithPath { path, err } => (rel_path(root, path), err.to_string()),
        ignore::Error::WithDepth { err, .. } => describe_walk_error(root, err),
        ignore::Error::Loop { child, ancestor } => (
            rel_path(root, child),
            format!(
                "symbolic link loop (points back to {})",
                rel_path(root, ancestor)
            ),
        ),
        other => (String::new(), other.to_string()),
    }
}

/// `path` relative to `root`, `/`-separated.
pub fn rel_path(root: &Path, path: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(p) if !p.as_os_str().is_empty() => to_slash(p),
        _ => to_slash(path),
    }
}

/// Files git ignores that still matter: env files (notes, or findings when
/// git tracks them anyway) and build output (findings). A listing-only pass:
/// ignored folders are not entered unless they are build output.
pub fn ignored_of_interest(
    root: &Path,
    ignores: &Ignores,
    include_deps: bool,
) -> Vec<(PathBuf, String)> {
    let root_abs = absolute(root);
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let Ok(ft) = e.file_type() else { continue };
            let path = e.path();
            let rel = rel_path(root, &path);
            let name = e.file_name().to_string_lossy().into_owned();
            if ft.is_dir() {
                if skip_dir(&name, include_deps) {
                    continue;
                }
                let ignored = ignores.is_ignored_below(&root_abs, &root_abs.join(&rel), true);
                if !ignored
                    || BUILD_OUTPUT_DIRS.contains(&name.as_str())
                    || in_build_output(&format!("{rel}/x"))
                {
                    stack.push(path);
                }
            } else if ft.is_file() {
                let interesting =
                    (is_env_file(&rel) && !is_env_template(&rel)) || in_build_output(&rel);
                // Tracked files that an ignore rule matches too (added
                // before the rule, or with `git add -f`): the walk skipped
                // them, but git still commits them.
                if interesting && ignores.is_ignored_below(&root_abs, &root_abs.join(&rel), false) {
                    out.push((path, rel));
                }
            }
        }
    }
    out
}
