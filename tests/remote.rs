//! Remote repositories and organisations (issue 24): `jikimi scan URL` on
//! file:// remotes of repositories built here with git2, and
//! `--github-org` / `--github-user` / `--gitlab-group` against a mock of the
//! list APIs on 127.0.0.1 whose clone URLs are file:// URLs. Nothing here
//! reaches the network beyond loopback.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::common::mock::{Mock, Reply, Req};
use crate::common::{Env, Fake, commit_tree, tree_of};

/// A bare repository at `dir` with one commit of `files` on HEAD, and, when
/// `old` is given, an earlier commit holding `old` (removed since).
pub fn make_repo(dir: &Path, files: &[(&str, &str)], old: Option<(&str, &str)>) -> String {
    let repo = git2::Repository::init_bare(dir).unwrap();
    let mut parents = Vec::new();
    if let Some(f) = old {
        let t = tree_of(&repo, &[f]);
        parents.push(commit_tree(
            &repo,
            Some("HEAD"),
            "add",
            t,
            &[],
            1_700_000_000,
        ));
    }
    let t = tree_of(&repo, files);
    commit_tree(&repo, Some("HEAD"), "now", t, &parents, 1_700_000_100);
    file_url(dir)
}

pub fn file_url(dir: &Path) -> String {
    format!("file://{}", dir.display())
}

/// One repository the mock API lists.
#[derive(Clone)]
pub struct Listed {
    pub name: String,
    pub url: String,
    pub archived: bool,
    pub fork: bool,
}

pub fn listed(name: &str, url: &str) -> Listed {
    Listed {
        name: name.into(),
        url: url.into(),
        archived: false,
        fork: false,
    }
}

fn query(target: &str, key: &str) -> Option<usize> {
    let q = target.split_once('?')?.1;
    q.split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
        .and_then(|v| v.parse().ok())
}

