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

/// The `--explain-drops` line for `rule` in `file` on `line`.
fn drop_line<'a>(err: &'a str, file: &str, line: usize, rule: &str) -> &'a str {
    err.lines()
        .find(|l| {
            l.starts_with("  ")
                && l.contains(&format!("{file}:{line}"))
                && l.contains(&format!("  {rule}  "))
        })
        .unwrap_or_else(|| panic!("no drop line for {rule} at {file}:{line}:\n{err}"))
}

#[test]
fn scan_explain_drops_lists_every_stage_over_a_whole_tree() {
    let env = Env::new();
    env.git_init();
    let mut f = Fake::new(1818);
    let good = format!("nk-{}", f.chars(B64URL, 43));
    let low = format!("nk-{}", f.chars("aZ3k", 43));
    let far = format!("nk-{}", f.chars(B64URL, 43));
    let word = format!("nk-{}example{}", f.chars(B64URL, 18), f.chars(B64URL, 18));
    let gh = format!("ghp_{}", f.alnum(36));
    let marked = format!("nk-{}", f.chars(B64URL, 43));
    let allowed = format!("nk-{}", f.chars(B64URL, 43));
    let based = format!("nk-{}", f.chars(B64URL, 43));
    // A baseline made before the other files exist.
    env.write("old/base.env", format!("NOMIC_API_KEY={based}\n"));
    let out = env.cmd().args(["baseline", "create"]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    // Files in sub-folders: the whole scan path is traced, as scan reads it.
    env.write(
        "app/settings.env",
        format!(
            "NOMIC_API_KEY={good}\n\
             NOMIC_API_KEY={low}\n\
             {}\n\
             token = {far}\n\
             NOMIC_API_KEY={word}\n\
             gh = \"{gh}\"\n\
             NOMIC_API_KEY={marked} # jikimi:allow\n",
            "-".repeat(400)
        ),
    );
    env.write("lib/allowed.env", format!("NOMIC_API_KEY={allowed}\n"));
    env.write(
        "jikimi.toml",
        format!("version = 1\n[allow]\nvalues = ['{allowed}']\n"),
    );
    let (code, v, err) = env.scan_full(&[
        ".",
        "--explain-drops",
        "--no-history",
        "--baseline",
        ".jikimi-baseline.json",
    ]);
    // The report on standard output is the same JSON as without the flag.
    assert_eq!(code, 1, "{err}");
    assert_eq!(by_rule(&v, "nomic.api-key").len(), 1, "{v}");
    let file = "app/settings.env";
    assert!(
        drop_line(&err, file, 2, "nomic.api-key").contains("dropped at entropy: entropy 2."),
        "{err}"
    );
    assert!(
        drop_line(&err, file, 4, "nomic.api-key")
            .contains("dropped at context: no context word (nomic) within 160 bytes"),
        "{err}"
    );
    assert!(
        drop_line(&err, file, 5, "nomic.api-key")
            .contains("dropped at placeholder: placeholder word `example`"),
        "{err}"
    );
    assert!(
        drop_line(&err, file, 6, "github.personal-access-token")
            .contains("dropped at validator: validator `github-crc32`: checksum failed"),
        "{err}"
    );
    assert!(
        drop_line(&err, file, 7, "nomic.api-key")
            .contains("dropped at suppressed (inline): inline `jikimi:allow` marker"),
        "{err}"
    );
    assert!(
        drop_line(&err, "lib/allowed.env", 1, "nomic.api-key")
            .contains("dropped at suppressed (allowlist): allowlisted by jikimi.toml: value"),
        "{err}"
    );
    assert!(
        drop_line(&err, "old/base.env", 1, "nomic.api-key")
            .contains("dropped at suppressed (baseline): in the baseline"),
        "{err}"
    );
    // Bytes another rule reports were found: not listed as drops.
    assert!(!err.contains("dropped at attribution"), "{err}");
    // The reported key is not listed; nothing is shown in full.
    assert!(
        !err.lines().any(|l| l.contains(":1:") && l.contains(file)),
        "{err}"
    );
    for key in [&good, &low, &far, &word, &gh, &marked, &allowed, &based] {
        assert_no_key_fragment(&err, key);
    }
    assert!(
        err.contains("candidate(s) matched a rule's pattern"),
        "{err}"
    );
}

#[test]
fn scan_explain_drops_is_escaped_and_quiet_without_relevant_words() {
    let env = Env::new();
    let mut f = Fake::new(77);
    let low = format!("nk-{}", f.chars("aZ3k", 43));
    let name = "evil\x1b[2J\n::warning::x.env";
    env.write(name, format!("NOMIC_API_KEY={low}\n"));
    // Commit-id-like hex with no provider word anywhere: prefix-less rules'
    // bare patterns match it, and nobody expected a finding there.
    env.write("ids.txt", format!("{}\n", f.chars("0123456789abcdef", 40)));
    let out = env
        .cmd()
        .args(["scan", ".", "--explain-drops", "--no-history"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("evil\\x1b[2J\\n") && !err.contains('\x1b'),
        "{err}"
    );
    assert!(!err.lines().any(|l| l.starts_with("::")), "{err}");
    assert!(err.contains("dropped at entropy"), "{err}");
    assert!(!err.contains("ids.txt"), "{err}");
    assert_no_key_fragment(&err, &low);
    // Without the flag nothing is listed.
    let out = env
        .cmd()
        .args(["scan", ".", "--no-history"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("explain-drops"));
}

#[test]
fn scan_explain_drops_names_the_decoding_of_a_payload() {
    let env = Env::new();
    let mut f = Fake::new(1819);
    let word = format!("nk-{}example{}", f.chars(B64URL, 18), f.chars(B64URL, 18));
    let low = format!("nk-{}", f.chars("aZ3k", 43));
    let good = format!("nk-{}", f.chars(B64URL, 43));
    // A Kubernetes Secret whose value is base64 of an env file: the keys
    // are only in the decoded text.
    let env_file = format!("NOMIC_API_KEY={good}\nNOMIC_API_KEY={word}\nNOMIC_API_KEY={low}\n");
    env.write(
        "deploy/secret.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n  env: {}\n",
            b64(&env_file)
        ),
    );
    // Escaped JSON inside a JSON string.
    let inner = format!("{{\\\"nomic_api_key\\\": \\\"{word}\\\"}}");
    env.write("conf/app.json", format!("{{\"cfg\": \"{inner}\"}}\n"));
    let (code, v, err) = env.scan_full(&[".", "--explain-drops", "--no-history"]);
    assert_eq!(code, 1, "{err}");
    // The good key is reported where the payload starts.
    assert_eq!(by_rule(&v, "nomic.api-key").len(), 1, "{v}");
    let file = "deploy/secret.yaml";
    let placeholder = drop_line(&err, file, 6, "nomic.api-key");
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.contains(file) && l.contains("  nomic.api-key  "))
        .collect();
    assert!(
        lines.iter().any(|l| l.contains(
            "deploy/secret.yaml:6:8 (in base64, line 2 of the decoded text)  nomic.api-key  \
             dropped at placeholder: placeholder word `example`"
        )),
        "{placeholder}\n{err}"
    );
    assert!(
        lines.iter().any(|l| l.contains(
            "deploy/secret.yaml:6:8 (in base64, line 3 of the decoded text)  nomic.api-key  \
             dropped at entropy"
        )),
        "{err}"
    );
    // The escaped JSON's key: listed once as written (its `\"` quotes) and
    // once unescaped, named so.
    assert!(
        err.lines().any(|l| l.contains("conf/app.json:1:")
            && l.contains("(in an escaped string (unescaped), line 1 of the decoded text)")
            && l.contains("  nomic.api-key  dropped at placeholder")),
        "{err}"
    );
    // A candidate in the file as written has no decoding named.
    assert!(
        !err.lines().any(|l| l.contains("deploy/secret.yaml:")
            && !l.contains("decoded text")
            && l.contains("  nomic.api-key  ")),
        "{err}"
    );
    for key in [&word, &low, &good] {
        assert_no_key_fragment(&err, key);
    }
}
