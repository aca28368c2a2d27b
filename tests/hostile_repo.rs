//! Hostile repositories (issue 19): objects whose delta chains loop, copies
//! that are damaged or listed twice, packs with holes of gigabytes, delta
//! bombs, huge commit messages, and FIFOs wherever libgit2 would open a
//! file. Each repository is built in the test (packs written byte by byte
//! with `common::pack`), scanned through the binary with a timeout, and
//! must give its intact keys, name what it skipped, and never hang.

use std::time::Duration;

use git2::Oid;

use crate::common::pack::{self, DeltaOp, PackObj};
use crate::common::*;

const T0: i64 = 1_700_000_000;

fn py(key: &str) -> String {
    format!("import os\nAPI_KEY = \"{key}\"\n")
}

use super::hostile::scan;

fn has_key(v: &serde_json::Value, key: &str) -> bool {
    findings(v).iter().any(|f| f["secret"] == key)
}

fn errors(v: &serde_json::Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_string())
        .collect()
}

fn skipped(v: &serde_json::Value) -> String {
    v["skipped"].to_string()
}

fn bytes(id: Oid) -> [u8; 20] {
    id.as_bytes().try_into().unwrap()
}

fn pack_dir(env: &Env) -> std::path::PathBuf {
    env.path().join(".git/objects/pack")
}

