//! Dockerfiles and compose files in the working tree: how keys get into
//! container images before any image exists.
//!
//! - `dockerignore-gap` (a risk, like the `.gitignore` gap): a Dockerfile
//!   copies its whole build context (`COPY . .`, `ADD . /app`) while env
//!   files sit in that context and no `.dockerignore` excludes them. Git's
//!   ignore rules do not apply to a build context: a git-ignored `.env` is
//!   copied all the same, into a layer everyone who pulls the image has.
//! - A key on an `ENV` or `ARG` line of a Dockerfile is stored in every
//!   image built from it (config and history): the `image-config` cause.
//! - A key in a compose file's `environment:` is committed with the
//!   repository and printed by `docker compose config`: its own why and fix.
//!
//! The context is taken to be the Dockerfile's folder (what `docker build .`
//! next to it uses); a Dockerfile built with another context (`-f
//! docker/Dockerfile .`) is not followed.

use std::path::Path;

use crate::findings::causes::{self, Cause, file_name, is_env_file, is_env_template};
use crate::findings::suppress::{Filters, Reason, Suppressed};
use crate::findings::{Finding, fingerprint};
use crate::rules::RuleKind;

/// The rule id of the risk.
pub const DOCKERIGNORE_GAP: &str = "dockerignore-gap";
pub const DOCKERIGNORE_GAP_TITLE: &str = "Dockerfile copies .env files into the image";
pub const DOCKERIGNORE_GAP_WHY: &str = "the Dockerfile copies its whole build context into the image and no .dockerignore excludes the env files in it (git's ignore rules do not apply to a build): their keys ship in a layer to anyone who pulls the image";
pub const DOCKERIGNORE_GAP_FIX: &str = "add `.env`, `.env.*` and `**/.env*` (with `!.env.example`) to a .dockerignore beside the Dockerfile, or COPY only what the app needs; give the container its keys at run time";

/// `Dockerfile`, `Dockerfile.prod`, `api.Dockerfile`, `Containerfile`.
pub fn is_dockerfile(path: &str) -> bool {
    let n = file_name(path).to_ascii_lowercase();
    n == "dockerfile"
        || n == "containerfile"
        || n.starts_with("dockerfile.")
        || n.ends_with(".dockerfile")
}

/// `docker-compose.yml`, `compose.yaml`, `docker-compose.prod.yml`.
pub fn is_compose(path: &str) -> bool {
    let n = file_name(path).to_ascii_lowercase();
    (n.starts_with("docker-compose") || n.starts_with("compose."))
        && (n.ends_with(".yml") || n.ends_with(".yaml"))
}

/// The instructions of a Dockerfile with their 1-based line: continuation
/// lines (`\` at the end) joined, comments dropped.
fn instructions(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('#') && cur.is_none() {
            continue;
        }
        let (body, more) = match line.strip_suffix('\\') {
            Some(b) => (b.trim_end(), true),
            None => (line, false),
        };
        match &mut cur {
            Some((_, s)) => {
                s.push(' ');
                s.push_str(body);
            }
            None => cur = Some((i + 1, body.to_string())),
        }
        if !more
            && let Some(done) = cur.take()
            && !done.1.is_empty()
        {
            out.push(done);
        }
    }
    out.extend(cur);
    out
}

/// For each line of a Dockerfile, the instruction it belongs to (lines
/// continued with `\` belong to the instruction they continue).
fn instructions_by_line(text: &str) -> Vec<String> {
    let mut out = vec![String::new(); text.lines().count()];
    let all = instructions(text);
    for (i, (start, ins)) in all.iter().enumerate() {
        let end = all.get(i + 1).map_or(out.len(), |n| n.0 - 1);
        for slot in out.iter_mut().take(end).skip(start - 1) {
            slot.clone_from(ins);
        }
    }
    out
}

/// The first `COPY`/`ADD` that copies the whole build context, with its
/// line: a source of `.`, `./`, `*` or `./*` (not `--from=` another stage).
pub fn copies_context(text: &str) -> Option<(usize, String)> {
    for (line, ins) in instructions(text) {
        let mut words = ins.split_whitespace();
        let op = words.next().unwrap_or_default().to_ascii_uppercase();
        if op != "COPY" && op != "ADD" {
            continue;
        }
        let rest: Vec<&str> = words.collect();
        if rest.iter().any(|w| w.starts_with("--from")) {
            continue;
        }
        let args: Vec<String> = rest
            .iter()
            .filter(|w| !w.starts_with("--"))
            .map(|w| w.trim_matches(['[', ']', ',', '"']).to_string())
            .filter(|w| !w.is_empty())
            .collect();
        let Some((_, sources)) = args.split_last() else {
            continue;
        };
        if sources
            .iter()
            .any(|s| matches!(s.as_str(), "." | "./" | "*" | "./*"))
        {
            return Some((line, ins));
        }
    }
    None
}

