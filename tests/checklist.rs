//! The guide's checklist answers only what the scan established (issue 10):
//! accepted findings are `accepted`, never `pass`; files the scan could not
//! read make questions `review`; the `.env` question looks at what git
//! tracks and ignores, and only at projects that use env files; rate
//! limiting is `n/a` for command-line tools and libraries.

use crate::common::*;
use crate::report::vite_issue_repo;

fn item<'a>(v: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    v["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap()
}

fn status<'a>(v: &'a serde_json::Value, id: &str) -> &'a str {
    item(v, id)["status"].as_str().unwrap()
}

fn advice<'a>(v: &'a serde_json::Value, id: &str) -> &'a str {
    item(v, id)["advice"].as_str().unwrap()
}

#[test]
fn a_baseline_makes_questions_accepted_not_pass() {
    let (env, _) = vite_issue_repo();
    let out = env
        .cmd()
        .args(["baseline", "create", "-q", "--output", "bl.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let (code, v) = env.scan_json(&["--baseline", "bl.json"]);
    assert_eq!(code, 0, "everything is accepted: {v:#}");
    assert!(findings(&v).is_empty());
    for q in ["server-only", "no-client-exposure"] {
        assert_eq!(status(&v, q), "accepted", "{q}: {:#}", item(&v, q));
        assert!(item(&v, q)["accepted"].as_u64().unwrap() >= 2);
        assert!(advice(&v, q).contains("baseline"), "{}", advice(&v, q));
    }
    // The .env is still tracked with a value: that is not a finding the
    // baseline can accept away.
    assert_eq!(status(&v, "env-out-of-git"), "fail");
    assert!(advice(&v, "env-out-of-git").contains("tracked with values: .env"));
    let q4 = advice(&v, "usage-reviewed");
    assert!(!q4.contains("no leaked key found"), "{q4}");
    assert!(q4.contains("3 accepted keys"), "{q4}");
    // The human report says it too.
    let out = env
        .cmd()
        .args(["scan", "--baseline", "bl.json"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("ACCEPTED"), "{text}");
    assert!(!text.contains("PASS"), "{text}");
}

#[test]
fn an_inline_marker_is_accepted_with_a_count() {
    let env = Env::new();
    env.git_init();
    env.write(".gitignore", ".env\n.env.*\n");
    env.write(
        "package.json",
        r#"{"dependencies":{"react":"18","vite":"5"}}"#,
    );
    env.write(
        "src/config.js",
        format!(
            "export const K = \"{}\"; // jikimi:allow\n",
            Fake::new(20_001).openai_project()
        ),
    );
    let (code, v) = env.scan_json(&[]);
    assert_eq!(code, 0);
    assert_eq!(status(&v, "server-only"), "accepted");
    assert_eq!(item(&v, "server-only")["accepted"], 1);
    assert!(advice(&v, "server-only").contains("inline: 1"));
    assert_eq!(v["suppressed"][0]["causes"][0], "frontend-code");
}

#[test]
fn files_not_read_make_questions_review() {
    let env = Env::new();
    env.git_init();
    env.write(".gitignore", ".env\n");
    env.write("src/big.js", format!("// {}\n", "x".repeat(4096)));
    let (_, v) = env.scan_json(&["--max-file-size", "1K"]);
    for q in ["server-only", "no-client-exposure"] {
        assert_eq!(status(&v, q), "review", "{q}");
        assert!(
            advice(&v, q).contains(
                "1 file was not read (1 over a size or archive limit, or binary; -v lists it)"
            ),
            "{}",
            advice(&v, q)
        );
    }
    // An unreadable file (a dangling link followed with -L) counts too.
    #[cfg(unix)]
    {
        let env = Env::new();
        env.write("a.js", "console.log(1)\n");
        std::os::unix::fs::symlink("nowhere.js", env.path().join("b.js")).unwrap();
        let (_, v) = env.scan_json(&["-L"]);
        assert_eq!(v["stats"]["errors"], 1, "{v:#}");
        assert_eq!(status(&v, "server-only"), "review");
        assert!(advice(&v, "server-only").contains("1 unreadable"));
    }
    // Media files are not content that was missed.
    let env = Env::new();
    env.write("logo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".as_slice());
    let (_, v) = env.scan_json(&[]);
    assert_eq!(v["stats"]["skipped"], 0);
    assert_eq!(v["stats"]["media"], 1);
    assert_eq!(status(&v, "server-only"), "pass");
}

#[test]
fn a_rust_cli_gets_no_env_advice_and_no_rate_limit_question() {
    // ripgrep's shape: a Rust CLI, no .env anywhere, no dotenv.
    let env = Env::new();
    let repo = env.git_init();
    env.write(".gitignore", "/target\n");
    env.write(
        "Cargo.toml",
        "[package]\nname = \"grep-like\"\nversion = \"0.1.0\"\n\n[dependencies]\nlexopt = \"0.3\"\nmemchr = \"2\"\n",
    );
    env.write("src/main.rs", "fn main() { println!(\"hi\"); }\n");
    env.write(
        "crates/core/Cargo.toml",
        "[package]\nname = \"core\"\nversion = \"0.1.0\"\n",
    );
    env.write("crates/core/src/lib.rs", "pub fn f() {}\n");
    env.commit_all(&repo, "init");
    let (code, v) = env.scan_json(&[]);
    assert_eq!(code, 0, "{v:#}");
    assert!(by_rule(&v, "gitignore-gap").is_empty(), "{v:#}");
    assert_eq!(status(&v, "env-out-of-git"), "pass");
    assert!(advice(&v, "env-out-of-git").contains("no env files used"));
    assert_eq!(
        status(&v, "rate-limited"),
        "n/a",
        "{:#}",
        item(&v, "rate-limited")
    );
    assert!(advice(&v, "rate-limited").contains("command-line tool"));
    let out = env.cmd().arg("scan").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("express-rate-limit"), "{text}");
    assert!(text.contains("N/A"), "{text}");
}

#[test]
fn env_files_used_by_compose_or_history_make_the_gap_count() {
    // env_file: in a compose file.
    let env = Env::new();
    let repo = env.git_init();
    env.write(".gitignore", "node_modules\n");
    env.write(
        "docker-compose.yml",
        "services:\n  api:\n    image: x\n    env_file: .env\n",
    );
    env.commit_all(&repo, "init");
    let (_, v) = env.scan_json(&[]);
    assert_eq!(by_rule(&v, "gitignore-gap").len(), 1, "{v:#}");
    assert_eq!(status(&v, "env-out-of-git"), "fail");

    // An .env that only history has.
    let env = Env::new();
    let repo = env.git_init();
    env.write(".gitignore", "node_modules\n");
    env.write(".env", "DEBUG=1\n");
    env.commit_all(&repo, "add env");
    env.remove(".env");
    let mut index = repo.index().unwrap();
    index.remove_path(std::path::Path::new(".env")).unwrap();
    index.write().unwrap();
    env.commit_all(&repo, "remove env");
    let (_, v) = env.scan_json(&[]);
    assert_eq!(by_rule(&v, "gitignore-gap").len(), 1, "{v:#}");
}

#[test]
fn a_tracked_env_file_fails_even_when_gitignore_covers_it() {
    let env = Env::new();
    let repo = env.git_init();
    env.write(".env", "DATABASE_HOST=db.internal\n");
    env.write(".gitignore", "node_modules\n");
    env.commit_all(&repo, "init");
    // Ignoring it afterwards does not untrack it.
    env.write(".gitignore", "node_modules\n.env\n.env.*\n");
    env.commit_all(&repo, "ignore env");
    let (_, v) = env.scan_json(&[]);
    assert!(by_rule(&v, "gitignore-gap").is_empty(), "{v:#}");
    assert_eq!(status(&v, "env-out-of-git"), "fail");
    assert!(advice(&v, "env-out-of-git").contains("tracked with values: .env"));
    // Untracked, and ignored: pass.
    let mut index = repo.index().unwrap();
    index.remove_path(std::path::Path::new(".env")).unwrap();
    index.write().unwrap();
    let (_, v) = env.scan_json(&[]);
    assert_eq!(
        status(&v, "env-out-of-git"),
        "pass",
        "{:#}",
        item(&v, "env-out-of-git")
    );
}

/// Issue 20: a bundler library that tracks `.env` files on purpose as test
/// fixtures (no secret values in them) was told to ignore `.env` files and
/// to add `express-rate-limit`, and failed questions 1 and 2 on public
/// search keys.
#[test]
fn a_library_with_fixture_env_files_and_a_docsearch_key_gets_advice_that_fits() {
    let env = Env::new();
    env.write(
        "package.json",
        r#"{"name":"acme-bundler","version":"5.0.0","main":"dist/index.js","bin":{"acme":"bin/acme.js"},"devDependencies":{"jest":"29"}}"#,
    );
    env.write("src/index.js", "module.exports = function bundle() {};\n");
    env.write(".gitignore", "node_modules/\ndist/\n");
    for dir in ["dotenv-basic", "dotenv-expand", "mode-production"] {
        env.write(
            &format!("test/fixtures/{dir}/.env"),
            "APP_TITLE=hello\nAPP_MODE=development\n",
        );
    }
    let hex = Fake::new(2800).chars("0123456789abcdef", 32);
    env.write(
        "docs/.vitepress/config.js",
        format!(
            "export default {{\n  themeConfig: {{\n    algolia: {{\n      appId: 'BH4D9OD16A',\n      apiKey: '{hex}',\n      indexName: 'acme',\n    }},\n  }},\n}};\n"
        ),
    );
    let repo = env.git_init();
    env.commit_all(&repo, "library with fixtures");
    let (code, v) = env.scan_json(&[]);
    assert_eq!(code, 0, "{v:#}");
    assert!(by_rule(&v, "gitignore-gap").is_empty(), "{v:#}");
    let checklist = v["checklist"].as_array().unwrap();
    for i in [0, 1, 2] {
        assert_ne!(checklist[i]["status"], "fail", "{:#}", checklist[i]);
    }
    let q5 = checklist[4]["advice"].as_str().unwrap();
    assert!(!q5.contains("express-rate-limit"), "{q5}");
}

/// Issue 20: from a repository's subdirectory, question 3 passed although
/// the root tracks `.env`, and questions 1-2 claimed "none in the tree or
/// history" without reading either. A subdirectory scan answers `review`.
#[test]
fn a_subdirectory_scan_never_passes_for_the_whole_repository() {
    let env = Env::new();
    let key = Fake::new(2900).openai_project();
    env.write(".env", format!("OPENAI_API_KEY={key}\n"));
    env.write(
        "web/package.json",
        r#"{"name":"web","dependencies":{"react":"18"}}"#,
    );
    env.write("web/src/app.js", "export const x = 1;\n");
    let repo = env.git_init();
    env.commit_all(&repo, "app with a tracked .env");
    let (code, v) = env.scan_json(&["web"]);
    assert_eq!(code, 0, "{v:#}");
    for item in v["checklist"].as_array().unwrap().iter().take(2) {
        assert_eq!(item["status"], "review", "{item:#}");
    }
    // Question 3 is about the repository: answered from its index, it
    // fails on the .env tracked at the top, named from the folder.
    let q3 = &v["checklist"][2];
    assert_eq!(q3["status"], "fail", "{q3:#}");
    assert!(q3["advice"].as_str().unwrap().contains("../.env"), "{q3:#}");
    // From the top, question 3 fails on the tracked .env.
    let (_, v) = env.scan_json(&[]);
    assert_eq!(
        v["checklist"][2]["status"], "fail",
        "{:#}",
        v["checklist"][2]
    );

    // Untracked and ignored at the top: question 3 passes from the
    // subdirectory too, on the repository's state.
    env.remove(".env");
    env.write(".gitignore", ".env\n.env.*\n");
    env.commit_all(&repo, "untrack .env");
    env.write(".env", format!("OPENAI_API_KEY={key}\n"));
    let (_, v) = env.scan_json(&["web"]);
    let q3 = &v["checklist"][2];
    assert_eq!(q3["status"], "pass", "{q3:#}");
    assert_eq!(v["checklist"][0]["status"], "review");
}

/// A folder of repositories scanned without history: each repository's
/// working-tree files get their own repository's git state (tracked,
/// ignored), not "no repository".
#[test]
fn nested_repositories_files_get_their_own_git_state() {
    let env = Env::new();
    let mut fake = Fake::new(2950);
    let key = fake.openai_project();
    let dir = env.path().join("api");
    std::fs::create_dir_all(&dir).unwrap();
    let repo = git2::Repository::init(&dir).unwrap();
    std::fs::write(dir.join("app.py"), format!("KEY = \"{key}\"\n")).unwrap();
    std::fs::write(dir.join(".gitignore"), ".env\n").unwrap();
    let mut index = repo.index().unwrap();
    for p in ["app.py", ".gitignore"] {
        index.add_path(std::path::Path::new(p)).unwrap();
    }
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::now("Test", "test@example.com").unwrap();
    repo.commit(Some("HEAD"), &sig, &sig, "add", &tree, &[])
        .unwrap();
    // Ignored by the nested repository's .gitignore.
    std::fs::write(
        dir.join(".env"),
        format!("OPENAI_API_KEY={}\n", fake.openai_project()),
    )
    .unwrap();
    let (code, v) = env.scan_json(&["--no-history"]);
    assert_eq!(code, 1, "{v:#}");
    let app = findings(&v)
        .iter()
        .find(|f| f["path"] == "api/app.py")
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(app["git"], "tracked", "{app:#}");
    // The key in the .env that api/ ignores is kept as the guide asks
    // (without the nested repository's state it was "no repository": an
    // env file about to be committed).
    assert!(
        !findings(&v).iter().any(|f| f["path"] == "api/.env"),
        "{v:#}"
    );
    let manifest_free = by_rule(&v, "gitignore-gap");
    assert!(
        manifest_free.iter().all(|f| f["path"] == "api/.gitignore"),
        "{v:#}"
    );
}

/// Issue 20: a folder holding two repositories, each with a key only in its
/// history: `jikimi scan .` said "No findings" and passed questions 1-3
/// ("none in the tree or history"). Each nested repository's history is
/// scanned, its folder in every path.
#[test]
fn a_folder_of_repositories_gets_each_history_scanned() {
    let env = Env::new();
    let mut fake = Fake::new(3000);
    for name in ["api", "web"] {
        let key = fake.openai_project();
        let dir = env.path().join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let repo = git2::Repository::init(&dir).unwrap();
        let sig = git2::Signature::now("Test", "test@example.com").unwrap();
        let with_key = tree_of(&repo, &[("app.py", &format!("KEY = \"{key}\"\n"))]);
        let c1 = repo
            .commit(
                Some("HEAD"),
                &sig,
                &sig,
                "add",
                &repo.find_tree(with_key).unwrap(),
                &[],
            )
            .unwrap();
        let clean = tree_of(&repo, &[("app.py", "import os\nKEY = os.environ[\"K\"]\n")]);
        let parent = repo.find_commit(c1).unwrap();
        repo.commit(
            Some("HEAD"),
            &sig,
            &sig,
            "env",
            &repo.find_tree(clean).unwrap(),
            &[&parent],
        )
        .unwrap();
        checkout_head(&repo);
    }
    let (code, v) = env.scan_json(&[]);
    assert_eq!(code, 1, "{v:#}");
    let mut paths: Vec<&str> = findings(&v)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    paths.sort();
    assert_eq!(paths, ["api/app.py", "web/app.py"], "{v:#}");
    assert_eq!(v["checklist"][3]["findings"].as_array().unwrap().len(), 2);
}
