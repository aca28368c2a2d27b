//! History blobs in pack order: each pack file is read front to back, every
//! delta resolved from a base that is still in memory, the way
//! `git index-pack` resolves a pack.
//!
//! Reading blob by blob through the object database re-inflates each
//! delta chain from its base and jumps around the pack: for a large history
//! that, not matching, is where the time goes. Here, for each pack (of the
//! repository and of its alternates, newest first):
//!
//! 1. the index (`.idx`, version 2) gives every object's id and offset;
//!    sorted by offset, each object's extent is up to the next one;
//! 2. one sequential read of the object headers gives each object's type
//!    and, for a delta, its base (an offset back into the pack, or an id);
//!    every delta chain is followed to its end once, so a chain that loops
//!    (a ref-delta naming itself, two deltas naming each other, across
//!    packs too) is known before anything reads it: such an object is
//!    *unsafe* ([`Packs::unsafe_reason`]) and must never be handed to
//!    libgit2, which follows the loop forever;
//! 3. the objects worth decoding are the wanted blobs and the bases they
//!    need, transitively; every other object (commits, trees, blobs out of
//!    scope) is never inflated;
//! 4. each base with no base of its own is the root of a delta tree; the
//!    roots are spread across threads (rayon), and each tree is walked depth
//!    first with the chain from the root held in memory, so every object is
//!    inflated once and every delta applied once.
//!
//! A blob that a pack holds damaged (or whose bytes do not hash to its id:
//! an index can list one id twice) is tried again from the next pack, then
//! as a loose object; only then is it left to the caller (libgit2).
//!
//! Nothing here trusts the pack: an object's header is read first (at most
//! 32 bytes) and its sizes checked against `--max-file-size` and against the
//! bytes actually present (zlib cannot expand more than ~1032:1) before
//! anything is allocated; the zlib stream is then read in 64 KiB pieces, so
//! a hole of 64 GiB between two objects costs nothing. Deltas are
//! bounds-checked, a chain of deltas holds at most [`CHAIN_BUDGET`] bytes,
//! every decoded blob is checked against its id (SHA-1), and all the
//! decoding of one scan produces at most [`DECODE_RATIO`] times the packs'
//! bytes plus [`DECODE_FLOOR`] (a delta bomb of a few hundred bytes that
//! expands to gigabytes is cut, and the blobs cut are reported). The pack
//! format is small and documented (git's `Documentation/gitformat-pack.txt`).

use super::history::IdMap;
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use flate2::{Decompress, FlushDecompress, Status};
use git2::Oid;
use rayon::prelude::*;
use sha1::{Digest, Sha1};

use crate::input::fsread;

/// At most this many bytes of decoded bases are held for one delta chain;
/// the rest of a deeper (crafted) chain is left to the fallback.
pub const CHAIN_BUDGET: usize = 256 << 20;

/// All the decoding of one history pass may produce this many times the
/// bytes of the packs read (zlib alone reaches ~1032:1; real histories stay
/// far below, a long-lived large file edited a line at a time being the
/// worst honest case)...
pub const DECODE_RATIO: u64 = 1000;
/// ...plus this much, whatever the packs' size.
pub const DECODE_FLOOR: u64 = 32 << 20;

/// An index larger than this is not read (a real one is 28 bytes an
/// object: 1 GiB is 38 million objects).
const MAX_INDEX_BYTES: u64 = 1 << 30;

/// zlib's largest expansion is about 1032:1; a header that declares more
/// than this times the compressed bytes is not believed.
const MAX_RATIO: u64 = 1100;

/// Alternates are followed this deep (libgit2's limit).
const MAX_ALTERNATE_DEPTH: usize = 5;

/// A ref-delta chain may go from pack to pack this many times.
const MAX_CROSS_PACK_HOPS: usize = 64;

/// Compressed bytes are read in pieces of this size.
const CHUNK: usize = 64 << 10;

/// An object header (type, size, and a delta's base) fits in this.
const HEADER_MAX: usize = 32;

/// What the pass does with a wanted blob.
pub trait BlobHandler: Sync {
    /// The blob at `index` (its position in the wanted set), decoded.
    fn blob(&self, index: u32, data: &[u8]);
    /// The blob at `index` is larger than the limit (`size` bytes).
    fn too_large(&self, index: u32, size: u64);
    /// The blob at `index` was not decoded: the decoding budget of the
    /// history pass was spent (see [`DECODE_RATIO`]).
    fn cut(&self, index: u32);
}

/// The result of [`Packs::scan`].
#[derive(Debug, Default)]
pub struct PackPass {
    /// Per wanted blob: delivered, reported too large, or cut.
    pub handled: Vec<bool>,
    /// Per wanted blob not handled: why the copies found could not be used.
    pub failed: Vec<Option<String>>,
    /// Pack files read.
    pub packs: usize,
    /// Pack files that could not be used (unreadable or malformed index).
    pub unusable: Vec<(PathBuf, String)>,
    /// Bytes produced by inflating and applying deltas, and the budget.
    pub decoded: u64,
    pub budget: u64,
    /// Wanted blobs not decoded because the budget was spent.
    pub cut: u64,
}

/// The object directories of a repository: `objects` and, transitively,
/// its alternates (`objects/info/alternates`, one directory a line,
/// relative to the directory that names it). Only regular files are read.
pub fn object_dirs(objects: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::new();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut todo = vec![(objects.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = todo.pop() {
        let key = dir.canonicalize().unwrap_or_else(|_| dir.clone());
        if !seen.insert(key) {
            continue;
        }
        if depth < MAX_ALTERNATE_DEPTH
            && let Ok(text) = fsread::read_small_string(&dir.join("info/alternates"))
        {
            for line in text.lines().rev() {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                todo.push((dir.join(line), depth + 1));
            }
        }
        out.push(dir);
    }
    out
}

/// The pack files of an object directory: `objects/pack/*.pack` with their
/// `.idx`, newest first (git's preference when an object is in several).
pub fn pack_files(objects: &Path) -> Vec<(PathBuf, PathBuf)> {
    let Ok(rd) = std::fs::read_dir(objects.join("pack")) else {
        return Vec::new();
    };
    let mut packs: Vec<(std::time::SystemTime, PathBuf, PathBuf)> = rd
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let path = e.path();
            if path.extension()? != "idx" {
                return None;
            }
            let pack = path.with_extension("pack");
            let meta = std::fs::metadata(&pack).ok()?;
            let idx_meta = std::fs::metadata(&path).ok()?;
            // Regular files only: a FIFO named like a pack must not block.
            if !meta.file_type().is_file() || !idx_meta.file_type().is_file() {
                return None;
            }
            Some((meta.modified().ok()?, path, pack))
        })
        .collect();
    packs.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    packs.into_iter().map(|(_, i, p)| (i, p)).collect()
}

/// Decode, pack by pack, every blob of `wanted` (id → index) that the packs
/// of `objects` hold, and hand each to `handler` once. Blobs larger than
/// `max` are reported, not decoded.
pub fn scan_packs(
    objects: &Path,
    wanted: &IdMap<u32>,
    count: usize,
    max: u64,
    handler: &dyn BlobHandler,
) -> PackPass {
    Packs::open(objects).scan(wanted, count, max, handler)
}

/// The packs (and loose objects) of a repository and its alternates, with
/// what the header pass learnt about each object.
#[derive(Default)]
pub struct Packs {
    packs: Vec<Pack>,
    /// Object directories, the repository's first.
    dirs: Vec<PathBuf>,
    /// Pack files that could not be used (unreadable or malformed index).
    pub unusable: Vec<(PathBuf, String)>,
    /// Packs whose index lists an object id more than once.
    pub duplicates: Vec<(PathBuf, usize)>,
    /// Objects whose delta chain never ends, with why.
    unsafe_ids: IdMap<String>,
    /// Bytes of the usable packs.
    pack_bytes: u64,
}

impl std::fmt::Debug for Packs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Packs")
            .field("packs", &self.packs.len())
            .field("unsafe", &self.unsafe_ids.len())
            .finish()
    }
}

/// How an entry's delta chain ends.
const ST_UNKNOWN: u8 = 0;
const ST_OPEN: u8 = 1;
const ST_OK: u8 = 2;
const ST_LOOP: u8 = 3;
/// At a ref-delta whose base is not in this pack.
const ST_EXTERNAL: u8 = 4;
const ST_BAD: u8 = 5;

