//! `jikimi fix`: make the changes a report's "Do this first" asks for, as a
//! reviewable unified diff (default: nothing is written) or applied in
//! place (`--apply`).
//!
//! Fed by the findings of the library scan ([`crate::scan::run`]); each kind
//! of change has its module, run in the report's order:
//! [`envfiles`] (ignore and untrack env files, `.env.example`),
//! [`literal`] (a hardcoded key becomes the language's environment lookup,
//! the value moves into the ignored `.env`), [`public`] (drop public
//! prefixes), [`route`] (a browser call goes through a server route),
//! [`history`] (the `git filter-repo` commands, never run) and [`rotate`]
//! (the keys to rotate). [`plan`] holds the edits; [`diff`] prints them in
//! the format `git apply` reads ([`patch`] writes the exact one to an
//! owner-only file); [`apply`] writes them atomically after the safety
//! checks.

pub mod apply;
pub mod diff;
pub mod envfiles;
pub mod history;
pub mod lexer;
pub mod literal;
pub mod patch;
pub mod plan;
pub mod public;
pub mod pyroute;
pub mod rotate;
pub mod route;

use std::path::{Path, PathBuf};

use crate::findings::{Cause, Finding};
use crate::input::GitState;
use crate::rules::{RuleKind, RuleSet};

pub use plan::Plan;

/// Which findings to fix.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// Finding ids or id prefixes (at least 4 hex digits); empty: all.
    pub ids: Vec<String>,
    /// Leak causes; empty: all.
    pub causes: Vec<Cause>,
}

impl Scope {
    /// Whether `f` is in scope.
    pub fn takes(&self, f: &Finding) -> bool {
        (self.ids.is_empty()
            || self
                .ids
                .iter()
                .any(|id| f.id.starts_with(&id.to_ascii_lowercase())))
            && (self.causes.is_empty() || f.causes.iter().any(|c| self.causes.contains(c)))
    }
}

/// Whether a finding is about a secret in a file of the working tree that
/// jikimi can edit (not history, not an archive member, not decoded).
pub fn in_tree(f: &Finding) -> bool {
    f.kind == RuleKind::Secret
        && f.git.is_some()
        && !f.staged
        && !f.path.contains("!/")
        && f.encoded.is_none()
        && f.via.is_none()
        && f.cell.is_none()
}

/// Secrets still in the working tree that a user would ship or commit:
/// working-tree findings outside git-ignored files (an ignored, local
/// `.env` is where `fix` puts the values).
pub fn remaining(findings: &[Finding]) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|f| {
            f.kind == RuleKind::Secret && f.git.is_some() && f.git != Some(GitState::Ignored)
        })
        .collect()
}

/// Build the plan for `findings` (already scoped) under `root`.
pub fn build(root: &Path, findings: &[&Finding], rules: &RuleSet) -> Plan {
    let mut plan = Plan::new(root);
    let tree: Vec<&Finding> = findings.iter().copied().filter(|f| in_tree(f)).collect();
    // 1. Env files: ignore and untrack them, `.env.example`.
    envfiles::fix(&mut plan, &tree);
    // 3. Public prefixes (first, so that the renamed variable keeps the
    // conventional name and a hardcoded key gets the next one).
    public::fix(&mut plan, &tree);
    // 2. and 4. Hardcoded keys: server code reads the environment, browser
    // code calls a server route that does.
    literal::fix(&mut plan, &tree, rules);
    // Every `.env` that now holds a value is ignored and untracked, with
    // its `.env.example`.
    envfiles::finish(&mut plan);
    // 5. History and 6. rotation: printed, never run.
    history::plan(&mut plan, findings);
    rotate::plan(&mut plan, findings, rules);
    plan
}

/// The absolute form of `p` (for git paths).
pub fn absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}