/// Delete the loose copy of `id` (the pack's copy is then the only one).
fn remove_loose(env: &Env, id: Oid) {
    let hex = id.to_string();
    let p = env
        .path()
        .join(".git/objects")
        .join(&hex[..2])
        .join(&hex[2..]);
    std::fs::remove_file(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
}

/// A ref-delta claiming to be `id`, against `base`, that would rebuild
/// `content` if the base were `base_len` bytes.
fn ref_delta(id: Oid, base: Oid, base_len: usize, content: &[u8]) -> PackObj {
    PackObj::RefDelta {
        id: bytes(id),
        base: bytes(base),
        delta: pack::delta(base_len as u64, &[DeltaOp::Insert(content.to_vec())]),
    }
}

/// Delta loops: a blob whose ref-delta base is itself, two blobs whose
/// bases are each other (in one pack, and across two packs), and a
/// branch whose root tree is a delta of itself. libgit2 follows such a
/// chain forever (100% CPU, or memory until the allocator fails and the
/// scan exits 0); the scan must finish, report each object it could not
/// read, and still find the key stored intact.
#[test]
fn delta_loops_are_reported_and_never_followed() {
    let env = Env::new();
    let key = Fake::new(1901).openai_project();
    let repo = env.git_init();
    let files: &[(&str, &str)] = &[
        ("k.py", &py(&key)),
        ("self.txt", "a blob whose base is itself\n"),
        ("a.txt", "blob a, based on b\n"),
        ("b.txt", "blob b, based on a\n"),
        ("x.txt", "blob x, based on y in another pack\n"),
        ("y.txt", "blob y, based on x in another pack\n"),
    ];
    let t1 = tree_of(&repo, files);
    commit_tree(&repo, Some("HEAD"), "c1", t1, &[], T0);
    let t2 = tree_of(&repo, &[("other.txt", "behind a looping tree\n")]);
    commit_tree(&repo, Some("refs/heads/looped"), "c2", t2, &[], T0 + 1);
    let id = |c: &str| repo.blob(c.as_bytes()).unwrap();
    let (s, a, b, x, y) = (
        id(files[1].1),
        id(files[2].1),
        id(files[3].1),
        id(files[4].1),
        id(files[5].1),
    );
    let t2_len = repo.find_tree(t2).unwrap().len() * 40;
    pack::write_pack(
        &pack_dir(&env),
        "loops",
        &[
            ref_delta(s, s, files[1].1.len(), files[1].1.as_bytes()),
            ref_delta(a, b, files[3].1.len(), files[2].1.as_bytes()),
            ref_delta(b, a, files[2].1.len(), files[3].1.as_bytes()),
            ref_delta(x, y, files[5].1.len(), files[4].1.as_bytes()),
            ref_delta(t2, t2, t2_len, b"not a tree"),
        ],
        &[],
    );
    pack::write_pack(
        &pack_dir(&env),
        "other",
        &[ref_delta(y, x, files[4].1.len(), files[5].1.as_bytes())],
        &[],
    );
    for o in [s, a, b, x, y, t2] {
        remove_loose(&env, o);
    }
    drop(repo);
    let (code, v, stderr) = scan(&env, &["--history-only", "--no-redact"]);
    assert_eq!(code, 1, "{v:#}\n{stderr}");
    assert!(has_key(&v, &key), "{v:#}");
    let errs = errors(&v);
    for (name, o) in [
        ("self.txt", s),
        ("a.txt", a),
        ("b.txt", b),
        ("x.txt", x),
        ("y.txt", y),
    ] {
        let short = &o.to_string()[..10];
        assert!(
            errs.iter()
                .any(|e| e.contains(name) && e.contains(short) && e.contains("loops")),
            "{name} not reported: {errs:#?}"
        );
    }
    assert!(
        errs.iter()
            .any(|e| e.contains(&t2.to_string()) && e.contains("loops")),
        "the looping tree is not reported: {errs:#?}"
    );
    assert_eq!(v["stats"]["blobs"], 1, "{v:#}");
}

/// A damaged copy of a blob in the newest pack does not hide the intact
/// copy in an older one; an index listing one id twice (a decoy first)
/// gives the copy whose bytes hash to the id, and says the index is odd.
#[test]
fn a_damaged_or_duplicated_copy_does_not_hide_the_good_one() {
    let env = Env::new();
    let mut fake = Fake::new(1902);
    let (k1, k2) = (fake.openai_project(), fake.openai_project());
    let repo = env.git_init();
    let (c1, c2) = (py(&k1), py(&k2));
    let t = tree_of(&repo, &[("one.py", &c1), ("two.py", &c2)]);
    commit_tree(&repo, Some("HEAD"), "c1", t, &[], T0);
    let b1 = repo.blob(c1.as_bytes()).unwrap();
    let b2 = repo.blob(c2.as_bytes()).unwrap();
    drop(repo);
    let full = |id: Oid, data: &[u8]| PackObj::Full {
        id: bytes(id),
        kind: pack::BLOB,
        data: data.to_vec(),
    };
    pack::write_pack(&pack_dir(&env), "old", &[full(b1, c1.as_bytes())], &[]);
    let mut damaged = pack::obj_header(pack::BLOB, c1.len() as u64);
    damaged.extend_from_slice(&[0x78, 0x9c, 0xff, 0xff, 0xff, 0xff, 0, 1, 2, 3]);
    pack::write_pack(
        &pack_dir(&env),
        "new",
        &[
            PackObj::Raw {
                id: bytes(b1),
                bytes: damaged,
            },
            full(b2, b"a decoy listed under the id of two.py\n"),
            full(b2, c2.as_bytes()),
        ],
        &[],
    );
    // The old pack is older (git and jikimi prefer the newest pack).
    let old = std::fs::File::options()
        .write(true)
        .open(pack_dir(&env).join("pack-old.pack"))
        .unwrap();
    old.set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    remove_loose(&env, b1);
    remove_loose(&env, b2);
    let (code, v, stderr) = scan(&env, &["--history-only", "--no-redact"]);
    assert_eq!(code, 1, "{v:#}\n{stderr}");
    assert!(
        has_key(&v, &k1),
        "the older pack's copy is read: {v:#}\n{stderr}"
    );
    assert!(
        has_key(&v, &k2),
        "the copy that hashes to its id: {v:#}\n{stderr}"
    );
    assert_eq!(v["stats"]["blobs"], 2, "{v:#}");
    let errs = errors(&v);
    assert!(
        errs.iter()
            .any(|e| e.contains("pack-new.pack") && e.contains("more than once")),
        "{errs:#?}"
    );
}

/// A pack with a hole of 64 GiB after its first object (a sparse file of
/// a few kilobytes): the reader sizes buffers from each object's header,
/// not from the distance to the next object. A blob whose header claims
/// 1 GiB is reported too large without being read.
#[test]
fn a_pack_with_a_huge_hole_and_a_huge_header() {
    let env = Env::new();
    let mut fake = Fake::new(1903);
    let (k1, k2) = (fake.openai_project(), fake.openai_project());
    let repo = env.git_init();
    let (c1, c2) = (py(&k1), py(&k2));
    let big = "claims to be a gigabyte\n";
    let t = tree_of(
        &repo,
        &[("before.py", &c1), ("after.py", &c2), ("big.bin", big)],
    );
    commit_tree(&repo, Some("HEAD"), "c1", t, &[], T0);
    let ids: Vec<Oid> = [c1.as_str(), c2.as_str(), big]
        .iter()
        .map(|c| repo.blob(c.as_bytes()).unwrap())
        .collect();
    drop(repo);
    let mut huge = pack::obj_header(pack::BLOB, 1 << 30);
    huge.extend_from_slice(&[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    pack::write_pack(
        &pack_dir(&env),
        "holes",
        &[
            PackObj::Full {
                id: bytes(ids[0]),
                kind: pack::BLOB,
                data: c1.clone().into_bytes(),
            },
            PackObj::Full {
                id: bytes(ids[1]),
                kind: pack::BLOB,
                data: c2.clone().into_bytes(),
            },
            PackObj::Raw {
                id: bytes(ids[2]),
                bytes: huge,
            },
        ],
        &[(1, 64 << 30)],
    );
    for &o in &ids {
        remove_loose(&env, o);
    }
    let (code, v, stderr) = scan(&env, &["--history-only", "--no-redact"]);
    assert_eq!(code, 1, "{v:#}\n{stderr}");
    assert!(has_key(&v, &k1) && has_key(&v, &k2), "{v:#}\n{stderr}");
    let skipped = skipped(&v);
    assert!(
        skipped.contains("big.bin") && skipped.contains("too large (1073741824 bytes"),
        "{skipped}"
    );
}

/// A delta bomb: a 64 KiB base and eight blobs that each copy it 255
/// times (16 MiB each from a pack of a few kilobytes). Decoding stops at
/// the history pass's budget; the blobs cut are listed as skipped and the
/// cut is reported as an error, and the key elsewhere is found.
#[test]
fn a_delta_bomb_is_cut_and_reported() {
    let env = Env::new();
    let key = Fake::new(1904).openai_project();
    let repo = env.git_init();
    let base: Vec<u8> = (0..65_536u32)
        .map(|i| b"lorem ipsum dolor sit amet\n"[(i % 27) as usize])
        .collect();
    let base_id = Oid::from_bytes(&pack::git_id("blob", &base)).unwrap();
    let mut objs = vec![PackObj::Full {
        id: bytes(base_id),
        kind: pack::BLOB,
        data: base.clone(),
    }];
    let mut names = Vec::new();
    for n in 0..8u8 {
        let tail = format!("bomb {n}\n").into_bytes();
        let mut ops: Vec<DeltaOp> = (0..255).map(|_| DeltaOp::Copy(0, 0x10000)).collect();
        ops.push(DeltaOp::Insert(tail.clone()));
        let mut content = Vec::with_capacity(255 * base.len() + tail.len());
        for _ in 0..255 {
            content.extend_from_slice(&base);
        }
        content.extend_from_slice(&tail);
        let id = Oid::from_bytes(&pack::git_id("blob", &content)).unwrap();
        objs.push(PackObj::RefDelta {
            id: bytes(id),
            base: bytes(base_id),
            delta: pack::delta(base.len() as u64, &ops),
        });
        names.push((format!("bomb{n}.txt"), id));
    }
    pack::write_pack(&pack_dir(&env), "bomb", &objs, &[]);
    let size: u64 = std::fs::metadata(pack_dir(&env).join("pack-bomb.pack"))
        .unwrap()
        .len();
    assert!(size < 8192, "{size}");
    let kept = repo.blob(py(&key).as_bytes()).unwrap();
    let mut tb = repo.treebuilder(None).unwrap();
    tb.insert("k.py", kept, 0o100644).unwrap();
    tb.insert("base.txt", base_id, 0o100644).unwrap();
    for (name, id) in &names {
        tb.insert(name, *id, 0o100644).unwrap();
    }
    let t = tb.write().unwrap();
    drop(tb);
    commit_tree(&repo, Some("HEAD"), "bomb", t, &[], T0);
    drop(repo);
    let (code, v, stderr) = scan(&env, &["--history-only", "--no-redact"]);
    assert_eq!(code, 1, "{v:#}\n{stderr}");
    assert!(has_key(&v, &key), "{v:#}");
    let skipped = v["skipped"].as_array().unwrap();
    let cut = skipped
        .iter()
        .filter(|s| s.to_string().contains("decoding budget"))
        .count();
    assert!((6..=8).contains(&cut), "{cut} cut: {v:#}");
    assert!(
        errors(&v).iter().any(|e| e.contains("delta bomb")),
        "{:#?}",
        errors(&v)
    );
    assert!(
        v["stats"]["blob_bytes"].as_u64().unwrap() <= 48 << 20,
        "{v:#}"
    );
}

/// A commit message larger than `--max-file-size` is scanned up to the
/// limit (and said so); a commit object larger than any real one is not
/// read at all, and the scan says which.
#[test]
fn huge_commit_messages_are_bounded() {
    let env = Env::new();
    let mut fake = Fake::new(1905);
    let (k1, k2, k3) = (
        fake.openai_project(),
        fake.openai_project(),
        fake.openai_project(),
    );
    let repo = env.git_init();
    let t = tree_of(&repo, &[("k.py", &py(&k1))]);
    let msg = format!("fix\n\ntoken {k2}\n{}\nlate {k3}\n", "x".repeat(8192));
    let c1 = commit_tree(&repo, Some("HEAD"), &msg, t, &[], T0);
    let (code, v, stderr) = scan(
        &env,
        &["--history-only", "--no-redact", "--max-file-size", "4K"],
    );
    assert_eq!(code, 1, "{v:#}\n{stderr}");
    assert!(has_key(&v, &k1) && has_key(&v, &k2), "{v:#}");
    assert!(!has_key(&v, &k3), "past the limit: not scanned");
    assert!(
        skipped(&v).contains(&format!("commit {} message", &c1.to_string()[..10])),
        "{v:#}"
    );
    // 65 MiB of message: over the commit limit.
    let t2 = tree_of(&repo, &[("k2.py", &py(&k2))]);
    let huge = "y".repeat(65 << 20);
    let c2 = commit_tree(&repo, Some("HEAD"), &huge, t2, &[c1], T0 + 1);
    drop(huge);
    drop(repo);
    let (code, v, stderr) = scan(&env, &["--history-only", "--no-redact"]);
    assert_eq!(code, 0, "c1 is behind the unread commit: {v:#}\n{stderr}");
    assert!(
        errors(&v)
            .iter()
            .any(|e| e.contains(&c2.to_string()) && e.contains("larger than any real commit")),
        "{v:#}"
    );
}

#[cfg(unix)]
mod fifos {
    use std::path::Path;

    use super::*;

    fn mkfifo(path: &Path) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let _ = std::fs::remove_file(path);
        let ok = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .unwrap();
        assert!(ok.success());
    }

    /// A work tree with a committed key in `src/app.py`.
    fn repo_with_key(env: &Env, seed: u64) -> String {
        let repo = env.git_init();
        let key = Fake::new(seed).openai_project();
        env.write(
            "src/app.py",
            format!("client = OpenAI(api_key=\"{key}\")\n"),
        );
        env.commit_all(&repo, "init");
        key
    }

    /// Run `jikimi <args>` with a timeout: (exit code, stdout, stderr).
    fn run(env: &Env, args: &[&str]) -> (i32, String, String) {
        let out = env
            .cmd()
            .args(args)
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Each place libgit2 opens a file, made a FIFO: the scan (with and
    /// without history, and `--staged`) and `hook install` finish at once,
    /// name the FIFO, and the tree scan still finds the key.
    #[test]
    fn fifos_where_libgit2_would_open_them() {
        type Setup = fn(&Env) -> String;
        let cases: &[(&str, Setup)] = &[
            ("idx beside a regular pack", |env| {
                let dir = env.path().join(".git/objects/pack");
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(dir.join("pack-1.pack"), b"PACK\0\0\0\x02\0\0\0\0").unwrap();
                mkfifo(&dir.join("pack-1.idx"));
                "pack-1.idx".into()
            }),
            ("loose object", |env| {
                mkfifo(
                    &env.path()
                        .join(".git/objects/ab/cdef0123456789abcdef0123456789abcdef01"),
                );
                "cdef0123456789".into()
            }),
            ("config include", |env| {
                mkfifo(&env.path().join(".git/pipe.cfg"));
                let cfg = env.path().join(".git/config");
                let mut text = std::fs::read_to_string(&cfg).unwrap();
                text.push_str("[include]\n\tpath = pipe.cfg\n");
                std::fs::write(&cfg, text).unwrap();
                "pipe.cfg".into()
            }),
            ("conditional include, nested", |env| {
                mkfifo(&env.path().join("deep.cfg"));
                std::fs::write(
                    env.path().join(".git/one.cfg"),
                    "[include]\n  path = \"../deep.cfg\" ; x\n",
                )
                .unwrap();
                let cfg = env.path().join(".git/config");
                let mut text = std::fs::read_to_string(&cfg).unwrap();
                text.push_str("[includeIf \"gitdir:/\"]\npath = one.cfg\n");
                std::fs::write(&cfg, text).unwrap();
                "deep.cfg".into()
            }),
            ("HEAD's ref", |env| {
                mkfifo(&env.path().join(".git/refs/heads/pipe"));
                std::fs::write(env.path().join(".git/HEAD"), "ref: refs/heads/pipe\n").unwrap();
                "refs/heads/pipe".into()
            }),
            ("an alternate's idx", |env| {
                let alt = env.path().join("alt/objects");
                mkfifo(&alt.join("pack/pack-2.idx"));
                std::fs::write(alt.join("pack/pack-2.pack"), b"PACK").unwrap();
                let info = env.path().join(".git/objects/info");
                std::fs::create_dir_all(&info).unwrap();
                std::fs::write(info.join("alternates"), format!("{}\n", alt.display())).unwrap();
                "pack-2.idx".into()
            }),
            ("commondir's config", |env| {
                let common = env.path().join("common.git");
                git2::Repository::init_bare(&common).unwrap();
                mkfifo(&common.join("config"));
                std::fs::write(
                    env.path().join(".git/commondir"),
                    format!("{}\n", common.display()),
                )
                .unwrap();
                "common.git/config".into()
            }),
            ("a gitdir: file's config", |env| {
                let real = env.path().join(".git");
                let moved = env.path().join("elsewhere.git");
                std::fs::rename(&real, &moved).unwrap();
                std::fs::write(&real, format!("gitdir: {}\n", moved.display())).unwrap();
                mkfifo(&moved.join("config"));
                "elsewhere.git/config".into()
            }),
        ];
        for (i, (what, setup)) in cases.iter().enumerate() {
            let env = Env::new();
            let key = repo_with_key(&env, 1910 + i as u64);
            let named = setup(&env);
            for args in [
                &["scan", ".", "--no-redact", "--format", "json"][..],
                &[
                    "scan",
                    ".",
                    "--no-history",
                    "--no-redact",
                    "--format",
                    "json",
                ],
            ] {
                let (code, out, err) = run(&env, args);
                assert_eq!(code, 1, "{what} {args:?}: {out}\n{err}");
                assert!(out.contains(&key), "{what} {args:?}: {out}\n{err}");
                assert!(
                    err.contains(&named) && err.contains("FIFO"),
                    "{what} {args:?}: {err}"
                );
            }
            let (code, _, err) = run(&env, &["scan", "--staged", "."]);
            assert_eq!(code, 2, "{what} --staged: {err}");
            assert!(err.contains(&named), "{what} --staged: {err}");
            let (code, _, err) = run(&env, &["hook", "install"]);
            assert_eq!(code, 2, "{what} hook install: {err}");
            assert!(err.contains(&named), "{what} hook install: {err}");
        }
    }
}

/// A ref name of a megabyte (git allows it in `packed-refs`) pointing at
/// nothing: reported once, its name cut short; and 100,000 tags of one
/// commit are peeled once.
#[test]
fn long_ref_names_and_many_tags() {
    let env = Env::new();
    let key = Fake::new(1906).openai_project();
    let repo = env.git_init();
    let t = tree_of(&repo, &[("k.py", &py(&key))]);
    let c = commit_tree(&repo, Some("HEAD"), "c1", t, &[], T0);
    drop(repo);
    let long = format!("refs/heads/{}", "x".repeat(1 << 20));
    let mut refs = String::from("# pack-refs with: peeled fully-peeled sorted \n");
    refs.push_str(&format!("{} {long}\n", "1".repeat(40)));
    for i in 0..100_000 {
        refs.push_str(&format!("{c} refs/tags/t{i:06}\n"));
    }
    std::fs::write(env.path().join(".git/packed-refs"), refs).unwrap();
    let (code, v, stderr) = scan(&env, &["--history-only", "--no-redact"]);
    assert_eq!(code, 1, "{}", &stderr[..stderr.len().min(2000)]);
    assert!(has_key(&v, &key));
    assert!(stderr.len() < 8192, "{} bytes of stderr", stderr.len());
    assert_eq!(
        stderr.matches("xxxxxxxx…").count(),
        1,
        "{}",
        &stderr[..stderr.len().min(2000)]
    );
    assert!(v.to_string().len() < 64 << 10, "the report is small");
}

/// The working-tree scan asks whether HEAD has a key too: with HEAD's root
/// tree stored as a delta of itself, that question is not asked of libgit2
/// (it would never return), and the scan finishes with the key.
#[test]
fn a_looping_head_tree_does_not_hang_the_tree_scan() {
    let env = Env::new();
    let key = Fake::new(1907).openai_project();
    let repo = env.git_init();
    env.write("src/app.py", py(&key));
    let c = env.commit_all(&repo, "init");
    let t = repo.find_commit(c).unwrap().tree_id();
    let len = repo.find_tree(t).unwrap().len() * 40;
    pack::write_pack(&pack_dir(&env), "loop", &[ref_delta(t, t, len, b"x")], &[]);
    remove_loose(&env, t);
    drop(repo);
    let (code, v, stderr) = scan(&env, &["--no-history", "--no-redact"]);
    assert_eq!(code, 1, "{v:#}\n{stderr}");
    assert!(has_key(&v, &key), "{v:#}");
    let (code, v, stderr) = scan(&env, &["--no-redact"]);
    assert_eq!(code, 1, "{v:#}\n{stderr}");
    assert!(
        errors(&v)
            .iter()
            .any(|e| e.contains(&t.to_string()) && e.contains("loops")),
        "{v:#}"
    );
}

/// Run `jikimi <args>` with a timeout: (exit code, stdout, stderr).
fn run_timed(env: &Env, args: &[&str]) -> (i32, String, String) {
    let out = env
        .cmd()
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `--staged` (the pre-commit hook) with HEAD's root tree stored as a
/// delta of itself: libgit2's diff of the index against HEAD would follow
/// the loop forever. The tree is refused by the pack survey, the scan says
/// so, and every staged file is scanned whole: the staged key is found.
#[test]
fn staged_with_a_looping_head_tree() {
    let env = Env::new();
    let mut fake = Fake::new(1930);
    let (k1, k2) = (fake.openai_project(), fake.openai_project());
    let repo = env.git_init();
    env.write("src/app.py", py(&k1));
    let c = env.commit_all(&repo, "init");
    let t = repo.find_commit(c).unwrap().tree_id();
    let len = repo.find_tree(t).unwrap().len() * 40;
    env.write("src/new.py", py(&k2));
    let mut index = repo.index().unwrap();
    index.add_path(std::path::Path::new("src/new.py")).unwrap();
    index.write().unwrap();
    pack::write_pack(&pack_dir(&env), "loop", &[ref_delta(t, t, len, b"x")], &[]);
    remove_loose(&env, t);
    drop(repo);
    let (code, out, err) = run_timed(
        &env,
        &["scan", "--staged", ".", "--no-redact", "--format", "json"],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains(&k2), "the staged key: {out}\n{err}");
    assert!(
        err.contains(&t.to_string()) && err.contains("loops") && err.contains("whole"),
        "{err}"
    );
}

/// `--since` and `--range` resolve their revisions without handing libgit2
/// an object whose delta chain loops (its revparse would never return): a
/// branch at such a commit is an error naming it (exit 2), at once; the
/// usual forms (`HEAD~1`, a short id, `^2`-style suffixes) still resolve.
#[test]
fn since_and_range_at_a_looping_commit() {
    let env = Env::new();
    let mut fake = Fake::new(1931);
    let (k1, k2) = (fake.openai_project(), fake.openai_project());
    let repo = env.git_init();
    let t1 = tree_of(&repo, &[("one.py", &py(&k1))]);
    let c1 = commit_tree(&repo, Some("HEAD"), "c1", t1, &[], T0);
    let t2 = tree_of(&repo, &[("one.py", &py(&k1)), ("two.py", &py(&k2))]);
    let c2 = commit_tree(&repo, Some("HEAD"), "c2", t2, &[c1], T0 + 1);
    let t0 = tree_of(&repo, &[("zero.txt", "nothing\n")]);
    let c0 = commit_tree(&repo, Some("refs/heads/looped"), "c0", t0, &[], T0 - 1);
    let c0_len = repo.odb().unwrap().read(c0).unwrap().len();
    pack::write_pack(
        &pack_dir(&env),
        "loop",
        &[ref_delta(c0, c0, c0_len, b"x")],
        &[],
    );
    remove_loose(&env, c0);
    drop(repo);
    for args in [
        &["--since", "looped"][..],
        &["--since", "looped~1"],
        &["--range", "looped..HEAD"],
        &["--range", &format!("{}..HEAD", &c0.to_string()[..12])],
    ] {
        let mut all = vec!["scan", ".", "--format", "json", "--no-redact"];
        all.extend_from_slice(args);
        let (code, out, err) = run_timed(&env, &all);
        assert_eq!(code, 2, "{args:?}: {out}\n{err}");
        assert!(
            err.contains(&c0.to_string()) || err.contains("loops"),
            "{args:?}: {err}"
        );
    }
    for args in [
        &["--since", "HEAD~1"][..],
        &["--since", &c1.to_string()[..10]],
        &["--range", "HEAD^..HEAD"],
        &["--range", &format!("{c1}..{c2}")],
    ] {
        let mut all = vec!["scan", ".", "--format", "json", "--no-redact"];
        all.extend_from_slice(args);
        let (code, out, err) = run_timed(&env, &all);
        assert_eq!(code, 1, "{args:?}: {out}\n{err}");
        assert!(out.contains(&k2) && !out.contains(&k1), "{args:?}: {out}");
    }
}

/// A tree object of 70 MiB built from a delta of a few kilobytes (a real
/// tree copied over and over): libgit2 would build all of it, and a crafted
/// one of gigabytes would exhaust memory. The pack survey reads the size
/// the delta declares and the tree is refused unread; the rest is scanned.
#[test]
fn an_oversized_tree_is_not_read() {
    let env = Env::new();
    let key = Fake::new(1932).openai_project();
    let repo = env.git_init();
    let t = tree_of(&repo, &[("k.py", &py(&key))]);
    commit_tree(&repo, Some("HEAD"), "c1", t, &[], T0);
    // A real tree of 1,000 entries (about 31 KB) as the base.
    let blob = repo.blob(b"filler\n").unwrap();
    let mut tb = repo.treebuilder(None).unwrap();
    for i in 0..1000 {
        tb.insert(format!("f{i:04}"), blob, 0o100644).unwrap();
    }
    let base_id = tb.write().unwrap();
    drop(tb);
    let base = repo.odb().unwrap().read(base_id).unwrap().data().to_vec();
    let copies = (70usize << 20) / base.len() + 1;
    let mut big = Vec::with_capacity(copies * base.len());
    for _ in 0..copies {
        big.extend_from_slice(&base);
    }
    let big_id = Oid::from_bytes(&pack::git_id("tree", &big)).unwrap();
    drop(big);
    let ops: Vec<DeltaOp> = (0..copies)
        .map(|_| DeltaOp::Copy(0, base.len() as u32))
        .collect();
    pack::write_pack(
        &pack_dir(&env),
        "bigtree",
        &[
            PackObj::Full {
                id: bytes(base_id),
                kind: pack::TREE,
                data: base.clone(),
            },
            PackObj::RefDelta {
                id: bytes(big_id),
                base: bytes(base_id),
                delta: pack::delta(base.len() as u64, &ops),
            },
        ],
        &[],
    );
    // A commit at the big tree, written as a loose object.
    let commit = format!(
        "tree {big_id}\nauthor A <a@example.com> {T0} +0000\ncommitter A <a@example.com> {T0} +0000\n\nbig\n"
    );
    let c = repo
        .odb()
        .unwrap()
        .write(git2::ObjectType::Commit, commit.as_bytes())
        .unwrap();
    repo.reference("refs/heads/big", c, true, "").unwrap();
    drop(repo);
    let (code, v, stderr) = scan(&env, &["--history-only", "--no-redact"]);
    assert_eq!(code, 1, "{v:#}\n{stderr}");
    assert!(has_key(&v, &key), "{v:#}");
    assert!(
        errors(&v)
            .iter()
            .any(|e| e.contains(&big_id.to_string()) && e.contains("larger than any real tree")),
        "{:#?}",
        errors(&v)
    );
}
