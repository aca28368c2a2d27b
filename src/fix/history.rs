//! History: `fix` never rewrites it. It prints the exact `git filter-repo`
//! commands, writes the replacements file they read outside the repository
//! with owner-only permissions (it holds the secrets; `--apply` only),
//! names the branches and tags that reach the commits, and says that
//! clones and forks keep the old objects, so rotation comes first.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::plan::Plan;
use crate::findings::Finding;
use crate::findings::causes::{is_env_file, is_env_template};
use crate::rules::RuleKind;

/// The replacements file for the repository at `root`: in the temporary
/// folder (outside the repository), named after the repository's path.
pub fn replacements_path(root: &Path) -> PathBuf {
    use sha2::Digest;
    let abs = super::absolute(root);
    let h = sha2::Sha256::digest(abs.to_string_lossy().as_bytes());
    let tag: String = h[..6].iter().map(|b| format!("{b:02x}")).collect();
    let mut base = std::env::temp_dir();
    if super::absolute(&base).starts_with(&abs) {
        base = std::env::var_os("HOME").map_or_else(|| PathBuf::from("/tmp"), PathBuf::from);
    }
    base.join(format!("jikimi-fix-{tag}"))
        .join("replacements.txt")
}

/// The history section of the plan.
pub fn plan(plan: &mut Plan, findings: &[&Finding]) {
    let in_history: Vec<&&Finding> = findings
        .iter()
        .filter(|f| f.kind == RuleKind::Secret && (f.history.is_some() || f.git.is_none()))
        .filter(|f| f.commit.is_some())
        .collect();
    if in_history.is_empty() {
        return;
    }
    let mut secrets: Vec<String> = Vec::new();
    let mut env_paths = BTreeSet::new();
    let mut commits = BTreeSet::new();
    for f in &in_history {
        if !secrets.contains(&f.secret) {
            secrets.push(f.secret.clone());
        }
        let path = f
            .history
            .as_ref()
            .map_or(f.path.as_str(), |h| h.path.as_str());
        if is_env_file(path) && !is_env_template(path) {
            env_paths.insert(path.to_string());
        }
        if let Some(c) = &f.commit {
            commits.insert(c.id.clone());
        }
    }
    let refs = affected_refs(&plan.root, &commits);
    let file = replacements_path(&plan.root);
    let mut out = Vec::new();
    out.push(format!(
        "{} key(s) are in git history (first added in {} commit(s)); `fix` does not rewrite history.",
        secrets.len(),
        commits.len()
    ));
    if refs.is_empty() {
        out.push(
            "No local branch or tag reaches those commits (they may be on other clones)."
                .to_string(),
        );
    } else {
        out.push(format!("Affected: {}", refs.join(", ")));
    }
    out.push("Rotate the keys first (below): every clone, fork and cache keeps the old objects, so rewriting history does not revoke a key.".to_string());
    out.push(format!(
        "Then, in a fresh mirror clone (git filter-repo refuses other clones), with the replacements file {} (written by `jikimi fix --apply`, owner-only; delete it afterwards):",
        file.display()
    ));
    out.push(format!(
        "  git filter-repo --sensitive-data-removal --replace-text '{}'",
        file.display()
    ));
    if !env_paths.is_empty() {
        let paths: Vec<String> = env_paths.iter().map(|p| format!("--path '{p}'")).collect();
        out.push(format!(
            "  git filter-repo --sensitive-data-removal --invert-paths {}",
            paths.join(" ")
        ));
    }
    out.push("  git push --force --mirror origin".to_string());
    out.push("Ask collaborators to re-clone, and the host to drop cached views of the old commits (GitHub: the sensitive-data removal form).".to_string());
    plan.history = out;
    plan.history_secrets = secrets.clone();
    plan.secrets.extend(secrets);
}

/// Branches and tags (local and remote-tracking) that reach any of
/// `commits`.
fn affected_refs(root: &Path, commits: &BTreeSet<String>) -> Vec<String> {
    let Ok(repo) = git2::Repository::discover(root) else {
        return Vec::new();
    };
    let targets: Vec<git2::Oid> = commits
        .iter()
        .filter_map(|c| git2::Oid::from_str(c).ok())
        .collect();
    let mut out = Vec::new();
    let Ok(refs) = repo.references() else {
        return out;
    };
    for r in refs.flatten() {
        let Ok(name) = r.name().map(str::to_string) else {
            continue;
        };
        let Ok(commit) = r.peel_to_commit() else {
            continue;
        };
        let tip = commit.id();
        let reaches = targets
            .iter()
            .any(|t| *t == tip || repo.graph_descendant_of(tip, *t).unwrap_or(false));
        if !reaches {
            continue;
        }
        let short = name
            .strip_prefix("refs/heads/")
            .map(|b| format!("branch {b}"))
            .or_else(|| name.strip_prefix("refs/tags/").map(|t| format!("tag {t}")))
            .or_else(|| {
                name.strip_prefix("refs/remotes/")
                    .map(|t| format!("remote branch {t}"))
            })
            .unwrap_or(name);
        out.push(crate::text::escape(&short).into_owned());
    }
    out.sort();
    out.dedup();
    out
}

/// Write the replacements file: its folder 0700, the file 0600, created
/// fresh (an existing file is replaced, never followed through a link).
pub fn write_replacements(root: &Path, secrets: &[String]) -> std::io::Result<PathBuf> {
    let file = replacements_path(root);
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    let _ = std::fs::remove_file(&file);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&file)?;
    use std::io::Write;
    for s in secrets {
        writeln!(f, "literal:{s}==>***REMOVED***")?;
    }
    f.sync_all()?;
    Ok(file)
}
