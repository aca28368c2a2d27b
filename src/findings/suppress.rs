//! Suppression: the controls a team uses to live with a scanner without
//! silencing real leaks. A match can be held back by an inline marker on its
//! line (`jikimi:allow`, or another scanner's marker), by the project's
//! allowlist (`jikimi.toml`) or by a baseline. Whatever the reason, a held
//! back match becomes a [`Suppressed`] record, never nothing: the reports
//! count them and list them at `-v`, so a marker cannot hide a key silently.
//!
//! Path excludes live here too ([`Filters::excluded`]): an excluded path is
//! not scanned at all, like a git-ignored one, in every input (tree, history,
//! archive members), because the scan stage asks before it matches.

use std::collections::HashSet;

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use regex::Regex;
use serde::Serialize;

use crate::findings::Cause;
use crate::rules::RuleKind;

/// Inline markers honoured on the line of a secret. `jikimi:allow` is ours;
/// the others let teams migrate from gitleaks, detect-secrets and trufflehog
/// without editing every marked line.
pub const INLINE_MARKERS: &[&str] = &[
    "jikimi:allow",
    "gitleaks:allow",
    "pragma: allowlist secret",
    "pragma:allowlist secret",
    "trufflehog:ignore",
];

/// The marker on `line`, if any.
pub fn inline_marker(line: &[u8]) -> Option<&'static str> {
    INLINE_MARKERS
        .iter()
        .copied()
        .find(|m| crate::text::find_bytes(line, m.as_bytes()).is_some())
}

/// Why a match was held back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// An inline marker on the line.
    Inline,
    /// The `[allow]` section of the config file.
    Allowlist,
    /// Recorded in the `--baseline` file.
    Baseline,
    /// `--only-verified`: the provider did not confirm the key live.
    NotVerified,
    /// A key in test data, with `tests = "ignore"` in the config.
    Tests,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Inline => "inline",
            Reason::Allowlist => "allowlist",
            Reason::Baseline => "baseline",
            Reason::NotVerified => "not-verified",
            Reason::Tests => "tests",
        }
    }
}

/// A finding that was not reported, and why. Never holds the secret.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Suppressed {
    // Field order is the sort order: by file, then line.
    pub path: String,
    /// 1-based line; 0 for findings about the repository as a whole.
    pub line: usize,
    pub rule: String,
    pub reason: Reason,
    /// The marker, allowlist entry or baseline key that matched (never the
    /// secret: allowlisted *values* are shown as `value`).
    pub by: String,
    /// The leak causes the finding would have had: a suppressed finding
    /// still answers the checklist (as `accepted`, never `pass`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<Cause>,
    /// Secret or risk.
    #[serde(skip)]
    pub kind: RuleKind,
}

/// One allowlist: values, regexes and stopwords matched against the secret,
/// and gitignore-style path patterns matched against the finding's path.
#[derive(Debug)]
pub struct Allow {
    pub values: HashSet<String>,
    pub regexes: Vec<Regex>,
    /// Lower-cased; a secret containing one (ASCII case-insensitively) is
    /// allowed.
    pub stopwords: Vec<String>,
    pub paths: Gitignore,
}

impl Default for Allow {
    fn default() -> Self {
        Allow {
            values: HashSet::new(),
            regexes: Vec::new(),
            stopwords: Vec::new(),
            paths: Gitignore::empty(),
        }
    }
}

impl Allow {
    /// The entry that allows `secret` at `path`, described without the secret.
    pub fn matches(&self, secret: &str, path: &str) -> Option<String> {
        if !secret.is_empty() && self.values.contains(secret) {
            return Some("value".into());
        }
        if let Some(re) = self.regexes.iter().find(|re| re.is_match(secret)) {
            return Some(format!("regex {}", re.as_str()));
        }
        if !self.stopwords.is_empty() {
            let lower = secret.to_ascii_lowercase();
            if let Some(w) = self.stopwords.iter().find(|w| lower.contains(w.as_str())) {
                return Some(format!("stopword {w}"));
            }
        }
        if !self.paths.is_empty() && path_matches(&self.paths, path) {
            return Some("path".into());
        }
        None
    }
}

/// Build a gitignore-syntax matcher from patterns (relative to the scan root).
pub fn build_globs(patterns: &[String]) -> Result<Gitignore, String> {
    let mut b = GitignoreBuilder::new("");
    for p in patterns {
        b.add_line(None, p).map_err(|e| e.to_string())?;
    }
    b.build().map_err(|e| e.to_string())
}

