//! Findings: a [`RawMatch`](crate::matcher::RawMatch) placed in its file,
//! given a stable fingerprint, its leak causes (see [`causes`]), a `why` and a
//! `fix`. Also the risk findings that are about the repository rather than a
//! line ([`risks`]), and deduplication and ordering before reporting.

pub mod causes;
pub mod container;
pub mod docker;
pub mod image;
pub mod policy;
pub mod project;
pub mod public;
pub mod risks;
pub mod role;
pub mod suppress;
pub mod test_data;
pub mod test_dirs;
pub mod weak;

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::input::{CommitInfo, GitState};

use crate::rules::{Confidence, RuleKind, Severity};

pub use causes::Cause;
pub use project::ProjectInfo;

/// One thing to report.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// Stable fingerprint of rule + secret + path (not the line), hex.
    pub id: String,
    pub kind: RuleKind,
    pub rule: String,
    pub title: String,
    pub provider: String,
    pub severity: Severity,
    pub confidence: Confidence,
    /// The secret (for risks: the evidence). Redacted by the reports unless
    /// `--no-redact`; never serialized from here.
    #[serde(skip)]
    pub secret: String,
    /// Relative, `/`-separated path; `a.apk!/assets/x.json` inside archives.
    pub path: String,
    /// 1-based line and column (column in characters) of the secret; 0 for
    /// findings about the repository as a whole.
    pub line: usize,
    pub column: usize,
    /// For a finding read out of a source map: the map (`path` is then the
    /// original source the map points back to).
    pub via: Option<String>,
    /// For a finding in a notebook: the 1-based cell (`line` counts in it).
    pub cell: Option<usize>,
    /// The notebook finding is in the cell's output, not its source.
    pub cell_output: bool,
    /// How the secret was encoded in the file (`base64`), if it was; the
    /// position is then that of the encoded form.
    pub encoded: Option<&'static str>,
    /// The file is minified (long lines): the column matters more than the
    /// line.
    pub minified: bool,
    /// The source line around the secret, at most ~120 characters, with the
    /// secret still in it (reports redact it).
    #[serde(skip)]
    pub context: String,
    pub commit: Option<Arc<CommitInfo>>,
    /// Git state of the working-tree file (`None` for history findings).
    pub git: Option<GitState>,
    pub causes: Vec<Cause>,
    pub why: String,
    pub fix: String,
    /// How many distinct places hold the secret (exact, also when
    /// `locations` is capped).
    pub occurrences: usize,
    /// The places the secret sits in this file: each line of the working
    /// tree (or of the staged file), or, for a key that only history has,
    /// each distinct place in the commits that carry it; at most
    /// [`MAX_LOCATIONS`], in file order (`occurrences` counts them all).
    /// The first is the finding's own `line` and `column`.
    pub locations: Vec<Location>,
    /// The places past the cap, as bare positions, so that `occurrences`
    /// stays exact without a full location (or finding) per repeat: one key
    /// on each of 80,000 lines of a log keeps one finding and 80,000 of
    /// these.
    #[serde(skip)]
    pub spilled: Vec<Place>,
    /// Where the secret is in git history (`None`: not found in history).
    pub history: Option<HistoryInfo>,
    /// Inside a container image: which image, layer and instruction (see
    /// [`image`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<crate::input::image::ImageInfo>,
    /// The project the file belongs to (`None` when no manifest was found).
    pub project: Option<ProjectInfo>,
    /// Found by `--staged`: in the index, not yet committed.
    #[serde(skip)]
    pub staged: bool,
    /// `--verify`: the credential's other half found next to it, and the
    /// provider's answer (see [`crate::verify`]).
    #[serde(skip)]
    pub verify: crate::verify::VerifyState,
}

/// One place a secret sits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    /// 1-based line (in the notebook cell for notebooks), and column in
    /// characters.
    pub line: usize,
    pub column: usize,
    /// The notebook cell, for notebooks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<usize>,
    /// For a place found only in history: the commit (full id) whose blob
    /// holds it; `None` for the working tree or a staged file.
    pub commit: Option<String>,
    /// First-seen order of the blob (lower is older), to keep the earliest
    /// commit of a place.
    #[serde(skip)]
    pub order: u64,
}