impl Packs {
    /// Open every pack of `objects` and its alternates and follow every
    /// delta chain once (one sequential read of the object headers a pack).
    pub fn open(objects: &Path) -> Packs {
        let dirs = object_dirs(objects);
        let mut out = Packs::default();
        for dir in &dirs {
            for (idx, pack) in pack_files(dir) {
                match Pack::open(&idx, &pack) {
                    Ok(p) => {
                        if p.duplicates > 0 {
                            out.duplicates.push((pack.clone(), p.duplicates));
                        }
                        out.pack_bytes = out.pack_bytes.saturating_add(p.len);
                        out.packs.push(p);
                    }
                    Err(e) => {
                        // Its delta chains cannot be followed here, so
                        // libgit2 must not read its objects either.
                        let why = format!(
                            "{} could not be checked for delta loops ({e})",
                            pack.file_name()
                                .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
                        );
                        for id in index_ids(&idx) {
                            if let Ok(oid) = Oid::from_bytes(&id) {
                                out.unsafe_ids.entry(oid).or_insert_with(|| why.clone());
                            }
                        }
                        out.unusable.push((pack, e));
                    }
                }
            }
        }
        out.dirs = dirs;
        out.find_unsafe();
        out
    }

    /// Why libgit2 must not read `id` (its delta chain loops), if so.
    pub fn unsafe_reason(&self, id: Oid) -> Option<&str> {
        self.unsafe_ids.get(&id).map(String::as_str)
    }

    /// How many objects are unsafe.
    pub fn unsafe_count(&self) -> usize {
        self.unsafe_ids.len()
    }

    /// Whether libgit2 may read the object `id`, a `what` ("commit",
    /// "tree", "tag") that no real repository has larger than `limit`
    /// bytes. Every read of an object through libgit2 asks this first:
    /// not when a copy's delta chain loops (libgit2 would follow it
    /// forever), not when every copy the packs hold is damaged, and not
    /// when building it takes more than `limit` bytes, itself or any base
    /// on its delta chain (libgit2 allocates what a header declares).
    /// Objects in no pack are checked by their loose header. The message
    /// says why, for the caller to report.
    pub fn check(&self, id: Oid, limit: u64, what: &str) -> Result<(), String> {
        if let Some(why) = self.unsafe_reason(id) {
            return Err(format!("not read: {why}"));
        }
        match self.largest(id, 0) {
            Ok(Some(size)) if size > limit => Err(format!(
                "not read: {size} bytes to build, larger than any real {what} ({} MiB)",
                limit >> 20
            )),
            Ok(_) => Ok(()),
            Err(why) => Err(format!("not read: {why}")),
        }
    }

    /// The largest object built to read `id` from any copy (packed, else
    /// loose), following ref-deltas into other packs; `None` when no copy
    /// was found (libgit2 reports it missing).
    fn largest(&self, id: Oid, depth: usize) -> Result<Option<u64>, String> {
        // Cross-pack chains: loops are unsafe already; a crafted chain of
        // thousands of hops is refused.
        if depth > MAX_CROSS_PACK_HOPS {
            return Err("its delta chain crosses packs too many times".into());
        }
        let key: [u8; 20] = match id.as_bytes().try_into() {
            Ok(k) => k,
            Err(_) => return Ok(None),
        };
        let mut best: Option<u64> = None;
        let mut damaged: Option<String> = None;
        for p in &self.packs {
            for i in p.entries_of(&key) {
                match p.chain_size(i) {
                    Ok((size, ext)) => {
                        let mut size = size;
                        if let Some(base) = ext.and_then(|b| Oid::from_bytes(&b).ok()) {
                            match self.largest(base, depth + 1)? {
                                Some(b) => size = size.max(b),
                                None => continue,
                            }
                        }
                        best = Some(best.map_or(size, |b| b.max(size)));
                    }
                    Err(()) => {
                        damaged
                            .get_or_insert_with(|| format!("its copy in {} is damaged", p.name()));
                    }
                }
            }
        }
        if best.is_some() {
            return Ok(best);
        }
        if let Some(size) = self.loose_size(id) {
            return Ok(Some(size));
        }
        match damaged {
            Some(why) => Err(why),
            None => Ok(None),
        }
    }

    /// The size a loose copy of `id` declares, from its first bytes.
    fn loose_size(&self, id: Oid) -> Option<u64> {
        let hex = id.to_string();
        let (dir, name) = (hex.get(..2)?, hex.get(2..)?);
        self.dirs.iter().find_map(|objects| {
            let (file, len) = open_existing(&objects.join(dir).join(name)).ok()?;
            let head = inflate_prefix(&file, 0, len, 64)?;
            loose_header(&head).map(|(_, size, _)| size)
        })
    }

    /// Mark every object with a copy whose delta chain loops, within a pack
    /// or through ref-deltas across packs.
    fn find_unsafe(&mut self) {
        // Ids with a copy whose chain loops inside its pack.
        let mut looping: HashMap<[u8; 20], String> = HashMap::new();
        // Ref-deltas whose base is in no copy of their own pack: id → bases.
        let mut edges: HashMap<[u8; 20], Vec<[u8; 20]>> = HashMap::new();
        for p in &self.packs {
            for (i, e) in p.entries.iter().enumerate() {
                let id = p.oids[e.id as usize];
                match p.state[i] {
                    ST_LOOP => {
                        looping.entry(id).or_insert_with(|| {
                            format!("its delta chain in {} loops back on itself", p.name())
                        });
                    }
                    ST_EXTERNAL if p.kinds[i] == Kind::External => {
                        if let Some(base) = p.ext_base.get(&(i as u32)) {
                            edges.entry(id).or_default().push(*base);
                        }
                    }
                    _ => {}
                }
            }
        }
        // Ref-delta chains across packs: an id is unsafe when following
        // bases from it meets a looping copy or comes back to itself.
        // Colours: 1 on the current path, 2 safe, 3 unsafe.
        let mut colour: HashMap<[u8; 20], u8> = HashMap::new();
        let starts: Vec<[u8; 20]> = edges.keys().copied().collect();
        for start in starts {
            if colour.contains_key(&start) {
                continue;
            }
            let mut stack: Vec<([u8; 20], usize)> = vec![(start, 0)];
            colour.insert(start, 1);
            let mut bad = looping.contains_key(&start);
            while let Some(&(node, next)) = stack.last() {
                let bases = edges.get(&node).map_or(&[][..], Vec::as_slice);
                if bad || next >= bases.len() {
                    stack.pop();
                    colour.insert(node, if bad { 3 } else { 2 });
                    continue;
                }
                if let Some(top) = stack.last_mut() {
                    top.1 += 1;
                }
                let base = bases[next];
                match colour.get(&base).copied() {
                    Some(1) | Some(3) => bad = true,
                    Some(_) => {}
                    None if looping.contains_key(&base) => bad = true,
                    None if edges.contains_key(&base) => {
                        colour.insert(base, 1);
                        stack.push((base, 0));
                    }
                    None => {}
                }
            }
        }
        for p in &self.packs {
            for (i, e) in p.entries.iter().enumerate() {
                let id = p.oids[e.id as usize];
                let why = match p.state[i] {
                    ST_LOOP => looping.get(&id).cloned(),
                    ST_EXTERNAL => {
                        let end = p.ext_end.get(&(i as u32)).copied().unwrap_or(i as u32);
                        let end_id = p.oids[p.entries[end as usize].id as usize];
                        (colour.get(&end_id) == Some(&3)).then(|| {
                            format!(
                                "its delta chain in {} loops through the bases of other objects",
                                p.name()
                            )
                        })
                    }
                    _ => None,
                };
                if let (Some(why), Ok(oid)) = (why, Oid::from_bytes(&id)) {
                    self.unsafe_ids.entry(oid).or_insert(why);
                }
            }
        }
    }

