//! `jikimi explain`: rules, causes, risks, the checklist, and unknown topics
//! (exit 2 with a message that says what is valid).

use crate::common::*;

/// `jikimi explain TOPIC`: exit code, standard output with whitespace runs
/// folded to one space (the text is wrapped at 80 columns, issue 10) and
/// standard error.
fn explain(topic: &str) -> (i32, String, String) {
    let out = Env::new().cmd().args(["explain", topic]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let folded = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n");
    (
        out.status.code().unwrap_or(-1),
        fold(&folded),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Whitespace runs (line breaks included) as one space.
fn fold(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn explains_a_rule() {
    let rules = jikimi::rules::RuleSet::builtin().unwrap();
    let rule = &rules.get("openai.project-key").unwrap().syntax;
    let (code, out, _) = explain("openai.project-key");
    assert_eq!(code, 0);
    assert!(
        out.starts_with("openai.project-key: OpenAI project API key"),
        "{out}"
    );
    assert!(out.contains("provider: OpenAI"));
    assert!(out.contains("severity: critical"));
    assert!(out.contains(&fold(&rule.description)));
    for r in &rule.references {
        assert!(out.contains(r.as_str()), "{out}");
    }
    assert!(out.contains("Rotate the key now"));
    // The per-cause fixes, so the reader can match the scan's cause.
    assert!(out.contains(&fold(jikimi::findings::Cause::EnvFileCommitted.fix())));
}

#[test]
fn explains_a_cause_with_its_guide_point() {
    let (code, out, _) = explain("client-transit");
    assert_eq!(code, 0);
    assert!(out.starts_with("client-transit (leak cause)"));
    assert!(
        fold(&out).contains("In the guide's terms: leak cause 3"),
        "{out}"
    );
    // Section numbers of a guide the user does not have are not shown.
    assert!(!out.contains("15.3"), "{out}");
    assert!(out.contains("the server adds the key"));
    let (_, app, _) = explain("app-binary");
    assert!(
        fold(&app).contains("never embed keys in iOS/Android/Electron builds"),
        "{app}"
    );
}

#[test]
fn explains_risks() {
    let (code, out, _) = explain("gitignore-gap");
    assert_eq!(code, 0);
    assert!(out.contains(&fold(
        &jikimi::findings::risks::risk_fix("gitignore-gap")[1..]
    )));
    assert!(
        fold(&out).contains("In the guide's terms: leak cause 4; keep .env for local development"),
        "{out}"
    );
    // The Dockerfile risk is computed too, and explained with its own text.
    let (code, out, _) = explain("dockerignore-gap");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with("dockerignore-gap: Dockerfile copies .env files into the image"),
        "{out}"
    );
    assert!(
        out.contains(&fold(
            &jikimi::findings::risks::risk_fix("dockerignore-gap")[1..]
        )),
        "{out}"
    );
    assert!(!out.contains("ignored by git"), "{out}");
    // A risk that is also a rule shows the rule and the risk's fix.
    let (code, out, _) = explain("browser-direct-call");
    assert_eq!(code, 0);
    assert!(out.contains("(risk rule)"), "{out}");
    assert!(out.contains("POST /api/chat"), "{out}");
}

#[test]
fn explains_the_checklist() {
    let (code, out, _) = explain("checklist");
    assert_eq!(code, 0);
    for n in 1..=5 {
        assert!(out.contains(&format!(" {n}. ")), "{out}");
    }
    assert!(out.contains("Is the .env file kept out of Git?"));
}

#[test]
fn unknown_topics_exit_2_and_say_what_is_valid() {
    let (code, out, err) = explain("no-such-rule");
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("unknown topic 'no-such-rule'"), "{err}");
    assert!(err.contains("jikimi rules"));
    assert!(err.contains("frontend-code") && err.contains("gitignore-gap"));
    // A partial id lists the rules it matches.
    let (code, _, err) = explain("openai");
    assert_eq!(code, 2);
    assert!(err.contains("openai.project-key"), "{err}");
}

/// Issue 20: "Do this first" cites `[e51ade8e]`, and `jikimi explain
/// e51ade8e` answered `unknown topic`. Every finding of the report is in
/// its body with its rule id, and `explain` takes the id (a secret's and a
/// risk's alike).
#[test]
fn explain_takes_a_finding_id_from_the_report() {
    let env = Env::new();
    let key = Fake::new(2300).openai_project();
    env.write(
        "package.json",
        r#"{"name":"web","dependencies":{"react":"18","openai":"4"},"devDependencies":{"vite":"5"}}"#,
    );
    env.write(
        "src/lib/ai.ts",
        format!(
            "import OpenAI from 'openai';\nexport const client = new OpenAI({{ apiKey: \"{key}\", dangerouslyAllowBrowser: true }});\n"
        ),
    );
    let (_, v) = env.scan_json(&["--no-history"]);
    let out = env
        .cmd()
        .args(["scan", "--no-history", "src/lib/ai.ts"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!findings(&v).is_empty(), "{v:#}");
    for f in findings(&v) {
        let id = f["id"].as_str().unwrap();
        let short = &id[..8];
        let rule = f["rule"].as_str().unwrap();
        // Listed in the body with its rule id, even when scanning one file.
        assert!(
            text.contains(&format!("[{short} {rule}]"))
                || text.contains(&format!("{rule} (risk) [{short}]")),
            "{short} {rule} not in the body:\n{text}"
        );
        let out = env.cmd().args(["explain", short]).output().unwrap();
        let shown = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            shown.contains(rule) && shown.contains("src/lib/ai.ts"),
            "{shown}"
        );
        assert!(shown.contains("What to do:"), "{shown}");
        assert!(!shown.contains(&key), "the key is redacted: {shown}");
    }
    // An id no finding has: exit 2, saying where it looked.
    let out = env
        .cmd()
        .args(["explain", "0000abcd", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no finding with id 0000abcd"));
}