/// The env files under `context` (relative to the root, `/`-separated;
/// `""` is the root) that the `.dockerignore` does not exclude. Docker's
/// patterns are anchored at the context root (`.env` excludes only the
/// top one; `**/.env` every one): each is anchored likewise here.
pub fn exposed(root: &Path, context: &str, dockerfile: &str, env_files: &[String]) -> Vec<String> {
    use ignore::gitignore::GitignoreBuilder;
    let ctx_abs = root.join(context);
    let prefix = if context.is_empty() {
        String::new()
    } else {
        format!("{context}/")
    };
    let candidates: Vec<&String> = env_files
        .iter()
        .filter(|p| p.starts_with(&prefix) && !is_env_template(p))
        .collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    // BuildKit reads `<Dockerfile>.dockerignore` first.
    let own = root.join(format!("{dockerfile}.dockerignore"));
    let file = if own.is_file() {
        own
    } else {
        ctx_abs.join(".dockerignore")
    };
    let text = crate::input::fsread::read_small_string(&file).unwrap_or_default();
    let mut b = GitignoreBuilder::new(&ctx_abs);
    for line in text.lines() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let (neg, pat) = match l.strip_prefix('!') {
            Some(p) => ("!", p.trim()),
            None => ("", l),
        };
        let pat = pat.trim_start_matches("./").trim_start_matches('/');
        let _ = b.add_line(None, &format!("{neg}/{pat}"));
    }
    let Ok(gi) = b.build() else {
        return Vec::new();
    };
    candidates
        .into_iter()
        .filter(|p| {
            let rel = crate::text::from(p, prefix.len());
            !gi.matched_path_or_any_parents(rel, false).is_ignore()
        })
        .cloned()
        .collect()
}

/// The `dockerignore-gap` risks of a tree: for each folder holding or
/// above an env file, its Dockerfiles that copy the whole context.
/// Allowlisted ones go to `suppressed`.
pub fn gaps(
    root: &Path,
    env_files: &[String],
    filters: &Filters,
    suppressed: &mut Vec<Suppressed>,
) -> Vec<Finding> {
    if filters.disabled.contains(DOCKERIGNORE_GAP) {
        return Vec::new();
    }
    let real: Vec<String> = env_files
        .iter()
        .filter(|p| is_env_file(p) && !is_env_template(p))
        .cloned()
        .collect();
    let mut dirs: Vec<String> = vec![String::new()];
    for e in &real {
        let mut d = e.as_str();
        while let Some(i) = d.rfind('/') {
            d = crate::text::to(d, i);
            if !dirs.iter().any(|x| x == d) {
                dirs.push(d.to_string());
            }
        }
    }
    let mut out = Vec::new();
    for dir in dirs {
        let Ok(list) = std::fs::read_dir(root.join(&dir)) else {
            continue;
        };
        let mut names: Vec<String> = list
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| is_dockerfile(n))
            .collect();
        names.sort();
        for name in names {
            let rel = if dir.is_empty() {
                name.clone()
            } else {
                format!("{dir}/{name}")
            };
            if filters.excluded(&rel) {
                continue;
            }
            let Ok(text) = crate::input::fsread::read_small_string(&root.join(&rel)) else {
                continue;
            };
            let Some((line, ins)) = copies_context(&text) else {
                continue;
            };
            let open = exposed(root, &dir, &rel, &real);
            if open.is_empty() {
                continue;
            }
            let evidence = open.join(", ");
            if let Some(by) = filters.allowed(DOCKERIGNORE_GAP, "", &rel) {
                suppressed.push(Suppressed {
                    rule: DOCKERIGNORE_GAP.into(),
                    path: rel,
                    line,
                    reason: Reason::Allowlist,
                    by,
                    causes: vec![Cause::ImageLayer],
                    kind: RuleKind::Risk,
                });
                continue;
            }
            out.push(Finding {
                line,
                column: 1,
                context: crate::text::head(&ins, 120).to_string(),
                causes: vec![Cause::ImageLayer],
                why: format!("{DOCKERIGNORE_GAP_WHY} (copied: {evidence})"),
                fix: DOCKERIGNORE_GAP_FIX.into(),
                ..Finding::risk(
                    fingerprint(DOCKERIGNORE_GAP, "", &rel),
                    DOCKERIGNORE_GAP,
                    DOCKERIGNORE_GAP_TITLE,
                    rel,
                )
            });
        }
    }
    out
}

