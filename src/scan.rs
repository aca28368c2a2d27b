//! The scan stage: drives the inputs for each root, runs the matcher on every
//! blob they deliver, turns matches into findings with causes, and collects
//! statistics, notes, skips and errors. One [`Collector`] is the [`Sink`] for
//! every input, so tree files, history blobs and archive members all take the
//! same path from bytes to findings.
//!
//! What a blob goes through in [`Collector::blob`], in order: archives are
//! opened and their members come back here ([`archive`]); binary formats
//! that apps ship keys in give their strings ([`binary_strings`]); the rest
//! is decoded to text, and source maps and notebooks are split into the
//! pieces a person would look at ([`embedded`]) before the matcher runs.
//!
//! A root that is a git repository (the top of a work tree, a linked
//! worktree or a bare repository) gets the working-tree pass and the history
//! pass ([`history`]); their findings merge by fingerprint, so a key in the
//! tree and in old commits is one finding whose causes include both.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use anyhow::{Result, bail};
use serde::Serialize;

use crate::checklist::{self, Evidence};
use crate::findings::causes::{self, Projects, is_env_file};
use crate::findings::docker;
use crate::findings::risks::{self, GITIGNORE_GAP};
use crate::findings::suppress::{Filters, Reason, Suppressed};
use crate::findings::{Finding, Note, fingerprint};
use crate::input::archive::{ArchiveLimits, ArchiveTotals};
use crate::input::gitinfo::{self, GitContext};
use crate::input::history::{self, BlobSet, HistoryTotals, Progress, Scope};
use crate::input::ignores::Ignores;
use crate::input::image;
use crate::input::walk::{self, WalkOptions, WalkTotals};
use crate::input::{GitState, Sink};
use crate::matcher::Matcher;
use crate::rules::RuleKind;

mod enclosing;
mod nested;
mod range;

/// Which inputs a scan reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// The working tree, and git history when the root is a repository.
    #[default]
    TreeAndHistory,
    /// `--no-history`.
    TreeOnly,
    /// `--history-only`, `--since`, `--range`.
    HistoryOnly,
    /// `--staged`: what the next commit adds (index against HEAD).
    Staged,
    /// `jikimi scan -`: standard input as one file, named by the one path
    /// (`--stdin-name`).
    Stdin,
    /// `jikimi scan --diff -`: the added lines of a unified diff on
    /// standard input.
    Diff,
}

/// What to scan and how.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    pub paths: Vec<PathBuf>,
    pub threads: usize,
    pub max_file_size: u64,
    pub include_deps: bool,
    pub follow_links: bool,
    /// Print per-file errors to stderr as they happen.
    pub print_errors: bool,
    /// Which inputs to read.
    pub mode: Mode,
    /// Which commits the history pass covers.
    pub scope: Scope,
    /// Show a progress bar on stderr for the history pass.
    pub progress: bool,
    /// Whether and how far to open archives and app packages.
    pub archives: ArchiveLimits,
    /// Read binaries (executables, libraries, compiled code, databases) as
    /// `strings` would show them (`--no-binaries` turns it off).
    pub binaries: bool,
    /// Excludes and allowlists from the config file.
    pub filters: Arc<Filters>,
    /// Folders under the root the walk leaves out (relative): repositories
    /// nested in a folder of clones, each scanned as a root of its own.
    pub skip_dirs: Vec<String>,
    /// `--explain-drops`: where the candidates not reported are logged.
    pub drops: Option<Arc<crate::drops::DropLog>>,
}

/// Totals for the report.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Stats {
    pub files: u64,
    pub bytes: u64,
    pub skipped: u64,
    pub errors: u64,
    /// Findings held back by an inline marker, the allowlist or a baseline.
    pub suppressed: u64,
    pub duration_ms: u64,
    /// Commits enumerated in git history.
    pub commits: u64,
    /// Unique history blobs read and scanned.
    pub blobs: u64,
    /// Bytes of those blobs.
    pub blob_bytes: u64,
    /// History blobs not scanned: binary, or over `--max-file-size`.
    pub blobs_skipped: u64,
    /// A shallow clone: commits before the cut are not in the repository,
    /// so history was scanned only as far as it goes.
    pub history_truncated: bool,
    /// Submodules (gitlinks) seen in history and not followed.
    pub submodules: u64,
    /// Archives and app packages opened (nested ones included).
    pub archives: u64,
    /// Archive members scanned.
    pub archive_members: u64,
    /// Bytes unpacked from archives.
    pub archive_bytes: u64,
    /// Binaries read as strings (tree, history, archive members).
    pub binaries: u64,
    /// Media files (images, fonts, audio, video) passed over.
    pub media: u64,
}

pub use crate::collector::{Collected, Collector, Skipped};

/// Everything a scan produced, ready for the reports.
#[derive(Debug, Default)]
pub struct ScanOutput {
    pub findings: Vec<Finding>,
    pub notes: Vec<Note>,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<String>,
    /// Matches held back, with the reason (never the secret).
    pub suppressed: Vec<Suppressed>,
    pub stats: Stats,
    pub evidence: Evidence,
    pub checklist: Vec<checklist::Item>,
}

