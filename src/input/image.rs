//! Container images: `docker save` archives, OCI image archives (a tar of an
//! OCI layout) and OCI image layout directories (`oci-layout`, `index.json`,
//! `blobs/sha256/…`).
//!
//! Position in the pipeline: [`detect`] is asked about a scan root (a file
//! or a folder given on the command line); for an image, [`scan`] reads the
//! manifests, then each image's config ([`config`]: `Env`, `history`,
//! labels) and its layers in order, and hands every file of every layer to
//! the same [`Sink::member`] archive members go to, so every decoder
//! (archives, app packages, env files, notebooks, binaries) applies inside
//! layers. What it learns about the image (names, layer digests, the
//! instruction that made each layer, whiteouts) is returned as a
//! [`Scanned`], which the findings stage reads to say which image, which
//! layer and which Dockerfile step put a key there
//! ([`crate::findings::image`]).
//!
//! Layers can be gigabytes, so they are streamed: the outer tar is indexed
//! once by its headers (offsets and sizes, no data read), then each layer is
//! read once, from its offset, through gzip or zstd when it is compressed,
//! and its files are read one at a time. The archive budgets apply: each
//! layer counts as one archive (`--archive-max-bytes` uncompressed,
//! `--archive-max-ratio` against its compressed size,
//! `--archive-max-members` files), every layer counts toward
//! `--archive-max-total`, and a file counts against `--max-file-size`
//! unless it is itself an archive to open.
//!
//! Whiteouts (`.wh.NAME` deletes NAME from the layers below, `.wh..wh..opq`
//! empties a folder) are recorded, not applied: a file deleted in a later
//! layer is still in the image (anyone who pulls it has the earlier layer),
//! so it is scanned and reported with the layer that removed it.
//!
//! Everything here is hostile input: a manifest may point outside the
//! archive (refused: blobs are looked up in the archive's own index, or
//! built from a validated digest in a layout folder), list one layer twice
//! (read once, said once), or hold a tar bomb (cut by the budgets). Links in
//! layers are never followed: they have no bytes of their own.

pub mod config;

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use serde::Serialize;

use crate::input::archive::{self, ArchiveLimits, ArchiveTotals, Unpacked};
use crate::input::fsread;
use crate::input::{GitState, Origin, Sink};

/// The largest manifest, index or config read (they are small JSON files).
const JSON_MAX: u64 = 16 << 20;
/// How deep an index of indexes is followed.
const INDEX_DEPTH: usize = 4;
/// Compressed layers in OCI images allow zstd windows up to this (log2):
/// 128 MiB, what `zstd --long` writes at most by default.
const ZSTD_WINDOW_LOG: u32 = 27;

/// What a finding inside an image says about where it is: carried on the
/// finding ([`crate::findings::Finding::image`]) into every report.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct ImageInfo {
    /// The image: its repository tags, or its config digest when it has
    /// none.
    pub image: String,
    /// The layer that holds the file (`None` for the image config).
    pub layer: Option<LayerInfo>,
    /// The path inside the image (`/app/.env`), or the part of the config
    /// (`config.Env`, `history[3]`, `config.Labels`).
    pub path: String,
    /// The Dockerfile instruction that created the layer (or the history
    /// entry), secrets redacted.
    pub instruction: Option<String>,
    /// The later layer whose whiteout deletes the file: it is still in the
    /// image, in `layer`.
    pub removed_in: Option<usize>,
    /// Other places of the config that hold the same key, reported as this
    /// one finding: the `history[i]` entry of the `ENV` that set a
    /// `config.Env` value.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_in: Vec<String>,
}

/// One layer of an image.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct LayerInfo {
    /// 1-based, bottom layer first.
    pub index: usize,
    /// `sha256:…` (the blob's digest, or the uncompressed layer's diff id
    /// for `docker save` archives that name layers by folder).
    pub digest: String,
}

/// Where an image's blobs are.
#[derive(Debug)]
pub enum Store {
    /// A tar archive (`docker save`, OCI archive): member name → (offset of
    /// its data in the file, size).
    Archive {
        file: PathBuf,
        members: HashMap<String, (u64, u64)>,
        /// For a gzipped archive (`docker save app | gzip > app.tar.gz`):
        /// the temporary uncompressed copy `file` names, removed on drop.
        spool: Option<tempfile::TempPath>,
    },
    /// An OCI image layout folder.
    Layout(PathBuf),
}