impl Location {
    fn position(&self) -> (Option<usize>, usize, usize) {
        (self.cell, self.line, self.column)
    }

    fn place(&self) -> Place {
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Place {
            cell: self.cell.map_or(0, |c| n(c).saturating_add(1)),
            line: n(self.line),
            column: n(self.column),
            history: self.commit.is_some(),
        }
    }
}

/// How many places a finding keeps as full [`Location`]s; the rest are
/// counted ([`Place`]), and the reports say how many more there are.
pub const MAX_LOCATIONS: usize = 100;

/// A place past [`MAX_LOCATIONS`]: just enough to count distinct places.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    /// The notebook cell + 1 (0: not in a notebook).
    cell: u32,
    line: u32,
    column: u32,
    /// Found in a history blob (not the working tree or the index).
    history: bool,
}

impl Finding {
    /// A finding about the repository rather than a secret (a risk such as
    /// an ignore-file gap): jikimi's own rule, high severity and confidence,
    /// no secret, one place; callers set the rest with `..Finding::risk(…)`.
    pub fn risk(id: String, rule: &str, title: &str, path: String) -> Finding {
        Finding {
            id,
            kind: RuleKind::Risk,
            rule: rule.into(),
            title: title.into(),
            provider: "jikimi".into(),
            severity: Severity::High,
            confidence: Confidence::High,
            secret: String::new(),
            path,
            line: 0,
            column: 0,
            via: None,
            cell: None,
            cell_output: false,
            encoded: None,
            minified: false,
            context: String::new(),
            commit: None,
            git: None,
            causes: Vec::new(),
            why: String::new(),
            fix: String::new(),
            occurrences: 1,
            locations: Vec::new(),
            spilled: Vec::new(),
            history: None,
            image: None,
            project: None,
            staged: false,
            verify: Default::default(),
        }
    }

    /// One more place of this finding's secret in the same text: a whole
    /// location while fewer than [`MAX_LOCATIONS`] are kept, else only
    /// counted (`occurrences` stays exact).
    pub fn add_place(&mut self, location: Location) {
        if self.locations.len() < MAX_LOCATIONS {
            self.locations.push(location);
        } else {
            self.spilled.push(location.place());
        }
    }
}

/// Keep one location per place: working-tree places only when there are
/// any (history then adds nothing the user can edit), else the oldest
/// commit of each place in history; in file order.
pub fn normalize_locations(locations: &mut Vec<Location>) {
    if locations.iter().any(|l| l.commit.is_none()) {
        locations.retain(|l| l.commit.is_none());
    }
    locations.sort_by_key(|l| (l.position(), l.order));
    locations.dedup_by(|later, first| later.position() == first.position());
}

/// [`normalize_locations`] for a finding whose places may be capped: the
/// same rule on the spilled places, the kept locations cut to
/// [`MAX_LOCATIONS`], and `occurrences` set to the exact number of
/// distinct places.
fn normalize_places(f: &mut Finding) {
    if f.spilled.is_empty() && f.locations.len() <= MAX_LOCATIONS {
        normalize_locations(&mut f.locations);
        f.occurrences = f.locations.len().max(1);
        return;
    }
    let tree =
        f.locations.iter().any(|l| l.commit.is_none()) || f.spilled.iter().any(|p| !p.history);
    normalize_locations(&mut f.locations);
    if tree {
        f.locations.retain(|l| l.commit.is_none());
        f.spilled.retain(|p| !p.history);
    }
    let mut all: Vec<(u32, u32, u32)> = f
        .locations
        .iter()
        .map(Location::place)
        .chain(f.spilled.iter().copied())
        .map(|p| (p.cell, p.line, p.column))
        .collect();
    all.sort_unstable();
    all.dedup();
    f.occurrences = all.len().max(1);
    f.locations.truncate(MAX_LOCATIONS);
    f.spilled = Vec::new();
}

