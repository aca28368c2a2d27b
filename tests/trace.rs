//! `jikimi rules trace FILE` (issue 18): every candidate a rule's pattern
//! matches is either `reported` or dropped with its stage and reason, with
//! values redacted and output escaped. Keys are fakes built here.

use crate::common::*;

const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

fn trace(env: &Env, args: &[&str]) -> (i32, String) {
    let out = env
        .cmd()
        .args(["rules", "trace"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// The output line for the candidate whose rule is `rule` on line `line`.
fn line_for<'a>(out: &'a str, line: usize, rule: &str) -> &'a str {
    out.lines()
        .find(|l| l.contains(&format!(":{line}:")) && l.contains(&format!("  {rule}  ")))
        .unwrap_or_else(|| panic!("no trace line for {rule} on line {line}:\n{out}"))
}

#[test]
fn each_drop_has_its_stage_and_reason() {
    let env = Env::new();
    let mut f = Fake::new(18);
    let good = format!("nk-{}", f.chars(B64URL, 43));
    let low = format!("nk-{}", f.chars("aZ3kQ9mW", 43));
    let no_context = format!("nk-{}", f.chars(B64URL, 43));
    let word = format!("nk-{}example{}", f.chars(B64URL, 18), f.chars(B64URL, 18));
    let gh = format!("ghp_{}", f.alnum(36));
    let text = format!(
        "NOMIC_API_KEY={good}\n\
         NOMIC_API_KEY={low}\n\
         {}\n\
         token = {no_context}\n\
         NOMIC_API_KEY={word}\n\
         gh = \"{gh}\"\n",
        "-".repeat(400)
    );
    env.write("t.env", &text);
    let (code, out) = trace(&env, &["t.env"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        line_for(&out, 1, "nomic.api-key").contains("reported"),
        "{out}"
    );
    let l = line_for(&out, 2, "nomic.api-key");
    assert!(
        l.contains("dropped at entropy: entropy 3.0") && l.contains("below the rule's 4"),
        "{l}"
    );
    let l = line_for(&out, 4, "nomic.api-key");
    assert!(
        l.contains("dropped at context: no context word (nomic) within 160 bytes"),
        "{l}"
    );
    let l = line_for(&out, 5, "nomic.api-key");
    assert!(
        l.contains("dropped at placeholder: placeholder word `example`"),
        "{l}"
    );
    // A random `ghp_` token fails the checksum of the precise rule and is
    // reported by the unverified one.
    let l = line_for(&out, 6, "github.personal-access-token");
    assert!(
        l.contains("dropped at validator: validator `github-crc32`: checksum failed"),
        "{l}"
    );
    assert!(
        line_for(&out, 6, "github.token-unverified").contains("reported"),
        "{out}"
    );
    assert!(out.contains("candidate(s):"), "{out}");
    // What trace calls reported is what scan reports.
    let (_, v) = env.scan_json(&["t.env", "--no-config"]);
    let scanned: Vec<&str> = findings(&v)
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert_eq!(by_rule(&v, "nomic.api-key").len(), 1, "{scanned:?}");
    for key in [&good, &low, &no_context, &word, &gh] {
        assert_no_key_fragment(&out, key);
    }
    // --rule narrows the output; --no-redact shows the value.
    let (code, out) = trace(&env, &["t.env", "--rule", "nomic.api-key", "--no-redact"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&good) && !out.contains("github."), "{out}");
}

#[test]
fn rule_allow_lists_and_inline_markers_are_named() {
    let env = Env::new();
    let mut f = Fake::new(7);
    let key = format!("nk-{}", f.chars(B64URL, 43));
    env.write("a.env", format!("NOMIC_API_KEY={key} # jikimi:allow\n"));
    let (code, out) = trace(&env, &["a.env"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        line_for(&out, 1, "nomic.api-key")
            .contains("dropped at allowlist: inline `jikimi:allow` marker"),
        "{out}"
    );
}

#[test]
fn output_is_escaped_and_errors_say_what_to_do() {
    let env = Env::new();
    let mut f = Fake::new(9);
    let key = format!("nk-{}", f.chars(B64URL, 43));
    let name = "evil\x1b[2J\n::warning::x.env";
    env.write(name, format!("NOMIC_API_KEY={key}\n"));
    let (code, out) = trace(&env, &[name]);
    assert_eq!(code, 0, "{out}");
    assert!(
        !out.contains('\x1b') && out.contains("evil\\x1b[2J\\n"),
        "{out}"
    );
    assert!(!out.lines().any(|l| l.starts_with("::")), "{out}");
    let (code, out) = trace(&env, &["missing.txt"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("cannot read missing.txt"), "{out}");
    let (code, out) = trace(&env, &[name, "--rule", "no.such-rule"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("jikimi rules list"), "{out}");
}