/// Whether `path` is an image: a folder with an OCI layout, or a tar
/// (uncompressed or gzipped) whose members include a `manifest.json`
/// (docker save) or `index.json` and `oci-layout` (OCI archive). Only the
/// tar headers are read. `None` for anything else (it is scanned as usual).
///
/// A gzipped tar cannot be read at an offset, so it is inflated once into a
/// private temporary file (streamed, at most `--archive-max-total` bytes)
/// and read from there like an uncompressed archive. One that is not an
/// image, or is larger than that, is left to the archive reader.
pub fn detect(path: &Path, limits: &ArchiveLimits) -> Option<Store> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.is_dir() {
        let layout = path.join("oci-layout").is_file() && path.join("index.json").is_file();
        return layout.then(|| Store::Layout(path.to_path_buf()));
    }
    let mut file = fsread::open_regular(path).ok()?;
    let mut head = [0u8; 512];
    file.read_exact(&mut head).ok()?;
    let spool = match archive::sniff(&head) {
        Some(archive::Kind::Tar) => None,
        Some(archive::Kind::Gzip) => {
            file.seek(SeekFrom::Start(0)).ok()?;
            Some(inflate_tar(&mut file, limits.max_total)?)
        }
        _ => return None,
    };
    let tar_file = match &spool {
        Some(t) => fsread::open_regular(t).ok()?,
        None => {
            file.seek(SeekFrom::Start(0)).ok()?;
            file
        }
    };
    let members = index_tar(tar_file, limits.max_members).ok()?;
    let image = members.contains_key("manifest.json")
        || (members.contains_key("index.json") && members.contains_key("oci-layout"));
    image.then(|| Store::Archive {
        file: spool
            .as_ref()
            .map_or_else(|| path.to_path_buf(), |t| t.to_path_buf()),
        members,
        spool,
    })
}

/// Inflate a gzip stream that holds a tar into a temporary file, at most
/// `max` bytes. `None` when the content is not a tar (only its first block
/// is inflated then), or is larger than `max`, or cannot be written.
fn inflate_tar(file: &mut File, max: u64) -> Option<tempfile::TempPath> {
    let mut gz = flate2::read::MultiGzDecoder::new(BufReader::new(file));
    let mut head = [0u8; 512];
    gz.read_exact(&mut head).ok()?;
    if archive::sniff(&head) != Some(archive::Kind::Tar) {
        return None;
    }
    let mut tmp = tempfile::NamedTempFile::new().ok()?;
    io::Write::write_all(&mut tmp, &head).ok()?;
    let room = max.saturating_sub(head.len() as u64);
    let copied = io::copy(&mut (&mut gz).take(room), &mut tmp).ok()?;
    if copied == room {
        // Over the budget: one byte more tells a cut stream from an exact fit.
        let mut one = [0u8; 1];
        if gz.read(&mut one).ok()? > 0 {
            return None;
        }
    }
    Some(tmp.into_temp_path())
}

/// The regular files of a tar: name → (data offset, size), from the
/// headers alone (data is seeked over). Stops at `max` members.
fn index_tar(file: File, max: u64) -> io::Result<HashMap<String, (u64, u64)>> {
    let mut ar = tar::Archive::new(file);
    let mut out = HashMap::new();
    for (n, entry) in ar.entries_with_seek()?.enumerate() {
        let entry = entry?;
        if n as u64 >= max {
            break;
        }
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = normalize(&String::from_utf8_lossy(&entry.path_bytes()));
        // The first copy of a name wins, as `docker load` reads it.
        out.entry(name)
            .or_insert((entry.raw_file_position(), entry.size()));
    }
    Ok(out)
}

/// `./a/b` and `/a/b` → `a/b`.
fn normalize(name: &str) -> String {
    let mut n = name;
    loop {
        if let Some(rest) = n.strip_prefix("./") {
            n = rest;
        } else if let Some(rest) = n.strip_prefix('/') {
            n = rest;
        } else {
            break;
        }
    }
    n.to_string()
}

/// A path that would leave the folder it is relative to.
fn escapes(name: &str) -> bool {
    name.starts_with('/') || name.starts_with('\\') || name.split(['/', '\\']).any(|p| p == "..")
}

