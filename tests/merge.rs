//! `jikimi merge` (issue 24): the shards of an organisation merged give the
//! report of one unsharded run; reports of single repositories join with
//! one rotation per key; SARIF has one run per repository.

use serde_json::Value;

use crate::common::Env;
use crate::remote::{github_mock, org_repos, tmp};

/// Drop what differs between two runs of the same scan: timings.
fn normalise(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove("duration_ms");
            m.values_mut().for_each(normalise);
        }
        Value::Array(a) => a.iter_mut().for_each(normalise),
        _ => {}
    }
}

fn read(path: &std::path::Path) -> Value {
    let mut v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    normalise(&mut v);
    v
}

#[test]
fn four_shards_merged_equal_one_unsharded_run() {
    let env = Env::new();
    let keyed: Vec<usize> = (0..200).filter(|i| i % 9 == 0 || *i == 1).collect();
    let mock = github_mock(org_repos(&env, 200, &keyed));
    let scan = |extra: &[&str], out: &str| {
        let o = env
            .cmd()
            .args([
                "scan",
                "--github-org",
                "acme",
                "--api-url",
                &mock.url(),
                "--format",
                "json",
                "-o",
                out,
            ])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    scan(&[], "all.json");
    let mut shards = Vec::new();
    for i in 1..=4 {
        let name = format!("shard-{i}.json");
        scan(&["--shard", &format!("{i}/4")], &name);
        let v = read(&tmp(&env, &name));
        let n = v["repositories"].as_array().unwrap().len();
        assert!((20..=80).contains(&n), "shard {i} has {n} repositories");
        shards.push(name);
    }
    let out = env
        .cmd()
        .arg("merge")
        .args(&shards)
        .args(["--format", "json", "-o", "merged.json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all = read(&tmp(&env, "all.json"));
    let merged = read(&tmp(&env, "merged.json"));
    assert_eq!(all["summary"]["repositories"], 200);
    assert_eq!(all["summary"]["with_findings"], keyed.len());
    // repo-000 and repo-001 share a key: one rotation fewer than repositories.
    assert_eq!(all["rotate"].as_array().unwrap().len(), keyed.len() - 1);
    assert!(all == merged, "merged shards differ from the unsharded run");

    // SARIF: one run per repository; human: the organisation summary first.
    let sarif = env
        .cmd()
        .arg("merge")
        .args(&shards)
        .args(["--format", "sarif"])
        .output()
        .unwrap();
    let s: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let runs = s["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 200);
    assert_eq!(runs[0]["automationDetails"]["id"], "jikimi/acme/repo-000/");
    assert_eq!(runs[0]["results"][0]["ruleId"], "openai.legacy-key");
    let human = env.cmd().arg("merge").args(&shards).output().unwrap();
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(
        text.starts_with("Organisation summary\n  200 repositories: 200 scanned, 0 failed"),
        "{text}"
    );
    assert!(
        text.contains("in 2 repositories: acme/repo-000, acme/repo-001"),
        "{text}"
    );
}

/// Reports of single repositories (`jikimi scan --format json`) merge too:
/// named by their file, one rotation for a key found in both.
#[test]
fn single_reports_merge_with_one_rotation_per_key() {
    let env = Env::new();
    let key = crate::common::Fake::new(7).openai_legacy();
    env.write("a/.env", format!("OPENAI_API_KEY={key}\n"));
    env.write("b/config/.env", format!("OPENAI_API_KEY={key}\n"));
    for d in ["a", "b"] {
        let out = env
            .cmd()
            .args(["scan", d, "--format", "json", "-o", &format!("{d}.json")])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
    }
    let out = env
        .cmd()
        .args(["merge", "a.json", "b.json", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rotate"].as_array().unwrap().len(), 1);
    assert_eq!(
        v["rotate"][0]["repositories"],
        serde_json::json!(["a", "b"])
    );
    assert_eq!(v["rotate"][0]["findings"], 2);
    crate::common::assert_no_key_fragment(&String::from_utf8_lossy(&out.stdout), &key);

    // The merged SARIF scores each rule and result as the single-run SARIF
    // does (GitHub code scanning sorts alerts by `security-severity`).
    let single = env
        .cmd()
        .args(["scan", "a", "--format", "sarif"])
        .output()
        .unwrap();
    let single: Value = serde_json::from_slice(&single.stdout).unwrap();
    let rule_score = |s: &Value| {
        s["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == "openai.legacy-key")
            .map(|r| r["properties"]["security-severity"].clone())
            .unwrap()
    };
    let want = rule_score(&single);
    assert!(want.as_str().is_some_and(|s| !s.is_empty()), "{want}");
    let out = env
        .cmd()
        .args(["merge", "a.json", "b.json", "--format", "sarif"])
        .output()
        .unwrap();
    let merged: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rule_score(&merged), want);
    assert_eq!(
        merged["runs"][1]["results"][0]["properties"]["security-severity"],
        want
    );
}

#[test]
fn merge_refuses_what_is_not_a_report() {
    let env = Env::new();
    env.write("x.json", "{\"hello\": 1}");
    env.write("y.json", "not json");
    for f in ["x.json", "y.json", "missing.json"] {
        let out = env.cmd().args(["merge", f]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{f}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(f));
    }
    let out = env
        .cmd()
        .args(["merge", "x.json", "--format", "junit"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
