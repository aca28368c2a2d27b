//! A bare clone with libgit2: no checkout (so no file of the repository is
//! written out, no filter or hook can run), no configuration taken from the
//! remote (git does not send any), into a private temporary folder that is
//! removed when the [`Cloned`] is dropped, or into `--keep-clone DIR`.
//!
//! Credentials come only from the environment: `GITHUB_TOKEN` for
//! github.com (and the host of `--api-url` with `--github-*`),
//! `GITLAB_TOKEN` for gitlab.com (and the host of `--api-url` with
//! `--gitlab-group`). A token is offered once, to its own host only, through
//! libgit2's credential callback (no askpass, no credential helper), and is
//! never printed: libgit2's messages are stripped of URL user information.

use std::path::{Path, PathBuf};

use crate::cli::ScanArgs;

use super::{Repo, redact_userinfo, shown_url};

/// Tokens from the environment, each for its hosts.
#[derive(Clone, Debug, Default)]
pub struct Auth {
    /// (host, user name to send, token).
    entries: Vec<(String, &'static str, String)>,
}

impl Auth {
    pub fn from_env(args: &ScanArgs) -> Auth {
        let api_host = args
            .api_url
            .as_deref()
            .and_then(crate::verify::spec::split_url)
            .map(|(_, a, _)| crate::verify::spec::authority_host(a).to_ascii_lowercase());
        let github = args.github_org.is_some() || args.github_user.is_some();
        let gitlab = args.gitlab_group.is_some();
        let mut entries = Vec::new();
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        if let Some(t) = var("GITHUB_TOKEN") {
            entries.push(("github.com".to_string(), "x-access-token", t.clone()));
            if let (true, Some(h)) = (github, &api_host) {
                entries.push((api_host_to_git_host(h), "x-access-token", t));
            }
        }
        if let Some(t) = var("GITLAB_TOKEN") {
            entries.push(("gitlab.com".to_string(), "oauth2", t.clone()));
            if let (true, Some(h)) = (gitlab, &api_host) {
                entries.push((h.clone(), "oauth2", t));
            }
        }
        Auth { entries }
    }

    /// The user name and token for `host`, if one is set for it.
    pub fn for_host(&self, host: &str) -> Option<(&str, &str)> {
        self.entries
            .iter()
            .find(|(h, _, _)| h.eq_ignore_ascii_case(host))
            .map(|(_, u, t)| (*u, t.as_str()))
    }

    /// The `Authorization` header value for `host`, if a token is set.
    pub fn basic_header(&self, host: &str) -> Option<String> {
        use base64::Engine;
        let (user, token) = self.for_host(host)?;
        Some(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{token}"))
        ))
    }
}

/// GitHub's API for github.com is on api.github.com; GitHub Enterprise
/// serves git and the API from one host.
fn api_host_to_git_host(h: &str) -> String {
    if h == "api.github.com" {
        "github.com".to_string()
    } else {
        h.to_string()
    }
}

/// A clone on disk.
pub enum Cloned {
    /// Removed when dropped, and on Ctrl-C while it lives (the guard).
    Temp(tempfile::TempDir, super::interrupt::Guard),
    /// `--keep-clone`: stays.
    Kept(PathBuf),
}

impl Cloned {
    pub fn path(&self) -> &Path {
        match self {
            Cloned::Temp(t, _) => t.path(),
            Cloned::Kept(p) => p,
        }
    }
}

/// A folder name for a repository name: `org/repo` is `org+repo.git`;
/// anything but ASCII letters, digits, `.`, `_` and `-` becomes `_`, and
/// no name starts with a dot (so `..` cannot leave the folder).
pub fn folder_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| match c {
            '/' => '+',
            c if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') => c,
            _ => '_',
        })
        .collect();
    if s.starts_with('.') || s.is_empty() {
        s.insert(0, '_');
    }
    s.push_str(".git");
    s
}

/// The host of a clone URL (`https://host/...`, `git@host:path`).
pub fn url_host(url: &str) -> Option<String> {
    if let Some((_, authority, _)) = crate::verify::spec::split_url(url) {
        let authority = authority.rsplit('@').next().unwrap_or(authority);
        return Some(crate::verify::spec::authority_host(authority).to_ascii_lowercase());
    }
    let (before, _) = url.split_once(':')?;
    Some(before.rsplit('@').next()?.to_ascii_lowercase())
}

