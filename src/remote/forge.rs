//! Listing the repositories of a GitHub organisation or user, or of a
//! GitLab group (subgroups included), through their REST APIs: every page
//! (GitHub's `Link: rel="next"`, GitLab's `x-next-page`), archived
//! repositories and forks left out unless asked, rate limits waited out
//! when the wait is short and reported when it is not. The HTTP client is
//! the verifier's ([`crate::verify`]: rustls, no redirects, bounded bodies,
//! plain http only to loopback).

use std::time::Duration;

use anyhow::{Result, bail};
use serde_json::Value;

use crate::cli::ScanArgs;
use crate::verify::client::{Answer, Client, Wire};
use crate::verify::spec::{authority_host, split_url};

use super::Repo;

/// The longest rate-limit wait that is waited out; a longer one fails
/// with the time it resets.
pub const MAX_WAIT: Duration = Duration::from_secs(60);
/// Repositories per page (a GitHub page of 50 stays well under the
/// client's 1 MiB body limit).
const PER_PAGE: u32 = 50;
/// Pages at most (500,000 repositories).
const MAX_PAGES: usize = 10_000;

/// Which clone URL of a listed repository is used (`--clone-url`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum CloneUrl {
    /// GitHub's `clone_url`, GitLab's `http_url_to_repo`.
    #[default]
    Https,
    /// GitHub's `ssh_url`, GitLab's `ssh_url_to_repo` (cloned with the
    /// user's own ssh: [`super::ssh`]).
    Ssh,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    GithubOrg(String),
    GithubUser(String),
    GitlabGroup(String),
}

impl Kind {
    fn forge(&self) -> &'static str {
        match self {
            Kind::GitlabGroup(_) => "GitLab",
            _ => "GitHub",
        }
    }
    fn token_var(&self) -> &'static str {
        match self {
            Kind::GitlabGroup(_) => "GITLAB_TOKEN",
            _ => "GITHUB_TOKEN",
        }
    }
}

/// What to list, and how.
pub struct Listing {
    pub kind: Kind,
    /// Without a trailing `/`.
    pub api: String,
    pub token: Option<String>,
    pub include_archived: bool,
    pub include_forks: bool,
    pub clone_url: CloneUrl,
}

impl Listing {
    pub fn from_args(args: &ScanArgs) -> Result<Listing> {
        let kind = match (&args.github_org, &args.github_user, &args.gitlab_group) {
            (Some(o), _, _) => Kind::GithubOrg(o.clone()),
            (_, Some(u), _) => Kind::GithubUser(u.clone()),
            (_, _, Some(g)) => Kind::GitlabGroup(g.clone()),
            _ => bail!("no organisation, user or group given"),
        };
        let name = match &kind {
            Kind::GithubOrg(n) | Kind::GithubUser(n) | Kind::GitlabGroup(n) => n,
        };
        if name.trim().is_empty() || name.chars().any(|c| c.is_control() || c == '?' || c == '#') {
            bail!("the organisation, user or group name is empty or not a name");
        }
        let api = match &args.api_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None if matches!(kind, Kind::GitlabGroup(_)) => "https://gitlab.com/api/v4".into(),
            None => "https://api.github.com".into(),
        };
        let Some((scheme, authority, _)) = split_url(&api) else {
            bail!("--api-url must be an absolute URL (e.g. https://github.example.com/api/v3)");
        };
        let loopback = crate::verify::endpoint::is_loopback(authority_host(authority));
        if !(scheme == "https" || scheme == "http" && loopback) {
            bail!("--api-url must be https:// (plain http only to loopback, for tests)");
        }
        let token = std::env::var(kind.token_var())
            .ok()
            .filter(|t| !t.trim().is_empty());
        Ok(Listing {
            kind,
            api,
            token,
            include_archived: args.include_archived,
            include_forks: args.include_forks,
            clone_url: args.clone_url.unwrap_or_default(),
        })
    }

    /// Whether the API is on this machine (then `file://` clone URLs are
    /// followed: tests and local mirrors).
    pub fn api_is_loopback(&self) -> bool {
        split_url(&self.api)
            .is_some_and(|(_, a, _)| crate::verify::endpoint::is_loopback(authority_host(a)))
    }

    fn first_url(&self) -> String {
        match &self.kind {
            Kind::GithubOrg(o) => format!(
                "{}/orgs/{}/repos?per_page={PER_PAGE}&type=all",
                self.api,
                enc(o)
            ),
            Kind::GithubUser(u) => format!(
                "{}/users/{}/repos?per_page={PER_PAGE}&type=owner",
                self.api,
                enc(u)
            ),
            Kind::GitlabGroup(g) => format!(
                "{}/groups/{}/projects?per_page={PER_PAGE}&include_subgroups=true&page=1",
                self.api,
                enc(g)
            ),
        }
    }

    fn headers(&self) -> Vec<(String, String)> {
        let mut h = vec![("Accept".to_string(), "application/json".to_string())];
        match (&self.kind, &self.token) {
            (Kind::GitlabGroup(_), Some(t)) => h.push(("PRIVATE-TOKEN".into(), t.clone())),
            (Kind::GitlabGroup(_), None) => {}
            (_, t) => {
                h[0].1 = "application/vnd.github+json".into();
                h.push(("X-GitHub-Api-Version".into(), "2022-11-28".into()));
                if let Some(t) = t {
                    h.push(("Authorization".into(), format!("Bearer {t}")));
                }
            }
        }
        h
    }
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Every repository to scan, sorted by name.
pub fn list(l: &Listing) -> Result<Vec<Repo>> {
    let client = Client::new(Duration::from_secs(30));
    let api_origin = origin(&l.api);
    let mut url = l.first_url();
    let mut repos = Vec::new();
    for _ in 0..MAX_PAGES {
        let answer = get(&client, l, &url)?;
        let body: Value = serde_json::from_slice(&answer.body).map_err(|_| {
            anyhow::anyhow!(
                "the {} API did not answer with JSON (is --api-url the API's address?)",
                l.kind.forge()
            )
        })?;
        let Some(items) = body.as_array() else {
            bail!(
                "the {} API did not answer with a list of repositories",
                l.kind.forge()
            );
        };
        for item in items {
            if let Some(r) = repo_of(l, item) {
                repos.push(r);
            }
        }
        match next_url(l, &answer, &url) {
            Some(next) if origin(&next) == api_origin => url = next,
            Some(_) => bail!(
                "the {} API pointed its next page at another host: not followed",
                l.kind.forge()
            ),
            None => {
                repos.sort_by(|a, b| a.name.cmp(&b.name));
                repos.dedup_by(|a, b| a.name == b.name);
                return Ok(repos);
            }
        }
    }
    bail!(
        "the {} API listed more than {MAX_PAGES} pages",
        l.kind.forge()
    )
}