/// `sha256:abc…` → `blobs/sha256/abc…`, for a well-formed digest only.
fn blob_path(digest: &str) -> Option<String> {
    let (alg, hex) = digest.split_once(':')?;
    let alg_ok = !alg.is_empty()
        && alg
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b));
    let hex_ok = hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit());
    (alg_ok && hex_ok).then(|| format!("blobs/{alg}/{hex}"))
}

/// `blobs/sha256/abc…` → `sha256:abc…`.
fn digest_of(blob: &str) -> Option<String> {
    let rest = blob.strip_prefix("blobs/")?;
    let (alg, hex) = rest.split_once('/')?;
    blob_path(&format!("{alg}:{hex}")).map(|_| format!("{alg}:{hex}"))
}

impl Store {
    /// A blob's bytes as a stream, with its size. `name` is a path inside
    /// the archive or layout (already checked not to escape).
    fn open(&self, name: &str) -> Result<(Box<dyn Read>, u64), String> {
        match self {
            Store::Archive { file, members, .. } => {
                let &(offset, size) = members
                    .get(name)
                    .ok_or_else(|| format!("`{name}` is not in the archive"))?;
                let mut f = fsread::open_regular(file).map_err(|e| e.to_string())?;
                f.seek(SeekFrom::Start(offset)).map_err(|e| e.to_string())?;
                Ok((Box::new(f.take(size)), size))
            }
            Store::Layout(dir) => {
                let (f, size) = fsread::open_regular(&dir.join(name))
                    .and_then(|f| {
                        let len = f.metadata()?.len();
                        Ok((f, len))
                    })
                    .map_err(|e| format!("`{name}` cannot be read ({e})"))?;
                Ok((Box::new(f), size))
            }
        }
    }

    /// A small JSON blob.
    fn json(&self, name: &str) -> Result<serde_json::Value, String> {
        let (r, size) = self.open(name)?;
        if size > JSON_MAX {
            return Err(format!(
                "`{name}` is {size} bytes, too large for a manifest or config (at most {JSON_MAX})"
            ));
        }
        let mut buf = Vec::with_capacity(size as usize);
        r.take(JSON_MAX)
            .read_to_end(&mut buf)
            .map_err(|e| format!("`{name}` cannot be read ({e})"))?;
        serde_json::from_slice(&buf).map_err(|e| format!("`{name}` is not valid JSON ({e})"))
    }
}

/// One image found in the manifests.
#[derive(Clone, Debug, Default)]
pub struct ImageMeta {
    /// Tags, or the config's short digest.
    pub name: String,
    /// The config blob (a path in the archive or layout).
    pub config: Option<String>,
    /// Layer blobs, bottom first.
    pub layers: Vec<String>,
    /// Layer digests, in the same order.
    pub digests: Vec<String>,
    /// The instruction that created each layer (from the config's history),
    /// in the same order; `None` where the history does not say.
    pub instructions: Vec<Option<String>>,
}

/// A whiteout in a layer: `path` (and everything under it) deleted from
/// the layers below, or, `opaque`, everything under the folder `path`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Whiteout {
    pub path: String,
    pub opaque: bool,
}

/// What scanning an image archive or layout learnt, for the findings stage.
#[derive(Debug, Default)]
pub struct Scanned {
    /// The display path of the archive or folder (the root of every
    /// origin).
    pub root: String,
    pub images: Vec<ImageMeta>,
    /// Layer blob → (image, 0-based layer index) where it was scanned.
    pub layer_of: HashMap<String, (usize, usize)>,
    /// Config blob → image.
    pub config_of: HashMap<String, usize>,
    /// Layer blob → its whiteouts.
    pub whiteouts: HashMap<String, Vec<Whiteout>>,
    /// Config blob → the config pieces' instructions (`history[3]` → text).
    pub history: HashMap<String, Vec<config::HistoryEntry>>,
    /// Files read out of layers and their bytes.
    pub files: u64,
    pub bytes: u64,
}

impl Scanned {
    /// The first layer above `index` (0-based) of `image` that deletes
    /// `path` (a path inside the image, without the leading `/`): its
    /// 1-based index.
    pub fn removed_in(&self, image: usize, index: usize, path: &str) -> Option<usize> {
        let img = self.images.get(image)?;
        for (i, blob) in img.layers.iter().enumerate().skip(index + 1) {
            let Some(wh) = self.whiteouts.get(blob) else {
                continue;
            };
            for w in wh {
                let under = path
                    .strip_prefix(w.path.as_str())
                    .is_some_and(|rest| rest.starts_with('/'));
                if under || (!w.opaque && path == w.path) || (w.opaque && w.path.is_empty()) {
                    return Some(i + 1);
                }
            }
        }
        None
    }
}

