//! `--format github` (workflow-command annotations) and `--format junit`:
//! escaping of awkward paths, levels, redaction, and a clean run.

use std::collections::BTreeMap;

use crate::common::*;

/// A git repository whose committed `.gitignore` misses `.env` (a medium,
/// non-failing risk: no `.env` exists) and a key in client code under a
/// path with `,`, `:` and `&`.
fn repo_with_awkward_path() -> (Env, String) {
    let env = Env::new();
    let key = Fake::new(11).openai_project();
    let repo = env.git_init();
    env.write(".gitignore", "node_modules/\n");
    // A Vite app reads .env files, so a .gitignore that misses them is a
    // (medium) gitignore-gap.
    env.write(
        "package.json",
        r#"{"dependencies":{"react":"18","vite":"5"}}"#,
    );
    env.commit_all(&repo, "ignore deps");
    env.write(
        "src/components/a,b:c&d.jsx",
        format!("import React from 'react';\nexport const KEY = \"{key}\";\n"),
    );
    (env, key)
}

fn run(env: &Env, format: &str, extra: &[&str]) -> (i32, String) {
    let out = env
        .cmd()
        .args(["scan", ".", "--format", format])
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

/// Undo `@actions/core`'s escaping.
fn unescape(s: &str) -> String {
    s.replace("%2C", ",")
        .replace("%3A", ":")
        .replace("%0A", "\n")
        .replace("%0D", "\r")
        .replace("%25", "%")
}

/// A parsed `::level props::message` line.
struct Annotation {
    level: String,
    props: BTreeMap<String, String>,
    message: String,
}

fn annotations(out: &str) -> Vec<Annotation> {
    out.lines()
        .filter(|l| l.starts_with("::"))
        .map(|l| {
            let rest = &l[2..];
            let (head, message) = rest.split_once("::").expect("::level props::message");
            let (level, props) = head.split_once(' ').unwrap_or((head, ""));
            let props = props
                .split(',')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').expect("key=value");
                    (k.to_string(), unescape(v))
                })
                .collect();
            Annotation {
                level: level.to_string(),
                props,
                message: unescape(message),
            }
        })
        .collect()
}

#[test]
fn github_annotations_escape_properties_and_messages() {
    let (env, key) = repo_with_awkward_path();
    let (code, out) = run(&env, "github", &[]);
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains(key.as_str()), "full key in annotations");
    let anns = annotations(&out);
    assert_eq!(anns.len(), 2, "{out}");

    let err = anns.iter().find(|a| a.level == "error").expect("an error");
    // Every property value was escaped: splitting on ',' gave back the path.
    assert_eq!(err.props["file"], "src/components/a,b:c&d.jsx");
    assert_eq!(err.props["line"], "2");
    assert_eq!(err.props["col"], "21");
    assert_eq!(
        err.props["endColumn"],
        (21 + key.len()).to_string(),
        "{out}"
    );
    assert!(err.props["title"].starts_with("jikimi: OpenAI project API key"));
    assert!(err.message.contains(&jikimi::findings::redact(&key)));
    assert!(
        err.message.contains("\ncause: frontend-code"),
        "{}",
        err.message
    );
    assert!(err.message.contains("\nfix: Rotate the key"));

    // The medium gitignore gap does not fail the scan: a warning, on the
    // file, with no line.
    let warn = anns
        .iter()
        .find(|a| a.level == "warning")
        .expect("a warning");
    assert_eq!(warn.props["file"], ".gitignore");
    assert!(!warn.props.contains_key("line"));
    assert!(warn.props["title"].contains("[gitignore-gap]"));

    // Raw lines carry no unescaped newline inside a command, and the escaped
    // property text has no bare ',' or ':' left.
    for l in out.lines().filter(|l| l.starts_with("::")) {
        let head = l[2..].split_once("::").unwrap().0;
        let props = head.split_once(' ').unwrap().1;
        for p in props.split(',') {
            assert!(!p.split_once('=').unwrap().1.contains(':'), "{p}");
        }
    }
    assert!(
        out.lines()
            .last()
            .unwrap()
            .starts_with("jikimi: 2 finding(s), 1 fail")
    );
}

#[test]
fn github_annotations_follow_no_redact() {
    let (env, key) = repo_with_awkward_path();
    let (_, out) = run(&env, "github", &["--no-redact"]);
    assert!(out.contains(key.as_str()));
}

