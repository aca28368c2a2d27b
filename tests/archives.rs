//! Keys inside archives, app packages, bundles, source maps and notebooks
//! (issue 4), each through the binary twice: as files in the working tree,
//! and as blobs in git history that a later commit deleted. The packages are
//! built here, in memory (see `common::pack`), with fake keys.

use serde_json::Value;

use crate::common::pack;
use crate::common::*;

const RULE: &str = "openai.project-key";

/// What `jikimi scan` needs to read history: nothing, a repository's
/// history is scanned by default (the history input, branch `history`).
/// Kept in one place in case that changes.
const HISTORY_ARGS: &[&str] = &[];

/// Files to write, and what the scan must report about them.
#[derive(Default)]
struct Case {
    files: Vec<(String, Vec<u8>)>,
    expect: Vec<Expect>,
    /// Substrings that must appear in `errors` (and on stderr).
    errors: Vec<&'static str>,
    /// No finding may have a path containing one of these.
    absent: Vec<String>,
    /// Extra arguments for the scan.
    args: Vec<&'static str>,
}

/// One finding that must be there.
#[derive(Default, Clone)]
struct Expect {
    path: String,
    line: Option<u64>,
    column: Option<u64>,
    cause: Option<&'static str>,
    via: Option<String>,
    cell: Option<u64>,
    minified: Option<bool>,
}

impl Case {
    fn file(mut self, rel: &str, bytes: impl Into<Vec<u8>>) -> Case {
        self.files.push((rel.to_string(), bytes.into()));
        self
    }

    fn expect(mut self, e: Expect) -> Case {
        self.expect.push(e);
        self
    }
}

fn at(path: &str) -> Expect {
    Expect {
        path: path.to_string(),
        ..Expect::default()
    }
}

/// Check a report against a case; `history` adds that findings carry a
/// commit.
fn check(case: &Case, code: i32, v: &Value, stderr: &str, history: bool) {
    let found = by_rule(v, RULE);
    for e in &case.expect {
        let f = found
            .iter()
            .find(|f| f["path"] == e.path.as_str())
            .unwrap_or_else(|| panic!("no finding at {}\n{v:#}", e.path));
        if let Some(line) = e.line {
            assert_eq!(f["line"], line, "line of {}", e.path);
        }
        if let Some(col) = e.column {
            assert_eq!(f["column"], col, "column of {}", e.path);
        }
        if let Some(cause) = e.cause {
            assert!(
                causes(f).contains(&cause.to_string()),
                "{} should have cause {cause}: {f:#}",
                e.path
            );
        }
        assert_eq!(f["via"].as_str(), e.via.as_deref(), "via of {}", e.path);
        if let Some(cell) = e.cell {
            assert_eq!(f["cell"], cell, "cell of {}", e.path);
        }
        if let Some(m) = e.minified {
            assert_eq!(f["minified"], m, "minified of {}", e.path);
        }
        if history {
            assert!(f["commit"]["id"].is_string(), "no commit on {f:#}");
            assert!(causes(f).contains(&"git-history".to_string()));
        }
        // The report never carries a whole key.
        let snippet = f["snippet"].as_str().unwrap();
        assert!(
            snippet.chars().count() <= 130,
            "snippet too long: {snippet}"
        );
    }
    let errors: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    for want in &case.errors {
        assert!(
            errors.iter().any(|e| e.contains(want)),
            "no error containing {want:?}: {errors:#?}"
        );
        assert!(stderr.contains(want), "stderr lacks {want:?}: {stderr}");
    }
    assert_eq!(v["stats"]["errors"], errors.len() as u64);
    for a in &case.absent {
        assert!(
            findings(v)
                .iter()
                .all(|f| !f["path"].as_str().unwrap().contains(a.as_str())),
            "{a} must not be reported: {v:#}"
        );
    }
    let want_code = if case.expect.is_empty() { 0 } else { 1 };
    assert_eq!(code, want_code, "{v:#}\n{stderr}");
}

/// Scan the case's files in the working tree.
fn run_tree(case: &Case) -> Value {
    let env = Env::new();
    for (rel, bytes) in &case.files {
        env.write(rel, bytes);
    }
    let before = listing(env.path());
    let (code, v, stderr) = env.scan_full(&case.args);
    check(case, code, &v, &stderr, false);
    // Unpacking wrote nothing.
    assert_eq!(listing(env.path()), before);
    v
}

/// Commit the case's files, delete them in a later commit, and scan history.
fn run_history(case: &Case) -> Value {
    let env = Env::new();
    let repo = env.git_init();
    env.write("README.md", "demo\n");
    for (rel, bytes) in &case.files {
        env.write(rel, bytes);
    }
    env.commit_all(&repo, "add the build");
    for (rel, _) in &case.files {
        env.remove(rel);
    }
    env.commit_all(&repo, "remove the build");
    let mut args: Vec<&str> = HISTORY_ARGS.to_vec();
    args.extend(&case.args);
    let (code, v, stderr) = env.scan_full(&args);
    check(case, code, &v, &stderr, true);
    v
}

fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path().display().to_string());
            }
        }
    }
    out.sort();
    out
}

/// A test for the working tree and one for history, from one case.
macro_rules! both {
    ($name:ident, $case:expr) => {
        mod $name {
            use super::*;

            #[test]
            fn tree() {
                run_tree(&$case);
            }

            #[test]
            fn history() {
                run_history(&$case);
            }
        }
    };
}

fn key(seed: u64) -> String {
    Fake::new(seed).openai_project()
}

// ---------------------------------------------------------------- Android

