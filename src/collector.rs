//! The collector: the [`Sink`] every input hands its bytes to. For each blob
//! it opens archives (members come back here), extracts the strings of
//! binary formats apps ship keys in, decodes text, splits source maps and
//! notebooks, runs the matcher, and turns matches into findings with causes,
//! snippets and suppressions; it also gathers notes, skips and errors. Tree
//! files, history blobs and archive members all take this one path.
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::checklist::{self, MANIFESTS};
use crate::findings::causes::{
    self, FileFacts, Projects, Role, file_name, is_env_file, is_env_template,
};
use crate::findings::risks::{self};
use crate::findings::suppress::{self, Filters, Reason, Suppressed};
use crate::findings::{Finding, HistoryInfo, Location, Note, fingerprint};
use crate::input::archive::{self, ArchiveLimits, ArchiveTotals, Unpacked};
use crate::input::binary;
use crate::input::budget::Budget;
use crate::input::decode::{Decoded, binary_strings, decode};
use crate::input::embedded::{self, Part};
use crate::input::{GitState, Origin, Sink};
use crate::matcher::{Matcher, RawMatch};
use crate::rules::RuleKind;

/// The reason given for a binary file: read in full, with no text to scan
/// (so `--strict` does not count it).
pub const BINARY_FILE: &str = "binary file";