    /// Decode every blob of `wanted` (id → index) that the packs hold, then
    /// what is left from loose objects, and hand each to `handler` once.
    /// Blobs larger than `max` are reported, not decoded.
    pub fn scan(
        &self,
        wanted: &IdMap<u32>,
        count: usize,
        max: u64,
        handler: &dyn BlobHandler,
    ) -> PackPass {
        let budget = self
            .pack_bytes
            .saturating_mul(DECODE_RATIO)
            .saturating_add(DECODE_FLOOR);
        let ctx = Ctx {
            handler,
            max,
            decided: (0..count).map(|_| AtomicBool::new(false)).collect(),
            failed: Mutex::new(vec![None; count]),
            left: AtomicU64::new(budget),
            decoded: AtomicU64::new(0),
            cut: AtomicU64::new(0),
            unsafe_ids: &self.unsafe_ids,
        };
        for p in &self.packs {
            p.scan(wanted, &ctx);
        }
        // What no pack gave: loose objects, read here too (libgit2 stops at
        // a damaged packed copy and never looks for a loose one).
        let mut ids: Vec<Option<Oid>> = vec![None; count];
        for (id, &w) in wanted.iter() {
            if let Some(slot) = ids.get_mut(w as usize) {
                *slot = Some(id);
            }
        }
        ids.par_iter().enumerate().for_each(|(w, id)| {
            let Some(id) = id else { return };
            if ctx.decided[w].load(Ordering::Relaxed) || self.unsafe_ids.contains_key(id) {
                return;
            }
            self.read_loose(*id, w as u32, &ctx);
        });
        let handled: Vec<bool> = ctx
            .decided
            .iter()
            .map(|d| d.load(Ordering::Relaxed))
            .collect();
        let mut failed = ctx.failed.into_inner().unwrap_or_else(|e| e.into_inner());
        for (f, h) in failed.iter_mut().zip(&handled) {
            if *h {
                *f = None;
            }
        }
        PackPass {
            handled,
            failed,
            packs: self.packs.len(),
            unusable: self.unusable.clone(),
            decoded: ctx.decoded.load(Ordering::Relaxed),
            budget,
            cut: ctx.cut.load(Ordering::Relaxed),
        }
    }

    /// Read `id` as a loose object from the first object directory that
    /// has it, and hand it over if it is a blob that hashes to its id.
    fn read_loose(&self, id: Oid, w: u32, ctx: &Ctx<'_>) {
        let hex = id.to_string();
        let (dir, name) = (hex.get(..2).unwrap_or(""), hex.get(2..).unwrap_or(""));
        for objects in &self.dirs {
            let path = objects.join(dir).join(name);
            let Ok((file, len)) = open_existing(&path) else {
                continue;
            };
            let fail = |why: String| ctx.fail(w, why);
            // The header first ("blob <size>\0"), from the first bytes.
            let Some(head) = inflate_prefix(&file, 0, len, 64) else {
                fail(format!("its loose copy ({}) is damaged", path.display()));
                continue;
            };
            let Some((kind, size, hlen)) = loose_header(&head) else {
                fail(format!("its loose copy ({}) is damaged", path.display()));
                continue;
            };
            if kind != b"blob" {
                fail(format!("its loose copy ({}) is not a blob", path.display()));
                continue;
            }
            if size > ctx.max {
                if !ctx.decided[w as usize].swap(true, Ordering::Relaxed) {
                    ctx.handler.too_large(w, size);
                }
                return;
            }
            let total = size + hlen as u64;
            if total > len.saturating_mul(MAX_RATIO).saturating_add(64) {
                fail(format!("its loose copy ({}) is damaged", path.display()));
                continue;
            }
            // Not charged to the budget: a loose object is one zlib
            // stream, bounded by its file's size (checked above).
            ctx.decoded.fetch_add(total, Ordering::Relaxed);
            let mut chunk = Vec::new();
            match inflate_at(&file, 0, len, total, &mut chunk) {
                Some(all) => {
                    let data = all.get(hlen..).unwrap_or(&[]);
                    if blob_id(data) == *id.as_bytes() {
                        ctx.deliver(w, data);
                        return;
                    }
                    fail(format!(
                        "its loose copy ({}) does not hash to its id",
                        path.display()
                    ));
                }
                None => fail(format!("its loose copy ({}) is damaged", path.display())),
            }
        }
    }
}

/// The object ids a version-2 index lists, as far as it can be read (none
/// for another version: libgit2 reads those packs).
fn index_ids(idx_path: &Path) -> Vec<[u8; 20]> {
    let Ok((file, len)) = open_existing(idx_path) else {
        return Vec::new();
    };
    let mut idx = Vec::new();
    if len > MAX_INDEX_BYTES || file.take(MAX_INDEX_BYTES).read_to_end(&mut idx).is_err() {
        return Vec::new();
    }
    if idx.len() < 8 || idx[..4] != [0xff, b't', b'O', b'c'] || be32(&idx, 4) != Some(2) {
        return Vec::new();
    }
    let n = be32(&idx, 8 + 255 * 4).unwrap_or(0) as usize;
    let at = 8 + 256 * 4;
    idx.get(at..)
        .unwrap_or(&[])
        .chunks_exact(20)
        .take(n)
        .map(|c| {
            let mut id = [0u8; 20];
            id.copy_from_slice(c);
            id
        })
        .collect()
}

/// Open a file only if it exists and is regular (never blocking).
fn open_existing(path: &Path) -> std::io::Result<(File, u64)> {
    let file = fsread::open_regular(path)?;
    let len = file.metadata()?.len();
    Ok((file, len))
}

/// A loose object's header: kind, size, and the header's length (with NUL).
fn loose_header(b: &[u8]) -> Option<(&[u8], u64, usize)> {
    let nul = b.iter().position(|&c| c == 0)?;
    let head = b.get(..nul)?;
    let sp = head.iter().position(|&c| c == b' ')?;
    let kind = head.get(..sp)?;
    let digits = head.get(sp + 1..)?;
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let size = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some((kind, size, nul + 1))
}

/// The git id of a blob's content (SHA-1 of `blob <len>\0` and the bytes).
pub fn blob_id(data: &[u8]) -> [u8; 20] {
    let mut h = Sha1::new();
    h.update(format!("blob {}\0", data.len()).as_bytes());
    h.update(data);
    h.finalize().into()
}

/// What every pack's pass shares.
struct Ctx<'a> {
    handler: &'a dyn BlobHandler,
    max: u64,
    /// Per wanted blob: delivered, reported too large, or cut.
    decided: Vec<AtomicBool>,
    failed: Mutex<Vec<Option<String>>>,
    /// Bytes the pass may still produce.
    left: AtomicU64,
    decoded: AtomicU64,
    cut: AtomicU64,
    unsafe_ids: &'a IdMap<String>,
}

impl Ctx<'_> {
    /// Take `n` bytes of the decoding budget; once a request does not fit,
    /// the budget is spent for everything after it.
    fn take(&self, n: u64) -> bool {
        let ok = self
            .left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |l| l.checked_sub(n))
            .is_ok();
        if ok {
            self.decoded.fetch_add(n, Ordering::Relaxed);
        } else {
            self.left.store(0, Ordering::Relaxed);
        }
        ok
    }

    fn deliver(&self, w: u32, data: &[u8]) {
        if !self.decided[w as usize].swap(true, Ordering::Relaxed) {
            self.handler.blob(w, data);
        }
    }

    fn too_large(&self, w: u32, size: u64) {
        if !self.decided[w as usize].swap(true, Ordering::Relaxed) {
            self.handler.too_large(w, size);
        }
    }

    fn cut_one(&self, w: u32) {
        if !self.decided[w as usize].swap(true, Ordering::Relaxed) {
            self.cut.fetch_add(1, Ordering::Relaxed);
            self.handler.cut(w);
        }
    }

    fn fail(&self, w: u32, why: String) {
        if let Ok(mut f) = self.failed.lock()
            && let Some(slot) = f.get_mut(w as usize)
            && slot.is_none()
        {
            *slot = Some(why);
        }
    }
}

/// An object's kind as the pack stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Commit,
    Tree,
    Blob,
    Tag,
    /// A delta against the object at an index into [`Pack::entries`].
    Delta(u32),
    /// A ref-delta whose base is not in this pack (its id is in
    /// [`Pack::ext_base`]).
    External,
    /// A malformed header, or an offset delta pointing at no object.
    Broken,
}

/// One object of a pack, in offset order.
#[derive(Clone, Copy, Debug)]
struct Entry {
    offset: u64,
    /// End of the object's bytes (the next object's offset).
    end: u64,
    /// Position of its id in the index (its oid is `oids[id]`).
    id: u32,
}

