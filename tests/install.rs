//! Issue 21: the ways jikimi is run besides `jikimi scan PATH`: standard
//! input (`scan -`, `--stdin-name`), diffs (`scan --diff -`), the pre-push
//! hook (the commits being pushed, from git's stdin lines) and the AI agent
//! hook (`hook agent`: Claude Code, Cursor and Copilot request and answer
//! shapes). Keys are fake, generated at run time.

use crate::common::*;

/// `jikimi <args>` with `input` on standard input: (exit code, stdout, stderr).
fn piped(env: &Env, args: &[&str], input: &str) -> (i32, String, String) {
    let out = env
        .cmd()
        .args(args)
        .write_stdin(input.as_bytes().to_vec())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

mod stdin {
    use super::*;

    #[test]
    fn a_key_piped_in_fails_and_is_redacted() {
        let env = Env::new();
        let key = Fake::new(21).openai_project();
        let (code, out, err) = piped(
            &env,
            &["scan", "-", "--format", "json"],
            &format!("OPENAI_API_KEY={key}\n"),
        );
        assert_eq!(code, 1, "{err}");
        let v = json(&out);
        let f = &findings(&v)[0];
        assert_eq!(f["rule"], "openai.project-key");
        assert_eq!(f["path"], "(stdin)");
        assert_eq!(f["line"], 1);
        assert!(!out.contains(&key), "the full key was printed");
        let (code, _, _) = piped(&env, &["scan", "-", "-q"], "nothing here\n");
        assert_eq!(code, 0);
    }

    #[test]
    fn stdin_name_gives_causes_and_path_rules_a_real_path() {
        let env = Env::new();
        let key = Fake::new(22).openai_project();
        let body =
            format!("const k = \"{key}\";\nfetch(url, {{ headers: {{ Authorization: k }} }});\n");
        let (code, out, _) = piped(
            &env,
            &[
                "scan",
                "-",
                "--stdin-name",
                "src/App.jsx",
                "--format",
                "json",
            ],
            &body,
        );
        assert_eq!(code, 1);
        let v = json(&out);
        let f = &findings(&v)[0];
        assert_eq!(f["path"], "src/App.jsx");
        let (_, out2, _) = piped(
            &env,
            &[
                "scan",
                "-",
                "--stdin-name",
                "server/db.rs",
                "--format",
                "json",
            ],
            &body,
        );
        let v2 = json(&out2);
        // The same bytes under a browser path and a server path get
        // different causes: the name reached the causes stage.
        assert_ne!(
            causes(&findings(&v)[0]),
            causes(&findings(&v2)[0]),
            "{v} {v2}"
        );
    }

    #[test]
    fn stdin_flags_without_dash_are_a_usage_error() {
        let env = Env::new();
        let (code, _, err) = piped(&env, &["scan", ".", "--diff"], "");
        assert_eq!(code, 2);
        assert!(err.contains("give `-` as the only path"), "{err}");
        let (code, _, err) = piped(&env, &["scan", "-", "--staged"], "");
        assert_eq!(code, 2, "{err}");
    }

    #[test]
    fn a_diff_scans_only_added_lines_at_their_new_numbers() {
        let env = Env::new();
        let mut fake = Fake::new(23);
        let (old, new) = (fake.openai_project(), fake.openai_project());
        let diff = format!(
            "diff --git a/web/app.js b/web/app.js\nindex 1111111..2222222 100644\n--- a/web/app.js\n+++ b/web/app.js\n@@ -40,3 +40,4 @@ function f() {{\n const a = 1;\n-const old = \"{old}\";\n+const b = 2;\n+const key = \"{new}\";\n const c = 3;\ndiff --git a/gone.env b/gone.env\ndeleted file mode 100644\n--- a/gone.env\n+++ /dev/null\n@@ -1 +0,0 @@\n-K={old}\n"
        );
        let (code, out, err) = piped(&env, &["scan", "--diff", "-", "--format", "json"], &diff);
        assert_eq!(code, 1, "{err}");
        let v = json(&out);
        let fs = findings(&v);
        assert_eq!(fs.len(), 1, "{v}");
        assert_eq!(fs[0]["path"], "web/app.js");
        assert_eq!(fs[0]["line"], 42);
        assert!(!out.contains(&old) && !out.contains(&new));
        // Removing a key is not a leak.
        let removal =
            format!("--- a/x.js\n+++ b/x.js\n@@ -1 +1 @@\n-k=\"{old}\"\n+k=process.env.K\n");
        let (code, _, _) = piped(&env, &["scan", "--diff", "-", "-q"], &removal);
        assert_eq!(code, 0);
    }

    #[test]
    fn garbage_and_invalid_utf8_on_stdin_do_not_crash() {
        let env = Env::new();
        let out = env
            .cmd()
            .args(["scan", "--diff", "-", "-q"])
            .write_stdin(b"@@ -1 +99999999999999999999 @@\n+\xff\xfe\n+++\n\x00".to_vec())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let out = env
            .cmd()
            .args(["scan", "-", "-q"])
            .write_stdin(vec![0xffu8; 4096])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
    }
}

mod pre_push {
    use super::*;
    use std::path::Path;
    use std::process::Output;

    const ZERO: &str = "0000000000000000000000000000000000000000";

    /// main: base (clean) <- pushed; `refs/remotes/origin/main` at base.
    fn repo_with_remote(env: &Env, base_files: &[(&str, &str)]) -> (git2::Repository, git2::Oid) {
        let repo = env.git_init();
        let t = tree_of(&repo, base_files);
        let base = commit_tree(
            &repo,
            Some("refs/heads/main"),
            "base",
            t,
            &[],
            1_700_000_000,
        );
        repo.reference("refs/remotes/origin/main", base, true, "test")
            .unwrap();
        repo.set_head("refs/heads/main").unwrap();
        (repo, base)
    }

    fn push(env: &Env, lines: &str) -> (i32, String, String) {
        piped(env, &["scan", "--pre-push", "--format", "json"], lines)
    }

    #[test]
    fn scans_exactly_the_commits_being_pushed() {
        let env = Env::new();
        let mut fake = Fake::new(31);
        let (old_key, new_key) = (fake.openai_project(), fake.openai_project());
        let old = format!("K={old_key}\n");
        // The remote already has a key (history to purge another day); the
        // push adds a clean commit: not blocked.
        let (repo, base) = repo_with_remote(&env, &[("old.txt", &old)]);
        let t = tree_of(&repo, &[("old.txt", &old), ("a.txt", "hello\n")]);
        let clean = commit_tree(
            &repo,
            Some("refs/heads/main"),
            "clean",
            t,
            &[base],
            1_700_000_100,
        );
        let line = format!("refs/heads/main {clean} refs/heads/main {base}\n");
        let (code, out, err) = push(&env, &line);
        assert_eq!(code, 0, "{out}{err}");
        // A second commit adds a key: blocked, and only that key reported.
        let added = format!("const k = \"{new_key}\";\n");
        let t = tree_of(
            &repo,
            &[
                ("old.txt", &old),
                ("a.txt", "hello\n"),
                ("web/k.js", &added),
            ],
        );
        let leak = commit_tree(
            &repo,
            Some("refs/heads/main"),
            "leak",
            t,
            &[clean],
            1_700_000_200,
        );
        let line = format!("refs/heads/main {leak} refs/heads/main {base}\n");
        let (code, out, err) = push(&env, &line);
        assert_eq!(code, 1, "{out}{err}");
        let v = json(&out);
        let fs = findings(&v);
        assert_eq!(fs.len(), 1, "{v}");
        assert_eq!(fs[0]["path"], "web/k.js");
        assert!(!out.contains(&new_key));
        // A new branch (remote sha zeros): its commits not on any
        // remote-tracking branch; a deletion sends nothing.
        let line = format!("refs/heads/feat {leak} refs/heads/feat {ZERO}\n");
        assert_eq!(push(&env, &line).0, 1);
        let line = format!("refs/heads/feat {clean} refs/heads/feat {ZERO}\n");
        assert_eq!(
            push(&env, &line).0,
            0,
            "the key on origin/main is not re-reported"
        );
        let line = format!("(delete) {ZERO} refs/heads/gone {leak}\n");
        assert_eq!(push(&env, &line).0, 0);
        assert_eq!(push(&env, "").0, 0);
    }

    #[test]
    fn bad_lines_and_unknown_commits_are_usage_errors() {
        let env = Env::new();
        let (_repo, _) = repo_with_remote(&env, &[("a", "b\n")]);
        let (code, _, err) = push(&env, "not a push line\n");
        assert_eq!(code, 2);
        assert!(err.contains("pre-push"), "{err}");
        let line = format!("refs/heads/x {} refs/heads/x {ZERO}\n", "ab".repeat(20));
        let (code, _, err) = push(&env, &line);
        assert_eq!(code, 2);
        assert!(err.contains("not in this repository"), "{err}");
    }

    fn git(dir: &Path, args: &[&str]) -> Output {
        std::process::Command::new("git")
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", dir)
            .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
            .args(args)
            .output()
            .expect("git runs")
    }

    /// The installed hook through a real `git push` to a bare repository
    /// the test made (the suite runs git only on its own repositories).
    #[test]
    fn the_installed_hook_blocks_a_real_push() {
        if std::process::Command::new("git")
            .arg("--version")
            .output()
            .is_err()
        {
            eprintln!("git not installed: skipped");
            return;
        }
        let env = Env::new();
        let remote = tempfile::tempdir().unwrap();
        git2::Repository::init_bare(remote.path()).unwrap();
        let (repo, _) = repo_with_remote(&env, &[("a.txt", "hi\n")]);
        repo.remote("origin", &remote.path().to_string_lossy())
            .unwrap();
        let out = env
            .cmd()
            .args(["hook", "install", "--pre-push"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert!(String::from_utf8_lossy(&out.stdout).contains("pre-push hook"));
        let o = git(env.path(), &["push", "origin", "main"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let key = Fake::new(33).openai_project();
        env.write("web/k.js", format!("const k = \"{key}\";\n"));
        env.commit_all(&repo, "leak");
        let o = git(env.path(), &["push", "origin", "main"]);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(!o.status.success(), "{err}");
        assert!(err.contains("push blocked"), "{err}");
        assert!(!err.contains(&key));
        // A new branch with the same commit is blocked too.
        let o = git(env.path(), &["push", "origin", "main:feature"]);
        assert!(!o.status.success());
        let out = env
            .cmd()
            .args(["hook", "uninstall", "--pre-push"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert!(!env.path().join(".git/hooks/pre-push").exists());
    }
}

mod agent {
    use super::*;

    fn ask(env: &Env, req: &serde_json::Value) -> (i32, String, String) {
        piped(env, &["hook", "agent"], &req.to_string())
    }

    #[test]
    fn claude_code_write_edit_multiedit_and_bash() {
        let env = Env::new();
        let key = Fake::new(41).openai_project();
        let base = |tool: &str, input: serde_json::Value| {
            serde_json::json!({
                "session_id": "s", "transcript_path": "/t", "cwd": "/p",
                "hook_event_name": "PreToolUse", "tool_name": tool, "tool_input": input,
            })
        };
        let denied = [
            base(
                "Write",
                serde_json::json!({"file_path": "/p/src/App.jsx", "content": format!("const k = \"{key}\";\n")}),
            ),
            base(
                "Edit",
                serde_json::json!({"file_path": "/p/a.py", "old_string": "x = 1", "new_string": format!("KEY = \"{key}\"")}),
            ),
            base(
                "MultiEdit",
                serde_json::json!({"file_path": "/p/a.py", "edits": [{"old_string": "a", "new_string": "b"}, {"old_string": "c", "new_string": format!("k='{key}'")}]}),
            ),
            base(
                "Bash",
                serde_json::json!({"command": format!("curl -H 'Authorization: Bearer {key}' https://api.openai.com/v1/models")}),
            ),
        ];
        for req in &denied {
            let (code, out, err) = ask(&env, req);
            assert_eq!(code, 0, "{err}");
            let v = json(&out);
            let h = &v["hookSpecificOutput"];
            assert_eq!(h["hookEventName"], "PreToolUse", "{v}");
            assert_eq!(h["permissionDecision"], "deny");
            let why = h["permissionDecisionReason"].as_str().unwrap();
            assert!(why.contains(".env") && why.contains("server"), "{why}");
            assert!(
                !out.contains(&key) && !err.contains(&key),
                "full key printed"
            );
        }
        // Allowed: nothing printed. Removing a key (old_string) is allowed.
        let ok = [
            base(
                "Write",
                serde_json::json!({"file_path": "/p/a.js", "content": "const k = process.env.OPENAI_API_KEY;\n"}),
            ),
            base(
                "Edit",
                serde_json::json!({"file_path": "/p/a.py", "old_string": format!("KEY = \"{key}\""), "new_string": "KEY = os.environ['KEY']"}),
            ),
            base("Bash", serde_json::json!({"command": "cargo test"})),
        ];
        for req in &ok {
            let (code, out, _) = ask(&env, req);
            assert_eq!((code, out.as_str()), (0, ""), "{req}");
        }
    }

    #[test]
    fn writing_the_key_to_a_git_ignored_env_file_is_allowed() {
        let env = Env::new();
        env.git_init();
        let key = Fake::new(44).openai_project();
        let write = |path: &std::path::Path| {
            serde_json::json!({
                "hook_event_name": "PreToolUse", "tool_name": "Write",
                "tool_input": {"file_path": path.to_string_lossy(), "content": format!("OPENAI_API_KEY={key}\n")},
            })
        };
        let dotenv = env.path().join(".env");
        // Not ignored yet: the next `git add .` would commit it.
        let (_, out, _) = ask(&env, &write(&dotenv));
        assert_eq!(
            json(&out)["hookSpecificOutput"]["permissionDecision"],
            "deny"
        );
        env.write(".gitignore", ".env\n");
        let (code, out, _) = ask(&env, &write(&dotenv));
        assert_eq!(
            (code, out.as_str()),
            (0, ""),
            "the advice's own place is allowed"
        );
        // The same key anywhere else is still denied.
        let (_, out, _) = ask(&env, &write(&env.path().join("src/config.js")));
        assert_eq!(
            json(&out)["hookSpecificOutput"]["permissionDecision"],
            "deny"
        );
    }

    #[test]
    fn cursor_shell_and_tool_hooks() {
        let env = Env::new();
        let key = Fake::new(42).openai_project();
        let req = serde_json::json!({
            "hook_event_name": "beforeShellExecution", "conversation_id": "c",
            "generation_id": "g", "workspace_roots": ["/p"],
            "command": format!("echo OPENAI_API_KEY={key} >> web/.env.production"), "cwd": "/p",
        });
        let (code, out, _) = ask(&env, &req);
        assert_eq!(code, 0);
        let v = json(&out);
        assert_eq!(v["permission"], "deny", "{v}");
        assert!(v["user_message"].as_str().unwrap().contains(".env"));
        assert!(v["agent_message"].is_string());
        assert!(!out.contains(&key));
        let req = serde_json::json!({"hook_event_name": "beforeMCPExecution", "tool_name": "q", "tool_input": format!("{{\"body\": \"{key}\"}}")});
        assert_eq!(json(&ask(&env, &req).1)["permission"], "deny");
        let req =
            serde_json::json!({"hook_event_name": "beforeShellExecution", "command": "ls -la"});
        assert_eq!(ask(&env, &req).1, "");
    }

    #[test]
    fn copilot_pre_tool_use_with_object_or_string_args() {
        let env = Env::new();
        let key = Fake::new(43).openai_project();
        let args = serde_json::json!({"path": "src/client.ts", "file_text": format!("export const k = '{key}';")});
        for tool_args in [args.clone(), serde_json::Value::String(args.to_string())] {
            let req = serde_json::json!({"timestamp": 1_700_000_000, "cwd": "/p", "toolName": "create", "toolArgs": tool_args});
            let (code, out, _) = ask(&env, &req);
            assert_eq!(code, 0);
            let v = json(&out);
            assert_eq!(v["permissionDecision"], "deny", "{v}");
            assert!(
                v["permissionDecisionReason"]
                    .as_str()
                    .unwrap()
                    .contains("server")
            );
            assert!(!out.contains(&key));
        }
        let req = serde_json::json!({"toolName": "bash", "toolArgs": "{\"command\":\"npm test\"}"});
        assert_eq!(ask(&env, &req).1, "");
    }

    #[test]
    fn a_request_that_is_not_json_is_exit_2() {
        let env = Env::new();
        let (code, out, err) = piped(&env, &["hook", "agent"], "not json");
        assert_eq!(code, 2);
        assert_eq!(out, "");
        assert!(err.contains("not JSON"), "{err}");
    }
}
