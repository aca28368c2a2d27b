//! Git history as an input: every blob of every commit reachable from every
//! ref, each unique blob read and scanned once.
//!
//! A key committed to git stays in every clone after the line is deleted, so
//! the tree scan alone misses the guide's second leak cause. Patch-based
//! scanners (`git log -p`) read each change and still miss content that first
//! appears in a merge's resolution; reading each *blob* once does not, and it
//! is cheaper: a file that is the same in 500 commits is one blob.
//!
//! The pass has three steps:
//! 1. [`enumerate`]: commits from every ref (branches, tags, remote-tracking
//!    refs, stash and its reflog, notes, a detached HEAD), parents before
//!    children, then each commit's tree. Every tree object is visited once
//!    (a subtree that did not change between commits has the same id), which
//!    yields the set of unique blobs with the commit and path where each was
//!    first seen (an introducing commit, because parents come first). For
//!    `--since`/`--range`, only blobs that a commit in the range introduces
//!    (not in any parent at the same path) count, merges included. In full
//!    mode the commits and trees are read ahead on every core, a batch of
//!    commits at a time ([`treeread`]); the walk over them stays ordered.
//! 2. [`scan_blobs`]: the blobs are read in parallel with rayon, one
//!    `git2::Repository` per worker (a handle is not `Sync`), and handed to
//!    the same [`Sink`] as working-tree files, so the matcher and causes are
//!    shared.
//! 3. [`locate`], only for blobs that produced findings: how many commits
//!    carry them, at which paths, and whether HEAD still does. Each tree is
//!    read once more, with its answer (which of the blobs it carries, at how
//!    many paths) memoised by tree id; paths are then listed top-down, at
//!    most [`MAX_PATHS_PER_BLOB`] per blob. Both walks keep their own stack
//!    (no depth limit) and stay bounded on crafted trees.
//!
//! [`staged`] is the pre-commit variant: the index against HEAD, and of a
//! modified file only the lines the commit adds.
//!
//! Everything goes through git2: the `git` binary is never run on a scanned
//! repository, because its config can make git execute commands.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use git2::{Commit, ObjectType, Oid, Repository};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::input::pack::Packs;
use crate::input::treegraph::{self, TreeGraph};
use crate::input::{CommitInfo, GitState, Origin, Sink, isolate, pack, treeread};
use crate::redact::redact_known_secrets;
use crate::text;
use crate::time::rfc3339;

/// Which commits the history pass covers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Scope {
    /// Every commit reachable from every ref.
    #[default]
    Full,
    /// `--since REV`: commits reachable from HEAD and not from REV.
    Since(String),
    /// `--range A..B`: commits reachable from B and not from A.
    Range(String),
    /// `--pre-push`: the commits the pushes send (see [`crate::hook::prepush`]).
    Push(Vec<crate::hook::prepush::Update>),
}

/// Open `root` if it *is* a repository: the top of a work tree, a linked
/// worktree, a bare repository or a git dir. A subdirectory of a work tree is
/// not one (its history is the whole repository's, which the user did not
/// ask for), and neither is a plain directory.
pub fn open_root(root: &Path) -> Option<Repository> {
    // `open` never searches parent directories and ignores GIT_DIR.
    let repo = Repository::open(root).ok()?;
    if let Some(workdir) = repo.workdir() {
        let same = match (workdir.canonicalize(), root.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        // Opened through the `.git` folder itself: scan it as a git dir.
        let is_git_dir = root
            .canonicalize()
            .ok()
            .zip(repo.path().canonicalize().ok())
            .is_some_and(|(a, b)| a == b);
        if !same && !is_git_dir {
            return None;
        }
    }
    Some(repo)
}

/// Whether `root` is a git dir or bare repository (nothing to walk as files).
pub fn is_git_dir(repo: &Repository, root: &Path) -> bool {
    repo.is_bare()
        || root
            .canonicalize()
            .ok()
            .zip(repo.path().canonicalize().ok())
            .is_some_and(|(a, b)| a == b)
}

/// Maps and sets keyed by object ids, on the per-entry path of the walk:
/// ids are SHA-1 output, so foldhash's fast hash does the job of SipHash at
/// a fraction of the cost.
pub use super::idmap::{IdMap, IdSet};

/// A unique blob and where it was first seen.
#[derive(Clone, Debug)]
pub struct BlobEntry {
    pub id: Oid,
    /// Path in the first commit that has it, `/`-separated.
    pub path: String,
    /// Index into [`BlobSet::commits`].
    pub commit: u32,
}

/// Put before a commit message when hashing it to identify it.
const MESSAGE_PREFIX: &[u8] = b"jikimi: commit message\0";

/// A unique commit message.
#[derive(Clone, Debug)]
pub struct Message {
    /// Where its findings are reported: `commit 1a2b3c4d5e message`.
    pub path: String,
    /// Scanned commits with exactly this message.
    pub commits: usize,
}

/// The result of [`enumerate`].
#[derive(Debug, Default)]
pub struct BlobSet {
    /// Unique blobs, in first-seen order (oldest commits first).
    pub blobs: Vec<BlobEntry>,
    /// Blob id → index in `blobs`.
    pub index: IdMap<u32>,
    /// Commits that first showed at least one blob or a new message.
    pub commits: Vec<Arc<CommitInfo>>,
    /// Root tree of every enumerated commit (for [`locate`]).
    pub commit_trees: Vec<Oid>,
    /// Trees and blobs that refs point at directly (no commit), with the ref.
    pub loose_roots: Vec<(String, Oid, ObjectType)>,
    /// Submodule paths (gitlinks): not followed.
    pub submodules: BTreeSet<String>,
    /// Unique commit messages, scanned during [`enumerate`], by an id of
    /// their text (not an object of the repository): what findings in a
    /// message carry as their blob id.
    pub messages: IdMap<Message>,
    /// The repository is a shallow clone: history before the cut is absent.
    pub truncated: bool,
    /// The packs of the repository and its alternates, surveyed once:
    /// objects whose delta chain loops are never handed to libgit2.
    pub packs: Arc<Packs>,
    /// The trees the full walk entered, for [`locate`] (not kept in range
    /// mode, whose walk skips what the parents have).
    pub graph: Option<TreeGraph>,
}

/// A commit object larger than this is not read: no one writes a commit
/// message of this size, and libgit2 would hold all of it in memory.
pub const MAX_COMMIT_BYTES: u64 = 64 << 20;

/// A tree object larger than this is not read: a directory of a million
/// files is about 40 MiB; libgit2 would hold all of it in memory.
pub const MAX_TREE_BYTES: u64 = 64 << 20;

/// Whether libgit2 may read the tree `id` (see [`Packs::check`]).
fn readable(packs: &Packs, id: Oid) -> Result<(), String> {
    packs.check(id, MAX_TREE_BYTES, "tree")
}

/// Whether libgit2 may read the commit `id`: [`Packs::check`] with
/// [`MAX_COMMIT_BYTES`].
fn readable_commit(packs: &Packs, id: Oid) -> Result<(), String> {
    packs
        .check(id, MAX_COMMIT_BYTES, "commit")
        .map_err(|e| format!("{e}; its parents are not walked"))
}

/// The commit `id` names once peeled through tags, each object checked
/// before libgit2 reads it (the `--pre-push` hook's refs, `--since`).
pub fn commit_at(repo: &Repository, packs: &Packs, id: Oid) -> Result<Oid, String> {
    match peel(repo, packs, id)? {
        (id, ObjectType::Commit) => {
            readable_commit(packs, id)?;
            Ok(id)
        }
        (_, k) => Err(format!("it names a {}, not a commit", k.str())),
    }
}

/// Counters of the blob pass.
#[derive(Debug, Default)]
pub struct HistoryTotals {
    pub blobs: AtomicU64,
    pub bytes: AtomicU64,
    /// Too large for `--max-file-size`.
    pub too_large: AtomicU64,
    /// Not decoded: the history pass's decoding budget was spent.
    pub cut: AtomicU64,
}

/// A progress display on stderr, or nothing (not a terminal, `-q`).
pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    bytes: AtomicU64,
}