/// Run a scan of the working trees under `opts.paths`.
pub fn run(matcher: &Matcher<'_>, opts: &ScanOptions) -> Result<ScanOutput> {
    let started = Instant::now();
    let piped = matches!(opts.mode, Mode::Stdin | Mode::Diff);
    for p in opts.paths.iter().filter(|_| !piped) {
        if std::fs::symlink_metadata(p).is_err() {
            bail!(
                "{}: no such file or directory (give a directory or file to scan, e.g. `jikimi scan .`)",
                p.display()
            );
        }
    }
    for p in opts.paths.iter().filter(|_| !piped) {
        named_input_readable(p)?;
    }
    let mut out = ScanOutput::default();
    let archive_totals = Arc::new(ArchiveTotals::default());
    for root in &opts.paths {
        let nested = if matches!(opts.mode, Mode::TreeAndHistory | Mode::TreeOnly)
            && outside_any_repository(root)
        {
            nested::find(root)
        } else {
            Vec::new()
        };
        if nested.is_empty() {
            scan_root(matcher, root, opts, &archive_totals, &mut out)?;
        } else {
            // A folder of repositories: the folder's own files, then each
            // repository as a root of its own (its git state, its ignore
            // rules, its history), named by its folder.
            let outer = ScanOptions {
                skip_dirs: nested.clone(),
                ..opts.clone()
            };
            scan_root(matcher, root, &outer, &archive_totals, &mut out)?;
            scan_nested_repositories(matcher, root, &nested, opts, &archive_totals, &mut out);
        }
    }
    out.stats.archives = archive_totals.archives.load(Ordering::Relaxed);
    out.stats.archive_members = archive_totals.members.load(Ordering::Relaxed);
    out.stats.archive_bytes = archive_totals.bytes.load(Ordering::Relaxed);
    out.findings = crate::findings::dedup_and_sort(std::mem::take(&mut out.findings));
    crate::findings::public::apply(&mut out.findings, matcher.rules());
    crate::findings::weak::apply(&mut out.findings, matcher.rules());
    crate::findings::container::apply(&mut out.findings);
    out.findings = crate::findings::test_data::apply(
        std::mem::take(&mut out.findings),
        opts.filters.tests,
        &mut out.suppressed,
    );
    crate::findings::sort(&mut out.findings);
    out.notes
        .sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    out.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    out.evidence.rate_limit.sort();
    out.evidence.rate_limit.dedup();
    out.stats.skipped = out.skipped.len() as u64;
    out.stats.errors = out.errors.len() as u64;
    out.suppressed.sort();
    out.suppressed.dedup();
    out.stats.suppressed = out.suppressed.len() as u64;
    let only_files = opts
        .paths
        .iter()
        .all(|p| std::fs::metadata(p).is_ok_and(|m| !m.is_dir()));
    out.evidence.partial = match (&opts.mode, &opts.scope) {
        (Mode::Staged, _) => Some("--staged: only what the next commit adds"),
        (Mode::Stdin, _) => Some("standard input only"),
        (Mode::Diff, _) => Some("--diff: only the lines the diff adds"),
        (_, Scope::Push(_)) => Some("--pre-push: only the commits being pushed"),
        (_, Scope::Since(_) | Scope::Range(_)) => {
            Some("--since/--range: only the commits in the range")
        }
        (Mode::HistoryOnly, _) => Some("--history-only: the working tree was not read"),
        _ if out.evidence.subdirectory => Some(checklist::SUBDIRECTORY_SCOPE),
        _ if only_files => Some("only the files given on the command line were read"),
        _ => None,
    };
    // What the scan could not read leaves questions open: files over a size
    // or archive limit, and files or objects that failed to read.
    for s in &out.skipped {
        if checklist::unread_skip(&s.reason) {
            out.evidence.unread += 1;
            if is_env_file(&s.path) {
                out.evidence.unread_env.push(s.path.clone());
            }
        }
    }
    out.evidence.unreadable = out.errors.len() as u64;
    for e in &out.errors {
        let path = e.split(": ").next().unwrap_or("");
        if is_env_file(path) {
            out.evidence.unread_env.push(path.to_string());
        }
    }
    out.checklist = checklist::build(&out.findings, &out.suppressed, &out.evidence);
    out.stats.duration_ms = started.elapsed().as_millis() as u64;
    Ok(out)
}

/// Whether `root` is a folder that no git repository holds (neither it nor
/// a parent has `.git`).
fn outside_any_repository(root: &Path) -> bool {
    if !root.is_dir() {
        return false;
    }
    let Ok(abs) = root.canonicalize() else {
        return false;
    };
    !abs.ancestors()
        .any(|a| std::fs::symlink_metadata(a.join(".git")).is_ok())
}