fn apk_case() -> Case {
    let (k1, k2, k3, k4, k5) = (key(1), key(2), key(3), key(4), key(20));
    let config = format!("{{\n  \"openai_key\": \"{k1}\"\n}}\n");
    let dex = pack::dex(&["Lcom/example/Main;", "onCreate", &k2]);
    let arsc = pack::arsc(&["Demo", &k3], &["app_name", "openai_key"]);
    let manifest = pack::binary_xml(&["manifest", "com.example.demo", &k4]);
    // A key "hidden" in native code: a printable run in an ELF file.
    let mut so = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00".to_vec();
    so.extend_from_slice(b"\x00\x00\x03\x00\xb7\x00_Z4initv\x00\x00");
    so.extend_from_slice(k5.as_bytes());
    so.extend_from_slice(b"\x00\x01\x02");
    let apk = pack::zip(&[
        ("AndroidManifest.xml", &manifest),
        ("assets/config.json", config.as_bytes()),
        ("classes2.dex", &dex),
        ("resources.arsc", &arsc),
        ("lib/arm64-v8a/libkeys.so", &so),
        ("res/drawable/icon.png", b"\x89PNG\r\n\x1a\n\0\0\0binary"),
    ]);
    Case::default()
        .file("app/release.apk", apk)
        .expect(Expect {
            line: Some(2),
            column: Some(18),
            cause: Some("app-binary"),
            ..at("app/release.apk!/assets/config.json")
        })
        // dex and string pools: one string per line.
        .expect(Expect {
            line: Some(3),
            column: Some(1),
            cause: Some("app-binary"),
            ..at("app/release.apk!/classes2.dex")
        })
        .expect(Expect {
            line: Some(2),
            cause: Some("app-binary"),
            ..at("app/release.apk!/resources.arsc")
        })
        .expect(Expect {
            line: Some(3),
            cause: Some("app-binary"),
            ..at("app/release.apk!/AndroidManifest.xml")
        })
        // Printable runs, one per line: `_Z4initv`, then the key.
        .expect(Expect {
            line: Some(2),
            column: Some(1),
            cause: Some("app-binary"),
            ..at("app/release.apk!/lib/arm64-v8a/libkeys.so")
        })
}
both!(apk_assets_dex_and_string_pools, apk_case());

// ---------------------------------------------------------------- iOS

fn ipa_case() -> Case {
    let (k1, k2) = (key(5), key(6));
    let plist = pack::bplist(&[("CFBundleName", "Demo"), ("OPENAI_API_KEY", &k1)]);
    let bundle = format!("var a=1;\n__d(function(){{const k=\"{k2}\";}});\n");
    let ipa = pack::zip(&[
        ("Payload/Demo.app/Info.plist", &plist),
        ("Payload/Demo.app/main.jsbundle", bundle.as_bytes()),
    ]);
    Case::default()
        .file("build/Demo.ipa", ipa)
        .expect(Expect {
            line: Some(2),
            // "  OPENAI_API_KEY = " is 19 characters.
            column: Some(20),
            cause: Some("app-binary"),
            ..at("build/Demo.ipa!/Payload/Demo.app/Info.plist")
        })
        .expect(Expect {
            line: Some(2),
            column: Some(25),
            cause: Some("app-binary"),
            ..at("build/Demo.ipa!/Payload/Demo.app/main.jsbundle")
        })
}
both!(ipa_info_plist_and_jsbundle, ipa_case());

// ---------------------------------------------------------------- Electron, tar, gzip, nesting

fn asar_case() -> Case {
    let k = key(7);
    let main =
        format!("'use strict';\nconst {{ app }} = require('electron');\nconst key = '{k}';\n");
    let asar = pack::asar(&[
        ("package.json", b"{\"name\":\"demo\"}"),
        ("dist/main.js", main.as_bytes()),
    ]);
    Case::default()
        .file("release/resources/app.asar", asar)
        .expect(Expect {
            line: Some(3),
            column: Some(14),
            cause: Some("app-binary"),
            ..at("release/resources/app.asar!/dist/main.js")
        })
}
both!(asar_member, asar_case());

fn tgz_case() -> Case {
    let (k1, k2) = (key(8), key(9));
    let index = format!("export const key = \"{k1}\";\n");
    let tgz = pack::gzip(&pack::tar(&[
        ("package/package.json", b"{}"),
        ("package/dist/index.js", index.as_bytes()),
    ]));
    let gz = pack::gzip(format!("{{\"key\": \"{k2}\"}}\n").as_bytes());
    Case::default()
        .file("pkg/release.tgz", tgz)
        .file("backup/config.json.gz", gz)
        .expect(Expect {
            line: Some(1),
            column: Some(21),
            cause: Some("frontend-code"),
            ..at("pkg/release.tgz!/package/dist/index.js")
        })
        .expect(Expect {
            line: Some(1),
            column: Some(10),
            ..at("backup/config.json.gz!/config.json")
        })
}
both!(tgz_and_gz, tgz_case());

fn nested_case() -> Case {
    let k = key(10);
    let bundle = format!("const k=\"{k}\";\n");
    let ipa = pack::zip(&[("Payload/Demo.app/main.jsbundle", bundle.as_bytes())]);
    let outer = pack::zip(&[("README.txt", b"release"), ("ios/Demo.ipa", &ipa)]);
    Case::default().file("bundle.zip", outer).expect(Expect {
        line: Some(1),
        column: Some(10),
        cause: Some("app-binary"),
        ..at("bundle.zip!/ios/Demo.ipa!/Payload/Demo.app/main.jsbundle")
    })
}
both!(nested_two_deep, nested_case());

// ---------------------------------------------------------------- xz, bzip2, zstd

