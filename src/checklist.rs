//! The guide's five-point checklist (15.3.9), answered from the findings and
//! the evidence collected during the scan.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use crate::findings::causes::{file_name, is_env_file, is_env_template};
use crate::findings::project::{self, Kind, Projects, Summary};
use crate::findings::risks::{BROWSER_DIRECT_CALL, GITIGNORE_GAP, PUBLIC_ENV_SECRET};
use crate::findings::suppress::Suppressed;
use crate::findings::{Cause, Finding};
use crate::input::{GitState, Origin};
use crate::rules::RuleKind;

/// An answer. `pass` only when the scan established it; `accepted` when the
/// only findings that fail the question are accepted (a baseline, an inline
/// marker or the allowlist holds them back: they are still there); `review`
/// when the scan could not tell (a partial scan, files it could not read);
/// `n/a` when the question does not apply to the project (rate limiting for
/// a command-line tool or a library).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Review,
    Accepted,
    #[serde(rename = "n/a")]
    NotApplicable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Review => "review",
            Status::Accepted => "accepted",
            Status::NotApplicable => "n/a",
        }
    }
}

/// One answered question.
#[derive(Clone, Debug, Serialize)]
pub struct Item {
    /// 1 to 5, in the guide's order.
    pub number: u8,
    /// Short id: `server-only`, `no-client-exposure`, `env-out-of-git`,
    /// `usage-reviewed`, `rate-limited`.
    pub id: &'static str,
    pub question: &'static str,
    pub status: Status,
    /// Finding ids that decide the answer.
    pub findings: Vec<String>,
    /// Findings that would fail the question but are held back (baseline,
    /// inline marker, allowlist).
    pub accepted: usize,
    /// One line of advice (or the evidence, for a pass).
    pub advice: String,
}

/// An env-style file the scan saw, in the tree or in history.
#[derive(Clone, Debug, Serialize)]
pub struct EnvFile {
    pub path: String,
    /// Git state of the working-tree file; `None` for a history blob.
    pub git: Option<GitState>,
    /// `.env.example` and the like: meant to be committed.
    pub template: bool,
    /// It assigns at least one non-empty value.
    pub values: bool,
}

/// The partial scope of a scan of a subdirectory of a work tree. Question 3
/// is still answered, from the enclosing repository's state (the env files
/// it tracks, its ignore rules); the others are `review`.
pub const SUBDIRECTORY_SCOPE: &str = "a subdirectory of its repository: the rest of the work tree and the history were not read (scan the repository's top for the whole answer)";

/// What the scan saw besides findings.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Evidence {
    /// Whether any scanned root is a git repository.
    pub git_repo: bool,
    /// Rate-limiting libraries seen in manifests: `package.json: express-rate-limit`.
    pub rate_limit: Vec<String>,
    /// Set when the scan covered only part of the project (`--staged`,
    /// `--since`, `--range`, `--history-only`, files given one by one): what
    /// it covered. A question it cannot answer from that part is `review`,
    /// never a false `pass`.
    pub partial: Option<&'static str>,
    /// A scanned folder is a subdirectory of its git work tree: the rest
    /// of the repository (its other files, its history) was not read.
    #[serde(skip)]
    pub subdirectory: bool,
    /// The projects found, from their manifests.
    pub projects: Summary,
    /// Why the project uses `.env` files (an env file in the tree or in
    /// history, a dotenv dependency or loader, `env_file:` in a compose
    /// file, a framework that reads them); `None`: it does not.
    pub env_use: Option<String>,
    /// Env-style files seen, in the tree and in history.
    pub env_files: Vec<EnvFile>,
    /// Files not scanned because of a size or archive limit.
    pub unread: u64,
    /// Files (or objects) that could not be read.
    pub unreadable: u64,
    /// Env files among the unread and unreadable ones.
    pub unread_env: Vec<String>,
}