struct Pack {
    file: File,
    path: PathBuf,
    len: u64,
    /// Objects by offset.
    entries: Vec<Entry>,
    /// The index's object ids, in id order.
    oids: Vec<[u8; 20]>,
    /// Each entry's kind, and how its delta chain ends (`ST_*`).
    kinds: Vec<Kind>,
    state: Vec<u8>,
    /// Ref-deltas with a base outside this pack: entry → base id.
    ext_base: HashMap<u32, [u8; 20]>,
    /// Entries whose chain ends at such a ref-delta: entry → that entry.
    ext_end: HashMap<u32, u32>,
    /// Ids listed more than once in the index.
    duplicates: usize,
    /// Entry of each index position (`entries[pos[id]].id == id`).
    pos: Vec<u32>,
    /// Index positions of the ids that start with each byte: `fanout[b]`
    /// to `fanout[b + 1]` (as the index's own fan-out table), so a lookup
    /// searches one 256th of the ids.
    fanout: Vec<u32>,
    /// Entry → the largest object its chain builds inside this pack,
    /// computed by the survey for every chain that does not start at a blob
    /// ([`SIZE_UNKNOWN`] for the others, [`SIZE_DAMAGED`] when a header or
    /// a delta's first bytes do not decode). Read without a lock.
    chain_max: Vec<u64>,
    /// What the survey left unknown, computed on demand (see
    /// [`Pack::chain_size`]).
    sizes: Mutex<HashMap<u32, u64>>,
}

/// [`Pack::chain_max`]: not computed by the survey.
const SIZE_UNKNOWN: u64 = u64::MAX;
/// [`Pack::chain_max`]: the chain does not decode.
const SIZE_DAMAGED: u64 = u64::MAX - 1;
/// [`Pack::chain_maxima`]: not done yet.
const SIZE_TODO: u64 = u64::MAX - 2;
/// Real sizes are clamped below the markers.
const SIZE_LARGEST: u64 = u64::MAX - 3;

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

impl Pack {
    /// Read the index, check it against the pack's size, and read every
    /// object's header.
    fn open(idx_path: &Path, pack_path: &Path) -> Result<Pack, String> {
        let (idx_file, idx_len) =
            open_existing(idx_path).map_err(|e| format!("cannot read the index ({e})"))?;
        if idx_len > MAX_INDEX_BYTES {
            return Err(format!("index too large ({idx_len} bytes)"));
        }
        let mut idx = Vec::new();
        idx_file
            .take(MAX_INDEX_BYTES)
            .read_to_end(&mut idx)
            .map_err(|e| format!("cannot read the index ({e})"))?;
        let (mut file, pack_len) =
            open_existing(pack_path).map_err(|e| format!("cannot open the pack ({e})"))?;
        let mut head = [0u8; 12];
        file.read_exact(&mut head)
            .map_err(|_| "the pack is too short".to_string())?;
        if &head[..4] != b"PACK" || !matches!(be32(&head, 4), Some(2 | 3)) {
            return Err("not a version 2 or 3 pack file".into());
        }
        if idx.len() < 8 || idx[..4] != [0xff, b't', b'O', b'c'] || be32(&idx, 4) != Some(2) {
            return Err("not a version 2 pack index".into());
        }
        let fanout = 8;
        let n = be32(&idx, fanout + 255 * 4).ok_or("truncated index")? as usize;
        let oids_at = fanout + 256 * 4;
        let crc_at = oids_at + n * 20;
        let off_at = crc_at + n * 4;
        let large_at = off_at + n * 4;
        // The index ends with two 20-byte checksums (SHA-256 repositories
        // have 32-byte ids and are left to libgit2).
        if idx.len() < large_at + 40 {
            return Err("truncated index".into());
        }
        let large_count = (idx.len() - large_at - 40) / 8;
        if be32(&head, 8) != Some(n as u32) {
            return Err("the index and the pack disagree on the object count".into());
        }
        let data_end = pack_len.checked_sub(20).ok_or("the pack is too short")?;
        let mut oids: Vec<[u8; 20]> = Vec::with_capacity(n);
        let mut entries = Vec::with_capacity(n);
        let mut duplicates = 0;
        for i in 0..n {
            let at = oids_at + i * 20;
            let mut oid = [0u8; 20];
            oid.copy_from_slice(&idx[at..at + 20]);
            match oids.last() {
                Some(prev) if *prev == oid => duplicates += 1,
                Some(prev) if *prev > oid => return Err("the index is not sorted".into()),
                _ => {}
            }
            oids.push(oid);
            let raw = be32(&idx, off_at + i * 4).ok_or("truncated index")?;
            let offset = if raw & 0x8000_0000 == 0 {
                u64::from(raw)
            } else {
                let k = (raw & 0x7fff_ffff) as usize;
                if k >= large_count {
                    return Err("index offset out of range".into());
                }
                let at = large_at + k * 8;
                let hi = be32(&idx, at).ok_or("truncated index")?;
                let lo = be32(&idx, at + 4).ok_or("truncated index")?;
                (u64::from(hi) << 32) | u64::from(lo)
            };
            if offset < 12 || offset >= data_end {
                return Err("index offset outside the pack".into());
            }
            entries.push(Entry {
                offset,
                end: 0,
                id: i as u32,
            });
        }
        drop(idx);
        entries.sort_unstable_by_key(|e| e.offset);
        for i in 0..entries.len() {
            let end = entries.get(i + 1).map_or(data_end, |e| e.offset);
            if end == entries[i].offset {
                return Err("two objects at one offset".into());
            }
            entries[i].end = end;
        }
        let mut pack = Pack {
            file,
            path: pack_path.to_path_buf(),
            len: pack_len,
            entries,
            oids,
            kinds: Vec::new(),
            state: Vec::new(),
            ext_base: HashMap::new(),
            ext_end: HashMap::new(),
            duplicates,
            pos: Vec::new(),
            fanout: Vec::new(),
            chain_max: Vec::new(),
            sizes: Mutex::new(HashMap::new()),
        };
        let mut fanout = vec![0u32; 257];
        for o in &pack.oids {
            fanout[usize::from(o[0]) + 1] += 1;
        }
        for b in 0..256 {
            fanout[b + 1] += fanout[b];
        }
        pack.fanout = fanout;
        let own = pack.read_kinds();
        pack.follow_chains();
        pack.chain_max = pack.chain_maxima(own);
        Ok(pack)
    }

