//! Risk findings: architecture mistakes the guide names, reported without a
//! secret. `browser-direct-call` and `public-env-secret` come from risk rules
//! (`rules/risks.toml`) and are kept here only where the file's role makes
//! them true; `gitignore-gap` is decided from the repository's committed
//! ignore rules with real gitignore semantics.

use std::path::Path;

use crate::findings::causes::{Cause, Role};
use crate::rules::Severity;

/// The rule id of the `.gitignore` gap risk.
pub const GITIGNORE_GAP: &str = "gitignore-gap";
/// The title of a `gitignore-gap` finding.
pub const GITIGNORE_GAP_TITLE: &str = ".env files are not ignored by git";
pub const BROWSER_DIRECT_CALL: &str = "browser-direct-call";
pub const PUBLIC_ENV_SECRET: &str = "public-env-secret";

/// Whether a risk rule's match counts in a file of this role, and the causes
/// it carries.
pub fn risk_applies(rule_id: &str, role: Role) -> Option<Vec<Cause>> {
    match rule_id {
        BROWSER_DIRECT_CALL => matches!(role, Role::Client | Role::App)
            .then(|| vec![Cause::FrontendCode, Cause::ClientTransit]),
        PUBLIC_ENV_SECRET => matches!(
            role,
            Role::Client | Role::App | Role::EnvFile | Role::Server | Role::Other
        )
        .then(|| vec![Cause::PublicEnvVar]),
        _ => Some(Vec::new()),
    }
}

pub fn risk_why(rule_id: &str) -> &'static str {
    match rule_id {
        BROWSER_DIRECT_CALL => {
            "browser code calls an LLM API directly: the key must be in the browser for that to work"
        }
        PUBLIC_ENV_SECRET => {
            "a browser-exposed variable is named like a secret: the build inlines its value into the bundle"
        }
        GITIGNORE_GAP => {
            "the repository's .gitignore does not ignore .env files: the next `git add .` commits your keys"
        }
        crate::findings::docker::DOCKERIGNORE_GAP => crate::findings::docker::DOCKERIGNORE_GAP_WHY,
        _ => "an architecture risk",
    }
}

pub fn risk_fix(rule_id: &str) -> &'static str {
    match rule_id {
        BROWSER_DIRECT_CALL => {
            "call your own backend endpoint (e.g. POST /api/chat) and let the server call the provider with the key from its environment"
        }
        PUBLIC_ENV_SECRET => {
            "rename it without the public prefix and read it only in server code; the client calls your backend instead"
        }
        GITIGNORE_GAP => {
            "add `.env` and `.env.*` (with `!.env.example`) to .gitignore and commit it"
        }
        crate::findings::docker::DOCKERIGNORE_GAP => crate::findings::docker::DOCKERIGNORE_GAP_FIX,
        _ => "",
    }
}

/// Result of checking a repository's ignore rules for `.env` files.
#[derive(Debug, Clone)]
pub struct GitignoreGap {
    /// The env-like paths (relative) that the committed rules do not ignore.
    pub unignored: Vec<String>,
    /// Whether an env file exists in the work tree and is not ignored.
    pub exposed_file_exists: bool,
    pub severity: Severity,
}

/// Check `.env`-style names against the repository's committed `.gitignore`
/// files (root and nested), using the `ignore` crate's gitignore matcher:
/// negations, anchoring and directory rules behave as git does. Existing env
/// files in the tree (`existing`, relative paths, excluding templates) are
/// checked too. Personal excludes (`.git/info/exclude`, the global excludes
/// file) are not shared with collaborators, so they do not count.
pub fn gitignore_gap(
    workdir: &Path,
    gitignore_files: &[String],
    existing: &[String],
) -> Option<GitignoreGap> {
    use ignore::gitignore::GitignoreBuilder;
    let mut builder = GitignoreBuilder::new(workdir);
    // Nested .gitignore files apply to their folder; the builder resolves
    // patterns relative to each file's folder.
    for rel in gitignore_files {
        // Read here, not by the builder: only a regular file, bounded.
        let path = workdir.join(rel);
        let Ok(text) = crate::input::fsread::read_small_string(&path) else {
            continue;
        };
        for line in text.lines() {
            let _ = builder.add_line(Some(path.clone()), line);
        }
    }
    let gi = builder.build().ok()?;
    let mut candidates: Vec<String> =
        vec![".env".into(), ".env.local".into(), ".env.production".into()];
    for e in existing {
        if !candidates.contains(e) {
            candidates.push(e.clone());
        }
    }
    let mut unignored = Vec::new();
    let mut exposed_file_exists = false;
    for c in &candidates {
        let ignored = gi.matched_path_or_any_parents(c, false).is_ignore();
        if !ignored {
            if existing.contains(c) {
                exposed_file_exists = true;
            }
            unignored.push(c.clone());
        }
    }
    if unignored.is_empty() {
        return None;
    }
    Some(GitignoreGap {
        severity: if exposed_file_exists {
            Severity::High
        } else {
            Severity::Medium
        },
        unignored,
        exposed_file_exists,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gap(gitignore: &str, existing: &[&str]) -> Option<GitignoreGap> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".gitignore"), gitignore).unwrap();
        let existing: Vec<String> = existing.iter().map(|s| s.to_string()).collect();
        gitignore_gap(dir.path(), &[".gitignore".into()], &existing)
    }

    #[test]
    fn semantics_not_strings() {
        assert!(gap(".env\n.env.*\n", &[]).is_none());
        assert!(gap(".env*\n", &[]).is_none());
        assert!(gap("*.env\n.env.*\n", &[]).is_none());
        // A comment is not a rule.
        assert!(gap("# .env\n", &[]).is_some());
        // A later negation un-ignores it.
        assert!(gap(".env\n!.env\n.env.*\n", &[]).is_some());
        // Only the dotless form: .env.local escapes.
        let g = gap(".env\n", &[]).unwrap();
        assert!(g.unignored.contains(&".env.local".to_string()));
        // An existing unignored .env is high severity.
        assert_eq!(
            gap("node_modules\n", &[".env"]).unwrap().severity,
            Severity::High
        );
    }
}
