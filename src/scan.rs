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

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Result, bail};
use serde::Serialize;

use crate::checklist::{self, Evidence, MANIFESTS};
use crate::findings::causes::{
    self, FileFacts, Projects, Role, file_name, is_env_file, is_env_template,
};
use crate::findings::risks::{self, GITIGNORE_GAP};
use crate::findings::suppress::{self, Filters, Reason, Suppressed};
use crate::findings::{Finding, HistoryInfo, Note, fingerprint};
use crate::input::archive::{self, ArchiveLimits, ArchiveTotals, Unpacked};
use crate::input::budget::Budget;
use crate::input::decode::{Decoded, binary_strings, decode, printable_runs};
use crate::input::embedded::{self, Part};
use crate::input::gitinfo::GitContext;
use crate::input::history::{self, BlobSet, HistoryTotals, Progress, Scope};
use crate::input::walk::{self, WalkOptions, WalkTotals};
use crate::input::{GitState, Origin, Sink};
use crate::matcher::{Matcher, RawMatch};
use crate::rules::RuleKind;

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
    /// Excludes and allowlists from the config file.
    pub filters: Arc<Filters>,
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
}

/// A file that was deliberately not scanned.
#[derive(Clone, Debug, Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

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

/// What a [`Collector`] gathered for one root.
#[derive(Debug, Default)]
pub struct Collected {
    pub findings: Vec<Finding>,
    pub notes: Vec<Note>,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<String>,
    /// Env-style files seen (relative to the root), for the gitignore check.
    pub env_files: Vec<String>,
    /// Rate-limit evidence from manifests.
    pub rate_limit: Vec<String>,
}

/// Collects what the inputs deliver, for one scan root.
pub struct Collector<'a> {
    matcher: &'a Matcher<'a>,
    projects: &'a Projects,
    print_errors: bool,
    filters: Option<&'a Filters>,
    findings: Mutex<Vec<Finding>>,
    suppressed: Mutex<Vec<Suppressed>>,
    notes: Mutex<Vec<Note>>,
    skipped: Mutex<Vec<Skipped>>,
    errors: Mutex<Vec<String>>,
    env_files: Mutex<Vec<String>>,
    /// Working-tree secrets held back by an inline marker: fingerprint →
    /// marker. The marker reviews the value at that path, so the same
    /// secret in older versions of the file (history) is held back too.
    marked: Mutex<HashMap<String, String>>,
    rate_limit: Mutex<Vec<String>>,
    binary: AtomicU64,
    history_binary: AtomicU64,
    archives: ArchiveLimits,
    /// Shared by every root of a scan: the per-scan unpacking limit.
    archive_totals: Arc<ArchiveTotals>,
}

impl<'a> Collector<'a> {
    pub fn new(matcher: &'a Matcher<'a>, projects: &'a Projects, print_errors: bool) -> Self {
        Collector {
            matcher,
            projects,
            print_errors,
            filters: None,
            findings: Mutex::default(),
            suppressed: Mutex::default(),
            notes: Mutex::default(),
            skipped: Mutex::default(),
            errors: Mutex::default(),
            env_files: Mutex::default(),
            marked: Mutex::default(),
            rate_limit: Mutex::default(),
            binary: AtomicU64::new(0),
            history_binary: AtomicU64::new(0),
            archives: ArchiveLimits::default(),
            archive_totals: Arc::default(),
        }
    }

    /// Apply the config file's excludes and allowlists (inline markers are
    /// honoured with or without them).
    pub fn with_filters(mut self, filters: &'a Filters) -> Self {
        self.filters = Some(filters);
        self
    }

    /// Take the matches held back so far (call before [`Collector::finish`]).
    pub fn take_suppressed(&self) -> Vec<Suppressed> {
        std::mem::take(&mut *self.suppressed.lock().unwrap())
    }

    /// Whether an input at `origin` is excluded by the config file. Checked
    /// for every blob, so history blobs and archive members are covered as
    /// well as the walk (which also prunes excluded folders early).
    fn excluded(&self, origin: &Origin) -> bool {
        let Some(f) = self.filters else { return false };
        let outer = match origin.root() {
            Origin::File { path, .. } | Origin::GitBlob { path, .. } => path.as_str(),
            Origin::Member { .. } => "",
        };
        f.excluded(outer) || (origin.root() != origin && f.excluded(&origin.display_path()))
    }

