//! History blobs in pack order: each pack file is read front to back, every
//! delta resolved from a base that is still in memory, the way
//! `git index-pack` resolves a pack.
//!
//! Reading blob by blob through the object database re-inflates each
//! delta chain from its base and jumps around the pack: for a large history
//! that, not matching, is where the time goes. Here, for each pack:
//!
//! 1. the index (`.idx`, version 2) gives every object's id and offset;
//!    sorted by offset, each object's extent is up to the next one;
//! 2. one sequential read of the object headers gives each object's type
//!    and, for a delta, its base (an offset back into the pack, or an id);
//! 3. the objects worth decoding are the wanted blobs and the bases they
//!    need, transitively; every other object (commits, trees, blobs out of
//!    scope) is never inflated;
//! 4. each base with no base of its own is the root of a delta tree; the
//!    roots are spread across threads (rayon), and each tree is walked depth
//!    first with the chain from the root held in memory, so every object is
//!    inflated once and every delta applied once.
//!
//! Nothing here trusts the pack: extents are checked against the file, sizes
//! against `--max-file-size` and against the bytes actually present (zlib
//! cannot expand more than ~1032:1), deltas are bounds-checked, a chain of
//! deltas holds at most [`CHAIN_BUDGET`] bytes, and anything that does not
//! decode is left *unhandled*. The caller reads unhandled blobs through
//! libgit2 (loose objects, alternates, damaged packs), which reports what
//! cannot be read. The pack format is small and documented (git's
//! `Documentation/gitformat-pack.txt`); reading it here needs only `flate2`,
//! already a dependency.

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use flate2::{Decompress, FlushDecompress, Status};
use git2::Oid;
use rayon::prelude::*;

/// At most this many bytes of decoded bases are held for one delta chain;
/// the rest of a deeper (crafted) chain is left to the fallback.
pub const CHAIN_BUDGET: usize = 256 << 20;

/// An index larger than this is not read (a real one is 28 bytes an
/// object: 1 GiB is 38 million objects).
const MAX_INDEX_BYTES: u64 = 1 << 30;

/// zlib's largest expansion is about 1032:1; a header that declares more
/// than this times the compressed bytes is not believed.
const MAX_RATIO: u64 = 1100;

/// What the pass does with a wanted blob it decoded.
pub trait BlobHandler: Sync {
    /// The blob at `index` (its position in the wanted set), decoded.
    fn blob(&self, index: u32, data: &[u8]);
    /// The blob at `index` is larger than the limit (`size` bytes).
    fn too_large(&self, index: u32, size: u64);
}