/// A file that was deliberately not scanned.
#[derive(Clone, Debug, Serialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
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
    /// Env files seen (tree and history) and the first `.env` loader found.
    pub env_seen: Vec<checklist::EnvFile>,
    pub env_loader: Option<String>,
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
    /// Env files, manifests and `.env` loaders, for the checklist.
    gatherer: checklist::Gatherer,
    binary: AtomicU64,
    history_binary: AtomicU64,
    /// Binaries read as strings, and media passed over.
    binaries_read: AtomicU64,
    media: AtomicU64,
    /// Read binaries outside app packages (`--no-binaries` turns it off).
    binaries: bool,
    /// The matcher for the strings of binaries: the rules that recognise a
    /// provider's format or a keyword-anchored assignment, no risks (see
    /// [`crate::matcher::reads_binaries`]). Built on the first binary.
    binary_matcher: std::sync::OnceLock<Option<Matcher<'a>>>,
    /// The keywords of the rules that read binaries, where a key glued to
    /// the string before it in a Go binary is split off
    /// ([`binary::split_glued`]). Built on the first Go binary.
    glued_starts: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>>,
    /// Every rule's examples, one a line ([`Collector::is_rule_example`]).
    rule_examples: std::sync::OnceLock<Vec<u8>>,
    archives: ArchiveLimits,
    /// Shared by every root of a scan: the per-scan unpacking limit.
    archive_totals: Arc<ArchiveTotals>,
    /// `--explain-drops`: every text is traced into it.
    drops: Option<Arc<crate::drops::DropLog>>,
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
            gatherer: checklist::Gatherer::default(),
            binary: AtomicU64::new(0),
            history_binary: AtomicU64::new(0),
            binaries_read: AtomicU64::new(0),
            media: AtomicU64::new(0),
            binaries: true,
            binary_matcher: std::sync::OnceLock::new(),
            glued_starts: std::sync::OnceLock::new(),
            rule_examples: std::sync::OnceLock::new(),
            archives: ArchiveLimits::default(),
            archive_totals: Arc::default(),
            drops: None,
        }
    }

    /// Trace every text scanned into `drops` (`scan --explain-drops`).
    pub fn with_drops(mut self, drops: Option<Arc<crate::drops::DropLog>>) -> Self {
        self.drops = drops;
        self
    }

    /// Apply the config file's excludes and allowlists (inline markers are
    /// honoured with or without them).
    pub fn with_filters(mut self, filters: &'a Filters) -> Self {
        self.filters = Some(filters);
        self
    }

    /// History blobs that were binary and not read (counted, not listed).
    pub fn history_binary(&self) -> u64 {
        self.history_binary.load(Ordering::Relaxed)
    }

    /// Binaries read as strings (tree, history and archive members).
    pub fn binaries_read(&self) -> u64 {
        self.binaries_read.load(Ordering::Relaxed)
    }

    /// Media files (images, fonts, audio, video) passed over.
    pub fn media(&self) -> u64 {
        self.media.load(Ordering::Relaxed)
    }

    /// Read binaries outside app packages as `strings` would show them
    /// (on by default; `--no-binaries` turns it off).
    pub fn with_binaries(mut self, on: bool) -> Self {
        self.binaries = on;
        self
    }

    /// The matcher for binaries' strings, built once.
    fn binary_matcher(&self) -> Option<&Matcher<'a>> {
        self.binary_matcher
            .get_or_init(|| {
                let rules = self.matcher.rules();
                Some(
                    self.matcher
                        .subset(|i| crate::matcher::reads_binaries(&rules.rules[i])),
                )
            })
            .as_ref()
    }

    /// Whether `secret` appears in the embedded rule files or the examples
    /// of an active rule (the fake keys `rules/*.toml` carry, which
    /// jikimi's executable embeds).
    fn is_rule_example(&self, secret: &[u8]) -> bool {
        let corpus = self.rule_examples.get_or_init(|| {
            let rules = self.matcher.rules();
            // The rule files as embedded (examples as written in TOML, with
            // their escapes), then every active rule's examples as parsed.
            let mut all = Vec::new();
            for (_, text) in crate::rules::BUILTIN_RULE_FILES {
                all.extend_from_slice(text.as_bytes());
                all.push(b'\n');
            }
            for r in &rules.rules {
                for e in r.syntax.examples.iter().chain(&r.syntax.negative_examples) {
                    all.extend_from_slice(e.as_bytes());
                    all.push(b'\n');
                }
            }
            all
        });
        secret.len() >= 4 && memchr::memmem::find(corpus, secret).is_some()
    }

    /// The keywords (4 characters or more) that start the secrets of the
    /// rules `matcher` enables, as one automaton.
    fn glued_starts(&self, matcher: &Matcher<'_>) -> Option<&aho_corasick::AhoCorasick> {
        self.glued_starts
            .get_or_init(|| {
                let rules = matcher.rules();
                // A keyword that starts the secret: the regex has it right
                // after a word boundary (`\b(sk-proj-`), not inside a key
                // (`T3BlbkFJ`) or an assignment.
                let words: Vec<&str> = (0..rules.len())
                    .filter(|&i| matcher.is_enabled(i))
                    .flat_map(|i| {
                        let r = &rules.rules[i].syntax;
                        r.keywords.iter().map(String::as_str).filter(|k| {
                            k.len() >= 4
                                && (r.regex.contains(&format!("\\b({k}"))
                                    || r.regex.contains(&format!("\\b{k}")))
                        })
                    })
                    .collect();
                aho_corasick::AhoCorasick::new(words).ok()
            })
            .as_ref()
    }

    /// Working-tree secrets held back by an inline marker: fingerprint →
    /// marker.
    pub fn take_marked(&self) -> HashMap<String, String> {
        std::mem::take(&mut *self.marked.lock().expect("marked lock"))
    }

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
        // `--audit` honours no marker the scanned code carries.
        if self.filters.is_none_or(|f| f.inline)
            && let Some(m) = suppress::inline_marker(line)
        {
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
                self.scan_escaped(origin, text, budget);
            }
        }
    }

    /// Keys hidden in base64 payloads of configuration files (a Kubernetes
    /// Secret's `data:`, a Docker `auth`, an `.env` value): each payload that
    /// decodes to text is scanned, and its findings are reported where the
    /// encoded form starts. Source code and bundles are left out: the pass
    /// would cost every file a second read for a rare case.
    fn scan_base64(&self, origin: &Origin, text: &[u8], budget: &mut Budget) {
        if is_minified_bytes(text) {
            return;
        }
        // Source code: only whole string literals (`TOKEN = "ZXlK…"`).
        let payloads = if embedded::is_config_file(origin.leaf_path()) {
            embedded::base64_payloads(text, budget)
        } else {
            embedded::quoted_base64_payloads(text, budget)
        };
        self.scan_payloads(origin, text, payloads, Some("base64"));
    }

    /// String literals whose escapes hide a structure (escaped JSON, JSON in
    /// a JSON string, `.env` lines joined by `\n`), scanned unescaped and
    /// reported where the literal starts; and arrays of strings under a
    /// credential name, each element scanned beside the name.
    fn scan_escaped(&self, origin: &Origin, text: &[u8], budget: &mut Budget) {
        if is_minified_bytes(text) {
            return;
        }
        let payloads = embedded::escaped_strings(text, budget);
        self.scan_payloads(origin, text, payloads, Some("backslash"));
        let arrays = embedded::secret_arrays(text, budget);
        self.scan_payloads(origin, text, arrays, None);
    }

    /// Scan decoded `payloads` of `text` (`(byte offset, decoded text)`),
    /// each reported at its offset and marked `encoded` (`None` when the
    /// secret is in the file as it is, only its syntax was rewritten).
    fn scan_payloads(
        &self,
        origin: &Origin,
        text: &[u8],
        payloads: Vec<(usize, String)>,
        encoded: Option<&'static str>,
    ) {
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
                encoded,
                marker: suppress::inline_marker(line_of(text, offset)),
            };
            self.scan_text(origin, part.text.as_bytes(), Some(&part));
        }
    }

    /// Scan text from `origin`; `part` says where to report it when it was
    /// read out of a source map, a notebook or a base64 payload.
    fn scan_text(&self, origin: &Origin, text: &[u8], part: Option<&Part>) {
        self.scan_text_with(self.matcher, origin, text, part, None, 0);
    }

    /// [`Self::scan_text`] with `matcher`; `binary` says what kind of binary
    /// the text is the strings of.
    fn scan_text_with(
        &self,
        matcher: &Matcher<'_>,
        origin: &Origin,
        text: &[u8],
        part: Option<&Part>,
        binary: Option<binary::Kind>,
        line_base: usize,
    ) {
        if part.is_none() && binary.is_none() {
            self.gatherer.observe(origin, text, self.projects);
        }
        if part.is_none()
            && binary.is_none()
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
        let leaf = origin.leaf_path();
        if let Some(log) = &self.drops {
            let path = crate::findings::redact_known_secrets(&match part {
                Some(p) => p.path.clone(),
                None => origin.display_path(),
            });
            log.record(
                matcher,
                &path,
                Some(leaf),
                text,
                line_base,
                crate::drops::Decoded {
                    at: part.and_then(|p| p.at),
                    encoded: part.and_then(|p| p.encoded),
                },
            );
        }
        let mut matches = matcher.find_in(Some(leaf), text);
        if binary.is_some() && !matches.is_empty() {
            // jikimi's own executable (a copy committed as a tool, the
            // image's /usr/local/bin) holds every rule's examples: fake
            // keys, not leaks.
            matches.retain(|m| {
                !text
                    .get(m.secret_start..m.secret_end)
                    .is_some_and(|s| self.is_rule_example(s))
            });
        }
        if matches.is_empty() {
            return;
        }
        // Work on valid UTF-8 from here on; re-match if lossy decoding moved
        // offsets (rare: only files with invalid sequences and a match).
        let text: Cow<'_, str> = String::from_utf8_lossy(text);
        if let Cow::Owned(ref s) = text {
            matches = matcher.find_in(Some(leaf), s.as_bytes());
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
        facts.binary = binary;
        if part.is_some_and(|p| p.via.is_some()) && facts.role != Role::App {
            // An original source read out of a source map ships wherever the
            // map ships: to browsers, unless the map sits in server output.
            let map_role = crate::findings::role::role_by_path(origin.leaf_path());
            facts.role = if map_role == Role::Server {
                Role::Server
            } else {
                Role::Client
            };
        }
        let minified = is_minified(&text);
        // A file name can hold a key (`sk-...json`): reports show the path,
        // so known secret shapes in it are redacted (fingerprints use the
        // same redacted path, for the tree and history alike).
        let path = crate::findings::redact_known_secrets(&match part {
            Some(p) => p.path.clone(),
            None => origin.display_path(),
        });
        let rules = matcher.rules();
        let mut lines = LineIndex::new(&text);
        let mut found: Vec<Finding> = Vec::new();
        // A key repeated in this text is one finding from its first match
        // on: index in `found` by id.
        let mut seen: HashMap<String, usize> = HashMap::new();
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
                None => {
                    let (l, c) = lines.position(m.secret_start);
                    (l + line_base, c)
                }
            };
            let causes = match rule.kind {
                RuleKind::Risk => match risks::risk_applies(&rule.id, facts.role) {
                    Some(c) => c,
                    None => continue,
                },
                RuleKind::Secret => {
                    causes::causes_for(origin, &facts, &text, m.secret_start, m.secret_end)
                }
            };
            let (ls, le) = line_bounds(&text, m.secret_start, m.secret_end);
            let held_by = self
                .suppression(&rule.id, secret, &path, &text.as_bytes()[ls..le])
                .or_else(|| {
                    // A marker on the file line a payload was decoded from.
                    let marker = part.and_then(|p| p.marker)?;
                    self.filters
                        .is_none_or(|f| f.inline)
                        .then(|| (Reason::Inline, marker.to_string()))
                });
            if let Some((reason, by)) = held_by {
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
                    causes,
                    kind: rule.kind,
                });
                continue;
            }
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
            // A compiled file is one more location of its source's secret:
            // `m.pyc` (or `__pycache__/m.cpython-312.pyc`) and `M.class`
            // share the finding of `m.py` and `M.java` beside them.
            let id_path = match binary {
                Some(binary::Kind::Pyc | binary::Kind::JavaClass) => {
                    binary::source_path(&path).unwrap_or_else(|| path.clone())
                }
                _ => path.clone(),
            };
            let id = fingerprint(&rule.id, secret, &id_path);
            // The same secret again in this text (one key repeated through a
            // file): one more location of the finding already made, not a
            // second finding, so memory grows by a location per repeat.
            if let Some(&i) = seen.get(&id) {
                let f: &mut Finding = &mut found[i];
                f.add_place(Location {
                    line,
                    column,
                    cell: part.and_then(|p| p.cell),
                    commit: origin.commit().map(|c| c.id.clone()),
                    order: 0,
                });
                if causes.iter().any(|c| !f.causes.contains(c)) {
                    for c in causes {
                        if !f.causes.contains(&c) {
                            f.causes.push(c);
                        }
                    }
                    f.causes.sort();
                    f.fix = causes::fix(&f.causes, &f.situation());
                }
                continue;
            }
            seen.insert(id.clone(), found.len());
            let (why, fix) = match rule.kind {
                RuleKind::Risk => (
                    risks::risk_why(&rule.id).to_string(),
                    risks::risk_fix(&rule.id).to_string(),
                ),
                RuleKind::Secret => {
                    let situation = causes::Situation {
                        git: origin.git_state(),
                        framework: facts.project.framework,
                        staged: false,
                    };
                    let why = match binary {
                        Some(kind) => causes::why_binary(&causes, kind.describe())
                            .unwrap_or_else(|| causes::why(&causes, facts.role, &situation)),
                        None => causes::why(&causes, facts.role, &situation),
                    };
                    (why, causes::fix(&causes, &situation))
                }
            };
            found.push(Finding {
                id,
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
                occurrences: 1,
                locations: vec![Location {
                    line,
                    column,
                    cell: part.and_then(|p| p.cell),
                    commit: origin.commit().map(|c| c.id.clone()),
                    order: 0,
                }],
                history: history_blob.map(|(blob, path)| HistoryInfo {
                    path: crate::findings::redact_known_secrets(path),
                    paths_capped: false,
                    commits: 0,
                    paths: 0,
                    in_head: false,
                    in_working_tree: None,
                    blob_ids: vec![blob.to_string()],
                    order: 0,
                }),
                image: None,
                project: facts.project.info(),
                staged: false,
                verify: crate::verify::VerifyState::for_match(
                    rule,
                    &text,
                    m.secret_start,
                    m.secret_end,
                ),
                spilled: Vec::new(),
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
    ///
    /// The errors are printed here, on standard error, each distinct one
    /// once with how many times it came up (the same damaged archive in the
    /// working tree and in history is one warning), unless printing is off.
    pub fn finish(self) -> Collected {
        if self.print_errors {
            print_warnings(&self.errors.lock().unwrap());
        }
        let (env_seen, env_loader) = self.gatherer.finish();
        Collected {
            env_seen,
            env_loader,
            findings: {
                // Compiled files last: where a source and its compiled file
                // share a finding, the source is the location shown.
                let mut f = self.findings.into_inner().unwrap();
                f.sort_by_key(|f| binary::compiled_path(&f.path));
                f
            },
            notes: self.notes.into_inner().unwrap(),
            skipped: self.skipped.into_inner().unwrap(),
            errors: self.errors.into_inner().unwrap(),
            env_files: self.env_files.into_inner().unwrap(),
            rate_limit: self.rate_limit.into_inner().unwrap(),
        }
    }
}

impl Collector<'_> {
    /// [`Sink::blob`] and [`Sink::member`], without the panic guard:
    /// `unpacked` is the budget of the archive a member came from.
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
        // With `--no-archives`, archives stay closed: skipped as binary
        // files, not read as strings of compressed bytes.
        if !self.archives.enabled && archive::sniff(bytes).is_some() {
            if origin.git_blob().is_some() {
                self.history_binary.fetch_add(1, Ordering::Relaxed);
            } else {
                self.binary.fetch_add(1, Ordering::Relaxed);
                self.skipped(&origin.display_path(), "binary file (--no-archives)");
            }
            return;
        }
        // Everything decoded out of this blob shares one budget.
        let mut budget = Budget::for_input(bytes.len(), self.archives.max_member_size);
        if let Some(text) = binary_strings(bytes, &mut budget) {
            self.scan_text(origin, &text, None);
        } else {
            match decode(bytes, &mut budget) {
                Decoded::Text(text) => self.scan_decoded(origin, &text, &mut budget),
                Decoded::Binary => self.read_binary(origin, bytes, &mut budget),
            }
        }
        if let Some(why) = budget.cut_message() {
            self.skipped(&origin.display_path(), &why);
        }
    }
}

