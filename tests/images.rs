//! Container images (`jikimi scan app.tar`, `jikimi scan oci-dir/`): images
//! are built here, byte by byte (layers as tars, gzip or zstd, a config, a
//! manifest; `docker save` and OCI formats), since no Docker engine runs
//! where the tests do. Keys are fake, generated at run time.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::{Env, Fake, findings, pack};

/// A file in a layer: a regular file, a symlink or a hard link.
enum Entry<'a> {
    File(&'a str, &'a [u8]),
    Symlink(&'a str, &'a str),
    Hardlink(&'a str, &'a str),
}

/// A layer tar.
fn layer(entries: &[Entry<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        match e {
            Entry::File(name, data) => {
                h.set_size(data.len() as u64);
                h.set_cksum();
                b.append_data(&mut h, name, *data).unwrap();
            }
            Entry::Symlink(name, target) | Entry::Hardlink(name, target) => {
                h.set_entry_type(if matches!(e, Entry::Symlink(..)) {
                    tar::EntryType::Symlink
                } else {
                    tar::EntryType::Link
                });
                h.set_size(0);
                b.append_link(&mut h, name, target).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(data, 3).unwrap()
}

fn sha(data: &[u8]) -> String {
    let d = Sha256::digest(data);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// An image config: `env`, and history entries (`created_by`, whether the
/// entry made no layer).
fn config(env: &[String], history: &[(String, bool)]) -> Vec<u8> {
    let history: Vec<Value> = history
        .iter()
        .map(|(c, empty)| json!({"created_by": c, "empty_layer": empty}))
        .collect();
    serde_json::to_vec(&json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {"Env": env, "Labels": {"maintainer": "team"}},
        "history": history,
        "rootfs": {"type": "layers", "diff_ids": []},
    }))
    .unwrap()
}

/// An outer tar of `members`.
fn outer(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let owned: Vec<(&str, &[u8])> = members
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    pack::tar(&owned)
}

/// A `docker save` archive (the classic layout: `<id>/layer.tar`,
/// `<hex>.json`, `manifest.json`). `layer_names` overrides the names the
/// manifest lists.
fn docker_save(
    tag: &str,
    cfg: &[u8],
    layers: &[Vec<u8>],
    layer_names: Option<Vec<String>>,
) -> Vec<u8> {
    // The config lists each layer's uncompressed digest, as Docker writes it.
    let mut c: Value = serde_json::from_slice(cfg).unwrap();
    let diff_ids: Vec<String> = layers
        .iter()
        .map(|l| format!("sha256:{}", sha(l)))
        .collect();
    c["rootfs"]["diff_ids"] = json!(diff_ids);
    let cfg = &serde_json::to_vec(&c).unwrap();
    let cfg_name = format!("{}.json", sha(cfg));
    let mut members = vec![(cfg_name.clone(), cfg.to_vec())];
    let mut names = Vec::new();
    for (i, l) in layers.iter().enumerate() {
        let name = format!("{:064x}/layer.tar", i + 1);
        members.push((name.clone(), l.clone()));
        names.push(name);
    }
    let manifest = json!([{
        "Config": cfg_name,
        "RepoTags": [tag],
        "Layers": layer_names.unwrap_or(names),
    }]);
    members.push((
        "manifest.json".into(),
        serde_json::to_vec(&manifest).unwrap(),
    ));
    outer(&members)
}

/// The files of an OCI image layout: blobs, `index.json`, `oci-layout`.
/// `layers`: (bytes, media type).
fn oci_files(tag: &str, cfg: &[u8], layers: &[(Vec<u8>, &str)]) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![(format!("blobs/sha256/{}", sha(cfg)), cfg.to_vec())];
    let mut descs = Vec::new();
    for (data, media) in layers {
        files.push((format!("blobs/sha256/{}", sha(data)), data.clone()));
        descs.push(json!({"mediaType": media, "digest": format!("sha256:{}", sha(data)), "size": data.len()}));
    }
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": format!("sha256:{}", sha(cfg)), "size": cfg.len()},
        "layers": descs,
    }))
    .unwrap();
    files.push((format!("blobs/sha256/{}", sha(&manifest)), manifest.clone()));
    let index = json!({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": format!("sha256:{}", sha(&manifest)),
            "size": manifest.len(),
            "annotations": {"org.opencontainers.image.ref.name": tag},
        }],
    });
    files.push(("index.json".into(), serde_json::to_vec(&index).unwrap()));
    files.push((
        "oci-layout".into(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    ));
    files
}