    /// The pack's file name, for messages.
    fn name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }

    /// The index of the entry at `offset`.
    fn at_offset(&self, offset: u64) -> Option<u32> {
        self.entries
            .binary_search_by_key(&offset, |e| e.offset)
            .ok()
            .map(|i| i as u32)
    }

    /// The kind of every entry, from one sequential read of the pack's
    /// headers: objects close together are read in one window, objects far
    /// apart (a hole, a large object) each by their first bytes.
    ///
    /// Returns each entry's own size where the size check
    /// ([`Packs::check`]) may need it: a base's from its header; a delta's
    /// result size from the first bytes of its delta data, for every delta
    /// whose chain does not start at a blob (commits, trees and tags; a
    /// base later in the pack or in another pack counts as not a blob).
    /// Those bytes are in the window already but for the last object of a
    /// window. Blob deltas are left [`SIZE_UNKNOWN`]: inflating the first
    /// bytes of each would cost the survey more than the few blob checks
    /// save.
    fn read_kinds(&mut self) -> Vec<u64> {
        let n = self.entries.len();
        let mut pos_of_id = vec![0u32; n];
        for (i, e) in self.entries.iter().enumerate() {
            pos_of_id[e.id as usize] = i as u32;
        }
        let mut kinds = Vec::with_capacity(n);
        let mut own = vec![SIZE_UNKNOWN; n];
        // Whether each entry's chain starts at a blob, where known yet.
        let mut blob_chain = vec![false; n];
        let mut ext_base = HashMap::new();
        let mut buf: Vec<u8> = Vec::new();
        let mut buf_start = 0u64;
        let mut z = Decompress::new(true);
        for i in 0..n {
            let e = self.entries[i];
            let want = (e.end - e.offset).min(HEADER_MAX as u64) as usize;
            let in_buf =
                e.offset >= buf_start && e.offset + want as u64 <= buf_start + buf.len() as u64;
            if !in_buf {
                // Up to the header of the last of the next objects that are
                // each within a small gap of the one before, at most WINDOW.
                let mut last = i;
                while last + 1 < n
                    && self.entries[last + 1].offset - self.entries[last].offset <= GAP
                    && self.entries[last + 1].offset + HEADER_MAX as u64 - e.offset <= WINDOW as u64
                {
                    last += 1;
                }
                let stop =
                    (self.entries[last].offset + HEADER_MAX as u64).min(self.entries[last].end);
                buf.resize((stop - e.offset) as usize, 0);
                let got = read_at(&self.file, &mut buf, e.offset).unwrap_or(0);
                buf.truncate(got);
                buf_start = e.offset;
            }
            let at = (e.offset - buf_start) as usize;
            let head = buf.get(at..(at + want).min(buf.len())).unwrap_or(&[]);
            let h = parse_header(head);
            let kind = match &h {
                None => Kind::Broken,
                Some(h) => match h.kind {
                    1 => Kind::Commit,
                    2 => Kind::Tree,
                    3 => Kind::Blob,
                    4 => Kind::Tag,
                    6 => e
                        .offset
                        .checked_sub(h.base_distance)
                        .filter(|_| h.base_distance > 0)
                        .and_then(|o| self.at_offset(o))
                        .map_or(Kind::Broken, Kind::Delta),
                    7 => match self.oids.binary_search(&h.base_id) {
                        Ok(id) => Kind::Delta(pos_of_id[id]),
                        Err(_) => {
                            ext_base.insert(i as u32, h.base_id);
                            Kind::External
                        }
                    },
                    _ => Kind::Broken,
                },
            };
            match (kind, &h) {
                (Kind::Commit | Kind::Tree | Kind::Tag, Some(h)) => {
                    own[i] = h.size.min(SIZE_LARGEST)
                }
                (Kind::Blob, Some(h)) => {
                    own[i] = h.size.min(SIZE_LARGEST);
                    blob_chain[i] = true;
                }
                (Kind::Delta(b), _) if (b as usize) < i && blob_chain[b as usize] => {
                    blob_chain[i] = true;
                }
                (Kind::Delta(_) | Kind::External, Some(h)) => {
                    // The delta data starts after the header; where it is
                    // in the window, inflate its first bytes from there.
                    let from = e.offset + h.len as u64;
                    let lo = (from - buf_start) as usize;
                    let hi = ((e.end - buf_start) as usize).min(buf.len());
                    let size = match buf.get(lo..hi).map(|d| delta_result_size(&mut z, d)) {
                        Some(Prefix::Size(s)) => Some(s),
                        Some(Prefix::Damaged) => None,
                        // Past the window: read it.
                        _ => inflate_prefix(&self.file, from, e.end, 20)
                            .and_then(|p| delta_sizes(&p))
                            .map(|(_, dst, _)| dst),
                    };
                    own[i] = size.map_or(SIZE_DAMAGED, |s| s.min(SIZE_LARGEST));
                }
                _ => own[i] = SIZE_DAMAGED,
            }
            kinds.push(kind);
        }
        self.kinds = kinds;
        self.ext_base = ext_base;
        self.pos = pos_of_id;
        own
    }

    /// Per entry, the largest object on its chain inside this pack, from
    /// the own sizes [`Pack::read_kinds`] found: [`SIZE_UNKNOWN`] when one
    /// of them is unknown (a blob's chain), [`SIZE_DAMAGED`] when one is
    /// damaged or the chain loops or breaks. No file is read.
    fn chain_maxima(&self, own: Vec<u64>) -> Vec<u64> {
        const TODO: u64 = SIZE_TODO;
        let n = self.entries.len();
        let mut out = vec![TODO; n];
        let mut path: Vec<usize> = Vec::new();
        for i in 0..n {
            if out[i] != TODO {
                continue;
            }
            if !matches!(self.state[i], ST_OK | ST_EXTERNAL) {
                out[i] = SIZE_DAMAGED;
                continue;
            }
            // Up the chain to an entry already done or the chain's end
            // (chains of state OK or EXTERNAL end: no loop).
            path.clear();
            let mut cur = i;
            let mut acc = loop {
                if out[cur] != TODO {
                    break out[cur];
                }
                path.push(cur);
                match self.kinds[cur] {
                    Kind::Delta(b) if path.len() <= n => cur = b as usize,
                    Kind::Delta(_) => break SIZE_DAMAGED,
                    _ => break 0,
                }
            };
            for &e in path.iter().rev() {
                acc = match (acc, own[e]) {
                    (SIZE_DAMAGED, _) | (_, SIZE_DAMAGED) => SIZE_DAMAGED,
                    (SIZE_UNKNOWN, _) | (_, SIZE_UNKNOWN) => SIZE_UNKNOWN,
                    (a, b) => a.max(b),
                };
                out[e] = acc;
            }
        }
        out
    }

    /// Follow every delta chain to its end once: to a base object (OK), to
    /// an entry already on the chain (a loop), to a ref-delta whose base is
    /// elsewhere, or to a broken entry.
    fn follow_chains(&mut self) {
        let n = self.entries.len();
        let mut state = vec![ST_UNKNOWN; n];
        let mut path: Vec<usize> = Vec::new();
        for i in 0..n {
            if state[i] != ST_UNKNOWN {
                continue;
            }
            path.clear();
            let mut cur = i;
            let (result, end) = loop {
                match state[cur] {
                    ST_UNKNOWN => {
                        state[cur] = ST_OPEN;
                        path.push(cur);
                        match self.kinds[cur] {
                            Kind::Delta(b) => cur = b as usize,
                            Kind::External => break (ST_EXTERNAL, cur as u32),
                            Kind::Broken => break (ST_BAD, 0),
                            _ => break (ST_OK, 0),
                        }
                    }
                    ST_OPEN => break (ST_LOOP, 0),
                    ST_EXTERNAL => {
                        break (
                            ST_EXTERNAL,
                            self.ext_end.get(&(cur as u32)).copied().unwrap_or(0),
                        );
                    }
                    s => break (s, 0),
                }
            };
            for &p in &path {
                state[p] = result;
                if result == ST_EXTERNAL {
                    self.ext_end.insert(p as u32, end);
                }
            }
        }
        self.state = state;
    }

    /// Decode the wanted blobs of this pack that no earlier source gave.
    fn scan(&self, wanted: &IdMap<u32>, ctx: &Ctx<'_>) {
        let kinds = &self.kinds;
        let n = self.entries.len();
        // Which wanted blob each entry is, and which entries are needed.
        let mut target: Vec<u32> = vec![u32::MAX; n];
        let mut needed = vec![false; n];
        let mut any = false;
        for (i, e) in self.entries.iter().enumerate() {
            if self.state[i] != ST_OK {
                continue;
            }
            let raw = &self.oids[e.id as usize];
            let Some(&w) = wanted.get_raw(raw) else {
                continue;
            };
            if ctx.decided[w as usize].load(Ordering::Relaxed) || ctx.unsafe_ids.contains_raw(raw) {
                continue;
            }
            target[i] = w;
            any = true;
            // Mark the chain up to its root (chains end: state is OK).
            let mut cur = i;
            while !needed[cur] {
                needed[cur] = true;
                match kinds[cur] {
                    Kind::Delta(b) => cur = b as usize,
                    _ => break,
                }
            }
        }
        if !any {
            return;
        }
        // Children of each needed base, as one flat list (CSR).
        let mut start = vec![0u32; n + 1];
        for i in 0..n {
            if let (true, Kind::Delta(b)) = (needed[i], kinds[i]) {
                start[b as usize + 1] += 1;
            }
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut children = vec![0u32; start[n] as usize];
        for i in 0..n {
            if let (true, Kind::Delta(b)) = (needed[i], kinds[i]) {
                children[fill[b as usize] as usize] = i as u32;
                fill[b as usize] += 1;
            }
        }
        let roots: Vec<u32> = (0..n)
            .filter(|&i| needed[i] && matches!(kinds[i], Kind::Blob))
            .map(|i| i as u32)
            .collect();
        // Wanted entries whose chain does not start at a blob (a damaged
        // pack): their copy here is not a blob.
        for (i, &w) in target.iter().enumerate() {
            if w != u32::MAX && !self.chain_is_blob(i) {
                ctx.fail(w, format!("its copy in {} is not a blob", self.name()));
            }
        }
        let in_flight = AtomicUsize::new(0);
        let tree = DeltaTree {
            pack: self,
            target: &target,
            start: &start,
            children: &children,
            ctx,
            in_flight: &in_flight,
        };
        // Decoding and matching overlap: a decoded blob is checked and
        // matched as a task of its own, so one long delta chain (a lockfile
        // rewritten thousands of times: one root, one thread) keeps every
        // core busy. The scope ends when every task has.
        rayon::scope(|s| {
            roots
                .par_iter()
                .for_each_init(Vec::new, |chunk, &r| tree.walk(r, chunk, s));
        });
    }

    /// The entries holding `id` (an index can list an id twice).
    fn entries_of<'a>(&'a self, id: &'a [u8; 20]) -> impl Iterator<Item = usize> + 'a {
        let b = usize::from(id[0]);
        let (lo, hi) = match (self.fanout.get(b), self.fanout.get(b + 1)) {
            (Some(&lo), Some(&hi)) => (lo as usize, hi as usize),
            _ => (0, self.oids.len()),
        };
        let within = self.oids.get(lo..hi).unwrap_or_default();
        let first = lo + within.partition_point(|o| o < id);
        self.oids[first..]
            .iter()
            .take_while(move |o| *o == id)
            .enumerate()
            .filter_map(move |(k, _)| self.pos.get(first + k).map(|&p| p as usize))
    }

    /// The size of the object entry `i` stores: for a base, from its
    /// header; for a delta, the result size its delta data declares (its
    /// first inflated bytes). `None` when the header cannot be read.
    fn own_size(&self, i: usize) -> Option<u64> {
        let e = self.entries.get(i)?;
        let mut head = [0u8; HEADER_MAX];
        let want = (e.end - e.offset).min(HEADER_MAX as u64) as usize;
        let got = read_at(&self.file, &mut head[..want], e.offset).ok()?;
        let h = parse_header(head.get(..got)?)?;
        match h.kind {
            1..=4 => Some(h.size),
            6 | 7 => {
                let p = inflate_prefix(&self.file, e.offset + h.len as u64, e.end, 20)?;
                delta_sizes(&p).map(|(_, dst, _)| dst)
            }
            _ => None,
        }
    }

    /// The largest object libgit2 builds to read entry `i`: the entry
    /// itself and every base on its chain inside this pack (a small tree
    /// stored as a delta of a gigabyte is a gigabyte to read), with the id
    /// of the base outside this pack the chain ends at, if it does.
    /// Memoised: each entry's header is read once a scan. `Err` when the
    /// chain is damaged (libgit2 could not read it either).
    fn chain_size(&self, i: usize) -> Result<(u64, Option<[u8; 20]>), ()> {
        match self.state.get(i).copied() {
            Some(ST_OK) | Some(ST_EXTERNAL) => {}
            _ => return Err(()),
        }
        let ext = match self.state[i] {
            ST_EXTERNAL => {
                let end = self.ext_end.get(&(i as u32)).copied().unwrap_or(i as u32);
                self.ext_base.get(&end).copied()
            }
            _ => None,
        };
        // The survey's answer, for every chain but a blob's: no lock, no read.
        match self.chain_max.get(i).copied().unwrap_or(SIZE_UNKNOWN) {
            SIZE_DAMAGED => return Err(()),
            SIZE_UNKNOWN => {}
            size => return Ok((size, ext)),
        }
        let mut memo = self.sizes.lock().map_err(|_| ())?;
        let mut path = Vec::new();
        let mut cur = i;
        let mut acc = loop {
            if let Some(&m) = memo.get(&(cur as u32)) {
                break m;
            }
            match self.chain_max.get(cur).copied().unwrap_or(SIZE_UNKNOWN) {
                SIZE_DAMAGED => return Err(()),
                SIZE_UNKNOWN => {}
                size => break size,
            }
            path.push(cur);
            if path.len() > self.entries.len() {
                return Err(());
            }
            match self.kinds[cur] {
                Kind::Delta(b) => cur = b as usize,
                _ => break 0,
            }
        };
        for &e in path.iter().rev() {
            acc = acc.max(self.own_size(e).ok_or(())?);
            memo.insert(e as u32, acc);
        }
        Ok((acc, ext))
    }

    /// Whether entry `i`'s chain starts at a blob.
    fn chain_is_blob(&self, mut i: usize) -> bool {
        for _ in 0..=self.entries.len() {
            match self.kinds[i] {
                Kind::Delta(b) => i = b as usize,
                k => return k == Kind::Blob,
            }
        }
        false
    }
}

