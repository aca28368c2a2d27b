//! Drop public prefixes: a secret under `VITE_`, `NEXT_PUBLIC_`,
//! `REACT_APP_`, `EXPO_PUBLIC_`… is inlined into the client bundle by the
//! framework. The variable is renamed without the prefix in the project's
//! env files and in every reference; browser code that read it then calls
//! a server route ([`super::route`]) instead.

use std::collections::BTreeSet;

use super::plan::{MAX_FILE, Plan, join};
use crate::findings::{Cause, Finding};

/// The prefixes that make a variable public, longest first.
pub const PREFIXES: &[&str] = &[
    "NEXT_PUBLIC_",
    "EXPO_PUBLIC_",
    "NUXT_PUBLIC_",
    "REACT_APP_",
    "VUE_APP_",
    "GATSBY_",
    "NG_APP_",
    "PUBLIC_",
    "VITE_",
];

/// `name` without its public prefix.
pub fn strip_public(name: &str) -> &str {
    PREFIXES
        .iter()
        .find_map(|p| name.strip_prefix(p).filter(|r| !r.is_empty()))
        .unwrap_or(name)
}

/// The public variable holding `f`'s key: the name assigned on its line.
fn variable(plan: &mut Plan, f: &Finding) -> Option<String> {
    let text = plan.text(&f.path)?;
    let line = text.lines().find(|l| l.contains(&f.secret))?;
    let mut best = None;
    for word in line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if PREFIXES
            .iter()
            .any(|p| word.starts_with(p) && word.len() > p.len())
        {
            best = Some(word.to_string());
            break;
        }
    }
    best
}

/// Rename every public variable that holds a secret.
pub fn fix(plan: &mut Plan, findings: &[&Finding]) {
    let mut done = BTreeSet::new();
    for f in findings {
        if !f.causes.contains(&Cause::PublicEnvVar) {
            continue;
        }
        let Some(old) = variable(plan, f) else {
            continue;
        };
        if !done.insert(old.clone()) {
            continue;
        }
        let dir = super::literal::project_dir(f);
        let files = candidates(plan, &dir);
        let new = free_name(plan, &files, strip_public(&old));
        let mut changed = Vec::new();
        for rel in files {
            let Some(text) = plan.text(&rel) else {
                continue;
            };
            let renamed = rename_word(&text, &old, &new);
            if renamed != text {
                plan.set(&rel, renamed);
                changed.push(rel);
            }
        }
        if changed.is_empty() {
            continue;
        }
        plan.note(format!(
            "{old} renamed to {new} (no public prefix: the bundler no longer inlines it) in {}",
            changed.join(", ")
        ));
        for rel in &changed {
            if !crate::findings::causes::is_env_file(rel) && client_file(plan, rel) {
                super::route::client_reference(plan, rel, &new, f);
            }
        }
    }
}

/// `name`, or `name_2`, `name_3`... when an env file among `files`
/// already defines it.
fn free_name(plan: &mut Plan, files: &[String], name: &str) -> String {
    let mut taken = BTreeSet::new();
    for rel in files {
        if crate::findings::causes::is_env_file(rel) {
            if let Some(text) = plan.text(rel) {
                taken.extend(
                    text.lines()
                        .filter_map(super::envfiles::parse_line)
                        .map(|(k, _)| k),
                );
            }
        }
    }
    let mut chosen = name.to_string();
    let mut n = 2;
    while taken.contains(&chosen) {
        chosen = format!("{name}_{n}");
        n += 1;
    }
    chosen
}

/// Whether `rel` runs in the browser: it reads `import.meta.env`, says
/// `"use client"`, or sits in a browser-only app.
fn client_file(plan: &mut Plan, rel: &str) -> bool {
    let Some(text) = plan.text(rel) else {
        return false;
    };
    text.contains("import.meta.env")
        || text.contains("\"use client\"")
        || text.contains("'use client'")
}

/// Text files of the project that may name a variable: env files, code
/// and configuration (dependency folders and ignored files left out,
/// except env files).
fn candidates(plan: &Plan, dir: &str) -> Vec<String> {
    let base = plan.root.join(dir);
    let mut out = BTreeSet::new();
    let walk = ignore::WalkBuilder::new(&base)
        .hidden(false)
        .git_ignore(true)
        .require_git(false)
        .filter_entry(|e| {
            let n = e.file_name().to_string_lossy();
            !matches!(
                n.as_ref(),
                ".git" | "node_modules" | "vendor" | ".venv" | "dist" | "build" | ".next"
            )
        })
        .build();
    for entry in walk.flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        if entry.metadata().map_or(true, |m| m.len() > MAX_FILE) {
            continue;
        }
        if let Some(rel) = rel_of(plan, entry.path()) {
            if wanted(&rel) {
                out.insert(rel);
            }
        }
    }
    // Env files are usually ignored: look for them by name.
    if let Ok(rd) = std::fs::read_dir(&base) {
        for e in rd.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if crate::findings::causes::is_env_file(&n) && e.path().is_file() {
                out.insert(join(dir, &n));
            }
        }
    }
    out.extend(
        plan.edits
            .keys()
            .filter(|k| k.starts_with(dir) && wanted(k))
            .cloned(),
    );
    out.into_iter().collect()
}

fn rel_of(plan: &Plan, p: &std::path::Path) -> Option<String> {
    let rel = p.strip_prefix(&plan.root).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

/// Code and configuration that can name an environment variable.
fn wanted(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel).to_ascii_lowercase();
    if crate::findings::causes::is_env_file(&name) || name == "dockerfile" {
        return true;
    }
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(
        ext,
        "js" | "jsx"
            | "ts"
            | "tsx"
            | "mjs"
            | "cjs"
            | "mts"
            | "vue"
            | "svelte"
            | "astro"
            | "html"
            | "yml"
            | "yaml"
            | "toml"
            | "json"
            | "sh"
            | "py"
            | "rb"
            | "go"
            | "md"
    )
}

/// Replace `old` where it is a whole word (not part of a longer name).
pub fn rename_word(text: &str, old: &str, new: &str) -> String {
    let b = text.as_bytes();
    let word = |i: usize| {
        b.get(i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
    };
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for at in super::literal::find_all(text, old) {
        let end = at + old.len();
        if (at > 0 && word(at - 1)) || word(end) || at < last {
            continue;
        }
        out.push_str(text.get(last..at).unwrap_or(""));
        out.push_str(new);
        last = end;
    }
    out.push_str(text.get(last..).unwrap_or(""));
    out
}