fn image_of(f: &Value) -> &Value {
    &f["image"]
}

fn causes(f: &Value) -> Vec<String> {
    crate::common::causes(f)
}

/// The two-layer image of the issue: `COPY . .` took `.env` in, a later
/// `RUN rm .env` hid it.
fn layer_one(key: &str) -> Vec<u8> {
    let env_file = format!("PORT=8080\nOPENAI_API_KEY={key}\n");
    layer(&[
        Entry::File(
            "app/server.js",
            b"require('http').createServer().listen(8080)\n",
        ),
        Entry::File("app/.env", env_file.as_bytes()),
    ])
}

fn shop_api(key: &str) -> Vec<u8> {
    let l1 = layer_one(key);
    let l2 = layer(&[Entry::File("app/.wh..env", b"")]);
    let cfg = config(
        &["PATH=/usr/local/bin:/usr/bin".into()],
        &[
            ("COPY . . # buildkit".into(), false),
            ("RUN /bin/sh -c rm .env # buildkit".into(), false),
            ("CMD [\"node\", \"app/server.js\"]".into(), true),
        ],
    );
    docker_save("shop-api:latest", &cfg, &[l1, l2], None)
}

#[test]
fn docker_save_file_deleted_in_a_later_layer_is_still_reported() {
    let env = Env::new();
    let key = Fake::new(1).openai_project();
    env.write("shop-api.tar", shop_api(&key));
    let (code, v) = env.scan_json(&["shop-api.tar"]);
    assert_eq!(code, 1, "{v:#}");
    let list = findings(&v);
    let f = list
        .iter()
        .find(|f| image_of(f)["path"] == "/app/.env")
        .unwrap_or_else(|| panic!("no finding in /app/.env: {v:#}"));
    let img = image_of(f);
    assert_eq!(img["image"], "shop-api:latest");
    assert_eq!(img["layer"]["index"], 1);
    assert_eq!(img["removed_in"], 2);
    assert_eq!(img["instruction"], "COPY . .");
    assert_eq!(causes(f), vec!["image-layer"]);
    let why = f["why"].as_str().unwrap();
    assert!(
        why.contains("removed in layer 2, still in layer 1"),
        "{why}"
    );
    assert!(why.contains("anyone who pulls the image"), "{why}");
    let fix = f["fix"].as_str().unwrap();
    assert!(fix.contains("--mount=type=secret"), "{fix}");
    assert!(!fix.contains("git rm"), "{fix}");
    // The human report groups by image and names the layer and the step.
    let out = env.cmd().args(["scan", "shop-api.tar"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("image shop-api:latest (shop-api.tar)"),
        "{text}"
    );
    let digest = format!("layer 1 (sha256:{})", &sha(&layer_one(&key))[..12]);
    assert!(flat.contains(&digest), "{digest}: {text}");
    assert!(
        flat.contains("removed in layer 2 (still in the image)"),
        "{text}"
    );
    assert!(flat.contains("made by `COPY . .`"), "{text}");
    assert!(!text.contains(&key), "key printed: {text}");
    // SARIF carries the same.
    let out = env
        .cmd()
        .args(["scan", "shop-api.tar", "--format", "sarif"])
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let r = results
        .iter()
        .find(|r| r["properties"]["image"]["path"] == "/app/.env")
        .unwrap_or_else(|| panic!("{sarif:#}"));
    assert_eq!(r["properties"]["image"]["layer"]["index"], 1);
    assert_eq!(r["properties"]["image"]["removed_in"], 2);
}

/// `docker save app | gzip > app.tar.gz`: read as the image it holds (not
/// as a nested archive with blob paths and repository causes); a gzipped
/// tar that is not an image is still scanned as an archive.
#[test]
fn gzipped_docker_save_is_read_as_an_image() {
    let env = Env::new();
    let key = Fake::new(4).openai_project();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &shop_api(&key)).unwrap();
    env.write("shop-api.tar.gz", gz.finish().unwrap());
    let (code, v) = env.scan_json(&["shop-api.tar.gz"]);
    assert_eq!(code, 1, "{v:#}");
    let list = findings(&v);
    let f = list
        .iter()
        .find(|f| f["image"]["path"] == "/app/.env")
        .unwrap_or_else(|| panic!("not read as an image: {v:#}"));
    assert_eq!(image_of(f)["image"], "shop-api:latest");
    assert_eq!(image_of(f)["removed_in"], 2);
    assert_eq!(causes(f), vec!["image-layer"]);
    assert!(
        f["path"].as_str().unwrap().starts_with("shop-api.tar.gz!/"),
        "{f:#}"
    );
    assert!(
        list.iter().all(|f| f["image"].is_object()),
        "a finding outside the image: {v:#}"
    );
    // A gzipped tar of plain files is an archive as before.
    let plain = outer(&[(
        "src/.env".to_string(),
        format!("OPENAI_API_KEY={key}\n").into_bytes(),
    )]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &plain).unwrap();
    env.write("src.tar.gz", gz.finish().unwrap());
    let (code, v) = env.scan_json(&["src.tar.gz"]);
    assert_eq!(code, 1, "{v:#}");
    let f = &findings(&v)[0];
    assert!(f["image"].is_null(), "{f:#}");
    assert!(f["path"].as_str().unwrap().contains("src/.env"), "{f:#}");
}

