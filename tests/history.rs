//! `jikimi scan` on git history: histories are built with git2 inside each
//! test (commit, leak, delete, merge, branch, tag, stash, shallow, corrupt),
//! then scanned through the binary; provenance, dedup counts and exit codes
//! are asserted on the JSON report.

use crate::common::*;

use git2::{Oid, Repository};

const T0: i64 = 1_700_000_000; // 2023-11-14T22:13:20Z

fn py(key: &str) -> String {
    format!("import os\nAPI_KEY = \"{key}\"\n")
}

/// The one finding for `key` (the report is not redacted in these tests).
fn finding_for<'a>(v: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
    let all: Vec<_> = findings(v).iter().filter(|f| f["secret"] == key).collect();
    assert_eq!(all.len(), 1, "expected one finding for the key: {v:#}");
    all[0]
}

fn has_key(v: &serde_json::Value, key: &str) -> bool {
    findings(v).iter().any(|f| f["secret"] == key)
}

fn short(id: Oid) -> String {
    id.to_string()[..10].to_string()
}

#[test]
fn key_added_then_removed_is_found_with_provenance() {
    let env = Env::new();
    let key = Fake::new(1).openai_project();
    let repo = env.git_init();
    let t1 = tree_of(
        &repo,
        &[("src/config.py", &py(&key)), ("README.md", "hi\n")],
    );
    let c1 = commit_tree(&repo, Some("HEAD"), "add config\n\nbody", t1, &[], T0);
    let clean = "import os\nAPI_KEY = os.environ[\"API_KEY\"]\n";
    let t2 = tree_of(&repo, &[("src/config.py", clean), ("README.md", "hi\n")]);
    let c2 = commit_tree(&repo, Some("HEAD"), "use env", t2, &[c1], T0 + 60);
    env.write("src/config.py", clean);
    env.write("README.md", "hi\n");

    // The working tree alone is clean.
    let (code, v) = env.scan_json(&["--no-history"]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["stats"]["commits"], 0);

    let (code, v) = env.scan_json(&["--no-redact"]);
    assert_eq!(code, 1, "{v:#}");
    let f = finding_for(&v, &key);
    assert_eq!(f["path"], "src/config.py");
    assert_eq!(f["line"], 2);
    assert_eq!(f["git"], serde_json::Value::Null);
    let commit = &f["commit"];
    assert_eq!(commit["id"], c1.to_string());
    assert_eq!(commit["author_name"], AUTHOR.0);
    assert_eq!(commit["author_email"], AUTHOR.1);
    assert_eq!(commit["date"], "2023-11-14T22:13:20Z");
    assert_eq!(commit["summary"], "add config");
    let h = &f["history"];
    assert_eq!(h["path"], "src/config.py");
    assert_eq!(h["commits"], 1);
    assert_eq!(h["paths"], 1);
    assert_eq!(h["in_head"], false);
    assert_eq!(h["in_working_tree"], false);
    assert_eq!(f["occurrences"], 1);
    let c = causes(f);
    assert!(c.contains(&"git-history".to_string()), "{c:?}");
    assert!(c.contains(&"server-code".to_string()), "{c:?}");
    let fix = f["fix"].as_str().unwrap();
    assert!(fix.starts_with("Rotate the key first"), "{fix}");
    assert!(fix.contains("is not enough"), "{fix}");
    assert!(fix.contains("git filter-repo"), "{fix}");
    assert!(fix.contains(&short(c1)), "{fix}");
    assert!(f["why"].as_str().unwrap().contains("in git history"));
    assert_eq!(v["stats"]["commits"], 2);
    // Blobs: two versions of config.py and one README.
    assert_eq!(v["stats"]["blobs"], 3);
    assert!(v["stats"]["blob_bytes"].as_u64().unwrap() > key.len() as u64);
    let _ = c2;

    // The human report says where and that only history has it.
    let out = env.cmd().args(["scan"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("introduced in commit {}", short(c1))),
        "{text}"
    );
    assert!(
        // The human report wraps long lines: compare with spaces folded.
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains("not in HEAD or the working tree"),
        "{text}"
    );
    assert!(!text.contains(&key), "the key is redacted: {text}");
}

#[test]
fn key_only_on_a_non_default_branch() {
    let env = Env::new();
    let key = Fake::new(2).openai_project();
    let repo = env.git_init();
    let t1 = tree_of(&repo, &[("README.md", "hi\n")]);
    let c1 = commit_tree(&repo, Some("HEAD"), "init", t1, &[], T0);
    let t2 = tree_of(
        &repo,
        &[
            ("README.md", "hi\n"),
            ("web/app.js", &format!("const k = '{key}';\n")),
        ],
    );
    let c2 = commit_tree(
        &repo,
        Some("refs/heads/feature"),
        "try the api",
        t2,
        &[c1],
        T0 + 1,
    );
    env.write("README.md", "hi\n");
    let (code, v) = env.scan_json(&["--no-redact"]);
    assert_eq!(code, 1, "{v:#}");
    let f = finding_for(&v, &key);
    assert_eq!(f["commit"]["id"], c2.to_string());
    assert_eq!(f["history"]["path"], "web/app.js");
    assert_eq!(f["history"]["in_head"], false);
    let c = causes(f);
    assert!(c.contains(&"frontend-code".to_string()), "{c:?}");
    assert!(c.contains(&"git-history".to_string()), "{c:?}");
}