impl Evidence {
    /// "2 files not read (1 over a size limit, 1 unreadable)", if any.
    fn not_read(&self) -> Option<String> {
        let n = self.unread + self.unreadable;
        if n == 0 {
            return None;
        }
        let mut parts = Vec::new();
        if self.unread > 0 {
            parts.push(format!(
                "{} over a size or archive limit, or binary",
                self.unread
            ));
        }
        if self.unreadable > 0 {
            parts.push(format!("{} unreadable", self.unreadable));
        }
        Some(format!(
            "{n} file{} not read ({}; -v lists {})",
            if n == 1 { " was" } else { "s were" },
            parts.join(", "),
            if n == 1 { "it" } else { "them" }
        ))
    }
}

/// Evidence gathered while files are scanned, shared by the scan's threads:
/// env files in the tree and in history, manifests (for the [`Summary`]),
/// and the first sign that the project loads `.env` files.
#[derive(Debug, Default)]
pub struct Gatherer {
    env_files: Mutex<Vec<EnvFile>>,
    env_use: Mutex<Option<String>>,
    env_use_found: AtomicBool,
}

impl Gatherer {
    /// Look at a blob the scan read (the whole file, before matching).
    pub fn observe(&self, origin: &Origin, text: &[u8], projects: &Projects) {
        match origin {
            Origin::File { path, git } => {
                let name = file_name(path);
                if is_env_file(path) {
                    self.env_files.lock().unwrap().push(EnvFile {
                        path: path.clone(),
                        git: Some(*git),
                        template: is_env_template(path),
                        values: env_has_values(text),
                    });
                }
                if project::is_manifest(name) {
                    projects.observe(path);
                }
                if self.env_use_found.load(Ordering::Relaxed) {
                    return;
                }
                let why = if project::compose_uses_env_file(name, text) {
                    Some(format!("{path} passes env_file to its services"))
                } else {
                    project::loads_env_file(path, text)
                        .map(|l| format!("{path} loads a .env file ({l})"))
                };
                if let Some(why) = why {
                    self.env_use_found.store(true, Ordering::Relaxed);
                    self.env_use.lock().unwrap().get_or_insert(why);
                }
            }
            Origin::GitBlob { path, .. } if is_env_file(path) => {
                self.env_files.lock().unwrap().push(EnvFile {
                    path: path.clone(),
                    git: None,
                    template: is_env_template(path),
                    values: env_has_values(text),
                });
            }
            _ => {}
        }
    }

    /// The env files seen and the loader evidence.
    pub fn finish(self) -> (Vec<EnvFile>, Option<String>) {
        let mut files = self.env_files.into_inner().unwrap();
        files.sort_by(|a, b| (&a.path, a.git.is_none()).cmp(&(&b.path, b.git.is_none())));
        files.dedup_by(|a, b| a.path == b.path && a.git == b.git);
        (files, self.env_use.into_inner().unwrap())
    }
}

/// Why a project uses `.env` files, from the strongest evidence: an env file
/// in the tree, then one in history, then a manifest, then a loader call or
/// a compose file.
pub fn env_use(files: &[EnvFile], projects: &Summary, loader: Option<String>) -> Option<String> {
    files
        .iter()
        .find(|e| e.git.is_some())
        .map(|e| format!("{} exists", e.path))
        .or_else(|| {
            files
                .iter()
                .find(|e| e.git.is_none())
                .map(|e| format!("{} is in git history", e.path))
        })
        .or_else(|| projects.env.clone())
        .or(loader)
}

/// Whether an env file assigns at least one non-empty value.
pub fn env_has_values(text: &[u8]) -> bool {
    String::from_utf8_lossy(text).lines().any(|line| {
        let l = line.trim();
        let l = l.strip_prefix("export ").unwrap_or(l);
        if l.starts_with('#') {
            return false;
        }
        match l.split_once('=') {
            Some((k, v)) => {
                let v = v.split(" #").next().unwrap_or("").trim();
                let v = v.trim_matches(['"', '\'', '`']);
                !k.trim().is_empty() && !v.is_empty()
            }
            None => false,
        }
    })
}