#[test]
fn env_and_build_arg_in_the_config_have_their_own_cause() {
    let env = Env::new();
    let mut fake = Fake::new(2);
    let env_key = fake.openai_project();
    let arg_key = fake.openai_legacy();
    // An ENV set again later: the first value is only in the history.
    let old_key = fake.openai_project();
    let l1 = layer(&[Entry::File("app/index.js", b"console.log(1)\n")]);
    let cfg = config(
        &["PATH=/usr/bin".into(), format!("OPENAI_API_KEY={env_key}")],
        &[
            (
                format!("/bin/sh -c #(nop)  ENV OPENAI_API_KEY={old_key}"),
                true,
            ),
            (
                format!("/bin/sh -c #(nop)  ENV OPENAI_API_KEY={env_key}"),
                true,
            ),
            (format!("|1 OPENAI_KEY={arg_key} /bin/sh -c npm ci"), false),
        ],
    );
    env.write("app.tar", docker_save("app:1.2", &cfg, &[l1], None));
    let (code, v) = env.scan_json(&["app.tar"]);
    assert_eq!(code, 1, "{v:#}");
    let list = findings(&v);
    let in_env = list
        .iter()
        .find(|f| image_of(f)["path"] == "config.Env")
        .unwrap_or_else(|| panic!("no ENV finding: {v:#}"));
    assert_eq!(causes(in_env), vec!["image-config"]);
    assert!(in_env["why"].as_str().unwrap().contains("set with ENV"));
    // One finding for the ENV key, though the value is both in config.Env
    // and in the history entry of its ENV instruction: it names both.
    assert!(
        !list.iter().any(|f| image_of(f)["path"] == "history[1]"),
        "ENV key reported twice: {v:#}"
    );
    assert_eq!(
        image_of(in_env)["also_in"],
        serde_json::json!(["history[1]"])
    );
    let step = image_of(in_env)["instruction"].as_str().unwrap();
    assert!(step.starts_with("ENV OPENAI_API_KEY="), "{step}");
    assert!(
        in_env["why"]
            .as_str()
            .unwrap()
            .contains("(`ENV OPENAI_API_KEY=")
    );
    // The overridden value is only in the history: a finding of its own.
    let old = list
        .iter()
        .find(|f| image_of(f)["path"] == "history[0]")
        .unwrap_or_else(|| panic!("no finding for the overridden ENV: {v:#}"));
    assert!(old["why"].as_str().unwrap().contains("set with ENV"));
    assert!(
        in_env["fix"]
            .as_str()
            .unwrap()
            .contains("--mount=type=secret")
    );
    let arg = list
        .iter()
        .find(|f| image_of(f)["path"] == "history[2]")
        .unwrap_or_else(|| panic!("no build-arg finding: {v:#}"));
    assert_eq!(causes(arg), vec!["image-config"]);
    let why = arg["why"].as_str().unwrap();
    assert!(why.contains("build argument"), "{why}");
    // The history entry made layer 1; its instruction is shown redacted.
    assert_eq!(image_of(arg)["layer"]["index"], 1);
    let instr = image_of(arg)["instruction"].as_str().unwrap();
    assert!(instr.starts_with("RUN |1 OPENAI_KEY="), "{instr}");
    assert!(
        !instr.contains(&arg_key),
        "instruction shows the key: {instr}"
    );
    let all = serde_json::to_string(&v).unwrap();
    assert!(!all.contains(&arg_key) && !all.contains(&env_key) && !all.contains(&old_key));
}