    /// Why a match at `line` (the full source line(s) around the secret)
    /// is held back, if it is.
    fn suppression(
        &self,
        rule: &str,
        secret: &str,
        path: &str,
        line: &[u8],
    ) -> Option<(Reason, String)> {
        if let Some(m) = suppress::inline_marker(line) {
            return Some((Reason::Inline, m.to_string()));
        }
        let f = self.filters?;
        f.allowed(rule, secret, path)
            .map(|by| (Reason::Allowlist, by))
    }

    /// Open archives within `limits`, counting against `totals` (shared by
    /// the whole scan). Without this call the defaults apply.
    pub fn with_archives(mut self, limits: ArchiveLimits, totals: Arc<ArchiveTotals>) -> Self {
        self.archives = limits;
        self.archive_totals = totals;
        self
    }

    /// Scan text decoded from `origin`: source maps and notebooks piece by
    /// piece, anything else as it is.
    fn scan_decoded(&self, origin: &Origin, text: &[u8], budget: &mut Budget) {
        let leaf = origin.leaf_path();
        let parts = if embedded::is_source_map(leaf) {
            embedded::source_map(&origin.display_path(), text, budget)
        } else if embedded::is_notebook(leaf) {
            embedded::notebook(&origin.display_path(), text, budget)
        } else {
            None
        };
        match parts {
            Some(parts) => {
                for part in &parts {
                    self.scan_text(origin, part.text.as_bytes(), Some(part));
                }
            }
            None => {
                self.scan_text(origin, text, None);
                self.scan_base64(origin, text, budget);
            }
        }
    }

    /// Keys hidden in base64 payloads of configuration files (a Kubernetes
    /// Secret's `data:`, a Docker `auth`, an `.env` value): each payload that
    /// decodes to text is scanned, and its findings are reported where the
    /// encoded form starts. Source code and bundles are left out: the pass
    /// would cost every file a second read for a rare case.
    fn scan_base64(&self, origin: &Origin, text: &[u8], budget: &mut Budget) {
        if !embedded::is_config_file(origin.leaf_path()) || is_minified_bytes(text) {
            return;
        }
        let payloads = embedded::base64_payloads(text, budget);
        if payloads.is_empty() {
            return;
        }
        let path = origin.display_path();
        let as_text = String::from_utf8_lossy(text);
        let mut lines = LineIndex::new(&as_text);
        for (offset, decoded) in payloads {
            let offset = crate::text::floor(&as_text, offset.min(as_text.len()));
            let part = Part {
                path: path.clone(),
                via: None,
                cell: None,
                output: false,
                text: decoded,
                at: Some(lines.position(offset)),
                encoded: Some("base64"),
            };
            self.scan_text(origin, part.text.as_bytes(), Some(&part));
        }
    }