/// Whether a skip reason means content that was not read although it could
/// hold a key: a file or member over a size limit, an archive past a limit.
/// Binary files, symbolic links, submodules and special files are not
/// content jikimi reads anyway.
pub fn unread_skip(reason: &str) -> bool {
    reason.starts_with("too large")
        || reason.starts_with("member larger")
        || reason.contains("archive")
        // A binary not read (`--no-binaries`), or decoding cut at the
        // file's budget: content the scan did not see.
        || reason.starts_with("binary file")
        || reason.starts_with("decoding stopped")
}

/// Rate-limit libraries, by the manifest names they appear in.
pub const RATE_LIMIT_LIBS: &[&str] = &[
    "express-rate-limit",
    "rate-limiter-flexible",
    "@upstash/ratelimit",
    "@nestjs/throttler",
    "koa-ratelimit",
    "@fastify/rate-limit",
    "fastify-rate-limit",
    "hono-rate-limiter",
    "bottleneck",
    "flask-limiter",
    "flask_limiter",
    "slowapi",
    "django-ratelimit",
    "djangorestframework",
    "fastapi-limiter",
    "rack-attack",
    "rack_attack",
    "tower-governor",
    "tower_governor",
    "golang.org/x/time/rate",
    "github.com/ulule/limiter",
    "bucket4j",
    "resilience4j-ratelimiter",
    "throttled",
];

/// Manifest file names that are searched for rate-limit libraries.
pub const MANIFESTS: &[&str] = &[
    "package.json",
    "requirements.txt",
    "pyproject.toml",
    "Pipfile",
    "Gemfile",
    "Cargo.toml",
    "go.mod",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "composer.json",
];

/// Find rate-limit libraries named in a manifest's text.
pub fn rate_limit_evidence(manifest_path: &str, text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    RATE_LIMIT_LIBS
        .iter()
        .filter(|lib| {
            // Whole-name match: quoted, or at a line start (requirements.txt).
            let quoted = [format!("\"{lib}\""), format!("'{lib}'")];
            quoted.iter().any(|q| lower.contains(q.as_str()))
                || lower.lines().any(|l| {
                    let l = l.trim_start();
                    l.starts_with(*lib)
                        && crate::text::from(l, lib.len())
                            .chars()
                            .next()
                            .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                })
        })
        .map(|lib| format!("{manifest_path}: {lib}"))
        .collect()
}

fn ids(findings: &[Finding], pred: impl Fn(&Finding) -> bool) -> Vec<String> {
    findings
        .iter()
        .filter(|f| pred(f))
        .map(|f| f.id.clone())
        .collect()
}

/// Whether a held-back finding would fail a question about `causes` (or is
/// one of `rules`).
fn held(suppressed: &[Suppressed], causes: &[Cause], rules: &[&str]) -> usize {
    suppressed
        .iter()
        .filter(|s| {
            (s.kind == RuleKind::Secret && s.causes.iter().any(|c| causes.contains(c)))
                || rules.contains(&s.rule.as_str())
        })
        .count()
}

/// "3 accepted (baseline: 2, inline: 1)".
fn accepted_note(suppressed: &[Suppressed], causes: &[Cause], rules: &[&str]) -> String {
    let mut by: Vec<(&str, usize)> = Vec::new();
    for s in suppressed.iter().filter(|s| {
        (s.kind == RuleKind::Secret && s.causes.iter().any(|c| causes.contains(c)))
            || rules.contains(&s.rule.as_str())
    }) {
        let r = s.reason.as_str();
        match by.iter_mut().find(|(k, _)| *k == r) {
            Some((_, n)) => *n += 1,
            None => by.push((r, 1)),
        }
    }
    let n: usize = by.iter().map(|(_, n)| n).sum();
    let parts: Vec<String> = by.iter().map(|(r, n)| format!("{r}: {n}")).collect();
    format!(
        "{n} finding{} accepted ({}), still in the code: an accepted key is still leaked",
        if n == 1 { "" } else { "s" },
        parts.join(", ")
    )
}

