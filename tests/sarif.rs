//! `--format sarif`: the structure GitHub code scanning needs, checked with
//! serde_json; redaction; stable fingerprints; GitHub's size limits on a
//! large synthetic report (through the library); and, when Microsoft's SARIF
//! multitool is installed, its GitHub ingestion rules (`validate --rule-kind
//! Gh`).
//!
//! The multitool is found through `JIKIMI_SARIF_MULTITOOL` (then it must
//! work: CI sets it to make the check mandatory) or as `sarif-multitool` on
//! `PATH` (`npm install -g @microsoft/sarif-multitool`). Without it the
//! validator test prints a note and checks the structure only.

use std::path::{Path, PathBuf};

use jikimi::checklist::{self, Evidence};
use jikimi::findings::{Cause, Finding, fingerprint};
use jikimi::report::sarif::{self, GITHUB_LIMITS, Limits};
use jikimi::report::{Format, Report};
use jikimi::rules::{Confidence, RuleKind, RuleSet, Severity};
use jikimi::scan::Stats;
use serde_json::Value;

use crate::common::*;

/// A repository with keys in client code, a committed .env, a file whose
/// name needs URI encoding, and a .gitignore that does not ignore .env (a
/// line-0 finding). Returns the env and the keys.
fn leaky_repo() -> (Env, Vec<String>) {
    let env = Env::new();
    let mut fake = Fake::new(7);
    let keys: Vec<String> = (0..3).map(|_| fake.openai_project()).collect();
    let repo = env.git_init();
    env.write(".gitignore", "node_modules/\n");
    env.write(
        "src/components/Chat.tsx",
        format!(
            "import React from 'react';\nconst KEY = \"{}\";\nexport const ask = (q) => fetch(url, {{ headers: {{ Authorization: `Bearer ${{KEY}}` }} }});\n",
            keys[0]
        ),
    );
    env.write(".env", format!("OPENAI_API_KEY={}\n", keys[1]));
    env.write(
        "src/components/Ai.tsx",
        "import OpenAI from 'openai';\nexport const ai = new OpenAI({ apiKey: window.k, dangerouslyAllowBrowser: true });\n",
    );
    env.write(
        "server/odd name, v2: final.py",
        format!("import os\nKEY = '{}'\n", keys[2]),
    );
    env.commit_all(&repo, "initial");
    (env, keys)
}

fn scan_sarif(env: &Env, extra: &[&str]) -> (i32, String) {
    let out = env
        .cmd()
        .args(["scan", ".", "--format", "sarif"])
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("SARIF is UTF-8"),
    )
}

