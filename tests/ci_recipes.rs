//! The CI recipes users copy: the GitHub Actions workflow example
//! (`.github/workflows/jikimi.yml`), `.pre-commit-hooks.yaml`, the hook
//! script, and the README's code blocks. Each must parse, and every `jikimi`
//! command in them must use subcommands, flags and format values that the
//! real `--help` lists. Issue 5.

use std::collections::BTreeSet;
use std::path::Path;

use yaml_rust2::{Yaml, YamlLoader};

/// Flags and values the recipes use that other branches add. Each is allowed
/// to be missing from `--help` only while it is listed here, and the test
/// fails once a listed one exists, so remove it from this list when its
/// branch lands (history: --since, --staged).
const PENDING: &[&str] = &[];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn load_yaml(rel: &str) -> Yaml {
    let text = std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let mut docs = YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
    assert_eq!(docs.len(), 1, "{rel}: one YAML document");
    docs.remove(0)
}

fn s<'a>(y: &'a Yaml, key: &str) -> &'a Yaml {
    &y[key]
}

/// Every `run:` script in a workflow.
fn run_scripts(wf: &Yaml) -> Vec<String> {
    let mut out = Vec::new();
    for (_, job) in wf["jobs"].as_hash().expect("jobs") {
        for step in job["steps"].as_vec().expect("steps") {
            if let Some(r) = step["run"].as_str() {
                out.push(r.to_string());
            }
        }
    }
    out
}

/// `jikimi ...` commands in shell text: line continuations joined, cut at
/// shell separators, quotes stripped.
fn jikimi_commands(script: &str) -> Vec<Vec<String>> {
    let joined = script.replace("\\\n", " ");
    let mut out = Vec::new();
    for line in joined.lines() {
        let line = line.split(" #").next().unwrap_or("");
        let toks: Vec<&str> = line.split_whitespace().collect();
        for (i, t) in toks.iter().enumerate() {
            let t = t.trim_start_matches(['(', '`']);
            if t != "jikimi" && !t.ends_with("/jikimi") && t != "\"$JIKIMI\"" {
                continue;
            }
            // A command word: at the start or after a separator / keyword.
            let prev = if i == 0 { "" } else { toks[i - 1] };
            if !matches!(
                prev,
                "" | ";" | "&&" | "||" | "|" | "then" | "do" | "!" | "run:" | "entry:" | "$" | "-"
            ) {
                continue;
            }
            let cmd: Vec<String> = toks[i + 1..]
                .iter()
                .take_while(|t| {
                    !matches!(**t, ";" | "&&" | "||" | "|" | ">" | "2>" | ">>")
                        && !t.starts_with('>')
                })
                .map(|t| t.trim_matches(['"', '\'', ')', '`']).to_string())
                .collect();
            if cmd
                .first()
                .is_some_and(|c| !c.starts_with('-') && !c.is_empty())
            {
                out.push(cmd);
            }
        }
    }
    out
}

fn help(subs: &[String]) -> String {
    let out = assert_cmd::Command::cargo_bin("jikimi")
        .unwrap()
        .args(subs)
        .arg("--help")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "jikimi {} --help failed",
        subs.join(" ")
    );
    String::from_utf8(out.stdout).unwrap()
}

const NESTED: &[&str] = &["baseline", "config", "hook", "rules"];

/// Problems with one command: unknown subcommand, flag or format value.
/// Each is described as `<sub> <flag>` or `<sub> --format <value>`.
fn check_command(cmd: &[String], problems: &mut BTreeSet<String>) {
    let mut subs = vec![cmd[0].clone()];
    let mut rest = &cmd[1..];
    if NESTED.contains(&cmd[0].as_str())
        && let Some(next) = rest.first()
        && !next.starts_with('-')
    {
        subs.push(next.clone());
        rest = &rest[1..];
    }
    let top = help(&[]);
    if !top.contains(&format!("  {}  ", cmd[0])) && !top.contains(&format!("  {}\n", cmd[0])) {
        problems.insert(format!("unknown subcommand: {}", cmd[0]));
        return;
    }
    let h = help(&subs);
    let sub = subs.join(" ");
    for (i, arg) in rest.iter().enumerate() {
        if !arg.starts_with('-') || arg == "-" {
            continue;
        }
        let flag = arg.split('=').next().unwrap();
        let known = if flag.starts_with("--") {
            h.contains(&format!("{flag} "))
                || h.contains(&format!("{flag}\n"))
                || h.contains(&format!("{flag},"))
        } else {
            h.contains(&format!("  {flag}, "))
        };
        if !known {
            problems.insert(format!("{sub} {flag}"));
            continue;
        }
        if flag == "--format" || flag == "-f" {
            let value = arg
                .split_once('=')
                .map(|(_, v)| v.to_string())
                .or_else(|| rest.get(i + 1).cloned())
                .unwrap_or_default();
            if !h.contains(&format!("- {value}:")) {
                problems.insert(format!("{sub} --format {value}"));
            }
        }
    }
}