/// `scheme://authority` of a URL.
fn origin(url: &str) -> String {
    split_url(url).map_or_else(String::new, |(s, a, _)| {
        format!("{}://{}", s.to_ascii_lowercase(), a.to_ascii_lowercase())
    })
}

/// One repository of a page, unless it is left out.
fn repo_of(l: &Listing, item: &Value) -> Option<Repo> {
    let gitlab = matches!(l.kind, Kind::GitlabGroup(_));
    let url_key = match (gitlab, l.clone_url) {
        (true, CloneUrl::Https) => "http_url_to_repo",
        (true, CloneUrl::Ssh) => "ssh_url_to_repo",
        (false, CloneUrl::Https) => "clone_url",
        (false, CloneUrl::Ssh) => "ssh_url",
    };
    let name = if gitlab {
        item["path_with_namespace"].as_str()?
    } else {
        item["full_name"].as_str()?
    };
    let url = item[url_key].as_str()?;
    let archived = item["archived"].as_bool().unwrap_or(false);
    let fork = if gitlab {
        !item["forked_from_project"].is_null()
    } else {
        item["fork"].as_bool().unwrap_or(false)
    };
    if archived && !l.include_archived || fork && !l.include_forks {
        return None;
    }
    Some(Repo {
        name: name.to_string(),
        url: url.to_string(),
    })
}

/// The next page's URL, if there is one.
fn next_url(l: &Listing, a: &Answer, current: &str) -> Option<String> {
    if matches!(l.kind, Kind::GitlabGroup(_)) {
        let page = a.header("x-next-page")?.trim();
        if page.is_empty() || !page.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let base = current.rsplit_once("&page=").map_or(current, |(b, _)| b);
        return Some(format!("{base}&page={page}"));
    }
    // Link: <https://api.github.com/...&page=2>; rel="next", <...>; rel="last"
    a.header("link")?.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim() == "rel=\"next\"")
            .then(|| {
                target
                    .trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
    })
}

