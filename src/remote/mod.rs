//! Repositories that are not on disk: `jikimi scan URL`, and whole GitHub
//! organisations, users and GitLab groups (`--github-org`, `--github-user`,
//! `--gitlab-group`). Each repository is cloned bare into a temporary folder
//! ([`clone`]), scanned like a local bare repository (its full history), and
//! deleted; a few clones are made ahead of the scan, so at most
//! `--clone-jobs` + 1 clones exist at a time and one scan is in memory.
//! The organisation's report is the per-repository JSON reports joined by
//! [`crate::merge`], so `--shard` runs merged later give the same report.
//!
//! Nothing is ever run from a scanned repository: libgit2 clones without a
//! checkout and runs no hooks, and no `git` process is started (over ssh,
//! the user's own ssh program runs [`ssh`]).

pub mod clone;
pub mod forge;
pub mod https;
pub mod interrupt;
pub mod shard;
pub mod ssh;

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use crate::cli::ScanArgs;
use crate::config::ScanConfig;
use crate::exit_code::ExitCode;
use crate::merge::{self, Repository};
use crate::vocab::Format;

/// One repository to scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repo {
    /// `owner/name` (GitHub), `group/sub/name` (GitLab), or derived from
    /// the URL.
    pub name: String,
    /// Where it is cloned from (may carry credentials only if the user put
    /// them there; never printed with them).
    pub url: String,
}

/// Whether the scan is of remote repositories: an organisation flag, or a
/// path that is a URL.
pub fn wanted(args: &ScanArgs) -> bool {
    org_mode(args) || args.paths.iter().any(|p| is_url(&p.to_string_lossy()))
}

fn org_mode(args: &ScanArgs) -> bool {
    args.github_org.is_some() || args.github_user.is_some() || args.gitlab_group.is_some()
}

/// The remote-only options, refused on a local scan (they would do nothing).
pub fn check_local(args: &ScanArgs) -> Result<()> {
    let given = [
        ("--api-url", args.api_url.is_some()),
        ("--include-archived", args.include_archived),
        ("--include-forks", args.include_forks),
        ("--list", args.list),
        ("--clone-url", args.clone_url.is_some()),
        ("--shard", args.shard.is_some()),
        ("--keep-clone", args.keep_clone.is_some()),
    ];
    if let Some((flag, _)) = given.iter().find(|(_, on)| *on) {
        bail!(
            "{flag} is for remote repositories: give --github-org, --github-user, --gitlab-group or a repository URL"
        );
    }
    Ok(())
}

/// `https://`, `http://`, `ssh://`, `git://`, `file://`, or scp-like
/// `user@host:path` (when no such local path exists).
pub fn is_url(s: &str) -> bool {
    if let Some((scheme, _)) = s.split_once("://") {
        return matches!(
            scheme.to_ascii_lowercase().as_str(),
            "https" | "http" | "ssh" | "git" | "file"
        );
    }
    static SCP: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let scp = SCP.get_or_init(|| {
        // `user@host:path`, `user@host:/abs/path`, `user@[host:port]:path`
        // (not `user@host://`).
        regex::Regex::new(r"^[A-Za-z0-9._-]+@(?:[A-Za-z0-9.-]+|\[[^\]/]+\]):(?:[^/]|/[^/])")
            .expect("valid regex")
    });
    scp.is_match(s) && !Path::new(s).exists()
}

/// A URL as it may be shown: without a user name or password.
pub fn shown_url(url: &str) -> String {
    redact_userinfo(url)
}

/// Every `scheme://user:password@` in `text` with the user information
/// replaced by `***` (libgit2's messages can quote the URL).
pub fn redact_userinfo(text: &str) -> String {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]+@").expect("valid regex")
    });
    re.replace_all(text, "${1}***@").into_owned()
}

/// The name of a repository given by its URL: the last two path segments,
/// without `.git` (`org/repo`).
pub fn name_from_url(url: &str) -> String {
    let rest = match url.split_once("://") {
        Some((_, rest)) => rest.split_once('/').map_or("", |(_, p)| p),
        None => match url.find("]:") {
            Some(i) => crate::text::from(url, i + 2),
            None => url.split_once(':').map_or(url, |(_, p)| p),
        },
    };
    let parts: Vec<&str> = rest
        .split(['/', '?', '#'])
        .filter(|s| !s.is_empty())
        .collect();
    let n = parts.len();
    let name = parts[n.saturating_sub(2)..].join("/");
    let name = name.strip_suffix(".git").unwrap_or(&name).to_string();
    if name.is_empty() {
        shown_url(url)
    } else {
        name
    }
}