/// Why an object was not decoded.
enum Fail {
    /// Reported (too large): nothing more to do.
    Reported,
    /// Over the history pass's decoding budget.
    Cut,
    /// The copy here does not decode.
    Damaged,
}

struct DeltaTree<'a> {
    pack: &'a Pack,
    target: &'a [u32],
    start: &'a [u32],
    children: &'a [u32],
    ctx: &'a Ctx<'a>,
    /// Bytes of decoded blobs handed to matching tasks and not yet
    /// matched: past [`IN_FLIGHT_MAX`], the decoding thread matches
    /// itself (memory stays bounded whatever the pack).
    in_flight: &'a AtomicUsize,
}

/// At most this many decoded bytes wait for matching at once.
const IN_FLIGHT_MAX: usize = 16 << 20;

impl DeltaTree<'_> {
    fn children(&self, i: u32) -> &[u32] {
        let i = i as usize;
        &self.children[self.start[i] as usize..self.start[i + 1] as usize]
    }

    /// Decode the tree rooted at `root`, depth first, each chain held from
    /// its root down.
    fn walk<'s>(&'s self, root: u32, chunk: &mut Vec<u8>, scope: &rayon::Scope<'s>) {
        let data = match self.decode_base(root, chunk) {
            Ok(d) => d,
            Err(f) => {
                self.failed_below(root, &f);
                return;
            }
        };
        self.visit(root, &data, scope);
        // (entry, its content, next child to decode)
        let mut stack: Vec<(u32, Vec<u8>, usize)> = vec![(root, data, 0)];
        let mut held: usize = stack[0].1.len();
        while let Some(top) = stack.last() {
            let (node, next) = (top.0, top.2);
            let Some(&child) = self.children(node).get(next) else {
                held -= top.1.len();
                stack.pop();
                continue;
            };
            let decoded = self.decode_delta(child, &top.1, chunk);
            if let Some(top) = stack.last_mut() {
                top.2 += 1;
            }
            let data = match decoded {
                Ok(d) => d,
                Err(f) => {
                    self.failed_below(child, &f);
                    continue;
                }
            };
            self.visit(child, &data, scope);
            if self.children(child).is_empty() || held + data.len() > CHAIN_BUDGET {
                // A leaf; or a chain too deep to hold, whose descendants
                // go to the fallback.
                continue;
            }
            held += data.len();
            stack.push((child, data, 0));
        }
    }

    /// After `node` failed to decode: a cut cuts every wanted blob under
    /// it; damage marks them failed here (they are tried from the next
    /// source). A base too large leaves its deltas to the fallback.
    fn failed_below(&self, node: u32, why: &Fail) {
        if matches!(why, Fail::Reported) {
            return;
        }
        let mut stack = vec![node];
        while let Some(i) = stack.pop() {
            let w = self.target[i as usize];
            if w != u32::MAX {
                match why {
                    Fail::Cut => self.ctx.cut_one(w),
                    _ => self.ctx.fail(
                        w,
                        format!("its copy in {} does not decode", self.pack.name()),
                    ),
                }
            }
            stack.extend_from_slice(self.children(i));
        }
    }

    /// Hand a decoded object to the handler if it is wanted and its bytes
    /// hash to its id (an index can list an id twice, at two objects).
    /// The check and the matching run as a task in `scope` when fewer than
    /// [`IN_FLIGHT_MAX`] bytes already wait, else here.
    fn visit<'s>(&'s self, i: u32, data: &[u8], scope: &rayon::Scope<'s>) {
        let w = self.target[i as usize];
        if w == u32::MAX || self.ctx.decided[w as usize].load(Ordering::Relaxed) {
            return;
        }
        let n = data.len();
        if self.in_flight.fetch_add(n, Ordering::AcqRel) + n <= IN_FLIGHT_MAX {
            let owned = data.to_vec();
            scope.spawn(move |_| {
                self.check_and_deliver(i, w, &owned);
                self.in_flight.fetch_sub(n, Ordering::AcqRel);
            });
        } else {
            self.in_flight.fetch_sub(n, Ordering::AcqRel);
            self.check_and_deliver(i, w, data);
        }
    }

    fn check_and_deliver(&self, i: u32, w: u32, data: &[u8]) {
        let e = self.pack.entries[i as usize];
        if blob_id(data) != self.pack.oids[e.id as usize] {
            self.ctx.fail(
                w,
                format!("its copy in {} does not hash to its id", self.pack.name()),
            );
            return;
        }
        self.ctx.deliver(w, data);
    }

    /// Report a wanted object as too large (it is not decoded).
    fn too_large(&self, i: u32, size: u64) {
        let w = self.target[i as usize];
        if w != u32::MAX {
            self.ctx.too_large(w, size);
        }
    }

    /// Read and parse an entry's header (its first bytes only).
    fn header(&self, i: u32) -> Option<Header> {
        let e = self.pack.entries[i as usize];
        let want = (e.end - e.offset).min(HEADER_MAX as u64) as usize;
        let mut buf = [0u8; HEADER_MAX];
        let got = read_at(&self.pack.file, &mut buf[..want], e.offset).ok()?;
        parse_header(buf.get(..got)?)
    }

    /// Inflate entry `i`'s zlib stream, which must yield `size` bytes:
    /// charged to the budget first, read in pieces.
    fn inflate(&self, i: u32, h: &Header, size: u64, chunk: &mut Vec<u8>) -> Result<Vec<u8>, Fail> {
        let e = self.pack.entries[i as usize];
        let from = e.offset + h.len as u64;
        if from >= e.end || size > (e.end - from).saturating_mul(MAX_RATIO).saturating_add(64) {
            return Err(Fail::Damaged);
        }
        if !self.ctx.take(size) {
            return Err(Fail::Cut);
        }
        inflate_at(&self.pack.file, from, e.end, size, chunk).ok_or(Fail::Damaged)
    }

    fn decode_base(&self, i: u32, chunk: &mut Vec<u8>) -> Result<Vec<u8>, Fail> {
        let h = self.header(i).ok_or(Fail::Damaged)?;
        if h.size > self.ctx.max {
            self.too_large(i, h.size);
            return Err(Fail::Reported);
        }
        self.inflate(i, &h, h.size, chunk)
    }

    fn decode_delta(&self, i: u32, base: &[u8], chunk: &mut Vec<u8>) -> Result<Vec<u8>, Fail> {
        let h = self.header(i).ok_or(Fail::Damaged)?;
        // The delta's own size is bounded by the limit too: a delta larger
        // than its result's limit is not a real one.
        if h.size > self.ctx.max.saturating_mul(2).saturating_add(1024) {
            return Err(Fail::Damaged);
        }
        let delta = self.inflate(i, &h, h.size, chunk)?;
        let (src, dst, ops) = delta_sizes(&delta).ok_or(Fail::Damaged)?;
        if src != base.len() as u64 {
            return Err(Fail::Damaged);
        }
        if dst > self.ctx.max {
            self.too_large(i, dst);
            return Err(Fail::Reported);
        }
        if !self.ctx.take(dst) {
            return Err(Fail::Cut);
        }
        apply_delta(base, delta.get(ops..).ok_or(Fail::Damaged)?, dst as usize).ok_or(Fail::Damaged)
    }
}