/// GET `url`, waiting out short rate limits; errors say what to do.
fn get(client: &Client, l: &Listing, url: &str) -> Result<Answer> {
    let forge = l.kind.forge();
    let wire = Wire {
        method: "GET".into(),
        url: url.to_string(),
        headers: l.headers(),
        body: Vec::new(),
    };
    for _ in 0..4 {
        let a = client
            .send(&wire, Duration::from_secs(30))
            .map_err(|e| anyhow::anyhow!("cannot list the repositories: {e}"))?;
        match a.status {
            200..=299 => return Ok(a),
            401 => bail!(
                "the {forge} API refused the credentials (401): {} is missing, expired or revoked; set it to a token that can read the repositories",
                l.kind.token_var()
            ),
            403 | 429 if rate_limited(&a) => {
                let wait = rate_limit_wait(&a);
                match wait {
                    Some(w) if w <= MAX_WAIT => {
                        eprintln!(
                            "jikimi: the {forge} API rate limit is reached: waiting {}s",
                            w.as_secs().max(1)
                        );
                        std::thread::sleep(w);
                    }
                    _ => bail!(
                        "the {forge} API rate limit is reached{}: {}, or run again later",
                        wait.map_or(String::new(), |w| format!(
                            " (it resets in {} minutes)",
                            w.as_secs().div_ceil(60)
                        )),
                        if l.token.is_some() {
                            "split the work with --shard I/N".to_string()
                        } else {
                            format!("set {} for a higher limit", l.kind.token_var())
                        }
                    ),
                }
            }
            403 => bail!(
                "the {forge} API refused access (403): the token in {} cannot read this organisation's repositories",
                l.kind.token_var()
            ),
            404 => bail!(
                "the {forge} API does not know this organisation, user or group (404): check the name{}",
                if l.token.is_none() {
                    format!(", or set {} if it is private", l.kind.token_var())
                } else {
                    String::new()
                }
            ),
            s => bail!("the {forge} API answered HTTP {s} to the repository list"),
        }
    }
    bail!("the {forge} API rate limit is still reached after waiting: run again later")
}

fn rate_limited(a: &Answer) -> bool {
    a.status == 429
        || a.header("x-ratelimit-remaining").map(str::trim) == Some("0")
        || a.header("ratelimit-remaining").map(str::trim) == Some("0")
        || a.header("retry-after").is_some()
}

/// How long until the limit lifts: `Retry-After` seconds, else the reset
/// time (epoch seconds) of GitHub or GitLab.
fn rate_limit_wait(a: &Answer) -> Option<Duration> {
    if let Some(s) = a
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        return Some(Duration::from_secs(s));
    }
    let reset = a
        .header("x-ratelimit-reset")
        .or(a.header("ratelimit-reset"))
        .and_then(|v| v.trim().parse::<u64>().ok())?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(Duration::from_secs(reset.saturating_sub(now).max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(headers: &[(&str, &str)]) -> Answer {
        Answer {
            status: 200,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: Vec::new(),
        }
    }

    fn listing(kind: Kind) -> Listing {
        Listing {
            kind,
            api: "https://api.github.com".into(),
            token: None,
            include_archived: false,
            include_forks: false,
            clone_url: CloneUrl::Https,
        }
    }

    #[test]
    fn github_link_header() {
        let l = listing(Kind::GithubOrg("o".into()));
        let a = answer(&[(
            "link",
            "<https://api.github.com/orgs/o/repos?page=1>; rel=\"prev\", <https://api.github.com/orgs/o/repos?page=3>; rel=\"next\"",
        )]);
        assert_eq!(
            next_url(&l, &a, "x").unwrap(),
            "https://api.github.com/orgs/o/repos?page=3"
        );
        assert!(next_url(&l, &answer(&[]), "x").is_none());
    }

    #[test]
    fn gitlab_next_page() {
        let l = listing(Kind::GitlabGroup("g".into()));
        let cur = "https://gitlab.com/api/v4/groups/g/projects?per_page=50&page=1";
        let a = answer(&[("x-next-page", "2")]);
        assert_eq!(
            next_url(&l, &a, cur).unwrap(),
            "https://gitlab.com/api/v4/groups/g/projects?per_page=50&page=2"
        );
        assert!(next_url(&l, &answer(&[("x-next-page", "")]), cur).is_none());
    }

    #[test]
    fn archived_and_forks() {
        let l = listing(Kind::GithubOrg("o".into()));
        let v = serde_json::json!({"full_name": "o/a", "clone_url": "https://x/o/a.git", "archived": true, "fork": false});
        assert!(repo_of(&l, &v).is_none());
        let v = serde_json::json!({"full_name": "o/a", "clone_url": "https://x/o/a.git", "archived": false, "fork": false});
        assert_eq!(repo_of(&l, &v).unwrap().name, "o/a");
    }

    #[test]
    fn clone_url_picks_the_field() {
        let gh = serde_json::json!({"full_name": "o/a", "clone_url": "https://x/o/a.git", "ssh_url": "git@x:o/a.git"});
        let gl = serde_json::json!({"path_with_namespace": "g/a", "http_url_to_repo": "https://x/g/a.git", "ssh_url_to_repo": "git@x:g/a.git", "forked_from_project": null});
        let mut l = listing(Kind::GithubOrg("o".into()));
        assert_eq!(repo_of(&l, &gh).unwrap().url, "https://x/o/a.git");
        l.clone_url = CloneUrl::Ssh;
        assert_eq!(repo_of(&l, &gh).unwrap().url, "git@x:o/a.git");
        let mut l = listing(Kind::GitlabGroup("g".into()));
        assert_eq!(repo_of(&l, &gl).unwrap().url, "https://x/g/a.git");
        l.clone_url = CloneUrl::Ssh;
        assert_eq!(repo_of(&l, &gl).unwrap().url, "git@x:g/a.git");
    }
}