/// The strings of a binary are matched in pieces of this size.
const STRINGS_PIECE: usize = 1 << 20;

impl Collector<'_> {
    /// A binary blob: media are passed over (counted); executables,
    /// libraries, compiled code, databases and unknown binaries are read as
    /// `strings` would show them, through the binary matcher. With
    /// `--no-binaries`, only those inside app packages are read.
    fn read_binary(&self, origin: &Origin, bytes: &[u8], budget: &mut Budget) {
        let kind = binary::kind(bytes);
        if let binary::Kind::Media(_) = kind {
            self.media.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let in_app = in_app_package(origin);
        let matcher = match self.binary_matcher() {
            Some(m) if self.binaries || in_app => m,
            // Binary history blobs are only counted: listing every old
            // binary of a repository would drown the report.
            _ if origin.git_blob().is_some() => {
                self.history_binary.fetch_add(1, Ordering::Relaxed);
                return;
            }
            _ => {
                self.binary.fetch_add(1, Ordering::Relaxed);
                let why = if self.binaries {
                    "binary file"
                } else {
                    "binary file (--no-binaries)"
                };
                self.skipped(&origin.display_path(), why);
                return;
            }
        };
        self.binaries_read.fetch_add(1, Ordering::Relaxed);
        // Inside an app package the package is the cause (cause 5 already);
        // the binary's own kind names it elsewhere.
        let shown = (!in_app).then_some(kind);
        let parsed = match kind {
            binary::Kind::Sqlite => binary::sqlite_text(bytes, budget),
            binary::Kind::JavaClass => binary::class_text(bytes, budget),
            binary::Kind::Pyc => Some(binary::pyc_text(bytes, budget)),
            _ => None,
        };
        if let Some(text) = parsed {
            self.scan_text_with(matcher, origin, &text, None, shown, 0);
            return;
        }
        // Strings in pieces: memory stays the binary's bytes plus a piece,
        // whatever its size (a 100 MiB library is not copied as text).
        let glued = match kind {
            binary::Kind::Elf | binary::Kind::MachO | binary::Kind::Pe if binary::is_go(bytes) => {
                self.glued_starts(matcher)
            }
            _ => None,
        };
        let mut line_base = 0;
        binary::strings_each(bytes, budget, STRINGS_PIECE, &mut |piece| {
            let split;
            let piece = match glued {
                Some(ac) => {
                    split = binary::split_glued(piece, ac);
                    &split[..]
                }
                None => piece,
            };
            self.scan_text_with(matcher, origin, piece, None, shown, line_base);
            line_base += memchr::memchr_iter(b'\n', piece).count();
        });
    }
}