/// Scan the image(s) in `store`, named `display` in reports, handing every
/// file to `sink` from `workers` threads.
pub fn scan(
    store: &Store,
    display: &str,
    limits: &ArchiveLimits,
    totals: &ArchiveTotals,
    workers: usize,
    sink: &dyn Sink,
) -> Scanned {
    let mut out = Scanned {
        root: display.to_string(),
        ..Scanned::default()
    };
    let root = Origin::File {
        path: display.to_string(),
        git: GitState::NoRepo,
    };
    let images = match manifests(store) {
        Ok(i) => i,
        Err(e) => {
            sink.error(display, &format!("{e}; the image is not scanned"));
            return out;
        }
    };
    if images.is_empty() {
        sink.error(display, "the image manifest lists no image");
    }
    for mut img in images {
        let at = out.images.len();
        // The config first: it names the instruction of each layer.
        let mut history = Vec::new();
        if let Some(cfg) = img.config.clone() {
            match store.json(&cfg) {
                Ok(value) => {
                    let parsed = config::parse(&value);
                    if img.name.is_empty() {
                        img.name = digest_of(&cfg)
                            .or_else(|| cfg.strip_suffix(".json").map(|h| format!("sha256:{h}")))
                            .map(|d| short_digest(&d))
                            .unwrap_or_else(|| cfg.clone());
                    }
                    if out.config_of.insert(cfg.clone(), at).is_none() {
                        let parent = member(&root, &cfg);
                        config::scan(&parsed, &parent, sink);
                    }
                    img.instructions = parsed.layer_instructions(img.layers.len());
                    if img.digests.iter().all(String::is_empty) {
                        img.digests = parsed.diff_ids.clone();
                    }
                    history = parsed.history;
                }
                Err(e) => sink.error(display, &format!("image config: {e}")),
            }
            out.history.insert(cfg, history);
        }
        if img.name.is_empty() {
            img.name = "(unnamed image)".into();
        }
        img.digests.resize(img.layers.len(), String::new());
        // No digest known (a config without diff ids): the layer's path.
        for (d, blob) in img.digests.iter_mut().zip(&img.layers) {
            if d.is_empty() {
                d.clone_from(blob);
            }
        }
        img.instructions.resize(img.layers.len(), None);
        let mut twice = Vec::new();
        for (i, blob) in img.layers.iter().enumerate() {
            if let Some(&(other, _)) = out.layer_of.get(blob) {
                if other == at {
                    twice.push(blob.clone());
                }
                continue; // read once; attributed to where it was read
            }
            out.layer_of.insert(blob.clone(), (at, i));
            let origin = member(&root, blob);
            let (whiteouts, files, bytes) = match store.open(blob) {
                Ok((r, size)) => read_layer(r, size, &origin, limits, totals, workers, sink),
                Err(e) => {
                    sink.error(&origin.display_path(), &format!("layer {}: {e}", i + 1));
                    (Vec::new(), 0, 0)
                }
            };
            out.files += files;
            out.bytes += bytes;
            out.whiteouts.insert(blob.clone(), whiteouts);
        }
        if let Some(first) = twice.first() {
            sink.error(
                display,
                &format!(
                    "image `{}` lists layer `{first}` more than once (no builder writes that; a hostile manifest repeats a layer to multiply the work): it was read once",
                    img.name
                ),
            );
        }
        out.images.push(img);
    }
    out
}

fn member(parent: &Origin, name: &str) -> Origin {
    Origin::Member {
        parent: Box::new(parent.clone()),
        member: name.to_string(),
    }
}

/// `sha256:` and the first 12 hex digits.
pub fn short_digest(d: &str) -> String {
    match d.split_once(':') {
        Some((alg, hex)) => format!("{alg}:{}", crate::text::head(hex, 12)),
        None => crate::text::head(d, 19).to_string(),
    }
}