/// Decide one question from the findings that fail it, the held-back ones,
/// and whether the scan read everything it needed.
fn answer(
    failing: Vec<String>,
    accepted: usize,
    unread: Option<String>,
    fail_advice: &str,
    accepted_advice: String,
    pass_advice: &str,
) -> (Status, Vec<String>, String) {
    if !failing.is_empty() {
        let mut advice = fail_advice.to_string();
        if accepted > 0 {
            advice.push_str(&format!("; {accepted} more accepted"));
        }
        (Status::Fail, failing, advice)
    } else if accepted > 0 {
        (Status::Accepted, failing, accepted_advice)
    } else if let Some(unread) = unread {
        (
            Status::Review,
            failing,
            format!("{pass_advice} in what was read, but {unread}: check them or raise the limits"),
        )
    } else {
        (Status::Pass, failing, pass_advice.to_string())
    }
}

/// Answer the five questions from the reported findings, the held-back
/// ones and the evidence.
pub fn build(findings: &[Finding], suppressed: &[Suppressed], ev: &Evidence) -> Vec<Item> {
    // A key that is public by design is no leak: it answers no question.
    let secret = |f: &Finding| f.kind == RuleKind::Secret && !crate::findings::public::is_public(f);
    let has = |f: &Finding, cs: &[Cause]| f.causes.iter().any(|c| cs.contains(c));
    let not_read = ev.not_read();

    const OUTSIDE: [Cause; 4] = [
        Cause::FrontendCode,
        Cause::ClientTransit,
        Cause::PublicEnvVar,
        Cause::AppBinary,
    ];
    let outside_server = ids(findings, |f| {
        (secret(f) && has(f, &OUTSIDE)) || f.rule == BROWSER_DIRECT_CALL
    });
    let n = held(suppressed, &OUTSIDE, &[BROWSER_DIRECT_CALL]);
    let (status, fids, advice) = answer(
        outside_server,
        n,
        not_read.clone(),
        "keys live outside the server: route calls through your backend (client -> server -> provider)",
        accepted_note(suppressed, &OUTSIDE, &[BROWSER_DIRECT_CALL]),
        "no key found in client code, app packages or browser-exposed variables",
    );
    let q1 = Item {
        number: 1,
        id: "server-only",
        question: "Does the API key exist only on the server side?",
        status,
        findings: fids,
        accepted: n,
        advice,
    };

    const CLIENT: [Cause; 3] = [
        Cause::FrontendCode,
        Cause::ClientTransit,
        Cause::PublicEnvVar,
    ];
    let client_rules = [BROWSER_DIRECT_CALL, PUBLIC_ENV_SECRET];
    let client_exposed = ids(findings, |f| {
        (secret(f) && has(f, &CLIENT)) || client_rules.contains(&f.rule.as_str())
    });
    let n = held(suppressed, &CLIENT, &client_rules);
    let (status, fids, advice) = answer(
        client_exposed,
        n,
        not_read.clone(),
        "client code holds or sends a key: the browser must only send user input to your server",
        accepted_note(suppressed, &CLIENT, &client_rules),
        "no key, public secret variable or direct browser LLM call found in client code",
    );
    let q2 = Item {
        number: 2,
        id: "no-client-exposure",
        question: "Is the key never exposed in client code?",
        status,
        findings: fids,
        accepted: n,
        advice,
    };
    let q3 = env_question(findings, suppressed, ev);

    // Keys in test data may be fake: they are counted apart.
    let to_rotate = ids(findings, |f| {
        secret(f) && !crate::findings::test_data::is_test_finding(f)
    });
    let test_keys = findings
        .iter()
        .filter(|f| crate::findings::test_data::is_test_finding(f))
        .count();
    let held_keys = suppressed
        .iter()
        .filter(|s| s.kind == RuleKind::Secret)
        .count();
    let accepted_keys = format!(
        "{held_keys} accepted key{} (baseline, inline marker or allowlist): confirm {} rotated and check {} usage",
        if held_keys == 1 { "" } else { "s" },
        if held_keys == 1 {
            "it was"
        } else {
            "they were"
        },
        if held_keys == 1 { "its" } else { "their" },
    );
    let mut advice = if !to_rotate.is_empty() {
        let mut a = format!(
            "rotate {} now, then check the provider's usage and billing for abuse",
            if to_rotate.len() == 1 {
                "this leaked key".to_string()
            } else {
                format!("these {} leaked keys", to_rotate.len())
            }
        );
        if held_keys > 0 {
            a.push_str(&format!("; {accepted_keys}"));
        }
        a
    } else if held_keys > 0 {
        format!("no new leaked key; {accepted_keys}")
    } else {
        "no leaked key found; still set usage limits and billing alerts in each provider's console and rotate keys periodically".to_string()
    };
    if test_keys > 0 {
        advice.push_str(&format!(
            "; {test_keys} key{} in test data: rotate any that is real",
            if test_keys == 1 { "" } else { "s" }
        ));
    }
    if let Some(nr) = &not_read {
        advice.push_str(&format!("; {nr}"));
    }
    let q4 = Item {
        number: 4,
        id: "usage-reviewed",
        question: "Is key usage reviewed, in preparation for an incident?",
        status: Status::Review,
        findings: to_rotate,
        accepted: held_keys,
        advice,
    };
    let q5 = rate_question(findings, ev);
    let mut items = vec![q1, q2, q3, q4, q5];
    if let Some(scope) = ev.partial {
        // A subdirectory scan reads the repository's index and ignore rules:
        // question 3 stands on them.
        let from_repo = |i: &Item| ev.subdirectory && scope == SUBDIRECTORY_SCOPE && i.number == 3;
        for item in items
            .iter_mut()
            .filter(|i| i.status == Status::Pass && !from_repo(i))
        {
            item.status = Status::Review;
            item.advice = format!(
                "not answered by this scan ({scope}); run a full `jikimi scan` for the whole project"
            );
        }
        let q5 = &mut items[4];
        if matches!(q5.status, Status::Review | Status::NotApplicable) && ev.rate_limit.is_empty() {
            q5.status = Status::Review;
            q5.advice = format!(
                "not answered by this scan ({scope}): manifests were not read; run a full `jikimi scan`"
            );
        }
    }
    items
}