/// Check commands and compare the problems with [`PENDING`].
fn assert_commands_exist(source: &str, cmds: &[Vec<String>]) {
    let mut problems = BTreeSet::new();
    for c in cmds {
        check_command(c, &mut problems);
    }
    let unexpected: Vec<&String> = problems
        .iter()
        .filter(|p| !PENDING.contains(&p.as_str()))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{source}: commands use what `jikimi --help` does not list: {unexpected:?}"
    );
}

/// The checker every recipe test relies on must catch what `--help` lacks
/// (else the recipes would pass whatever they say), and each entry of
/// [`PENDING`] must still be missing: once it lands, drop it so the recipes
/// are checked for real.
#[test]
fn pending_list_is_not_stale() {
    let words = |s: &str| -> Vec<String> { s.split_whitespace().map(String::from).collect() };
    let problems_of = |s: &str| {
        let mut problems = BTreeSet::new();
        check_command(&words(s), &mut problems);
        problems
    };
    // Real flags, values and subcommands pass.
    for ok in [
        "scan . --format sarif --output x --since main",
        "scan --staged --format compact",
        "hook install --force",
        "baseline create --output b.json",
    ] {
        assert!(problems_of(ok).is_empty(), "{ok}: {:?}", problems_of(ok));
    }
    // Made-up ones are caught, each named.
    assert!(problems_of("scan . --no-such-flag").contains("scan --no-such-flag"));
    assert!(problems_of("scan --format yaml").contains("scan --format yaml"));
    assert!(problems_of("hook install --no-such-flag").contains("hook install --no-such-flag"));
    assert!(problems_of("frobnicate .").contains("unknown subcommand: frobnicate"));
    for p in PENDING {
        let mut cmd = words(p);
        if cmd.last().is_some_and(|w| w.starts_with('-')) {
            cmd.push("x".into());
        }
        let mut problems = BTreeSet::new();
        check_command(&cmd, &mut problems);
        assert!(
            problems.contains(*p),
            "`{p}` now exists: remove it from PENDING in tests/ci_recipes.rs"
        );
    }
}

#[test]
fn github_workflow_example_parses_and_uploads_sarif() {
    let wf = load_yaml(".github/workflows/jikimi.yml");
    assert!(
        !s(&wf, "on")["pull_request"].is_badvalue(),
        "runs on pull requests"
    );
    let job = &wf["jobs"]["scan"];
    assert_eq!(
        job["permissions"]["security-events"].as_str(),
        Some("write")
    );
    let steps = job["steps"].as_vec().unwrap();
    let uses = |prefix: &str| {
        steps
            .iter()
            .find(|st| st["uses"].as_str().is_some_and(|u| u.starts_with(prefix)))
            .unwrap_or_else(|| panic!("no step uses {prefix}"))
    };
    assert_eq!(
        uses("actions/checkout@")["with"]["fetch-depth"].as_i64(),
        Some(0),
        "--since needs history"
    );
    let upload = uses("github/codeql-action/upload-sarif@");
    assert!(
        upload["with"]["category"]
            .as_str()
            .is_some_and(|c| !c.is_empty())
    );
    let sarif_file = upload["with"]["sarif_file"].as_str().unwrap();

    let scripts = run_scripts(&wf);
    let cmds: Vec<Vec<String>> = scripts.iter().flat_map(|s| jikimi_commands(s)).collect();
    let scans: Vec<&Vec<String>> = cmds.iter().filter(|c| c[0] == "scan").collect();
    assert!(
        scans.len() >= 2,
        "a pull-request scan and a full scan: {cmds:?}"
    );
    for scan in &scans {
        let pos = scan.iter().position(|a| a == "--output").expect("--output");
        assert_eq!(
            scan[pos + 1],
            sarif_file,
            "the uploaded file is the one written"
        );
        assert!(
            scan.windows(2)
                .any(|w| w[0] == "--format" && w[1] == "sarif")
        );
    }
    assert!(
        scans.iter().any(|c| c.iter().any(|a| a == "--since")),
        "pull requests scan only new commits"
    );
    // The job fails when the scan found something (after the upload).
    assert!(
        scripts.iter().any(|s| s.contains("exit 1")),
        "the job must fail on findings"
    );
    assert_commands_exist(".github/workflows/jikimi.yml", &cmds);
}