#[test]
fn oci_archive_and_layout_with_gzip_and_zstd_layers() {
    let env = Env::new();
    let mut fake = Fake::new(3);
    let (k1, k2) = (fake.openai_project(), fake.openai_project());
    let l1 = pack::gzip(&layer(&[Entry::File(
        "srv/config.json",
        format!("{{\"openai\": \"{k1}\"}}").as_bytes(),
    )]));
    let l2 = zstd(&layer(&[Entry::File(
        "root/.npmrc",
        format!("token={k2}\n").as_bytes(),
    )]));
    let (d1, d2) = (
        format!("sha256:{}", sha(&l1)),
        format!("sha256:{}", sha(&l2)),
    );
    let cfg = config(
        &[],
        &[
            ("ADD config.json /srv/".into(), false),
            ("RUN npm login".into(), false),
        ],
    );
    let files = oci_files(
        "registry.example.com/api:2",
        &cfg,
        &[
            (l1, "application/vnd.oci.image.layer.v1.tar+gzip"),
            (l2, "application/vnd.oci.image.layer.v1.tar+zstd"),
        ],
    );
    env.write("api-oci.tar", outer(&files));
    for (name, data) in &files {
        env.write(&format!("layout/{name}"), data);
    }
    for target in ["api-oci.tar", "layout"] {
        let (code, v) = env.scan_json(&[target]);
        assert_eq!(code, 1, "{target}: {v:#}");
        let list = findings(&v);
        let at = |p: &str| {
            list.iter()
                .find(|f| image_of(f)["path"] == p)
                .unwrap_or_else(|| panic!("{target}: nothing at {p}: {v:#}"))
        };
        let (f1, f2) = (at("/srv/config.json"), at("/root/.npmrc"));
        assert_eq!(image_of(f1)["image"], "registry.example.com/api:2");
        assert_eq!(image_of(f1)["layer"]["digest"], d1.as_str());
        assert_eq!(image_of(f2)["layer"]["digest"], d2.as_str());
        assert_eq!(image_of(f2)["layer"]["index"], 2);
        assert_eq!(image_of(f2)["instruction"], "RUN npm login");
        assert!(image_of(f1)["removed_in"].is_null());
    }
}

#[test]
fn app_package_inside_a_layer_is_opened() {
    let env = Env::new();
    let key = Fake::new(4).openai_project();
    let apk = pack::zip(&[(
        "assets/config.json",
        format!("{{\"key\": \"{key}\"}}").as_bytes(),
    )]);
    let l1 = pack::gzip(&layer(&[Entry::File("srv/static/app.apk", &apk)]));
    let cfg = config(&[], &[("COPY dist/ /srv/static/".into(), false)]);
    env.write("web.tar", docker_save("web:latest", &cfg, &[l1], None));
    let (code, v) = env.scan_json(&["web.tar"]);
    assert_eq!(code, 1, "{v:#}");
    let f = &findings(&v)[0];
    assert_eq!(
        image_of(f)["path"],
        "/srv/static/app.apk!/assets/config.json"
    );
    let c = causes(f);
    assert!(
        c.contains(&"image-layer".to_string()) && c.contains(&"app-binary".to_string()),
        "{c:?}"
    );
}