/// `jikimi scan URL...` or an organisation scan.
pub fn run(args: &ScanArgs) -> Result<ExitCode> {
    if args.clone_jobs == 0 {
        bail!("--clone-jobs must be at least 1");
    }
    if args.clone_url.is_some() && !org_mode(args) {
        bail!(
            "--clone-url picks the URL of listed repositories: use it with --github-org, --github-user or --gitlab-group (a URL given is cloned as given)"
        );
    }
    let shard = args.shard.as_deref().map(shard::Shard::parse).transpose()?;
    let auth = clone::Auth::from_env(args);
    if org_mode(args) || args.paths.len() > 1 {
        merge::check_format(args.format)?;
    }
    let (mut repos, allow_file) = if org_mode(args) {
        if args.paths.iter().any(|p| p != Path::new(".")) {
            bail!(
                "--github-org, --github-user and --gitlab-group list the repositories themselves: give no path"
            );
        }
        let listing = forge::Listing::from_args(args)?;
        let repos = forge::list(&listing)?;
        (repos, listing.api_is_loopback())
    } else {
        let mut repos = Vec::new();
        for p in &args.paths {
            let s = p.to_string_lossy();
            if !is_url(&s) {
                bail!(
                    "{} is a local path and other arguments are URLs: scan remote repositories and local paths in separate runs",
                    crate::text::escape(&s)
                );
            }
            repos.push(Repo {
                name: name_from_url(&s),
                url: s.into_owned(),
            });
        }
        (repos, true)
    };
    if let Some(s) = &shard {
        repos.retain(|r| s.holds(&r.name));
    }
    if args.list {
        let mut out = std::io::stdout().lock();
        for r in &repos {
            writeln!(
                out,
                "{}\t{}",
                crate::text::escape(&r.name),
                crate::text::escape(&shown_url(&r.url))
            )?;
        }
        out.flush()?;
        return Ok(ExitCode::Clean);
    }
    if let Some(dir) = &args.keep_clone {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the --keep-clone folder {}", dir.display()))?;
    }
    if !org_mode(args) && repos.len() == 1 {
        return single(args, &repos[0], &auth);
    }
    let (results, strict_failed) = scan_all(args, repos, &auth, allow_file)?;
    let code = merge::emit(&results, args.format, args.output.as_deref(), args.quiet)?;
    // --strict: a repository not read in full fails an otherwise clean run.
    Ok(if code == ExitCode::Clean && strict_failed {
        ExitCode::Error
    } else {
        code
    })
}

/// One URL: the report in the format asked for, as for a local repository
/// (the JSON report also names the repository).
fn single(args: &ScanArgs, repo: &Repo, auth: &clone::Auth) -> Result<ExitCode> {
    let cloned = clone::clone(repo, auth, args.keep_clone.as_deref(), true)
        .map_err(|e| anyhow::anyhow!("{}: {e}", crate::text::escape(&repo.name)))?;
    let mut local = args.clone();
    local.paths = vec![cloned.path().to_path_buf()];
    let cfg = ScanConfig::from_args(&local, std::io::IsTerminal::is_terminal(&std::io::stdout()))?;
    let mut buf = Vec::new();
    let (failing, strict_failed) = crate::commands::scan_report(&cfg, args.format, &mut buf)?;
    if args.format == Format::Json {
        let mut v: Value = serde_json::from_slice(&buf).context("the JSON report")?;
        if let Some(m) = v.as_object_mut() {
            m.insert("repository".into(), repository_value(repo));
        }
        buf = serde_json::to_vec_pretty(&v)?;
        buf.push(b'\n');
    }
    drop(cloned);
    match &args.output {
        Some(path) => std::fs::write(path, &buf)
            .with_context(|| format!("cannot write the report file {}", path.display()))?,
        None if !args.quiet => {
            let mut out = std::io::stdout().lock();
            out.write_all(&buf)?;
            out.flush()?;
        }
        None => {}
    }
    Ok(if failing > 0 {
        ExitCode::Leaks
    } else if strict_failed {
        ExitCode::Error
    } else {
        ExitCode::Clean
    })
}

