//! A scan never dies: names and bytes that used to panic, special files that
//! used to block, sizes that used to wrap. Every case runs the real binary
//! with a timeout and must still report its planted key.

use std::time::Duration;

use crate::common::{Env, Fake, findings};

/// Run a JSON scan with a timeout: (exit code, report, stderr). A hang
/// fails the test instead of blocking the suite (101 is a panic, -1 a
/// timeout or a signal).
pub(crate) fn scan(env: &Env, args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = env
        .cmd()
        .arg("scan")
        .args(args)
        .args(["--format", "json"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "exit {code} (101 is a panic, -1 a timeout): {stderr}"
    );
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): stderr={stderr}"));
    (code, v, stderr)
}

fn paths(v: &serde_json::Value) -> Vec<String> {
    findings(v)
        .iter()
        .map(|f| f["path"].as_str().unwrap_or_default().to_string())
        .collect()
}

const NAMES: &[&str] = &[
    "a á.html",
    "café.html",
    "ñ.js",
    "한글.txt",
    "🔑.py",
    "src/clé/é.ipynb",
    "maps/ü.map",
    "x.é",
];

#[test]
fn non_ascii_file_names_in_tree_history_staged_and_baseline() {
    let env = Env::new();
    let repo = env.git_init();
    let mut fake = Fake::new(181);
    let mut keys = Vec::new();
    for name in NAMES {
        let key = fake.openai_project();
        env.write(name, format!("key = \"{key}\"\n"));
        keys.push(key);
    }
    let (code, v, _) = scan(&env, &["--no-history", "."]);
    assert_eq!(code, 1);
    let found = paths(&v);
    for (name, key) in NAMES.iter().zip(&keys) {
        assert!(
            found.iter().any(|p| p == name),
            "{name} ({key}) not in {found:?}"
        );
    }
    env.commit_all(&repo, "add files with non-ASCII names");
    let (_, v, _) = scan(&env, &["--history-only", "."]);
    assert!(findings(&v).len() >= NAMES.len(), "{v}");
    env.write("staged/café.js", format!("k='{}'", fake.openai_project()));
    let mut index = repo.index().unwrap();
    index
        .add_path(std::path::Path::new("staged/café.js"))
        .unwrap();
    index.write().unwrap();
    let (code, v, _) = scan(&env, &["--staged", "."]);
    assert_eq!(code, 1, "{v}");
    let out = env
        .cmd()
        .args(["baseline", "create", "--output", "b.json", "."])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[cfg(unix)]
#[test]
fn a_file_name_that_is_not_utf8() {
    use std::os::unix::ffi::OsStrExt;
    let env = Env::new();
    let name = std::ffi::OsStr::from_bytes(b"bad\xff\xfe.js");
    let key = Fake::new(82).openai_project();
    std::fs::write(env.path().join(name), format!("const k = \"{key}\";")).unwrap();
    let (code, v, _) = scan(&env, &["--no-history", "."]);
    assert_eq!(code, 1);
    assert_eq!(findings(&v).len(), 1, "{v}");
}

#[test]
fn keys_after_non_ascii_names_and_at_window_edges() {
    let env = Env::new();
    let mut fake = Fake::new(83);
    env.write(
        "package.json",
        r#"{"dependencies": {"react": "18.0.0", "vite": "5.0.0"}}"#,
    );
    // The assigned-variable scan walks back over these names.
    let mut js = String::new();
    for name in ["clé", "ключ", "キー", "k\u{fffd}"] {
        js.push_str(&format!("const {name} = \"{}\";\n", fake.openai_project()));
    }
    env.write("src/names.js", &js);
    // A multi-byte character straddling the 200-byte directive window and
    // the 64 KiB content-vote window.
    let mut edge = "x".repeat(199);
    edge.push('é');
    edge.push('\n');
    edge.push_str(&"/".repeat(65_535 - edge.len()));
    edge.push_str("é\n");
    edge.push_str(&format!("const k = \"{}\";\n", fake.openai_project()));
    env.write("src/edge.js", &edge);
    // Invalid UTF-8 and a lone UTF-16 surrogate just before a key.
    let mut raw = b"token=\xff\xfe".to_vec();
    raw.extend_from_slice(format!(" \"{}\"\n", fake.openai_project()).as_bytes());
    env.write("src/raw.js", &raw);
    let mut utf16: Vec<u8> = vec![0xFF, 0xFE];
    let text = format!("a=\u{1F511} b=\"{}\"\n", fake.openai_project());
    let mut units: Vec<u16> = vec![0xD800];
    units.extend(text.encode_utf16());
    for u in units {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    env.write("src/utf16.txt", &utf16);
    let (code, v, _) = scan(&env, &["--no-history", "."]);
    assert_eq!(code, 1);
    let found = paths(&v);
    assert_eq!(
        found.iter().filter(|p| *p == "src/names.js").count(),
        4,
        "{found:?}"
    );
    for p in ["src/edge.js", "src/raw.js", "src/utf16.txt"] {
        assert!(found.iter().any(|f| f == p), "{p} not in {found:?}");
    }
}

#[test]
fn max_file_size_does_not_wrap() {
    let env = Env::new();
    let key = Fake::new(84).openai_project();
    env.write("a.py", format!("k = \"{key}\"\n"));
    let (code, v, _) = scan(
        &env,
        &[
            "--no-history",
            "--max-file-size",
            "18446744073709551615",
            ".",
        ],
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(findings(&v).len(), 1, "{v}");
}

#[cfg(unix)]
mod special_files {
    use std::path::Path;

    use super::*;

    fn mkfifo(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let ok = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .unwrap();
        assert!(ok.success());
    }

    fn planted(env: &Env, seed: u64) -> String {
        let key = Fake::new(seed).openai_project();
        env.write(
            "src/app.py",
            format!("client = OpenAI(api_key=\"{key}\")\n"),
        );
        key
    }

    /// Each FIFO where jikimi reads outside the walk, one tree per case.
    #[test]
    fn fifos_anywhere_never_block() {
        let cases: &[(&str, bool)] = &[
            (".gitignore", true),
            (".ignore", false),
            ("src/.gitignore", true),
            (".git/info/exclude", true),
            (".git/config", true),
            (".git/index", true),
            (".git/shallow", true),
            ("package.json", false),
            ("src/package.json", false),
        ];
        for (i, (fifo, git)) in cases.iter().enumerate() {
            let env = Env::new();
            if *git {
                let repo = env.git_init();
                planted(&env, 90 + i as u64);
                env.commit_all(&repo, "init");
            } else {
                planted(&env, 90 + i as u64);
            }
            let p = env.path().join(fifo);
            let _ = std::fs::remove_file(&p);
            mkfifo(&p);
            let (code, v, stderr) = scan(&env, &["."]);
            assert_eq!(code, 1, "{fifo}: {v} {stderr}");
            assert!(
                paths(&v).iter().any(|p| p == "src/app.py"),
                "{fifo}: {v} {stderr}"
            );
        }
    }

    #[test]
    fn a_fifo_given_as_the_path_or_config() {
        let env = Env::new();
        planted(&env, 100);
        mkfifo(&env.path().join("pipe"));
        let out = env
            .cmd()
            .args(["scan", "pipe", "--format", "json"])
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap();
        assert!(matches!(out.status.code(), Some(0 | 2)), "{out:?}");
        let out = env
            .cmd()
            .args(["scan", ".", "--config", "pipe", "--format", "json"])
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("FIFO"), "{stderr}");
    }

    #[test]
    fn symlinks_to_dev_zero_are_not_read() {
        let env = Env::new();
        let repo = env.git_init();
        planted(&env, 101);
        std::os::unix::fs::symlink("/dev/zero", env.path().join("package.json")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", env.path().join(".gitignore")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", env.path().join("src/package.json")).unwrap();
        env.commit_all(&repo, "links");
        let (code, v, _) = scan(&env, &["--follow", "."]);
        assert_eq!(code, 1, "{v}");
        assert!(paths(&v).iter().any(|p| p == "src/app.py"), "{v}");
        let (code, v, _) = scan(&env, &["."]);
        assert_eq!(code, 1, "{v}");
    }
}

/// A panic on one file (injected in debug builds) is an error for that file;
/// the other file's key is still reported and the exit code says so.
#[test]
#[cfg_attr(
    not(debug_assertions),
    ignore = "the panic is injected only in debug builds"
)]
fn a_panic_on_one_file_is_an_error_and_the_scan_completes() {
    let env = Env::new();
    let mut fake = Fake::new(102);
    env.write("boom/a.py", format!("k = \"{}\"\n", fake.openai_project()));
    env.write("ok/b.py", format!("k = \"{}\"\n", fake.openai_project()));
    let out = env
        .cmd()
        .args(["scan", ".", "--no-history", "--format", "json"])
        .env("JIKIMI_DEBUG_PANIC", "boom/a.py")
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(paths(&v), vec!["ok/b.py".to_string()], "{v}");
    assert_eq!(v["stats"]["errors"], 1, "{v}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("boom/a.py"), "{stderr}");
    assert!(stderr.contains("internal error, please report"), "{stderr}");
    assert!(!stderr.contains("panicked at"), "{stderr}");
}
