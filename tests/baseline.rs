//! `jikimi baseline create`, `scan --baseline` and `--report-unused`: line
//! moves stay suppressed, a replaced secret is new, stale entries are listed,
//! the file never holds a secret, bad files are one clear error. Issue 5.

use crate::common::*;

fn create(env: &Env, extra: &[&str]) -> std::process::Output {
    let out = env
        .cmd()
        .args(["baseline", "create"])
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn read(env: &Env, rel: &str) -> String {
    std::fs::read_to_string(env.path().join(rel)).unwrap()
}

#[test]
fn baseline_never_stores_a_secret() {
    let env = Env::new();
    let mut fake = Fake::new(20);
    let keys: Vec<String> = (0..3).map(|_| fake.openai_project()).collect();
    for (i, k) in keys.iter().enumerate() {
        env.write(&format!("src/m{i}.py"), format!("KEY = '{k}'\n"));
    }
    create(&env, &[]);
    let text = read(&env, ".jikimi-baseline.json");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["schema"], "jikimi/baseline/v1");
    assert_eq!(v["entries"].as_array().unwrap().len(), 3, "{text}");
    for k in &keys {
        // Not the key, nor any long piece of it (a redacted form would leak
        // its prefix and tail; a hash leaks neither).
        assert!(!text.contains(k.as_str()), "the baseline holds a secret");
        for piece in k.as_bytes().chunks(12).skip(1) {
            let piece = std::str::from_utf8(piece).unwrap();
            assert!(
                !text.contains(piece),
                "the baseline holds part of a secret: {piece}"
            );
        }
    }
    // No line numbers, no timestamps: just key, rule, path, sorted by key.
    let entries = v["entries"].as_array().unwrap();
    for e in entries {
        let obj = e.as_object().unwrap();
        let mut fields: Vec<&str> = obj.keys().map(String::as_str).collect();
        fields.sort();
        assert_eq!(fields, ["key", "path", "rule"]);
        assert_eq!(e["key"].as_str().unwrap().len(), 64);
    }
    let sorted: Vec<&str> = entries.iter().map(|e| e["key"].as_str().unwrap()).collect();
    let mut again = sorted.clone();
    again.sort();
    assert_eq!(sorted, again);
    // Creating it twice gives the same bytes (merge-friendly).
    create(&env, &[]);
    assert_eq!(read(&env, ".jikimi-baseline.json"), text);
}

