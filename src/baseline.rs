//! Baselines: the findings a team has accepted (or not yet cleaned up),
//! recorded so that `jikimi scan --baseline FILE` reports only new ones.
//!
//! Position in the pipeline: applied by the `scan` command to the deduplicated
//! findings, after the scan and before the fail policy and the reports.
//!
//! An entry is keyed by a SHA-256 of (rule, secret, path): never the secret
//! itself, and no line number, so entries survive line moves and
//! reformatting, while a changed secret on a baselined line is a new finding.
//! The file is merge-friendly: entries sorted by key, no timestamps.
//!
//! A hash of a low-entropy secret (a short password) can be guessed by
//! trying candidates; keys of provider tokens cannot. Treat a baseline like
//! any file in the repository: it is safe to commit, it is not a vault.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::findings::Finding;
use crate::findings::suppress::{Reason, Suppressed};

/// The schema this jikimi writes and reads.
pub const SCHEMA: &str = "jikimi/baseline/v1";
const SCHEMA_PREFIX: &str = "jikimi/baseline/v";
const VERSION: u32 = 1;

/// Where `jikimi baseline create` writes by default.
pub const DEFAULT_FILE: &str = ".jikimi-baseline.json";

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    schema: String,
    entries: Vec<Entry>,
}

/// One accepted finding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// SHA-256 (hex) of the rule, secret and path; see [`key`].
    pub key: String,
    /// For people reading the file; matching uses only the key.
    pub rule: String,
    pub path: String,
}

/// The baseline key of (rule, secret, path): 64 hex digits. The domain
/// prefix keeps it distinct from a finding's id, which hashes the same
/// fields.
pub fn key(rule: &str, secret: &str, path: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"jikimi-baseline-v1\0");
    h.update(rule.as_bytes());
    h.update([0]);
    h.update(secret.as_bytes());
    h.update([0]);
    h.update(path.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A loaded baseline.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub path: PathBuf,
    /// Sorted by key, unique.
    pub entries: Vec<Entry>,
}

fn line_of(text: &str, needle: &str) -> usize {
    text.find(needle)
        .map_or(1, |i| crate::text::to(text, i).matches('\n').count() + 1)
}

impl Baseline {
    /// The entries for `findings`, sorted by key, duplicates merged.
    pub fn entries_for(findings: &[Finding]) -> Vec<Entry> {
        let mut by_key: BTreeMap<String, Entry> = BTreeMap::new();
        for f in findings {
            let k = key(&f.rule, &f.secret, &f.path);
            by_key.entry(k.clone()).or_insert(Entry {
                key: k,
                rule: f.rule.clone(),
                path: f.path.clone(),
            });
        }
        by_key.into_values().collect()
    }

    /// The file's text for `entries` (pretty JSON, one field per line).
    pub fn render(entries: &[Entry]) -> String {
        let file = BaselineFile {
            schema: SCHEMA.into(),
            entries: entries.to_vec(),
        };
        let mut s = serde_json::to_string_pretty(&file).expect("baseline serializes");
        s.push('\n');
        s
    }

    /// Write `entries` to `path` (atomically: a temp file renamed over it,
    /// so an interrupted write never leaves half a baseline).
    pub fn write(path: &Path, entries: &[Entry]) -> Result<()> {
        let text = Self::render(entries);
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
        let tmp = dir.join(format!(
            ".{}.tmp",
            path.file_name()
                .map_or("jikimi-baseline".into(), |n| n.to_string_lossy())
        ));
        std::fs::write(&tmp, text)
            .with_context(|| format!("cannot write the baseline {}", path.display()))?;
        std::fs::rename(&tmp, path)
            .with_context(|| format!("cannot write the baseline {}", path.display()))?;
        Ok(())
    }