/// Each repository nested in `root` (see [`nested`]) scanned as a root of
/// its own (working tree with its own git state, and history unless
/// `--no-history`), its findings named by their path from `root`
/// (`a/app.py`).
fn scan_nested_repositories(
    matcher: &Matcher<'_>,
    root: &Path,
    nested: &[String],
    opts: &ScanOptions,
    archive_totals: &Arc<ArchiveTotals>,
    out: &mut ScanOutput,
) {
    for rel in nested {
        let path = root.join(rel);
        let sub_opts = ScanOptions {
            paths: vec![path.clone()],
            skip_dirs: Vec::new(),
            ..opts.clone()
        };
        let mut sub = ScanOutput::default();
        if let Err(e) = scan_root(matcher, &path, &sub_opts, archive_totals, &mut sub) {
            out.errors
                .push(format!("{rel}: history not scanned ({e:#})"));
            continue;
        }
        for mut f in sub.findings {
            f.path = format!("{rel}/{}", f.path);
            if let Some(h) = f.history.as_mut() {
                h.path = format!("{rel}/{}", h.path);
            }
            if let Some(v) = f.via.as_mut() {
                *v = format!("{rel}/{v}");
            }
            if let Some(p) = f.project.as_mut() {
                p.manifest = p
                    .manifest
                    .split(", ")
                    .map(|m| format!("{rel}/{m}"))
                    .collect::<Vec<_>>()
                    .join(", ");
            }
            f.id = fingerprint(&f.rule, &f.secret, &f.path);
            out.findings.push(f);
        }
        for mut n in sub.notes {
            n.path = format!("{rel}/{}", n.path);
            out.notes.push(n);
        }
        out.stats.files += sub.stats.files;
        out.stats.bytes += sub.stats.bytes;
        out.evidence.rate_limit.extend(
            sub.evidence
                .rate_limit
                .into_iter()
                .map(|r| format!("{rel}/{r}")),
        );
        if out.evidence.env_use.is_none() {
            out.evidence.env_use = sub.evidence.env_use.map(|why| format!("{rel}: {why}"));
        }
        let mut projects = sub.evidence.projects;
        projects.projects = std::mem::take(&mut projects.projects)
            .into_iter()
            .map(|(m, k)| (format!("{rel}/{m}"), k))
            .collect();
        out.evidence.projects.merge(projects);
        out.evidence.unread_env.extend(
            sub.evidence
                .unread_env
                .into_iter()
                .map(|p| format!("{rel}/{p}")),
        );
        for mut s in sub.suppressed {
            s.path = format!("{rel}/{}", s.path);
            out.suppressed.push(s);
        }
        for mut s in sub.skipped {
            s.path = format!("{rel}/{}", s.path);
            out.skipped.push(s);
        }
        out.errors
            .extend(sub.errors.into_iter().map(|e| format!("{rel}/{e}")));
        out.stats.commits += sub.stats.commits;
        out.stats.blobs += sub.stats.blobs;
        out.stats.blob_bytes += sub.stats.blob_bytes;
        out.stats.blobs_skipped += sub.stats.blobs_skipped;
        out.stats.history_truncated |= sub.stats.history_truncated;
        out.stats.submodules += sub.stats.submodules;
        out.evidence.git_repo |= sub.evidence.git_repo;
        for mut e in sub.evidence.env_files {
            e.path = format!("{rel}/{}", e.path);
            out.evidence.env_files.push(e);
        }
    }
}

/// A path named on the command line must be something the scan reads: a
/// folder, or a regular file that opens. Anything else (`/dev/stdin`, a
/// FIFO, a device, a dangling link, a file without read permission) is an
/// error rather than a clean scan of nothing.
fn named_input_readable(p: &Path) -> Result<()> {
    match std::fs::metadata(p) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(m) if m.is_file() => match std::fs::File::open(p) {
            Ok(_) => Ok(()),
            Err(e) => bail!(
                "{}: cannot be read ({e}); nothing was scanned",
                crate::text::escape_controls(&p.display().to_string())
            ),
        },
        Ok(_) => bail!(
            "{}: not a regular file or folder (a pipe, device or socket), so there is nothing to scan; to scan standard input use `jikimi scan -` (e.g. `cat file | jikimi scan - --stdin-name file`)",
            crate::text::escape_controls(&p.display().to_string())
        ),
        Err(e) => bail!(
            "{}: cannot be read ({e}); nothing was scanned",
            crate::text::escape_controls(&p.display().to_string())
        ),
    }
}