impl Progress {
    pub fn new(enabled: bool) -> Progress {
        let bar = enabled.then(|| {
            let pb = ProgressBar::new_spinner();
            pb.set_style(
                ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            pb.enable_steady_tick(Duration::from_millis(120));
            pb
        });
        Progress {
            bar,
            started: Instant::now(),
            bytes: AtomicU64::new(0),
        }
    }

    fn enumerating(&self, commits: usize, blobs: usize) {
        if let Some(pb) = &self.bar {
            pb.set_message(format!(
                "git history: {commits} commits, {blobs} unique blobs"
            ));
        }
    }

    fn start_blobs(&self, total: usize) {
        if let Some(pb) = &self.bar {
            pb.set_length(total as u64);
            pb.set_position(0);
            pb.set_style(
                ProgressStyle::with_template(
                    "{spinner} scanning blobs [{bar:30}] {pos}/{len} {msg} (eta {eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
        }
    }

    fn blob_done(&self, bytes: u64) {
        if let Some(pb) = &self.bar {
            let total = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
            pb.inc(1);
            if pb.position() % 64 == 0 {
                let secs = self.started.elapsed().as_secs_f64().max(0.001);
                let mib = total as f64 / (1024.0 * 1024.0);
                pb.set_message(format!("{mib:.0} MiB, {:.0} MiB/s", mib / secs));
            }
        }
    }

    pub fn finish(&self) {
        if let Some(pb) = &self.bar {
            pb.finish_and_clear();
        }
    }
}

/// With `JIKIMI_TIMINGS` set, the history pass prints how long each of its
/// steps took to stderr (for profiling; not a stable output).
///
/// Each line also gives the process's CPU time (user + system, all threads)
/// since the previous line, and that over the wall time: how many cores the
/// step kept busy.
fn timing(step: &str, since: Instant) {
    if std::env::var_os("JIKIMI_TIMINGS").is_some() {
        static LAST_CPU: std::sync::Mutex<Option<f64>> = std::sync::Mutex::new(None);
        let wall = since.elapsed().as_secs_f64();
        let cpu = process_cpu_seconds();
        let mut last = LAST_CPU.lock().unwrap_or_else(|e| e.into_inner());
        let spent = match (cpu, *last) {
            (Some(now), Some(before)) => Some(now - before),
            (Some(now), None) => Some(now),
            _ => None,
        };
        *last = cpu;
        match spent {
            Some(c) if wall > 0.0 => eprintln!(
                "jikimi timing: {step}: {wall:.2} s, {c:.2} s CPU ({:.0}%)",
                100.0 * c / wall
            ),
            _ => eprintln!("jikimi timing: {step}: {wall:.2} s"),
        }
    }
}

/// User + system time of this process so far, from `/proc/self/stat`
/// (Linux; `None` elsewhere). Clock ticks are taken as 100 a second, the
/// value on every Linux this runs on.
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')')?.1;
    let mut fields = after.split_ascii_whitespace();
    // Fields 3.. follow; utime and stime are fields 14 and 15.
    let utime: f64 = fields.nth(11)?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A commit as reported. Its summary and author are shown by every report
/// format, so a key pasted into them is redacted here, once, with the
/// secret shapes the built-in rules know (the message itself is scanned as
/// an input, see [`Enumerator::message`], and its keys are findings).
pub fn commit_info(c: &Commit<'_>) -> CommitInfo {
    let a = c.author();
    info_of(
        c.id(),
        a.name_bytes(),
        a.email_bytes(),
        a.when().seconds(),
        c.message_bytes(),
    )
}

/// [`commit_info`] from a commit's parts (one read ahead by a worker:
/// redacting is left until a commit is shown, most never are).
pub fn info_of(id: Oid, name: &[u8], email: &[u8], when: i64, message: &[u8]) -> CommitInfo {
    let shown = |b: &[u8]| redact_known_secrets(&String::from_utf8_lossy(bounded(b)));
    CommitInfo {
        id: id.to_string(),
        author_name: shown(name),
        author_email: shown(email),
        date: rfc3339(when),
        summary: shown(&summary(message)),
    }
}

/// At most this many bytes of a commit's summary, author name or email
/// are shown (a crafted commit can make each a gigabyte).
const MAX_SHOWN: usize = 4096;

fn bounded(b: &[u8]) -> &[u8] {
    b.get(..MAX_SHOWN).unwrap_or(b)
}

/// A message's summary as git shows it (its first paragraph, lines joined
/// by spaces), from at most [`MAX_SHOWN`] bytes.
fn summary(msg: &[u8]) -> Vec<u8> {
    let start = msg
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(msg.len());
    let msg = bounded(msg.get(start..).unwrap_or(&[]));
    let end = memchr::memmem::find(msg, b"\n\n").unwrap_or(msg.len());
    let mut out: Vec<u8> = msg
        .get(..end)
        .unwrap_or(msg)
        .iter()
        .map(|&c| if c == b'\n' { b' ' } else { c })
        .collect();
    while out.last().is_some_and(u8::is_ascii_whitespace) {
        out.pop();
    }
    out
}

/// Commits listed in `.git/shallow`: their parents are not in the clone.
fn shallow_roots(repo: &Repository) -> IdSet {
    crate::input::fsread::read_small_string(&repo.path().join("shallow"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| Oid::from_str(l.trim()).ok())
        .collect()
}

/// Resolve a revision to a commit, or say clearly that it does not exist.
///
/// libgit2's revparse reads every object it meets, so a ref at a commit
/// whose delta chain loops would hang it: the usual forms are resolved here,
/// each object checked first ([`Packs::check`]): a full or abbreviated id,
/// a ref name as git reads it (`main`, `origin/main`, `v1.2.0`, `HEAD`),
/// followed by `~N`, `^N`, `^{commit}` or `^{}`. Other forms (`@{1}`,
/// `:/text`) go to libgit2 only when no object of the repository is unsafe.
fn resolve_commit(repo: &Repository, packs: &Packs, rev: &str, flag: &str) -> Result<Oid> {
    let missing = |why: &str| {
        anyhow!(
            "{flag}: revision '{rev}' not found in this repository ({why}); give a branch, tag or commit id that exists here (in CI, fetch it first)"
        )
    };
    let unreadable = |why: String| anyhow!("{flag}: revision '{rev}' cannot be read ({why})");
    let cut = rev.find(['~', '^']).unwrap_or(rev.len());
    let (base, ops) = rev.split_at_checked(cut).unwrap_or((rev, ""));
    let Some(steps) = rev_steps(ops) else {
        return revparse_fallback(repo, packs, rev, flag, &missing);
    };
    let hex = !base.is_empty() && base.len() <= 40 && base.bytes().all(|c| c.is_ascii_hexdigit());
    let id = if hex && base.len() == 40 {
        Oid::from_str(base).ok()
    } else {
        None
    };
    let id = match id {
        Some(id) => id,
        None => match repo
            .resolve_reference_from_short_name(base)
            .and_then(|r| r.resolve())
        {
            Ok(r) => r.target().ok_or_else(|| missing("a ref to nothing"))?,
            Err(_) if hex && base.len() >= 4 => {
                let short = Oid::from_str(base).map_err(|e| missing(e.message()))?;
                repo.odb()
                    .and_then(|o| o.exists_prefix(short, base.len()))
                    .map_err(|e| missing(e.message()))?
            }
            Err(_) => return revparse_fallback(repo, packs, rev, flag, &missing),
        },
    };
    let mut id = commit_at(repo, packs, id).map_err(unreadable)?;
    // (n-th parent, times): `~N` is the first parent N times, `^N` the
    // N-th parent once, `^0` the commit itself.
    for (nth, times) in steps {
        for _ in 0..times {
            if nth == 0 {
                break;
            }
            readable_commit(packs, id).map_err(unreadable)?;
            let c = repo
                .find_commit(id)
                .map_err(|e| unreadable(e.message().to_string()))?;
            id = c
                .parent_id(nth - 1)
                .map_err(|_| missing("it has no such parent"))?;
        }
    }
    readable_commit(packs, id).map_err(unreadable)?;
    Ok(id)
}

/// The `~N`, `^N`, `^{commit}` and `^{}` suffixes of a revision, as
/// (n-th parent, times); `None` for anything else.
fn rev_steps(mut ops: &str) -> Option<Vec<(usize, usize)>> {
    let mut out = Vec::new();
    while let Some(c) = ops.chars().next() {
        ops = ops.get(1..)?;
        if c == '^' && (ops.starts_with("{commit}") || ops.starts_with("{}")) {
            let close = ops.find('}')?;
            ops = ops.get(close + 1..)?;
            continue;
        }
        let digits = ops.bytes().take_while(u8::is_ascii_digit).count();
        let (num, rest) = ops.split_at_checked(digits)?;
        ops = rest;
        let n: usize = if num.is_empty() { 1 } else { num.parse().ok()? };
        match c {
            '~' => out.push((1, n)),
            '^' => out.push((n, 1)),
            _ => return None,
        }
    }
    Some(out)
}

/// A revision of another form, through libgit2's revparse, which reads
/// objects unchecked: only when the pack survey found no unsafe object.
fn revparse_fallback(
    repo: &Repository,
    packs: &Packs,
    rev: &str,
    flag: &str,
    missing: &dyn Fn(&str) -> anyhow::Error,
) -> Result<Oid> {
    if packs.unsafe_count() > 0 {
        bail!(
            "{flag}: revision '{rev}' is not resolved in this repository: it holds objects whose delta chains loop, and only a branch, a tag or a commit id (with ~N or ^N) is resolved safely there"
        );
    }
    let obj = repo
        .revparse_single(rev)
        .map_err(|e| missing(e.message()))?;
    let commit = obj
        .peel_to_commit()
        .map_err(|_| anyhow!("{flag}: '{rev}' does not name a commit"))?;
    Ok(commit.id())
}

/// Every commit reachable from `tips`, parents before children (a
/// topological order), skipping `hidden` ones and not crossing shallow
/// roots. Commits that cannot be read are reported once and skipped, so a
/// damaged object cuts one branch of the walk, not the scan.
fn walk_commits(
    repo: &Repository,
    packs: &Packs,
    tips: &[Oid],
    hidden: &IdSet,
    shallow: &IdSet,
    sink: &dyn Sink,
    mut on_emit: impl FnMut(Oid, Vec<Oid>),
) -> IdSet {
    let mut visited: IdSet = IdSet::default();
    // (commit, parents once expanded)
    let mut stack: Vec<(Oid, Option<Vec<Oid>>)> = tips.iter().rev().map(|&t| (t, None)).collect();
    while let Some((id, parents)) = stack.pop() {
        match parents {
            Some(p) => on_emit(id, p),
            None => {
                if hidden.contains(&id) || !visited.insert(id) {
                    continue;
                }
                if let Err(why) = readable_commit(packs, id) {
                    sink.error(&format!("commit {id}"), &why);
                    continue;
                }
                let commit = match repo.find_commit(id) {
                    Ok(c) => c,
                    Err(e) => {
                        sink.error(
                            &format!("commit {id}"),
                            &format!("cannot read it ({})", e.message()),
                        );
                        continue;
                    }
                };
                let parents: Vec<Oid> = if shallow.contains(&id) {
                    Vec::new()
                } else {
                    commit.parent_ids().collect()
                };
                stack.push((id, Some(parents.clone())));
                // First parent on top: the main line is emitted first.
                for p in parents.into_iter().rev() {
                    if !visited.contains(&p) && !hidden.contains(&p) {
                        stack.push((p, None));
                    }
                }
            }
        }
    }
    visited
}

/// The refs' tips: HEAD first, then every ref in name order, then stash
/// reflog entries. Refs that point at a tree or blob are returned apart.
fn tips(
    repo: &Repository,
    packs: &Packs,
    sink: &dyn Sink,
) -> (Vec<Oid>, Vec<(String, Oid, ObjectType)>) {
    let mut commits = Vec::new();
    let mut loose = Vec::new();
    if let Ok(head) = repo.head()
        && let Some(id) = head.resolve().ok().and_then(|h| h.target())
        && let Ok((id, ObjectType::Commit)) = peel(repo, packs, id)
    {
        commits.push(id);
    }
    let mut refs: Vec<(String, Peeled)> = Vec::new();
    // Many refs name one object (a million tags of one commit): each
    // object is peeled once.
    let mut peeled: IdMap<Peeled> = IdMap::default();
    match repo.references() {
        Ok(iter) => {
            for r in iter {
                match r {
                    Ok(r) => {
                        let name = ref_name(r.name_bytes());
                        // A direct ref names its object; only a symbolic one
                        // needs resolving (a lookup by name per ref).
                        let resolved = match r.target() {
                            Some(_) => Ok(r),
                            None => r.resolve(),
                        };
                        let obj = match resolved {
                            Ok(r) => match r.target() {
                                Some(id) => peeled
                                    .entry(id)
                                    .or_insert_with(|| peel(repo, packs, id))
                                    .clone(),
                                None => Err("a symbolic ref to nothing".into()),
                            },
                            Err(e) => Err(text::head(e.message(), MAX_REF_NAME).to_string()),
                        };
                        refs.push((name, obj));
                    }
                    Err(e) => sink.error(
                        "refs",
                        &format!(
                            "cannot read a ref ({})",
                            text::head(e.message(), MAX_REF_NAME)
                        ),
                    ),
                }
            }
        }
        Err(e) => sink.error("refs", &format!("cannot list refs ({})", e.message())),
    }
    refs.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, obj) in refs {
        match obj {
            Ok((id, kind)) => match kind {
                ObjectType::Commit => commits.push(id),
                k @ (ObjectType::Tree | ObjectType::Blob) => loose.push((name, id, k)),
                _ => {}
            },
            Err(e) => sink.error(&name, &format!("ref points at nothing readable ({e})")),
        }
    }
    // Older stashes live only in the stash reflog.
    if let Ok(log) = repo.reflog("refs/stash") {
        commits.extend(log.iter().map(|e| e.id_new()));
    }
    // Each tip once, in first-seen order.
    let mut seen = HashSet::new();
    commits.retain(|c| seen.insert(*c));
    (commits, loose)
}

/// At most this many bytes of a ref's name are shown (git allows names of
/// any length; a crafted one of a megabyte must not be printed whole).
const MAX_REF_NAME: usize = 1024;

fn ref_name(b: &[u8]) -> String {
    if b.len() <= MAX_REF_NAME {
        return lossy(b);
    }
    format!(
        "{}… ({} bytes)",
        String::from_utf8_lossy(bounded_to(b, MAX_REF_NAME)),
        b.len()
    )
}

fn bounded_to(b: &[u8], n: usize) -> &[u8] {
    b.get(..n).unwrap_or(b)
}

/// What a ref names once peeled, or why it could not be read.
type Peeled = Result<(Oid, ObjectType), String>;

/// Peel `id` through annotated tags to what it finally names, reading
/// nothing that [`readable`] refuses.
fn peel(repo: &Repository, packs: &Packs, mut id: Oid) -> Peeled {
    // A chain of tags longer than this is crafted (git stops at 32 too).
    let odb = repo.odb().map_err(|e| e.message().to_string())?;
    for _ in 0..32 {
        packs.check(id, u64::MAX, "object")?;
        // The type from the header: a commit is not read here (it can be
        // a gigabyte; the walk decides whether to read it).
        let (size, kind) = odb
            .read_header(id)
            .map_err(|e| text::head(e.message(), MAX_REF_NAME).to_string())?;
        match kind {
            ObjectType::Tag if size as u64 > MAX_COMMIT_BYTES => {
                return Err(format!("a tag of {size} bytes, not read"));
            }
            ObjectType::Tag => packs.check(id, MAX_COMMIT_BYTES, "tag")?,
            ObjectType::Commit | ObjectType::Tree | ObjectType::Blob => return Ok((id, kind)),
            _ => return Err("an object of no known type".into()),
        }
        let obj = repo
            .find_object(id, None)
            .map_err(|e| e.message().to_string())?;
        match obj.kind() {
            Some(ObjectType::Tag) => match obj.as_tag() {
                Some(t) => id = t.target_id(),
                None => return Err("an unreadable tag".into()),
            },
            Some(k) => return Ok((id, k)),
            None => return Err("an object of no known type".into()),
        }
    }
    Err("a chain of more than 32 tags".into())
}

/// Collects blobs while trees are visited.
struct Enumerator<'r, 's> {
    repo: &'r Repository,
    packs: Arc<Packs>,
    /// `--max-file-size`: how much of a commit message is scanned.
    max: u64,
    sink: &'s dyn Sink,
    set: BlobSet,
    seen_trees: IdSet,
}

impl Enumerator<'_, '_> {
    /// Scan the message of `commit`, unless an earlier commit had the same
    /// one (a cherry-pick, a revert's boilerplate, "wip"): a key pasted in a
    /// message is in every clone, like one in a file. Findings are reported
    /// at `commit <short id> message`, line 1 being the summary.
    fn message(&mut self, commit: &Commit<'_>, slot: &mut Option<u32>) {
        self.message_of(
            commit.id(),
            commit.message_bytes(),
            || commit_info(commit),
            slot,
        );
    }

    /// [`Self::message`] for a commit read ahead ([`treeread::CommitRead`]):
    /// `info` gives what reports show of it, when it is first needed.
    fn message_of(
        &mut self,
        commit_id: Oid,
        msg: &[u8],
        info: impl FnOnce() -> CommitInfo,
        slot: &mut Option<u32>,
    ) {
        // Hashed with a prefix, so that the id is no blob's: a file whose
        // content is the same text stays a separate target for `locate`.
        // (The id of a blob holding the prefix and the message, hashed
        // without copying a message that can be huge.)
        let id = {
            use sha1::{Digest, Sha1};
            let mut h = Sha1::new();
            h.update(format!("blob {}\0", MESSAGE_PREFIX.len() + msg.len()).as_bytes());
            h.update(MESSAGE_PREFIX);
            h.update(msg);
            let digest: [u8; 20] = h.finalize().into();
            match Oid::from_bytes(&digest) {
                Ok(id) => id,
                Err(_) => return,
            }
        };
        if let Some(m) = self.set.messages.get_mut(&id) {
            m.commits += 1;
            return;
        }
        let path = format!("commit {} message", short(commit_id));
        let c = *slot.get_or_insert_with(|| {
            self.set.commits.push(Arc::new(info()));
            (self.set.commits.len() - 1) as u32
        });
        let origin = Origin::GitBlob {
            path: path.clone(),
            blob: id.to_string(),
            commit: self.set.commits[c as usize].clone(),
        };
        let sink = self.sink;
        let scanned = msg
            .get(..usize::try_from(self.max).unwrap_or(usize::MAX))
            .unwrap_or(msg);
        if scanned.len() < msg.len() {
            sink.skipped(
                &path,
                &format!(
                    "too large ({} bytes > --max-file-size {}): only the first {} bytes of the message were scanned",
                    msg.len(),
                    self.max,
                    self.max
                ),
            );
        }
        isolate::isolated(&path, sink, || sink.blob(&origin, scanned));
        self.set.messages.insert(id, Message { path, commits: 1 });
    }

    /// Visit `tree` (under `prefix`) and record blobs not seen before. With
    /// `parents` (range mode: the same place in each parent commit), blobs
    /// and subtrees a parent has at the same path are not new.
    fn visit(&mut self, tree: Oid, parents: Vec<Oid>, commit: &Commit<'_>, slot: &mut Option<u32>) {
        let mut stack: Vec<(Oid, Vec<Oid>, String)> = vec![(tree, parents, String::new())];
        while let Some((tid, parent_ids, prefix)) = stack.pop() {
            if parent_ids.contains(&tid) || !self.seen_trees.insert(tid) {
                continue;
            }
            let t = match readable(&self.packs, tid).and_then(|_| {
                self.repo
                    .find_tree(tid)
                    .map_err(|e| format!("cannot read it ({})", e.message()))
            }) {
                Ok(t) => t,
                Err(e) => {
                    let at = if prefix.is_empty() { "/" } else { &prefix };
                    self.sink
                        .error(&format!("tree {tid} ({at} in commit {})", commit.id()), &e);
                    continue;
                }
            };
            let parent_trees: Vec<git2::Tree<'_>> = parent_ids
                .iter()
                .filter(|p| readable(&self.packs, **p).is_ok())
                .filter_map(|p| self.repo.find_tree(*p).ok())
                .collect();
            for e in t.iter() {
                let name = e.name_bytes();
                let id = e.id();
                // Nothing is allocated for an entry already seen: the path
                // is built only for a new blob or a tree to enter.
                let in_parents: Vec<(Oid, Option<ObjectType>)> = if parent_trees.is_empty() {
                    Vec::new()
                } else {
                    parent_trees
                        .iter()
                        .filter_map(|pt| pt.get_name_bytes(name).map(|pe| (pe.id(), pe.kind())))
                        .collect()
                };
                if in_parents.iter().any(|(pid, _)| *pid == id) {
                    continue;
                }
                let path = |prefix: &str| {
                    let name = String::from_utf8_lossy(name);
                    let mut p = String::with_capacity(prefix.len() + name.len() + 1);
                    p.push_str(prefix);
                    p.push_str(&name);
                    p
                };
                match e.kind() {
                    Some(ObjectType::Blob) => {
                        if self.set.index.contains_key(&id) {
                            continue;
                        }
                        let c = *slot.get_or_insert_with(|| {
                            self.set.commits.push(Arc::new(commit_info(commit)));
                            (self.set.commits.len() - 1) as u32
                        });
                        self.set.index.insert(id, self.set.blobs.len() as u32);
                        self.set.blobs.push(BlobEntry {
                            id,
                            path: path(&prefix),
                            commit: c,
                        });
                    }
                    Some(ObjectType::Tree) => {
                        // Each unique tree is entered once: one already
                        // visited is skipped before its path is built.
                        if parent_trees.is_empty() && self.seen_trees.contains(&id) {
                            continue;
                        }
                        let sub_parents = in_parents
                            .iter()
                            .filter(|(_, k)| *k == Some(ObjectType::Tree))
                            .map(|(pid, _)| *pid)
                            .collect();
                        let mut sub = path(&prefix);
                        sub.push('/');
                        stack.push((id, sub_parents, sub));
                    }
                    Some(ObjectType::Commit) => {
                        self.set.submodules.insert(path(&prefix));
                    }
                    _ => {}
                }
            }
        }
    }
}

impl Enumerator<'_, '_> {
    /// [`Self::visit`] in full mode (no parents to compare with), over
    /// trees the workers read ahead ([`treeread::Batch`]): the same order,
    /// the same first commit and path for each blob, the same errors. A
    /// tree no worker read (a worker could not open the repository) is
    /// read here.
    fn visit_read(
        &mut self,
        tree: Oid,
        batch: &mut treeread::Batch,
        commit: &treeread::CommitRead,
        slot: &mut Option<u32>,
    ) {
        let mut stack: Vec<(Oid, String)> = vec![(tree, String::new())];
        while let Some((tid, prefix)) = stack.pop() {
            if !self.seen_trees.insert(tid) {
                continue;
            }
            let read = batch
                .take(tid)
                .unwrap_or_else(|| treeread::read_tree(self.repo, &self.packs, tid));
            // Recorded for `locate` (a tree that cannot be read carries
            // nothing there either).
            let graph = self.set.graph.get_or_insert_with(TreeGraph::default);
            graph.begin(tid);
            let raw = match read {
                Ok(raw) => raw,
                Err(e) => {
                    graph.end();
                    let at = if prefix.is_empty() { "/" } else { &prefix };
                    self.sink
                        .error(&format!("tree {tid} ({at} in commit {})", commit.id), &e);
                    continue;
                }
            };
            // Valid: `read_tree` checked it (a tree that is not is an error).
            for e in treeread::iter(&raw) {
                let id = e.id;
                // Nothing is allocated for an entry already seen: the path
                // is built only for a new blob or a tree to enter.
                let path = |prefix: &str| {
                    let name = String::from_utf8_lossy(e.name);
                    let mut p = String::with_capacity(prefix.len() + name.len() + 1);
                    p.push_str(prefix);
                    p.push_str(&name);
                    p
                };
                match e.kind {
                    ObjectType::Blob => {
                        if let Some(&b) = self.set.index.get(&id) {
                            graph.push_named(treegraph::Entry::Blob(b), e.name);
                            continue;
                        }
                        graph.push_named(
                            treegraph::Entry::Blob(self.set.blobs.len() as u32),
                            e.name,
                        );
                        let c = *slot.get_or_insert_with(|| {
                            self.set.commits.push(Arc::new(commit.info()));
                            (self.set.commits.len() - 1) as u32
                        });
                        self.set.index.insert(id, self.set.blobs.len() as u32);
                        self.set.blobs.push(BlobEntry {
                            id,
                            path: path(&prefix),
                            commit: c,
                        });
                    }
                    ObjectType::Tree => {
                        graph.push_tree_named(id, e.name);
                        if self.seen_trees.contains(&id) {
                            continue;
                        }
                        let mut sub = path(&prefix);
                        sub.push('/');
                        stack.push((id, sub));
                    }
                    ObjectType::Commit => {
                        self.set.submodules.insert(path(&prefix));
                    }
                    _ => {}
                }
            }
            graph.end();
        }
    }
}

/// Commits whose trees the workers read at once: enough that both cores
/// stay busy, few enough that the trees waiting for the walk stay small.
const READ_BATCH: usize = 256;

/// libgit2 maps pack files in windows of 1 GiB and keeps up to 8 GiB
/// mapped (64-bit defaults): the tree walk touches the whole pack, so a
/// large history's pack ends up resident in jikimi's memory (300 MiB of
/// the rails mirror's peak RSS). Smaller windows, fewer kept: libgit2
/// unmaps the least recently used ones, and the pages stay in the page
/// cache for the next read. Set once, before the first history walk.
fn limit_pack_mapping() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: these are two `size_t` globals of libgit2 that it reads
        // under its window lock when it opens a window; git2 marks the
        // setters unsafe because the write itself is not synchronised. It
        // happens once per process, before any history walk of this
        // process reads a pack (like `strict_hash_verification` just
        // before it, which git2 exposes as safe).
        #[allow(unsafe_code)]
        unsafe {
            let _ = git2::opts::set_mwindow_size(PACK_WINDOW);
            let _ = git2::opts::set_mwindow_mapped_limit(PACK_MAPPED);
        }
    });
}

