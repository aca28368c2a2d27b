//! The README is a user's document (issue 10), and every snippet in it
//! works when copied: each `jikimi` command parses with the real command
//! line (and its flags are listed by `--help`), `jikimi explain` topics and
//! rule ids exist, configuration parses through the real config loader, rule
//! files pass the rule checker, install lines name this repository, and the
//! CI recipes are the shipped files. Nothing points outside the repository.

use std::path::Path;

use clap::Parser;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The documents checked: the README and every `docs/*.md`.
fn documents() -> Vec<(String, String)> {
    let mut docs = vec![("README.md".to_string(), read("README.md"))];
    let mut names: Vec<_> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .collect();
    names.sort();
    for n in names {
        let rel = format!("docs/{n}");
        let text = read(&rel);
        docs.push((rel, text));
    }
    docs
}

/// Fenced code blocks: (language, body).
fn blocks(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(String, String)> = None;
    for line in text.lines() {
        match &mut cur {
            None => {
                if let Some(lang) = line.trim_start().strip_prefix("```") {
                    cur = Some((lang.trim().to_string(), String::new()));
                }
            }
            Some((_, body)) => {
                if line.trim_start().starts_with("```") {
                    out.push(cur.take().unwrap());
                } else {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    out
}

/// Split a shell line into words: quotes group, `#` starts a comment.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                any = true;
            }
            (None, '#') if cur.is_empty() && !any => break,
            (None, ' ' | '\t') => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (None, c) => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Commands on shell lines: split at `||`, `&&`, `;`, `|`, and cut at
/// redirections.
fn commands(body: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for line in body.replace("\\\n", " ").lines() {
        let line = line.trim().trim_start_matches("$ ");
        let mut cmd: Vec<String> = Vec::new();
        let mut redirected = false;
        for w in words(line) {
            if matches!(w.as_str(), "||" | "&&" | ";" | "|" | "then" | "else" | "fi") {
                out.push(std::mem::take(&mut cmd));
                redirected = false;
                continue;
            }
            if w.starts_with('>') || w.starts_with("2>") {
                out.push(std::mem::take(&mut cmd));
                redirected = true;
                continue;
            }
            if !redirected {
                cmd.push(w);
            }
        }
        out.push(cmd);
    }
    out.retain(|c| !c.is_empty());
    out
}

/// The jikimi arguments of a command line (`jikimi scan .`, `cargo run
/// --release -- scan .`), if it runs jikimi.
fn jikimi_args(cmd: &[String]) -> Option<Vec<String>> {
    let start = cmd.iter().position(|w| w == "jikimi")?;
    // `cargo install ... jikimi` and `pip install jikimi` name the package,
    // they do not run it.
    if cmd
        .first()
        .is_some_and(|w| matches!(w.as_str(), "cargo" | "pip" | "pip3" | "pipx"))
    {
        return None;
    }
    Some(cmd[start..].to_vec())
}

fn cargo_run_args(cmd: &[String]) -> Option<Vec<String>> {
    if cmd.len() > 2 && cmd[0] == "cargo" && cmd[1] == "run" {
        let dd = cmd.iter().position(|w| w == "--")?;
        let mut args = vec!["jikimi".to_string()];
        args.extend(cmd[dd + 1..].iter().cloned());
        return Some(args);
    }
    None
}

/// The repository URL from Cargo.toml.
fn repository() -> &'static str {
    env!("CARGO_PKG_REPOSITORY")
}

#[test]
fn readme_is_short_and_points_nowhere_outside_the_repository() {
    let readme = read("README.md");
    let n = readme.lines().count();
    assert!(n <= 400, "README.md has {n} lines (at most 400)");
    for (name, text) in documents() {
        for bad in ["../shared", "guide 15.", "15.3."] {
            assert!(!text.contains(bad), "{name} mentions {bad:?}");
        }
        // Relative links resolve inside the repository.
        let dir = Path::new(&name).parent().unwrap().to_path_buf();
        for part in text.split("](").skip(1) {
            let target = part.split(')').next().unwrap();
            if target.starts_with("http") || target.starts_with('#') {
                continue;
            }
            let file = target.split('#').next().unwrap();
            let path = root().join(&dir).join(file);
            assert!(path.exists(), "{name}: link to {target} points at nothing");
            let canon = path.canonicalize().unwrap();
            assert!(
                canon.starts_with(root().canonicalize().unwrap()),
                "{name}: {target} is outside the repository"
            );
        }
    }
    // The user's sections, in a user's order.
    let mut at = 0;
    for h in [
        "## Install",
        "## Your first scan",
        "## Reading the report",
        "## Fixing and suppressing",
        "## Pre-commit",
        "## CI and GitHub code scanning",
        "## Configuration",
        "## Exit codes",
        "## Unreadable and hostile input",
        "## Rules",
    ] {
        let i = readme[at..]
            .find(h)
            .unwrap_or_else(|| panic!("README.md: no {h} after byte {at}"));
        at += i;
    }
    // The guide's checklist is quoted where it is used.
    for q in [
        "Does the API key exist only on the server side?",
        "Is the key never exposed in client code?",
        "Is the `.env` file kept out of Git?",
        "Is key usage reviewed, in preparation for an incident?",
        "Is a call-limiting (rate limit) structure defined for future user growth?",
    ] {
        assert!(readme.contains(q), "README.md does not quote {q:?}");
    }
    // Building needs a C compiler, and the README says so.
    assert!(readme.contains("C compiler"));
    // Every --format value is named.
    for f in ["human", "json", "sarif", "compact", "github", "junit"] {
        assert!(
            readme.contains(&format!("`{f}`")),
            "--format {f} is not named"
        );
    }
}

#[test]
fn every_shell_snippet_parses_with_the_real_command_line() {
    let rules = jikimi::rules::RuleSet::builtin().unwrap();
    let mut checked = 0;
    for (name, text) in documents() {
        for (lang, body) in blocks(&text) {
            if !matches!(lang.as_str(), "sh" | "shell" | "bash" | "console") {
                continue;
            }
            for cmd in commands(&body) {
                // Install lines: this repository, or a checkout.
                if cmd.len() > 1 && cmd[0] == "cargo" && cmd[1] == "install" {
                    assert!(cmd.iter().any(|w| w == "--locked"), "{name}: {cmd:?}");
                    if let Some(i) = cmd.iter().position(|w| w == "--git") {
                        assert_eq!(cmd[i + 1], repository(), "{name}: {cmd:?}");
                    } else {
                        assert!(cmd.iter().any(|w| w == "--path"), "{name}: {cmd:?}");
                    }
                    assert!(
                        !cmd.windows(2).any(|w| w == ["--locked", "jikimi"]),
                        "{name}: jikimi is not published on crates.io: {cmd:?}"
                    );
                    checked += 1;
                    continue;
                }
                let Some(args) = jikimi_args(&cmd).or_else(|| cargo_run_args(&cmd)) else {
                    continue;
                };
                if let Err(e) = jikimi::cli::Cli::try_parse_from(&args) {
                    // --help and --version "fail" with the text to print.
                    let ok = matches!(
                        e.kind(),
                        clap::error::ErrorKind::DisplayHelp
                            | clap::error::ErrorKind::DisplayVersion
                    );
                    assert!(ok, "{name}: `{}` does not parse:\n{e}", args.join(" "));
                }
                if args.get(1).is_some_and(|a| a == "explain") {
                    let topic = &args[2];
                    if topic != "TOPIC" {
                        assert!(
                            jikimi::explain::explain(topic, &rules).is_some(),
                            "{name}: `jikimi explain {topic}`: no such topic"
                        );
                    }
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 15, "only {checked} commands found");
}

#[test]
fn every_flag_the_readme_names_exists() {
    let readme = read("README.md");
    let mut help = String::new();
    for sub in [
        &["scan"][..],
        &["rules"],
        &["rules", "check"],
        &["baseline", "create"],
        &["config", "init"],
        &["hook", "install"],
        &["explain"],
        &["verify"],
        &["fix"],
    ] {
        let out = assert_cmd::Command::cargo_bin("jikimi")
            .unwrap()
            .args(sub)
            .arg("--help")
            .output()
            .unwrap();
        help.push_str(&String::from_utf8(out.stdout).unwrap());
    }
    // Cargo's and git's own flags used in the README.
    let foreign = [
        "--release",
        "--locked",
        "--git",
        "--path",
        "--cached",
        "--no-verify",
        "--help",
        "--version",
        // xcode-select --install, in the install section.
        "--install",
        // docker run --user, in the install section.
        "--user",
    ];
    for part in readme.split("--").skip(1) {
        let flag: String = part
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '-')
            .collect();
        if flag.len() < 3 || foreign.contains(&format!("--{flag}").as_str()) {
            continue;
        }
        assert!(
            help.contains(&format!("--{flag}")),
            "README.md names --{flag}, which no `jikimi ... --help` lists"
        );
    }
}

#[test]
fn toml_snippets_load_through_the_real_loaders() {
    let builtin = jikimi::rules::RuleSet::builtin().unwrap();
    let readme = read("README.md");
    let mut configs = 0;
    let mut rule_files = 0;
    // The README's blocks, and the complete rule examples of docs/rules.md
    // (its field-by-field reference elides values with `…`).
    let rules_doc = read("docs/rules.md");
    let all = blocks(&readme).into_iter().chain(
        blocks(&rules_doc)
            .into_iter()
            .filter(|(_, b)| !b.contains('…')),
    );
    for (lang, body) in all {
        if lang != "toml" {
            continue;
        }
        let table: toml::Table = toml::from_str(&body)
            .unwrap_or_else(|e| panic!("README.md toml block does not parse: {e}\n{body}"));
        if table.keys().all(|k| k == "rule" || k == "family") {
            // A rule file: `jikimi rules check` must accept it.
            let mut set = jikimi::rules::RuleSet::default();
            set.add_toml(&body, "README.md").unwrap();
            let problems = jikimi::rules::check::check(&set);
            assert!(problems.is_empty(), "README.md rule: {problems:?}");
            rule_files += 1;
        } else {
            // A jikimi.toml: the real loader, which checks rule ids too.
            jikimi::config_file::parse(&body, Path::new("README.md"), &builtin)
                .unwrap_or_else(|e| panic!("README.md jikimi.toml does not load: {e:#}\n{body}"));
            configs += 1;
        }
    }
    assert_eq!((configs, rule_files), (1, 1));
}

#[test]
fn rule_ids_the_docs_name_exist() {
    let rules = jikimi::rules::RuleSet::builtin().unwrap();
    let prefixes: std::collections::BTreeSet<&str> = rules
        .rules
        .iter()
        .filter_map(|r| r.id().split('.').next())
        .collect();
    for (name, text) in documents() {
        for part in text.split('`').skip(1).step_by(2) {
            let Some((prefix, _)) = part.split_once('.') else {
                continue;
            };
            let id_like = part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
            // File names share the shape (`redis.conf`, `go.mod`).
            let file_name = part.rsplit_once('.').is_some_and(|(_, ext)| {
                [
                    "conf", "mod", "sum", "json", "yaml", "yml", "toml", "lock", "txt", "md",
                ]
                .contains(&ext)
            });
            if id_like && prefixes.contains(prefix) && !part.ends_with('.') && !file_name {
                assert!(
                    rules.get(part).is_some(),
                    "{name} names rule `{part}`, which does not exist"
                );
            }
        }
    }
}

#[test]
fn ci_recipes_are_the_shipped_files() {
    let readme = read("README.md");
    let workflow = read(".github/workflows/jikimi.yml");
    let hooks = read(".pre-commit-hooks.yaml");
    let yaml: Vec<String> = blocks(&readme)
        .into_iter()
        .filter(|(l, _)| l == "yaml" || l == "yml")
        .map(|(_, b)| b)
        .collect();
    // The GitHub workflow uses the action (issue 21), with inputs it
    // declares, and links the compile-from-source workflow as the fallback.
    let wf = yaml
        .iter()
        .find(|b| b.contains("jobs:"))
        .expect("the README shows the workflow");
    let action = read("action.yml");
    assert!(wf.contains("uses: jikimi-dev/jikimi@"), "{wf}");
    let with = wf.split("with:").last().unwrap();
    for line in with.lines().filter(|l| l.starts_with("          ")) {
        let input = line.trim().split(':').next().unwrap();
        assert!(
            action.contains(&format!("\n  {input}:\n")),
            "the README passes `{input}`, which action.yml does not declare"
        );
    }
    assert!(readme.contains("(.github/workflows/jikimi.yml)"));
    assert!(workflow.contains("cargo install --locked --git"));
    // The pre-commit framework snippet: this repository, the shipped hook
    // ids, and the same snippet the hooks file documents. No tag exists
    // yet, so `rev` is not a version tag.
    let pc = yaml
        .iter()
        .find(|b| b.contains("repos:"))
        .expect("the README shows .pre-commit-config.yaml");
    assert!(pc.contains(&format!("repo: {}", repository())), "{pc}");
    assert!(
        !pc.contains(&format!("rev: v{}", env!("CARGO_PKG_VERSION"))),
        "no v{} tag exists: {pc}",
        env!("CARGO_PKG_VERSION")
    );
    for id in ["jikimi", "jikimi-pre-push"] {
        assert!(pc.contains(&format!("- id: {id} ")) && hooks.contains(&format!("- id: {id}\n")));
    }
    let documented: String = hooks
        .lines()
        .filter_map(|l| l.strip_prefix("#   "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        pc.trim(),
        documented.trim(),
        "README vs .pre-commit-hooks.yaml"
    );
    // Every install line in a recipe is the workflow's.
    let install = workflow
        .lines()
        .find_map(|l| l.trim().strip_prefix("run: cargo install"))
        .expect("the workflow installs jikimi");
    for b in &yaml {
        for l in b.lines().filter(|l| l.contains("cargo install")) {
            assert!(
                l.ends_with(install),
                "{l} differs from the workflow's install"
            );
        }
    }
}

#[test]
fn shell_words_and_commands() {
    assert_eq!(
        words(r#"jikimi scan --since "$BASE" -o 'a b' # c"#),
        vec!["jikimi", "scan", "--since", "$BASE", "-o", "a b"]
    );
    let c = commands("jikimi scan -q || jikimi scan -f compact > x\n");
    assert_eq!(c.len(), 2);
    assert_eq!(c[1], vec!["jikimi", "scan", "-f", "compact"]);
}
