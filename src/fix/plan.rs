//! The changes `fix` would make: file contents before and after, index
//! removals, the values to put in local `.env` files, and what to tell the
//! user (what each change does, what to deploy, history and rotation).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One file's change.
#[derive(Clone, Debug)]
pub struct Edit {
    /// The content read when the plan was made (`None`: a new file).
    pub before: Option<Vec<u8>>,
    pub after: Vec<u8>,
    /// The file holds secrets (a local `.env`): written owner-only.
    pub private: bool,
}

/// Everything `fix` would do.
#[derive(Debug)]
pub struct Plan {
    /// The scanned folder; paths below are relative to it, `/`-separated.
    pub root: PathBuf,
    pub edits: BTreeMap<String, Edit>,
    /// Tracked files to remove from the git index (the working file stays).
    pub untrack: BTreeSet<String>,
    /// Local env files that received values: `(folder, file)`.
    pub env_files: BTreeSet<String>,
    /// What each change does, in order (one line each).
    pub notes: Vec<String>,
    /// Files that could not be changed, and why.
    pub skipped: Vec<String>,
    /// What the user must do that `fix` does not (deploy a route, set a
    /// variable on the host).
    pub todo: Vec<String>,
    /// The history section (printed).
    pub history: Vec<String>,
    /// The secrets to put in the `git filter-repo` replacements file.
    pub history_secrets: Vec<String>,
    /// The rotation section (printed).
    pub rotate: Vec<String>,
    /// Every secret the plan touches, to redact what is printed.
    pub secrets: BTreeSet<String>,
    /// Environment variable names taken, per env file, with their value.
    pub names: BTreeMap<String, BTreeMap<String, String>>,
}

impl Plan {
    pub fn new(root: &Path) -> Plan {
        Plan {
            root: root.to_path_buf(),
            edits: BTreeMap::new(),
            untrack: BTreeSet::new(),
            env_files: BTreeSet::new(),
            notes: Vec::new(),
            skipped: Vec::new(),
            todo: Vec::new(),
            history: Vec::new(),
            history_secrets: Vec::new(),
            rotate: Vec::new(),
            secrets: BTreeSet::new(),
            names: BTreeMap::new(),
        }
    }

    /// The current text of `rel`: as edited so far, else as on disk
    /// (`None`: missing, unreadable or not UTF-8).
    pub fn text(&mut self, rel: &str) -> Option<String> {
        if let Some(e) = self.edits.get(rel) {
            return String::from_utf8(e.after.clone()).ok();
        }
        let bytes = read_regular(&self.root.join(rel))?;
        String::from_utf8(bytes).ok()
    }

    /// Whether `rel` exists (as edited, or on disk).
    pub fn exists(&self, rel: &str) -> bool {
        self.edits.contains_key(rel) || self.root.join(rel).is_file()
    }

    /// Set the content of `rel`.
    pub fn set(&mut self, rel: &str, after: String) {
        if !super::diff::plain_path(rel) {
            self.skip(format!(
                "{}: a path git quotes in diffs (spaces, quotes, control characters); edit it by hand",
                crate::text::escape(rel)
            ));
            return;
        }
        let after = after.into_bytes();
        if let Some(e) = self.edits.get_mut(rel) {
            e.after = after;
            return;
        }
        let before = read_regular(&self.root.join(rel));
        if before.as_deref() == Some(after.as_slice()) {
            return;
        }
        self.edits.insert(
            rel.to_string(),
            Edit {
                before,
                after,
                private: false,
            },
        );
    }

    /// Mark `rel` as holding secrets (owner-only when written).
    pub fn private(&mut self, rel: &str) {
        if let Some(e) = self.edits.get_mut(rel) {
            e.private = true;
        }
    }

    /// Record a note once.
    pub fn note(&mut self, s: String) {
        if !self.notes.contains(&s) {
            self.notes.push(s);
        }
    }

    pub fn todo(&mut self, s: String) {
        if !self.todo.contains(&s) {
            self.todo.push(s);
        }
    }

    pub fn skip(&mut self, s: String) {
        if !self.skipped.contains(&s) {
            self.skipped.push(s);
        }
    }

    /// Put `NAME=value` into the local env file `env` (relative path),
    /// choosing another name when `name` is taken by another value there.
    /// Returns the name used.
    pub fn env_value(&mut self, env: &str, name: &str, value: &str) -> String {
        self.secrets.insert(value.to_string());
        let existing = self.text(env).unwrap_or_default();
        let taken = self.names.entry(env.to_string()).or_default();
        for line in existing.lines() {
            if let Some((k, v)) = super::envfiles::parse_line(line) {
                taken.entry(k).or_insert(v);
            }
        }
        let mut chosen = name.to_string();
        let mut n = 2;
        loop {
            match taken.get(&chosen) {
                Some(v) if v == value => return chosen,
                Some(_) => {
                    chosen = format!("{name}_{n}");
                    n += 1;
                }
                None => break,
            }
        }
        taken.insert(chosen.clone(), value.to_string());
        let mut text = existing;
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&format!(
            "{chosen}={}\n",
            super::envfiles::quote_value(value)
        ));
        self.set(env, text);
        self.private(env);
        self.env_files.insert(env.to_string());
        chosen
    }
}

/// The bytes of a regular file (no symlink, FIFO or device), bounded.
pub fn read_regular(p: &Path) -> Option<Vec<u8>> {
    let meta = std::fs::symlink_metadata(p).ok()?;
    if !meta.is_file() || meta.len() > MAX_FILE {
        return None;
    }
    std::fs::read(p).ok()
}

/// The largest file `fix` edits (source files; larger ones are generated).
pub const MAX_FILE: u64 = 4 << 20;

/// The folder of a relative path (`""` for the top).
pub fn dir_of(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(d, _)| d)
}

/// `dir/name`, or `name` at the top.
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}