fn repository_value(repo: &Repo) -> Value {
    json!({"name": repo.name, "url": shown_url(&repo.url)})
}

/// Clone and scan every repository: `--clone-jobs` threads clone ahead,
/// this thread scans one at a time with one matcher. A repository that
/// fails is recorded with its error and the others go on.
fn scan_all(
    args: &ScanArgs,
    repos: Vec<Repo>,
    auth: &clone::Auth,
    allow_file: bool,
) -> Result<(Vec<Repository>, bool)> {
    // The settings are made once, from an empty folder, so no jikimi.toml
    // is picked up but the one named with --config.
    let empty = tempfile::Builder::new()
        .prefix("jikimi-org-")
        .tempdir()
        .context("cannot create a temporary folder")?;
    let mut local = args.clone();
    local.paths = vec![empty.path().to_path_buf()];
    local.output = None;
    let mut cfg = ScanConfig::from_args(&local, false)?;
    cfg.scan.progress = false;
    let rules = cfg.rules.clone();
    let matcher = crate::matcher::Matcher::with_enabled(&rules, cfg.enabled.clone())?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.scan.threads)
        .build()
        .context("cannot start the worker threads")?;

    let total = repos.len();
    let repos = Arc::new(repos);
    let next = Arc::new(AtomicUsize::new(0));
    // A rendezvous channel: a cloning thread holds its finished clone until
    // the scan takes it, so at most clone_jobs + 1 clones exist.
    let (tx, rx) = mpsc::sync_channel::<(usize, Result<clone::Cloned, String>)>(0);
    let mut results = Vec::with_capacity(total);
    let mut strict_failed = false;
    std::thread::scope(|s| {
        for _ in 0..args.clone_jobs.min(total.max(1)) {
            let tx = tx.clone();
            let repos = repos.clone();
            let next = next.clone();
            let keep = args.keep_clone.as_deref();
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(repo) = repos.get(i) else { break };
                    let r = clone::clone(repo, auth, keep, allow_file);
                    if tx.send((i, r)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for (done, (i, cloned)) in rx.into_iter().enumerate() {
            let repo = &repos[i];
            if args.verbose {
                eprintln!(
                    "jikimi: [{}/{total}] {}",
                    done + 1,
                    crate::text::escape(&repo.name)
                );
            }
            let outcome = cloned.and_then(|c| {
                cfg.scan.paths = vec![c.path().to_path_buf()];
                let mut buf = Vec::new();
                let r = crate::commands::scan_report_with(
                    &cfg,
                    &matcher,
                    &pool,
                    Format::Json,
                    &mut buf,
                )
                .and_then(|(_, strict)| {
                    strict_failed |= strict;
                    serde_json::from_slice::<Value>(&buf).context("the JSON report")
                })
                .map_err(|e| format!("{e:#}"));
                drop(c);
                r
            });
            if let Err(e) = &outcome {
                eprintln!(
                    "jikimi: error: {}: {}",
                    crate::text::escape(&repo.name),
                    crate::text::escape_lines(&redact_userinfo(e))
                );
            }
            let (report, error) = match outcome {
                Ok(v) => (Some(v), None),
                Err(e) => (None, Some(redact_userinfo(&e))),
            };
            results.push(Repository {
                name: repo.name.clone(),
                url: shown_url(&repo.url),
                error,
                report,
            });
        }
    });
    Ok((results, strict_failed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(is_url("https://github.com/a/b.git"));
        assert!(is_url("file:///tmp/x"));
        assert!(is_url("git@github.com:a/b.git"));
        assert!(is_url("git@host:/srv/git/b.git"));
        assert!(is_url("git@[host:2222]:a/b.git"));
        assert!(!is_url("git@host://a"));
        assert!(!is_url("src/"));
        assert!(!is_url("."));
        assert_eq!(name_from_url("https://github.com/a/b.git"), "a/b");
        assert_eq!(name_from_url("git@github.com:a/b.git"), "a/b");
        assert_eq!(name_from_url("git@[h:2222]:a/b.git"), "a/b");
        assert_eq!(name_from_url("file:///tmp/x/repo.git"), "x/repo");
        assert_eq!(
            redact_userinfo("cannot fetch https://u:tok3n@host/a: 401"),
            "cannot fetch https://***@host/a: 401"
        );
        assert_eq!(shown_url("https://host/a"), "https://host/a");
    }
}