fn scan_root(
    matcher: &Matcher<'_>,
    root: &Path,
    opts: &ScanOptions,
    archive_totals: &Arc<ArchiveTotals>,
    out: &mut ScanOutput,
) -> Result<()> {
    if opts.mode == Mode::Staged {
        return scan_staged(matcher, root, opts, archive_totals, out);
    }
    if matches!(opts.mode, Mode::Stdin | Mode::Diff) {
        return scan_piped(matcher, root, opts, archive_totals, out);
    }
    if opts.archives.enabled
        && let Some(store) = image::detect(root, &opts.archives)
    {
        return scan_image(matcher, root, &store, opts, archive_totals, out);
    }
    let meta = std::fs::metadata(root);
    let is_dir = meta.as_ref().is_ok_and(|m| m.is_dir());
    let project_root = if is_dir {
        root.to_path_buf()
    } else {
        // `jikimi scan .env`: the parent of a bare file name is "", which
        // no repository lookup understands; it is the current folder.
        root.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    };
    let (repo, git, want_tree) = locate_repository(root, is_dir, &project_root, opts, out)?;
    let top = git.as_ref().map(|g| g.workdir.clone()).or_else(|| {
        repo.as_ref()
            .and_then(|r| r.workdir().map(Path::to_path_buf))
    });
    let projects = Projects::new(&project_root, top.as_deref());
    let collector = Collector::new(matcher, &projects, opts.print_errors)
        .with_filters(&opts.filters)
        .with_archives(opts.archives.clone(), Arc::clone(archive_totals))
        .with_binaries(opts.binaries)
        .with_drops(opts.drops.clone());
    let totals = WalkTotals::default();
    let wopts = WalkOptions {
        threads: opts.threads,
        max_file_size: opts.max_file_size,
        include_deps: opts.include_deps,
        follow_links: opts.follow_links,
        max_archive_size: if opts.archives.enabled {
            opts.archives.max_bytes
        } else {
            0
        },
        excludes: {
            let filters = Arc::clone(&opts.filters);
            let skip = opts.skip_dirs.clone();
            walk::Excludes::new(move |rel, is_dir| {
                (is_dir && skip.iter().any(|d| d == rel)) || filters.excluded_entry(rel, is_dir)
            })
        },
    };
    out.evidence.git_repo |= repo.is_some();
    if is_dir && repo.is_none() && git.as_ref().is_some_and(|g| !g.prefix.is_empty()) {
        out.evidence.subdirectory = true;
    }
    if want_tree {
        scan_working_tree(
            root,
            is_dir,
            git.as_ref(),
            opts,
            &wopts,
            &collector,
            &totals,
            out,
        );
    }
    let blobs = match &repo {
        Some(repo) => Some(scan_repo_history(repo, root, opts, &collector, out)?),
        None => None,
    };
    out.stats.blobs_skipped += collector.history_binary();
    out.stats.binaries += collector.binaries_read();
    out.stats.media += collector.media();
    out.suppressed.extend(collector.take_suppressed());
    let marked = collector.take_marked();
    let Collected {
        mut findings,
        notes,
        skipped,
        errors,
        env_files,
        rate_limit,
        env_seen,
        env_loader,
    } = collector.finish();
    let summary = projects.summary();
    // Env files under test folders that hold no key are test fixtures (a
    // bundler's tests/fixtures/.env): they say nothing about how the
    // project keeps its own secrets, so they neither make it an env-file
    // user nor need ignoring.
    let keyed: HashSet<&str> = findings
        .iter()
        .filter(|f| f.kind == RuleKind::Secret)
        .map(|f| f.path.as_str())
        .collect();
    let fixture = |p: &str| {
        (crate::findings::test_data::is_test_path(p) || projects.named_test_path(p))
            && !keyed.contains(p)
    };
    let mut env_seen_real: Vec<checklist::EnvFile> = env_seen
        .iter()
        .filter(|e| !fixture(&e.path))
        .cloned()
        .collect();
    // A subdirectory of a work tree: the env files the repository tracks
    // outside it count for "is .env kept out of git?".
    if out.evidence.subdirectory
        && let Some(g) = &git
    {
        env_seen_real.extend(
            enclosing::env_files_outside(g)
                .into_iter()
                .filter(|e| !fixture(&e.path)),
        );
    }
    let env_files: Vec<String> = env_files.into_iter().filter(|p| !fixture(p)).collect();
    drop(keyed);
    let env_use = checklist::env_use(&env_seen_real, &summary, env_loader);
    drop_marked_in_history(&mut findings, &marked, &mut out.suppressed);
    if let Some(g) = &git {
        mark_committed(g, &mut findings, opts.max_file_size);
    }
    // The gap matters only to a project that uses .env files; one that
    // never does (a Rust CLI, a library) is not told to ignore them.
    if is_dir
        && let Some(g) = &git
        && !opts.filters.disabled.contains(GITIGNORE_GAP)
        && env_use.is_some()
    {
        gitignore_gap(g, &env_files, opts, &mut findings, &mut out.suppressed);
    }
    if let (Some(repo), Some(set)) = (&repo, &blobs) {
        findings = locate_history(repo, set, findings, want_tree);
    }
    // Dockerfiles and compose files: the .dockerignore gap, and keys on
    // ENV/ARG lines or in compose environments (src/findings/docker.rs).
    if is_dir {
        let gaps = docker::gaps(root, &env_files, &opts.filters, &mut out.suppressed);
        findings.extend(gaps);
    }
    docker::refine(is_dir.then_some(root), &mut findings);
    out.findings.extend(findings);
    out.notes.extend(notes);
    out.skipped.extend(skipped);
    out.errors.extend(errors);
    out.evidence.rate_limit.extend(rate_limit);
    out.evidence.env_files.extend(env_seen_real);
    if out.evidence.env_use.is_none() {
        out.evidence.env_use = env_use;
    }
    out.evidence.projects.merge(summary);
    out.stats.files += totals.files.load(Ordering::Relaxed);
    out.stats.bytes += totals.bytes.load(Ordering::Relaxed);
    Ok(())
}