/// See [`limit_pack_mapping`].
const PACK_WINDOW: usize = 32 << 20;
const PACK_MAPPED: usize = 128 << 20;

/// Enumerate the commits of `scope` and the unique blobs they carry.
pub fn enumerate(
    repo: &Repository,
    scope: &Scope,
    max: u64,
    sink: &dyn Sink,
    progress: &Progress,
) -> Result<BlobSet> {
    // libgit2 keeps every parsed commit and small tree in a per-handle
    // cache; this pass reads each tree once, so the cache only costs memory
    // that grows with history (about 90 MiB for 5,000 commits).
    git2::opts::enable_caching(false);
    // libgit2 re-hashes (SHA-1DC) every commit and tree it reads to check it
    // against its id: a third of the walk's cost on large histories. The
    // walk does not need that trust: every tree is entered once (a tree
    // that lists itself is not followed twice), libgit2 still rejects
    // objects that do not inflate or parse, jikimi's pack survey still
    // keeps it off looping delta chains and oversized objects, and blobs
    // jikimi decodes itself are still checked against their ids.
    // (Process-wide setting.)
    git2::opts::strict_hash_verification(false);
    limit_pack_mapping();
    let shallow = shallow_roots(repo);
    // Before libgit2 reads any object: which objects it must not read.
    let t = Instant::now();
    let packs = Arc::new(Packs::open(&repo.commondir().join("objects")));
    timing("pack survey", t);
    let t = Instant::now();
    let (tips, hidden, range_mode, loose) = match scope {
        Scope::Full => {
            let (t, loose) = tips(repo, &packs, sink);
            (t, IdSet::default(), false, loose)
        }
        Scope::Since(rev) => {
            let base = resolve_commit(repo, &packs, rev, "--since")?;
            let head = repo
                .head()
                .and_then(|h| h.resolve())
                .map_err(|e| e.message().to_string())
                .and_then(|h| h.target().ok_or_else(|| "a ref to nothing".to_string()))
                .and_then(|id| commit_at(repo, &packs, id))
                .map_err(|e| anyhow!("--since: HEAD has no readable commit ({e})"))?;
            let hidden = walk_commits(
                repo,
                &packs,
                &[base],
                &IdSet::default(),
                &shallow,
                sink,
                |_, _| {},
            );
            (vec![head], hidden, true, Vec::new())
        }
        Scope::Range(spec) => {
            let (a, b) = spec
                .split_once("..")
                .filter(|(_, b)| !b.starts_with('.'))
                .ok_or_else(|| {
                    anyhow!("--range: '{spec}' is not A..B (two dots, e.g. origin/main..HEAD)")
                })?;
            let a = if a.is_empty() { "HEAD" } else { a };
            let b = if b.is_empty() { "HEAD" } else { b };
            let from = resolve_commit(repo, &packs, a, "--range")?;
            let to = resolve_commit(repo, &packs, b, "--range")?;
            let hidden = walk_commits(
                repo,
                &packs,
                &[from],
                &IdSet::default(),
                &shallow,
                sink,
                |_, _| {},
            );
            (vec![to], hidden, true, Vec::new())
        }
        Scope::Push(updates) => {
            let (tips, bases) = crate::hook::prepush::tips_and_bases(repo, updates, &|id| {
                commit_at(repo, &packs, id).ok()
            })?;
            let hidden = walk_commits(
                repo,
                &packs,
                &bases,
                &IdSet::default(),
                &shallow,
                sink,
                |_, _| {},
            );
            (tips, hidden, true, Vec::new())
        }
    };
    let mut order: Vec<(Oid, Vec<Oid>)> = Vec::new();
    walk_commits(
        repo,
        &packs,
        &tips,
        &hidden,
        &shallow,
        sink,
        |id, parents| {
            order.push((id, parents));
            if order.len() % 256 == 0 {
                progress.enumerating(order.len(), 0);
            }
        },
    );
    let mut en = Enumerator {
        repo,
        packs: Arc::clone(&packs),
        max,
        sink,
        set: BlobSet {
            truncated: !shallow.is_empty() || repo.is_shallow(),
            packs: Arc::clone(&packs),
            ..BlobSet::default()
        },
        seen_trees: IdSet::default(),
    };
    timing("tips and commit walk", t);
    let t = Instant::now();
    if range_mode {
        walk_trees_range(&mut en, &order, progress);
    } else {
        walk_trees_full(&mut en, &order, progress);
    }
    timing("tree walk", t);
    for (name, id, kind) in loose {
        // A ref straight at a tree or blob (rare; `git tag t <tree>`): no
        // commit to show, so the ref stands in for one.
        let info = Arc::new(CommitInfo {
            id: String::new(),
            author_name: String::new(),
            author_email: String::new(),
            date: String::new(),
            summary: redact_known_secrets(&format!(
                "{name} points at a {} (no commit)",
                kind.str()
            )),
        });
        en.set.commits.push(info);
        let c = (en.set.commits.len() - 1) as u32;
        match kind {
            ObjectType::Blob => {
                if !en.set.index.contains_key(&id) {
                    en.set.index.insert(id, en.set.blobs.len() as u32);
                    en.set.blobs.push(BlobEntry {
                        id,
                        path: name.clone(),
                        commit: c,
                    });
                }
            }
            _ => visit_loose_tree(&mut en, id, c),
        }
    }
    progress.enumerating(order.len(), en.set.blobs.len());
    Ok(en.set)
}