impl Sink for Collector<'_> {
    fn blob(&self, origin: &Origin, bytes: &[u8]) {
        // A panic on one item is an error for that item, not a dead scan.
        crate::input::isolate::isolated(&origin.display_path(), self, || {
            self.read_blob(origin, bytes, None)
        });
    }

    fn member(&self, origin: &Origin, bytes: &[u8], unpacked: &Unpacked) {
        crate::input::isolate::isolated(&origin.display_path(), self, || {
            self.read_blob(origin, bytes, Some(unpacked))
        });
    }

    fn skipped(&self, path: &str, reason: &str) {
        self.skipped.lock().unwrap().push(Skipped {
            path: crate::findings::redact_known_secrets(path),
            reason: reason.to_string(),
        });
    }

    fn error(&self, path: &str, message: &str) {
        let msg = if path.is_empty() {
            message.to_string()
        } else {
            format!("{path}: {message}")
        };
        // Paths and quoted values may hold a key.
        let msg = crate::findings::redact_known_secrets(&msg);
        self.errors.lock().unwrap().push(msg);
    }
}

/// Print `errors` as warnings, in first-seen order, each distinct message
/// once: `(N times)` when it came up more than once.
pub fn print_warnings(errors: &[String]) {
    let mut order: Vec<&str> = Vec::new();
    let mut count: HashMap<&str, usize> = HashMap::new();
    for e in errors {
        let n = count.entry(e.as_str()).or_insert(0);
        if *n == 0 {
            order.push(e);
        }
        *n += 1;
    }
    for e in order {
        let times = match count[e] {
            1 => String::new(),
            n => format!(" ({n} times)"),
        };
        eprintln!(
            "jikimi: warning: {}{times} (skipped; the scan goes on)",
            crate::text::escape_controls(e)
        );
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

/// The line of `text` holding byte `at` (without its newline).
fn line_of(text: &[u8], at: usize) -> &[u8] {
    let at = at.min(text.len());
    let start = memchr::memrchr(b'\n', &text[..at]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &text[at..]).map_or(text.len(), |i| at + i);
    &text[start..end]
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
    // Cut at token boundaries: a snippet that starts or ends inside a name
    // shows a different name (`…I_API_KEY=`). Widen to the whole name when
    // it is near, else narrow past it. Only ASCII name bytes are stepped
    // over, so the cut stays on a character boundary.
    let name = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'$');
    if lo > 0 && lo < m.secret_start && name(bytes[lo - 1]) && name(bytes[lo]) {
        let mut back = lo;
        while back > 0 && lo - back < 24 && name(bytes[back - 1]) {
            back -= 1;
        }
        // Never widen into another secret: it would show half of it.
        let cuts_secret = near
            .iter()
            .any(|&(s, e)| s < lo && back < e && (s, e) != own);
        if (back == 0 || !name(bytes[back - 1])) && !cuts_secret {
            lo = back;
        } else {
            while lo < m.secret_start && name(bytes[lo]) {
                lo += 1;
            }
        }
    }
    if hi < bytes.len() && hi > m.secret_end && name(bytes[hi - 1]) && name(bytes[hi]) {
        let mut fwd = hi;
        while fwd < bytes.len() && fwd - hi < 24 && name(bytes[fwd]) {
            fwd += 1;
        }
        let cuts_secret = near
            .iter()
            .any(|&(s, e)| s < fwd && hi < e && (s, e) != own);
        if (fwd == bytes.len() || !name(bytes[fwd])) && !cuts_secret {
            hi = fwd;
        } else {
            while hi > m.secret_end && name(bytes[hi - 1]) {
                hi -= 1;
            }
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