/// The repository `root` is, whose history is scanned, and the work tree
/// it lies in, for each file's git state; a repository that cannot be read
/// is a warning and the files are scanned without it. Also whether the
/// working tree is scanned at all (not for `--history-only` or a bare
/// repository).
fn locate_repository(
    root: &Path,
    is_dir: bool,
    project_root: &Path,
    opts: &ScanOptions,
    out: &mut ScanOutput,
) -> Result<(Option<git2::Repository>, Option<GitContext>, bool)> {
    // History needs the root to *be* a repository; a plain directory (or a
    // subdirectory of a work tree) is scanned as a tree without complaint.
    let git_problem = gitinfo::unsafe_git_files(if is_dir { root } else { project_root });
    if let Some(problem) = &git_problem {
        let msg = format!(
            "{}: cannot read the git repository ({problem}: not opened); scanning the files without git awareness or history",
            root.display()
        );
        if opts.print_errors {
            eprintln!("jikimi: warning: {}", crate::text::escape_controls(&msg));
        }
        out.errors.push(msg);
    }
    let repo = if is_dir && opts.mode != Mode::TreeOnly && git_problem.is_none() {
        history::open_root(root)
    } else {
        None
    };
    if opts.mode == Mode::HistoryOnly && repo.is_none() {
        bail!(
            "{}: not a git repository, so there is no history to scan (give the top of a work tree or a bare repository, or drop --history-only/--since/--range)",
            root.display()
        );
    }
    let git_dir_only = repo.as_ref().is_some_and(|r| history::is_git_dir(r, root));
    let want_tree = opts.mode != Mode::HistoryOnly && !git_dir_only;
    let git = if !want_tree || git_problem.is_some() {
        None
    } else {
        match GitContext::discover(if is_dir { root } else { project_root }) {
            Ok(g) => g,
            Err(e) => {
                let msg = format!(
                    "{}: cannot read the git repository ({}); scanning the files without git awareness",
                    root.display(),
                    e.message()
                );
                if opts.print_errors {
                    eprintln!("jikimi: warning: {}", crate::text::escape_controls(&msg));
                }
                out.errors.push(msg);
                None
            }
        }
    };
    Ok((repo, git, want_tree))
}

/// A history finding whose secret is marked `jikimi:allow` in the working
/// tree is held back too: the marker speaks for the secret.
fn drop_marked_in_history(
    findings: &mut Vec<Finding>,
    marked: &HashMap<String, String>,
    suppressed: &mut Vec<Suppressed>,
) {
    if !marked.is_empty() {
        findings.retain(|f| match (&f.history, marked.get(&f.id)) {
            (Some(_), Some(by)) => {
                suppressed.push(Suppressed {
                    rule: f.rule.clone(),
                    path: f.path.clone(),
                    line: f.line,
                    reason: Reason::Inline,
                    by: format!("{by} (on the same secret in the working tree)"),
                    causes: f.causes.clone(),
                    kind: f.kind,
                });
                false
            }
            _ => true,
        });
    }
}

/// A key in a tracked file is in a commit when HEAD has it too.
fn mark_committed(g: &GitContext, findings: &mut [Finding], max_file_size: u64) {
    let Ok(repo) = g.open() else {
        return;
    };
    for f in findings
        .iter_mut()
        .filter(|f| f.git == Some(GitState::Tracked))
    {
        if f.kind == RuleKind::Secret
            && g.head_contains(
                &repo,
                &g.repo_path(&f.path),
                f.secret.as_bytes(),
                max_file_size,
            )
            && !f.causes.contains(&causes::Cause::GitHistory)
        {
            f.causes.push(causes::Cause::GitHistory);
            f.causes.sort();
            f.fix = causes::fix(&f.causes, &f.situation());
        }
    }
}

/// `--audit`: tracked files under `root` that an ignore rule matches (added
/// before the rule, or with `git add -f`). The walk skips them, but git
/// commits them: an audited repository must not hide a file behind its own
/// `.gitignore`. Those already in `found` are left out.
fn tracked_but_ignored(
    root: &Path,
    root_abs: &Path,
    g: &GitContext,
    ignores: &Ignores,
    found: &[(PathBuf, String)],
) -> Vec<(PathBuf, String)> {
    let have: HashSet<&str> = found.iter().map(|(_, r)| r.as_str()).collect();
    let mut out: Vec<(PathBuf, String)> = g
        .tracked
        .iter()
        .filter_map(|t| t.strip_prefix(g.prefix.as_str()))
        .filter(|rel| !have.contains(rel))
        .filter(|rel| ignores.is_ignored_below(root_abs, &root_abs.join(rel), false))
        .map(|rel| (root.join(rel), rel.to_string()))
        .filter(|(abs, _)| std::fs::symlink_metadata(abs).is_ok_and(|m| m.is_file()))
        .collect();
    out.sort();
    out
}