#[test]
fn hostile_images_are_bounded_and_reported() {
    let env = Env::new();
    let key = Fake::new(5).openai_project();
    let good = layer(&[Entry::File(
        "app/.env",
        format!("OPENAI_API_KEY={key}\n").as_bytes(),
    )]);
    // A tar bomb: 16 MiB of zeros in a layer of ~16 KiB.
    let bomb = {
        let mut b = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::best(),
        ));
        let mut h = tar::Header::new_gnu();
        let size = 16u64 << 20;
        h.set_size(size);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(
            &mut h,
            "zeros.bin",
            std::io::Read::take(std::io::repeat(0), size),
        )
        .unwrap();
        b.into_inner().unwrap().finish().unwrap()
    };
    let cfg = config(
        &[],
        &[("COPY . .".into(), false), ("RUN make".into(), false)],
    );
    env.write(
        "bomb.tar",
        docker_save("bomb:1", &cfg, &[good.clone(), bomb], None),
    );
    let (code, v, stderr) = env.scan_full(&["bomb.tar"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        findings(&v)
            .iter()
            .any(|f| image_of(f)["path"] == "/app/.env")
    );
    let errors = v["errors"].to_string();
    assert!(errors.contains("tar bomb"), "{errors}");

    // A manifest pointing outside the archive: refused, nothing read.
    env.write(
        "outside/layer.tar",
        layer(&[Entry::File("k", format!("OPENAI_API_KEY={key}").as_bytes())]),
    );
    env.write(
        "evil/escape.tar",
        docker_save(
            "evil:1",
            &cfg,
            std::slice::from_ref(&good),
            Some(vec!["../outside/layer.tar".into()]),
        ),
    );
    let (code, v, _) = env.scan_full(&["evil/escape.tar"]);
    assert_eq!(code, 0, "{v:#}");
    assert!(findings(&v).is_empty());
    assert!(
        v["errors"].to_string().contains("outside the archive"),
        "{v:#}"
    );

    // A layer listed twice: read once, said once.
    let first = format!("{:064x}/layer.tar", 1);
    env.write(
        "twice.tar",
        docker_save(
            "twice:1",
            &cfg,
            std::slice::from_ref(&good),
            Some(vec![first.clone(), first]),
        ),
    );
    let (code, v, _) = env.scan_full(&["twice.tar"]);
    assert_eq!(code, 1);
    assert_eq!(findings(&v).len(), 1, "{v:#}");
    assert!(v["errors"].to_string().contains("more than once"), "{v:#}");

    // Symlinks and hard links in a layer are not followed, whatever they
    // point at (a key sits next to the image, outside it).
    let outside = env.write("host-secret.env", format!("OPENAI_API_KEY={key}\n"));
    let links = layer(&[
        Entry::Symlink("app/.env", outside.to_str().unwrap()),
        Entry::Symlink("app/up", "../../../../../host-secret.env"),
        Entry::Hardlink("app/hard", "/etc/passwd"),
        Entry::File("app/ok.txt", b"hello\n"),
    ]);
    env.write(
        "links/links.tar",
        docker_save("links:1", &cfg, &[links], None),
    );
    let (code, v, stderr) = env.scan_full(&["links/links.tar"]);
    assert_eq!(code, 0, "{v:#} {stderr}");
    assert!(findings(&v).is_empty(), "{v:#}");
}