/// A mock GitHub API serving `repos` under /orgs/acme/repos and
/// /users/ann/repos, `per_page` at a time, with Link headers.
pub fn github_mock(repos: Vec<Listed>) -> Mock {
    let base: Arc<Mutex<String>> = Arc::default();
    let b = base.clone();
    let mock = Mock::start(move |r: &Req| {
        let path = r.target.split('?').next().unwrap_or("");
        if path != "/orgs/acme/repos" && path != "/users/ann/repos" {
            return Reply::new(404, r#"{"message":"Not Found"}"#);
        }
        let per = query(&r.target, "per_page").unwrap_or(30);
        let page = query(&r.target, "page").unwrap_or(1);
        let items: Vec<serde_json::Value> = repos
            .iter()
            .skip((page - 1) * per)
            .take(per)
            .map(|x| {
                serde_json::json!({
                    "full_name": x.name, "clone_url": x.url,
                    "archived": x.archived, "fork": x.fork,
                    "ssh_url": format!(
                        "git@example.test:{}",
                        x.url.strip_prefix("file://").unwrap_or(&x.name)
                    ),
                })
            })
            .collect();
        let mut reply = Reply::new(200, &serde_json::to_string(&items).unwrap());
        if page * per < repos.len() {
            let base = b.lock().unwrap().clone();
            reply = reply.header(
                "Link",
                &format!(
                    "<{base}{path}?per_page={per}&page={}>; rel=\"next\"",
                    page + 1
                ),
            );
        }
        reply
    });
    *base.lock().unwrap() = mock.url();
    mock
}

fn fake_key(seed: u64) -> String {
    Fake::new(seed).openai_legacy()
}

fn env_line(key: &str) -> String {
    format!("OPENAI_API_KEY={key}\n")
}

/// `jikimi scan URL` on a file:// remote finds a key that is only in the
/// history, names the repository, and removes its temporary clone.
#[test]
fn scan_url_clones_full_history_and_cleans_up() {
    let env = Env::new();
    let key = fake_key(1);
    let url = make_repo(
        &env.path().join("up/app.git"),
        &[("README.md", "hello\n")],
        Some((".env", &env_line(&key))),
    );
    let tmp = env.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let out = env
        .cmd()
        .env("TMPDIR", &tmp)
        .args(["scan", &url, "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["repository"]["name"], "up/app");
    let f = &v["findings"][0];
    assert_eq!(f["path"], ".env");
    assert_eq!(f["commit"]["summary"], "add");
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "the clone is removed"
    );
    crate::common::assert_no_key_fragment(&String::from_utf8_lossy(&out.stdout), &key);
}

#[test]
fn keep_clone_keeps_a_bare_repository() {
    let env = Env::new();
    let url = make_repo(
        &env.path().join("up/app.git"),
        &[(".env", &env_line(&fake_key(2)))],
        None,
    );
    let keep = env.path().join("clones");
    let run = || {
        env.cmd()
            .args(["scan", &url, "-q", "--keep-clone"])
            .arg(&keep)
            .output()
            .unwrap()
    };
    assert_eq!(run().status.code(), Some(1));
    let kept = git2::Repository::open(keep.join("up+app.git")).unwrap();
    assert!(kept.is_bare());
    assert!(kept.workdir().is_none());
    // A second run does not scan over an existing clone.
    let out = run();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
}

/// Credentials in a URL or the environment never reach the output.
#[test]
fn credentials_are_never_printed() {
    let env = Env::new();
    let secret = format!("ghp_{}", Fake::new(3).alnum(36));
    for url in [
        format!("https://x-access-token:{secret}@127.0.0.1:1/acme/app.git"),
        format!("http://{secret}@127.0.0.1:1/acme/app.git"),
        format!("git://u:{secret}@127.0.0.1:1/acme/app.git"),
    ] {
        let out = env
            .cmd()
            .env("GITHUB_TOKEN", &secret)
            .args(["scan", &url])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains(&secret[4..]), "{all}");
        assert!(all.contains("cannot clone"), "{all}");
    }
}

#[test]
fn paths_and_urls_do_not_mix() {
    let env = Env::new();
    let (code, _, err) = env.scan_json_err(&[".", "file:///nowhere/x.git"]);
    assert_eq!(code, 2);
    assert!(err.contains("separate runs"), "{err}");
    // Remote-only options on a local scan are refused, not ignored.
    for flag in [&["--shard", "1/2"][..], &["--list"], &["--include-forks"]] {
        let mut args = vec!["."];
        args.extend_from_slice(flag);
        let (code, _, err) = env.scan_json_err(&args);
        assert_eq!(code, 2, "{flag:?}");
        assert!(err.contains("remote repositories"), "{err}");
    }
}

pub fn org_repos(env: &Env, n: usize, keyed: &[usize]) -> Vec<Listed> {
    (0..n)
        .map(|i| {
            let name = format!("acme/repo-{i:03}");
            let dir = env.path().join(format!("up/repo-{i:03}.git"));
            let files: Vec<(String, String)> = if keyed.contains(&i) {
                // Repositories 0 and 1 share one key: one rotation.
                vec![(".env".into(), env_line(&fake_key(100 + (i as u64).max(1))))]
            } else {
                vec![("README.md".into(), format!("repo {i}\n"))]
            };
            let files: Vec<(&str, &str)> = files
                .iter()
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect();
            listed(&name, &make_repo(&dir, &files, None))
        })
        .collect()
}

/// Pages, archived repositories and forks, the token header.
#[test]
fn github_listing_pages_and_filters() {
    let env = Env::new();
    let mut repos: Vec<Listed> = (0..120)
        .map(|i| {
            listed(
                &format!("acme/r{i:03}"),
                &format!("file:///nowhere/r{i}.git"),
            )
        })
        .collect();
    repos[7].archived = true;
    repos[80].fork = true;
    let mock = github_mock(repos);
    let list = |extra: &[&str]| {
        let out = env
            .cmd()
            .env("GITHUB_TOKEN", "test-token-value")
            .args([
                "scan",
                "--github-org",
                "acme",
                "--api-url",
                &mock.url(),
                "--list",
            ])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let names = list(&[]);
    assert_eq!(names.lines().count(), 118);
    assert!(!names.contains("acme/r007") && !names.contains("acme/r080"));
    assert!(
        names
            .lines()
            .next()
            .unwrap()
            .starts_with("acme/r000\tfile:///nowhere/r0.git")
    );
    assert_eq!(
        list(&["--include-archived", "--include-forks"])
            .lines()
            .count(),
        120
    );
    let reqs = mock.requests();
    assert!(reqs.len() >= 3, "three pages of 50");
    assert!(
        reqs.iter()
            .all(|r| r.header("authorization") == Some("Bearer test-token-value"))
    );
    // Shards split the list once.
    let mut all: Vec<String> = (1..=3)
        .flat_map(|i| {
            list(&["--shard", &format!("{i}/3")])
                .lines()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    all.sort();
    assert_eq!(all.join("\n") + "\n", names);
}

#[test]
fn gitlab_group_pages_with_x_next_page() {
    let env = Env::new();
    let mock = Mock::start(|r: &Req| {
        if !r.target.starts_with("/groups/acme%2Fplatform/projects?") {
            return Reply::new(404, "{}");
        }
        let page = query(&r.target, "page").unwrap_or(1);
        let body = serde_json::json!([
            {"path_with_namespace": format!("acme/platform/p{page}"), "http_url_to_repo": format!("file:///nowhere/p{page}.git"), "archived": false, "forked_from_project": null},
            {"path_with_namespace": format!("acme/platform/f{page}"), "http_url_to_repo": "file:///nowhere/f.git", "archived": false, "forked_from_project": {"id": 1}},
        ]);
        Reply::new(200, &body.to_string()).header(
            "x-next-page",
            if page < 3 { &"23"[page - 1..page] } else { "" },
        )
    });
    let out = env
        .cmd()
        .env("GITLAB_TOKEN", "gl-test-token")
        .args([
            "scan",
            "--gitlab-group",
            "acme/platform",
            "--api-url",
            &mock.url(),
            "--list",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect();
    assert_eq!(
        names,
        ["acme/platform/p1", "acme/platform/p2", "acme/platform/p3"]
    );
    assert!(
        mock.requests()
            .iter()
            .all(|r| r.header("private-token") == Some("gl-test-token"))
    );
}

/// An organisation scan: findings per repository, one rotation for a key
/// in two repositories, and a repository deleted between listing and
/// cloning is reported while the others are scanned.
#[test]
fn org_scan_goes_on_past_a_failing_repository() {
    let env = Env::new();
    let mut repos = org_repos(&env, 5, &[0, 1, 3]);
    std::fs::remove_dir_all(env.path().join("up/repo-004.git")).unwrap();
    repos.push(listed("acme/zz-gone", "file:///nowhere/gone.git"));
    let mock = github_mock(repos);
    let out = env
        .cmd()
        .args([
            "scan",
            "--github-org",
            "acme",
            "--api-url",
            &mock.url(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema"], "jikimi/org-report/v1");
    let s = &v["summary"];
    assert_eq!(
        (
            s["repositories"].as_u64(),
            s["scanned"].as_u64(),
            s["failed"].as_u64()
        ),
        (Some(6), Some(4), Some(2))
    );
    assert_eq!(s["with_findings"], 3);
    // repo-000 and repo-001 hold the same key (seed 101).
    assert_eq!(v["rotate"].as_array().unwrap().len(), 2);
    assert_eq!(
        v["rotate"][0]["repositories"],
        serde_json::json!(["acme/repo-000", "acme/repo-001"])
    );
    let gone = v["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "acme/repo-004")
        .unwrap();
    assert!(
        gone["error"].as_str().unwrap().contains("not there"),
        "{gone}"
    );
    assert!(err.contains("acme/repo-004"), "{err}");
}

#[test]
fn rate_limits_are_waited_out_or_explained() {
    let env = Env::new();
    let n = Arc::new(Mutex::new(0));
    let c = n.clone();
    let short = Mock::start(move |_r: &Req| {
        let mut n = c.lock().unwrap();
        *n += 1;
        if *n == 1 {
            Reply::new(429, "{}").header("Retry-After", "1")
        } else {
            Reply::new(
                200,
                r#"[{"full_name":"acme/a","clone_url":"file:///x/a.git","archived":false,"fork":false}]"#,
            )
        }
    });
    let out = env
        .cmd()
        .args([
            "scan",
            "--github-org",
            "acme",
            "--api-url",
            &short.url(),
            "--list",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("waiting"));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);

    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    let long = Mock::start(move |_r: &Req| {
        Reply::new(403, r#"{"message":"API rate limit exceeded"}"#)
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", &reset.to_string())
    });
    let out = env
        .cmd()
        .env_remove("GITHUB_TOKEN")
        .args([
            "scan",
            "--github-org",
            "acme",
            "--api-url",
            &long.url(),
            "--list",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("rate limit")
            && err.contains("resets in 60 minutes")
            && err.contains("GITHUB_TOKEN"),
        "{err}"
    );
}

#[test]
fn auth_failure_and_unknown_org_say_what_to_do() {
    let env = Env::new();
    let mock = Mock::start(|r: &Req| {
        if r.header("authorization").is_some() {
            Reply::new(401, r#"{"message":"Bad credentials"}"#)
        } else {
            Reply::new(404, r#"{"message":"Not Found"}"#)
        }
    });
    let run = |token: Option<&str>| {
        let mut c = env.cmd();
        c.env_remove("GITHUB_TOKEN");
        if let Some(t) = token {
            c.env("GITHUB_TOKEN", t);
        }
        let out = c
            .args(["scan", "--github-org", "acme", "--api-url", &mock.url()])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(Some("expired-token-value"));
    assert_eq!(code, Some(2));
    assert!(err.contains("401") && err.contains("GITHUB_TOKEN"), "{err}");
    assert!(!err.contains("expired-token-value"));
    let (code, err) = run(None);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("404") && err.contains("set GITHUB_TOKEN if it is private"),
        "{err}"
    );
}

/// A path helper for the merge tests.
pub fn tmp(env: &Env, rel: &str) -> PathBuf {
    env.path().join(rel)
}

fn pkt(s: &str) -> Vec<u8> {
    format!("{:04x}{s}", s.len() + 4).into_bytes()
}

/// A minimal smart-HTTP git server on loopback for `repo` (no
/// capabilities: a NAK and the whole pack), recording each request's
/// Authorization header. Built from git2 objects, no `git` process.
fn smart_http_server(repo: &Path) -> (String, Arc<Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let r = git2::Repository::open_bare(repo).unwrap();
    let head = r.head().unwrap().target().unwrap();
    let mut refs = pkt("# service=git-upload-pack\n");
    refs.extend_from_slice(b"0000");
    refs.extend(pkt(&format!("{head} HEAD\0\n")));
    refs.extend(pkt(&format!("{head} refs/heads/master\n")));
    refs.extend_from_slice(b"0000");
    let mut pb = r.packbuilder().unwrap();
    let mut walk = r.revwalk().unwrap();
    walk.push(head).unwrap();
    pb.insert_walk(&mut walk).unwrap();
    let mut pack = git2::Buf::new();
    pb.write_buf(&mut pack).unwrap();
    let mut answer = b"0008NAK\n".to_vec();
    answer.extend_from_slice(&pack);
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let s = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let (mut len, mut auth) = (0usize, String::new());
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                let h = h.trim_end().to_string();
                if h.is_empty() {
                    break;
                }
                let (k, v) = h.split_once(':').unwrap();
                match k.to_ascii_lowercase().as_str() {
                    "content-length" => len = v.trim().parse().unwrap(),
                    "authorization" => auth = v.trim().to_string(),
                    _ => {}
                }
            }
            let mut body = vec![0; len];
            reader.read_exact(&mut body).unwrap();
            s.lock().unwrap().push(auth);
            let reply: &[u8] = if line.starts_with("GET ") {
                &refs
            } else {
                &answer
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                reply.len()
            );
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(reply).unwrap();
        }
    });
    (format!("http://{addr}"), seen)
}

/// The HTTP transport (the one https:// uses, here over loopback http)
/// clones a repository and scans its history; the listing API's host gets
/// the token as Basic authentication.
#[test]
fn http_transport_clones_and_sends_the_token_to_its_host() {
    let env = Env::new();
    let key = fake_key(9);
    make_repo(
        &env.path().join("up/app.git"),
        &[("README.md", "hi\n")],
        Some((".env", &env_line(&key))),
    );
    let (git_url, seen) = smart_http_server(&env.path().join("up/app.git"));
    let api = github_mock(vec![listed("acme/app", &format!("{git_url}/acme/app.git"))]);
    let out = env
        .cmd()
        .env("GITHUB_TOKEN", "tok-for-loopback")
        .args([
            "scan",
            "--github-org",
            "acme",
            "--api-url",
            &api.url(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["scanned"], 1, "{v}");
    let f = &v["repositories"][0]["report"]["findings"][0];
    assert_eq!(f["commit"]["summary"], "add");
    use base64::Engine;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("x-access-token:tok-for-loopback")
    );
    let seen = seen.lock().unwrap();
    assert!(
        seen.len() >= 2 && seen.iter().all(|a| *a == basic),
        "{seen:?}"
    );
}

/// The reusable workflow: a matrix of shards from the plan job, a merge job
/// that runs whatever the shards did, and the jikimi options its scripts
/// use exist (`jikimi scan --help`, `jikimi merge --help`).
#[test]
fn org_scan_workflow_shards_and_merges() {
    use yaml_rust2::YamlLoader;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(".github/workflows/org-scan.yml")).unwrap();
    let wf = &YamlLoader::load_from_str(&text).unwrap()[0];
    let inputs = &wf["on"]["workflow_call"]["inputs"];
    assert_eq!(inputs["org"]["required"].as_bool(), Some(true));
    assert_eq!(inputs["shards"]["type"].as_str(), Some("number"));
    let jobs = &wf["jobs"];
    assert_eq!(
        jobs["scan"]["strategy"]["matrix"]["shard"].as_str(),
        Some("${{ fromJSON(needs.plan.outputs.shards) }}")
    );
    assert!(jobs["merge"]["if"].as_str().unwrap().contains("always()"));
    let script = |job: &str| -> String {
        jobs[job]["steps"]
            .as_vec()
            .unwrap()
            .iter()
            .filter_map(|s| s["run"].as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let scan = script("scan");
    let merge = script("merge");
    let env = Env::new();
    let help = |sub: &str| {
        let out = env.cmd().args([sub, "--help"]).output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let scan_help = help("scan");
    for flag in [
        "--api-url",
        "--shard",
        "--format",
        "--output",
        "--github-user",
        "--github-org",
    ] {
        assert!(scan.contains(flag), "the scan job does not use {flag}");
        assert!(
            scan_help.contains(&format!("{flag} ")),
            "jikimi scan has no {flag}"
        );
    }
    assert!(scan.contains("flag=--github-org") && scan.contains("flag=--github-user"));
    let merge_help = help("merge");
    assert!(merge.contains("merge shards/*.json --format sarif"));
    assert!(merge_help.contains("--format") && merge_help.contains("sarif"));
}

/// Ctrl-C while a clone is under way removes the temporary clone before
/// jikimi exits (130): a server on loopback that accepts the connection and
/// never answers holds the clone open until the interrupt.
#[cfg(unix)]
#[test]
fn ctrl_c_removes_the_temporary_clone() {
    use std::io::Read;
    let env = Env::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = Arc::new(Mutex::new(Vec::new()));
    let keep = Arc::clone(&held);
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let mut c = conn;
            let mut buf = [0u8; 1024];
            let _ = c.read(&mut buf);
            // Never answer: the clone waits.
            keep.lock().unwrap().push(c);
        }
    });
    let tmp = env.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("jikimi"))
        .current_dir(env.path())
        .env("NO_COLOR", "1")
        .env("TMPDIR", &tmp)
        .args(["scan", &format!("http://127.0.0.1:{port}/acme/app.git")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while std::fs::read_dir(&tmp).unwrap().count() == 0 || held.lock().unwrap().is_empty() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "no clone started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(
        err.contains("interrupted; 1 temporary clone removed"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "the clone is removed on Ctrl-C"
    );
}

/// A fake `ssh` in `<env>/bin`: it writes its arguments, one per line, to
/// `<env>/ssh.log` (`--` between runs), then does what `body` says
/// (`$1`… are ssh's arguments, `$HOME_DIR` the folder scp-like paths are
/// relative to). `SERVE` runs the remote command the way sshd would, with
/// `sh -c` (so the quoting is tested), on the local `git-upload-pack`.
fn fake_ssh(env: &Env, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = env.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = format!(
        "#!/bin/sh\n\
         HOME_DIR='{home}'\n\
         printf '%s\\n' \"$@\" -- >> '{log}'\n\
         SERVE='for last; do :; done; PATH=\"$(git --exec-path):$PATH\"; cd \"$HOME_DIR\" && exec sh -c \"$last\"'\n\
         {body}\n",
        home = env.path().display(),
        log = env.path().join("ssh.log").display(),
    );
    let path = bin.join("ssh");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// `PATH` with `bin` first.
fn path_with(bin: &Path) -> std::ffi::OsString {
    let mut p = std::ffi::OsString::from(bin);
    p.push(":");
    p.push(std::env::var_os("PATH").unwrap_or_default());
    p
}

/// Each run's ssh arguments, from the fake's log.
fn ssh_runs(env: &Env) -> Vec<Vec<String>> {
    let log = std::fs::read_to_string(env.path().join("ssh.log")).unwrap_or_default();
    log.split_terminator("--\n")
        .map(|run| run.lines().map(str::to_string).collect())
        .collect()
}

/// `ssh://user@host:port/path`: ssh gets `-p`, the user, BatchMode (no
/// terminal here) and the path single-quoted for the remote shell (a
/// space and a quote in it); the key only in history is found, and the
/// temporary clone is removed.
#[test]
fn ssh_url_with_user_and_port() {
    let env = Env::new();
    let key = fake_key(31);
    let dir = env.path().join("srv/it's app.git");
    make_repo(
        &dir,
        &[("README.md", "hello\n")],
        Some((".env", &env_line(&key))),
    );
    let bin = fake_ssh(&env, "eval \"$SERVE\"");
    let tmp = env.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let url = format!(
        "ssh://git@example.test:2222{}",
        dir.display().to_string().replace(' ', "%20")
    );
    let out = env
        .cmd()
        .env("PATH", path_with(&bin))
        .env_remove("GIT_SSH_COMMAND")
        .env_remove("GIT_SSH")
        .env("TMPDIR", &tmp)
        .args(["scan", &url, "--format", "json"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"][0]["path"], ".env");
    assert_eq!(v["findings"][0]["commit"]["summary"], "add");
    let quoted = dir.display().to_string().replace('\'', "'\\''");
    assert_eq!(
        ssh_runs(&env),
        vec![vec![
            "-o".to_string(),
            "BatchMode=yes".into(),
            "-p".into(),
            "2222".into(),
            "git@example.test".into(),
            format!("git-upload-pack '{quoted}'"),
        ]]
    );
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "clone removed");
    crate::common::assert_no_key_fragment(&String::from_utf8_lossy(&out.stdout), &key);
}

/// scp-like `user@host:path`: the path is relative to the login's home;
/// `GIT_SSH_COMMAND` is run through `sh -c` with its own options first.
#[test]
fn scp_like_address_and_git_ssh_command() {
    let env = Env::new();
    make_repo(
        &env.path().join("up/app.git"),
        &[(".env", &env_line(&fake_key(32)))],
        None,
    );
    let bin = fake_ssh(&env, "eval \"$SERVE\"");
    let run = |cmd: Option<String>| {
        let mut c = env.cmd();
        c.env("PATH", path_with(&bin)).env_remove("GIT_SSH");
        match cmd {
            Some(cmd) => c.env("GIT_SSH_COMMAND", cmd),
            None => c.env_remove("GIT_SSH_COMMAND"),
        };
        c.args(["scan", "git@example.test:up/app.git", "-q"])
            .output()
            .unwrap()
    };
    let out = run(None);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(Some(format!(
        "{} -i 'my key' -o BatchMode=no",
        bin.join("ssh").display()
    )));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let runs = ssh_runs(&env);
    assert_eq!(
        runs[0],
        [
            "-o",
            "BatchMode=yes",
            "git@example.test",
            "git-upload-pack 'up/app.git'"
        ]
    );
    assert_eq!(
        runs[1],
        [
            "-i",
            "my key",
            "-o",
            "BatchMode=no",
            "-o",
            "BatchMode=yes",
            "git@example.test",
            "git-upload-pack 'up/app.git'"
        ]
    );
}

/// ssh refusing the key: exit 2, ssh's own words escaped, and a hint; the
/// clone folder is removed, and a process ssh left behind holding its
/// pipes does not keep jikimi waiting. In a run of several repositories
/// the failing one is reported and the others are scanned.
#[test]
fn failing_ssh_says_why_and_the_rest_go_on() {
    let env = Env::new();
    let bin = fake_ssh(
        &env,
        "sleep 20 &\nprintf 'git@example.test: Permission denied (publickey).\\033[2J\\n' >&2\nexit 255",
    );
    let tmp = env.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("jikimi"))
        .current_dir(env.path())
        .env("NO_COLOR", "1")
        .env("PATH", path_with(&bin))
        .env_remove("GIT_SSH_COMMAND")
        .env_remove("GIT_SSH")
        .env("TMPDIR", &tmp)
        .args(["scan", "git@example.test:acme/app.git"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > std::time::Duration::from_secs(15) {
            let _ = child.kill();
            panic!("jikimi waits on a pipe held after ssh exited");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(
        err.contains("git@example.test: Permission denied (publickey).\\x1b[2J"),
        "{err}"
    );
    assert!(!err.contains('\x1b'), "{err}");
    assert!(
        err.contains("exit code 255") && err.contains("ssh-agent"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "clone removed");

    let good = make_repo(
        &env.path().join("up/ok.git"),
        &[(".env", &env_line(&fake_key(33)))],
        None,
    );
    let out = env
        .cmd()
        .env("PATH", path_with(&bin))
        .env_remove("GIT_SSH_COMMAND")
        .env_remove("GIT_SSH")
        .args([
            "scan",
            "git@example.test:acme/app.git",
            &good,
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["summary"];
    assert_eq!(
        (s["scanned"].as_u64(), s["failed"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(
        err.contains("acme/app") && err.contains("Permission denied"),
        "{err}"
    );
}

/// A host or user that ssh would read as an option is refused before
/// anything runs (CVE-2017-1000117).
#[test]
fn option_injection_is_refused_without_running_ssh() {
    let env = Env::new();
    let bin = fake_ssh(&env, "eval \"$SERVE\"");
    let pwn = env.path().join("pwned");
    for url in [
        format!(
            "ssh://-oProxyCommand=touch%20{}/acme/app.git",
            pwn.display()
        ),
        format!(
            "ssh://-oProxyCommand=touch%20{}@host/acme/app.git",
            pwn.display()
        ),
    ] {
        let out = env
            .cmd()
            .env("PATH", path_with(&bin))
            .env_remove("GIT_SSH_COMMAND")
            .env_remove("GIT_SSH")
            .args(["scan", &url])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("starts with '-'"), "{err}");
    }
    assert!(ssh_runs(&env).is_empty(), "ssh was run");
    assert!(!pwn.exists());
}

/// Ctrl-C while ssh hangs: the ssh process is killed and reaped, the
/// clone folder removed, exit 130.
#[test]
fn ctrl_c_kills_the_ssh_process() {
    let env = Env::new();
    let pidfile = env.path().join("ssh.pid");
    let bin = fake_ssh(
        &env,
        &format!("echo $$ > '{}'\nexec sleep 60", pidfile.display()),
    );
    let tmp = env.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("jikimi"))
        .current_dir(env.path())
        .env("NO_COLOR", "1")
        .env("PATH", path_with(&bin))
        .env_remove("GIT_SSH_COMMAND")
        .env_remove("GIT_SSH")
        .env("TMPDIR", &tmp)
        .args(["scan", "git@example.test:acme/app.git"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let pid = loop {
        if let Ok(p) = std::fs::read_to_string(&pidfile)
            && !p.trim().is_empty()
        {
            break p.trim().to_string();
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "ssh never started"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let alive = |pid: &str| {
        std::process::Command::new("kill")
            .args(["-0", pid])
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap()
            .success()
    };
    assert!(alive(&pid));
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(!alive(&pid), "the ssh process outlived jikimi");
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "clone removed");
}

/// `--github-org … --clone-url ssh` clones each listed repository from its
/// `ssh_url` with the user's ssh; the option is refused without a listing.
#[test]
fn org_scan_over_ssh() {
    let env = Env::new();
    let repos = org_repos(&env, 3, &[1]);
    let mock = github_mock(repos);
    let bin = fake_ssh(&env, "eval \"$SERVE\"");
    let out = env
        .cmd()
        .env("PATH", path_with(&bin))
        .env_remove("GIT_SSH_COMMAND")
        .env_remove("GIT_SSH")
        .args(["scan", "--github-org", "acme", "--api-url", &mock.url()])
        .args(["--clone-url", "ssh", "--format", "json"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &v["summary"];
    assert_eq!(
        (s["scanned"].as_u64(), s["with_findings"].as_u64()),
        (Some(3), Some(1))
    );
    let mut dests: Vec<String> = ssh_runs(&env)
        .iter()
        .map(|r| r[r.len() - 1].clone())
        .collect();
    dests.sort();
    assert_eq!(dests.len(), 3);
    assert!(dests[0].ends_with("up/repo-000.git'"), "{dests:?}");
    let (code, _, err) = env.scan_json_err(&["file:///nowhere/x.git", "--clone-url", "ssh"]);
    assert_eq!(code, 2);
    assert!(err.contains("--clone-url"), "{err}");
}
