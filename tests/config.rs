//! `jikimi.toml` (custom rules, disabled rules, excludes, allowlists, fail
//! policy), inline allow markers and `--fail-on` / `--min-severity`, all
//! through the binary. Issue 5.

use crate::common::*;

/// A custom rule as a user would write it in jikimi.toml.
const ACME_RULE: &str = r#"
[[rule]]
id = "acme.token"
title = "ACME internal token"
provider = "ACME"
severity = "high"
keywords = ["acme_"]
regex = '''\b(acme_[A-Za-z0-9]{32})\b'''
examples = ['t = "acme_Qm7vT2kR9pLx4NcZ8wYbQm7vT2kR9pLx"']
negative_examples = ['t = "acme_short"']
"#;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn custom_rule_from_config_finds_its_token() {
    let env = Env::new();
    let mut fake = Fake::new(1);
    let token = format!("acme_{}", fake.alnum(32));
    // Not an assignment, so no generic rule claims it: only the custom rule.
    env.write("app.py", format!("print('{token}')\n"));
    let (code, v) = env.scan_json(&[]);
    assert_eq!(code, 0, "no custom rule yet: {v}");
    env.write("jikimi.toml", ACME_RULE);
    let (code, v) = env.scan_json(&[]);
    assert_eq!(code, 1, "{v}");
    let f = by_rule(&v, "acme.token");
    assert_eq!(f.len(), 1, "{v}");
    assert_eq!(f[0]["path"], "app.py");
    // --no-config ignores it again; --config picks a file elsewhere.
    let (code, _) = env.scan_json(&["--no-config"]);
    assert_eq!(code, 0);
    let other = Env::new();
    other.write("conf/jk.toml", ACME_RULE);
    let cfg = other.path().join("conf/jk.toml");
    let out = env
        .cmd()
        .args(["scan", "--no-config", "--config", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "--config and --no-config conflict"
    );
    std::fs::remove_file(env.path().join("jikimi.toml")).unwrap();
    let (code, v) = env.scan_json(&["--config", cfg.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(by_rule(&v, "acme.token").len(), 1);
}

#[test]
fn disabled_rule_is_not_run() {
    let env = Env::new();
    let key = Fake::new(2).openai_project();
    env.write("app.py", format!("KEY = '{key}'\n"));
    // Disable the rule that reports it; the next most specific OpenAI rule
    // may claim it then, so repeat until nothing is left. A disabled rule
    // must never report again.
    let mut disabled: Vec<String> = Vec::new();
    for _ in 0..12 {
        let (code, v) = env.scan_json(&[]);
        let rules: Vec<String> = findings(&v)
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect();
        if rules.is_empty() {
            assert_eq!(code, 0, "{v}");
            assert!(!disabled.is_empty());
            return;
        }
        for r in rules {
            assert!(
                !disabled.contains(&r),
                "disabled rule {r} still reports: {v}"
            );
            disabled.push(r);
        }
        let list: Vec<String> = disabled.iter().map(|r| format!("'{r}'")).collect();
        env.write("jikimi.toml", format!("disable = [{}]\n", list.join(", ")));
    }
    panic!("still reported after disabling {disabled:?}");
}

#[test]
fn excludes_use_gitignore_syntax() {
    let env = Env::new();
    let mut fake = Fake::new(3);
    let (a, b, c, d) = (
        fake.openai_project(),
        fake.openai_project(),
        fake.openai_project(),
        fake.openai_project(),
    );
    env.write("fixtures/deep/x.py", format!("k = '{a}'\n"));
    env.write("web/app.min.js", format!("k='{b}'"));
    env.write("web/keep.min.js", format!("k='{c}'"));
    env.write("src/real.py", format!("k = '{d}'\n"));
    env.write(
        "jikimi.toml",
        "exclude = [\n  'fixtures/',\n  '*.min.js',\n  '!keep.min.js',\n]\n",
    );
    let (code, v) = env.scan_json(&[]);
    assert_eq!(code, 1);
    let mut paths: Vec<&str> = findings(&v)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    paths.sort();
    assert_eq!(paths, ["src/real.py", "web/keep.min.js"], "{v}");
    // Excluded files are not scanned at all (not suppressed, not counted).
    assert_eq!(v["stats"]["suppressed"], 0);
    assert_eq!(
        v["stats"]["files"], 2,
        "keep.min.js, real.py (not jikimi.toml): {v}"
    );
}

#[test]
fn allowlists_suppress_and_count_without_the_secret() {
    let env = Env::new();
    let mut fake = Fake::new(4);
    let by_value = fake.openai_project();
    let by_stopword = format!("sk-proj-JkmStop{}", &fake.openai_project()[15..]);
    let by_path = fake.openai_project();
    let kept = fake.openai_project();
    env.write("a.py", format!("k = '{by_value}'\n"));
    env.write("b.py", format!("k = '{by_stopword}'\n"));
    env.write("docs/c.py", format!("k = '{by_path}'\n"));
    env.write("d.py", format!("k = '{kept}'\n"));
    env.write(
        "jikimi.toml",
        format!(
            "[allow]\nvalues = ['{by_value}']\nstopwords = ['jkmstop']\n\n[[allow.rule]]\nid = 'openai.project-key'\npaths = ['docs/']\n"
        ),
    );
    let out = env
        .cmd()
        .args(["scan", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let f = findings(&v);
    assert_eq!(f.len(), 1, "{v}");
    assert_eq!(f[0]["path"], "d.py");
    let sup = v["suppressed"].as_array().unwrap();
    assert_eq!(v["stats"]["suppressed"], 3, "{v}");
    assert_eq!(sup.len(), 3);
    assert!(sup.iter().all(|s| s["reason"] == "allowlist"));
    let by: Vec<&str> = sup.iter().map(|s| s["by"].as_str().unwrap()).collect();
    assert!(
        by.contains(&"value") && by.contains(&"stopword jkmstop"),
        "{by:?}"
    );
    assert!(by.contains(&"openai.project-key: path"), "{by:?}");
    for secret in [&by_value, &by_stopword, &by_path] {
        assert!(
            !text.contains(secret.as_str()),
            "a suppressed secret is in the report"
        );
    }
    // The human report counts them, and lists them at -v.
    let human = env.cmd().arg("scan").output().unwrap();
    let h = String::from_utf8_lossy(&human.stdout);
    assert!(h.contains("3 suppressed"), "{h}");
    assert!(!h.contains("Suppressed (not reported)"));
    let verbose = env.cmd().args(["scan", "-v"]).output().unwrap();
    let h = String::from_utf8_lossy(&verbose.stdout);
    assert!(h.contains("Suppressed (not reported)"), "{h}");
    assert!(
        h.contains("b.py:1  [openai.project-key]  allowlist: stopword jkmstop"),
        "{h}"
    );
}

#[test]
fn each_inline_marker_suppresses_its_line_only() {
    let markers = [
        "# jikimi:allow",
        "// gitleaks:allow",
        "# pragma: allowlist secret",
        "# trufflehog:ignore",
    ];
    for (i, marker) in markers.iter().enumerate() {
        let env = Env::new();
        let mut fake = Fake::new(10 + i as u64);
        let allowed = fake.openai_project();
        let other = fake.openai_project();
        env.write(
            "app.py",
            format!("A = '{allowed}'  {marker}\nB = '{other}'\n"),
        );
        let out = env
            .cmd()
            .args(["scan", "--format", "json"])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(out.status.code(), Some(1), "{marker}: {v}");
        let f = findings(&v);
        assert_eq!(f.len(), 1, "{marker}: {v}");
        assert_eq!(f[0]["line"], 2, "{marker}");
        let sup = v["suppressed"].as_array().unwrap();
        assert_eq!(sup.len(), 1, "{marker}: {v}");
        assert_eq!(sup[0]["reason"], "inline");
        assert_eq!(sup[0]["line"], 1);
        assert!(marker.ends_with(sup[0]["by"].as_str().unwrap()), "{marker}");
        assert!(
            !text.contains(&allowed),
            "{marker}: suppressed secret printed"
        );
        // With only the marked line, the scan passes.
        env.write("app.py", format!("A = '{allowed}'  {marker}\n"));
        let (code, v) = env.scan_json(&[]);
        assert_eq!(code, 0, "{marker}: {v}");
        assert_eq!(v["stats"]["suppressed"], 1);
    }
}

#[test]
fn bad_config_is_one_error_with_file_and_line_and_nothing_scanned() {
    let cases: &[(&str, &str)] = &[
        (
            "version = 1\nexclude = []\nexlcude = ['x']\n",
            "jikimi.toml:3:1: ",
        ),
        (
            "[allow]\nregexes = [\n  '(unclosed',\n]\n",
            "jikimi.toml:3:3: bad regex",
        ),
        ("version = 2\nshiny = true\n", "upgrade jikimi"),
        (
            "disable = ['no.such-rule']\n",
            "jikimi.toml:1:12: unknown rule id",
        ),
        (
            "fail_on = 'sometimes'\n",
            "jikimi.toml:1:11: fail_on must be",
        ),
        ("exclude = 'not-a-list'\n", "jikimi.toml:1:11: "),
        (
            "[[rule]]\nid = 'acme.x'\ntitle = 'x'\nprovider = 'x'\nseverity = 'high'\nkeywords = ['x']\nregex = '(x['\n",
            "jikimi.toml:7:1: rule 'acme.x'",
        ),
        ("this is not toml\n", "jikimi.toml:1:"),
    ];
    for (text, expect) in cases {
        let env = Env::new();
        env.write(
            "app.py",
            format!("k = '{}'\n", Fake::new(5).openai_project()),
        );
        env.write("jikimi.toml", text);
        let out = env.cmd().args(["scan", "."]).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{text:?}: {err}");
        assert!(out.stdout.is_empty(), "{text:?}: a report was printed");
        assert!(
            err.contains(expect),
            "{text:?}: expected {expect:?} in {err}"
        );
        assert_eq!(err.lines().count(), 1, "one error, not many: {err}");
    }
    // A config file that cannot be read.
    let env = Env::new();
    let out = env
        .cmd()
        .args(["scan", "--config", "missing.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("missing.toml: cannot read the config file"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn config_init_writes_a_starter_that_loads() {
    let env = Env::new();
    let out = env.cmd().args(["config", "init"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(env.path().join("jikimi.toml")).unwrap();
    assert!(text.contains("version = 1") && text.contains("[allow]"));
    // It loads (a scan with it is clean, not a config error).
    env.write("app.py", "import os\nk = os.getenv('KEY')\n");
    let (code, v) = env.scan_json(&[]);
    assert_eq!(code, 0, "{v}");
    // Never overwritten by accident.
    let out = env.cmd().args(["config", "init"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already exists"));
    let out = env
        .cmd()
        .args(["config", "init", "--force", "--output", "other.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(env.path().join("other.toml").is_file());
}

/// Three small repositories: a high-severity risk only (an existing .env
/// that git does not ignore), a medium risk only (no .gitignore, no .env),
/// and a critical secret only.
fn fail_on_repos() -> (Env, Env, Env) {
    let high_risk = Env::new();
    high_risk.git_init();
    high_risk.write(".env", "DEBUG=1\n");
    high_risk.write("app.py", "print('hi')\n");
    let medium_risk = Env::new();
    medium_risk.git_init();
    // Loads .env files (so the gap applies) but has none yet: medium.
    medium_risk.write("app.py", "from dotenv import load_dotenv\nload_dotenv()\n");
    let secret = Env::new();
    secret.git_init();
    secret.write(".gitignore", ".env\n.env.*\n");
    secret.write(
        "app.py",
        format!("k = '{}'\n", Fake::new(6).openai_project()),
    );
    (high_risk, medium_risk, secret)
}

#[test]
fn fail_on_matrix() {
    let (high_risk, medium_risk, secret) = fail_on_repos();
    let (_, v) = high_risk.scan_json(&[]);
    assert_eq!(by_rule(&v, "gitignore-gap")[0]["severity"], "high", "{v}");
    let (_, v) = medium_risk.scan_json(&[]);
    assert_eq!(by_rule(&v, "gitignore-gap")[0]["severity"], "medium", "{v}");
    let cases: &[(&Env, &[&str], i32)] = &[
        (&high_risk, &[], 1),
        (&high_risk, &["--fail-on", "secret"], 1),
        (&high_risk, &["--fail-on", "risk"], 1),
        (&high_risk, &["--fail-on", "none"], 0),
        (&high_risk, &["--min-severity", "critical"], 0),
        (&medium_risk, &[], 0),
        (&medium_risk, &["--fail-on", "risk"], 1),
        (
            &medium_risk,
            &["--fail-on", "risk", "--min-severity", "high"],
            0,
        ),
        (
            &medium_risk,
            &["--fail-on", "risk", "--min-severity", "medium"],
            1,
        ),
        (&secret, &[], 1),
        (&secret, &["--fail-on", "risk"], 1),
        (&secret, &["--fail-on", "none"], 0),
        (&secret, &["--min-severity", "critical"], 1),
    ];
    for (env, args, expect) in cases {
        let (code, v) = env.scan_json(args);
        assert_eq!(code, *expect, "{args:?}: {v}");
        let failing = v["failing"].as_u64().unwrap();
        assert_eq!(failing > 0, *expect == 1, "{args:?}: failing={failing}");
    }
    // The config file sets the default; the command line wins.
    secret.write("jikimi.toml", "fail_on = 'none'\n");
    assert_eq!(secret.scan_json(&[]).0, 0);
    assert_eq!(secret.scan_json(&["--fail-on", "secret"]).0, 1);
    medium_risk.write("jikimi.toml", "fail_on = 'risk'\nmin_severity = 'medium'\n");
    assert_eq!(medium_risk.scan_json(&[]).0, 1);
    assert_eq!(medium_risk.scan_json(&["--min-severity", "high"]).0, 0);
    // Every format marks as failing what the exit code fails on.
    let github = |args: &[&str]| {
        let out = medium_risk
            .cmd()
            .args(["scan", "--no-config", "--format", "github"])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(github(&[]).contains("::warning file=.gitignore"));
    assert!(github(&["--fail-on", "risk"]).contains("::error file=.gitignore"));
    let junit = medium_risk
        .cmd()
        .args([
            "scan",
            "--no-config",
            "--format",
            "junit",
            "--fail-on",
            "risk",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&junit.stdout).contains("<failure"));
    let sarif = medium_risk
        .cmd()
        .args([
            "scan",
            "--no-config",
            "--format",
            "sarif",
            "--fail-on",
            "none",
        ])
        .output()
        .unwrap();
    let s: serde_json::Value = serde_json::from_slice(&sarif.stdout).unwrap();
    assert_eq!(s["runs"][0]["results"][0]["properties"]["failing"], false);
    // Bad values are usage errors.
    let out = secret
        .cmd()
        .args(["scan", "--min-severity", "huge"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn disable_and_allowlist_cover_repository_risks() {
    let (high_risk, _, _) = fail_on_repos();
    high_risk.write("jikimi.toml", "disable = ['gitignore-gap']\n");
    let (code, v) = high_risk.scan_json(&[]);
    assert_eq!(code, 0, "{v}");
    assert!(by_rule(&v, "gitignore-gap").is_empty());
    high_risk.write(
        "jikimi.toml",
        "[[allow.rule]]\nid = 'gitignore-gap'\npaths = ['.gitignore*']\n",
    );
    let (code, v) = high_risk.scan_json(&[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["suppressed"][0]["rule"], "gitignore-gap", "{v}");
}

/// KEEP GREEN: jikimi scans its own repository clean. Its rules/, tests/ and
/// fixtures/ hold fake keys on purpose; the repository's jikimi.toml excludes
/// exactly those. A failure here means a real-looking key landed elsewhere,
/// or a rule now fires on jikimi's own source: fix the source, or extend
/// jikimi.toml with a reason.
#[test]
fn jikimi_scans_its_own_repository_clean() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut cmd = assert_cmd::Command::cargo_bin("jikimi").unwrap();
    let out = cmd
        .current_dir(root)
        .env("NO_COLOR", "1")
        .args(["scan", ".", "--format", "compact"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "jikimi's own repository does not scan clean:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

// A secret pasted in the wrong place in jikimi.toml used to be echoed whole
// in the error message (found in QA).
#[test]
fn config_errors_never_echo_a_secret() {
    let env = Env::new();
    let key = Fake::new(31).openai_project();
    env.write(
        "jikimi.toml",
        format!("version = 1\n[allow]\nvalues = \"{key}\"\n"),
    );
    let out = env.cmd().args(["scan"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("jikimi.toml"), "{err}");
    assert_no_key_fragment(&err, &key);
}

/// A custom rule's key is redacted wherever jikimi shows text that may hold
/// it without being a finding: the commit summary and author (JSON, JUnit,
/// SARIF), a file name in the skipped list (`-v`, JSON `skipped[].path`)
/// and warnings on stderr.
#[test]
fn custom_rule_keys_are_redacted_everywhere() {
    let env = Env::new();
    let key = format!("acme_{}", Fake::new(77).alnum(32));
    env.write("jikimi.toml", ACME_RULE);
    env.write("app.py", format!("t = \"{key}\"\n"));
    // Over --max-file-size: skipped, and its name holds the key.
    env.write(&format!("logs/{key}.log"), "x".repeat(4096));
    let repo = env.git_init();
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"].iter(), git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::now(&format!("bot {key}"), "bot@example.com").unwrap();
    repo.commit(
        Some("HEAD"),
        &sig,
        &sig,
        &format!("add token {key}"),
        &tree,
        &[],
    )
    .unwrap();
    for format in ["json", "junit", "sarif", "human", "compact", "github"] {
        let out = env
            .cmd()
            .args([
                "scan",
                ".",
                "-v",
                "--max-file-size",
                "1K",
                "--format",
                format,
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_no_key_fragment(&stdout, &key);
        assert_no_key_fragment(&stderr(&out), &key);
        if format == "json" {
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let skipped = v["skipped"].as_array().unwrap();
            assert!(
                skipped
                    .iter()
                    .any(|s| s["path"].as_str().unwrap().starts_with("logs/acme_")),
                "the big file is listed, redacted: {v:#}"
            );
            let commit = findings(&v)
                .iter()
                .find_map(|f| f["commit"].as_object())
                .expect("a finding with its commit");
            assert!(
                commit["summary"]
                    .as_str()
                    .unwrap()
                    .starts_with("add token acme_"),
                "{commit:?}"
            );
        }
    }
}

/// A custom rule with the classic exploding DFA (`[a-z0-9]*a[a-z0-9]{20}`:
/// a DFA state per set of the last 21 places holding an `a`), numbered `i`.
fn exploding_rule(i: usize) -> String {
    format!(
        "[[rule]]\nid = 'acme.boom{i}'\ntitle = 'boom {i}'\nprovider = 'ACME'\nseverity = 'low'\nkeywords = ['q{i}z']\nregex = '''\\b(q{i}z[a-z0-9]*a[a-z0-9]{{20}})\\b'''\nexamples = ['t = q{i}zk7ab3kf9x2mq7wz1pl5rt8v']\nnegative_examples = ['t = q{i}z0']\n\n"
    )
}

/// A repository's jikimi.toml cannot exhaust memory with custom regexes:
/// each compiles under a small limit, and 40 rules whose DFAs explode on
/// the scanned lines still finish (the benchmark is `time` on this case;
/// the test only checks the scan completes and finds the tokens).
#[test]
fn exploding_custom_rules_are_bounded() {
    let env = Env::new();
    let config: String = (0..40).map(exploding_rule).collect();
    env.write("jikimi.toml", &config);
    let mut f = Fake::new(3);
    let mut text = String::new();
    for line in 0..2000 {
        let head = f.chars("abcdefghijklmnopqrstuvwxyz0123456789", 60);
        let tail = f.chars("bcdefghijklmnopqrstuvwxyz0123456789", 20);
        text.push_str(&format!("v{line} = q{}z{head}a{tail}\n", line % 40));
    }
    env.write("data.txt", &text);
    let out = env
        .cmd()
        .args(["scan", ".", "--no-history", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(by_rule(&v, "acme.boom7").len(), 50, "one finding per token");
}

/// The memory side of the same case (issue 19: 40 such rules took 1.26 GB
/// when custom rules had the built-in rules' 32 MiB of DFA cache each):
/// eight exploding rules, each run over 200 lines of 1,000 characters that
/// make nearly every byte a new DFA state, under a 128 MiB limit on the
/// process's data (`prlimit --data`, util-linux). With the old limit the
/// scan needs about 250 MiB and aborts there; now it fits in 48 MiB (debug
/// builds).
#[cfg(target_os = "linux")]
#[test]
fn exploding_custom_rules_stay_within_memory() {
    let env = Env::new();
    let config: String = (0..8).map(exploding_rule).collect();
    env.write("jikimi.toml", &config);
    let mut f = Fake::new(4);
    let mut text = String::new();
    for line in 0..1600 {
        let bits = f.chars("ab", 1000);
        text.push_str(&format!("v{line} = q{}z{bits}\n", line % 8));
    }
    env.write("data.txt", &text);
    let bin = assert_cmd::cargo::cargo_bin("jikimi");
    let out = std::process::Command::new("prlimit")
        .arg(format!("--data={}", 128u64 << 20))
        .arg(&bin)
        .args(["scan", ".", "--no-history", "-j", "2", "--format", "json"])
        .current_dir(env.path())
        .output()
        .expect("prlimit (util-linux) runs the scan under a memory limit");
    // What matters is that the scan finishes under the limit (an abort is a
    // signal, no exit code). Whether a 1,000-character run of `a`/`b` counts
    // as a placeholder is the placeholder checks' business: since runs are
    // judged against what random text of the value's length reaches, a few
    // such lines are reported (exit 1).
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{:?}: {}",
        out.status,
        stderr(&out)
    );
}

/// A custom rule whose compiled regex is over the limit is refused when the
/// config loads: exit 2, and the message names the rule and what to do.
#[test]
fn oversized_custom_regex_is_refused_by_name() {
    let env = Env::new();
    env.write(
        "jikimi.toml",
        "[[rule]]\nid = 'acme.huge'\ntitle = 'huge'\nprovider = 'ACME'\nseverity = 'low'\nkeywords = ['hx']\nregex = '''(hx(?:[a-z][0-9]){1000}){60}'''\nexamples = ['hx']\nnegative_examples = ['x']\n",
    );
    env.write("a.txt", "nothing\n");
    let out = env.cmd().args(["scan", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("rule 'acme.huge'"), "{err}");
    assert!(err.contains("too big once compiled"), "{err}");
}

/// Issue 20: with `--no-config`, inline `gitleaks:allow` markers still
/// hid findings. `--audit` honours no suppression the scanned repository
/// controls: inline markers, its jikimi.toml, a baseline or config inside it.
#[test]
fn audit_honours_no_suppression_the_repository_controls() {
    let env = Env::new();
    let mut fake = Fake::new(2400);
    let (a, b) = (fake.openai_project(), fake.openai_project());
    env.write("src/a.py", format!("KEY = \"{a}\"  # gitleaks:allow\n"));
    env.write("src/b.py", format!("KEY = \"{b}\"\n"));
    env.write(
        "jikimi.toml",
        format!("version = 1\n[allow]\nvalues = [\"{b}\"]\n"),
    );
    let (code, v) = env.scan_json(&["--no-history"]);
    assert_eq!(code, 0, "{v:#}");
    assert!(findings(&v).is_empty());

    let (code, v) = env.scan_json(&["--no-history", "--audit"]);
    assert_eq!(code, 1, "{v:#}");
    let mut paths: Vec<&str> = findings(&v)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    paths.sort();
    // The repository's own jikimi.toml is scanned as any file (it holds
    // the key it tried to allowlist).
    assert_eq!(paths, ["jikimi.toml", "src/a.py", "src/b.py"]);
    assert_eq!(v["suppressed"].as_array().unwrap().len(), 0);

    // A config or baseline from inside the audited code is refused.
    for flag in ["--config", "--baseline"] {
        let out = env
            .cmd()
            .args(["scan", "--no-history", "--audit", flag, "jikimi.toml", "."])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--audit") && err.contains("inside the scanned code"),
            "{err}"
        );
    }
    // The auditor's own config, from outside, is read.
    let own = Env::new();
    let cfg = own.write("audit.toml", "version = 1\nfail_on = \"none\"\n");
    let out = env
        .cmd()
        .args(["scan", "--no-history", "--audit", "--config"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
}

/// `--audit` reads no `.ignore` file of the audited repository (a committed
/// one could hide any file), and scans tracked files that its `.gitignore`
/// matches (git commits them all the same).
#[test]
fn audit_sees_through_ignore_files() {
    let env = Env::new();
    let mut fake = Fake::new(2410);
    let (a, b) = (fake.openai_project(), fake.openai_project());
    let repo = env.git_init();
    env.write(".ignore", "hidden/\n");
    env.write("hidden/keys.py", format!("KEY = \"{a}\"\n"));
    env.write(".gitignore", "settings.py\n");
    env.write("settings.py", format!("KEY = \"{b}\"\n"));
    env.commit_all(&repo, "add");
    let (code, v) = env.scan_json(&["--no-history"]);
    assert_eq!(code, 0, "{v:#}");
    assert!(findings(&v).is_empty(), "{v:#}");

    let (code, v) = env.scan_json(&["--no-history", "--audit"]);
    assert_eq!(code, 1, "{v:#}");
    let mut paths: Vec<&str> = findings(&v)
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    paths.sort();
    assert_eq!(paths, ["hidden/keys.py", "settings.py"]);
    let tracked = findings(&v)
        .iter()
        .find(|f| f["path"] == "settings.py")
        .unwrap();
    assert_eq!(tracked["git"], "tracked", "{tracked:#}");
}