/// The working tree of one root: a folder walked (with the ignored files
/// that still matter), or one file named on the command line.
#[allow(clippy::too_many_arguments)]
fn scan_working_tree(
    root: &Path,
    is_dir: bool,
    git: Option<&GitContext>,
    opts: &ScanOptions,
    wopts: &WalkOptions,
    collector: &Collector<'_>,
    totals: &WalkTotals,
    out: &mut ScanOutput,
) {
    if is_dir {
        out.evidence.git_repo |= git.is_some();
        let root_abs = walk::absolute(root);
        let ignores = Arc::new(
            Ignores::new(
                &root_abs,
                git.map(|g| (g.workdir.as_path(), g.git_dir.as_path())),
            )
            .audit(opts.filters.audit),
        );
        walk::walk_dir(root, wopts, git, &ignores, collector, totals);
        if let Some(g) = git {
            let mut extra = walk::ignored_of_interest(root, &ignores, opts.include_deps);
            if opts.filters.audit {
                extra.extend(tracked_but_ignored(root, &root_abs, g, &ignores, &extra));
            }
            let extra = extra
                .into_iter()
                .filter(|(_, rel)| !opts.filters.excluded(rel));
            let mut buf = Vec::new();
            for (abs, rel) in extra {
                let max = wopts.size_limit(&rel);
                let state = if g.tracked.contains(&g.repo_path(&rel)) {
                    GitState::Tracked
                } else {
                    GitState::Ignored
                };
                let file = walk::ToScan {
                    path: &abs,
                    listed: true,
                    rel,
                    git: state,
                };
                walk::read_and_scan(file, max, &mut buf, collector, totals);
            }
        }
    } else {
        let rel = root.to_string_lossy().replace('\\', "/");
        // A file given on the command line: git's own answer for it, since
        // no walk filtered it (it may be ignored, and then it is not
        // "about to be committed").
        let state = match git {
            Some(g) => {
                let name = root
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                match g.state_of_walked(&name) {
                    GitState::Untracked => {
                        let abs = walk::absolute(root);
                        let parent = abs.parent().unwrap_or(&abs).to_path_buf();
                        let ignores =
                            Ignores::new(&parent, Some((g.workdir.as_path(), g.git_dir.as_path())));
                        if ignores.is_ignored(&abs, false) {
                            GitState::Ignored
                        } else {
                            GitState::Untracked
                        }
                    }
                    s => s,
                }
            }
            None => GitState::NoRepo,
        };
        let mut buf = Vec::new();
        let max = wopts.size_limit(&rel);
        let file = walk::ToScan {
            path: root,
            listed: false,
            rel,
            git: state,
        };
        walk::read_and_scan(file, max, &mut buf, collector, totals);
    }
}

/// The history of one repository: every unique blob once, then (for a
/// range) the risk rules on the files the range changes.
fn scan_repo_history(
    repo: &git2::Repository,
    root: &Path,
    opts: &ScanOptions,
    collector: &Collector<'_>,
    out: &mut ScanOutput,
) -> Result<BlobSet> {
    let progress = Progress::new(opts.progress);
    let htotals = HistoryTotals::default();
    let set = history::enumerate(repo, &opts.scope, opts.max_file_size, collector, &progress);
    let set = match set {
        Ok(s) => s,
        Err(e) => {
            progress.finish();
            return Err(e.context(format!("{}: cannot scan the git history", root.display())));
        }
    };
    history::scan_blobs(
        repo,
        &set,
        opts.max_file_size,
        collector,
        &htotals,
        &progress,
    );
    progress.finish();
    out.stats.commits += set.commit_trees.len() as u64;
    out.stats.blobs += htotals.blobs.load(Ordering::Relaxed);
    out.stats.blob_bytes += htotals.bytes.load(Ordering::Relaxed);
    out.stats.blobs_skipped += htotals.too_large.load(Ordering::Relaxed);
    out.stats.history_truncated |= set.truncated;
    out.stats.submodules += set.submodules.len() as u64;
    for sub in &set.submodules {
        collector.skipped(
            sub,
            "submodule in history: not followed (scan its repository separately)",
        );
    }
    // A range's changed files get the risk rules too, as `--staged`
    // gives them to the index.
    if matches!(opts.scope, Scope::Since(_) | Scope::Range(_)) {
        match range::scan_changed_files(repo, &opts.scope, opts.max_file_size, collector) {
            Ok((files, bytes)) => {
                out.stats.files += files;
                out.stats.bytes += bytes;
            }
            Err(e) => collector.error(
                &root.display().to_string(),
                &format!("cannot compare the range's files for risks ({e})"),
            ),
        }
    }
    Ok(set)
}