/// A secret's place in git history, for findings from history blobs.
#[derive(Clone, Debug, Serialize)]
pub struct HistoryInfo {
    /// The path in the commit that introduced it (`Finding::commit`).
    pub path: String,
    /// Scanned commits whose tree carries it (at any of `blob_ids`).
    pub commits: usize,
    /// Distinct paths it appears at across those commits.
    pub paths: usize,
    /// `paths` is a lower bound: a blob sits at more paths than are listed
    /// (a crafted tree can hold one blob at millions of paths); see
    /// [`crate::input::history::MAX_PATHS_PER_BLOB`].
    pub paths_capped: bool,
    /// Whether HEAD's tree still carries it.
    pub in_head: bool,
    /// Whether the working-tree scan found the same secret (same rule),
    /// anywhere; `None` when the working tree was not scanned.
    pub in_working_tree: Option<bool>,
    /// The blobs that carry it (ids, hex); merged findings gather several.
    pub blob_ids: Vec<String>,
    /// First-seen order of the introducing blob (lower is older), to keep
    /// the earliest commit when findings merge.
    #[serde(skip)]
    pub order: u64,
}

impl HistoryInfo {
    /// Merge another history record of the same finding.
    fn absorb(&mut self, other: HistoryInfo) {
        if other.order < self.order {
            self.path = other.path;
            self.order = other.order;
        }
        // Duplicates are removed once merging is done (`dedup_blob_ids`):
        // checking each here would be quadratic in a file's versions.
        self.blob_ids.extend(other.blob_ids);
    }

    /// Remove repeated blob ids, keeping the first of each.
    fn dedup_blob_ids(&mut self) {
        let mut seen = std::collections::HashSet::new();
        self.blob_ids.retain(|b| seen.insert(b.clone()));
    }

    /// The secret is gone from HEAD and the working tree: only history
    /// (and every clone) still has it.
    pub fn only_in_history(&self) -> bool {
        !self.in_head && self.in_working_tree != Some(true)
    }
}

impl Finding {
    /// What the wording of this finding depends on besides its causes.
    pub fn situation(&self) -> causes::Situation {
        causes::Situation {
            git: self.git,
            framework: self
                .project
                .as_ref()
                .and_then(|p| p.framework)
                .unwrap_or_default(),
            staged: self.staged,
        }
    }

    /// Whether this fails a scan under the default policy (any secret, and
    /// risks of high severity or more); see [`policy::FailPolicy`].
    pub fn fails_by_default(&self) -> bool {
        policy::FailPolicy::default().fails(self)
    }
}

/// A key that is deliberately not a finding, such as one in a git-ignored,
/// never-committed `.env` (local development, as the guide recommends).
#[derive(Clone, Debug, Serialize)]
pub struct Note {
    pub rule: String,
    pub path: String,
    pub line: usize,
    #[serde(skip)]
    pub secret: String,
    pub message: String,
}

/// Fingerprint of (rule, secret, path): stable across line moves.
pub fn fingerprint(rule: &str, secret: &str, path: &str) -> String {
    let mut h = Sha256::new();
    h.update(rule.as_bytes());
    h.update([0]);
    h.update(secret.as_bytes());
    h.update([0]);
    h.update(path.as_bytes());
    let d = h.finalize();
    d[..16].iter().map(|b| format!("{b:02x}")).collect()
}

pub use crate::redact::{redact_in, redact_known_secrets, set_active_rules};
pub use crate::text::redact;

/// Where a finding's location comes from, for choosing which one to keep:
/// the working tree first, then the oldest history blob, then the earliest
/// line.
fn location_rank(f: &Finding) -> (bool, u64, Option<usize>, usize, usize) {
    let from_history = f.git.is_none() && f.commit.is_some();
    let order = if from_history {
        f.history.as_ref().map_or(0, |h| h.order)
    } else {
        0
    };
    (from_history, order, f.cell, f.line, f.column)
}

/// Merge findings with the same id (same rule, secret and path): keep the
/// first location (working tree before history, earliest line), gather
/// every place into `locations` (occurrences counts them), union the causes and keep the commit that introduced the
/// secret. Then sort: most severe first, then path, line.
pub fn dedup_and_sort(findings: Vec<Finding>) -> Vec<Finding> {
    let mut by_id: BTreeMap<String, Finding> = BTreeMap::new();
    for f in findings {
        match by_id.get_mut(&f.id) {
            None => {
                by_id.insert(f.id.clone(), f);
            }
            Some(existing) => merge(existing, f),
        }
    }
    let mut out: Vec<Finding> = by_id.into_values().collect();
    for f in &mut out {
        normalize_places(f);
        if let Some(h) = f.history.as_mut() {
            h.dedup_blob_ids();
        }
    }
    sort(&mut out);
    out
}