    /// Scan text from `origin`; `part` says where to report it when it was
    /// read out of a source map, a notebook or a base64 payload.
    fn scan_text(&self, origin: &Origin, text: &[u8], part: Option<&Part>) {
        if part.is_none()
            && let Origin::File { path, .. } = origin
        {
            let name = file_name(path);
            if is_env_file(path) && !is_env_template(path) {
                self.env_files.lock().unwrap().push(path.clone());
            }
            if MANIFESTS.contains(&name) {
                let ev = checklist::rate_limit_evidence(path, &String::from_utf8_lossy(text));
                self.rate_limit.lock().unwrap().extend(ev);
            }
        }
        let mut matches = self.matcher.find(text);
        if matches.is_empty() {
            return;
        }
        // Work on valid UTF-8 from here on; re-match if lossy decoding moved
        // offsets (rare: only files with invalid sequences and a match).
        let text: Cow<'_, str> = String::from_utf8_lossy(text);
        if let Cow::Owned(ref s) = text {
            matches = self.matcher.find(s.as_bytes());
        }
        // Byte-level regexes may, at a window's edge, end a match inside a
        // multi-byte character: widen such spans to whole characters so that
        // slicing the text can never panic.
        for m in &mut matches {
            m.start = crate::text::floor(&text, m.start);
            m.secret_start = crate::text::floor(&text, m.secret_start);
            m.secret_end = crate::text::ceil(&text, m.secret_end);
            m.end = crate::text::ceil(&text, m.end);
        }
        let mut facts = FileFacts::new(origin, &text, self.projects);
        if part.is_some_and(|p| p.via.is_some()) && facts.role != Role::App {
            // An original source read out of a source map ships wherever the
            // map ships: to browsers, unless the map sits in server output.
            let map_role = causes::role_of(origin.leaf_path(), "", Default::default());
            facts.role = if map_role == Role::Server {
                Role::Server
            } else {
                Role::Client
            };
        }
        let minified = is_minified(&text);
        let path = match part {
            Some(p) => p.path.clone(),
            None => origin.display_path(),
        };
        let rules = self.matcher.rules();
        let mut lines = LineIndex::new(&text);
        let mut found = Vec::new();
        let mut notes = Vec::new();
        let history_blob = origin.git_blob();
        let mut held = Vec::new();
        // Byte spans of every secret in this text: a snippet never cuts one
        // in half, and shows every secret but the finding's own redacted.
        let mut secret_spans: Vec<(usize, usize)> = matches
            .iter()
            .filter(|m| rules.rules[m.rule].syntax.kind == RuleKind::Secret)
            .map(|m| (m.secret_start, m.secret_end))
            .collect();
        secret_spans.sort_unstable();
        for m in &matches {
            let rule = &rules.rules[m.rule].syntax;
            // Risks describe today's architecture; an old version of a file
            // is not one. History reports secrets only.
            if history_blob.is_some() && rule.kind == RuleKind::Risk {
                continue;
            }
            // Decoded payloads hold keys, not architecture.
            if rule.kind == RuleKind::Risk && part.is_some_and(|p| p.encoded.is_some()) {
                continue;
            }
            let secret = crate::text::widen(&text, m.secret_start, m.secret_end);
            let (line, column) = match part.and_then(|p| p.at) {
                Some(at) => at,
                None => lines.position(m.secret_start),
            };
            let (ls, le) = line_bounds(&text, m.secret_start, m.secret_end);
            if let Some((reason, by)) =
                self.suppression(&rule.id, secret, &path, &text.as_bytes()[ls..le])
            {
                if reason == Reason::Inline && history_blob.is_none() {
                    self.marked
                        .lock()
                        .unwrap()
                        .insert(fingerprint(&rule.id, secret, &path), by.clone());
                }
                held.push(Suppressed {
                    rule: rule.id.clone(),
                    path: path.clone(),
                    line,
                    reason,
                    by,
                });
                continue;
            }
            let causes = match rule.kind {
                RuleKind::Risk => match risks::risk_applies(&rule.id, facts.role) {
                    Some(c) => c,
                    None => continue,
                },
                RuleKind::Secret => {
                    causes::causes_for(origin, &facts, &text, m.secret_start, m.secret_end)
                }
            };
            // A key in a git-ignored, never-committed .env is local
            // development as the guide recommends: a note, not a finding.
            if facts.role == Role::EnvFile && origin.git_state() == Some(GitState::Ignored) {
                notes.push(Note {
                    rule: rule.id.clone(),
                    path: path.clone(),
                    line,
                    secret: secret.to_string(),
                    message: "key in a git-ignored .env file: fine for local development, never commit it".into(),
                });
                continue;
            }
            let (why, fix) = match rule.kind {
                RuleKind::Risk => (
                    risks::risk_why(&rule.id).to_string(),
                    risks::risk_fix(&rule.id).to_string(),
                ),
                RuleKind::Secret => (causes::why(&causes, facts.role), causes::fix(&causes)),
            };
            found.push(Finding {
                id: fingerprint(&rule.id, secret, &path),
                kind: rule.kind,
                rule: rule.id.clone(),
                title: rule.title.clone(),
                provider: rule.provider.clone(),
                severity: rule.severity,
                confidence: rule.confidence,
                secret: secret.to_string(),
                path: path.clone(),
                line,
                column,
                via: part.and_then(|p| p.via.clone()),
                cell: part.and_then(|p| p.cell),
                cell_output: part.is_some_and(|p| p.output),
                encoded: part.and_then(|p| p.encoded),
                minified,
                context: context_snippet(&text, m, &secret_spans),
                commit: origin.commit().cloned(),
                git: origin.git_state(),
                causes,
                why,
                fix,
                // History findings count commits, filled in once located.
                occurrences: usize::from(history_blob.is_none()),
                history: history_blob.map(|(blob, path)| HistoryInfo {
                    path: path.to_string(),
                    commits: 0,
                    paths: 0,
                    in_head: false,
                    in_working_tree: None,
                    blob_ids: vec![blob.to_string()],
                    order: 0,
                }),
            });
        }
        if !found.is_empty() {
            self.findings.lock().unwrap().extend(found);
        }
        if !notes.is_empty() {
            self.notes.lock().unwrap().extend(notes);
        }
        if !held.is_empty() {
            self.suppressed.lock().unwrap().extend(held);
        }
    }