#[test]
fn sarif_has_what_github_code_scanning_needs() {
    let (env, keys) = leaky_repo();
    let (code, text) = scan_sarif(&env, &[]);
    assert_eq!(code, 1, "{text}");
    let v: Value = serde_json::from_str(&text).expect("SARIF is JSON");

    assert_eq!(v["version"], "2.1.0");
    assert!(v["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "one run, one category");
    let run = &runs[0];
    assert_eq!(run["automationDetails"]["id"], sarif::CATEGORY);
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "jikimi");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );

    let rules = driver["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    // Three keys (one rule), the gitignore gap and a browser-side LLM call.
    assert_eq!(results.len(), 5, "{text}");
    let mut rule_ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    rule_ids.sort();
    assert_eq!(
        rule_ids,
        ["browser-direct-call", "gitignore-gap", "openai.project-key"]
    );
    for r in rules {
        for field in ["shortDescription", "fullDescription"] {
            assert!(!r[field]["text"].as_str().unwrap().is_empty(), "{r}");
        }
        let md = r["help"]["markdown"].as_str().unwrap();
        assert!(!r["help"]["text"].as_str().unwrap().is_empty());
        assert!(md.contains("## How to fix"), "{md}");
        let sev: f64 = r["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&sev));
        assert!(
            ["high", "medium", "low", "very-high"]
                .contains(&r["properties"]["precision"].as_str().unwrap())
        );
        assert!(r["properties"]["tags"].as_array().unwrap().len() <= 20);
    }
    let key_rule = rules
        .iter()
        .find(|r| r["id"] == "openai.project-key")
        .unwrap();
    assert_eq!(key_rule["properties"]["security-severity"], "9.5");
    assert!(
        key_rule["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("Rotate the key")
    );

    for res in results {
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(res["ruleId"], rules[idx]["id"]);
        assert!(["error", "warning", "note"].contains(&res["level"].as_str().unwrap()));
        assert!(!res["message"]["text"].as_str().unwrap().is_empty());
        let fp = res["partialFingerprints"]["primaryLocationLineHash"]
            .as_str()
            .unwrap();
        assert!(fp.starts_with(res["properties"]["id"].as_str().unwrap()));
        let loc = &res["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(!uri.is_empty() && !uri.starts_with('/') && !uri.contains("://"));
        assert!(
            !uri.contains(' ') && !uri.contains(',') && !uri.contains(':'),
            "{uri}"
        );
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1, "{res}");
    }
    let by_uri = |u: &str| {
        results
            .iter()
            .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == u)
            .unwrap_or_else(|| panic!("no result at {u}: {text}"))
    };
    let chat = by_uri("src/components/Chat.tsx");
    assert_eq!(chat["level"], "error");
    let region = &chat["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 2);
    assert_eq!(region["startColumn"], 14);
    assert_eq!(
        region["endColumn"].as_u64().unwrap(),
        14 + keys[0].len() as u64
    );
    let causes = chat["properties"]["causes"].as_array().unwrap();
    assert!(causes.contains(&Value::from("frontend-code")), "{chat}");
    by_uri("server/odd%20name%2C%20v2%3A%20final.py");
    let risk = by_uri("src/components/Ai.tsx");
    assert_eq!(risk["ruleId"], "browser-direct-call");
    assert_eq!(risk["properties"]["kind"], "risk");
    let gap = by_uri(".gitignore");
    assert_eq!(gap["ruleId"], "gitignore-gap");
    assert_eq!(
        gap["locations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );

    // Never the full key, anywhere in the file.
    for k in &keys {
        assert!(!text.contains(k.as_str()), "full key in SARIF");
    }
    assert!(text.contains(&jikimi::findings::redact(&keys[0])));
}

#[test]
fn sarif_never_carries_the_full_secret_even_with_no_redact() {
    let (env, keys) = leaky_repo();
    let (_, text) = scan_sarif(&env, &["--no-redact"]);
    for k in &keys {
        assert!(!text.contains(k.as_str()), "full key in SARIF");
    }
    // The JSON report does honour --no-redact: the flag reached the scan.
    let (_, v) = env.scan_json(&["--no-redact"]);
    assert!(v.to_string().contains(keys[0].as_str()));
}

#[test]
fn fingerprints_survive_line_moves() {
    let (env, _) = leaky_repo();
    let fps = |env: &Env| -> Vec<(String, String)> {
        let (_, text) = scan_sarif(env, &[]);
        let v: Value = serde_json::from_str(&text).unwrap();
        let mut out: Vec<(String, String)> = v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    r["partialFingerprints"]["primaryLocationLineHash"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                )
            })
            .collect();
        out.sort();
        out
    };
    let before = fps(&env);
    let chat = env.path().join("src/components/Chat.tsx");
    let text = std::fs::read_to_string(&chat).unwrap();
    std::fs::write(&chat, format!("// a comment\n\n{text}")).unwrap();
    let after = fps(&env);
    assert_eq!(before, after);
    assert_eq!(before.len(), 5);
}

fn find_multitool() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("JIKIMI_SARIF_MULTITOOL") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("sarif-multitool"))
        .find(|p| p.is_file())
}

/// Whether the tests run in CI (`CI` set to anything but empty, `0` or
/// `false`, as GitHub Actions, GitLab and .ci/run set it).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// Run `sarif-multitool validate --rule-kind Gh` and return its results of
/// level error or warning (a result without a level is a warning).
fn validate_gh(tool: &Path, sarif_file: &Path) -> Vec<String> {
    let out_file = sarif_file.with_extension("validation.sarif");
    // The file name goes before --rule-kind: that option takes a list and
    // would swallow it.
    let out = std::process::Command::new(tool)
        .arg("validate")
        .arg(sarif_file)
        .args(["--rule-kind", "Gh", "--log", "ForceOverwrite", "--output"])
        .arg(&out_file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "multitool failed: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(
        &std::fs::read(&out_file).unwrap_or_else(|e| panic!("no validation log ({e}): {stdout}")),
    )
    .unwrap();
    let mut problems = Vec::new();
    for run in v["runs"].as_array().unwrap() {
        for r in run["results"].as_array().into_iter().flatten() {
            let level = r["level"].as_str().unwrap_or("warning");
            if level == "error" || level == "warning" {
                problems.push(r.to_string());
            }
        }
        for inv in run["invocations"].as_array().into_iter().flatten() {
            if inv["executionSuccessful"] == false {
                problems.push(format!("validator did not run: {inv}"));
            }
        }
    }
    // The console output repeats every problem; it is the fallback check if
    // the log format ever changes.
    for line in stdout.lines() {
        if line.contains(": error ") || line.contains(": warning ") {
            problems.push(line.to_string());
        }
    }
    problems
}

#[test]
fn sarif_passes_githubs_ingestion_rules() {
    let (env, _) = leaky_repo();
    let (_, text) = scan_sarif(&env, &[]);
    let Some(tool) = find_multitool() else {
        // In CI the validator is installed by .ci/run: its absence is a
        // failure there, never a silent pass. Locally it is optional.
        assert!(
            !in_ci(),
            "CI is set but sarif-multitool is not found: .ci/run installs it (npm install -g @microsoft/sarif-multitool) and sets JIKIMI_SARIF_MULTITOOL"
        );
        eprintln!(
            "note: sarif-multitool not found (npm install -g @microsoft/sarif-multitool, or set JIKIMI_SARIF_MULTITOOL); checked the structure only"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("jikimi.sarif");
    std::fs::write(&file, &text).unwrap();
    let problems = validate_gh(&tool, &file);
    assert!(problems.is_empty(), "{problems:#?}");

    // The validator does find problems: a result without locations fails.
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["runs"][0]["results"][0]["locations"] = Value::Array(Vec::new());
    let bad = dir.path().join("bad.sarif");
    std::fs::write(&bad, v.to_string()).unwrap();
    assert!(!validate_gh(&tool, &bad).is_empty());
}

/// A synthetic finding, as the scan stage would build it.
fn synthetic(i: usize, severity: Severity) -> Finding {
    let secret = format!("sk-proj-{i:0>20}SyntheticSecretValue{i:0>12}");
    let path = format!("src/module{}/file{i}.ts", i % 97);
    Finding {
        id: fingerprint("openai.project-key", &secret, &path),
        kind: RuleKind::Secret,
        rule: "openai.project-key".into(),
        title: "OpenAI project API key".into(),
        provider: "OpenAI".into(),
        severity,
        confidence: Confidence::High,
        context: format!("const key = \"{secret}\"; // line {i}"),
        secret,
        path,
        line: i % 500 + 1,
        column: 14,
        via: None,
        cell: None,
        cell_output: false,
        encoded: None,
        minified: false,
        commit: None,
        git: None,
        causes: vec![Cause::FrontendCode],
        why: Cause::FrontendCode.why().into(),
        fix: Cause::FrontendCode.fix().into(),
        occurrences: 1,
        locations: Vec::new(),
        spilled: Vec::new(),
        history: None,
        image: None,
        project: None,
        staged: false,
        verify: Default::default(),
    }
}

fn synthetic_report_bytes(findings: &[Finding], limits: Limits) -> Vec<u8> {
    let rules = RuleSet::builtin().unwrap();
    let stats = Stats::default();
    let checklist = checklist::build(findings, &[], &Evidence::default());
    let report = Report {
        findings,
        notes: &[],
        skipped: &[],
        errors: &[],
        stats: &stats,
        checklist: &checklist,
        rules: &rules,
        redact: true,
        color: false,
        verbose: false,
        failing: findings.len(),
        suppressed: &[],
        baseline_unused: &[],
        policy: Default::default(),
    };
    if limits.max_results == GITHUB_LIMITS.max_results
        && limits.max_bytes == GITHUB_LIMITS.max_bytes
    {
        // What `--format sarif` writes.
        let mut out = Vec::new();
        jikimi::report::write(Format::Sarif, &report, &mut out).unwrap();
        out
    } else {
        sarif::to_bytes(&report, limits).unwrap()
    }
}

fn severities_of(v: &Value) -> Vec<String> {
    v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["properties"]["severity"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn big_reports_stay_within_githubs_limits() {
    // 30,000 findings: more than GitHub accepts in results and in bytes.
    // Every tenth is critical, and they must be the ones kept first.
    let findings: Vec<Finding> = (0..30_000)
        .map(|i| {
            synthetic(
                i,
                match i % 10 {
                    0 => Severity::Critical,
                    1..=3 => Severity::High,
                    4..=6 => Severity::Medium,
                    _ => Severity::Low,
                },
            )
        })
        .collect();
    let bytes = synthetic_report_bytes(&findings, GITHUB_LIMITS);
    // Uncompressed under the limit, so gzipped (what GitHub measures) too.
    assert!(bytes.len() <= 10_000_000, "{} bytes", bytes.len());
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    eprintln!(
        "30,000 findings -> {} results in {} bytes",
        results.len(),
        bytes.len()
    );
    assert!(!results.is_empty() && results.len() <= 25_000);
    assert!(results.len() < findings.len());
    let props = &v["runs"][0]["properties"];
    assert_eq!(props["truncated"], true);
    assert_eq!(props["resultsTotal"], 30_000);
    assert_eq!(props["resultsReported"], results.len());
    assert!(props["truncation"].as_str().unwrap().contains("25,000"));
    // Most severe first, and nothing less severe kept while a more severe
    // result was dropped: all 3,000 criticals fit.
    let sev = severities_of(&v);
    assert_eq!(sev.iter().filter(|s| *s == "critical").count(), 3_000);
    let rank = |s: &str| {
        ["low", "medium", "high", "critical"]
            .iter()
            .position(|x| *x == s)
    };
    assert!(sev.windows(2).all(|w| rank(&w[0]) >= rank(&w[1])));
    // Fingerprints stay unique.
    let mut fps: Vec<&str> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .unwrap()
        })
        .collect();
    fps.sort();
    fps.dedup();
    assert_eq!(fps.len(), results.len());
}

#[test]
fn result_and_byte_caps_apply_separately() {
    let findings: Vec<Finding> = (0..300)
        .map(|i| {
            synthetic(
                i,
                if i % 3 == 0 {
                    Severity::High
                } else {
                    Severity::Low
                },
            )
        })
        .collect();
    let by_count = synthetic_report_bytes(
        &findings,
        Limits {
            max_results: 50,
            max_bytes: usize::MAX,
        },
    );
    let v: Value = serde_json::from_slice(&by_count).unwrap();
    assert_eq!(v["runs"][0]["results"].as_array().unwrap().len(), 50);
    assert!(severities_of(&v).iter().all(|s| s == "high"));
    assert_eq!(v["runs"][0]["properties"]["truncated"], true);

    let by_size = synthetic_report_bytes(
        &findings,
        Limits {
            max_results: usize::MAX,
            max_bytes: 60_000,
        },
    );
    assert!(by_size.len() <= 60_000);
    let v: Value = serde_json::from_slice(&by_size).unwrap();
    let n = v["runs"][0]["results"].as_array().unwrap().len();
    assert!(n > 0 && n < 300, "{n}");
    assert_eq!(v["runs"][0]["properties"]["resultsReported"], n);

    let all = synthetic_report_bytes(
        &findings,
        Limits {
            max_results: usize::MAX,
            max_bytes: usize::MAX,
        },
    );
    let v: Value = serde_json::from_slice(&all).unwrap();
    assert_eq!(v["runs"][0]["results"].as_array().unwrap().len(), 300);
    assert!(v["runs"][0]["properties"].get("truncated").is_none());
}

#[test]
fn history_and_archive_findings() {
    let mut from_history = synthetic(1, Severity::Critical);
    from_history.causes = vec![Cause::GitHistory, Cause::ServerCode];
    from_history.commit = Some(std::sync::Arc::new(jikimi::input::CommitInfo {
        id: "0123456789abcdef0123456789abcdef01234567".into(),
        author_name: "Dev".into(),
        author_email: "dev@example.com".into(),
        date: "2024-05-01T10:00:00Z".into(),
        summary: "add config".into(),
    }));
    let mut in_archive = synthetic(2, Severity::High);
    in_archive.path = "dist/app.apk!/assets/config.json".into();
    in_archive.causes = vec![Cause::AppBinary];
    let bytes = synthetic_report_bytes(&[from_history.clone(), in_archive], GITHUB_LIMITS);
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();

    let h = &results[0];
    assert_eq!(
        h["properties"]["commit"]["id"],
        from_history.commit.as_ref().unwrap().id
    );
    assert_eq!(h["properties"]["commit"]["author"], "Dev");
    assert_eq!(h["properties"]["commit"]["date"], "2024-05-01T10:00:00Z");
    assert_eq!(h["properties"]["commit"]["summary"], "add config");
    // The fingerprint is the finding's, not the commit's.
    assert_eq!(
        h["partialFingerprints"]["primaryLocationLineHash"],
        format!("{}:1", from_history.id)
    );
    assert!(
        h["message"]["text"]
            .as_str()
            .unwrap()
            .contains("0123456789ab")
    );

    let a = &results[1];
    let loc = &a["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "dist/app.apk");
    assert_eq!(loc["region"]["startLine"], 1);
    assert_eq!(a["properties"]["archiveMember"], "assets/config.json");
    assert!(
        a["message"]["text"]
            .as_str()
            .unwrap()
            .contains("in archive member assets/config.json")
    );

    if let Some(tool) = find_multitool() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("lib.sarif");
        std::fs::write(&file, &bytes).unwrap();
        let problems = validate_gh(&tool, &file);
        assert!(problems.is_empty(), "{problems:#?}");
    }
}

#[test]
fn clean_scan_has_an_empty_results_array() {
    // An empty `results` array (not a missing one) tells GitHub that the
    // alerts of earlier runs are fixed.
    let env = Env::new();
    env.write(
        "src/main.py",
        "import os\nkey = os.getenv('OPENAI_API_KEY')\n",
    );
    let (code, text) = scan_sarif(&env, &[]);
    assert_eq!(code, 0, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["runs"][0]["results"], Value::Array(Vec::new()));
    assert_eq!(
        v["runs"][0]["tool"]["driver"]["rules"],
        Value::Array(Vec::new())
    );
    if let Some(tool) = find_multitool() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("clean.sarif");
        std::fs::write(&file, &text).unwrap();
        assert!(validate_gh(&tool, &file).is_empty());
    }
}