/// Refine the secret findings of Dockerfiles and compose files in the
/// tree: a key on an `ENV`/`ARG` line is stored in every image built
/// (`image-config`); a key in a compose file gets compose's fix.
/// `root` is the scanned folder (the Dockerfile's line is read from it: the
/// snippet may start past the instruction when the key is long).
pub fn refine(root: Option<&Path>, findings: &mut [Finding]) {
    let mut lines: Option<(String, Vec<String>)> = None;
    for f in findings
        .iter_mut()
        .filter(|f| f.kind == RuleKind::Secret && f.image.is_none() && !f.path.contains("!/"))
    {
        let path = f
            .history
            .as_ref()
            .map_or(f.path.as_str(), |h| h.path.as_str());
        if is_dockerfile(path) {
            let from_file = root
                .filter(|_| f.git.is_some() || f.history.is_none())
                .and_then(|r| {
                    if lines.as_ref().is_none_or(|(p, _)| *p != f.path) {
                        let text =
                            crate::input::fsread::read_small_string(&r.join(&f.path)).ok()?;
                        let all = instructions_by_line(&text);
                        lines = Some((f.path.clone(), all));
                    }
                    lines.as_ref()?.1.get(f.line.checked_sub(1)?).cloned()
                });
            let line = from_file.unwrap_or_else(|| f.context.clone());
            let word = line
                .trim_start_matches('…')
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase();
            let what = match word.as_str() {
                "ENV" => "set with ENV in a Dockerfile",
                "ARG" => "the default of a build argument (ARG) in a Dockerfile",
                _ => continue,
            };
            if !f.causes.contains(&Cause::ImageConfig) {
                f.causes.retain(|c| *c == Cause::GitHistory);
                f.causes.push(Cause::ImageConfig);
                f.causes.sort();
            }
            f.why = format!(
                "{what}: every image built from it stores the value in its config and history, and anyone who pulls one can read it (`docker inspect`, `docker history`)"
            );
            f.fix = causes::fix(&f.causes, &f.situation());
        } else if is_compose(path) {
            f.why = format!(
                "{} (in a compose file's environment: committed with the repository and shown by `docker compose config`)",
                f.why
            );
            f.fix = format!(
                "{}; in compose, reference it as `${{NAME}}` from an ignored .env or the shell, or use compose `secrets:`",
                f.fix
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_dockerfile("api/Dockerfile"));
        assert!(is_dockerfile("Dockerfile.prod"));
        assert!(is_dockerfile("web.Dockerfile"));
        assert!(!is_dockerfile("Dockerfile-notes.md"));
        assert!(is_compose("docker-compose.yml"));
        assert!(is_compose("deploy/compose.prod.yaml"));
        assert!(!is_compose("compose.json"));
    }

    #[test]
    fn whole_context_copies() {
        assert!(copies_context("FROM node\nCOPY . .\n").is_some());
        assert_eq!(
            copies_context("FROM node\nWORKDIR /app\nADD --chown=node ./ /app\n").map(|c| c.0),
            Some(3)
        );
        assert!(copies_context("COPY [\".\", \"/app\"]").is_some());
        assert!(copies_context("COPY --from=build /app/dist .\n").is_none());
        assert!(copies_context("COPY package.json .\n").is_none());
        assert!(copies_context("# COPY . .\nRUN make").is_none());
        assert!(copies_context("COPY \\\n  . \\\n  /app\n").is_some());
    }

    #[test]
    fn dockerignore_is_anchored_at_the_context() {
        let dir = tempfile::tempdir().unwrap();
        let env = vec![".env".to_string(), "api/.env".to_string()];
        let gap = |ignore: &str| {
            std::fs::write(dir.path().join(".dockerignore"), ignore).unwrap();
            exposed(dir.path(), "", "Dockerfile", &env)
        };
        assert_eq!(gap(""), env);
        assert_eq!(gap(".env\n"), vec!["api/.env".to_string()]);
        assert!(gap("**/.env*\n").is_empty());
        assert!(gap(".env\napi\n").is_empty());
        assert_eq!(gap("**/.env\n!api/.env\n"), vec!["api/.env".to_string()]);
    }
}