#[test]
fn dockerfile_copying_the_context_with_env_files_is_a_risk() {
    let env = Env::new();
    let repo = env.git_init();
    let key = Fake::new(6).openai_project();
    env.write(".gitignore", ".env\n.env.*\n");
    env.write(".env", format!("OPENAI_API_KEY={key}\n"));
    env.write(".env.example", "OPENAI_API_KEY=\n");
    env.write(
        "package.json",
        "{\"name\": \"api\", \"dependencies\": {\"dotenv\": \"16\"}}\n",
    );
    env.write(
        "Dockerfile",
        "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"index.js\"]\n",
    );
    env.commit_all(&repo, "app");
    // Ignored by git, copied by docker all the same.
    let (_, v) = env.scan_json(&["."]);
    let gap = crate::common::by_rule(&v, "dockerignore-gap");
    assert_eq!(gap.len(), 1, "{v:#}");
    assert_eq!(gap[0]["path"], "Dockerfile");
    assert_eq!(gap[0]["line"], 3);
    assert_eq!(gap[0]["kind"], "risk");
    assert!(
        gap[0]["why"].as_str().unwrap().contains("copied: .env"),
        "{:#}",
        gap[0]
    );
    assert!(gap[0]["fix"].as_str().unwrap().contains(".dockerignore"));
    // A .dockerignore that only names the top .env leaves a nested one.
    env.write("api/.env.local", "X=1\n");
    env.write(".dockerignore", ".env\nnode_modules\n");
    let (_, v) = env.scan_json(&["."]);
    let gap = crate::common::by_rule(&v, "dockerignore-gap");
    assert_eq!(gap.len(), 1, "{v:#}");
    assert!(
        gap[0]["why"].as_str().unwrap().contains("api/.env.local"),
        "{:#}",
        gap[0]
    );
    // Excluding every env file closes the gap.
    env.write(".dockerignore", "**/.env*\n!.env.example\n");
    let (_, v) = env.scan_json(&["."]);
    assert!(
        crate::common::by_rule(&v, "dockerignore-gap").is_empty(),
        "{v:#}"
    );
    // It can be turned off like the .gitignore gap.
    env.remove(".dockerignore");
    env.write(
        "jikimi.toml",
        "version = 1\ndisable = [\"dockerignore-gap\"]\n",
    );
    let (_, v) = env.scan_json(&["."]);
    assert!(
        crate::common::by_rule(&v, "dockerignore-gap").is_empty(),
        "{v:#}"
    );
    env.remove("jikimi.toml");
    let (_, v) = env.scan_json(&["."]);
    assert_eq!(
        crate::common::by_rule(&v, "dockerignore-gap").len(),
        1,
        "{v:#}"
    );
    // Copying only what the app needs is no gap either.
    env.write(
        "Dockerfile",
        "FROM node:22\nCOPY package.json index.js ./\n",
    );
    let (_, v) = env.scan_json(&["."]);
    assert!(
        crate::common::by_rule(&v, "dockerignore-gap").is_empty(),
        "{v:#}"
    );
}

#[test]
fn keys_in_dockerfile_env_arg_and_compose_environment() {
    let env = Env::new();
    let mut fake = Fake::new(7);
    let (k1, k2, k3) = (
        fake.openai_project(),
        fake.openai_project(),
        fake.openai_project(),
    );
    env.write(
        "Dockerfile",
        format!("FROM python:3.12\nARG OPENAI_KEY={k2}\nENV OPENAI_API_KEY={k1}\nCOPY app.py .\n"),
    );
    env.write(
        "docker-compose.yml",
        format!("services:\n  api:\n    build: .\n    environment:\n      OPENAI_API_KEY: {k3}\n"),
    );
    let (code, v) = env.scan_json(&["."]);
    assert_eq!(code, 1);
    let list = findings(&v);
    let at = |line: u64, path: &str| {
        list.iter()
            .find(|f| f["path"] == path && f["line"] == line)
            .unwrap_or_else(|| panic!("nothing at {path}:{line}: {v:#}"))
    };
    let (arg, env_line, compose) = (
        at(2, "Dockerfile"),
        at(3, "Dockerfile"),
        at(5, "docker-compose.yml"),
    );
    assert_eq!(causes(env_line), vec!["image-config"]);
    assert!(env_line["why"].as_str().unwrap().contains("set with ENV"));
    assert!(
        env_line["fix"]
            .as_str()
            .unwrap()
            .contains("--mount=type=secret")
    );
    assert_eq!(causes(arg), vec!["image-config"]);
    assert!(arg["why"].as_str().unwrap().contains("build argument"));
    assert!(
        compose["why"].as_str().unwrap().contains("compose"),
        "{compose:#}"
    );
    assert!(
        compose["fix"].as_str().unwrap().contains("secrets:"),
        "{compose:#}"
    );
}