    /// Take everything collected.
    pub fn finish(self) -> Collected {
        Collected {
            findings: self.findings.into_inner().unwrap(),
            notes: self.notes.into_inner().unwrap(),
            skipped: self.skipped.into_inner().unwrap(),
            errors: self.errors.into_inner().unwrap(),
            env_files: self.env_files.into_inner().unwrap(),
            rate_limit: self.rate_limit.into_inner().unwrap(),
        }
    }
}

impl Collector<'_> {
    /// [`Sink::blob`] and [`Sink::member`]: `unpacked` is the budget of the
    /// archive a member came from.
    fn read_blob(&self, origin: &Origin, bytes: &[u8], unpacked: Option<&Unpacked>) {
        if self.excluded(origin) {
            return;
        }
        // The fast path for ordinary files is a few byte comparisons here
        // and in `binary_strings`.
        if self.archives.enabled
            && let Some(kind) = archive::sniff(bytes)
        {
            archive::expand(
                kind,
                origin,
                bytes,
                &self.archives,
                &self.archive_totals,
                unpacked,
                self,
            );
            return;
        }
        // Everything decoded out of this blob shares one budget.
        let mut budget = Budget::for_input(bytes.len(), self.archives.max_member_size);
        if let Some(text) = binary_strings(bytes, &mut budget) {
            self.scan_text(origin, &text, None);
        } else {
            match decode(bytes, &mut budget) {
                Decoded::Text(text) => self.scan_decoded(origin, &text, &mut budget),
                Decoded::Binary if in_app_package(origin) => {
                    // Native libraries and protobuf resources inside an app:
                    // what `strings` would show of them.
                    self.scan_text(origin, &printable_runs(bytes, 8), None);
                }
                // Binary history blobs are only counted: listing every old
                // image of a repository would drown the report.
                Decoded::Binary if origin.git_blob().is_some() => {
                    self.history_binary.fetch_add(1, Ordering::Relaxed);
                }
                Decoded::Binary => {
                    self.binary.fetch_add(1, Ordering::Relaxed);
                    self.skipped(&origin.display_path(), "binary file");
                }
            }
        }
        if let Some(why) = budget.cut_message() {
            self.skipped(&origin.display_path(), &why);
        }
    }
}

impl Sink for Collector<'_> {
    fn blob(&self, origin: &Origin, bytes: &[u8]) {
        self.read_blob(origin, bytes, None);
    }

    fn member(&self, origin: &Origin, bytes: &[u8], unpacked: &Unpacked) {
        self.read_blob(origin, bytes, Some(unpacked));
    }

    fn skipped(&self, path: &str, reason: &str) {
        self.skipped.lock().unwrap().push(Skipped {
            path: path.to_string(),
            reason: reason.to_string(),
        });
    }

    fn error(&self, path: &str, message: &str) {
        let msg = if path.is_empty() {
            message.to_string()
        } else {
            format!("{path}: {message}")
        };
        if self.print_errors {
            eprintln!("jikimi: warning: {msg} (skipped; the scan goes on)");
        }
        self.errors.lock().unwrap().push(msg);
    }
}