#[test]
fn moved_line_stays_suppressed_and_replaced_secret_is_new() {
    let env = Env::new();
    let mut fake = Fake::new(21);
    let old_key = fake.openai_project();
    env.write("app.py", format!("import os\nKEY = '{old_key}'\n"));
    create(&env, &["--output", "ci/baseline.json"]);
    let (code, v) = env.scan_json(&["--baseline", "ci/baseline.json"]);
    assert_eq!(code, 0, "{v}");
    assert!(findings(&v).is_empty());
    assert_eq!(v["suppressed"][0]["reason"], "baseline");
    assert_eq!(v["stats"]["suppressed"], 1);

    // Moved down and reformatted: still the same rule, secret and path.
    env.write(
        "app.py",
        format!("import os\n\n\n# config\nclass C:\n    api_key = \"{old_key}\"  \n"),
    );
    let (code, v) = env.scan_json(&["--baseline", "ci/baseline.json"]);
    assert_eq!(code, 0, "moved line must stay suppressed: {v}");
    assert_eq!(v["suppressed"][0]["line"], 6);

    // A different secret on the same line is new.
    let new_key = fake.openai_project();
    env.write(
        "app.py",
        format!("import os\n\n\n# config\nclass C:\n    api_key = \"{new_key}\"  \n"),
    );
    let (code, v) = env.scan_json(&["--baseline", "ci/baseline.json"]);
    assert_eq!(code, 1, "a replaced secret must be reported: {v}");
    assert_eq!(findings(&v).len(), 1);
    assert_eq!(findings(&v)[0]["line"], 6);
    assert_eq!(v["stats"]["suppressed"], 0);

    // The same secret in another file is new too (the path is in the key).
    env.write("app.py", format!("KEY = '{old_key}'\n"));
    env.write("other.py", format!("KEY = '{old_key}'\n"));
    let (code, v) = env.scan_json(&["--baseline", "ci/baseline.json"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(findings(&v)[0]["path"], "other.py");
}

#[test]
fn report_unused_lists_stale_entries_without_failing() {
    let env = Env::new();
    let mut fake = Fake::new(22);
    let (a, b) = (fake.openai_project(), fake.openai_project());
    env.write("a.py", format!("KEY = '{a}'\n"));
    env.write("b.py", format!("KEY = '{b}'\n"));
    create(&env, &[]);
    // b.py's key is removed: its entry is stale.
    env.write("b.py", "import os\nKEY = os.environ['KEY']\n");
    let (code, v) = env.scan_json(&["--baseline", ".jikimi-baseline.json", "--report-unused"]);
    assert_eq!(code, 0, "stale entries do not fail: {v}");
    let unused = v["baseline_unused"].as_array().unwrap();
    assert_eq!(unused.len(), 1, "{v}");
    assert_eq!(unused[0]["path"], "b.py");
    assert_eq!(unused[0]["rule"], "openai.project-key");
    // Without --report-unused the list stays empty.
    let (_, v) = env.scan_json(&["--baseline", ".jikimi-baseline.json"]);
    assert!(v["baseline_unused"].as_array().unwrap().is_empty());
    // The human report says what to do.
    let out = env
        .cmd()
        .args([
            "scan",
            "--baseline",
            ".jikimi-baseline.json",
            "--report-unused",
        ])
        .output()
        .unwrap();
    let h = String::from_utf8_lossy(&out.stdout);
    assert!(
        h.contains("Baseline entries no longer found (stale)"),
        "{h}"
    );
    assert!(h.contains("[openai.project-key]  b.py"), "{h}");
    assert!(h.contains("jikimi baseline create"), "{h}");
    // --report-unused alone is a usage error.
    let out = env
        .cmd()
        .args(["scan", "--report-unused"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn inline_allowed_findings_are_not_baselined() {
    let env = Env::new();
    let k = Fake::new(23).openai_project();
    env.write("a.py", format!("KEY = '{k}'  # jikimi:allow\n"));
    let out = create(&env, &[]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("wrote 0 entries"), "{said}");
    assert!(said.contains("1 suppressed"), "{said}");
}

#[test]
fn bad_baselines_are_one_clear_error() {
    let env = Env::new();
    env.write(
        "a.py",
        format!("KEY = '{}'\n", Fake::new(24).openai_project()),
    );
    let valid_key = "a".repeat(64);
    let cases: Vec<(String, &str)> = vec![
        ("{\n  \"schema\": \"jikimi/baseline/v1\",\n  \"entries\": [\n    {\"key\": 1}\n  ]\n}\n".into(), "bl.json:4:"),
        ("not json".into(), "bl.json:1:"),
        ("{\"schema\": \"jikimi/baseline/v9\", \"entries\": [], \"new\": true}".into(), "upgrade jikimi"),
        ("{\"schema\": \"gitleaks\", \"entries\": []}".into(), "not a jikimi baseline"),
        ("{\n\"schema\": \"jikimi/baseline/v1\",\n\"entries\": [{\"key\": \"XYZ\", \"rule\": \"r\", \"path\": \"p\"}]}".into(), "bl.json:3: baseline key"),
        (format!("{{\"schema\": \"jikimi/baseline/v1\", \"entries\": [{{\"key\": \"{valid_key}\", \"rule\": \"r\", \"path\": \"p\", \"line\": 3}}]}}"), "unknown field `line`"),
    ];
    for (text, expect) in &cases {
        env.write("bl.json", text);
        let out = env
            .cmd()
            .args(["scan", "--baseline", "bl.json"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {err}");
        assert!(out.stdout.is_empty(), "{text}: a report was printed");
        assert!(err.contains(expect), "{text}: expected {expect:?} in {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    let out = env
        .cmd()
        .args(["scan", "--baseline", "missing.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("missing.json: cannot read the baseline")
    );
    // baseline create refuses report formats.
    let out = env
        .cmd()
        .args(["baseline", "create", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