    /// Read and validate a baseline file: any problem is one error naming
    /// the file and line.
    pub fn load(path: &Path) -> Result<Baseline> {
        let text = crate::input::fsread::read_small_string(path).map_err(|e| {
            anyhow!(
                "{}: cannot read the baseline: {e} (create one with `jikimi baseline create --output {}`)",
                path.display(),
                path.display()
            )
        })?;
        Self::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Baseline> {
        let file = path.display();
        let json_err = |e: serde_json::Error| {
            anyhow!(
                "{file}:{}:{}: not a valid baseline: {e}",
                e.line(),
                e.column()
            )
        };
        // The schema first, so a newer file says "upgrade", not "unknown field".
        let loose: serde_json::Value = serde_json::from_str(text).map_err(json_err)?;
        let schema = loose.get("schema").and_then(|s| s.as_str()).unwrap_or("");
        let at = line_of(text, "\"schema\"");
        match schema.strip_prefix(SCHEMA_PREFIX).map(str::parse::<u32>) {
            Some(Ok(VERSION)) => {}
            Some(Ok(v)) if v > VERSION => {
                return Err(anyhow!(
                    "{file}:{at}: baseline schema {schema:?} is newer than this jikimi reads ({SCHEMA}): upgrade jikimi (v{v})"
                ));
            }
            _ => {
                return Err(anyhow!(
                    "{file}:{at}: not a jikimi baseline (expected \"schema\": \"{SCHEMA}\"); create one with `jikimi baseline create`"
                ));
            }
        }
        let parsed: BaselineFile = serde_json::from_str(text).map_err(json_err)?;
        for e in &parsed.entries {
            let ok = e.key.len() == 64
                && e.key
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !ok {
                return Err(anyhow!(
                    "{file}:{}: baseline key {:?} is not a SHA-256 (64 lower-case hex digits)",
                    line_of(text, &e.key),
                    e.key
                ));
            }
        }
        let mut entries = parsed.entries;
        entries.sort();
        entries.dedup_by(|a, b| a.key == b.key);
        Ok(Baseline {
            path: path.to_path_buf(),
            entries,
        })
    }

    fn contains(&self, k: &str) -> bool {
        self.entries
            .binary_search_by(|e| e.key.as_str().cmp(k))
            .is_ok()
    }

    /// Split `findings` into the new ones and the baselined ones; also
    /// returns the keys that matched.
    pub fn apply(
        &self,
        findings: Vec<Finding>,
    ) -> (Vec<Finding>, Vec<Suppressed>, HashSet<String>) {
        let mut kept = Vec::new();
        let mut held = Vec::new();
        let mut used = HashSet::new();
        for f in findings {
            let k = key(&f.rule, &f.secret, &f.path);
            if self.contains(&k) {
                held.push(Suppressed {
                    rule: f.rule.clone(),
                    path: f.path.clone(),
                    line: f.line,
                    reason: Reason::Baseline,
                    by: crate::text::head(&k, 16).to_string(),
                    causes: f.causes.clone(),
                    kind: f.kind,
                });
                used.insert(k);
            } else {
                kept.push(f);
            }
        }
        (kept, held, used)
    }

    /// Entries no finding matched (given the keys [`Baseline::apply`] used).
    pub fn unused(&self, used: &HashSet<String>) -> Vec<Entry> {
        self.entries
            .iter()
            .filter(|e| !used.contains(&e.key))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_full_sha256_and_sensitive() {
        let k = key("r", "s", "p");
        assert_eq!(k.len(), 64);
        assert_ne!(k, key("r", "s2", "p"));
        assert_ne!(k, key("r", "s", "p2"));
        assert!(!k.starts_with(&crate::findings::fingerprint("r", "s", "p")));
    }

    #[test]
    fn parse_errors_name_the_line() {
        let p = Path::new("b.json");
        let e = Baseline::parse(
            "{\n \"schema\": \"jikimi/baseline/v1\",\n \"entries\": [,]\n}",
            p,
        )
        .unwrap_err();
        assert!(format!("{e:#}").starts_with("b.json:3:"), "{e:#}");
        let e = Baseline::parse(
            "{\n \"schema\": \"jikimi/baseline/v7\", \"entries\": [], \"x\": 1}",
            p,
        )
        .unwrap_err();
        assert!(
            format!("{e:#}").contains("b.json:2: baseline schema"),
            "{e:#}"
        );
        assert!(format!("{e:#}").contains("upgrade jikimi"), "{e:#}");
        let e = Baseline::parse("{\"schema\": \"other\", \"entries\": []}", p).unwrap_err();
        assert!(format!("{e:#}").contains("not a jikimi baseline"), "{e:#}");
        let e = Baseline::parse(
            "{\"schema\": \"jikimi/baseline/v1\", \"entries\": [{\"key\": \"abc\", \"rule\": \"r\", \"path\": \"p\"}]}",
            p,
        )
        .unwrap_err();
        assert!(format!("{e:#}").contains("not a SHA-256"), "{e:#}");
    }

    #[test]
    fn render_is_sorted_and_round_trips() {
        let mut entries = vec![
            Entry {
                key: key("b", "2", "x"),
                rule: "b".into(),
                path: "x".into(),
            },
            Entry {
                key: key("a", "1", "y"),
                rule: "a".into(),
                path: "y".into(),
            },
        ];
        entries.sort();
        let text = Baseline::render(&entries);
        let b = Baseline::parse(&text, Path::new("b.json")).unwrap();
        assert_eq!(b.entries, entries);
        assert!(!text.contains("\"1\"") && !text.contains("\"2\""));
    }
}