/// Maps byte offsets to 1-based (line, column-in-characters), in time
/// proportional to the distance between offsets visited in increasing order:
/// a 10 MB one-line bundle with thousands of matches is counted once, not
/// once per match.
struct LineIndex<'t> {
    text: &'t str,
    pos: usize,
    line: usize,
    /// Column (1-based, characters) at `pos`.
    col: usize,
}

impl<'t> LineIndex<'t> {
    fn new(text: &'t str) -> Self {
        LineIndex {
            text,
            pos: 0,
            line: 1,
            col: 1,
        }
    }

    fn position(&mut self, offset: usize) -> (usize, usize) {
        if offset < self.pos {
            *self = LineIndex::new(self.text);
        }
        let span = &self.text.as_bytes()[self.pos..offset];
        match memchr::memrchr(b'\n', span) {
            Some(last_nl) => {
                self.line += memchr::memchr_iter(b'\n', span).count();
                let line_start = self.pos + last_nl + 1;
                self.col = 1 + crate::text::widen(self.text, line_start, offset)
                    .chars()
                    .count();
            }
            None => {
                self.col += crate::text::widen(self.text, self.pos, offset)
                    .chars()
                    .count()
            }
        }
        self.pos = offset;
        (self.line, self.col)
    }
}

/// How far from the secret an inline marker is looked for on a very long
/// line. Source lines are far shorter, so this is the whole line; on a
/// minified bundle it keeps the search per match bounded (a marker
/// megabytes away says nothing about this secret).
const MARKER_REACH: usize = 4096;

/// Byte bounds of the line(s) holding `start..end` (without the newlines),
/// at most [`MARKER_REACH`] bytes either side: where inline markers are
/// looked for.
fn line_bounds(text: &str, start: usize, end: usize) -> (usize, usize) {
    let b = text.as_bytes();
    let lo = start.saturating_sub(MARKER_REACH);
    let hi = end.saturating_add(MARKER_REACH).min(b.len());
    let ls = memchr::memrchr(b'\n', &b[lo..start]).map_or(lo, |i| lo + i + 1);
    let le = memchr::memchr(b'\n', &b[end..hi]).map_or(hi, |i| end + i);
    (ls, le)
}

/// Whether `origin` is inside an apk, ipa, asar or another app package.
fn in_app_package(origin: &Origin) -> bool {
    origin.containers().iter().any(|c| {
        let ext = c.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
        c.contains('.') && causes::APP_PACKAGE_EXT.contains(&ext.as_str())
    })
}

/// Minified code (a bundle, a one-line JSON): long lines on average. Such
/// files are reported with `minified` so that a line number of 1 and a
/// column in the millions read as what they are.
fn is_minified(text: &str) -> bool {
    is_minified_bytes(text.as_bytes())
}

fn is_minified_bytes(text: &[u8]) -> bool {
    let lines = memchr::memchr_iter(b'\n', text).count() + 1;
    text.len() >= 1024 && text.len() / lines >= 200
}