/// The trees of `order` in range mode: a blob is new when no parent has it
/// at the same path; parents outside the range count (they are the base).
/// Read here, one tree after the other (a range is short).
fn walk_trees_range(en: &mut Enumerator<'_, '_>, order: &[(Oid, Vec<Oid>)], progress: &Progress) {
    let repo = en.repo;
    for (n, (id, parents)) in order.iter().enumerate() {
        let commit = match repo.find_commit(*id) {
            Ok(c) => c,
            Err(_) => continue, // reported by the walk
        };
        let tree = commit.tree_id();
        en.set.commit_trees.push(tree);
        let parent_trees: Vec<Oid> = parents
            .iter()
            .filter(|p| readable_commit(&en.packs, **p).is_ok())
            .filter_map(|p| repo.find_commit(*p).ok().map(|c| c.tree_id()))
            .collect();
        let mut slot = None;
        en.message(&commit, &mut slot);
        en.visit(tree, parent_trees, &commit, &mut slot);
        if n % 64 == 0 {
            progress.enumerating(n + 1, en.set.blobs.len());
        }
    }
}

/// The trees of `order` in full mode: [`READ_BATCH`] commits at a time, the
/// workers read the commits and their new trees ([`treeread::read_batch`]),
/// then the walk visits them in order.
fn walk_trees_full(en: &mut Enumerator<'_, '_>, order: &[(Oid, Vec<Oid>)], progress: &Progress) {
    let git_dir = en.repo.path().to_path_buf();
    let packs = Arc::clone(&en.packs);
    let claimed = treeread::Claimed::default();
    let ids_of = |chunk: &[(Oid, Vec<Oid>)]| chunk.iter().map(|(id, _)| *id).collect::<Vec<_>>();
    let read = |chunk: &[(Oid, Vec<Oid>)]| {
        treeread::read_batch(&git_dir, &packs, &ids_of(chunk), &claimed)
    };
    let chunks: Vec<&[(Oid, Vec<Oid>)]> = order.chunks(READ_BATCH).collect();
    let mut next = chunks.first().map(|c| read(c));
    let mut done = 0;
    for (k, chunk) in chunks.iter().enumerate() {
        let Some(mut batch) = next.take() else { break };
        // The next batch is read (by the other workers) while this one is
        // walked here. In place: the walk needs this thread's repository
        // handle; with one worker, the reading runs when the walk is done.
        let mut ahead: Option<treeread::Batch> = None;
        rayon::in_place_scope(|s| {
            if let Some(c) = chunks.get(k + 1) {
                let (slot, read) = (&mut ahead, &read);
                s.spawn(move |_| *slot = Some(read(c)));
            }
            let commits = std::mem::take(&mut batch.commits);
            for ((id, _), read) in chunk.iter().zip(commits) {
                done += 1;
                let read = match read {
                    Some(r) => r,
                    // A worker could not read it: read here, as before.
                    None => match en.repo.find_commit(*id) {
                        Ok(c) => treeread::CommitRead::of(&c),
                        Err(_) => continue, // reported by the walk
                    },
                };
                en.set.commit_trees.push(read.tree);
                let mut slot = None;
                en.message_of(read.id, &read.message, || read.info(), &mut slot);
                en.visit_read(read.tree, &mut batch, &read, &mut slot);
            }
            drop(batch);
        });
        next = ahead;
        progress.enumerating(done, en.set.blobs.len());
    }
}