/// A rough XML check: tags balance, attribute values are quoted, and no
/// bare `&` or `<` appears in text. Returns the start tags with their
/// attributes.
fn parse_xml(xml: &str) -> Vec<(String, BTreeMap<String, String>)> {
    let mut stack: Vec<String> = Vec::new();
    let mut tags = Vec::new();
    let mut rest = xml
        .strip_prefix(r#"<?xml version="1.0" encoding="UTF-8"?>"#)
        .expect("XML declaration");
    loop {
        let Some(lt) = rest.find('<') else {
            assert!(rest.trim().is_empty(), "text after the root: {rest}");
            break;
        };
        check_text(&rest[..lt]);
        let gt = rest[lt..].find('>').expect("unclosed tag") + lt;
        let tag = &rest[lt + 1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "mismatched </{name}>");
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let (name, mut attrs_src) = tag.split_once(' ').unwrap_or((tag, ""));
        let mut attrs = BTreeMap::new();
        while let Some(eq) = attrs_src.find("=\"") {
            let key = attrs_src[..eq].trim().to_string();
            let after = &attrs_src[eq + 2..];
            let end = after.find('"').expect("unquoted attribute");
            check_text(&after[..end]);
            attrs.insert(key, unescape_xml(&after[..end]));
            attrs_src = &after[end + 1..];
        }
        assert!(attrs_src.trim().is_empty(), "junk in tag: {tag}");
        tags.push((name.to_string(), attrs));
        if !self_closing {
            stack.push(name.to_string());
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
    tags
}

fn check_text(t: &str) {
    assert!(!t.contains('<'), "bare < in {t}");
    for (i, _) in t.match_indices('&') {
        let ent = &t[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                .iter()
                .any(|e| ent.starts_with(e)),
            "bare & in {t}"
        );
    }
}

fn unescape_xml(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[test]
fn junit_has_one_case_per_finding_and_escapes() {
    let (env, key) = repo_with_awkward_path();
    let (code, xml) = run(&env, "junit", &[]);
    assert_eq!(code, 1, "{xml}");
    assert!(!xml.contains(key.as_str()), "full key in JUnit");
    let tags = parse_xml(&xml);
    let suite = &tags.iter().find(|(n, _)| n == "testsuite").unwrap().1;
    assert_eq!(suite["tests"], "2");
    assert_eq!(suite["failures"], "1");
    let cases: Vec<&BTreeMap<String, String>> = tags
        .iter()
        .filter(|(n, _)| n == "testcase")
        .map(|(_, a)| a)
        .collect();
    assert_eq!(cases.len(), 2);
    assert_eq!(tags.iter().filter(|(n, _)| n == "failure").count(), 1);
    let key_case = cases
        .iter()
        .find(|c| c["name"].starts_with("openai.project-key"))
        .unwrap();
    assert_eq!(key_case["file"], "src/components/a,b:c&d.jsx");
    assert_eq!(key_case["line"], "2");
    assert!(xml.contains("a,b:c&amp;d.jsx"));
    // The passing (non-failing) gap case carries its details as output.
    assert_eq!(tags.iter().filter(|(n, _)| n == "system-out").count(), 1);
}

#[test]
fn junit_clean_run_still_reports_a_passing_case() {
    let env = Env::new();
    env.write(
        "src/main.py",
        "import os\nkey = os.environ['OPENAI_API_KEY']\n",
    );
    let (code, xml) = run(&env, "junit", &[]);
    assert_eq!(code, 0, "{xml}");
    let tags = parse_xml(&xml);
    let suite = &tags.iter().find(|(n, _)| n == "testsuite").unwrap().1;
    assert_eq!(suite["tests"], "1");
    assert_eq!(suite["failures"], "0");
    assert_eq!(tags.iter().filter(|(n, _)| n == "testcase").count(), 1);
    assert_eq!(tags.iter().filter(|(n, _)| n == "failure").count(), 0);
}

// A notebook cell's line is not a line of the .ipynb file: compact, JUnit and
// GitHub annotations used to give it as one (found in QA).
#[test]
fn notebook_findings_name_the_cell_in_every_format() {
    let env = Env::new();
    let key = Fake::new(41).openai_project();
    let nb = serde_json::json!({
        "cells": [
            {"cell_type": "markdown", "source": ["# demo\n"], "metadata": {}},
            {"cell_type": "code", "source": ["import os\n", format!("key = \"{key}\"\n")],
             "metadata": {}, "outputs": [], "execution_count": 1}
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5
    });
    env.write("demo.ipynb", serde_json::to_string_pretty(&nb).unwrap());
    let run = |format: &str| {
        let out = env
            .cmd()
            .args(["scan", "--format", format])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let compact = run("compact");
    assert!(compact.contains("demo.ipynb (cell 2, 2:"), "{compact}");
    let github = run("github");
    let line = github.lines().find(|l| l.starts_with("::error")).unwrap();
    assert!(!line.contains("line="), "{line}");
    assert!(line.contains("cell 2"), "{line}");
    let junit = run("junit");
    assert!(junit.contains("demo.ipynb (cell 2, 2:"), "{junit}");
}

// ---- output injection: control characters and workflow commands from data

/// The lines of `out` a GitHub runner or a terminal would act on: raw
/// control characters (but tab and newline), C1 controls, and lines that
/// read as workflow commands (`::` after white space, or `##[`). jikimi's
/// own annotations are allowed where `own` says (the github format).
fn unsafe_lines(out: &str, own: bool) -> Vec<String> {
    let mut bad = Vec::new();
    for line in out.split('\n') {
        let control = line
            .chars()
            .any(|c| (c.is_control() && c != '\t') || ('\u{2028}'..='\u{2029}').contains(&c));
        let own_command = own
            && ["::error file=", "::warning file=", "::notice file="]
                .iter()
                .any(|p| line.starts_with(p));
        let command = line.trim_start().starts_with("::") || line.contains("##[");
        if control || (command && !own_command) {
            bad.push(format!("{line:?}"));
        }
    }
    bad
}

/// A tree whose names, lines and commit text try to drive the terminal and
/// the CI log: a file named with a newline and a workflow command, a zip
/// named `a\n::stop-commands::x1\n.zip` (damaged, so it is warned about on
/// stderr), and a line and a name with `ESC ]0;title BEL` and `ESC [2J`.
fn hostile_output_repo() -> (Env, String) {
    let env = Env::new();
    let key = Fake::new(91).openai_project();
    let repo = env.git_init();
    env.write(
        "b\n::error file=README.md,line=1::FAKE\n.py",
        format!("KEY = \"{key}\"\n"),
    );
    env.write(
        "t\u{1b}]0;title\u{7}\u{1b}[2J.js",
        format!("const k = \"{key}\"; // \u{1b}[2J\u{1b}]0;pwned\u{7}\u{85}##[group]x\n"),
    );
    env.write(
        "a\n::stop-commands::x1\n.zip",
        b"PK\x03\x04 this is not a zip archive \x1b[2J".as_slice(),
    );
    env.commit_all(
        &repo,
        "::error::from a commit \u{1b}]0;t\u{7}\n\n::warning::body",
    );
    (env, key)
}

#[test]
fn no_format_lets_data_write_control_characters_or_workflow_commands() {
    let (env, key) = hostile_output_repo();
    for (format, extra) in [
        ("human", &[][..]),
        ("human", &["-v"][..]),
        ("compact", &[][..]),
        ("github", &[][..]),
        ("junit", &[][..]),
    ] {
        let out = env
            .cmd()
            .args(["scan", ".", "--format", format])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}: the keys are found");
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        let bad = unsafe_lines(&stdout, format == "github");
        assert!(
            bad.is_empty(),
            "{format} {extra:?} stdout: {bad:#?}\n{stdout}"
        );
        let bad = unsafe_lines(&stderr, false);
        assert!(bad.is_empty(), "{format} stderr: {bad:#?}\n{stderr}");
        assert!(
            stderr.contains("stop-commands"),
            "the damaged zip is warned about: {stderr}"
        );
        assert_no_key_fragment(&stdout, &key);
        if format == "github" {
            // jikimi's own annotations are there, one per file, escaped
            // GitHub's way.
            let files: Vec<String> = annotations(&stdout)
                .into_iter()
                .filter_map(|a| a.props.get("file").cloned())
                .collect();
            assert!(
                files
                    .iter()
                    .any(|f| f == "b\n::error file=README.md,line=1::FAKE\n.py"),
                "{files:?}"
            );
        }
    }
    // JSON stays exact: the name is the file's name.
    let (_, v) = env.scan_json(&["."]);
    assert!(
        findings(&v)
            .iter()
            .any(|f| f["path"] == "b\n::error file=README.md,line=1::FAKE\n.py"),
        "{v:#}"
    );
}
