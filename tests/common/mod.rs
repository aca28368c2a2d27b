//! Shared test harness: temp trees, git repositories built with git2, fake
//! keys generated at run time, and a command builder for the binary.
#![allow(dead_code)]

pub mod mock;
pub mod pack;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A temporary directory to scan.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write `content` at `rel`, creating folders.
    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
        p
    }

    /// `jikimi` with the current directory set to the temp dir and colors off.
    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("jikimi").unwrap();
        c.current_dir(self.dir.path()).env("NO_COLOR", "1");
        c
    }

    /// Run `jikimi scan <args> --format json`.
    fn run_scan_json(&self, args: &[&str]) -> std::process::Output {
        self.cmd()
            .arg("scan")
            .args(args)
            .args(["--format", "json"])
            .output()
            .unwrap()
    }

    /// Run `jikimi scan <args> --format json` and parse the report.
    pub fn scan_json(&self, args: &[&str]) -> (i32, serde_json::Value) {
        let out = self.run_scan_json(args);
        let code = out.status.code().unwrap_or(-1);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): stdout={} stderr={}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (code, v)
    }

    /// Remove the file at `rel`.
    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.dir.path().join(rel)).unwrap();
    }

    /// Run `jikimi scan <args> --format json`: exit code, report, stderr.
    pub fn scan_full(&self, args: &[&str]) -> (i32, serde_json::Value, String) {
        let out = self
            .cmd()
            .arg("scan")
            .args(args)
            .args(["--format", "json"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): stderr={stderr}"));
        (out.status.code().unwrap_or(-1), v, stderr)
    }

    /// `git init` here, with an identity for commits.
    pub fn git_init(&self) -> git2::Repository {
        let repo = git2::Repository::init(self.dir.path()).unwrap();
        let mut cfg = repo.config().unwrap();
        cfg.set_str("user.name", "Test").unwrap();
        cfg.set_str("user.email", "test@example.com").unwrap();
        repo
    }

    /// Stage everything and commit; returns the commit id.
    pub fn commit_all(&self, repo: &git2::Repository, msg: &str) -> git2::Oid {
        let mut index = repo.index().unwrap();
        index
            .add_all(
                ["*"].iter(),
                git2::IndexAddOption::DEFAULT | git2::IndexAddOption::FORCE,
                None,
            )
            .unwrap();
        index.update_all(["*"].iter(), None).unwrap();
        index.write().unwrap();
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = git2::Signature::now("Test", "test@example.com").unwrap();
        let parents: Vec<git2::Commit> = repo
            .head()
            .ok()
            .and_then(|h| h.peel_to_commit().ok())
            .into_iter()
            .collect();
        let parents: Vec<&git2::Commit> = parents.iter().collect();
        repo.commit(Some("HEAD"), &sig, &sig, msg, &tree, &parents)
            .unwrap()
    }
}

/// Standard base64 with padding (the tests' encoded payloads).
pub fn b64(data: &(impl AsRef<[u8]> + ?Sized)) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data.as_ref())
}

/// URL-safe base64 without padding (JWT segments).
pub fn b64url(data: &(impl AsRef<[u8]> + ?Sized)) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data.as_ref())
}

/// Findings of a JSON report.
pub fn findings(v: &serde_json::Value) -> &Vec<serde_json::Value> {
    v["findings"].as_array().expect("findings array")
}

/// Findings with the given rule id.
pub fn by_rule<'a>(v: &'a serde_json::Value, rule: &str) -> Vec<&'a serde_json::Value> {
    findings(v).iter().filter(|f| f["rule"] == rule).collect()
}