/// A parsed object header.
struct Header {
    kind: u8,
    /// Inflated size (for a delta, of the delta data).
    size: u64,
    /// Bytes of header, up to the zlib stream.
    len: usize,
    base_distance: u64,
    base_id: [u8; 20],
}

fn parse_header(b: &[u8]) -> Option<Header> {
    let mut i = 0;
    let mut c = *b.get(i)?;
    i += 1;
    let kind = (c >> 4) & 7;
    let mut size = u64::from(c & 0x0f);
    let mut shift = 4;
    while c & 0x80 != 0 {
        c = *b.get(i)?;
        i += 1;
        if shift > 57 {
            return None;
        }
        size |= u64::from(c & 0x7f) << shift;
        shift += 7;
    }
    let mut h = Header {
        kind,
        size,
        len: i,
        base_distance: 0,
        base_id: [0; 20],
    };
    match kind {
        6 => {
            // Offset encoding with an implicit +1 per continuation byte.
            let mut c = *b.get(i)?;
            i += 1;
            let mut d = u64::from(c & 0x7f);
            while c & 0x80 != 0 {
                c = *b.get(i)?;
                i += 1;
                d = d.checked_add(1)?.checked_mul(128)? | u64::from(c & 0x7f);
            }
            h.base_distance = d;
        }
        7 => {
            h.base_id.copy_from_slice(b.get(i..i + 20)?);
            i += 20;
        }
        _ => {}
    }
    h.len = i;
    Some(h)
}

/// Inflate the zlib stream in `file` between `from` and `end`, which must
/// yield exactly `size` bytes (checked by the caller against the bytes
/// present). The compressed bytes are read [`CHUNK`] at a time into
/// `chunk`, so only what the stream needs is read.
fn inflate_at(file: &File, from: u64, end: u64, size: u64, chunk: &mut Vec<u8>) -> Option<Vec<u8>> {
    let mut out = vec![0u8; usize::try_from(size).ok()?];
    let got = inflate_into(
        &mut |at, buf| read_at(file, buf, at),
        from,
        end,
        &mut out,
        chunk,
        true,
    )?;
    (got as u64 == size).then_some(out)
}

/// The first bytes (at most `n`) of the zlib stream in `file` from `from`.
fn inflate_prefix(file: &File, from: u64, end: u64, n: usize) -> Option<Vec<u8>> {
    let mut out = vec![0u8; n];
    let mut chunk = Vec::new();
    let got = inflate_into(
        &mut |at, buf| read_at(file, buf, at),
        from,
        end,
        &mut out,
        &mut chunk,
        false,
    )?;
    out.truncate(got);
    Some(out)
}

/// Inflate from `read` (bytes `from..end`) into `out`; returns the bytes
/// produced. With `whole`, the stream must end exactly when `out` is full.
fn inflate_into(
    read: &mut dyn FnMut(u64, &mut [u8]) -> std::io::Result<usize>,
    mut pos: u64,
    end: u64,
    out: &mut [u8],
    chunk: &mut Vec<u8>,
    whole: bool,
) -> Option<usize> {
    let mut z = Decompress::new(true);
    let (mut have, mut at) = (0usize, 0usize);
    // The first read covers what the stream needs for `out` when it
    // compresses at all (zlib adds at most ~5 bytes a 16 KiB block and a
    // few more): a small object far from the next one costs one small read.
    let mut piece = (out.len() + out.len() / 1000 + 128).min(CHUNK);
    loop {
        if at == have {
            let want = (end.saturating_sub(pos)).min(piece as u64) as usize;
            piece = CHUNK;
            if want == 0 {
                return None;
            }
            chunk.resize(want, 0);
            let n = read(pos, &mut chunk[..want]).ok()?;
            if n == 0 {
                return None;
            }
            pos += n as u64;
            (have, at) = (n, 0);
        }
        let (in0, out0) = (z.total_in(), z.total_out() as usize);
        let status = z
            .decompress(&chunk[at..have], &mut out[out0..], FlushDecompress::None)
            .ok()?;
        at += (z.total_in() - in0) as usize;
        let produced = z.total_out() as usize;
        match status {
            Status::StreamEnd => return Some(produced),
            _ if !whole && produced == out.len() => return Some(produced),
            _ => {
                // Output full with input left: more data than declared.
                if z.total_in() == in0 && produced == out0 && at < have {
                    return None;
                }
            }
        }
    }
}

/// Inflate a zlib stream in memory that must yield exactly `size` bytes.
#[cfg(test)]
fn inflate(input: &[u8], size: u64) -> Option<Vec<u8>> {
    if size
        > (input.len() as u64)
            .saturating_mul(MAX_RATIO)
            .saturating_add(64)
    {
        return None;
    }
    let mut out = vec![0u8; usize::try_from(size).ok()?];
    let mut read = |at: u64, buf: &mut [u8]| -> std::io::Result<usize> {
        let at = at as usize;
        let n = buf.len().min(input.len().saturating_sub(at));
        buf[..n].copy_from_slice(&input[at..at + n]);
        Ok(n)
    };
    let mut chunk = Vec::new();
    let got = inflate_into(&mut read, 0, input.len() as u64, &mut out, &mut chunk, true)?;
    (got as u64 == size).then_some(out)
}