#[test]
fn pre_commit_framework_manifest_parses_and_its_entry_exists() {
    // The source-built hooks here, the wheel hooks in pre-commit/ (issue 21).
    for (file, language) in [
        (".pre-commit-hooks.yaml", "rust"),
        ("pre-commit/.pre-commit-hooks.yaml", "python"),
    ] {
        let y = load_yaml(file);
        let hooks = y.as_vec().expect("a list of hooks");
        let ids: Vec<&str> = hooks.iter().filter_map(|h| h["id"].as_str()).collect();
        assert_eq!(ids, ["jikimi", "jikimi-pre-push"], "{file}");
        for h in hooks {
            assert_eq!(h["language"].as_str(), Some(language), "{file}");
            assert_eq!(h["pass_filenames"].as_bool(), Some(false));
            let entry = h["entry"].as_str().unwrap();
            let cmds = jikimi_commands(entry);
            assert_eq!(cmds.len(), 1, "{entry}");
            let stage = h["stages"][0].as_str().unwrap();
            let flag = if stage == "pre-push" {
                "--pre-push"
            } else {
                "--staged"
            };
            assert!(cmds[0].iter().any(|a| a == flag), "{file}: {entry}");
            assert_commands_exist(file, &cmds);
        }
    }
}

#[test]
fn hook_script_commands_exist() {
    let push = jikimi::hook::push_script(None);
    assert_commands_exist("the pre-push hook script", &jikimi_commands(&push));
    let script = jikimi::hook::script(None);
    let cmds = jikimi_commands(&script);
    assert_eq!(cmds.len(), 1, "{script}");
    assert_commands_exist("the pre-commit hook script", &cmds);
}

/// The README's ```yaml and ```sh blocks (CI recipes), once the README
/// exists: each YAML block parses and each `jikimi` command exists.
#[test]
fn readme_recipes_parse_and_their_commands_exist() {
    let Ok(readme) = std::fs::read_to_string(root().join("README.md")) else {
        eprintln!("README.md not present yet: nothing to check");
        return;
    };
    let mut cmds = Vec::new();
    let mut in_block: Option<(String, String)> = None;
    for line in readme.lines() {
        match &mut in_block {
            None => {
                if let Some(lang) = line.trim_start().strip_prefix("```") {
                    in_block = Some((lang.trim().to_string(), String::new()));
                }
            }
            Some((lang, body)) => {
                if line.trim_start().starts_with("```") {
                    if lang == "yaml" || lang == "yml" {
                        let docs = YamlLoader::load_from_str(body)
                            .unwrap_or_else(|e| panic!("README yaml block: {e}\n{body}"));
                        for d in &docs {
                            collect_yaml_strings(d, &mut |s| cmds.extend(jikimi_commands(s)));
                        }
                    } else if matches!(lang.as_str(), "sh" | "bash" | "shell" | "console") {
                        cmds.extend(jikimi_commands(body));
                    }
                    in_block = None;
                } else {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    assert_commands_exist("README.md", &cmds);
}

fn collect_yaml_strings(y: &Yaml, f: &mut dyn FnMut(&str)) {
    match y {
        Yaml::String(s) => f(s),
        Yaml::Array(a) => a.iter().for_each(|v| collect_yaml_strings(v, f)),
        Yaml::Hash(h) => h.values().for_each(|v| collect_yaml_strings(v, f)),
        _ => {}
    }
}

#[test]
fn command_extraction_sees_flags_and_separators() {
    let c = jikimi_commands(
        "set -e\nif [ x ]; then\n  jikimi scan --since \"$BASE\" \\\n    --format sarif --output a.sarif > log\nfi\n",
    );
    assert_eq!(
        c,
        vec![vec![
            "scan", "--since", "$BASE", "--format", "sarif", "--output", "a.sarif"
        ]]
    );
    let mut problems = BTreeSet::new();
    check_command(
        &[
            "scan".into(),
            "--no-such-flag".into(),
            "--format".into(),
            "yaml".into(),
        ],
        &mut problems,
    );
    assert!(problems.contains("scan --no-such-flag"), "{problems:?}");
    assert!(problems.contains("scan --format yaml"), "{problems:?}");
}