/// Merge `f` into `existing` (same id): see [`dedup_and_sort`]. The
/// collector calls it as matches arrive, so a key repeated on every line of
/// a file is one finding from the start, not one per line until the end.
pub fn merge(existing: &mut Finding, f: Finding) {
    let before = existing.causes.len();
    for c in &f.causes {
        if !existing.causes.contains(c) {
            existing.causes.push(*c);
        }
    }
    existing.causes.sort();
    // The fix covers every cause (`why` stays: it is about the
    // kept location).
    // (`f` may be several matches merged already: its fix is then for
    // its own union, which may not be this one.)
    if existing.kind == RuleKind::Secret
        && (existing.causes != f.causes || existing.causes.len() != before)
    {
        existing.fix = causes::fix(&existing.causes, &existing.situation());
    }
    if location_rank(&f) < location_rank(existing) {
        existing.line = f.line;
        existing.column = f.column;
        existing.via = f.via.clone();
        existing.cell = f.cell;
        existing.cell_output = f.cell_output;
        existing.encoded = f.encoded;
        existing.minified = f.minified;
        existing.context = f.context.clone();
        existing.git = f.git;
        existing.verify.merge(&f.verify, true);
    }
    existing.verify.merge(&f.verify, false);
    existing.locations.extend(f.locations);
    existing.spilled.extend(f.spilled);
    // The commit is the introducing one: from the oldest blob.
    match (&mut existing.history, f.history) {
        (Some(h), Some(other)) => {
            let older = other.order < h.order;
            h.absorb(other);
            if older {
                existing.commit = f.commit;
            }
        }
        (slot @ None, Some(other)) => {
            *slot = Some(other);
            existing.commit = f.commit;
        }
        _ => {}
    }
}

/// The report order: secrets before risks, most severe first, then by path
/// and position, so output (and snapshots) are deterministic.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (
            a.kind,
            std::cmp::Reverse(a.severity),
            &a.path,
            a.cell,
            a.line,
            a.column,
            &a.rule,
        )
            .cmp(&(
                b.kind,
                std::cmp::Reverse(b.severity),
                &b.path,
                b.cell,
                b.line,
                b.column,
                &b.rule,
            ))
    });
}

/// What verification reads and writes on a finding (it does not know
/// findings: data flows findings -> verify, never back).
impl crate::verify::Checked for Finding {
    fn rule_id(&self) -> &str {
        &self.rule
    }

    fn checked_secret(&self) -> Option<&str> {
        (self.kind == RuleKind::Secret && !self.secret.is_empty()).then_some(self.secret.as_str())
    }

    fn verify_state(&self) -> &crate::verify::VerifyState {
        &self.verify
    }

    fn verify_state_mut(&mut self) -> &mut crate::verify::VerifyState {
        &mut self.verify
    }

    fn severity(&self) -> Severity {
        self.severity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_never_shows_the_key() {
        // A fake key (no valid structure), marked so jikimi's self-scan passes.
        let k = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0fGh3iJk6lMn9oPq2rSt5uVw8xYz1aBc4dEf7g9xQz"; // jikimi:allow
        let r = redact(k);
        assert!(r.starts_with("sk-proj-Ab…"), "{r}");
        assert!(r.ends_with("9xQz"));
        assert!(r.chars().count() <= 16);
        assert_eq!(redact("hunter2"), "…");
        assert_eq!(redact("short-password-1"), "s…-1");
    }

    #[test]
    fn fingerprint_is_stable_and_path_sensitive() {
        assert_eq!(fingerprint("r", "s", "p"), fingerprint("r", "s", "p"));
        assert_ne!(fingerprint("r", "s", "p"), fingerprint("r", "s", "q"));
        assert_eq!(fingerprint("r", "s", "p").len(), 32);
    }
}
