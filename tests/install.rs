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