/// `config.env.xz`, `.bz2`, `.zst`; `release.tar.xz`, `.tar.bz2`, `.tar.zst`;
/// zip members compressed with bzip2, xz and zstd: every key found.
fn compressed_case() -> Case {
    type Compress = fn(&[u8]) -> Vec<u8>;
    let formats: [(&str, Compress); 3] =
        [("xz", pack::xz), ("bz2", pack::bzip2), ("zst", pack::zstd)];
    let mut case = Case::default();
    for (i, (ext, f)) in formats.iter().enumerate() {
        let (k1, k2) = (key(90 + i as u64 * 2), key(91 + i as u64 * 2));
        case = case
            .file(
                &format!("{ext}/config.env.{ext}"),
                f(format!("OPENAI_API_KEY={k1}\n").as_bytes()),
            )
            .file(
                &format!("{ext}/release.tar.{ext}"),
                f(&pack::tar(&[
                    ("release/README", b"demo"),
                    (
                        "release/app.js",
                        format!("const k = \"{k2}\";\n").as_bytes(),
                    ),
                ])),
            )
            .expect(at(&format!("{ext}/config.env.{ext}!/config.env")))
            .expect(at(&format!("{ext}/release.tar.{ext}!/release/app.js")));
    }
    let methods = [
        ("bzip2", zip::CompressionMethod::Bzip2),
        ("xz", zip::CompressionMethod::Xz),
        ("zstd", zip::CompressionMethod::Zstd),
    ];
    for (i, (name, m)) in methods.iter().enumerate() {
        let k = key(100 + i as u64);
        let member = format!("{name}.js");
        let z = pack::zip_with(&[(&member, format!("const k = \"{k}\";\n").as_bytes())], *m);
        case = case
            .file(&format!("zips/{name}.zip"), z)
            .expect(at(&format!("zips/{name}.zip!/{member}")));
    }
    case
}
both!(xz_bzip2_zstd, compressed_case());

/// A bomb in each format stops at the ratio limit, and the scan goes on.
#[test]
fn xz_bzip2_zstd_bombs_stop_at_the_ratio_limit() {
    let zeros = bomb_bytes();
    for (name, data) in [
        ("zeros.bin.xz", pack::xz(&zeros)),
        ("zeros.bin.bz2", pack::bzip2(&zeros)),
        ("zeros.bin.zst", pack::zstd(&zeros)),
    ] {
        let cap = (data.len() as u64 * 100).max(1 << 20);
        let k = key(110);
        let case = Case {
            errors: vec!["looks like a zip bomb"],
            ..Case::default()
        }
        .file(&format!("logs/{name}"), data)
        .file("src/settings.py", format!("KEY = \"{k}\"\n"))
        .expect(at("src/settings.py"));
        let v = run_tree(&case);
        let unpacked = v["stats"]["archive_bytes"].as_u64().unwrap();
        assert!(unpacked <= cap + 1, "{name}: {unpacked} > {cap}");
    }
}

// ---------------------------------------------------------------- hostile archives

/// 32 MiB of zeros deflate to ~32 KiB: a ratio near 1000.
fn bomb_bytes() -> Vec<u8> {
    vec![0u8; 32 << 20]
}

fn zip_bomb_case() -> Case {
    let k = key(11);
    Case {
        errors: vec!["looks like a zip bomb"],
        absent: vec!["bomb.zip".into()],
        ..Case::default()
    }
    .file("bomb.zip", pack::zip(&[("zeros.bin", &bomb_bytes())]))
    .file("src/settings.py", format!("KEY = \"{k}\"\n"))
    // The scan goes on past the bomb.
    .expect(at("src/settings.py"))
}

#[test]
fn zip_bomb_is_refused_before_inflating() {
    let v = run_tree(&zip_bomb_case());
    // Honest headers: refused from the declared size, nothing inflated.
    assert_eq!(v["stats"]["archive_bytes"], 0, "{v:#}");
}

#[test]
fn zip_bomb_in_history() {
    run_history(&zip_bomb_case());
}

/// gzip declares no size up front: the inflated output is capped at the
/// ratio limit instead.
#[test]
fn gzip_bomb_stops_at_the_ratio_limit() {
    assert_gzip_bomb_stopped(pack::gzip(&bomb_bytes()));
}

fn assert_gzip_bomb_stopped(gz: Vec<u8>) {
    let cap = (gz.len() as u64 * 100).max(1 << 20);
    let case = Case {
        errors: vec!["looks like a zip bomb"],
        ..Case::default()
    }
    .file("logs/old.log.gz", gz);
    let v = run_tree(&case);
    let unpacked = v["stats"]["archive_bytes"].as_u64().unwrap();
    assert!(unpacked <= cap + 1, "{unpacked} > {cap}");
}

/// A bomb whose trailer claims a small size: the one-call inflater runs out
/// of room and the streaming path stops the bomb at the ratio limit.
#[test]
fn gzip_bomb_with_a_lying_trailer_stops_at_the_ratio_limit() {
    let mut gz = pack::gzip(&bomb_bytes());
    let n = gz.len();
    gz[n - 4..].copy_from_slice(&100u32.to_le_bytes());
    assert_gzip_bomb_stopped(gz);
}

/// A single-member .gz whose trailer's size is wrong (the content is
/// intact): the stream is reported damaged, and the key inside is found.
#[test]
fn gzip_with_a_wrong_size_in_its_trailer_is_damaged_and_scanned() {
    let mut gz = pack::gzip(&gz_text(&key(56)));
    let n = gz.len();
    let size = u32::from_le_bytes(gz[n - 4..].try_into().unwrap());
    gz[n - 4..].copy_from_slice(&(size + 1).to_le_bytes());
    let case = Case {
        errors: vec!["the gzip stream is damaged"],
        ..Case::default()
    }
    .file("config.env.gz", gz)
    .expect(at("config.env.gz!/config.env"));
    run_tree(&case);
}

fn traversal_case() -> Case {
    let (k1, k2) = (key(12), key(13));
    let zip = pack::zip(&[
        ("../../evil.sh", format!("export K={k1}\n").as_bytes()),
        ("readme.txt", format!("key: {k2}\n").as_bytes()),
    ]);
    Case {
        errors: vec!["path traversal", "`../../evil.sh`"],
        absent: vec!["evil.sh".into()],
        ..Case::default()
    }
    .file("downloads/evil.zip", zip)
    .expect(at("downloads/evil.zip!/readme.txt"))
}
both!(path_traversal_member, traversal_case());

fn truncated_case() -> Case {
    let k = key(14);
    let mut filler = Fake::new(99);
    let big = filler.alnum(40_000);
    let zip = pack::zip(&[
        ("first.txt", format!("token {k}\n").as_bytes()),
        ("second.txt", big.as_bytes()),
    ]);
    // Cut inside the second member: the central directory is gone.
    let cut = zip[..zip.len() - 2_000].to_vec();
    Case {
        errors: vec!["truncated or corrupt zip"],
        ..Case::default()
    }
    .file("cut.zip", cut)
    // What was readable before the damage is still scanned.
    .expect(at("cut.zip!/first.txt"))
}
both!(truncated_zip, truncated_case());

