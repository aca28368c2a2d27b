//! The guide's five-point checklist (15.3.9), answered from the findings and
//! the evidence collected during the scan.

use serde::Serialize;

use crate::findings::risks::{BROWSER_DIRECT_CALL, GITIGNORE_GAP, PUBLIC_ENV_SECRET};
use crate::findings::{Cause, Finding};
use crate::rules::RuleKind;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Review,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Review => "review",
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
    /// One line of advice (or the evidence, for a pass).
    pub advice: String,
}

/// What the scan saw besides findings.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Evidence {
    /// Whether any scanned root is a git repository.
    pub git_repo: bool,
    /// Rate-limiting libraries seen in manifests: `package.json: express-rate-limit`.
    pub rate_limit: Vec<String>,
    /// Set when the scan covered only part of the project (`--staged`,
    /// `--since`, `--range`, `--history-only`): what it covered. A question
    /// it cannot answer from that part is `review`, never a false `pass`.
    pub partial: Option<&'static str>,
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

/// Answer the five questions.
pub fn build(findings: &[Finding], ev: &Evidence) -> Vec<Item> {
    let secret = |f: &Finding| f.kind == RuleKind::Secret;
    let has = |f: &Finding, cs: &[Cause]| f.causes.iter().any(|c| cs.contains(c));

    let outside_server = ids(findings, |f| {
        (secret(f)
            && has(
                f,
                &[
                    Cause::FrontendCode,
                    Cause::ClientTransit,
                    Cause::PublicEnvVar,
                    Cause::AppBinary,
                ],
            ))
            || f.rule == BROWSER_DIRECT_CALL
    });
    let q1 = Item {
        number: 1,
        id: "server-only",
        question: "Does the API key exist only on the server side?",
        status: if outside_server.is_empty() {
            Status::Pass
        } else {
            Status::Fail
        },
        advice: if outside_server.is_empty() {
            "no key found in client code, app packages or browser-exposed variables".into()
        } else {
            "keys live outside the server: route calls through your backend (client -> server -> provider)".into()
        },
        findings: outside_server,
    };

    let client_exposed = ids(findings, |f| {
        (secret(f)
            && has(
                f,
                &[
                    Cause::FrontendCode,
                    Cause::ClientTransit,
                    Cause::PublicEnvVar,
                ],
            ))
            || f.rule == BROWSER_DIRECT_CALL
            || f.rule == PUBLIC_ENV_SECRET
    });
    let q2 = Item {
        number: 2,
        id: "no-client-exposure",
        question: "Is the key never exposed in client code?",
        status: if client_exposed.is_empty() {
            Status::Pass
        } else {
            Status::Fail
        },
        advice: if client_exposed.is_empty() {
            "no key, public secret variable or direct browser LLM call found in client code".into()
        } else {
            "client code holds or sends a key: the browser must only send user input to your server"
                .into()
        },
        findings: client_exposed,
    };

    let env_in_git = ids(findings, |f| {
        (secret(f) && has(f, &[Cause::EnvFileCommitted])) || f.rule == GITIGNORE_GAP
    });
    let q3 = Item {
        number: 3,
        id: "env-out-of-git",
        question: "Is the .env file kept out of Git?",
        // Outside a repository nothing is committed: there is nothing to
        // fail, only something to get right when the repository is made.
        status: if !ev.git_repo {
            Status::Review
        } else if !env_in_git.is_empty() {
            Status::Fail
        } else {
            Status::Pass
        },
        advice: if !ev.git_repo && !env_in_git.is_empty() {
            "not a git repository, but .env files here hold keys: add .env and .env.* to .gitignore before the first commit".into()
        } else if !ev.git_repo {
            "not a git repository: make sure .env is in .gitignore when you create one".into()
        } else if !env_in_git.is_empty() {
            "ignore .env and .env.* in .gitignore, git rm --cached committed ones, rotate their keys".into()
        } else {
            ".gitignore covers .env files and none is committed".into()
        },
        findings: env_in_git,
    };

    let to_rotate = ids(findings, secret);
    let q4 = Item {
        number: 4,
        id: "usage-reviewed",
        question: "Is key usage reviewed, in preparation for an incident?",
        status: Status::Review,
        advice: if to_rotate.is_empty() {
            "no leaked key found; still set usage limits and billing alerts in each provider's console and rotate keys periodically".into()
        } else {
            format!(
                "rotate {} now, then check the provider's usage and billing for abuse",
                if to_rotate.len() == 1 {
                    "this leaked key".to_string()
                } else {
                    format!("these {} leaked keys", to_rotate.len())
                }
            )
        },
        findings: to_rotate,
    };

    let q5 = Item {
        number: 5,
        id: "rate-limited",
        question: "Is a call-limiting (rate limit) structure defined for future user growth?",
        status: if ev.rate_limit.is_empty() {
            Status::Review
        } else {
            Status::Pass
        },
        advice: if ev.rate_limit.is_empty() {
            "no rate-limit library found: limit calls per user on your API server (e.g. express-rate-limit, slowapi) and set provider usage limits".into()
        } else {
            format!("rate limiting found: {}", ev.rate_limit.join(", "))
        },
        findings: Vec::new(),
    };
    let mut items = vec![q1, q2, q3, q4, q5];
    if let Some(scope) = ev.partial {
        for item in items.iter_mut().filter(|i| i.status == Status::Pass) {
            item.status = Status::Review;
            item.advice = format!(
                "not answered by this scan ({scope}); run a full `jikimi scan` for the whole project"
            );
        }
        let q5 = &mut items[4];
        if q5.status == Status::Review && ev.rate_limit.is_empty() {
            q5.advice = format!(
                "not answered by this scan ({scope}): manifests were not read; run a full `jikimi scan`"
            );
        }
    }
    items
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
        let statuses = |ev: &Evidence| build(&[], ev).iter().map(|i| i.status).collect::<Vec<_>>();
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