/// Question 3: an env file with values tracked, or ignore rules that do not
/// cover `.env`, fail it; it passes only when neither is the case (or when
/// the project uses no env files at all).
fn env_question(findings: &[Finding], suppressed: &[Suppressed], ev: &Evidence) -> Item {
    let question = "Is the .env file kept out of Git?";
    let env_in_git = ids(findings, |f| {
        (f.kind == RuleKind::Secret && f.causes.contains(&Cause::EnvFileCommitted))
            || f.rule == GITIGNORE_GAP
    });
    let mut tracked: Vec<&str> = ev
        .env_files
        .iter()
        .filter(|e| e.git == Some(GitState::Tracked) && e.values && !e.template)
        .map(|e| e.path.as_str())
        .collect();
    tracked.sort_unstable();
    tracked.dedup();
    let n = held(suppressed, &[Cause::EnvFileCommitted], &[GITIGNORE_GAP]);
    let item = |status, findings, advice: String| Item {
        number: 3,
        id: "env-out-of-git",
        question,
        status,
        findings,
        accepted: n,
        advice,
    };
    if !env_in_git.is_empty() || !tracked.is_empty() {
        let mut advice = if ev.git_repo {
            "ignore .env and .env.* in .gitignore, git rm --cached the tracked ones, rotate their keys".to_string()
        } else {
            "not a git repository, but .env files here hold keys: add .env and .env.* to .gitignore before the first commit".to_string()
        };
        if !tracked.is_empty() && ev.git_repo {
            advice.push_str(&format!("; tracked with values: {}", tracked.join(", ")));
        }
        if n > 0 {
            advice.push_str(&format!("; {n} more accepted"));
        }
        let status = if ev.git_repo {
            Status::Fail
        } else {
            Status::Review
        };
        return item(status, env_in_git, advice);
    }
    if n > 0 {
        return item(
            Status::Accepted,
            env_in_git,
            accepted_note(suppressed, &[Cause::EnvFileCommitted], &[GITIGNORE_GAP]),
        );
    }
    let Some(why) = &ev.env_use else {
        return item(
            Status::Pass,
            env_in_git,
            "no env files used (none in the tree or history, no dotenv loader, no framework that reads them)".into(),
        );
    };
    if !ev.git_repo {
        return item(
            Status::Review,
            env_in_git,
            format!(
                "not a git repository ({why}): add .env and .env.* to .gitignore before the first commit"
            ),
        );
    }
    if !ev.unread_env.is_empty() {
        return item(
            Status::Review,
            env_in_git,
            format!("env files not read: {}", ev.unread_env.join(", ")),
        );
    }
    item(
        Status::Pass,
        env_in_git,
        ".gitignore covers .env files and no env file with values is tracked".into(),
    )
}