/// Whether `path` (relative, `/`-separated; `a.zip!/m/x` for archive
/// members) or one of its parent folders is matched by `globs`. Negations
/// (`!keep/this`) work as in `.gitignore`.
pub fn path_matches(globs: &Gitignore, path: &str) -> bool {
    path_matches_entry(globs, path, false)
}

/// [`path_matches`] for a walk entry that may be a folder (`fixtures/`
/// patterns match only folders).
pub fn path_matches_entry(globs: &Gitignore, path: &str, is_dir: bool) -> bool {
    let path = path.trim_start_matches('/');
    if path.is_empty() {
        return false;
    }
    globs.matched_path_or_any_parents(path, is_dir).is_ignore()
}

/// Everything the scan stage consults before reporting a match: excludes,
/// the global allowlist, per-rule allowlists and whether inline markers are
/// honoured. The default holds nothing back except inline markers.
#[derive(Debug)]
pub struct Filters {
    /// Paths not scanned at all (`exclude` in the config file).
    pub exclude: Gitignore,
    pub allow: Allow,
    /// Per-rule allowlists, by rule id.
    pub rule_allow: Vec<(String, Allow)>,
    /// Rule ids whose findings are dropped (disabled in the config). Rules
    /// in the rule set are disabled in the matcher; this catches the ones
    /// the scan stage makes itself, such as `gitignore-gap`.
    pub disabled: HashSet<String>,
    /// The config file itself, relative to the scan root(s): not scanned.
    pub own_files: Vec<String>,
    /// What to do with keys in test data (`tests` in the config).
    pub tests: crate::findings::test_data::TestsPolicy,
    /// Honour inline markers (`jikimi:allow`, `gitleaks:allow`, ...);
    /// `--audit` turns them off.
    pub inline: bool,
    /// `--audit`: honour nothing the scanned repository controls (inline
    /// markers, its config, its `.ignore` files; tracked files that its
    /// `.gitignore` matches are scanned too).
    pub audit: bool,
}

impl Default for Filters {
    fn default() -> Self {
        Filters {
            exclude: Gitignore::empty(),
            allow: Allow::default(),
            rule_allow: Vec::new(),
            disabled: HashSet::new(),
            own_files: Vec::new(),
            tests: Default::default(),
            inline: true,
            audit: false,
        }
    }
}

impl Filters {
    /// Whether `path` is excluded from the scan.
    pub fn excluded(&self, path: &str) -> bool {
        self.excluded_entry(path, false)
    }

    /// Whether a walk entry (file or folder) is excluded.
    pub fn excluded_entry(&self, path: &str, is_dir: bool) -> bool {
        (!is_dir && self.own_files.iter().any(|f| f == path))
            || (!self.exclude.is_empty() && path_matches_entry(&self.exclude, path, is_dir))
    }

    /// The allowlist entry holding back `secret` found by `rule` at `path`.
    pub fn allowed(&self, rule: &str, secret: &str, path: &str) -> Option<String> {
        if let Some(by) = self.allow.matches(secret, path) {
            return Some(by);
        }
        self.rule_allow
            .iter()
            .filter(|(id, _)| id == rule)
            .find_map(|(_, a)| a.matches(secret, path))
            .map(|by| format!("{rule}: {by}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        assert_eq!(
            inline_marker(b"key = 'x' # jikimi:allow"),
            Some("jikimi:allow")
        );
        assert_eq!(
            inline_marker(b"key = 'x' // gitleaks:allow"),
            Some("gitleaks:allow")
        );
        assert_eq!(
            inline_marker(b"key = 'x'  # pragma: allowlist secret"),
            Some("pragma: allowlist secret")
        );
        assert_eq!(inline_marker(b"key = 'x'"), None);
    }

    #[test]
    fn globs_match_files_and_folders() {
        let g =
            build_globs(&["fixtures/".into(), "*.min.js".into(), "!keep.min.js".into()]).unwrap();
        assert!(path_matches(&g, "fixtures/a/b.txt"));
        assert!(path_matches(&g, "web/app.min.js"));
        assert!(!path_matches(&g, "web/keep.min.js"));
        assert!(!path_matches(&g, "src/main.rs"));
        assert!(!path_matches(&g, "/"));
        assert!(path_matches_entry(&g, "fixtures", true));
        assert!(!path_matches_entry(&g, "fixtures", false));
    }

    #[test]
    fn allow_never_describes_the_secret() {
        let mut a = Allow::default();
        a.values.insert("s3cr3t-value".into());
        a.stopwords.push("example".into());
        assert_eq!(a.matches("s3cr3t-value", "x").as_deref(), Some("value"));
        assert_eq!(
            a.matches("sk-EXAMPLE-123", "x").as_deref(),
            Some("stopword example")
        );
        assert_eq!(a.matches("other", "x"), None);
    }
}