/// The line around a match, at most ~120 characters, centred on the secret.
///
/// Only the bytes within reach are searched for line ends, so a snippet from
/// a 10 MB one-line bundle costs the same as one from a short line. The
/// snippet never ends inside another secret's span (`spans`), and every
/// secret in it except the match's own is redacted here: the reports redact
/// the match's own secret (or show it with `--no-redact`), and a risk's
/// evidence is not a secret.
fn context_snippet(text: &str, m: &RawMatch, spans: &[(usize, usize)]) -> String {
    let secret_len = m.secret_end - m.secret_start;
    let room = 120usize.saturating_sub(secret_len.min(100)) / 2;
    let bytes = text.as_bytes();
    let reach_lo = m.secret_start.saturating_sub(room);
    let mut lo = match memchr::memrchr(b'\n', &bytes[reach_lo..m.secret_start]) {
        Some(i) => reach_lo + i + 1,
        None => crate::text::floor(text, reach_lo),
    };
    let reach_hi = (m.secret_end + room).min(text.len());
    let mut hi = match memchr::memchr(b'\n', &bytes[m.secret_end..reach_hi]) {
        Some(i) => m.secret_end + i,
        None => crate::text::ceil(text, reach_hi),
    };
    let own = (m.secret_start, m.secret_end);
    // `spans` is sorted and its secrets do not overlap (the matcher's
    // attribution merges overlaps), so only the few spans around this one
    // are looked at: linear work per file however many secrets it holds.
    let first = spans.partition_point(|&(_, e)| e <= reach_lo);
    let near: Vec<(usize, usize)> = spans[first..]
        .iter()
        .copied()
        .take_while(|&(s, _)| s < reach_hi)
        .collect();
    // Do not cut a secret in half: a partial key is not recognisable as the
    // key, so it would not be redacted. Move the cut to its edge instead.
    for &(s, e) in &near {
        if s < lo && lo < e {
            lo = e.min(m.secret_start);
        }
        if s < hi && hi < e {
            hi = s.max(m.secret_end);
        }
    }
    let mut inner = String::new();
    let mut pos = lo;
    let mut inside: Vec<(usize, usize)> = near
        .iter()
        .copied()
        .filter(|&(s, e)| s >= lo && e <= hi && (s, e) != own)
        .collect();
    inside.sort_unstable();
    for (s, e) in inside {
        if s < pos {
            continue; // overlapping spans: the first one covers it
        }
        inner.push_str(crate::text::widen(text, pos, s));
        inner.push_str(&crate::findings::redact(crate::text::widen(text, s, e)));
        pos = e;
    }
    inner.push_str(crate::text::widen(text, pos, hi));
    let mut out = String::new();
    if lo > 0 && bytes[lo - 1] != b'\n' {
        out.push('…');
    }
    out.push_str(inner.trim_end_matches('\r'));
    if hi < text.len() && bytes[hi] != b'\n' {
        out.push('…');
    }
    out.trim().to_string()
}