fn encrypted_case() -> Case {
    let k = key(15);
    let zip = pack::mark_encrypted(pack::zip(&[("keys.txt", k.as_bytes())]));
    Case {
        errors: vec!["encrypted member cannot be scanned"],
        absent: vec!["secret.zip".into()],
        ..Case::default()
    }
    .file("secret.zip", zip)
}
both!(encrypted_zip, encrypted_case());

// ---------------------------------------------------------------- bundles, maps, notebooks

fn minified_case() -> Case {
    let k = key(16);
    // ~5 MB on one line, the key near the end.
    let mut js = String::with_capacity(5 << 20);
    let mut i = 0;
    while js.len() < 5_000_000 {
        js.push_str(&format!("var a{i}=function(b){{return b*{i}}};"));
        i += 1;
    }
    let column = js.chars().count() as u64 + 12;
    js.push_str(&format!("const key=\"{k}\";fetch(u);"));
    Case::default()
        .file("dist/assets/index-3f2a.js", js)
        .expect(Expect {
            line: Some(1),
            column: Some(column),
            cause: Some("frontend-code"),
            minified: Some(true),
            ..at("dist/assets/index-3f2a.js")
        })
}
both!(minified_bundle, minified_case());

fn source_map_case() -> Case {
    let k = key(17);
    let mut api = String::new();
    for i in 1..14 {
        api.push_str(&format!("// line {i}\n"));
    }
    api.push_str(&format!("export const KEY = \"{k}\";\n"));
    let map = serde_json::json!({
        "version": 3,
        "file": "index-3f2a.js",
        "sources": ["../../src/util.ts", "../../src/api.ts"],
        "sourcesContent": ["export const x = 1;\n", api],
        "names": [],
        "mappings": "AAAA,SAASA",
    });
    Case::default()
        .file(
            "dist/assets/index-3f2a.js.map",
            serde_json::to_vec(&map).unwrap(),
        )
        .expect(Expect {
            line: Some(14),
            column: Some(21),
            cause: Some("frontend-code"),
            via: Some("dist/assets/index-3f2a.js.map".into()),
            ..at("src/api.ts")
        })
}
both!(source_map_points_back_to_src, source_map_case());

#[test]
fn source_map_in_the_human_report() {
    let env = Env::new();
    for (rel, bytes) in &source_map_case().files {
        env.write(rel, bytes);
    }
    let out = env.cmd().arg("scan").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // The report wraps at 80 columns: compare with spaces folded.
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("src/api.ts\n")
            && folded.contains("14:21 (via dist/assets/index-3f2a.js.map)"),
        "{text}"
    );
}