/// A git delta's source and result sizes, and where its instructions start.
fn delta_sizes(d: &[u8]) -> Option<(u64, u64, usize)> {
    let mut i = 0;
    let mut varint = || -> Option<u64> {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let c = *d.get(i)?;
            i += 1;
            if shift > 63 {
                return None;
            }
            v |= u64::from(c & 0x7f) << shift;
            shift += 7;
            if c & 0x80 == 0 {
                return Some(v);
            }
        }
    };
    let src = varint()?;
    let dst = varint()?;
    Some((src, dst, i))
}

/// What the first bytes of a delta's zlib stream say.
enum Prefix {
    /// The result size the delta declares.
    Size(u64),
    /// The stream does not decode, or declares no sizes.
    Damaged,
    /// More compressed bytes are needed than were given.
    Short,
}

/// The result size a delta declares, from its compressed bytes `data` (all
/// of them, or the first of them), with `z` reset and reused.
fn delta_result_size(z: &mut Decompress, data: &[u8]) -> Prefix {
    z.reset(true);
    let mut out = [0u8; 20];
    let status = z.decompress(data, &mut out, FlushDecompress::None);
    let got = (z.total_out() as usize).min(out.len());
    match delta_sizes(&out[..got]) {
        Some((_, dst, _)) => Prefix::Size(dst),
        None => match status {
            Ok(Status::Ok | Status::BufError) if got < out.len() => Prefix::Short,
            _ => Prefix::Damaged,
        },
    }
}

/// Apply delta instructions to `base`; the result must be `size` bytes.
fn apply_delta(base: &[u8], ops: &[u8], size: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(size);
    let mut i = 0;
    while i < ops.len() {
        let op = ops[i];
        i += 1;
        if op & 0x80 != 0 {
            let mut off = 0usize;
            let mut len = 0usize;
            for k in 0..4 {
                if op & (1 << k) != 0 {
                    off |= usize::from(*ops.get(i)?) << (8 * k);
                    i += 1;
                }
            }
            for k in 0..3 {
                if op & (0x10 << k) != 0 {
                    len |= usize::from(*ops.get(i)?) << (8 * k);
                    i += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            let src = base.get(off..off.checked_add(len)?)?;
            if out.len() + src.len() > size {
                return None;
            }
            out.extend_from_slice(src);
        } else if op != 0 {
            let n = usize::from(op);
            let src = ops.get(i..i + n)?;
            i += n;
            if out.len() + n > size {
                return None;
            }
            out.extend_from_slice(src);
        } else {
            return None; // reserved
        }
    }
    (out.len() == size).then_some(out)
}

/// Read into `buf` from `offset` until it is full or the file ends;
/// returns the bytes read.
fn read_at(f: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        let at = offset + got as u64;
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(f, &mut buf[got..], at);
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(f, &mut buf[got..], at);
        match n {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// The header pass reads objects that lie close together (each within
/// [`GAP`] of the one before) in one read of at most this many bytes.
const WINDOW: usize = 4 << 20;
const GAP: u64 = 64 << 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_copy_and_insert() {
        let base = b"hello, world";
        // src 12, dst 11; copy 5 bytes at 0, insert ", jk", copy "ld" at 10.
        let mut d = vec![12, 11];
        d.extend_from_slice(&[0x80 | 0x10, 5]); // copy off 0 len 5
        d.extend_from_slice(&[4, b',', b' ', b'j', b'k']);
        d.extend_from_slice(&[0x80 | 0x01 | 0x10, 10, 2]);
        let (src, dst, at) = delta_sizes(&d).unwrap();
        assert_eq!((src, dst), (12, 11));
        assert_eq!(
            apply_delta(base, &d[at..], dst as usize).unwrap(),
            b"hello, jkld"
        );
    }

    #[test]
    fn delta_out_of_bounds_is_rejected() {
        let base = b"abc";
        // copy 4 bytes from a 3-byte base
        assert!(apply_delta(base, &[0x80 | 0x10, 4], 4).is_none());
        // insert past the end of the delta
        assert!(apply_delta(base, &[5, b'a'], 5).is_none());
        // result longer than declared
        assert!(apply_delta(base, &[2, b'a', b'b'], 1).is_none());
        // reserved opcode
        assert!(apply_delta(base, &[0], 0).is_none());
    }

    #[test]
    fn inflate_checks_the_declared_size() {
        use flate2::{Compression, write::ZlibEncoder};
        use std::io::Write;
        let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
        e.write_all(&[b'a'; 5000]).unwrap();
        let z = e.finish().unwrap();
        assert_eq!(inflate(&z, 5000).unwrap().len(), 5000);
        assert!(inflate(&z, 4999).is_none());
        assert!(inflate(&z, 5001).is_none());
        // A claim far beyond what the bytes can hold is not allocated.
        assert!(inflate(&z, 1 << 40).is_none());
    }

    #[test]
    fn inflate_reads_in_pieces_and_stops_at_the_stream() {
        use flate2::{Compression, write::ZlibEncoder};
        use std::io::Write;
        // Incompressible: the stream spans several 64 KiB pieces.
        let mut x = 0x2545_f491u32;
        let data: Vec<u8> = (0..300_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        let mut e = ZlibEncoder::new(Vec::new(), Compression::fast());
        e.write_all(&data).unwrap();
        let mut z = e.finish().unwrap();
        assert!(z.len() > 2 * CHUNK);
        assert_eq!(inflate(&z, data.len() as u64).unwrap(), data);
        // Trailing garbage after the stream is never read as data, and a
        // cut stream fails.
        let n = z.len();
        z.extend_from_slice(&[0xa5; 1000]);
        assert_eq!(inflate(&z, data.len() as u64).unwrap(), data);
        assert!(inflate(&z[..n - 10], data.len() as u64).is_none());
        // The first bytes only.
        let mut read = |at: u64, buf: &mut [u8]| -> std::io::Result<usize> {
            let at = at as usize;
            let k = buf.len().min(z.len() - at);
            buf[..k].copy_from_slice(&z[at..at + k]);
            Ok(k)
        };
        let mut out = [0u8; 64];
        let mut chunk = Vec::new();
        let got = inflate_into(&mut read, 0, n as u64, &mut out, &mut chunk, false).unwrap();
        assert_eq!(&out[..got], &data[..64]);
    }

    #[test]
    fn delta_result_size_from_the_first_compressed_bytes() {
        use flate2::{Compression, write::ZlibEncoder};
        use std::io::Write;
        // A delta from 300 bytes to 70 MiB (varints), then instructions.
        let mut d = vec![0xac, 0x02, 0x80, 0x80, 0x80, 0x23];
        d.extend_from_slice(&[0x80 | 0x10, 5].repeat(500));
        let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
        e.write_all(&d).unwrap();
        let z = e.finish().unwrap();
        let mut dec = Decompress::new(true);
        assert!(matches!(delta_result_size(&mut dec, &z), Prefix::Size(s) if s == 70 << 20));
        // Reused: a second stream decodes the same way.
        assert!(matches!(delta_result_size(&mut dec, &z), Prefix::Size(s) if s == 70 << 20));
        // Too few compressed bytes: the caller reads more.
        assert!(matches!(
            delta_result_size(&mut dec, &z[..2]),
            Prefix::Short
        ));
        // Not zlib.
        assert!(matches!(
            delta_result_size(&mut dec, &[0xff; 40]),
            Prefix::Damaged
        ));
    }

    #[test]
    fn loose_headers() {
        assert_eq!(loose_header(b"blob 12\0abc"), Some((&b"blob"[..], 12, 8)));
        assert!(loose_header(b"blob \0").is_none());
        assert!(loose_header(b"blob 99999999999999999999\0").is_none());
        assert!(loose_header(b"blob 12").is_none());
    }

    #[test]
    fn headers() {
        // blob of 300 bytes: 0b1_011_1100, then 300>>4 = 18
        let h = parse_header(&[0xbc, 18]).unwrap();
        assert_eq!((h.kind, h.size, h.len), (3, 300, 2));
        // ofs delta, size 5, distance 200: 200 = (0 + 1) * 128 + 72
        let h = parse_header(&[0x65, 0x80, 72]).unwrap();
        assert_eq!((h.kind, h.size, h.base_distance, h.len), (6, 5, 200, 3));
        assert!(parse_header(&[0xff; 12]).is_none());
        assert!(parse_header(&[]).is_none());
    }
}