/// Run a scan of the working trees under `opts.paths`.
pub fn run(matcher: &Matcher<'_>, opts: &ScanOptions) -> Result<ScanOutput> {
    let started = Instant::now();
    for p in &opts.paths {
        if std::fs::symlink_metadata(p).is_err() {
            bail!(
                "{}: no such file or directory (give a directory or file to scan, e.g. `jikimi scan .`)",
                p.display()
            );
        }
    }
    let mut out = ScanOutput::default();
    let archive_totals = Arc::new(ArchiveTotals::default());
    for root in &opts.paths {
        scan_root(matcher, root, opts, &archive_totals, &mut out)?;
    }
    out.stats.archives = archive_totals.archives.load(Ordering::Relaxed);
    out.stats.archive_members = archive_totals.members.load(Ordering::Relaxed);
    out.stats.archive_bytes = archive_totals.bytes.load(Ordering::Relaxed);
    out.findings = crate::findings::dedup_and_sort(std::mem::take(&mut out.findings));
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
    out.evidence.partial = match (&opts.mode, &opts.scope) {
        (Mode::Staged, _) => Some("--staged: only what the next commit adds"),
        (_, Scope::Since(_) | Scope::Range(_)) => {
            Some("--since/--range: only the commits in the range")
        }
        (Mode::HistoryOnly, _) => Some("--history-only: the working tree was not read"),
        _ => None,
    };
    out.checklist = checklist::build(&out.findings, &out.evidence);
    out.stats.duration_ms = started.elapsed().as_millis() as u64;
    Ok(out)
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
    let meta = std::fs::metadata(root);
    let is_dir = meta.as_ref().is_ok_and(|m| m.is_dir());
    let project_root = if is_dir {
        root.to_path_buf()
    } else {
        root.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    // History needs the root to *be* a repository; a plain directory (or a
    // subdirectory of a work tree) is scanned as a tree without complaint.
    let repo = if is_dir && opts.mode != Mode::TreeOnly {
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
    let git = if !want_tree {
        None
    } else {
        match GitContext::discover(if is_dir { root } else { &project_root }) {
            Ok(g) => g,
            Err(e) => {
                let msg = format!(
                    "{}: cannot read the git repository ({}); scanning the files without git awareness",
                    root.display(),
                    e.message()
                );
                if opts.print_errors {
                    eprintln!("jikimi: warning: {msg}");
                }
                out.errors.push(msg);
                None
            }
        }
    };
    let projects = Projects::new(&project_root);
    let collector = Collector::new(matcher, &projects, opts.print_errors)
        .with_filters(&opts.filters)
        .with_archives(opts.archives.clone(), Arc::clone(archive_totals));
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
        filters: Arc::clone(&opts.filters),
    };
    out.evidence.git_repo |= repo.is_some();
    if !want_tree {
        // History only: no working-tree files.
    } else if is_dir {
        out.evidence.git_repo |= git.is_some();
        walk::walk_dir(root, &wopts, git.as_ref(), &collector, &totals);
        if let Some(g) = &git {
            let extra = walk::ignored_of_interest(root, g, opts.include_deps)
                .into_iter()
                .filter(|(_, rel)| !opts.filters.excluded(rel));
            let mut buf = Vec::new();
            for (abs, rel) in extra {
                let max = wopts.size_limit(&rel);
                walk::read_and_scan(
                    &abs,
                    rel,
                    GitState::Ignored,
                    max,
                    &mut buf,
                    &collector,
                    &totals,
                );
            }
        }
    } else {
        let rel = root.to_string_lossy().replace('\\', "/");
        let state = match &git {
            Some(g) => {
                let name = root
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                g.state_of_walked(&name)
            }
            None => GitState::NoRepo,
        };
        let mut buf = Vec::new();
        let max = wopts.size_limit(&rel);
        walk::read_and_scan(root, rel, state, max, &mut buf, &collector, &totals);
    }
    let mut blobs: Option<BlobSet> = None;
    if let Some(repo) = &repo {
        let progress = Progress::new(opts.progress);
        let htotals = HistoryTotals::default();
        let set = history::enumerate(repo, &opts.scope, &collector, &progress);
        let set = match set {
            Ok(s) => s,
            Err(e) => {
                progress.finish();
                return Err(e.context(format!("{}: cannot scan the git history", root.display())));
            }
        };
        history::scan_blobs(
            repo.path(),
            &set,
            opts.max_file_size,
            &collector,
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
        blobs = Some(set);
    }
    out.stats.blobs_skipped += collector.history_binary.load(Ordering::Relaxed);
    out.suppressed.extend(collector.take_suppressed());
    let marked = std::mem::take(&mut *collector.marked.lock().unwrap());
    let Collected {
        mut findings,
        notes,
        skipped,
        errors,
        env_files,
        rate_limit,
    } = collector.finish();
    if !marked.is_empty() {
        findings.retain(|f| match (&f.history, marked.get(&f.id)) {
            (Some(_), Some(by)) => {
                out.suppressed.push(Suppressed {
                    rule: f.rule.clone(),
                    path: f.path.clone(),
                    line: f.line,
                    reason: Reason::Inline,
                    by: format!("{by} (on the same secret in the working tree)"),
                });
                false
            }
            _ => true,
        });
    }
    // A key in a tracked file is in a commit when HEAD has it too.
    if let Some(g) = &git
        && let Ok(repo) = g.open()
    {
        for f in findings
            .iter_mut()
            .filter(|f| f.git == Some(GitState::Tracked))
        {
            if f.kind == RuleKind::Secret
                && GitContext::head_contains(&repo, &g.repo_path(&f.path), f.secret.as_bytes())
                && !f.causes.contains(&causes::Cause::GitHistory)
            {
                f.causes.push(causes::Cause::GitHistory);
                f.causes.sort();
                f.fix = causes::fix(&f.causes);
            }
        }
    }
    if is_dir
        && let Some(g) = &git
        && !opts.filters.disabled.contains(GITIGNORE_GAP)
    {
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
                out.suppressed.push(Suppressed {
                    rule: GITIGNORE_GAP.into(),
                    path: path.into(),
                    line: 0,
                    reason: Reason::Allowlist,
                    by,
                });
            } else {
                findings.push(Finding {
                    id: fingerprint(GITIGNORE_GAP, "", &g.prefix),
                    kind: RuleKind::Risk,
                    rule: GITIGNORE_GAP.into(),
                    title: ".env files are not ignored by git".into(),
                    provider: "jikimi".into(),
                    severity: gap.severity,
                    confidence: crate::rules::Confidence::High,
                    secret: String::new(),
                    path: path.into(),
                    line: 0,
                    column: 0,
                    via: None,
                    cell: None,
                    cell_output: false,
                    encoded: None,
                    minified: false,
                    context: format!("not ignored: {evidence}"),
                    commit: None,
                    git: None,
                    causes: vec![causes::Cause::EnvFileCommitted],
                    why: format!(
                        "{} (not ignored: {evidence})",
                        risks::risk_why(GITIGNORE_GAP)
                    ),
                    fix: risks::risk_fix(GITIGNORE_GAP).into(),
                    occurrences: 1,
                    history: None,
                });
            }
        }
    }
    if let (Some(repo), Some(set)) = (&repo, &blobs) {
        findings = locate_history(repo, set, findings, want_tree);
    }
    out.findings.extend(findings);
    out.notes.extend(notes);
    out.skipped.extend(skipped);
    out.errors.extend(errors);
    out.evidence.rate_limit.extend(rate_limit);
    out.stats.files += totals.files.load(Ordering::Relaxed);
    out.stats.bytes += totals.bytes.load(Ordering::Relaxed);
    Ok(())
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
    for f in &mut merged {
        let Some(h) = &mut f.history else { continue };
        let key = (f.rule.clone(), f.secret.clone());
        let ids = parse(&h.blob_ids);
        h.commits = loc.commits(&ids);
        h.paths = loc.paths(&ids);
        h.in_head = secret_blobs.get(&key).is_some_and(|all| loc.in_head(all));
        h.in_working_tree = tree_scanned.then(|| tree_secrets.contains(&key));
        f.occurrences = (f.occurrences + h.commits).max(1);
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
            for c in f.causes.iter().filter(|c| **c != causes::Cause::GitHistory) {
                fix.push_str("; so it does not come back: ");
                fix.push_str(c.fix());
            }
            f.fix = fix;
        }
    }
    merged
}