/// The images the archive or layout holds: `manifest.json` (docker save)
/// first, else `index.json` (OCI).
fn manifests(store: &Store) -> Result<Vec<ImageMeta>, String> {
    let docker = match store {
        Store::Archive { members, .. } => members.contains_key("manifest.json"),
        Store::Layout(dir) => dir.join("manifest.json").is_file(),
    };
    if docker {
        return docker_manifest(store);
    }
    let index = store.json("index.json")?;
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    oci_index(store, &index, "", 0, &mut seen, &mut out)?;
    Ok(out)
}

/// A blob path from the manifest, refused when it points outside the
/// archive.
fn blob_name(raw: &str) -> Result<String, String> {
    if escapes(raw) {
        return Err(format!(
            "the manifest names `{raw}`, a path outside the archive (a hostile manifest; nothing outside the archive is read)"
        ));
    }
    Ok(normalize(raw))
}

fn docker_manifest(store: &Store) -> Result<Vec<ImageMeta>, String> {
    let value = store.json("manifest.json")?;
    let list = value
        .as_array()
        .ok_or("`manifest.json` is not a list of images")?;
    let mut out = Vec::new();
    for entry in list {
        let tags: Vec<&str> = entry["RepoTags"]
            .as_array()
            .map(|a| a.iter().filter_map(|t| t.as_str()).collect())
            .unwrap_or_default();
        let config = match entry["Config"].as_str() {
            Some(c) => Some(blob_name(c)?),
            None => None,
        };
        let mut img = ImageMeta {
            name: tags.join(", "),
            config,
            ..ImageMeta::default()
        };
        for layer in entry["Layers"].as_array().into_iter().flatten() {
            let Some(l) = layer.as_str() else { continue };
            let name = blob_name(l)?;
            img.digests.push(digest_of(&name).unwrap_or_default());
            img.layers.push(name);
        }
        out.push(img);
    }
    Ok(out)
}

/// An OCI index: each manifest it lists (following nested indexes).
fn oci_index(
    store: &Store,
    index: &serde_json::Value,
    name: &str,
    depth: usize,
    seen: &mut HashSet<String>,
    out: &mut Vec<ImageMeta>,
) -> Result<(), String> {
    if depth > INDEX_DEPTH {
        return Err(format!("image indexes nested more than {INDEX_DEPTH} deep"));
    }
    for m in index["manifests"].as_array().into_iter().flatten() {
        let Some(digest) = m["digest"].as_str() else {
            continue;
        };
        let blob = blob_path(digest).ok_or_else(|| {
            format!("the index names `{digest}`, not a digest (a hostile or damaged index)")
        })?;
        if !seen.insert(blob.clone()) {
            continue;
        }
        let ann = &m["annotations"];
        let tag = ann["io.containerd.image.name"]
            .as_str()
            .or_else(|| ann["org.opencontainers.image.ref.name"].as_str())
            .unwrap_or(name);
        let value = store.json(&blob)?;
        if value.get("manifests").is_some() {
            oci_index(store, &value, tag, depth + 1, seen, out)?;
            continue;
        }
        let config = value["config"]["digest"].as_str().and_then(blob_path);
        let mut img = ImageMeta {
            name: tag.to_string(),
            config,
            ..ImageMeta::default()
        };
        for layer in value["layers"].as_array().into_iter().flatten() {
            let Some(d) = layer["digest"].as_str() else {
                continue;
            };
            let b = blob_path(d)
                .ok_or_else(|| format!("the manifest names layer `{d}`, not a digest"))?;
            img.layers.push(b);
            img.digests.push(d.to_string());
        }
        out.push(img);
    }
    Ok(())
}

/// A reader that stops with an error past `cap` bytes (the layer's
/// budget), counting what it reads into the scan's totals.
struct Capped<'a, R> {
    inner: R,
    read: u64,
    cap: u64,
    over: bool,
    totals: &'a ArchiveTotals,
}

impl<R: Read> Read for Capped<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.read >= self.cap {
            // One byte past the cap tells "exactly at it" from "past it".
            let mut one = [0u8; 1];
            if self.inner.read(&mut one)? == 0 {
                return Ok(0);
            }
            self.over = true;
            return Err(io::Error::other("layer budget exhausted"));
        }
        let room = (self.cap - self.read).min(buf.len() as u64) as usize;
        let n = self.inner.read(&mut buf[..room])?;
        self.read += n as u64;
        self.totals.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Read one layer (tar, gzip or zstd), handing each regular file to `sink`