/// The `gitignore-gap` risk: env files the ignore rules do not cover.
fn gitignore_gap(
    g: &GitContext,
    env_files: &[String],
    opts: &ScanOptions,
    findings: &mut Vec<Finding>,
    suppressed: &mut Vec<Suppressed>,
) {
    let existing: Vec<String> = env_files.iter().map(|p| g.repo_path(p)).collect();
    // The committed .gitignore files, plus those in the working tree that
    // are about to be (before the first commit, or just edited): the root
    // one and any on the way to an env file.
    let mut gitignores = g.gitignores.clone();
    let mut dirs: Vec<String> = vec![String::new()];
    for e in &existing {
        let mut d = e.as_str();
        while let Some(i) = d.rfind('/') {
            d = crate::text::to(d, i);
            dirs.push(format!("{d}/"));
        }
    }
    for d in dirs {
        let rel = format!("{d}.gitignore");
        if !gitignores.contains(&rel) && g.workdir.join(&rel).is_file() {
            gitignores.push(rel);
        }
    }
    if let Some(gap) = risks::gitignore_gap(&g.workdir, &gitignores, &existing) {
        let path = if gitignores.iter().any(|p| p == ".gitignore") {
            ".gitignore"
        } else {
            ".gitignore (missing)"
        };
        let evidence = gap.unignored.join(", ");
        if let Some(by) = opts.filters.allowed(GITIGNORE_GAP, "", path) {
            suppressed.push(Suppressed {
                rule: GITIGNORE_GAP.into(),
                path: path.into(),
                line: 0,
                reason: Reason::Allowlist,
                by,
                causes: vec![causes::Cause::EnvFileCommitted],
                kind: RuleKind::Risk,
            });
        } else {
            findings.push(Finding {
                severity: gap.severity,
                context: format!("not ignored: {evidence}"),
                causes: vec![causes::Cause::EnvFileCommitted],
                why: format!(
                    "{} (not ignored: {evidence})",
                    risks::risk_why(GITIGNORE_GAP)
                ),
                fix: risks::risk_fix(GITIGNORE_GAP).into(),
                ..Finding::risk(
                    fingerprint(GITIGNORE_GAP, "", &g.prefix),
                    GITIGNORE_GAP,
                    risks::GITIGNORE_GAP_TITLE,
                    path.into(),
                )
            });
        }
    }
}

/// Merge the history findings of one repository with its tree findings and
/// fill in their provenance: how many commits and paths carry each secret,
/// whether HEAD and the working tree still do. A secret that survives only
/// in history says so in `why` and `fix`: deleting the line did not help.
fn locate_history(
    repo: &git2::Repository,
    set: &BlobSet,
    mut findings: Vec<Finding>,
    tree_scanned: bool,
) -> Vec<Finding> {
    if !findings.iter().any(|f| f.history.is_some()) {
        return findings;
    }
    let parse = |ids: &[String]| -> Vec<git2::Oid> {
        ids.iter()
            .filter_map(|b| git2::Oid::from_str(b).ok())
            .collect()
    };
    // Every blob that holds each secret, across paths: "still in HEAD" is
    // about the secret, not about one file.
    let mut secret_blobs: HashMap<(String, String), Vec<git2::Oid>> = HashMap::new();
    let mut tree_secrets: HashSet<(String, String)> = HashSet::new();
    for f in &mut findings {
        let key = (f.rule.clone(), f.secret.clone());
        match &mut f.history {
            Some(h) => {
                let ids = parse(&h.blob_ids);
                h.order = ids
                    .first()
                    .and_then(|id| set.index.get(id))
                    .map_or(u64::MAX, |&i| u64::from(i));
                for l in &mut f.locations {
                    l.order = h.order;
                }
                secret_blobs.entry(key).or_default().extend(ids);
            }
            None => {
                tree_secrets.insert(key);
            }
        }
    }
    let mut merged = crate::findings::dedup_and_sort(findings);
    let mut targets: Vec<git2::Oid> = secret_blobs.values().flatten().copied().collect();
    targets.sort();
    targets.dedup();
    let loc = history::locate(repo, set, &targets);
    // Once per secret, not per finding: one key in 30,000 files is 30,000
    // findings sharing 30,000 blobs.
    let in_head: HashMap<&(String, String), bool> = secret_blobs
        .iter()
        .map(|(k, all)| (k, loc.in_head(all)))
        .collect();
    let groups: Vec<Vec<git2::Oid>> = merged
        .iter()
        .map(|f| {
            f.history
                .as_ref()
                .map(|h| parse(&h.blob_ids))
                .unwrap_or_default()
        })
        .collect();
    let commits = loc.commits_per_group(&groups);
    for ((f, ids), commits) in merged.iter_mut().zip(&groups).zip(commits) {
        let Some(h) = &mut f.history else { continue };
        let key = (f.rule.clone(), f.secret.clone());
        h.commits = commits;
        (h.paths, h.paths_capped) = loc.paths(ids);
        h.in_head = in_head.get(&key).copied().unwrap_or(false);
        h.in_working_tree = tree_scanned.then(|| tree_secrets.contains(&key));

        if h.only_in_history() {
            let commit = f
                .commit
                .as_ref()
                .map(|c| c.id.get(..10).unwrap_or(&c.id).to_string())
                .unwrap_or_default();
            f.why = format!(
                "not in the working tree or HEAD, but in git history (introduced in commit {commit}): every clone keeps that commit"
            );
            let mut fix = format!(
                "Rotate the key first: deleting or never merging the line is not enough, every clone still has commit {commit}; then purge it from history (git filter-repo) if needed"
            );
            let situation = f.situation();
            for c in f.causes.iter().filter(|c| **c != causes::Cause::GitHistory) {
                fix.push_str("; so it does not come back: ");
                fix.push_str(&c.fix_in(&situation));
            }
            f.fix = fix;
        }
    }
    merged
}