/// The result of [`scan_packs`].
#[derive(Debug, Default)]
pub struct PackPass {
    /// Per wanted blob: delivered (or reported too large) by the pass.
    pub handled: Vec<bool>,
    /// Pack files read.
    pub packs: usize,
    /// Pack files that could not be used (unreadable or malformed index).
    pub unusable: Vec<(PathBuf, String)>,
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
            let meta = std::fs::symlink_metadata(&pack).ok()?;
            let idx_meta = std::fs::symlink_metadata(&path).ok()?;
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
    wanted: &HashMap<Oid, u32>,
    count: usize,
    max: u64,
    handler: &dyn BlobHandler,
) -> PackPass {
    let mut pass = PackPass {
        handled: vec![false; count],
        ..PackPass::default()
    };
    // Claimed by an earlier pack: not decoded again from a later one.
    let mut claimed = vec![false; count];
    for (idx, pack) in pack_files(objects) {
        match Pack::open(&idx, &pack) {
            Ok(p) => {
                pass.packs += 1;
                let done = p.scan(wanted, &mut claimed, max, handler);
                for i in done {
                    pass.handled[i as usize] = true;
                }
            }
            Err(e) => pass.unusable.push((pack, e)),
        }
    }
    pass
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
    /// A delta whose base is not in this pack, or a malformed header.
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
    /// Objects by offset.
    entries: Vec<Entry>,
    /// The index's object ids, in id order.
    oids: Vec<[u8; 20]>,
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

impl Pack {
    /// Read the index and check it against the pack's size.
    fn open(idx_path: &Path, pack_path: &Path) -> Result<Pack, String> {
        let idx_len = std::fs::metadata(idx_path)
            .map_err(|e| format!("cannot read the index ({e})"))?
            .len();
        if idx_len > MAX_INDEX_BYTES {
            return Err(format!("index too large ({idx_len} bytes)"));
        }
        let mut idx = Vec::new();
        File::open(idx_path)
            .and_then(|f| f.take(MAX_INDEX_BYTES).read_to_end(&mut idx))
            .map_err(|e| format!("cannot read the index ({e})"))?;
        let mut file = File::open(pack_path).map_err(|e| format!("cannot open the pack ({e})"))?;
        let pack_len = file
            .metadata()
            .map_err(|e| format!("cannot read the pack ({e})"))?
            .len();
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
        let mut oids = Vec::with_capacity(n);
        let mut entries = Vec::with_capacity(n);
        for i in 0..n {
            let at = oids_at + i * 20;
            let mut oid = [0u8; 20];
            oid.copy_from_slice(&idx[at..at + 20]);
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
        entries.sort_unstable_by_key(|e| e.offset);
        for i in 0..entries.len() {
            let end = entries.get(i + 1).map_or(data_end, |e| e.offset);
            if end == entries[i].offset {
                return Err("two objects at one offset".into());
            }
            entries[i].end = end;
        }
        Ok(Pack {
            file,
            entries,
            oids,
        })
    }

    /// The index of the entry at `offset`.
    fn at_offset(&self, offset: u64) -> Option<u32> {
        self.entries
            .binary_search_by_key(&offset, |e| e.offset)
            .ok()
            .map(|i| i as u32)
    }

    /// The entry index of the object `oid`, if this pack has it.
    fn by_oid(&self, oid: &[u8], pos_of_id: &[u32]) -> Option<u32> {
        self.oids
            .binary_search_by(|o| o.as_slice().cmp(oid))
            .ok()
            .map(|id| pos_of_id[id])
    }

    /// The kind of every entry, from one sequential read of the pack.
    fn kinds(&self) -> Vec<Kind> {
        let mut pos_of_id = vec![0u32; self.entries.len()];
        for (i, e) in self.entries.iter().enumerate() {
            pos_of_id[e.id as usize] = i as u32;
        }
        let mut kinds = Vec::with_capacity(self.entries.len());
        let mut reader = Window::new(&self.file);
        for (i, e) in self.entries.iter().enumerate() {
            let want = ((e.end - e.offset) as usize).min(32);
            let kind = match reader.get(e.offset, want).and_then(parse_header) {
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
                    7 => match self.by_oid(&h.base_id, &pos_of_id) {
                        Some(b) if b as usize != i => Kind::Delta(b),
                        _ => Kind::Broken,
                    },
                    _ => Kind::Broken,
                },
            };
            kinds.push(kind);
        }
        kinds
    }

    /// Decode the wanted blobs of this pack that no earlier pack claimed;
    /// returns the indexes (into the wanted set) of those handled.
    fn scan(
        &self,
        wanted: &HashMap<Oid, u32>,
        claimed: &mut [bool],
        max: u64,
        handler: &dyn BlobHandler,
    ) -> Vec<u32> {
        let kinds = self.kinds();
        let n = self.entries.len();
        // Which wanted blob each entry is, and which entries are needed.
        let mut target: Vec<u32> = vec![u32::MAX; n];
        let mut needed = vec![false; n];
        for (i, e) in self.entries.iter().enumerate() {
            let Ok(oid) = Oid::from_bytes(&self.oids[e.id as usize]) else {
                continue;
            };
            let Some(&w) = wanted.get(&oid) else { continue };
            if claimed[w as usize] || kinds[i] == Kind::Broken {
                continue;
            }
            claimed[w as usize] = true;
            target[i] = w;
            // Mark the chain up to its root (stops at a marked entry, so a
            // crafted cycle of deltas ends too).
            let mut cur = i;
            while !needed[cur] {
                needed[cur] = true;
                match kinds[cur] {
                    Kind::Delta(b) => cur = b as usize,
                    _ => break,
                }
            }
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
        let tree = DeltaTree {
            pack: self,
            target: &target,
            start: &start,
            children: &children,
            max,
            handler,
            handled: (0..n).map(|_| AtomicBool::new(false)).collect(),
        };
        roots
            .par_iter()
            .for_each_init(Scratch::default, |scratch, &r| tree.walk(r, scratch));
        (0..n)
            .filter(|&i| target[i] != u32::MAX && tree.handled[i].load(Ordering::Relaxed))
            .map(|i| target[i])
            .collect()
    }
}

/// A reusable per-thread buffer for an object's raw bytes.
#[derive(Default)]
struct Scratch {
    raw: Vec<u8>,
}

struct DeltaTree<'a> {
    pack: &'a Pack,
    target: &'a [u32],
    start: &'a [u32],
    children: &'a [u32],
    max: u64,
    handler: &'a dyn BlobHandler,
    handled: Vec<AtomicBool>,
}

impl DeltaTree<'_> {
    fn children(&self, i: u32) -> &[u32] {
        let i = i as usize;
        &self.children[self.start[i] as usize..self.start[i + 1] as usize]
    }

    /// Decode the tree rooted at `root`, depth first, each chain held from
    /// its root down.
    fn walk(&self, root: u32, scratch: &mut Scratch) {
        let Some(data) = self.decode_base(root, scratch) else {
            return;
        };
        self.visit(root, &data);
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
            let decoded = self.decode_delta(child, &top.1, scratch);
            if let Some(top) = stack.last_mut() {
                top.2 += 1;
            }
            let Some(data) = decoded else { continue };
            self.visit(child, &data);
            if self.children(child).is_empty() || held + data.len() > CHAIN_BUDGET {
                // A leaf; or a chain too deep to hold, whose descendants
                // go to the fallback.
                continue;
            }
            held += data.len();
            stack.push((child, data, 0));
        }
    }

    /// Hand a decoded object to the handler if it is wanted.
    fn visit(&self, i: u32, data: &[u8]) {
        let w = self.target[i as usize];
        if w != u32::MAX {
            self.handler.blob(w, data);
            self.handled[i as usize].store(true, Ordering::Relaxed);
        }
    }

    /// Report a wanted object as too large (it is not decoded).
    fn too_large(&self, i: u32, size: u64) {
        let w = self.target[i as usize];
        if w != u32::MAX {
            self.handler.too_large(w, size);
            self.handled[i as usize].store(true, Ordering::Relaxed);
        }
    }

    /// Read an entry's raw bytes (header and zlib stream) into `scratch.raw`
    /// and parse the header.
    fn read_raw(&self, i: u32, raw: &mut Vec<u8>) -> Option<Header> {
        let e = self.pack.entries[i as usize];
        let len = usize::try_from(e.end - e.offset).ok()?;
        raw.clear();
        raw.resize(len, 0);
        if read_at(&self.pack.file, raw, e.offset).ok()? < len {
            return None;
        }
        parse_header(raw)
    }

    fn decode_base(&self, i: u32, scratch: &mut Scratch) -> Option<Vec<u8>> {
        let h = self.read_raw(i, &mut scratch.raw)?;
        if h.size > self.max {
            self.too_large(i, h.size);
            return None;
        }
        inflate(scratch.raw.get(h.len..)?, h.size)
    }

    fn decode_delta(&self, i: u32, base: &[u8], scratch: &mut Scratch) -> Option<Vec<u8>> {
        let h = self.read_raw(i, &mut scratch.raw)?;
        // The delta's own size is bounded by the limit too: a delta larger
        // than its result's limit is not a real one.
        if h.size > self.max.saturating_mul(2).saturating_add(1024) {
            return None;
        }
        let delta = inflate(scratch.raw.get(h.len..)?, h.size)?;
        let (src, dst, ops) = delta_sizes(&delta)?;
        if src != base.len() as u64 {
            return None;
        }
        if dst > self.max {
            self.too_large(i, dst);
            return None;
        }
        apply_delta(base, delta.get(ops..)?, dst as usize)
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

/// Inflate a zlib stream that must yield exactly `size` bytes.
fn inflate(input: &[u8], size: u64) -> Option<Vec<u8>> {
    // Bounded by the bytes present, not by what the header claims.
    if size
        > (input.len() as u64)
            .saturating_mul(MAX_RATIO)
            .saturating_add(64)
    {
        return None;
    }
    let mut out = vec![0u8; usize::try_from(size).ok()?];
    let mut z = Decompress::new(true);
    loop {
        let before = z.total_out() as usize;
        let status = z
            .decompress(
                &input[z.total_in() as usize..],
                &mut out[before..],
                FlushDecompress::Finish,
            )
            .ok()?;
        match status {
            Status::StreamEnd => break,
            Status::Ok | Status::BufError => {
                // No progress and no room left: more data than declared.
                if z.total_out() as usize == before {
                    return None;
                }
            }
        }
    }
    (z.total_out() == size).then_some(out)
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

/// Sequential reads of a pack through a large window (the header pass
/// reads every object's first bytes in offset order).
struct Window<'f> {
    file: &'f File,
    buf: Vec<u8>,
    start: u64,
}

const WINDOW: usize = 4 << 20;

impl<'f> Window<'f> {
    fn new(file: &'f File) -> Self {
        Window {
            file,
            buf: Vec::new(),
            start: 0,
        }
    }

    /// Up to `len` bytes at `offset` (fewer at the end of the file).
    fn get(&mut self, offset: u64, len: usize) -> Option<&[u8]> {
        let in_window =
            offset >= self.start && offset + len as u64 <= self.start + self.buf.len() as u64;
        if !in_window {
            self.buf.resize(WINDOW, 0);
            let got = read_at(self.file, &mut self.buf, offset).ok()?;
            self.buf.truncate(got);
            self.start = offset;
        }
        let at = (offset - self.start) as usize;
        let end = (at + len).min(self.buf.len());
        self.buf.get(at..end)
    }
}

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