/// as a member of `origin`. Returns its whiteouts, the files read and their
/// bytes.
fn read_layer(
    raw: Box<dyn Read>,
    compressed: u64,
    origin: &Origin,
    limits: &ArchiveLimits,
    totals: &ArchiveTotals,
    workers: usize,
    sink: &dyn Sink,
) -> (Vec<Whiteout>, u64, u64) {
    let path = origin.display_path();
    let mut whiteouts = Vec::new();
    let scan_left = limits
        .max_total
        .saturating_sub(totals.bytes.load(Ordering::Relaxed));
    if scan_left == 0 {
        sink.skipped(
            &path,
            "layer not read: this scan already unpacked --archive-max-total bytes",
        );
        return (whiteouts, 0, 0);
    }
    totals.archives.fetch_add(1, Ordering::Relaxed);
    let mut buffered = BufReader::with_capacity(256 << 10, raw);
    let head = buffered.fill_buf().map(|b| b.to_vec()).unwrap_or_default();
    let (decoded, compressed_kind): (Box<dyn Read>, bool) = match head.get(..4) {
        Some([0x1f, 0x8b, _, _]) => (
            Box::new(flate2::bufread::MultiGzDecoder::new(buffered)),
            true,
        ),
        Some([0x28, 0xb5, 0x2f, 0xfd]) => {
            match zstd::stream::read::Decoder::with_buffer(buffered).and_then(|mut d| {
                d.window_log_max(ZSTD_WINDOW_LOG)?;
                Ok(d)
            }) {
                Ok(d) => (Box::new(d), true),
                Err(e) => {
                    sink.error(&path, &format!("the zstd layer cannot be read ({e})"));
                    return (whiteouts, 0, 0);
                }
            }
        }
        _ => (Box::new(buffered), false),
    };
    let ratio_cap = if compressed_kind {
        compressed.saturating_mul(limits.max_ratio).max(1 << 20)
    } else {
        u64::MAX
    };
    let cap = limits.max_bytes.min(scan_left).min(ratio_cap);
    let mut capped = Capped {
        inner: decoded,
        read: 0,
        cap,
        over: false,
        totals,
    };
    let mut files = 0u64;
    let mut bytes = 0u64;
    let mut members = 0u64;
    let mut traversal: Vec<String> = Vec::new();
    let mut too_large: Vec<String> = Vec::new();
    let mut problem: Option<String> = None;
    // This thread decompresses and reads the tar; `workers` threads scan
    // the files it reads, a few at a time (the channel bounds the files in
    // memory to about twice the workers).
    let workers = workers.max(1);
    let (tx, rx) = std::sync::mpsc::sync_channel::<(String, Vec<u8>)>(workers * 2);
    let rx = std::sync::Mutex::new(rx);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                // Archives inside a file share a budget per worker.
                let unpacked = Unpacked::default();
                loop {
                    let next = rx.lock().map(|r| r.recv());
                    let Ok(Ok((name, data))) = next else { break };
                    sink.member(&member(origin, &name), &data, &unpacked);
                }
            });
        }
        let mut ar = tar::Archive::new(&mut capped);
        match ar.entries() {
            Err(e) => problem = Some(format!("not a tar layer ({e})")),
            Ok(entries) => {
                for entry in entries {
                    let mut entry = match entry {
                        Ok(e) => e,
                        Err(e) => {
                            problem = Some(format!(
                                "truncated or corrupt layer ({e}); the rest of the layer is not scanned"
                            ));
                            break;
                        }
                    };
                    members += 1;
                    if members > limits.max_members {
                        problem = Some(format!(
                            "more than {} files in the layer (--archive-max-members); the rest of the layer is not scanned",
                            limits.max_members
                        ));
                        break;
                    }
                    let name = normalize(&String::from_utf8_lossy(&entry.path_bytes()));
                    let name = name.trim_end_matches('/').to_string();
                    let (dir, base) = match name.rsplit_once('/') {
                        Some((d, b)) => (d, b),
                        None => ("", name.as_str()),
                    };
                    if base == ".wh..wh..opq" {
                        whiteouts.push(Whiteout {
                            path: dir.to_string(),
                            opaque: true,
                        });
                        continue;
                    }
                    if let Some(gone) = base.strip_prefix(".wh.") {
                        let path = if dir.is_empty() {
                            gone.to_string()
                        } else {
                            format!("{dir}/{gone}")
                        };
                        whiteouts.push(Whiteout {
                            path,
                            opaque: false,
                        });
                        continue;
                    }
                    // Links have no bytes of their own (and are never
                    // followed); folders and devices have none either.
                    if !entry.header().entry_type().is_file() {
                        continue;
                    }
                    if escapes(&name) {
                        traversal.push(name);
                        continue;
                    }
                    let size = entry.size();
                    if size > limits.max_member_size && !archive::archive_name(&name) {
                        too_large.push(name);
                        continue;
                    }
                    let mut data = Vec::with_capacity(size.min(16 << 20) as usize);
                    if let Err(e) = (&mut entry).take(size).read_to_end(&mut data) {
                        problem = Some(format!(
                            "`{name}` cannot be read ({e}): the layer is truncated or corrupt; the rest is not scanned"
                        ));
                        break;
                    }
                    files += 1;
                    bytes += data.len() as u64;
                    totals.members.fetch_add(1, Ordering::Relaxed);
                    if tx.send((name, data)).is_err() {
                        break; // the workers are gone (cannot happen: they only stop on close)
                    }
                }
            }
        }
        drop(tx);
    });
    if capped.over {
        problem = Some(if capped.cap == ratio_cap {
            format!(
                "the layer expands more than {}x its compressed size ({compressed} bytes), more than --archive-max-ratio: looks like a tar bomb; the rest of the layer is not scanned",
                limits.max_ratio
            )
        } else if capped.cap == limits.max_bytes {
            format!(
                "the layer is larger than --archive-max-bytes {} uncompressed; the rest of the layer is not scanned (raise the limit to scan it)",
                limits.max_bytes
            )
        } else {
            format!(
                "the layer takes the scan past --archive-max-total {} uncompressed bytes; the rest of the layer is not scanned (raise the limit to scan it)",
                limits.max_total
            )
        });
    }
    if let Some(p) = problem {
        sink.error(&path, &p);
    }
    if let Some(first) = traversal.first() {
        sink.error(
            &path,
            &format!(
                "file name points outside the image (path traversal), not scanned: `{first}`{}",
                more(traversal.len())
            ),
        );
    }
    if let Some(first) = too_large.first() {
        sink.skipped(
            &format!("{path}!/{first}"),
            &format!(
                "member larger than --max-file-size {} bytes{}",
                limits.max_member_size,
                more(too_large.len())
            ),
        );
    }
    (whiteouts, files, bytes)
}