/// Blobs of a tree that a ref points at without a commit.
fn visit_loose_tree(en: &mut Enumerator<'_, '_>, tree: Oid, commit: u32) {
    let mut stack = vec![(tree, String::new())];
    while let Some((tid, prefix)) = stack.pop() {
        if !en.seen_trees.insert(tid) {
            continue;
        }
        if let Err(why) = readable(&en.packs, tid) {
            en.sink.error(&format!("tree {tid}"), &why);
            continue;
        }
        let Ok(t) = en.repo.find_tree(tid) else {
            en.sink.error(&format!("tree {tid}"), "cannot read it");
            continue;
        };
        for e in t.iter() {
            let path = format!("{prefix}{}", String::from_utf8_lossy(e.name_bytes()));
            match e.kind() {
                Some(ObjectType::Blob) if !en.set.index.contains_key(&e.id()) => {
                    en.set.index.insert(e.id(), en.set.blobs.len() as u32);
                    en.set.blobs.push(BlobEntry {
                        id: e.id(),
                        path,
                        commit,
                    });
                }
                Some(ObjectType::Tree) => stack.push((e.id(), format!("{path}/"))),
                _ => {}
            }
        }
    }
}

/// Read every blob of `set` and hand it to `sink`: first pack by pack, in
/// pack order (see [`pack`]), then whatever the packs did not give (loose
/// objects, alternates, damaged packs) blob by blob through libgit2, in
/// parallel (rayon, one repository handle per worker). Blobs over `max`
/// bytes are counted, not read; unreadable ones are reported once each.
pub fn scan_blobs(
    repo: &Repository,
    set: &BlobSet,
    max: u64,
    sink: &dyn Sink,
    totals: &HistoryTotals,
    progress: &Progress,
) {
    progress.start_blobs(set.blobs.len());
    let packed = PackHandler {
        set,
        max,
        sink,
        totals,
        progress,
    };
    let packs = &set.packs;
    for (pack, n) in &packs.duplicates {
        sink.error(
            &pack.display().to_string(),
            &format!(
                "its index lists {n} object id(s) more than once; each copy was checked against its id"
            ),
        );
    }
    let t = Instant::now();
    let pass = packs.scan(&set.index, set.blobs.len(), max, &packed);
    timing("pack pass (decode and match)", t);
    if pass.cut > 0 {
        sink.error(
            "git history",
            &format!(
                "decoding stopped after {} bytes, the budget of the history pass ({}x the packs' size + {} MiB): {} blob(s) not scanned (listed as skipped); a delta bomb?",
                pass.decoded,
                pack::DECODE_RATIO,
                pack::DECODE_FLOOR >> 20,
                pass.cut
            ),
        );
    }
    let git_dir = repo.path();
    // libgit2 re-hashes (SHA-1, collision-detecting) every object it reads
    // to check it against its id: about a tenth of the history pass, and a
    // scanner reads content to search it, not to trust it. Damaged objects
    // still fail to inflate and are reported. (Process-wide setting.)
    git2::opts::strict_hash_verification(false);
    let open_failed = AtomicBool::new(false);
    // What the packs and loose objects did not give: to libgit2, except
    // what it must not read.
    let rest: Vec<&BlobEntry> = set
        .blobs
        .iter()
        .zip(&pass.handled)
        .filter(|(_, done)| !**done)
        .map(|(b, _)| b)
        .filter(|b| match packs.unsafe_reason(b.id) {
            Some(why) => {
                sink.error(&blob_name(b), &format!("not read: {why}"));
                progress.blob_done(0);
                false
            }
            None => true,
        })
        .collect();
    rest.par_iter().for_each_init(
        || Repository::open(git_dir),
        |repo, b| {
            let repo = match repo {
                Ok(r) => r,
                Err(e) => {
                    if !open_failed.swap(true, Ordering::Relaxed) {
                        sink.error(
                            &git_dir.display().to_string(),
                            &format!("cannot open the repository ({})", e.message()),
                        );
                    }
                    return;
                }
            };
            // A panic on one blob (a bug in a decoder or a heuristic) is an
            // error for that blob, not the end of the scan.
            let what = blob_name(b);
            let done =
                isolate::isolated(&what, sink, || read_blob(repo, b, set, max, sink, totals));
            progress.blob_done(done.unwrap_or(0));
        },
    );
}

fn blob_name(b: &BlobEntry) -> String {
    format!("{} (blob {} in history)", b.path, short(b.id))
}

/// Where the pack pass delivers the blobs it decoded.
struct PackHandler<'a> {
    set: &'a BlobSet,
    max: u64,
    sink: &'a dyn Sink,
    totals: &'a HistoryTotals,
    progress: &'a Progress,
}

impl pack::BlobHandler for PackHandler<'_> {
    fn blob(&self, index: u32, data: &[u8]) {
        let b = &self.set.blobs[index as usize];
        isolate::isolated(&blob_name(b), self.sink, || {
            deliver(b, self.set, data, self.sink, self.totals)
        });
        self.progress.blob_done(data.len() as u64);
    }

    fn too_large(&self, index: u32, size: u64) {
        let b = &self.set.blobs[index as usize];
        too_large(b, size, self.max, self.sink, self.totals);
        self.progress.blob_done(0);
    }

    fn cut(&self, index: u32) {
        let b = &self.set.blobs[index as usize];
        self.totals.cut.fetch_add(1, Ordering::Relaxed);
        self.sink.skipped(
            &blob_name(b),
            "not decoded: the history pass's decoding budget was spent (a delta bomb?)",
        );
        self.progress.blob_done(0);
    }
}

fn too_large(b: &BlobEntry, size: u64, max: u64, sink: &dyn Sink, totals: &HistoryTotals) {
    totals.too_large.fetch_add(1, Ordering::Relaxed);
    sink.skipped(
        &blob_name(b),
        &format!("too large ({size} bytes > --max-file-size {max})"),
    );
}

/// Hand a blob's content to `sink`.
fn deliver(b: &BlobEntry, set: &BlobSet, data: &[u8], sink: &dyn Sink, totals: &HistoryTotals) {
    totals.blobs.fetch_add(1, Ordering::Relaxed);
    totals.bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
    let origin = Origin::GitBlob {
        path: b.path.clone(),
        blob: b.id.to_string(),
        commit: set.commits[b.commit as usize].clone(),
    };
    sink.blob(&origin, data);
}

/// Read one blob and hand it to `sink`; returns the bytes read (0 when
/// skipped or unreadable).
fn read_blob(
    repo: &Repository,
    b: &BlobEntry,
    set: &BlobSet,
    max: u64,
    sink: &dyn Sink,
    totals: &HistoryTotals,
) -> u64 {
    let odb = match repo.odb() {
        Ok(o) => o,
        Err(e) => {
            sink.error(
                &b.path,
                &format!("cannot open the object database ({})", e.message()),
            );
            return 0;
        }
    };
    // The header gives the size without inflating the object, so a huge
    // blob is never loaded just to be skipped.
    match odb.read_header(b.id) {
        Ok((size, _)) if size as u64 > max => {
            too_large(b, size as u64, max, sink, totals);
            return 0;
        }
        Ok(_) => {}
        Err(e) => {
            report_blob_error(sink, b, set, &e);
            return 0;
        }
    }
    match odb.read(b.id) {
        Ok(obj) => {
            deliver(b, set, obj.data(), sink, totals);
            obj.data().len() as u64
        }
        Err(e) => {
            report_blob_error(sink, b, set, &e);
            0
        }
    }
}