/// GitHub shows an alert on a file of the repository: for a source-map
/// finding that is the map (the original source may not be committed).
#[test]
fn source_map_in_sarif() {
    let env = Env::new();
    for (rel, bytes) in &source_map_case().files {
        env.write(rel, bytes);
    }
    let out = env
        .cmd()
        .args(["scan", "--format", "sarif"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let r = &v["runs"][0]["results"][0];
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"], "dist/assets/index-3f2a.js.map",
        "{r:#}"
    );
    assert_eq!(r["properties"]["via"], "dist/assets/index-3f2a.js.map");
    assert_eq!(r["properties"]["path"], "src/api.ts");
    assert!(
        r["message"]["text"]
            .as_str()
            .unwrap()
            .contains("in original source src/api.ts line 14")
    );
}

fn notebook_case() -> Case {
    let (k1, k2) = (key(18), key(19));
    // A "PNG" output whose base64 happens to hold a key: images are never
    // scanned, so it must not be reported.
    let png =
        format!("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk{k2}AAAAAElFTkSuQmCC");
    let nb = serde_json::json!({
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Analysis\n", "Loads the key."]},
            {"cell_type": "code", "execution_count": 1, "metadata": {},
             "source": ["import os\n", "print(\"key:\", os.environ[\"OPENAI_API_KEY\"])"],
             "outputs": [{"output_type": "stream", "name": "stdout",
                          "text": ["loaded\n", format!("key: \"{k1}\"\n")]}]},
            {"cell_type": "code", "execution_count": 2, "metadata": {},
             "source": ["plot()"],
             "outputs": [{"output_type": "display_data", "metadata": {},
                          "data": {"image/png": png, "text/plain": ["<Figure size 640x480>"]}}]}
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5
    });
    Case::default()
        .file(
            "notebooks/analysis.ipynb",
            serde_json::to_vec_pretty(&nb).unwrap(),
        )
        .expect(Expect {
            line: Some(2),
            // `key: "` then the key: the JSON escapes are decoded.
            column: Some(7),
            cell: Some(2),
            ..at("notebooks/analysis.ipynb")
        })
}

#[test]
fn notebook_output_tree() {
    let v = run_tree(&notebook_case());
    let found = by_rule(&v, RULE);
    assert_eq!(
        found.len(),
        1,
        "the base64 image must not be reported: {v:#}"
    );
    assert_eq!(found[0]["cell_output"], true);
}

#[test]
fn notebook_output_history() {
    let v = run_history(&notebook_case());
    assert_eq!(by_rule(&v, RULE).len(), 1, "{v:#}");
}

// ---------------------------------------------------------------- flags

#[test]
fn no_archives_leaves_packages_closed() {
    let case = apk_case();
    let env = Env::new();
    for (rel, bytes) in &case.files {
        env.write(rel, bytes);
    }
    let (code, v) = env.scan_json(&["--no-archives"]);
    assert_eq!(code, 0, "{v:#}");
    assert!(findings(&v).is_empty());
    assert_eq!(v["stats"]["archives"], 0);
    let skipped = v["skipped"].as_array().unwrap();
    assert!(
        skipped.iter().any(|s| s["path"] == "app/release.apk"
            && s["reason"].as_str().unwrap().starts_with("binary file")),
        "{v:#}"
    );
}

#[test]
fn archive_depth_limit() {
    let case = nested_case();
    let env = Env::new();
    for (rel, bytes) in &case.files {
        env.write(rel, bytes);
    }
    let (code, v) = env.scan_json(&["--archive-depth", "1"]);
    assert_eq!(code, 0, "{v:#}");
    let skipped = v["skipped"].as_array().unwrap();
    assert!(
        skipped
            .iter()
            .any(|s| s["path"] == "bundle.zip!/ios/Demo.ipa"
                && s["reason"].as_str().unwrap().contains("--archive-depth")),
        "{v:#}"
    );
    // The default depth opens it (see nested_two_deep).
    assert_eq!(v["stats"]["archives"], 1);
}

#[test]
fn archive_size_and_member_limits() {
    let env = Env::new();
    let big = Fake::new(3).alnum(4096);
    env.write(
        "a.zip",
        pack::zip(&[("one.txt", big.as_bytes()), ("two.txt", big.as_bytes())]),
    );
    let (_, v, stderr) = env.scan_full(&["--archive-max-bytes", "6K"]);
    assert!(stderr.contains("--archive-max-bytes"), "{stderr}");
    assert_eq!(v["stats"]["archive_members"], 1, "{v:#}");
    let (_, v, stderr) = env.scan_full(&["--archive-max-members", "1"]);
    assert!(stderr.contains("--archive-max-members"), "{stderr}");
    assert_eq!(v["stats"]["archive_members"], 1, "{v:#}");
    assert_eq!(v["stats"]["errors"], 1);
}

#[test]
fn bad_archive_flags_are_usage_errors() {
    let env = Env::new();
    let out = env
        .cmd()
        .args(["scan", "--archive-max-ratio", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--archive-max-ratio"));
    let out = env
        .cmd()
        .args(["scan", "--archive-max-bytes", "lots"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `[archives]` in jikimi.toml sets the depth and size; a flag wins over it.
#[test]
fn archive_limits_from_the_config_file() {
    let env = Env::new();
    for (rel, bytes) in &nested_case().files {
        env.write(rel, bytes);
    }
    env.write("jikimi.toml", "[archives]\nmax_depth = 1\n");
    let (code, v) = env.scan_json(&[]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["stats"]["archives"], 1);
    let (code, v) = env.scan_json(&["--archive-depth", "2"]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["stats"]["archives"], 2);
    // Depth 0 opens nothing, like --no-archives.
    let (code, v) = env.scan_json(&["--archive-depth", "0"]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["stats"]["archives"], 0);
    let big = Fake::new(3).alnum(4096);
    env.write(
        "big.zip",
        pack::zip(&[("one.txt", big.as_bytes()), ("two.txt", big.as_bytes())]),
    );
    env.write("jikimi.toml", "[archives]\nmax_size = \"6K\"\n");
    let (_, _, stderr) = env.scan_full(&[]);
    assert!(
        stderr.contains("big.zip: `two.txt` takes the archive past --archive-max-bytes 6144"),
        "{stderr}"
    );
}

// Stretch goal of the archives issue: a key inside a base64 payload (a
// Kubernetes Secret) is found and reported where the encoded form starts.
#[test]
fn base64_payload_in_a_kubernetes_secret() {
    let env = Env::new();
    let key = Fake::new(61).openai_project();
    let encoded = b64(format!("OPENAI_API_KEY={key}\n").as_bytes());
    env.write(
        "k8s/secret.yaml",
        format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n  env: {encoded}\n"),
    );
    let (code, v) = env.scan_json(&[]);
    assert_eq!(code, 1, "{v:#}");
    let f = by_rule(&v, "openai.project-key");
    assert_eq!(f.len(), 1, "{v:#}");
    assert_eq!(f[0]["path"], "k8s/secret.yaml");
    assert_eq!(f[0]["line"], 6);
    assert_eq!(f[0]["column"], 8);
    assert_eq!(f[0]["encoded"], "base64");
    let text = v.to_string();
    assert!(!text.contains(&key));
    assert!(
        !text.contains(&encoded[8..40]),
        "the encoded key is shown: {text}"
    );
}

// ---------------------------------------------------------------- hostile inputs (issue 8)
//
// Every decoder and container is bounded: what one file yields is cut at a
// budget (a `skipped` line names the file), a key before the cut is still
// found, and a damaged file keeps what was read before the damage.

/// The `skipped` reasons reported for exactly `path`.
fn skip_reasons<'a>(v: &'a Value, path: &str) -> Vec<&'a str> {
    v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["path"] == path)
        .map(|s| s["reason"].as_str().unwrap())
        .collect()
}

/// One long string (a key, then 60 KB) that a table aliases many times.
fn long_run(seed: u64) -> (String, String) {
    let k = key(seed);
    let run = format!("{k} {}", "A".repeat(60_000));
    (k, run)
}

/// Each binary string table, aliased: the decoded text stops at the budget
/// (4x the file + 1 MiB) with a `skipped` line naming the file, and the key
/// in the first copy is found.
fn aliased_tables_case() -> Case {
    let (_, dex_run) = long_run(30);
    let (_, arsc_run) = long_run(31);
    let (_, axml_run) = long_run(32);
    let (_, plist_run) = long_run(33);
    // A pool string is at most 0x7fff long in the builder's encoding.
    let axml_run = axml_run[..30_000].to_string();
    let arsc_run = arsc_run[..30_000].to_string();
    Case::default()
        .file("app/classes.dex", pack::dex_aliased(&dex_run, 6_000))
        .file("app/huge-count.dex", pack::dex_huge_count(&dex_run, 6_000))
        .file("app/resources.arsc", pack::arsc_aliased(&arsc_run, 6_000))
        .file(
            "app/AndroidManifest.xml",
            pack::binary_xml_aliased(&axml_run, 6_000),
        )
        .file(
            "ios/Info.plist",
            pack::bplist_aliased("OPENAI_API_KEY", &plist_run, 6_000),
        )
        .expect(Expect {
            line: Some(1),
            ..at("app/classes.dex")
        })
        .expect(Expect {
            line: Some(1),
            ..at("app/huge-count.dex")
        })
        .expect(Expect {
            line: Some(1),
            ..at("app/resources.arsc")
        })
        .expect(Expect {
            line: Some(1),
            ..at("app/AndroidManifest.xml")
        })
        .expect(Expect {
            line: Some(1),
            column: Some(20),
            ..at("ios/Info.plist")
        })
}

fn check_cut(v: &Value, files: &[(&str, &str)]) {
    for (path, what) in files {
        let reasons = skip_reasons(v, path);
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("decoding stopped") && r.contains(what)),
            "no budget note for {path}: {reasons:?}\n{v:#}"
        );
    }
}

const CUT_TABLES: &[(&str, &str)] = &[
    ("app/classes.dex", "dex string table"),
    ("app/huge-count.dex", "dex string table"),
    ("app/resources.arsc", "Android string pool"),
    ("app/AndroidManifest.xml", "Android string pool"),
    ("ios/Info.plist", "binary plist"),
];

#[test]
fn aliased_string_tables_stop_at_the_budget_tree() {
    let v = run_tree(&aliased_tables_case());
    check_cut(&v, CUT_TABLES);
}

#[test]
fn aliased_string_tables_stop_at_the_budget_history() {
    let v = run_history(&aliased_tables_case());
    let blobs: Vec<(String, &str)> = CUT_TABLES
        .iter()
        .map(|(p, w)| {
            let skipped = v["skipped"].as_array().unwrap();
            let path = skipped
                .iter()
                .map(|s| s["path"].as_str().unwrap())
                .find(|s| s.starts_with(p))
                .unwrap_or_else(|| panic!("no skip for {p}: {v:#}"));
            (path.to_string(), *w)
        })
        .collect();
    let blobs: Vec<(&str, &str)> = blobs.iter().map(|(p, w)| (p.as_str(), *w)).collect();
    check_cut(&v, &blobs);
}

/// The same tables inside an apk: each member has its own budget.
#[test]
fn aliased_string_tables_inside_an_apk() {
    let (_, run) = long_run(34);
    let apk = pack::zip(&[
        ("classes.dex", &pack::dex_aliased(&run, 6_000)),
        ("resources.arsc", &pack::arsc_aliased(&run[..30_000], 6_000)),
    ]);
    let case = Case::default()
        .file("release.apk", apk)
        .expect(at("release.apk!/classes.dex"))
        .expect(at("release.apk!/resources.arsc"));
    let v = run_tree(&case);
    check_cut(
        &v,
        &[
            ("release.apk!/classes.dex", "dex string table"),
            ("release.apk!/resources.arsc", "Android string pool"),
        ],
    );
}

/// Honest tables are never cut.
#[test]
fn honest_tables_are_not_cut() {
    let v = run_tree(&apk_case());
    assert!(
        v["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| !s["reason"].as_str().unwrap().contains("decoding stopped")),
        "{v:#}"
    );
}

/// JSON made of millions of tiny values (empty notebook cells, numbers in a
/// map's `names`) is read without building a value per entry; the cell
/// numbering and the original sources come out as before.
#[test]
fn notebooks_and_maps_of_tiny_values() {
    let (k1, k2) = (key(54), key(55));
    let mut nb = String::from(r#"{"nbformat":4,"cells":["#);
    nb.push_str(&"{},".repeat(300_000));
    nb.push_str(&format!(
        r#"{{"cell_type":"code","source":"KEY = \"{k1}\""}}]}}"#
    ));
    let mut map = format!(
        r#"{{"version":3,"sources":["../src/a.ts"],"sourcesContent":["const k = \"{k2}\";"],"mappings":"","names":["#
    );
    map.push_str(&"0,".repeat(300_000));
    map.push_str("0]}");
    let case = Case::default()
        .file("nb/big.ipynb", nb)
        .file("dist/a.js.map", map)
        .expect(Expect {
            cell: Some(300_001),
            ..at("nb/big.ipynb")
        })
        .expect(Expect {
            via: Some("dist/a.js.map".into()),
            ..at("src/a.ts")
        });
    run_tree(&case);
}

/// 2,000 asar entries aliasing one 40 KB payload (80 MB if each were
/// scanned): the payload is read once, under the first entry's name, and
/// one warning names the aliases; the limits are not even approached.
fn asar_alias_case(flag: &'static str) -> Case {
    let k = key(35);
    let payload = format!("const key = '{k}';\n{}\n", "x".repeat(40_000));
    Case {
        errors: vec!["scanned once: `f1.js` (and 1998 more)"],
        args: vec![flag, "1M"],
        ..Case::default()
    }
    .file("app.asar", pack::asar_aliased(payload.as_bytes(), 2_000))
    .expect(at("app.asar!/f0.js"))
}

#[test]
fn asar_aliases_are_read_once_under_archive_max_bytes() {
    let v = run_tree(&asar_alias_case("--archive-max-bytes"));
    let bytes = v["stats"]["archive_bytes"].as_u64().unwrap();
    assert!(bytes <= 41_000, "{bytes}");
    assert_eq!(v["stats"]["archive_members"], 1);
    assert_eq!(by_rule(&v, RULE).len(), 1, "{v:#}");
}

#[test]
fn asar_aliases_are_read_once_under_archive_max_total() {
    let v = run_tree(&asar_alias_case("--archive-max-total"));
    assert!(v["stats"]["archive_bytes"].as_u64().unwrap() <= 41_000);
}

#[test]
fn asar_aliases_in_history() {
    run_history(&asar_alias_case("--archive-max-bytes"));
}

/// An entry that overlaps the end of another: only its bytes not read yet
/// are read, and it is named as an alias.
#[test]
fn asar_partial_overlap_reads_only_new_bytes() {
    let (k1, k2) = (key(37), key(38));
    let a = format!("const a = '{k1}';\n");
    let b = format!("const b = '{k2}';\n");
    let payload = format!("{a}{b}");
    let files = serde_json::json!({"files": {
        "a.js": {"size": a.len(), "offset": "0"},
        "ab.js": {"size": payload.len(), "offset": "0"},
    }});
    let asar = pack::asar_raw(&files, payload.as_bytes());
    let case = Case {
        errors: vec!["aliased entries", "scanned once: `ab.js`"],
        ..Case::default()
    }
    .file("app.asar", asar)
    .expect(at("app.asar!/a.js"))
    .expect(at("app.asar!/ab.js"));
    let v = run_tree(&case);
    assert_eq!(
        v["stats"]["archive_bytes"].as_u64().unwrap(),
        payload.len() as u64
    );
}

/// A tar read from disk counts its members too.
#[test]
fn tar_members_count_against_archive_max_bytes() {
    let k = key(36);
    let big = Fake::new(5).alnum(300_000);
    let tar = pack::tar(&[
        ("a/key.txt", format!("token {k}\n").as_bytes()),
        ("a/one.txt", big.as_bytes()),
        ("a/two.txt", big.as_bytes()),
        ("a/three.txt", big.as_bytes()),
        ("a/four.txt", big.as_bytes()),
    ]);
    let case = Case {
        errors: vec!["`a/four.txt` takes the archive past --archive-max-bytes 1048576"],
        args: vec!["--archive-max-bytes", "1M"],
        ..Case::default()
    }
    .file("backup.tar", tar)
    .expect(at("backup.tar!/a/key.txt"));
    run_tree(&case);
}

/// Archives inside an archive share its budget: a zip of zips cannot
/// multiply --archive-max-bytes by its fan-out, and one message says where
/// it stopped.
#[test]
fn nested_archives_share_the_outer_budget() {
    let k = key(37);
    let filler = Fake::new(6).alnum(200_000);
    let inner = pack::zip(&[
        ("key.txt", format!("token {k}\n").as_bytes()),
        ("filler.txt", filler.as_bytes()),
    ]);
    let middle = pack::zip_with(
        &[("i1.zip", &inner), ("i2.zip", &inner), ("i3.zip", &inner)],
        zip::CompressionMethod::Stored,
    );
    let outer = pack::zip_with(
        &[
            ("m1.zip", &middle),
            ("m2.zip", &middle),
            ("m3.zip", &middle),
        ],
        zip::CompressionMethod::Stored,
    );
    let case = Case {
        errors: vec!["the rest of `fanout.zip` (the outermost archive) is not scanned"],
        args: vec!["--archive-max-bytes", "1M"],
        ..Case::default()
    }
    .file("fanout.zip", outer)
    .expect(at("fanout.zip!/m1.zip!/i1.zip!/key.txt"));
    let v = run_tree(&case);
    assert!(
        v["stats"]["archive_bytes"].as_u64().unwrap() <= 1 << 20,
        "{v:#}"
    );
    assert_eq!(v["stats"]["errors"], 1, "one message for the nest: {v:#}");
}

// ---- damaged gzip

fn gz_text(k: &str) -> Vec<u8> {
    let mut t = format!("API_KEY={k}\n");
    let mut f = Fake::new(7);
    for i in 0..20_000 {
        t.push_str(&format!("line {i} {}\n", f.alnum(20)));
    }
    t.into_bytes()
}

fn gz_trailing_garbage_case() -> Case {
    let mut gz = pack::gzip(&gz_text(&key(42)));
    let at_offset = gz.len();
    gz.extend_from_slice(b"\x00garbage after the stream");
    let msg: &'static str = Box::leak(
        format!("25 bytes after the gzip stream (at offset {at_offset}) are not gzip")
            .into_boxed_str(),
    );
    Case {
        errors: vec![msg, "what was decompressed before that was scanned"],
        ..Case::default()
    }
    .file("backup/config.env.gz", gz)
    .expect(Expect {
        line: Some(1),
        ..at("backup/config.env.gz!/config.env")
    })
}
both!(gzip_with_trailing_garbage, gz_trailing_garbage_case());

fn gz_truncated_case() -> Case {
    let gz = pack::gzip(&gz_text(&key(43)));
    let cut = gz[..gz.len() * 2 / 3].to_vec();
    Case {
        errors: vec![
            "the gzip stream is damaged in the member at offset 0",
            "decompression stopped after",
            "what was decompressed before that was scanned",
        ],
        ..Case::default()
    }
    .file("backup/old.env.gz", cut)
    .expect(Expect {
        line: Some(1),
        ..at("backup/old.env.gz!/old.env")
    })
}
both!(gzip_truncated, gz_truncated_case());

/// A truncated .tgz: the tar members inflated before the cut are scanned.
#[test]
fn truncated_tgz_keeps_the_members_before_the_cut() {
    let k = key(44);
    let mut f = Fake::new(8);
    let noise = f.alnum(200_000);
    let tgz = pack::gzip(&pack::tar(&[
        (
            "package/key.js",
            format!("export const k = \"{k}\";\n").as_bytes(),
        ),
        ("package/noise.txt", noise.as_bytes()),
    ]));
    let cut = tgz[..tgz.len() / 2].to_vec();
    let case = Case {
        errors: vec!["the gzip stream is damaged"],
        ..Case::default()
    }
    .file("pkg.tgz", cut)
    .expect(at("pkg.tgz!/package/key.js"));
    run_tree(&case);
}

/// Zeros after the stream are padding, not damage.
#[test]
fn gzip_zero_padding_is_not_an_error() {
    let mut gz = pack::gzip(&gz_text(&key(45)));
    gz.extend_from_slice(&[0; 512]);
    let case = Case::default()
        .file("config.env.gz", gz)
        .expect(at("config.env.gz!/config.env"));
    run_tree(&case);
}

/// Concatenated gzip members are one stream.
#[test]
fn gzip_members_are_concatenated() {
    let (k1, k2) = (key(46), key(47));
    let mut gz = pack::gzip(format!("A={k1}\n").as_bytes());
    gz.extend_from_slice(&pack::gzip(format!("B={k2}\n").as_bytes()));
    let case = Case::default().file("two.env.gz", gz).expect(Expect {
        line: Some(1),
        ..at("two.env.gz!/two.env")
    });
    let v = run_tree(&case);
    let lines: Vec<u64> = by_rule(&v, RULE)
        .iter()
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![1, 2], "{v:#}");
}

// ---- depth

#[test]
fn archive_depth_above_the_maximum_is_refused() {
    let env = Env::new();
    env.write("a.txt", "nothing\n");
    let (code, _, stderr) = env.scan_json_err(&["--no-config", "--archive-depth", "1000"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("--archive-depth 1000 is more than 16"),
        "{stderr}"
    );
    let (code, _, _) = env.scan_json_err(&["--no-config", "--archive-depth", "16"]);
    assert_eq!(code, 0);
    env.write("jikimi.toml", "[archives]\nmax_depth = 17\n");
    let (code, _, stderr) = env.scan_json_err(&[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("max_depth must be between 0 and 16"),
        "{stderr}"
    );
}

/// 1,000 nested zips at the maximum depth: no stack overflow, the key in the
/// outermost zip is found, and the skip names where opening stopped.
#[test]
fn a_thousand_nested_zips_at_the_maximum_depth() {
    let (top, deep) = (key(38), key(39));
    let zips = pack::nested_zips(
        1_000,
        format!("token {deep}\n").as_bytes(),
        format!("token {top}\n").as_bytes(),
    );
    for threads in ["1", "2"] {
        let case = Case {
            args: vec!["--archive-depth", "16", "-j", threads],
            ..Case::default()
        }
        .file("nested.zip", zips.clone())
        .expect(at("nested.zip!/top.txt"));
        let v = run_tree(&case);
        let skipped = v["skipped"].as_array().unwrap();
        assert!(
            skipped.iter().any(|s| s["reason"]
                .as_str()
                .unwrap()
                .contains("archive nested more than 16 deep (the deepest jikimi opens)")),
            "{v:#}"
        );
    }
}

/// Sixteen deep is opened all the way down.
#[test]
fn sixteen_nested_zips_are_opened() {
    let (top, deep) = (key(40), key(41));
    let zips = pack::nested_zips(
        16,
        format!("token {deep}\n").as_bytes(),
        format!("token {top}\n").as_bytes(),
    );
    let leaf = (1..16).fold("nested.zip".to_string(), |p, i| {
        format!("{p}!/level{i}.zip")
    });
    let case = Case {
        args: vec!["--archive-depth", "16"],
        ..Case::default()
    }
    .file("nested.zip", zips)
    .expect(at("nested.zip!/top.txt"))
    .expect(at(&format!("{leaf}!/leaf.txt")));
    run_tree(&case);
}

// ---- size limits at 2^64-1

const U64_MAX: &str = "18446744073709551615";

#[test]
fn size_limits_at_u64_max_do_not_wrap() {
    let k = key(48);
    let zip = pack::zip(&[("config.py", format!("KEY = \"{k}\"\n").as_bytes())]);
    let case = Case {
        args: vec![
            "--max-file-size",
            U64_MAX,
            "--archive-max-bytes",
            U64_MAX,
            "--archive-max-total",
            U64_MAX,
            "--archive-max-ratio",
            U64_MAX,
        ],
        ..Case::default()
    }
    .file("settings.py", format!("API_KEY = \"{}\"\n", key(49)))
    .file("app.zip", zip)
    .expect(at("settings.py"))
    .expect(at("app.zip!/config.py"));
    run_tree(&case);
}

/// `[archives] max_size` of 2^64-1 in the scanned repository's jikimi.toml
/// opens archives as usual (tree and history).
#[test]
fn config_max_size_at_u64_max_hides_nothing() {
    let k = key(50);
    let zip = pack::zip(&[("config.py", format!("KEY = \"{k}\"\n").as_bytes())]);
    let env = Env::new();
    let repo = env.git_init();
    env.write("app.zip", &zip);
    env.write(
        "jikimi.toml",
        format!("[archives]\nmax_size = \"{U64_MAX}\"\n"),
    );
    env.commit_all(&repo, "add");
    let (code, v, stderr) = env.scan_full(&[]);
    assert_eq!(code, 1, "{v:#}\n{stderr}");
    let f = by_rule(&v, RULE);
    assert_eq!(f.len(), 1, "{v:#}");
    assert_eq!(f[0]["path"], "app.zip!/config.py");
    assert!(causes(f[0]).contains(&"git-history".to_string()));
}

/// A config file that turns archive scanning off says so.
#[test]
fn config_max_depth_zero_warns() {
    let env = Env::new();
    env.write("a.zip", pack::zip(&[("k.txt", key(51).as_bytes())]));
    env.write("jikimi.toml", "[archives]\nmax_depth = 0\n");
    let (code, _, stderr) = env.scan_full(&[]);
    assert_eq!(code, 0);
    assert!(
        stderr.contains(
            "jikimi.toml sets [archives] max_depth = 0: archives and app packages are not opened"
        ),
        "{stderr}"
    );
    let (_, _, stderr) = env.scan_full(&["--archive-depth", "0"]);
    assert!(
        !stderr.contains("warning"),
        "an explicit flag is not warned about: {stderr}"
    );
}

// ---- everything at once

/// Every hostile input of this section in one tree: the scan finishes and
/// reports every planted key.
#[test]
fn every_hostile_input_in_one_tree() {
    let mut case = aliased_tables_case();
    for c in [
        asar_alias_case("--archive-max-bytes"),
        gz_trailing_garbage_case(),
        gz_truncated_case(),
    ] {
        case.files.extend(c.files);
        case.expect.extend(c.expect);
        case.errors.extend(c.errors);
    }
    let zips = pack::nested_zips(
        100,
        format!("token {}\n", key(52)).as_bytes(),
        format!("token {}\n", key(53)).as_bytes(),
    );
    case = case
        .file("nested.zip", zips)
        .expect(at("nested.zip!/top.txt"));
    case.args = vec!["--archive-max-bytes", "1M", "--archive-depth", "16"];
    let v = run_tree(&case);
    check_cut(&v, CUT_TABLES);
}