fn more(n: usize) -> String {
    if n > 1 {
        format!(" (and {} more)", n - 1)
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_and_names() {
        let d = format!("sha256:{}", "ab".repeat(32));
        assert_eq!(
            blob_path(&d).as_deref(),
            Some(format!("blobs/sha256/{}", "ab".repeat(32)).as_str())
        );
        assert_eq!(blob_path("sha256:../../etc/passwd"), None);
        assert_eq!(blob_path("nodigest"), None);
        assert_eq!(digest_of(&blob_path(&d).unwrap()), Some(d));
        assert_eq!(normalize("./a/b"), "a/b");
        assert_eq!(normalize("/./a"), "a");
        assert!(escapes("../x/layer.tar"));
        assert!(escapes("/etc/passwd"));
        assert!(!escapes("abc/layer.tar"));
        assert!(blob_name("a/../../b").is_err());
    }

    #[test]
    fn whiteouts_apply_upward_only() {
        let mut s = Scanned::default();
        s.images.push(ImageMeta {
            layers: vec!["l1".into(), "l2".into(), "l3".into()],
            ..ImageMeta::default()
        });
        s.whiteouts.insert(
            "l2".into(),
            vec![Whiteout {
                path: "app/.env".into(),
                opaque: false,
            }],
        );
        s.whiteouts.insert(
            "l3".into(),
            vec![Whiteout {
                path: "secrets".into(),
                opaque: true,
            }],
        );
        assert_eq!(s.removed_in(0, 0, "app/.env"), Some(2));
        assert_eq!(s.removed_in(0, 1, "app/.env"), None);
        assert_eq!(s.removed_in(0, 0, "app/.envrc"), None);
        assert_eq!(s.removed_in(0, 0, "secrets/k.pem"), Some(3));
        assert_eq!(s.removed_in(0, 0, "secrets"), None);
    }
}