fn short(id: Oid) -> String {
    let mut s = id.to_string();
    s.truncate(10);
    s
}

fn report_blob_error(sink: &dyn Sink, b: &BlobEntry, set: &BlobSet, e: &git2::Error) {
    let commit = &set.commits[b.commit as usize].id;
    sink.error(
        &format!(
            "{} (blob {} in commit {})",
            b.path,
            b.id,
            text::head(commit, 10)
        ),
        &format!(
            "cannot read the object ({}); corrupt or missing",
            e.message()
        ),
    );
}

/// At most this many distinct paths are recorded for each blob that holds a
/// finding. A crafted tree (the same subtree ten times at each of seven
/// levels) puts one blob at ten million paths from a few kilobytes of
/// objects; the count of paths is still exact per commit (it is computed,
/// not listed), and the report says when the list was capped.
pub const MAX_PATHS_PER_BLOB: usize = 1_000;

/// The targets a tree carries (anywhere under it): `(target, paths)`
/// pairs sorted by target, where `paths` counts the paths at which the
/// tree holds the target (saturating). Interned: trees that carry the same
/// share one copy, so memory follows the number of distinct sets, not of
/// trees.
type TargetSet = Rc<[(u32, u64)]>;

/// Where the blobs that produced findings are, across the scanned commits.
#[derive(Debug, Default)]
pub struct Locations {
    /// Each distinct set of targets a commit's tree carries, with how many
    /// commits carry exactly that set.
    commit_sets: Vec<(TargetSet, usize)>,
    /// Target → up to [`MAX_PATHS_PER_BLOB`] + 1 distinct paths, in any
    /// scanned commit (one more than the cap, to know that it was reached).
    paths: Vec<HashSet<String>>,
    /// Target → the most paths one commit's tree holds it at.
    most_paths: Vec<u64>,
    /// Target → HEAD's tree carries it.
    head: Vec<bool>,
    /// Target → commits whose message it is (a message is no tree's blob).
    message_commits: Vec<usize>,
    index: IdMap<usize>,
}

impl Locations {
    fn targets<'a>(&'a self, blobs: &'a [Oid]) -> impl Iterator<Item = usize> + 'a {
        blobs.iter().filter_map(|b| self.index.get(b).copied())
    }

    /// For each group of blobs (the blobs of one finding), how many commits
    /// carry any of them. One pass over the distinct commit sets with an
    /// index from target to groups: linear in the sets and the groups, not
    /// in their product (30,000 findings of one key stay fast).
    pub fn commits_per_group(&self, groups: &[Vec<Oid>]) -> Vec<usize> {
        let mut groups_of: Vec<Vec<u32>> = vec![Vec::new(); self.index.len()];
        for (g, blobs) in groups.iter().enumerate() {
            for t in self.targets(blobs) {
                if groups_of[t].last() != Some(&(g as u32)) {
                    groups_of[t].push(g as u32);
                }
            }
        }
        let mut out: Vec<usize> = groups
            .iter()
            .map(|blobs| self.targets(blobs).map(|t| self.message_commits[t]).sum())
            .collect();
        // Last commit set that counted each group (a group with several
        // targets in one set counts its commits once).
        let mut stamp = vec![usize::MAX; groups.len()];
        for (k, (set, n)) in self.commit_sets.iter().enumerate() {
            for &(t, _) in set.iter() {
                for &g in &groups_of[t as usize] {
                    let g = g as usize;
                    if stamp[g] != k {
                        stamp[g] = k;
                        out[g] += n;
                    }
                }
            }
        }
        out
    }

    /// Distinct paths at which any of `blobs` appears, and whether that
    /// number is a lower bound (a blob had more paths than are recorded).
    pub fn paths(&self, blobs: &[Oid]) -> (usize, bool) {
        let mut all: HashSet<&str> = HashSet::new();
        let mut capped = false;
        let mut most = 0u64;
        for t in self.targets(blobs) {
            all.extend(self.paths[t].iter().map(String::as_str));
            capped |= self.paths[t].len() > MAX_PATHS_PER_BLOB;
            most = most.max(self.most_paths[t]);
        }
        if !capped {
            return (all.len(), false);
        }
        // Capped: at least as many as one commit holds (exact), and at
        // least as many as were recorded.
        let most = usize::try_from(most).unwrap_or(usize::MAX);
        (all.len().max(most), true)
    }

    /// Whether HEAD's tree carries any of `blobs`.
    pub fn in_head(&self, blobs: &[Oid]) -> bool {
        self.targets(blobs).any(|t| self.head[t])
    }
}

/// What one tree's walk needs once its subtrees are done.
struct Pending {
    tree: Oid,
    /// Targets held directly (one entry per path).
    blobs: Vec<u32>,
    /// Subtrees and how many entries point at each.
    subtrees: Vec<(Oid, u64)>,
}

/// Computes, once per tree, the set of targets under it.
struct Locator<'r> {
    repo: &'r Repository,
    packs: &'r Packs,
    index: &'r IdMap<usize>,
    /// Tree → index into `sets` (0: carries no target). Trees that cannot
    /// be read (reported by the enumeration) carry nothing.
    memo: IdMap<u32>,
    sets: Vec<TargetSet>,
    interned: HashMap<TargetSet, u32>,
    /// The walk's record of the trees, when it is complete: the trees
    /// under a root it holds are not read again.
    graph: Option<&'r TreeGraph>,
    /// Blob (index in the walk's set) → target.
    target_of_blob: HashMap<u32, u32, foldhash::fast::RandomState>,
    /// Node of `graph` → index into `sets` ([`NOT_YET`]: not computed,
    /// [`OPEN`]: being computed).
    node_memo: Vec<u32>,
}

/// See [`Locator::node_memo`].
const NOT_YET: u32 = u32::MAX;
const OPEN: u32 = u32::MAX - 1;

impl<'r> Locator<'r> {
    fn new(repo: &'r Repository, packs: &'r Packs, index: &'r IdMap<usize>) -> Self {
        let empty: TargetSet = Rc::from(Vec::new());
        Locator {
            repo,
            packs,
            index,
            memo: IdMap::default(),
            sets: vec![empty.clone()],
            interned: HashMap::from([(empty, 0)]),
            graph: None,
            target_of_blob: HashMap::default(),
            node_memo: Vec::new(),
        }
    }

    /// Use the walk's record of the trees (if complete) for the trees it
    /// holds; `set` is the walk's blob set, `targets` the located blobs.
    fn with_graph(mut self, set: &'r BlobSet, targets: &[Oid]) -> Self {
        if let Some(g) = set.graph.as_ref().filter(|g| g.complete()) {
            self.target_of_blob = targets
                .iter()
                .enumerate()
                .filter_map(|(t, id)| Some((*set.index.get(id)?, t as u32)))
                .collect();
            self.node_memo = vec![NOT_YET; g.nodes()];
            self.graph = Some(g);
        }
        self
    }

    /// The set of `tree` if it was computed.
    fn memo_of(&self, tree: &Oid) -> Option<u32> {
        if let Some(n) = self.graph.and_then(|g| g.node(*tree)) {
            return match self.node_memo.get(n as usize) {
                Some(&s) if s != NOT_YET && s != OPEN => Some(s),
                _ => None,
            };
        }
        self.memo.get(tree).copied()
    }

    /// [`Self::set_of`] from the walk's record: no tree is read.
    fn set_of_node(&mut self, g: &TreeGraph, root: u32) -> u32 {
        enum Step {
            Enter(u32),
            Leave(u32, Vec<u32>, Vec<(u32, u64)>),
        }
        let mut stack = vec![Step::Enter(root)];
        while let Some(step) = stack.pop() {
            match step {
                Step::Enter(n) => {
                    // Done, or open: a damaged object store can make a
                    // tree its own descendant.
                    if self.node_memo[n as usize] != NOT_YET {
                        continue;
                    }
                    self.node_memo[n as usize] = OPEN;
                    let mut blobs = Vec::new();
                    let mut subtrees: Vec<(u32, u64)> = Vec::new();
                    for e in g.entries(n) {
                        match e {
                            treegraph::Entry::Blob(b) => {
                                if let Some(&t) = self.target_of_blob.get(&b) {
                                    blobs.push(t);
                                }
                            }
                            treegraph::Entry::Tree(c) => subtrees.push((c, 1)),
                        }
                    }
                    subtrees.sort_unstable_by_key(|s| s.0);
                    subtrees.dedup_by(|b, a| {
                        let same = a.0 == b.0;
                        if same {
                            a.1 += 1;
                        }
                        same
                    });
                    let children: Vec<u32> = subtrees
                        .iter()
                        .map(|s| s.0)
                        .filter(|&c| self.node_memo[c as usize] == NOT_YET)
                        .collect();
                    stack.push(Step::Leave(n, blobs, subtrees));
                    stack.extend(children.into_iter().map(Step::Enter));
                }
                Step::Leave(n, blobs, subtrees) => {
                    let subs: Vec<(u32, u64)> = subtrees
                        .iter()
                        .map(|&(c, k)| match self.node_memo[c as usize] {
                            NOT_YET | OPEN => (0, k),
                            s => (s, k),
                        })
                        .filter(|(s, _)| *s != 0)
                        .collect();
                    let id = self.combine_sets(&blobs, subs);
                    self.node_memo[n as usize] = id;
                }
            }
        }
        match self.node_memo[root as usize] {
            NOT_YET | OPEN => 0,
            s => s,
        }
    }

    fn intern(&mut self, set: Vec<(u32, u64)>) -> u32 {
        if set.is_empty() {
            return 0;
        }
        let set: TargetSet = Rc::from(set);
        if let Some(&id) = self.interned.get(&set) {
            return id;
        }
        let id = self.sets.len() as u32;
        self.sets.push(set.clone());
        self.interned.insert(set, id);
        id
    }

