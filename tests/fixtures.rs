//! `fixtures/decoys`: a small project full of things that look like keys and
//! are not (placeholders, env reads, hashes, ids, documentation examples).
//! Scanned as is, nothing may be reported; with fake keys planted among the
//! decoys, exactly the planted keys are.

use std::path::Path;

use crate::common::*;

fn decoys() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/decoys")
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn decoys_alone_produce_no_finding() {
    let env = Env::new();
    copy_tree(&decoys(), env.path());
    let (code, v) = env.scan_json(&["--no-config"]);
    // The Stripe publishable key among the decoys is public by design:
    // listed at severity info (issue 20), never a leaked secret.
    let public: Vec<_> = by_rule(&v, "stripe.publishable-key");
    assert_eq!(public.len(), 1, "{v:#}");
    assert_eq!(public[0]["severity"], "info");
    let secrets: Vec<_> = findings(&v)
        .iter()
        .filter(|f| f["kind"] == "secret" && f["severity"] != "info")
        .collect();
    assert!(secrets.is_empty(), "decoys reported: {v:#}");
    assert_eq!(code, 0, "{v:#}");
}

#[test]
fn planted_keys_among_decoys_are_found_exactly() {
    let env = Env::new();
    copy_tree(&decoys(), env.path());
    let mut fake = Fake::new(71);
    let (openai, legacy, aws) = (
        fake.openai_project(),
        fake.openai_legacy(),
        fake.aws_key_id(),
    );
    env.write(
        "web/src/config.js",
        format!("export const OPENAI_KEY = \"{openai}\";\n"),
    );
    env.write(
        "api/worker.py",
        format!("client = OpenAI(api_key=\"{legacy}\")\n"),
    );
    env.write(
        "deploy/terraform.tfvars",
        format!("aws_access_key_id = \"{aws}\"\n"),
    );
    let (code, v) = env.scan_json(&["--no-config", "--no-redact"]);
    assert_eq!(code, 1);
    let mut found: Vec<(String, String)> = findings(&v)
        .iter()
        // (public-by-design keys are info: not planted leaks)
        .filter(|f| f["kind"] == "secret" && f["severity"] != "info")
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["secret"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    let mut expected = vec![
        ("api/worker.py".to_string(), legacy),
        ("deploy/terraform.tfvars".to_string(), aws),
        ("web/src/config.js".to_string(), openai),
    ];
    expected.sort();
    assert_eq!(found, expected, "{v:#}");
}