/// `--staged`: scan the changes the next commit would add, nothing else.
fn scan_staged(
    matcher: &Matcher<'_>,
    root: &Path,
    opts: &ScanOptions,
    archive_totals: &Arc<ArchiveTotals>,
    out: &mut ScanOutput,
) -> Result<()> {
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
    let projects = Projects::new(&workdir);
    let collector = Collector::new(matcher, &projects, opts.print_errors)
        .with_filters(&opts.filters)
        .with_archives(opts.archives.clone(), Arc::clone(archive_totals));
    let (files, bytes) = history::staged(&repo, opts.max_file_size, &collector)?;
    out.suppressed.extend(collector.take_suppressed());
    let Collected {
        findings,
        notes,
        skipped,
        errors,
        rate_limit,
        ..
    } = collector.finish();
    out.findings.extend(findings);
    out.notes.extend(notes);
    out.skipped.extend(skipped);
    out.errors.extend(errors);
    out.evidence.rate_limit.extend(rate_limit);
    out.stats.files += files;
    out.stats.bytes += bytes;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_counts_lines_and_character_columns() {
        let text = "ab\nc\u{e9}d x\n\n  yz";
        let mut idx = LineIndex::new(text);
        let at = |s: &str| text.find(s).unwrap();
        assert_eq!(idx.position(0), (1, 1));
        assert_eq!(idx.position(at("b")), (1, 2));
        assert_eq!(idx.position(at("d")), (2, 3));
        assert_eq!(idx.position(at("x")), (2, 5));
        assert_eq!(idx.position(at("yz")), (4, 3));
        // Going backwards restarts from the top.
        assert_eq!(idx.position(at("x")), (2, 5));
    }

    #[test]
    fn marker_search_is_the_line_or_bounded() {
        let t = "a\nkey = X # jikimi:allow\nb";
        let (s, e) = line_bounds(t, 8, 9);
        assert_eq!(t.get(s..e), Some("key = X # jikimi:allow"));
        let long = format!("{}X{}", "a".repeat(10_000), "b".repeat(10_000));
        let (s, e) = line_bounds(&long, 10_000, 10_001);
        assert_eq!((s, e), (10_000 - MARKER_REACH, 10_001 + MARKER_REACH));
    }
}