    /// The set of targets under `root`. Every tree is read once (its answer
    /// is memoised by id), and the walk keeps its own stack: no depth limit,
    /// no recursion, so a tree thousands of levels deep is followed to the
    /// bottom.
    fn set_of(&mut self, root: Oid) -> u32 {
        if let Some(g) = self.graph
            && let Some(n) = g.node(root)
        {
            return self.set_of_node(g, n);
        }
        if let Some(&s) = self.memo.get(&root) {
            return s;
        }
        enum Step {
            Enter(Oid),
            Leave(Pending),
        }
        // Trees entered and not yet left: a damaged object store (hashes
        // are not verified) could make a tree its own descendant.
        let mut open: IdSet = IdSet::default();
        let mut stack = vec![Step::Enter(root)];
        while let Some(step) = stack.pop() {
            match step {
                Step::Enter(tree) => {
                    if self.memo.contains_key(&tree) || !open.insert(tree) {
                        continue;
                    }
                    let mut p = Pending {
                        tree,
                        blobs: Vec::new(),
                        subtrees: Vec::new(),
                    };
                    if let Ok(t) = readable(self.packs, tree)
                        .map_err(|_| ())
                        .and_then(|_| self.repo.find_tree(tree).map_err(|_| ()))
                    {
                        for e in t.iter() {
                            match e.kind() {
                                Some(ObjectType::Blob) => {
                                    if let Some(&i) = self.index.get(&e.id()) {
                                        p.blobs.push(i as u32);
                                    }
                                }
                                Some(ObjectType::Tree) => p.subtrees.push((e.id(), 1)),
                                _ => {}
                            }
                        }
                    }
                    // The same subtree under several names is walked once
                    // and counted once per name.
                    p.subtrees.sort_unstable_by_key(|s| s.0);
                    p.subtrees.dedup_by(|b, a| {
                        let same = a.0 == b.0;
                        if same {
                            a.1 += 1;
                        }
                        same
                    });
                    let children: Vec<Oid> = p
                        .subtrees
                        .iter()
                        .map(|s| s.0)
                        .filter(|id| !self.memo.contains_key(id))
                        .collect();
                    stack.push(Step::Leave(p));
                    stack.extend(children.into_iter().map(Step::Enter));
                }
                Step::Leave(p) => {
                    open.remove(&p.tree);
                    let id = self.combine(&p);
                    self.memo.insert(p.tree, id);
                }
            }
        }
        self.memo.get(&root).copied().unwrap_or(0)
    }

    /// The set of a tree from its own targets and its subtrees' sets.
    fn combine(&mut self, p: &Pending) -> u32 {
        let subs: Vec<(u32, u64)> = p
            .subtrees
            .iter()
            .map(|(id, n)| (self.memo.get(id).copied().unwrap_or(0), *n))
            .filter(|(s, _)| *s != 0)
            .collect();
        self.combine_sets(&p.blobs, subs)
    }

    /// The set of a tree holding the targets `blobs` (one per path) and
    /// the subtrees whose sets are `subs` (with how many names each).
    fn combine_sets(&mut self, blobs: &[u32], subs: Vec<(u32, u64)>) -> u32 {
        if blobs.is_empty() {
            match subs.as_slice() {
                [] => return 0,
                // One subtree carries it all, under one name: same set.
                [(s, 1)] => return *s,
                _ => {}
            }
        }
        let mut acc: HashMap<u32, u64> = HashMap::new();
        for &t in blobs {
            let c = acc.entry(t).or_default();
            *c = c.saturating_add(1);
        }
        for (s, n) in subs {
            for &(t, c) in self.sets[s as usize].iter() {
                let e = acc.entry(t).or_default();
                *e = e.saturating_add(c.saturating_mul(n));
            }
        }
        let mut set: Vec<(u32, u64)> = acc.into_iter().collect();
        set.sort_unstable();
        self.intern(set)
    }

    /// [`Self::record_paths`] from the walk's record, names included: no
    /// tree is read, and a path is built only for an entry that leads to a
    /// target whose list is not full. The same trees in the same order as
    /// reading them, so the same paths. `None` (nothing recorded) when the
    /// record has no names or lacks a root.
    fn record_paths_from_graph(&self, roots: &[Oid], paths: &mut [HashSet<String>]) -> Option<()> {
        let g = self.graph.filter(|g| g.named())?;
        let nodes: Vec<u32> = roots.iter().map(|r| g.node(*r)).collect::<Option<_>>()?;
        let full = |paths: &[HashSet<String>], t: u32| paths[t as usize].len() > MAX_PATHS_PER_BLOB;
        let wanted = |paths: &[HashSet<String>], n: u32| {
            let s = match self.node_memo.get(n as usize) {
                Some(&s) if s != NOT_YET && s != OPEN => s,
                _ => 0,
            };
            s != 0 && self.sets[s as usize].iter().any(|&(t, _)| !full(paths, t))
        };
        let mut visited: HashSet<(u32, String)> = HashSet::new();
        for root in nodes {
            let mut stack: Vec<(u32, String)> = vec![(root, String::new())];
            while let Some((node, prefix)) = stack.pop() {
                if !wanted(paths, node) || !visited.insert((node, prefix.clone())) {
                    continue;
                }
                for (e, name) in g.named_entries(node) {
                    match e {
                        treegraph::Entry::Blob(b) => {
                            if let Some(&t) = self.target_of_blob.get(&b)
                                && !full(paths, t)
                            {
                                let name = String::from_utf8_lossy(name);
                                paths[t as usize].insert(format!("{prefix}{name}"));
                            }
                        }
                        treegraph::Entry::Tree(c) if wanted(paths, c) => {
                            let name = String::from_utf8_lossy(name);
                            stack.push((c, format!("{prefix}{name}/")));
                        }
                        treegraph::Entry::Tree(_) => {}
                    }
                }
            }
        }
        Some(())
    }