/// Question 5: rate limiting matters where requests are served or paid APIs
/// are called; a command-line tool or a library has no such structure.
fn rate_question(findings: &[Finding], ev: &Evidence) -> Item {
    let item = |status, advice: String| Item {
        number: 5,
        id: "rate-limited",
        question: "Is a call-limiting (rate limit) structure defined for future user growth?",
        status,
        findings: Vec::new(),
        accepted: 0,
        advice,
    };
    if !ev.rate_limit.is_empty() {
        return item(
            Status::Pass,
            format!("rate limiting found: {}", ev.rate_limit.join(", ")),
        );
    }
    let p = &ev.projects;
    // Keys in test data and public keys say nothing about serving users.
    let keys = findings.iter().any(|f| {
        f.kind == RuleKind::Secret
            && !crate::findings::public::is_public(f)
            && !crate::findings::test_data::is_test_finding(f)
    });
    if p.only_tools() && !p.ai_sdk && !keys {
        let list: Vec<String> = p
            .projects
            .iter()
            .map(|(m, k)| format!("{m}: {}", k.as_str()))
            .take(3)
            .collect();
        let what = if p.projects.values().all(|k| *k == Kind::Docs) {
            "a docs site serves static pages and calls no paid API"
        } else if p.projects.values().any(|k| *k == Kind::Docs) {
            "command-line tools, libraries and docs sites serve no requests and call no paid API"
        } else {
            "a command-line tool or library serves no requests and calls no paid API"
        };
        return item(
            Status::NotApplicable,
            format!("{what} ({})", list.join("; ")),
        );
    }
    let libs: Vec<&str> = p
        .server_ecosystems
        .iter()
        .map(|e| e.rate_limiter())
        .collect();
    if libs.is_empty() {
        // No project here serves requests: name no library of an
        // ecosystem it does not use.
        return item(
            Status::Review,
            "no rate limiter found: limit calls per user on the server that calls the provider (none of the projects scanned here serves requests)".into(),
        );
    }
    item(
        Status::Review,
        format!(
            "no rate limiter found: limit calls per user on your server ({})",
            libs.join("; ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_scans_never_pass() {
        let full = Evidence {
            git_repo: true,
            ..Evidence::default()
        };
        let statuses = |ev: &Evidence| {
            build(&[], &[], ev)
                .iter()
                .map(|i| i.status)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            statuses(&full)[..3],
            [Status::Pass, Status::Pass, Status::Pass]
        );
        let partial = Evidence {
            partial: Some("--staged: only what the next commit adds"),
            ..full
        };
        assert!(statuses(&partial).iter().all(|s| *s == Status::Review));
    }

    #[test]
    fn rate_limit_names_are_whole_words() {
        let pj = r#"{"dependencies":{"express-rate-limit":"^7"}}"#;
        assert_eq!(
            rate_limit_evidence("package.json", pj),
            vec!["package.json: express-rate-limit"]
        );
        assert!(
            rate_limit_evidence("package.json", r#"{"dependencies":{"express":"4"}}"#).is_empty()
        );
        assert_eq!(
            rate_limit_evidence("requirements.txt", "flask\nslowapi==0.1.9\n"),
            vec!["requirements.txt: slowapi"]
        );
        assert!(rate_limit_evidence("requirements.txt", "slowapiextra==1\n").is_empty());
    }
}
