//! Env files: ignore `.env` and `.env.*` in the right `.gitignore` (keeping
//! `!.env.example` and other negations in force), take tracked env files out
//! of the git index (the working file stays: the app still runs), and write
//! a `.env.example` with the same names and empty values.

use std::collections::BTreeSet;

use super::plan::{Plan, dir_of, join};
use crate::findings::Finding;
use crate::findings::causes::{file_name, is_env_file, is_env_template};
use crate::input::GitState;

/// The env files among `findings` (not templates): ignore, untrack, example.
pub fn fix(plan: &mut Plan, findings: &[&Finding]) {
    let mut seen = BTreeSet::new();
    for f in findings {
        if !is_env_file(&f.path) || is_env_template(&f.path) || !seen.insert(f.path.clone()) {
            continue;
        }
        plan.secrets.insert(f.secret.clone());
        settle(plan, &f.path, f.git == Some(GitState::Tracked), false);
        plan.env_files.insert(f.path.clone());
    }
}

/// Every env file that received a value: ignored, untracked, with its
/// `.env.example`.
pub fn finish(plan: &mut Plan) {
    let files: Vec<String> = plan.env_files.iter().cloned().collect();
    let repo = git2::Repository::discover(&plan.root).ok();
    for env in files {
        let tracked = repo
            .as_ref()
            .and_then(|r| repo_path(r, &plan.root.join(&env)))
            .zip(repo.as_ref().and_then(|r| r.index().ok()))
            .is_some_and(|(p, idx)| idx.get_path(std::path::Path::new(&p), 0).is_some());
        settle(plan, &env, tracked, true);
    }
}

/// Ignore, untrack (if `tracked`) and give an example for one env file.
fn settle(plan: &mut Plan, env: &str, tracked: bool, with_example: bool) {
    ignore(plan, env);
    if tracked && plan.untrack.insert(env.to_string()) {
        plan.note(format!(
            "{env}: removed from the git index (the file stays on disk, now ignored)"
        ));
    }
    if with_example {
        example(plan, env);
    }
}

/// The `.gitignore` for a file: the nearest existing one between its folder
/// and the top of the scan, else the one at the top.
fn gitignore_for(plan: &Plan, rel: &str) -> String {
    let mut dir = dir_of(rel);
    loop {
        let g = join(dir, ".gitignore");
        if plan.exists(&g) {
            return g;
        }
        if dir.is_empty() {
            return g;
        }
        dir = dir_of(dir);
    }
}

/// Make `.gitignore` ignore `env` (and every `.env`, `.env.*`).
fn ignore(plan: &mut Plan, env: &str) {
    let gi = gitignore_for(plan, env);
    let text = plan.text(&gi).unwrap_or_default();
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let has = |p: &str| {
        lines
            .iter()
            .any(|l| *l == p || *l == format!("/{p}") || *l == format!("**/{p}"))
    };
    let name = file_name(env);
    let mut wanted: Vec<String> = Vec::new();
    for p in [".env", ".env.*"] {
        if !has(p) {
            wanted.push(p.to_string());
        }
    }
    let covered = name == ".env" || name.starts_with(".env.");
    if !covered && !has(name) {
        wanted.push(name.to_string());
    }
    if wanted.is_empty() {
        return;
    }
    // Negations that un-ignore templates must come after the patterns
    // they undo: repeat the ones about env files, and keep `.env.example`.
    let mut negations: Vec<String> = lines
        .iter()
        .filter(|l| l.starts_with('!') && l.contains(".env"))
        .map(|l| l.to_string())
        .collect();
    if !negations.iter().any(|n| n.ends_with(".env.example")) {
        negations.push("!.env.example".to_string());
    }
    let mut out = text.clone();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str("# Local env files hold secrets (jikimi fix)\n");
    for w in &wanted {
        out.push_str(w);
        out.push('\n');
    }
    for n in &negations {
        out.push_str(n);
        out.push('\n');
    }
    plan.set(&gi, out);
    plan.note(format!("{gi}: ignores {}", wanted.join(", ")));
}

/// Write or update `.env.example` next to `env`: the same names, empty
/// values.
fn example(plan: &mut Plan, env: &str) {
    let Some(text) = plan.text(env) else {
        return;
    };
    let names: Vec<String> = text
        .lines()
        .filter_map(parse_line)
        .map(|(k, _)| k)
        .collect();
    if names.is_empty() {
        return;
    }
    let ex = join(dir_of(env), ".env.example");
    let existing = plan.text(&ex).unwrap_or_default();
    let have: BTreeSet<String> = existing
        .lines()
        .filter_map(parse_line)
        .map(|(k, _)| k)
        .collect();
    let missing: Vec<&String> = names.iter().filter(|n| !have.contains(*n)).collect();
    if missing.is_empty() {
        return;
    }
    let mut out = existing;
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    for n in &missing {
        out.push_str(n);
        out.push_str("=\n");
    }
    plan.set(&ex, out);
    plan.note(format!(
        "{ex}: lists {} with empty values (commit this one)",
        missing
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
}

/// `NAME=value` of one env-file line (`export ` and quotes allowed).
pub fn parse_line(line: &str) -> Option<(String, String)> {
    let l = line.trim_start();
    if l.starts_with('#') {
        return None;
    }
    let l = l.strip_prefix("export ").unwrap_or(l);
    let (k, v) = l.split_once('=')?;
    let k = k.trim();
    if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let v = v.trim();
    let v = v
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(v);
    Some((k.to_string(), v.to_string()))
}

/// A value as an env file writes it: bare when plain, else double-quoted.
pub fn quote_value(v: &str) -> String {
    if v.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:+@%,".contains(c))
    {
        v.to_string()
    } else {
        format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// `abs` relative to the repository's work tree, `/`-separated.
pub fn repo_path(repo: &git2::Repository, abs: &std::path::Path) -> Option<String> {
    let wd = super::absolute(repo.workdir()?);
    let parent = super::absolute(abs.parent()?);
    let rel = parent.strip_prefix(&wd).ok()?;
    let mut s: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    s.push(abs.file_name()?.to_string_lossy().into_owned());
    Some(s.join("/"))
}