    /// Record the paths of the targets under the root trees `roots`, at
    /// most [`MAX_PATHS_PER_BLOB`] + 1 per target. A (tree, path) pair is
    /// visited once, and a subtree whose targets all have their paths is
    /// not entered: the walk is bounded by the paths it records, whatever
    /// the number of paths a crafted tree holds.
    fn record_paths(&self, roots: &[Oid], paths: &mut [HashSet<String>]) {
        let full = |paths: &[HashSet<String>], t: u32| paths[t as usize].len() > MAX_PATHS_PER_BLOB;
        let wanted = |paths: &[HashSet<String>], tree: &Oid| {
            let s = self.memo_of(tree).unwrap_or(0);
            s != 0 && self.sets[s as usize].iter().any(|&(t, _)| !full(paths, t))
        };
        let mut visited: HashSet<(Oid, String)> = HashSet::new();
        for &root in roots {
            let mut stack: Vec<(Oid, String)> = vec![(root, String::new())];
            while let Some((tree, prefix)) = stack.pop() {
                if !wanted(paths, &tree)
                    || !visited.insert((tree, prefix.clone()))
                    || readable(self.packs, tree).is_err()
                {
                    continue;
                }
                let Ok(t) = self.repo.find_tree(tree) else {
                    continue;
                };
                for e in t.iter() {
                    let name = String::from_utf8_lossy(e.name_bytes());
                    match e.kind() {
                        Some(ObjectType::Blob) => {
                            if let Some(&i) = self.index.get(&e.id())
                                && !full(paths, i as u32)
                            {
                                paths[i].insert(format!("{prefix}{name}"));
                            }
                        }
                        Some(ObjectType::Tree) if wanted(paths, &e.id()) => {
                            stack.push((e.id(), format!("{prefix}{name}/")));
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}

/// Find which scanned commits carry `targets`, at which paths, and whether
/// HEAD does. Only called with the blobs that produced findings.
///
/// Two passes: every tree of the scanned commits is read once to learn
/// which targets it carries and at how many paths (memoised by tree id, so
/// memory grows with unique trees); then paths are listed top-down from
/// the commits' trees, only into subtrees that carry a target whose list
/// is not full.
pub fn locate(repo: &Repository, set: &BlobSet, targets: &[Oid]) -> Locations {
    let t0 = Instant::now();
    let index: IdMap<usize> = targets.iter().enumerate().map(|(i, o)| (*o, i)).collect();
    let mut loc = Locator::new(repo, &set.packs, &index).with_graph(set, targets);
    let mut per_set: HashMap<u32, usize> = HashMap::new();
    let mut roots: Vec<Oid> = Vec::new();
    let mut seen_roots: IdSet = IdSet::default();
    let mut most_paths = vec![0u64; targets.len()];
    for &tree in &set.commit_trees {
        let s = loc.set_of(tree);
        if s == 0 {
            continue;
        }
        *per_set.entry(s).or_default() += 1;
        if seen_roots.insert(tree) {
            roots.push(tree);
            for &(t, c) in loc.sets[s as usize].iter() {
                let m = &mut most_paths[t as usize];
                *m = (*m).max(c);
            }
        }
    }
    timing("locate: the commits carrying each finding", t0);
    let t0 = Instant::now();
    let mut paths: Vec<HashSet<String>> = vec![HashSet::new(); targets.len()];
    if loc.record_paths_from_graph(&roots, &mut paths).is_none() {
        loc.record_paths(&roots, &mut paths);
    }
    timing("locate: paths", t0);
    // Blobs reached only through a ref at a tree or blob: their first path.
    // Commit messages: where they are reported.
    let mut message_commits = vec![0usize; targets.len()];
    for (i, t) in targets.iter().enumerate() {
        if let Some(m) = set.messages.get(t) {
            paths[i].insert(m.path.clone());
            message_commits[i] = m.commits;
        } else if paths[i].is_empty()
            && let Some(&bi) = set.index.get(t)
        {
            paths[i].insert(set.blobs[bi as usize].path.clone());
        }
    }
    let mut head = vec![false; targets.len()];
    let head_tree = repo
        .head()
        .ok()
        .and_then(|h| h.resolve().ok()?.target())
        .filter(|id| readable_commit(&set.packs, *id).is_ok())
        .and_then(|id| repo.find_commit(id).ok())
        .map(|c| c.tree_id());
    if let Some(tree) = head_tree {
        let s = loc.set_of(tree);
        for &(t, _) in loc.sets[s as usize].iter() {
            head[t as usize] = true;
        }
    }
    let commit_sets: Vec<(TargetSet, usize)> = per_set
        .into_iter()
        .map(|(s, n)| (loc.sets[s as usize].clone(), n))
        .collect();
    drop(loc);
    Locations {
        commit_sets,
        paths,
        most_paths,
        head,
        message_commits,
        index,
    }
}

/// `--staged`: scan what the next commit would add. Added files are scanned
/// whole; of a modified file only the added lines are scanned, the other
/// lines blanked so that line numbers are those of the new file. Returns
/// (files, bytes) scanned.
pub fn staged(repo: &Repository, max: u64, sink: &dyn Sink) -> Result<(u64, u64)> {
    // libgit2's diff reads HEAD's commit and trees, and a patch reads the
    // old and new blobs: each is checked by the pack survey first (a tree
    // whose delta chain loops would hang the diff forever). When HEAD's
    // tree cannot be read safely, every staged file is scanned whole.
    let packs = Packs::open(&repo.commondir().join("objects"));
    let head_id = match repo.head() {
        Ok(h) => h
            .resolve()
            .ok()
            .and_then(|h| h.target())
            .context("--staged: cannot resolve HEAD")
            .map(Some)?,
        Err(e) if e.code() == git2::ErrorCode::UnbornBranch => None,
        Err(e) if e.code() == git2::ErrorCode::NotFound => None,
        Err(e) => bail!("--staged: cannot read HEAD ({})", e.message()),
    };
    let head_tree = match head_id.map(|id| safe_head_tree(repo, &packs, id)) {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(why)) => {
            sink.error(
                "HEAD",
                &format!("{why}; every staged file is scanned whole"),
            );
            None
        }
    };
    let index = repo
        .index()
        .context("--staged: cannot read the index (.git/index)")?;
    let mut opts = git2::DiffOptions::new();
    opts.context_lines(0).ignore_submodules(true);
    let diff = repo
        .diff_tree_to_index(head_tree.as_ref(), Some(&index), Some(&mut opts))
        .context("--staged: cannot compare the index with HEAD")?;
    let (mut files, mut bytes) = (0u64, 0u64);
    // A pure rename shows as a deletion plus an addition of the same blob:
    // that content is already committed, so it adds nothing to scan (and a
    // refactoring commit is not blocked for keys HEAD already has).
    let deleted: HashSet<git2::Oid> = diff
        .deltas()
        .filter(|d| d.status() == git2::Delta::Deleted)
        .map(|d| d.old_file().id())
        .collect();
    for (i, delta) in diff.deltas().enumerate() {
        use git2::Delta;
        let new = delta.new_file();
        if delta.status() == Delta::Added && deleted.contains(&new.id()) {
            continue;
        }
        if !matches!(
            delta.status(),
            Delta::Added | Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange
        ) || new.id().is_zero()
        {
            continue;
        }
        let path = new
            .path_bytes()
            .map(lossy)
            .unwrap_or_else(|| new.id().to_string());
        if new.mode() == git2::FileMode::Commit {
            continue;
        }
        if new.size() > max {
            sink.skipped(
                &path,
                &format!("too large ({} bytes > --max-file-size {max})", new.size()),
            );
            continue;
        }
        if let Err(why) = packs.check(new.id(), max, "staged file") {
            sink.error(&path, &why);
            continue;
        }
        let blob = match repo.find_blob(new.id()) {
            Ok(b) => b,
            Err(e) => {
                sink.error(
                    &path,
                    &format!("cannot read the staged blob ({})", e.message()),
                );
                continue;
            }
        };
        let content = blob.content();
        let origin = Origin::File {
            path: path.clone(),
            git: GitState::Tracked,
        };
        files += 1;
        bytes += content.len() as u64;
        if delta.status() != Delta::Modified || blob.is_binary() {
            sink.blob(&origin, content);
            continue;
        }
        // The patch reads HEAD's copy too.
        let old = delta.old_file().id();
        let added = match packs.check(old, max, "file") {
            Ok(()) => match git2::Patch::from_diff(&diff, i) {
                Ok(Some(p)) => added_lines(&p),
                _ => None,
            },
            Err(_) => None,
        };
        match added {
            Some(lines) => sink.blob(&origin, &keep_lines(content, &lines)),
            None => sink.blob(&origin, content),
        }
    }
    Ok((files, bytes))
}

/// HEAD's commit `id` and its tree, each tree under it checked by the pack
/// survey before libgit2's diff may read it.
fn safe_head_tree<'r>(
    repo: &'r Repository,
    packs: &Packs,
    id: Oid,
) -> std::result::Result<git2::Tree<'r>, String> {
    let id = commit_at(repo, packs, id).map_err(|e| format!("commit {id}: {e}"))?;
    let commit = repo
        .find_commit(id)
        .map_err(|e| format!("commit {id}: cannot read it ({})", e.message()))?;
    let root = commit.tree_id();
    let mut stack = vec![root];
    let mut seen = IdSet::default();
    while let Some(t) = stack.pop() {
        if !seen.insert(t) {
            continue;
        }
        readable(packs, t).map_err(|e| format!("tree {t}: {e}"))?;
        let tree = repo
            .find_tree(t)
            .map_err(|e| format!("tree {t}: cannot read it ({})", e.message()))?;
        stack.extend(
            tree.iter()
                .filter(|e| e.kind() == Some(ObjectType::Tree))
                .map(|e| e.id()),
        );
    }
    repo.find_tree(root)
        .map_err(|e| format!("tree {root}: cannot read it ({})", e.message()))
}

/// 1-based numbers (in the new file) of the lines a patch adds.
fn added_lines(p: &git2::Patch<'_>) -> Option<HashSet<u32>> {
    let mut out = HashSet::new();
    for h in 0..p.num_hunks() {
        let n = p.num_lines_in_hunk(h).ok()?;
        for l in 0..n {
            let line = p.line_in_hunk(h, l).ok()?;
            if line.origin() == '+'
                && let Some(no) = line.new_lineno()
            {
                out.insert(no);
            }
        }
    }
    Some(out)
}

/// `content` with every line not in `keep` emptied (its newline kept).
fn keep_lines(content: &[u8], keep: &HashSet<u32>) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len());
    for (n, line) in content.split_inclusive(|&b| b == b'\n').enumerate() {
        if keep.contains(&(n as u32 + 1)) {
            out.extend_from_slice(line);
        } else if line.ends_with(b"\n") {
            out.push(b'\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Quiet;
    impl Sink for Quiet {
        fn blob(&self, _: &Origin, _: &[u8]) {}
        fn skipped(&self, _: &str, _: &str) {}
        fn error(&self, path: &str, message: &str) {
            panic!("{path}: {message}");
        }
    }

    /// A commit of `files` (path → content) on HEAD.
    fn commit(repo: &Repository, files: &[(&str, &str)], msg: &str) {
        let mut index = git2::Index::new().unwrap();
        for (path, content) in files {
            let blob = repo.blob(content.as_bytes()).unwrap();
            let mut e = git2::IndexEntry {
                ctime: git2::IndexTime::new(0, 0),
                mtime: git2::IndexTime::new(0, 0),
                dev: 0,
                ino: 0,
                mode: 0o100644,
                uid: 0,
                gid: 0,
                file_size: 0,
                id: blob,
                flags: 0,
                flags_extended: 0,
                path: path.as_bytes().to_vec(),
            };
            e.flags = (path.len() as u16) & 0xfff;
            index.add(&e).unwrap();
        }
        let tree = repo.find_tree(index.write_tree_to(repo).unwrap()).unwrap();
        let sig = git2::Signature::new("t", "t@example.com", &git2::Time::new(0, 0)).unwrap();
        let parents: Vec<Commit<'_>> = repo
            .head()
            .ok()
            .and_then(|h| h.peel_to_commit().ok())
            .into_iter()
            .collect();
        let refs: Vec<&Commit<'_>> = parents.iter().collect();
        repo.commit(Some("HEAD"), &sig, &sig, msg, &tree, &refs)
            .unwrap();
    }

    #[test]
    fn paths_from_the_walks_record_are_the_paths_read_from_the_trees() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let key = "the blob that has a finding\n";
        commit(&repo, &[("a/b/x.txt", key), ("a/y.txt", "other\n")], "one");
        commit(
            &repo,
            &[
                ("a/b/x.txt", key),
                ("c/x.txt", key),
                ("c/d/\u{e9}.txt", key),
            ],
            "two",
        );
        commit(&repo, &[("z/x.txt", key), ("a/y.txt", "other\n")], "three");
        let set = enumerate(&repo, &Scope::Full, 1 << 20, &Quiet, &Progress::new(false)).unwrap();
        let graph = set.graph.as_ref().unwrap();
        assert!(graph.named(), "the walk names every entry");
        let target = repo.blob(key.as_bytes()).unwrap();
        let other = repo.blob(b"other\n").unwrap();
        let targets = [target, other];
        let index: IdMap<usize> = targets.iter().enumerate().map(|(i, o)| (*o, i)).collect();
        let listed = |with_graph: bool| {
            let loc = Locator::new(&repo, &set.packs, &index);
            let mut loc = if with_graph {
                loc.with_graph(&set, &targets)
            } else {
                loc
            };
            let roots: Vec<Oid> = set.commit_trees.clone();
            for r in &roots {
                loc.set_of(*r);
            }
            let mut paths: Vec<HashSet<String>> = vec![HashSet::new(); targets.len()];
            if with_graph {
                assert!(loc.record_paths_from_graph(&roots, &mut paths).is_some());
            } else {
                loc.record_paths(&roots, &mut paths);
            }
            paths
        };
        let from_graph = listed(true);
        assert_eq!(from_graph, listed(false));
        let mut first: Vec<&str> = from_graph[0].iter().map(String::as_str).collect();
        first.sort_unstable();
        assert_eq!(first, ["a/b/x.txt", "c/d/\u{e9}.txt", "c/x.txt", "z/x.txt"]);
        assert_eq!(from_graph[1].len(), 1);
    }

    #[test]
    fn keeps_only_added_lines() {
        let keep: HashSet<u32> = [2, 4].into_iter().collect();
        assert_eq!(keep_lines(b"a\nb\nc\nd", &keep), b"\nb\n\nd");
    }
}