/// `--staged`: scan the changes the next commit would add, nothing else.
/// `jikimi scan -` and `--diff -`: standard input, read once (bounded by
/// --max-file-size, or 16x that for a diff), named by `name`.
fn scan_piped(
    matcher: &Matcher<'_>,
    name: &Path,
    opts: &ScanOptions,
    archive_totals: &Arc<ArchiveTotals>,
    out: &mut ScanOutput,
) -> Result<()> {
    use crate::input::stdin;
    let as_diff = opts.mode == Mode::Diff;
    let max = if as_diff {
        opts.max_file_size.saturating_mul(16)
    } else {
        opts.max_file_size
    };
    let (bytes, more) = stdin::read_bounded(&mut std::io::stdin().lock(), max)?;
    let name = name.to_string_lossy().replace('\\', "/");
    let name = name.strip_prefix("./").unwrap_or(&name).to_string();
    let cwd = PathBuf::from(".");
    let projects = Projects::new(&cwd, None);
    let collector = Collector::new(matcher, &projects, opts.print_errors)
        .with_filters(&opts.filters)
        .with_archives(opts.archives.clone(), Arc::clone(archive_totals))
        .with_binaries(opts.binaries)
        .with_drops(opts.drops.clone());
    if more {
        collector.skipped(
            &name,
            &format!("standard input longer than {max} bytes: only the first {max} were scanned (raise --max-file-size)"),
        );
    }
    let (files, scanned) = stdin::scan(&bytes, &name, as_diff, &collector);
    out.suppressed.extend(collector.take_suppressed());
    absorb(out, collector.finish(), files, scanned);
    Ok(())
}

/// A container image: a `docker save` or OCI archive, or an OCI layout
/// folder ([`image`]). Its findings name the image, layer and instruction
/// ([`crate::findings::image`]).
fn scan_image(
    matcher: &Matcher<'_>,
    root: &Path,
    store: &image::Store,
    opts: &ScanOptions,
    archive_totals: &Arc<ArchiveTotals>,
    out: &mut ScanOutput,
) -> Result<()> {
    let mut display = root.to_string_lossy().replace('\\', "/");
    if display.is_empty() || display == "." || display == "./" {
        display = walk::absolute(root)
            .file_name()
            .map_or_else(|| "image".into(), |n| n.to_string_lossy().into_owned());
    }
    let projects = Projects::new(Path::new("."), None);
    let collector = Collector::new(matcher, &projects, opts.print_errors)
        .with_filters(&opts.filters)
        .with_archives(opts.archives.clone(), Arc::clone(archive_totals))
        .with_binaries(opts.binaries)
        .with_drops(opts.drops.clone());
    let scanned = image::scan(
        store,
        &display,
        &opts.archives,
        archive_totals,
        opts.threads,
        &collector,
    );
    out.suppressed.extend(collector.take_suppressed());
    let mut collected = collector.finish();
    crate::findings::image::annotate(&mut collected.findings, &scanned);
    absorb(out, collected, scanned.files, scanned.bytes);
    Ok(())
}

/// Add what a one-shot collector (standard input, the index) found to
/// `out`, with the files and bytes it read.
fn absorb(out: &mut ScanOutput, collected: Collected, files: u64, bytes: u64) {
    let Collected {
        findings,
        notes,
        skipped,
        errors,
        rate_limit,
        ..
    } = collected;
    out.findings.extend(findings);
    out.notes.extend(notes);
    out.skipped.extend(skipped);
    out.errors.extend(errors);
    out.evidence.rate_limit.extend(rate_limit);
    out.stats.files += files;
    out.stats.bytes += bytes;
}

fn scan_staged(
    matcher: &Matcher<'_>,
    root: &Path,
    opts: &ScanOptions,
    archive_totals: &Arc<ArchiveTotals>,
    out: &mut ScanOutput,
) -> Result<()> {
    if let Some(problem) = gitinfo::unsafe_git_files(root) {
        bail!("--staged: cannot read the git repository ({problem}: not opened)");
    }
    let repo = git2::Repository::discover(root).map_err(|e| {
        anyhow::anyhow!(
            "--staged: {} is not in a git repository ({}); run it inside the work tree the commit is made from",
            root.display(),
            e.message()
        )
    })?;
    let Some(workdir) = repo.workdir().map(Path::to_path_buf) else {
        bail!(
            "--staged: {} is a bare repository (it has no index to check)",
            root.display()
        );
    };
    out.evidence.git_repo = true;
    let projects = Projects::new(&workdir, Some(&workdir));
    let collector = Collector::new(matcher, &projects, opts.print_errors)
        .with_filters(&opts.filters)
        .with_archives(opts.archives.clone(), Arc::clone(archive_totals))
        .with_binaries(opts.binaries)
        .with_drops(opts.drops.clone());
    let (files, bytes) = history::staged(&repo, opts.max_file_size, &collector)?;
    out.suppressed.extend(collector.take_suppressed());
    let mut collected = collector.finish();
    // Nothing staged has left this machine yet: say so, and say to remove
    // it rather than to rotate it.
    for f in collected
        .findings
        .iter_mut()
        .filter(|f| f.kind == RuleKind::Secret)
    {
        f.staged = true;
        let situation = f.situation();
        f.why = match f.causes.first() {
            Some(c @ causes::Cause::EnvFileCommitted) => c.why_in(&situation).to_string(),
            _ => format!("staged, not committed yet; {}", f.why),
        };
        f.fix = causes::fix(&f.causes, &situation);
    }
    absorb(out, collected, files, bytes);
    Ok(())
}