/// Clone `repo` bare. `allow_file`: whether `file://` URLs may be cloned
/// (not when a remote API named them). Errors name the repository's URL
/// without credentials.
pub fn clone(
    repo: &Repo,
    auth: &Auth,
    keep: Option<&Path>,
    allow_file: bool,
) -> Result<Cloned, String> {
    let shown = shown_url(&repo.url);
    let scheme = repo
        .url
        .split_once("://")
        .map_or("ssh", |(s, _)| s)
        .to_ascii_lowercase();
    if scheme == "file" && !allow_file {
        return Err(format!(
            "{shown}: a file:// URL given by a remote API is not cloned"
        ));
    }
    if scheme == "http" {
        let host = url_host(&repo.url).unwrap_or_default();
        if !crate::verify::endpoint::is_loopback(&host) {
            return Err(format!(
                "{shown}: plain http is only cloned from loopback; use the https:// URL"
            ));
        }
    }
    // An ssh address is checked before anything is created or run (a host
    // starting with '-' is refused here, not handed to ssh).
    if super::ssh::is_ssh(&repo.url) {
        super::ssh::Target::parse(&repo.url).map_err(|e| format!("cannot clone {shown}: {e}"))?;
    }
    let target = match keep {
        Some(dir) => {
            let p = dir.join(folder_name(&repo.name));
            if p.exists() {
                return Err(format!(
                    "{} already exists: remove it or give another --keep-clone folder",
                    p.display()
                ));
            }
            Cloned::Kept(p)
        }
        None => {
            let dir = tempfile::Builder::new()
                .prefix("jikimi-clone-")
                .tempdir()
                .map_err(|e| format!("cannot create a temporary folder for the clone: {e}"))?;
            let guard = super::interrupt::Guard::new(dir.path());
            Cloned::Temp(dir, guard)
        }
    };
    // A `--keep-clone` folder interrupted half-written is no clone to keep:
    // removed on Ctrl-C until the clone is complete.
    let partial = match &target {
        Cloned::Kept(p) => Some(super::interrupt::Guard::new(p)),
        Cloned::Temp(..) => None,
    };
    let host = url_host(&repo.url).unwrap_or_default();
    let mut asked = 0u32;
    let mut callbacks = git2::RemoteCallbacks::new();
    callbacks.credentials(|_url, user_from_url, allowed| {
        asked += 1;
        if asked > 1 {
            // libgit2 asks again when the first answer was refused.
            return Err(git2::Error::from_str("the token was refused"));
        }
        if allowed.contains(git2::CredentialType::USER_PASS_PLAINTEXT)
            && let Some((user, token)) = auth.for_host(&host)
        {
            return git2::Cred::userpass_plaintext(user, token);
        }
        if allowed.contains(git2::CredentialType::SSH_KEY) {
            return git2::Cred::ssh_key_from_agent(user_from_url.unwrap_or("git"));
        }
        Err(git2::Error::from_str("no credentials"))
    });
    let mut fetch = git2::FetchOptions::new();
    fetch.remote_callbacks(callbacks);
    fetch.download_tags(git2::AutotagOption::All);
    let result = super::https::with_auth(auth, || {
        git2::build::RepoBuilder::new()
            .bare(true)
            .fetch_options(fetch)
            .clone(&repo.url, target.path())
    });
    drop(partial);
    match result {
        Ok(_) => Ok(target),
        Err(e) => {
            if let Cloned::Kept(p) = &target {
                let _ = std::fs::remove_dir_all(p);
            }
            if super::ssh::is_ssh(&repo.url)
                && let Some(m) = super::ssh::explain(&shown, &redact_userinfo(e.message()))
            {
                return Err(m);
            }
            Err(clone_error(&shown, &scheme, &host, auth, &e))
        }
    }
}

/// A clone failure in words, with what to do.
fn clone_error(shown: &str, scheme: &str, host: &str, auth: &Auth, e: &git2::Error) -> String {
    let msg = redact_userinfo(e.message());
    let lower = msg.to_ascii_lowercase();
    if lower.contains("unsupported url protocol") {
        return format!(
            "cannot clone {shown}: jikimi does not clone over {scheme} (https, ssh, git and file URLs are supported)"
        );
    }
    if e.code() == git2::ErrorCode::Auth
        || lower.contains("authentication")
        || lower.contains("token was refused")
        || lower.contains("no credentials")
        || lower.contains("401")
        || lower.contains("403")
    {
        let hint = match auth.for_host(host) {
            Some(_) => {
                "the token in the environment was refused: check it can read this repository"
            }
            None if host.contains("gitlab") => "set GITLAB_TOKEN to a token that can read it",
            None => "set GITHUB_TOKEN (or GITLAB_TOKEN) to a token that can read it",
        };
        return format!("cannot clone {shown}: authentication failed ({hint})");
    }
    if e.code() == git2::ErrorCode::NotFound
        || lower.contains("not found")
        || lower.contains("failed to resolve path")
        || lower.contains("could not find repository")
    {
        return format!(
            "cannot clone {shown}: the repository is not there (deleted or renamed since it was listed?)"
        );
    }
    format!("cannot clone {shown}: {msg}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_stay_inside() {
        assert_eq!(folder_name("org/repo"), "org+repo.git");
        assert_eq!(folder_name("../x"), "_..+x.git");
        assert_eq!(folder_name("a b/c"), "a_b+c.git");
    }

    #[test]
    fn hosts() {
        assert_eq!(
            url_host("https://u:p@GitHub.com/a/b").unwrap(),
            "github.com"
        );
        assert_eq!(url_host("git@gitlab.com:a/b.git").unwrap(), "gitlab.com");
        assert_eq!(url_host("https://h:8443/a").unwrap(), "h");
    }
}