#[test]
fn key_only_reachable_from_tags_and_remote_refs_and_notes() {
    let env = Env::new();
    let mut fake = Fake::new(3);
    let (k_light, k_annot, k_remote, k_note) = (
        fake.openai_project(),
        fake.openai_project(),
        fake.openai_project(),
        fake.openai_project(),
    );
    let repo = env.git_init();
    let base = commit_tree(
        &repo,
        Some("HEAD"),
        "init",
        tree_of(&repo, &[("a.txt", "a\n")]),
        &[],
        T0,
    );
    // Commits on no branch, kept alive only by a tag or a remote ref.
    let lt = commit_tree(
        &repo,
        None,
        "light",
        tree_of(&repo, &[("a.py", &py(&k_light))]),
        &[base],
        T0 + 1,
    );
    repo.reference("refs/tags/v1", lt, false, "test").unwrap();
    let at = commit_tree(
        &repo,
        None,
        "annotated",
        tree_of(&repo, &[("b.py", &py(&k_annot))]),
        &[base],
        T0 + 2,
    );
    let sig = git2::Signature::new(AUTHOR.0, AUTHOR.1, &git2::Time::new(T0, 0)).unwrap();
    repo.tag(
        "v2",
        &repo.find_object(at, None).unwrap(),
        &sig,
        "release",
        false,
    )
    .unwrap();
    let rt = commit_tree(
        &repo,
        None,
        "remote",
        tree_of(&repo, &[("c.py", &py(&k_remote))]),
        &[base],
        T0 + 3,
    );
    repo.reference("refs/remotes/origin/wip", rt, false, "test")
        .unwrap();
    repo.note(&sig, &sig, None, base, &format!("token {k_note}"), false)
        .unwrap();
    env.write("a.txt", "a\n");

    let (code, v) = env.scan_json(&["--no-redact"]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(finding_for(&v, &k_light)["commit"]["id"], lt.to_string());
    assert_eq!(finding_for(&v, &k_annot)["commit"]["id"], at.to_string());
    assert_eq!(finding_for(&v, &k_remote)["commit"]["id"], rt.to_string());
    // The note blob is found too (in the notes ref's commit).
    let n = finding_for(&v, &k_note);
    assert!(causes(n).contains(&"git-history".to_string()));
}

#[test]
fn key_that_first_appears_in_a_merge_resolution() {
    let env = Env::new();
    let key = Fake::new(4).openai_project();
    let repo = env.git_init();
    let base = commit_tree(
        &repo,
        Some("HEAD"),
        "init",
        tree_of(&repo, &[("app.py", "x = 1\n")]),
        &[],
        T0,
    );
    let ours = commit_tree(
        &repo,
        Some("HEAD"),
        "ours",
        tree_of(&repo, &[("app.py", "x = 2\n")]),
        &[base],
        T0 + 1,
    );
    let theirs = commit_tree(
        &repo,
        Some("refs/heads/topic"),
        "theirs",
        tree_of(&repo, &[("app.py", "x = 3\n")]),
        &[base],
        T0 + 2,
    );
    // The resolution is in neither parent: `git log -p` shows no patch here.
    let merge = commit_tree(
        &repo,
        Some("HEAD"),
        "Merge branch 'topic'",
        tree_of(&repo, &[("app.py", &py(&key))]),
        &[ours, theirs],
        T0 + 3,
    );
    let fixed = commit_tree(
        &repo,
        Some("HEAD"),
        "oops",
        tree_of(&repo, &[("app.py", "x = 4\n")]),
        &[merge],
        T0 + 4,
    );
    env.write("app.py", "x = 4\n");

    let (code, v) = env.scan_json(&["--no-redact"]);
    assert_eq!(code, 1, "{v:#}");
    let f = finding_for(&v, &key);
    assert_eq!(f["commit"]["id"], merge.to_string());
    assert_eq!(f["commit"]["summary"], "Merge branch 'topic'");
    assert_eq!(f["history"]["commits"], 1);

    // CI range modes see the merge too, and only commits in the range.
    let range = format!("{theirs}..{fixed}");
    let (code, v) = env.scan_json(&["--no-redact", "--range", &range]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(finding_for(&v, &key)["commit"]["id"], merge.to_string());
    let range = format!("{merge}..{fixed}");
    let (code, v) = env.scan_json(&["--no-redact", "--range", &range]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["stats"]["commits"], 1);
}

#[test]
fn committed_then_deleted_env_file() {
    let env = Env::new();
    let key = Fake::new(5).openai_project();
    let repo = env.git_init();
    let c1 = commit_tree(
        &repo,
        Some("HEAD"),
        "add env",
        tree_of(
            &repo,
            &[
                (".env", &format!("OPENAI_API_KEY={key}\n")),
                ("a.txt", "a\n"),
            ],
        ),
        &[],
        T0,
    );
    commit_tree(
        &repo,
        Some("HEAD"),
        "remove env",
        tree_of(
            &repo,
            &[
                (".gitignore", ".env\n.env.*\n!.env.example\n"),
                ("a.txt", "a\n"),
            ],
        ),
        &[c1],
        T0 + 1,
    );
    env.write("a.txt", "a\n");
    env.write(".gitignore", ".env\n.env.*\n!.env.example\n");
    let (code, v) = env.scan_json(&["--no-redact"]);
    assert_eq!(code, 1, "{v:#}");
    let f = finding_for(&v, &key);
    assert_eq!(f["path"], ".env");
    let c = causes(f);
    assert_eq!(c, vec!["env-file-committed", "git-history"], "{f:#}");
    // The checklist's ".env kept out of git" question fails on history too.
    let item = v["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "env-out-of-git")
        .unwrap();
    assert_eq!(item["status"], "fail", "{item:#}");
}

#[test]
fn same_secret_across_many_commits_is_one_finding() {
    let env = Env::new();
    let key = Fake::new(6).openai_project();
    let repo = env.git_init();
    let mut parent: Vec<Oid> = Vec::new();
    // 30 commits carry the key in config.py; the file changes once (two
    // blobs with the key), other files change every commit.
    for i in 0..30 {
        let config = if i < 10 {
            py(&key)
        } else {
            format!("{}# v2\n", py(&key))
        };
        let counter = format!("{i}\n");
        let t = tree_of(&repo, &[("config.py", &config), ("counter.txt", &counter)]);
        parent = vec![commit_tree(
            &repo,
            Some("HEAD"),
            &format!("c{i}"),
            t,
            &parent,
            T0 + i,
        )];
    }
    let first = repo.revparse_single("HEAD~29").unwrap().id();
    checkout_head(&repo);

    let (code, v) = env.scan_json(&["--no-redact"]);
    assert_eq!(code, 1, "{v:#}");
    let f = finding_for(&v, &key);
    assert_eq!(f["path"], "config.py");
    // Tree and history merged: the working-tree location, the introducing
    // commit, both kinds of causes.
    assert_eq!(f["git"], "tracked");
    assert_eq!(f["commit"]["id"], first.to_string());
    let h = &f["history"];
    assert_eq!(h["commits"], 30);
    assert_eq!(h["blobs"], 2);
    assert_eq!(h["paths"], 1);
    assert_eq!(h["in_head"], true);
    assert_eq!(h["in_working_tree"], true);
    // One place (issue 10: "seen N times" counts distinct places, not
    // commits; history.commits says how many commits carry it).
    assert_eq!(f["occurrences"], 1);
    assert_eq!(f["locations"].as_array().unwrap().len(), 1);
    assert!(f["locations"][0]["commit"].is_null());
    let c = causes(f);
    assert_eq!(c, vec!["server-code", "git-history"], "{f:#}");
    assert!(!f["why"].as_str().unwrap().contains("removed"));
    assert_eq!(v["stats"]["commits"], 30);
    assert_eq!(v["stats"]["blobs"], 32);

    // The fingerprint does not depend on commits: a tree-only scan of the
    // same file has the same id.
    let (_, tree_only) = env.scan_json(&["--no-redact", "--no-history"]);
    assert_eq!(finding_for(&tree_only, &key)["id"], f["id"]);
    assert_eq!(
        finding_for(&tree_only, &key)["history"],
        serde_json::Value::Null
    );

    // History only: no working-tree location, in_working_tree unknown.
    let (_, hist) = env.scan_json(&["--no-redact", "--history-only"]);
    let f = finding_for(&hist, &key);
    assert_eq!(f["git"], serde_json::Value::Null);
    // Both blobs hold the key at the same place: one location, from the
    // oldest commit.
    assert_eq!(f["occurrences"], 1);
    assert_eq!(f["locations"][0]["commit"], first.to_string());
    assert_eq!(f["history"]["in_working_tree"], serde_json::Value::Null);
    assert_eq!(hist["stats"]["files"], 0);
}

#[test]
fn history_only_ignores_the_working_tree_and_needs_a_repository() {
    let env = Env::new();
    let key = Fake::new(7).openai_project();
    let repo = env.git_init();
    commit_tree(
        &repo,
        Some("HEAD"),
        "init",
        tree_of(&repo, &[("a.txt", "a\n")]),
        &[],
        T0,
    );
    env.write("a.txt", "a\n");
    env.write("local.py", py(&key));
    let (code, v) = env.scan_json(&["--history-only"]);
    assert_eq!(code, 0, "{v:#}");
    let (code, _) = env.scan_json(&[]);
    assert_eq!(code, 1);

    let plain = Env::new();
    plain.write("a.py", py(&key));
    let (code, v, stderr) = plain.scan_json_err(&[]);
    assert_eq!(code, 1, "a plain directory is scanned as a tree");
    assert!(stderr.is_empty(), "no complaint: {stderr}");
    assert_eq!(v["stats"]["commits"], 0);
    let (code, _, stderr) = plain.scan_json_err(&["--history-only"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not a git repository"), "{stderr}");
}

#[test]
fn staged_scans_only_what_the_commit_adds() {
    let env = Env::new();
    let mut fake = Fake::new(8);
    let (old_key, staged_key, unstaged_key) = (
        fake.openai_project(),
        fake.openai_project(),
        fake.openai_project(),
    );
    let repo = env.git_init();
    // HEAD already has a key (history's problem, not this commit's).
    env.write("app.py", format!("A = \"{old_key}\"\nB = 1\n"));
    env.commit_all(&repo, "init");
    // Staged: a modified file adding a key on line 3, and a new file.
    env.write(
        "app.py",
        format!("A = \"{old_key}\"\nB = 1\nC = \"{staged_key}\"\n"),
    );
    env.write("new.py", "print('hi')\n");
    let mut index = repo.index().unwrap();
    index.add_path(std::path::Path::new("app.py")).unwrap();
    index.add_path(std::path::Path::new("new.py")).unwrap();
    index.write().unwrap();
    // Unstaged: a working-tree change that is not in the index.
    env.write("new.py", format!("print('hi')\nK = \"{unstaged_key}\"\n"));
    env.write("untracked.py", py(&unstaged_key));

    let (code, v) = env.scan_json(&["--staged", "--no-redact"]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(findings(&v).len(), 1, "{v:#}");
    let f = finding_for(&v, &staged_key);
    assert_eq!(f["path"], "app.py");
    assert_eq!(f["line"], 3);
    assert_eq!(f["column"], 6);
    assert!(!has_key(&v, &old_key));
    assert!(!has_key(&v, &unstaged_key));
    assert_eq!(v["stats"]["files"], 2);
    assert_eq!(v["stats"]["commits"], 0);

    // Only the unstaged key left: the commit adds nothing bad.
    env.write("app.py", format!("A = \"{old_key}\"\nB = 1\n"));
    let mut index = repo.index().unwrap();
    index.add_path(std::path::Path::new("app.py")).unwrap();
    index.write().unwrap();
    let (code, v) = env.scan_json(&["--staged"]);
    assert_eq!(code, 0, "{v:#}");

    // A first commit (no HEAD yet): everything staged is new.
    let fresh = Env::new();
    let repo = fresh.git_init();
    fresh.write(".env", format!("OPENAI_API_KEY={staged_key}\n"));
    let mut index = repo.index().unwrap();
    index.add_path(std::path::Path::new(".env")).unwrap();
    index.write().unwrap();
    let (code, v) = fresh.scan_json(&["--staged", "--no-redact"]);
    assert_eq!(code, 1, "{v:#}");
    assert!(causes(finding_for(&v, &staged_key)).contains(&"env-file-committed".to_string()));

    let plain = Env::new();
    let (code, _, stderr) = plain.scan_json_err(&["--staged"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not in a git repository"), "{stderr}");
}

// A pure rename (git mv) adds no content: it must not block the commit for a
// key HEAD already has (found in QA).
#[test]
fn staged_pure_rename_adds_nothing() {
    let env = Env::new();
    let key = Fake::new(81).openai_project();
    let repo = env.git_init();
    env.write("index.js", format!("const k = \"{key}\";\n"));
    env.commit_all(&repo, "init");
    let mut index = repo.index().unwrap();
    index.remove_path(std::path::Path::new("index.js")).unwrap();
    std::fs::rename(env.path().join("index.js"), env.path().join("server.js")).unwrap();
    index.add_path(std::path::Path::new("server.js")).unwrap();
    index.write().unwrap();
    let (code, v) = env.scan_json(&["--staged"]);
    assert_eq!(code, 0, "{v:#}");
    assert!(findings(&v).is_empty());
    // A copy with a change is new content and is scanned.
    env.write("copy.js", format!("const k = \"{key}\"; // copied\n"));
    let mut index = repo.index().unwrap();
    index.add_path(std::path::Path::new("copy.js")).unwrap();
    index.write().unwrap();
    let (code, _) = env.scan_json(&["--staged"]);
    assert_eq!(code, 1);
}

#[test]
fn range_and_since_include_or_exclude_the_leaking_commit() {
    let env = Env::new();
    let key = Fake::new(9).openai_project();
    let repo = env.git_init();
    let c1 = commit_tree(
        &repo,
        Some("HEAD"),
        "c1",
        tree_of(&repo, &[("a.txt", "a\n")]),
        &[],
        T0,
    );
    let c2 = commit_tree(
        &repo,
        Some("HEAD"),
        "leak",
        tree_of(&repo, &[("a.txt", "a\n"), ("k.py", &py(&key))]),
        &[c1],
        T0 + 1,
    );
    let c3 = commit_tree(
        &repo,
        Some("HEAD"),
        "c3",
        tree_of(&repo, &[("a.txt", "b\n"), ("k.py", &py(&key))]),
        &[c2],
        T0 + 2,
    );
    let (r13, r23) = (format!("{c1}..{c3}"), format!("{c2}..{c3}"));

    let (code, v) = env.scan_json(&["--no-redact", "--range", &r13]);
    assert_eq!(code, 1, "{v:#}");
    let f = finding_for(&v, &key);
    assert_eq!(f["commit"]["id"], c2.to_string());
    assert_eq!(f["history"]["commits"], 2);
    assert_eq!(v["stats"]["commits"], 2);
    // Only blobs the range introduces: k.py and the new a.txt, not the old one.
    assert_eq!(v["stats"]["blobs"], 2);

    let (code, v) = env.scan_json(&["--range", &r23]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["stats"]["blobs"], 1);

    let (code, _) = env.scan_json(&["--since", &c1.to_string()]);
    assert_eq!(code, 1);
    let (code, _) = env.scan_json(&["--since", &c2.to_string()]);
    assert_eq!(code, 0);
    let (code, _) = env.scan_json(&["--range", "HEAD~2..HEAD"]);
    assert_eq!(code, 1);

    let (code, _, stderr) = env.scan_json_err(&["--since", "no-such-branch"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("'no-such-branch' not found"), "{stderr}");
    let (code, _, stderr) = env.scan_json_err(&["--range", "HEAD"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("not A..B"), "{stderr}");
    let (code, _, _) = env.scan_json_err(&["--since", "HEAD", "--no-history"]);
    assert_eq!(code, 2, "conflicting flags are a usage error");
}

#[test]
fn corrupt_object_is_reported_once_and_the_scan_goes_on() {
    let env = Env::new();
    let key = Fake::new(10).openai_project();
    let repo = env.git_init();
    let t = tree_of(
        &repo,
        &[("k.py", &py(&key)), ("other.txt", "some other content\n")],
    );
    commit_tree(&repo, Some("HEAD"), "c1", t, &[], T0);
    let victim = repo.blob(b"some other content\n").unwrap().to_string();
    let path = env
        .path()
        .join(".git/objects")
        .join(&victim[..2])
        .join(&victim[2..]);
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();
    std::fs::write(&path, b"this is not zlib data").unwrap();

    let (code, v, stderr) = env.scan_json_err(&["--history-only", "--no-redact"]);
    assert_eq!(code, 1, "{v:#}\n{stderr}");
    assert!(has_key(&v, &key), "the other blob is still scanned");
    assert_eq!(v["stats"]["errors"], 1, "{v:#}");
    assert_eq!(stderr.matches(&victim).count(), 1, "{stderr}");
    assert!(stderr.contains("corrupt or missing"), "{stderr}");
}

#[test]
fn shallow_clone_is_scanned_as_far_as_it_goes() {
    let env = Env::new();
    let key = Fake::new(11).openai_project();
    let repo = env.git_init();
    let c1 = commit_tree(
        &repo,
        Some("HEAD"),
        "leak",
        tree_of(&repo, &[("k.py", &py(&key))]),
        &[],
        T0,
    );
    let c2 = commit_tree(
        &repo,
        Some("HEAD"),
        "fix",
        tree_of(&repo, &[("k.py", "k = 1\n")]),
        &[c1],
        T0 + 1,
    );
    let c3 = commit_tree(
        &repo,
        Some("HEAD"),
        "more",
        tree_of(&repo, &[("k.py", "k = 2\n")]),
        &[c2],
        T0 + 2,
    );
    env.write("k.py", "k = 2\n");
    // What `git clone --depth 2` leaves: c2 is a shallow root and c1 (with
    // its blob) is not in the repository.
    std::fs::write(env.path().join(".git/shallow"), format!("{c2}\n")).unwrap();
    let key_blob = repo.blob(py(&key).as_bytes()).unwrap().to_string();
    for id in [c1.to_string(), key_blob] {
        std::fs::remove_file(
            env.path()
                .join(".git/objects")
                .join(&id[..2])
                .join(&id[2..]),
        )
        .unwrap();
    }
    let _ = c3;
    let (code, v, stderr) = env.scan_json_err(&[]);
    assert_eq!(code, 0, "{v:#}\n{stderr}");
    assert_eq!(v["stats"]["history_truncated"], true);
    assert_eq!(v["stats"]["commits"], 2);
    assert_eq!(v["stats"]["errors"], 0, "{stderr}");
    let out = env.cmd().arg("scan").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("History is truncated"), "{text}");
}

#[test]
fn bare_repository_and_linked_worktree() {
    let env = Env::new();
    let key = Fake::new(12).openai_project();
    let bare_dir = env.path().join("bare.git");
    let repo = Repository::init_bare(&bare_dir).unwrap();
    let c1 = commit_tree(
        &repo,
        Some("HEAD"),
        "leak",
        tree_of(&repo, &[("k.py", &py(&key))]),
        &[],
        T0,
    );
    commit_tree(
        &repo,
        Some("HEAD"),
        "fix",
        tree_of(&repo, &[("k.py", "k = 1\n")]),
        &[c1],
        T0 + 1,
    );
    let (code, v) = env.scan_json(&["bare.git", "--no-redact"]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(finding_for(&v, &key)["commit"]["id"], c1.to_string());
    assert_eq!(
        v["stats"]["files"], 0,
        "a bare repository has no files to walk"
    );

    // A linked worktree of a normal repository.
    let main = env.path().join("main");
    let repo = Repository::init(&main).unwrap();
    let c1 = commit_tree(
        &repo,
        Some("HEAD"),
        "leak",
        tree_of(&repo, &[("k.py", &py(&key))]),
        &[],
        T0,
    );
    let c2 = commit_tree(
        &repo,
        Some("refs/heads/side"),
        "side",
        tree_of(&repo, &[("k.py", "k = 1\n")]),
        &[c1],
        T0 + 1,
    );
    let side = repo.find_reference("refs/heads/side").unwrap();
    let mut opts = git2::WorktreeAddOptions::new();
    opts.reference(Some(&side));
    repo.worktree("wt", &env.path().join("wt"), Some(&opts))
        .unwrap();
    let _ = c2;
    let (code, v) = env.scan_json(&["wt", "--no-redact"]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(finding_for(&v, &key)["history"]["in_working_tree"], false);

    // A subdirectory of a work tree is scanned as a tree only.
    std::fs::create_dir_all(main.join("sub")).unwrap();
    let (code, v) = env.scan_json(&["main/sub"]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["stats"]["commits"], 0);
}

#[test]
fn stash_and_submodules() {
    let env = Env::new();
    let key = Fake::new(13).openai_project();
    let mut repo = env.git_init();
    env.write("a.py", "a = 1\n");
    env.commit_all(&repo, "init");
    env.write("a.py", py(&key));
    let sig = git2::Signature::new(AUTHOR.0, AUTHOR.1, &git2::Time::new(T0, 0)).unwrap();
    repo.stash_save(&sig, "wip", None).unwrap();
    assert_eq!(
        std::fs::read_to_string(env.path().join("a.py")).unwrap(),
        "a = 1\n"
    );
    let (code, v) = env.scan_json(&["--no-redact"]);
    assert_eq!(code, 1, "a key only in a stash is found: {v:#}");
    assert!(has_key(&v, &key));

    // A gitlink (submodule) in a tree is noted, not followed.
    let sub = Env::new();
    let repo2 = sub.git_init();
    let mut tb = repo2.treebuilder(None).unwrap();
    tb.insert(
        "vendor-lib",
        Oid::from_str("0123456789012345678901234567890123456789").unwrap(),
        0o160000,
    )
    .unwrap();
    let t = tb.write().unwrap();
    commit_tree(&repo2, Some("HEAD"), "add submodule", t, &[], T0);
    let (code, v) = sub.scan_json(&["--history-only"]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["stats"]["submodules"], 1);
    assert!(
        v["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["path"] == "vendor-lib"
                && s["reason"].as_str().unwrap().contains("not followed")),
        "{v:#}"
    );
}

#[test]
fn an_inline_marker_in_the_working_tree_covers_older_versions() {
    let env = Env::new();
    let key = Fake::new(14).openai_project();
    let repo = env.git_init();
    let c1 = commit_tree(
        &repo,
        Some("HEAD"),
        "fixture",
        tree_of(&repo, &[("t.py", &py(&key))]),
        &[],
        T0,
    );
    let marked = format!("import os\nAPI_KEY = \"{key}\"  # jikimi:allow (test fixture)\n");
    commit_tree(
        &repo,
        Some("HEAD"),
        "mark it",
        tree_of(&repo, &[("t.py", &marked)]),
        &[c1],
        T0 + 1,
    );
    checkout_head(&repo);
    let (code, v) = env.scan_json(&[]);
    assert_eq!(code, 0, "{v:#}");
    let held: Vec<_> = v["suppressed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["path"] == "t.py" && s["reason"] == "inline")
        .collect();
    assert!(
        held.iter()
            .any(|s| s["by"].as_str().unwrap().contains("working tree")),
        "{v:#}"
    );
    // History alone has no marker to go by.
    let (code, _) = env.scan_json(&["--history-only"]);
    assert_eq!(code, 1);
}

#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "the panic is injected only in debug builds"
)]
fn a_panic_on_one_history_blob_is_an_error_and_the_scan_completes() {
    let env = Env::new();
    let mut fake = Fake::new(20);
    let (k1, k2) = (fake.openai_project(), fake.openai_project());
    let repo = env.git_init();
    let t = tree_of(
        &repo,
        &[("boom/poison.py", &py(&k1)), ("src/app.py", &py(&k2))],
    );
    commit_tree(&repo, Some("HEAD"), "two keys", t, &[], T0);
    // Debug builds panic on an item whose name contains this (fault
    // injection: src/input/isolate.rs); release builds never read it.
    for format in ["json", "human"] {
        let out = env
            .cmd()
            .args(["scan", "--history-only", "--no-redact", "--format", format])
            .env("JIKIMI_DEBUG_PANIC", "boom/poison.py")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one stderr line: {stderr}");
        assert!(lines[0].contains("boom/poison.py"), "{stderr}");
        assert!(
            lines[0].contains("internal error, please report"),
            "{stderr}"
        );
        assert!(
            !stderr.contains("panicked at"),
            "the hook is quiet: {stderr}"
        );
        assert!(!stderr.contains(&k1), "{stderr}");
        if format == "json" {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert!(has_key(&v, &k2), "the other blob is scanned: {v:#}");
            assert!(!has_key(&v, &k1));
            assert_eq!(v["stats"]["errors"], 1, "{v:#}");
            assert_eq!(v["stats"]["blobs"], 1, "{v:#}");
        } else {
            assert!(stdout.contains("src/app.py"), "{stdout}");
            // The human summary counts it (issue 10 reworded it: "1 error").
            assert!(stdout.contains("1 error"), "{stdout}");
        }
    }
}

/// A tree holding `sub` under `names`, each a folder.
fn tree_with_dirs(repo: &Repository, names: &[String], sub: Oid) -> Oid {
    let mut tb = repo.treebuilder(None).unwrap();
    for n in names {
        tb.insert(n, sub, 0o040000).unwrap();
    }
    tb.write().unwrap()
}

#[test]
fn tree_fan_out_bomb_has_bounded_provenance() {
    let env = Env::new();
    let key = Fake::new(21).openai_project();
    let repo = env.git_init();
    // Ten entries at each of seven levels, all the same subtree: one blob
    // at 10,000,000 paths from a few kilobytes of objects.
    let mut t = tree_of(&repo, &[(".env", &format!("OPENAI_API_KEY={key}\n"))]);
    let names: Vec<String> = (0..10).map(|i| format!("d{i}")).collect();
    for _ in 0..7 {
        t = tree_with_dirs(&repo, &names, t);
    }
    let c1 = commit_tree(&repo, Some("HEAD"), "bomb", t, &[], T0);
    let (code, v, stderr) = env.scan_json_err(&["--history-only", "--no-redact"]);
    assert_eq!(code, 1, "{v:#}\n{stderr}");
    let f = finding_for(&v, &key);
    assert_eq!(f["commit"]["id"], c1.to_string());
    let h = &f["history"];
    assert_eq!(h["commits"], 1, "{h:#}");
    assert_eq!(h["in_head"], true, "{h:#}");
    // Counted exactly, listed only up to the cap: the report says so.
    assert_eq!(h["paths"], 10_000_000, "{h:#}");
    assert_eq!(h["paths_capped"], true, "{h:#}");
    assert_eq!(v["stats"]["errors"], 0, "{stderr}");
    let out = env.cmd().args(["scan", "--history-only"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(folded.contains("at least 10000000 paths"), "{text}");
}

#[test]
fn key_600_trees_deep_is_located_in_head() {
    let env = Env::new();
    let key = Fake::new(22).openai_project();
    let repo = env.git_init();
    let mut t = tree_of(&repo, &[("config.py", &py(&key))]);
    for _ in 0..600 {
        t = tree_with_dirs(&repo, &["d".to_string()], t);
    }
    let deep = t;
    let readme = repo.blob(b"deep\n").unwrap();
    let mut tb = repo.treebuilder(None).unwrap();
    tb.insert("deep", deep, 0o040000).unwrap();
    let root1 = tb.write().unwrap();
    tb.insert("README.md", readme, 0o100644).unwrap();
    let root2 = tb.write().unwrap();
    let c1 = commit_tree(&repo, Some("HEAD"), "deep", root1, &[], T0);
    commit_tree(&repo, Some("HEAD"), "readme", root2, &[c1], T0 + 1);
    let (code, v, stderr) = env.scan_json_err(&["--history-only", "--no-redact"]);
    assert_eq!(code, 1, "{v:#}\n{stderr}");
    let f = finding_for(&v, &key);
    let h = &f["history"];
    assert_eq!(h["in_head"], true, "{h:#}");
    assert_eq!(h["commits"], 2, "{h:#}");
    assert_eq!(h["paths"], 1, "{h:#}");
    assert_eq!(h["paths_capped"], false, "{h:#}");
    let expected = format!("deep/{}config.py", "d/".repeat(600));
    assert_eq!(f["path"], expected.as_str());
    assert_eq!(h["path"], expected.as_str());
    let out = env.cmd().args(["scan", "--history-only"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(folded.contains("still in HEAD"), "{text}");
}

#[test]
fn one_key_in_thousands_of_files_is_located_per_file() {
    // The bench (benches/history-hostile.sh) has 30,000 files; the counts
    // are what is checked here.
    const N: usize = 2_000;
    let env = Env::new();
    let key = Fake::new(23).openai_project();
    let repo = env.git_init();
    let files: Vec<(String, String)> = (0..N)
        .map(|i| {
            (
                format!("m{}/f{i}.py", i / 100),
                format!("# file {i}\nAPI_KEY = \"{key}\"\n"),
            )
        })
        .collect();
    let all: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_str()))
        .collect();
    let c1 = commit_tree(&repo, Some("HEAD"), "many", tree_of(&repo, &all), &[], T0);
    // The second commit drops the odd files; the third drops all but f0.
    let even: Vec<(&str, &str)> = all.iter().copied().step_by(2).collect();
    let c2 = commit_tree(
        &repo,
        Some("HEAD"),
        "half",
        tree_of(&repo, &even),
        &[c1],
        T0 + 1,
    );
    commit_tree(
        &repo,
        Some("HEAD"),
        "one",
        tree_of(&repo, &all[..1]),
        &[c2],
        T0 + 2,
    );
    let (code, v, stderr) = env.scan_json_err(&["--history-only", "--no-redact"]);
    assert_eq!(code, 1, "{stderr}");
    let found = findings(&v);
    assert_eq!(found.len(), N, "one finding per file");
    for f in found {
        let path = f["path"].as_str().unwrap();
        let i: usize = path
            .rsplit_once("/f")
            .and_then(|(_, n)| n.strip_suffix(".py"))
            .and_then(|n| n.parse().ok())
            .unwrap();
        let h = &f["history"];
        let commits = if i == 0 {
            3
        } else if i % 2 == 0 {
            2
        } else {
            1
        };
        assert_eq!(h["commits"], commits, "{f:#}");
        assert_eq!(h["paths"], 1, "{f:#}");
        // "In HEAD" is about the secret: HEAD still has it (in f0).
        assert_eq!(h["in_head"], true, "{f:#}");
    }
}

#[test]
fn a_key_in_a_commit_message_is_a_history_finding() {
    let env = Env::new();
    let mut fake = Fake::new(24);
    let (key, cherry) = (fake.openai_project(), fake.openai_project());
    let repo = env.git_init();
    let t = tree_of(&repo, &[("a.txt", "a\n")]);
    let c1 = commit_tree(&repo, Some("HEAD"), "init", t, &[], T0);
    let msg = format!("Try the new client\n\nworks with OPENAI_API_KEY={key}\n");
    let t2 = tree_of(&repo, &[("a.txt", "b\n")]);
    let c2 = commit_tree(&repo, Some("HEAD"), &msg, t2, &[c1], T0 + 1);
    // The same message twice (a cherry-pick): scanned once, two commits.
    let pick = format!("Set the key\n\nkey: {cherry}\n");
    let c3 = commit_tree(
        &repo,
        Some("HEAD"),
        &pick,
        tree_of(&repo, &[("a.txt", "c\n")]),
        &[c2],
        T0 + 2,
    );
    commit_tree(
        &repo,
        Some("refs/heads/stable"),
        &pick,
        tree_of(&repo, &[("a.txt", "d\n")]),
        &[c1],
        T0 + 3,
    );
    checkout_head(&repo);

    let (code, v, stderr) = env.scan_json_err(&["--no-redact"]);
    assert_eq!(code, 1, "{v:#}\n{stderr}");
    let f = finding_for(&v, &key);
    assert_eq!(f["path"], format!("commit {} message", short(c2)));
    assert_eq!(f["line"], 3);
    assert_eq!(f["commit"]["id"], c2.to_string());
    assert_eq!(causes(f), vec!["git-history"], "{f:#}");
    assert_eq!(f["history"]["commits"], 1, "{f:#}");
    assert_eq!(f["history"]["paths"], 1, "{f:#}");
    assert_eq!(f["history"]["in_head"], false, "{f:#}");
    assert_eq!(f["git"], serde_json::Value::Null);
    let fix = f["fix"].as_str().unwrap();
    assert!(fix.starts_with("Rotate the key first"), "{fix}");
    let f = finding_for(&v, &cherry);
    assert_eq!(f["path"], format!("commit {} message", short(c3)));
    assert_eq!(f["history"]["commits"], 2, "{f:#}");
    assert_eq!(by_rule(&v, "openai.project-key").len(), 2, "{v:#}");

    // Only the commits in the range have their messages scanned.
    let range = format!("{c2}..{c3}");
    let (code, v) = env.scan_json(&["--no-redact", "--range", &range]);
    assert_eq!(code, 1, "{v:#}");
    assert!(has_key(&v, &cherry) && !has_key(&v, &key), "{v:#}");
}

#[test]
fn keys_in_commit_summaries_and_file_names_are_never_printed_whole() {
    let env = Env::new();
    let mut fake = Fake::new(25);
    let (in_summary, in_name, in_file, in_big) = (
        fake.openai_project(),
        fake.openai_project(),
        fake.openai_project(),
        fake.openai_project(),
    );
    let repo = env.git_init();
    let name = format!("keys/{in_name}.json");
    let big = format!("dump/{in_big}.txt");
    let t = tree_of(
        &repo,
        &[
            (name.as_str(), &format!("{{\"key\": \"{in_file}\"}}\n")),
            (big.as_str(), &"x".repeat(4096)),
        ],
    );
    let summary = format!("use key {in_summary} for now");
    let author = git2::Signature::new(
        &format!("CI {in_summary}"),
        "ci@example.com",
        &git2::Time::new(T0, 0),
    )
    .unwrap();
    let tree = repo.find_tree(t).unwrap();
    let c1 = repo
        .commit(Some("HEAD"), &author, &author, &summary, &tree, &[])
        .unwrap();
    let clean = tree_of(&repo, &[("README.md", "hi\n")]);
    commit_tree(&repo, Some("HEAD"), "clean", clean, &[c1], T0 + 1);
    checkout_head(&repo);

    let keys = [&in_summary, &in_name, &in_file, &in_big];
    for format in ["json", "human", "sarif", "junit", "compact", "github"] {
        let out = env
            .cmd()
            .args(["scan", "--max-file-size", "1000", "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        for k in keys {
            assert_no_key_fragment(&stdout, k);
            assert_no_key_fragment(&stderr, k);
        }
        // The finding is still there, at the redacted name.
        assert!(stdout.contains("keys/sk-proj-"), "{format}: {stdout}");
    }
    // --no-redact shows the secrets found, not keys quoted in summaries,
    // author names or file names.
    let (_, v) = env.scan_json(&["--no-redact", "--max-file-size", "1000"]);
    let text = v.to_string();
    assert!(text.contains(in_file.as_str()), "the finding's own secret");
    // The summary's key is a finding of its own (in the message).
    assert!(has_key(&v, &in_summary), "{v:#}");
    let f = finding_for(&v, &in_file);
    let c = &f["commit"];
    assert!(
        c["summary"]
            .as_str()
            .unwrap()
            .starts_with("use key sk-proj-")
    );
    for k in [&in_summary, &in_name, &in_big] {
        let c = c.to_string();
        assert_no_key_fragment(&c, k);
        assert_no_key_fragment(f["path"].as_str().unwrap(), k);
        assert_no_key_fragment(f["history"]["path"].as_str().unwrap(), k);
        assert_no_key_fragment(&v["skipped"].to_string(), k);
    }
}

/// Make a loose object writable and overwrite it with `bytes`.
fn clobber_loose(env: &Env, id: Oid, bytes: &[u8]) {
    let id = id.to_string();
    let path = env
        .path()
        .join(".git/objects")
        .join(&id[..2])
        .join(&id[2..]);
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();
    std::fs::write(&path, bytes).unwrap();
}

#[test]
fn object_missing_from_a_pack_is_reported_and_the_scan_goes_on() {
    let env = Env::new();
    let key = Fake::new(26).openai_project();
    let repo = env.git_init();
    let t = tree_of(
        &repo,
        &[
            ("k.py", &py(&key)),
            ("lost.txt", "this blob is not packed\n"),
        ],
    );
    let c1 = commit_tree(&repo, Some("HEAD"), "c1", t, &[], T0);
    let lost = repo.blob(b"this blob is not packed\n").unwrap();
    let kept = repo.blob(py(&key).as_bytes()).unwrap();
    // A pack with everything but one blob (what a broken fetch or a
    // careless `git gc` on a damaged repository leaves), loose objects gone.
    let mut pb = repo.packbuilder().unwrap();
    for id in [c1, t, kept] {
        pb.insert_object(id, None).unwrap();
    }
    let pack_dir = env.path().join(".git/objects/pack");
    pb.write(&pack_dir, 0o644).unwrap();
    drop(pb);
    drop(repo);
    for e in std::fs::read_dir(env.path().join(".git/objects")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.len() == 2 {
            std::fs::remove_dir_all(&p).unwrap();
        }
    }
    let (code, v, stderr) = env.scan_json_err(&["--history-only", "--no-redact"]);
    assert_eq!(code, 1, "{v:#}\n{stderr}");
    assert!(has_key(&v, &key), "the packed blob is scanned: {v:#}");
    assert_eq!(v["stats"]["errors"], 1, "{v:#}\n{stderr}");
    assert_eq!(v["stats"]["blobs"], 1, "{v:#}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&lost.to_string()), "{stderr}");
    assert!(stderr.contains("lost.txt"), "{stderr}");
    assert!(stderr.contains("corrupt or missing"), "{stderr}");
    let errors = v["errors"].as_array().unwrap();
    assert!(errors[0].as_str().unwrap().contains("lost.txt"), "{v:#}");
    // Provenance of the key is still known.
    let f = finding_for(&v, &key);
    assert_eq!(f["history"]["commits"], 1, "{f:#}");
    assert_eq!(f["history"]["in_head"], true, "{f:#}");
}

#[test]
fn corrupt_loose_tree_and_commit_are_reported_once_each() {
    let env = Env::new();
    let mut fake = Fake::new(27);
    let (k_old, k_new, k_hidden) = (
        fake.openai_project(),
        fake.openai_project(),
        fake.openai_project(),
    );
    let repo = env.git_init();
    let c1 = commit_tree(
        &repo,
        Some("HEAD"),
        "old",
        tree_of(&repo, &[("old.py", &py(&k_old))]),
        &[],
        T0,
    );
    let t2 = tree_of(
        &repo,
        &[
            ("app/new.py", &py(&k_new)),
            ("lib/hidden.py", &py(&k_hidden)),
        ],
    );
    let c2 = commit_tree(&repo, Some("HEAD"), "new", t2, &[c1], T0 + 1);
    let lib = repo.find_tree(t2).unwrap().get_name("lib").unwrap().id();
    clobber_loose(&env, lib, b"not a tree");
    clobber_loose(&env, c1, b"not a commit either");
    let (code, v, stderr) = env.scan_json_err(&["--history-only", "--no-redact"]);
    assert_eq!(code, 1, "{v:#}\n{stderr}");
    assert!(has_key(&v, &k_new), "{v:#}");
    // Behind the damage: not readable, and said so.
    assert!(!has_key(&v, &k_old) && !has_key(&v, &k_hidden), "{v:#}");
    assert_eq!(v["stats"]["errors"], 2, "{v:#}\n{stderr}");
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
    assert_eq!(stderr.matches(&lib.to_string()).count(), 1, "{stderr}");
    assert_eq!(stderr.matches(&c1.to_string()).count(), 1, "{stderr}");
    assert!(
        stderr.contains("lib/"),
        "the tree's place is named: {stderr}"
    );
    let f = finding_for(&v, &k_new);
    assert_eq!(f["commit"]["id"], c2.to_string());
    assert_eq!(f["history"]["commits"], 1, "{f:#}");
}

/// Pack every object of `repo` (libgit2's pack builder, which stores
/// similar blobs as deltas) into one pack and delete the loose objects,
/// as `git gc` leaves a repository.
fn pack_everything(env: &Env, repo: &Repository) {
    let mut pb = repo.packbuilder().unwrap();
    let mut walk = repo.revwalk().unwrap();
    walk.push_glob("*").unwrap();
    pb.insert_walk(&mut walk).unwrap();
    pb.write(&env.path().join(".git/objects/pack"), 0o644)
        .unwrap();
    for e in std::fs::read_dir(env.path().join(".git/objects")).unwrap() {
        let p = e.unwrap().path();
        if p.file_name().unwrap().len() == 2 {
            std::fs::remove_dir_all(&p).unwrap();
        }
    }
}

/// The report without what depends on how objects are stored.
fn comparable(v: &serde_json::Value) -> Vec<String> {
    let mut out: Vec<String> = findings(v)
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {} {}",
                f["secret"], f["path"], f["commit"]["id"], f["history"]["commits"], f["line"]
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_packed_history_with_deltas_reports_what_the_loose_one_does() {
    let env = Env::new();
    let mut fake = Fake::new(31);
    let keys: Vec<String> = (0..4).map(|_| fake.openai_project()).collect();
    let repo = env.git_init();
    // One file edited in 60 commits (deltas of deltas), a key added in
    // commit 10 and removed in 20, another living from 30 on; a second
    // file on a branch, a key in a version that only a tag reaches.
    let mut lines: Vec<String> = (0..80)
        .map(|i| format!("def handler_{i}(event):\n    return process(event, {i})"))
        .collect();
    let mut parent: Vec<Oid> = Vec::new();
    let mut tagged = None;
    for n in 0..60 {
        lines[(n * 13) % 80] = format!("def handler_{n}(event):\n    return edited({n})");
        let mut text = lines.join("\n");
        if (10..20).contains(&n) {
            text.push_str(&format!("\nOLD_KEY = \"{}\"\n", keys[0]));
        }
        if n >= 30 {
            text.push_str(&format!("\nAPI_KEY = \"{}\"\n", keys[1]));
        }
        let t = tree_of(&repo, &[("app/handlers.py", &text)]);
        let c = commit_tree(
            &repo,
            Some("HEAD"),
            &format!("c{n}"),
            t,
            &parent,
            T0 + n as i64,
        );
        if n == 45 {
            let side = format!("{text}\nBRANCH_KEY = \"{}\"\n", keys[2]);
            let t = tree_of(&repo, &[("app/handlers.py", &side)]);
            let b = commit_tree(&repo, None, "side", t, &[c], T0 + 100);
            repo.branch("side", &repo.find_commit(b).unwrap(), false)
                .unwrap();
        }
        if n == 50 {
            let rc = format!("{text}\nRC_KEY = \"{}\"\n", keys[3]);
            let t = tree_of(&repo, &[("app/handlers.py", &rc)]);
            tagged = Some(commit_tree(&repo, None, "rc", t, &[c], T0 + 200));
        }
        parent = vec![c];
    }
    let rc = repo.find_object(tagged.unwrap(), None).unwrap();
    repo.tag_lightweight("old-rc", &rc, false).unwrap();
    drop(rc);
    let (code, loose) = env.scan_json(&["--history-only", "--no-redact"]);
    assert_eq!(code, 1, "{loose:#}");
    for k in &keys {
        assert!(has_key(&loose, k), "{k}: {loose:#}");
    }
    pack_everything(&env, &repo);
    drop(repo);
    let packs: Vec<_> = std::fs::read_dir(env.path().join(".git/objects/pack"))
        .unwrap()
        .collect();
    assert_eq!(packs.len(), 2, "one pack and its index");
    let (code, packed, stderr) = env.scan_json_err(&["--history-only", "--no-redact"]);
    assert_eq!(code, 1, "{packed:#}\n{stderr}");
    assert_eq!(comparable(&packed), comparable(&loose));
    assert_eq!(packed["stats"]["blobs"], loose["stats"]["blobs"]);
    assert_eq!(packed["stats"]["blob_bytes"], loose["stats"]["blob_bytes"]);
    assert_eq!(packed["stats"]["errors"], 0, "{stderr}");
}

#[test]
fn a_damaged_pack_is_read_as_far_as_it_goes() {
    let env = Env::new();
    let mut fake = Fake::new(32);
    let repo = env.git_init();
    let mut parent: Vec<Oid> = Vec::new();
    let mut keys = Vec::new();
    // Unrelated files (no deltas between them), each with its own key.
    for n in 0..12 {
        let key = fake.openai_project();
        let body: String = (0..40).map(|i| format!("v{n}_{i} = {}\n", i * n)).collect();
        let t = tree_of(
            &repo,
            &[(&format!("m{n}.py"), &format!("{body}{}", py(&key)))],
        );
        parent = vec![commit_tree(&repo, Some("HEAD"), "c", t, &parent, T0 + n)];
        keys.push(key);
    }
    pack_everything(&env, &repo);
    drop(repo);
    // Overwrite a run of bytes in the middle of the pack.
    let dir = env.path().join(".git/objects/pack");
    let pack = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "pack"))
        .unwrap();
    let mut bytes = std::fs::read(&pack).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid..mid + 64].fill(0xa5);
    let mut perms = std::fs::metadata(&pack).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&pack, perms).unwrap();
    std::fs::write(&pack, &bytes).unwrap();
    let (code, v, stderr) = env.scan_json_err(&["--history-only", "--no-redact"]);
    assert_eq!(code, 1, "{v:#}\n{stderr}");
    let found = keys.iter().filter(|k| has_key(&v, k)).count();
    let errors = v["stats"]["errors"].as_u64().unwrap() as usize;
    // Every blob is either scanned or reported (one line each), and the
    // damage touched at most a few objects.
    assert!(found >= 8, "{found} of 12 keys: {v:#}\n{stderr}");
    assert!(
        found + errors >= 12,
        "{found} found, {errors} errors:\n{stderr}"
    );
    assert!(stderr.lines().count() <= errors + 1, "{stderr}");
}

/// Issue 28: values that are digests by construction (lockfile integrity
/// hashes, `go.sum` lines, `Cargo.lock` checksums, a map's `mappings`) are
/// not base64-decoded, but everything in those files is still matched as
/// text: a fake key planted in each of them is found, in the working tree
/// and in history.
mod digests {
    use super::*;

    const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    fn b64(data: &[u8]) -> String {
        let a = B64.as_bytes();
        let mut out = String::new();
        for chunk in data.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(a[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    /// A random SRI value, as in every lockfile.
    fn sri(f: &mut Fake) -> String {
        format!("sha512-{}==", f.chars(B64, 86))
    }

    /// Each lockfile format, full of digests, with a fake key planted in
    /// it; `keys[i]` is the key planted in file `i`. The pnpm lockfile also
    /// holds a base64-encoded key under an ordinary field, which the base64
    /// pass must still decode.
    fn files(keys: &[String], encoded: &str) -> Vec<(&'static str, String)> {
        let mut f = Fake::new(2800);
        let mut pnpm = String::from("lockfileVersion: '9.0'\n\npackages:\n\n");
        let mut npm =
            String::from("{\n  \"name\": \"app\",\n  \"lockfileVersion\": 3,\n  \"packages\": {\n");
        let mut yarn = String::from("# yarn lockfile v1\n\n");
        let mut gosum = String::new();
        let mut cargo = String::from("version = 4\n\n");
        for i in 0..40 {
            pnpm += &format!(
                "  pkg-{i}@1.0.{i}:\n    resolution: {{integrity: {}}}\n    engines: {{node: '>=18'}}\n\n",
                sri(&mut f)
            );
            npm += &format!(
                "    \"node_modules/pkg-{i}\": {{\n      \"version\": \"1.0.{i}\",\n      \"resolved\": \"https://registry.npmjs.org/pkg-{i}/-/pkg-{i}-1.0.{i}.tgz\",\n      \"integrity\": \"{}\"\n    }},\n",
                sri(&mut f)
            );
            yarn += &format!(
                "pkg-{i}@^1.0.0:\n  version \"1.0.{i}\"\n  resolved \"https://registry.yarnpkg.com/pkg-{i}/-/pkg-{i}-1.0.{i}.tgz#{}\"\n  integrity {}\n\n",
                f.chars("0123456789abcdef", 40),
                sri(&mut f)
            );
            gosum += &format!(
                "example.com/mod{i} v1.0.{i} h1:{}=\nexample.com/mod{i} v1.0.{i}/go.mod h1:{}=\n",
                f.chars(B64, 43),
                f.chars(B64, 43)
            );
            cargo += &format!(
                "[[package]]\nname = \"pkg-{i}\"\nversion = \"1.0.{i}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{}\"\n\n",
                f.chars("0123456789abcdef", 64)
            );
        }
        pnpm += &format!(
            "  private-pkg@1.0.0:\n    resolution: {{tarball: 'https://npm.example.com/p.tgz?token={}'}}\n    env: {encoded}\n",
            keys[0]
        );
        npm += &format!(
            "    \"node_modules/private\": {{\n      \"resolved\": \"https://npm.example.com/p.tgz?token={}\",\n      \"integrity\": \"{}\"\n    }}\n  }}\n}}\n",
            keys[1],
            sri(&mut f)
        );
        yarn += &format!(
            "private@^1.0.0:\n  resolved \"https://npm.example.com/p.tgz?token={}\"\n  integrity {}\n",
            keys[2],
            sri(&mut f)
        );
        gosum += &format!("example.com/leak v1.0.0 h1:{}=\n", keys[3]);
        cargo += &format!("[[package]]\nname = \"leak\"\nchecksum = \"{}\"\n", keys[4]);
        let map = format!(
            "{{\"version\":3,\"sources\":[\"../src/a.ts\"],\"sourcesContent\":[\"const k = \\\"{}\\\";\\n\"],\"names\":[],\"mappings\":\"{}\"}}",
            keys[5],
            f.chars(B64, 4000)
        );
        vec![
            ("web/pnpm-lock.yaml", pnpm),
            ("web/package-lock.json", npm),
            ("web/yarn.lock", yarn),
            ("svc/go.sum", gosum),
            ("cli/Cargo.lock", cargo),
            ("web/dist/app.js.map", map),
        ]
    }

    fn keys_and_encoded() -> (Vec<String>, String, String) {
        let keys: Vec<String> = (0..6)
            .map(|i| Fake::new(2810 + i).openai_project())
            .collect();
        let hidden = Fake::new(2820).openai_project();
        let encoded = b64(format!("OPENAI_API_KEY={hidden}\n").as_bytes());
        (keys, hidden, encoded)
    }

    fn assert_all_found(v: &serde_json::Value, keys: &[String], hidden: &str) {
        for (i, key) in keys.iter().enumerate() {
            assert!(has_key(v, key), "key {i} not found: {v:#}");
        }
        let f = finding_for(v, hidden);
        assert_eq!(f["encoded"], "base64", "{f:#}");
        assert_eq!(f["path"], "web/pnpm-lock.yaml", "{f:#}");
    }

    #[test]
    fn keys_in_lockfiles_and_maps_are_still_found_in_the_tree() {
        let env = Env::new();
        let (keys, hidden, encoded) = keys_and_encoded();
        for (path, text) in files(&keys, &encoded) {
            env.write(path, text);
        }
        let (code, v) = env.scan_json(&["--no-redact"]);
        assert_eq!(code, 1, "{v:#}");
        assert_all_found(&v, &keys, &hidden);
    }

    #[test]
    fn keys_in_lockfiles_and_maps_are_still_found_in_history() {
        let env = Env::new();
        let (keys, hidden, encoded) = keys_and_encoded();
        let repo = env.git_init();
        let files = files(&keys, &encoded);
        let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let t1 = tree_of(&repo, &refs);
        let c1 = commit_tree(&repo, Some("HEAD"), "lockfiles", t1, &[], T0);
        let t2 = tree_of(&repo, &[("README.md", "hi\n")]);
        commit_tree(&repo, Some("HEAD"), "drop them", t2, &[c1], T0 + 60);
        env.write("README.md", "hi\n");
        let (code, v) = env.scan_json(&["--no-redact"]);
        assert_eq!(code, 1, "{v:#}");
        assert_all_found(&v, &keys, &hidden);
        for key in &keys {
            assert_eq!(finding_for(&v, key)["commit"]["id"], c1.to_string());
        }
    }
}