/// The causes of a finding as strings.
pub fn causes(f: &serde_json::Value) -> Vec<String> {
    f["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect()
}

/// A small deterministic generator for fake keys (no external crates).
pub struct Fake(u64);

impl Fake {
    pub fn new(seed: u64) -> Fake {
        Fake(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// `n` random characters from `alphabet`.
    pub fn chars(&mut self, alphabet: &str, n: usize) -> String {
        let a: Vec<char> = alphabet.chars().collect();
        (0..n)
            .map(|_| a[(self.next() % a.len() as u64) as usize])
            .collect()
    }

    pub fn alnum(&mut self, n: usize) -> String {
        self.chars(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            n,
        )
    }

    /// A fake OpenAI project key in the current format.
    pub fn openai_project(&mut self) -> String {
        let a = self.chars(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
            74,
        );
        let b = self.chars(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
            74,
        );
        format!("sk-proj-{a}T3BlbkFJ{b}")
    }

    /// A fake legacy OpenAI key: sk- + 20 + T3BlbkFJ + 20.
    pub fn openai_legacy(&mut self) -> String {
        format!("sk-{}T3BlbkFJ{}", self.alnum(20), self.alnum(20))
    }

    /// A fake AWS access key id.
    pub fn aws_key_id(&mut self) -> String {
        format!("AKIA{}", self.chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16))
    }
}

/// The author of commits built by [`commit_tree`].
pub const AUTHOR: (&str, &str) = ("Ann Author", "ann@example.com");

/// Build a tree holding exactly `files` (`/`-separated path, content).
pub fn tree_of(repo: &git2::Repository, files: &[(&str, &str)]) -> git2::Oid {
    type Files<'a> = Vec<(Vec<&'a str>, &'a [u8])>;
    fn build(repo: &git2::Repository, files: &[(Vec<&str>, &[u8])]) -> git2::Oid {
        let mut tb = repo.treebuilder(None).unwrap();
        let mut dirs: std::collections::BTreeMap<&str, Files<'_>> = Default::default();
        for (parts, content) in files {
            if parts.len() == 1 {
                let blob = repo.blob(content).unwrap();
                tb.insert(parts[0], blob, 0o100644).unwrap();
            } else {
                dirs.entry(parts[0])
                    .or_default()
                    .push((parts[1..].to_vec(), content));
            }
        }
        for (name, sub) in dirs {
            let id = build(repo, &sub);
            tb.insert(name, id, 0o040000).unwrap();
        }
        tb.write().unwrap()
    }
    let parts: Vec<(Vec<&str>, &[u8])> = files
        .iter()
        .map(|(p, c)| (p.split('/').collect(), c.as_bytes()))
        .collect();
    build(repo, &parts)
}

/// Commit `tree` with `parents`, moving `refname` (e.g. `HEAD`,
/// `refs/heads/feature`) when given. The author is [`AUTHOR`] and the date
/// `time` (seconds since the epoch), so provenance can be asserted.
pub fn commit_tree(
    repo: &git2::Repository,
    refname: Option<&str>,
    msg: &str,
    tree: git2::Oid,
    parents: &[git2::Oid],
    time: i64,
) -> git2::Oid {
    let sig = git2::Signature::new(AUTHOR.0, AUTHOR.1, &git2::Time::new(time, 0)).unwrap();
    let tree = repo.find_tree(tree).unwrap();
    let parents: Vec<git2::Commit> = parents
        .iter()
        .map(|p| repo.find_commit(*p).unwrap())
        .collect();
    let parents: Vec<&git2::Commit> = parents.iter().collect();
    repo.commit(refname, &sig, &sig, msg, &tree, &parents)
        .unwrap()
}

impl Env {
    /// Run `jikimi scan <args> --format json` and return (exit code, report,
    /// stderr); the report is `null` when stdout is not JSON (usage errors).
    pub fn scan_json_err(&self, args: &[&str]) -> (i32, serde_json::Value, String) {
        let out = self.run_scan_json(args);
        let code = out.status.code().unwrap_or(-1);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
        (code, v, stderr)
    }
}

/// Make the index and working tree match HEAD (after [`commit_tree`]).
pub fn checkout_head(repo: &git2::Repository) {
    repo.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
        .unwrap();
}

/// Assert that no 12-character piece of `key` beyond its vendor prefix (the
/// first 8 characters, which redaction may show) appears in `output`.
pub fn assert_no_key_fragment(output: &str, key: &str) {
    let chars: Vec<char> = key.chars().collect();
    for start in 8..chars.len().saturating_sub(11) {
        let piece: String = chars[start..start + 12].iter().collect();
        assert!(
            !output.contains(&piece),
            "a piece of the secret ({piece}) appears in the output:\n{output}"
        );
    }
}
