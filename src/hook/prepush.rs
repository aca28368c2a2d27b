//! The pre-push hook: git runs it with one line per ref being pushed on
//! standard input, `<local ref> <local sha> <remote ref> <remote sha>`
//! (githooks(5)). jikimi scans exactly the commits those pushes send: for an
//! update, the commits reachable from the local sha and not from the remote
//! sha; for a new branch (remote sha all zeros), those not on any
//! remote-tracking branch the repository knows. Deletions (local sha all
//! zeros) send nothing and are skipped.
//!
//! The commits are computed with git2 (the repository's git is never run).

use anyhow::{Result, anyhow, bail};
use git2::{Oid, Repository};

/// One pushed ref: the local commit, and the remote's current commit
/// (`None` for a new branch).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Update {
    pub local: String,
    pub remote: Option<String>,
}

fn is_zero(sha: &str) -> bool {
    !sha.is_empty() && sha.bytes().all(|b| b == b'0')
}

fn is_sha(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Parse git's pre-push lines. Blank lines are ignored; a malformed line is
/// an error (the push is not scanned blind).
pub fn parse(text: &str) -> Result<Vec<Update>> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        let [_, local, _, remote] = f.as_slice() else {
            bail!(
                "--pre-push: line {} of standard input is not `<local ref> <local sha> <remote ref> <remote sha>` (run it from git's pre-push hook: `jikimi hook install --pre-push`)",
                n + 1
            );
        };
        if !is_sha(local) || !is_sha(remote) {
            bail!("--pre-push: line {} does not hold two commit ids", n + 1);
        }
        if is_zero(local) {
            continue; // a deletion sends no commits
        }
        out.push(Update {
            local: local.to_ascii_lowercase(),
            remote: (!is_zero(remote)).then(|| remote.to_ascii_lowercase()),
        });
    }
    Ok(out)
}

/// The tips to walk and the commits whose ancestry is already on the
/// remote (to hide), for `updates` in `repo`. `commit` gives the commit an
/// object names, each object checked before libgit2 reads it (see
/// `input::history::commit_at`).
pub fn tips_and_bases(
    repo: &Repository,
    updates: &[Update],
    commit: &dyn Fn(Oid) -> Option<Oid>,
) -> Result<(Vec<Oid>, Vec<Oid>)> {
    let mut tips = Vec::new();
    let mut bases = Vec::new();
    let mut need_remotes = false;
    for u in updates {
        let local = Oid::from_str(&u.local)
            .ok()
            .and_then(commit)
            .ok_or_else(|| anyhow!("--pre-push: commit {} is not in this repository", u.local))?;
        tips.push(local);
        match u
            .remote
            .as_deref()
            .and_then(|r| Oid::from_str(r).ok())
            .and_then(commit)
        {
            Some(c) => bases.push(c),
            // A new branch, or a remote commit this clone has not fetched
            // (a force push): what the remote-tracking branches hold is
            // already there.
            None => need_remotes = true,
        }
    }
    if need_remotes && let Ok(refs) = repo.references_glob("refs/remotes/*") {
        for r in refs.flatten() {
            if let Some(c) = r.resolve().ok().and_then(|r| r.target()).and_then(commit) {
                bases.push(c);
            }
        }
    }
    Ok((tips, bases))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_updates_new_branches_and_skips_deletions() {
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        let z = "0".repeat(40);
        let text = format!(
            "refs/heads/main {a} refs/heads/main {b}\nrefs/heads/new {a} refs/heads/new {z}\n(delete) {z} refs/heads/old {b}\n\n"
        );
        let u = parse(&text).unwrap();
        assert_eq!(u.len(), 2);
        assert_eq!(u[0].remote.as_deref(), Some(b.as_str()));
        assert_eq!(u[1].remote, None);
        assert!(parse("one two\n").is_err());
        assert!(parse("a b c d\n").is_err());
        assert!(parse("").unwrap().is_empty());
    }
}
