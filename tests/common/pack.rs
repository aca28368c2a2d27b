//! Builders for the packages the archive tests scan: zip (and so apk, ipa,
//! jar...), asar, tar, gzip, and the binary formats inside apps (dex string
//! tables, Android string pools, binary plists). Each writes the smallest
//! valid file of its format, in memory.
#![allow(dead_code)]

use std::io::{Cursor, Write};

use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

/// A zip with `members` (deflated).
pub fn zip(members: &[(&str, &[u8])]) -> Vec<u8> {
    zip_with(members, CompressionMethod::Deflated)
}

/// A zip whose members use `method`.
pub fn zip_with(members: &[(&str, &[u8])], method: CompressionMethod) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(method);
    for (name, data) in members {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Set the "encrypted" flag on every member of a zip (local and central
/// headers), as ZipCrypto would: the data is then unreadable without a
/// password as far as any reader knows.
pub fn mark_encrypted(mut zip: Vec<u8>) -> Vec<u8> {
    let mut i = 0;
    while i + 4 <= zip.len() {
        match &zip[i..i + 4] {
            b"PK\x03\x04" => zip[i + 6] |= 1,
            b"PK\x01\x02" => zip[i + 8] |= 1,
            _ => {}
        }
        i += 1;
    }
    zip
}

/// A tar with `members`.
pub fn tar(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap()
}

/// `data` gzipped.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// An Electron asar: pickle header (4, header size, payload size, JSON
/// length), the JSON index, then the files back to back.
pub fn asar(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut root = serde_json::Map::new();
    let mut offset = 0u64;
    for (name, data) in members {
        let parts: Vec<&str> = name.split('/').collect();
        let mut node = &mut root;
        for dir in &parts[..parts.len() - 1] {
            let entry = node
                .entry(dir.to_string())
                .or_insert_with(|| serde_json::json!({"files": {}}));
            node = entry["files"].as_object_mut().unwrap();
        }
        node.insert(
            parts[parts.len() - 1].to_string(),
            serde_json::json!({"size": data.len(), "offset": offset.to_string()}),
        );
        offset += data.len() as u64;
    }
    let json = serde_json::to_vec(&serde_json::json!({ "files": root })).unwrap();
    let mut payload = (json.len() as u32).to_le_bytes().to_vec();
    payload.extend_from_slice(&json);
    while payload.len() % 4 != 0 {
        payload.push(0);
    }
    let header_pickle_len = 4 + payload.len() as u32;
    let mut out = Vec::new();
    out.extend_from_slice(&4u32.to_le_bytes());
    out.extend_from_slice(&header_pickle_len.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&payload);
    for (_, data) in members {
        out.extend_from_slice(data);
    }
    out
}

/// A dex file whose string table holds `strings` (header fields other than
/// the string ids are zero: only the string table is read).
pub fn dex(strings: &[&str]) -> Vec<u8> {
    let mut b = vec![0u8; 0x70];
    b[..8].copy_from_slice(b"dex\n035\0");
    b[0x38..0x3C].copy_from_slice(&(strings.len() as u32).to_le_bytes());
    b[0x3C..0x40].copy_from_slice(&0x70u32.to_le_bytes());
    let data_start = 0x70 + 4 * strings.len();
    let mut data = Vec::new();
    for s in strings {
        b.extend_from_slice(&((data_start + data.len()) as u32).to_le_bytes());
        let mut n = s.encode_utf16().count();
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                data.push(byte);
                break;
            }
            data.push(byte | 0x80);
        }
        data.extend_from_slice(s.as_bytes());
        data.push(0);
    }
    b.extend_from_slice(&data);
    b
}

/// A `ResStringPool` chunk (UTF-16 when `utf8` is false, as aapt writes
/// `resources.arsc`).
pub fn string_pool(strings: &[&str], utf8: bool) -> Vec<u8> {
    let mut data = Vec::new();
    let mut offsets = Vec::new();
    for s in strings {
        offsets.push(data.len() as u32);
        if utf8 {
            let n16 = s.encode_utf16().count();
            for n in [n16, s.len()] {
                if n > 0x7f {
                    data.push(0x80 | (n >> 8) as u8);
                    data.push(n as u8);
                } else {
                    data.push(n as u8);
                }
            }
            data.extend_from_slice(s.as_bytes());
            data.push(0);
        } else {
            let units: Vec<u16> = s.encode_utf16().collect();
            data.extend_from_slice(&(units.len() as u16).to_le_bytes());
            for u in units {
                data.extend_from_slice(&u.to_le_bytes());
            }
            data.extend_from_slice(&[0, 0]);
        }
    }
    while data.len() % 4 != 0 {
        data.push(0);
    }
    let start = 28 + 4 * strings.len() as u32;
    let mut c = Vec::new();
    c.extend_from_slice(&1u16.to_le_bytes());
    c.extend_from_slice(&28u16.to_le_bytes());
    c.extend_from_slice(&(start + data.len() as u32).to_le_bytes());
    c.extend_from_slice(&(strings.len() as u32).to_le_bytes());
    c.extend_from_slice(&0u32.to_le_bytes());
    c.extend_from_slice(&(if utf8 { 1u32 << 8 } else { 0 }).to_le_bytes());
    c.extend_from_slice(&start.to_le_bytes());
    c.extend_from_slice(&0u32.to_le_bytes());
    for o in offsets {
        c.extend_from_slice(&o.to_le_bytes());
    }
    c.extend_from_slice(&data);
    c
}

/// A `resources.arsc`: table header, global string pool, and one package
/// chunk with its own (key) pool.
pub fn arsc(values: &[&str], keys: &[&str]) -> Vec<u8> {
    let global = string_pool(values, false);
    let key_pool = string_pool(keys, true);
    // Package header: chunk header (8) + id + 128 UTF-16 name units + 5 u32.
    let pkg_header = 8 + 4 + 256 + 20;
    let mut pkg = Vec::new();
    pkg.extend_from_slice(&0x0200u16.to_le_bytes());
    pkg.extend_from_slice(&(pkg_header as u16).to_le_bytes());
    pkg.extend_from_slice(&((pkg_header + key_pool.len()) as u32).to_le_bytes());
    pkg.resize(pkg_header, 0);
    pkg.extend_from_slice(&key_pool);
    let mut b = Vec::new();
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&12u16.to_le_bytes());
    b.extend_from_slice(&((12 + global.len() + pkg.len()) as u32).to_le_bytes());
    b.extend_from_slice(&1u32.to_le_bytes());
    b.extend_from_slice(&global);
    b.extend_from_slice(&pkg);
    b
}

/// A binary XML file (`AndroidManifest.xml` as packaged) whose string pool
/// holds `strings`.
pub fn binary_xml(strings: &[&str]) -> Vec<u8> {
    let pool = string_pool(strings, false);
    let mut b = Vec::new();
    b.extend_from_slice(&3u16.to_le_bytes());
    b.extend_from_slice(&8u16.to_le_bytes());
    b.extend_from_slice(&(8 + pool.len() as u32).to_le_bytes());
    b.extend_from_slice(&pool);
    b
}

/// A binary plist holding one dictionary of string keys and values.
pub fn bplist(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut b = b"bplist00".to_vec();
    let mut offsets = Vec::new();
    let n = pairs.len();
    offsets.push(b.len());
    b.push(0xD0 | n as u8);
    for i in 0..n {
        b.push((1 + i) as u8);
    }
    for i in 0..n {
        b.push((1 + n + i) as u8);
    }
    let strings = pairs.iter().map(|p| p.0).chain(pairs.iter().map(|p| p.1));
    for s in strings {
        offsets.push(b.len());
        if s.len() < 15 {
            b.push(0x50 | s.len() as u8);
        } else {
            b.push(0x5F);
            b.push(0x11);
            b.extend_from_slice(&(s.len() as u16).to_be_bytes());
        }
        b.extend_from_slice(s.as_bytes());
    }
    let table = b.len();
    for o in &offsets {
        b.extend_from_slice(&(*o as u16).to_be_bytes());
    }
    b.extend_from_slice(&[0; 6]);
    b.push(2);
    b.push(1);
    b.extend_from_slice(&(offsets.len() as u64).to_be_bytes());
    b.extend_from_slice(&0u64.to_be_bytes());
    b.extend_from_slice(&(table as u64).to_be_bytes());
    b
}

// ---------------------------------------------------------------- hostile shapes
//
// Tables whose entries all point at one long string (or one payload): each
// use of it is an expansion, and a decoder without a budget multiplies the
// file's size by the entry count.

/// A dex whose `n` string ids all point at one string `s`.
pub fn dex_aliased(s: &str, n: usize) -> Vec<u8> {
    let mut b = dex(&[s]);
    let off = u32::from_le_bytes(b[0x70..0x74].try_into().unwrap());
    let ids = b.len() as u32;
    for _ in 0..n {
        b.extend_from_slice(&off.to_le_bytes());
    }
    b[0x38..0x3C].copy_from_slice(&(n as u32).to_le_bytes());
    b[0x3C..0x40].copy_from_slice(&ids.to_le_bytes());
    b
}

/// A dex declaring 2^32-1 strings, with only `n` ids present (all pointing
/// at `s`).
pub fn dex_huge_count(s: &str, n: usize) -> Vec<u8> {
    let mut b = dex_aliased(s, n);
    b[0x38..0x3C].copy_from_slice(&u32::MAX.to_le_bytes());
    b
}

/// A string pool of `n` offsets all pointing at string `s`.
pub fn string_pool_aliased(s: &str, n: usize, utf8: bool) -> Vec<u8> {
    let mut c = string_pool(&[s], utf8);
    let data = c.split_off(28 + 4);
    c.truncate(28);
    let start = 28 + 4 * n as u32;
    c[4..8].copy_from_slice(&(start + data.len() as u32).to_le_bytes());
    c[8..12].copy_from_slice(&(n as u32).to_le_bytes());
    c[20..24].copy_from_slice(&start.to_le_bytes());
    c.resize(28 + 4 * n, 0);
    c.extend_from_slice(&data);
    c
}

/// A `resources.arsc` whose global pool is [`string_pool_aliased`] (UTF-16).
pub fn arsc_aliased(s: &str, n: usize) -> Vec<u8> {
    let pool = string_pool_aliased(s, n, false);
    let mut b = Vec::new();
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&12u16.to_le_bytes());
    b.extend_from_slice(&((12 + pool.len()) as u32).to_le_bytes());
    b.extend_from_slice(&1u32.to_le_bytes());
    b.extend_from_slice(&pool);
    b
}

/// A binary XML file whose pool is [`string_pool_aliased`] (UTF-8).
pub fn binary_xml_aliased(s: &str, n: usize) -> Vec<u8> {
    let pool = string_pool_aliased(s, n, true);
    let mut b = Vec::new();
    b.extend_from_slice(&3u16.to_le_bytes());
    b.extend_from_slice(&8u16.to_le_bytes());
    b.extend_from_slice(&((8 + pool.len()) as u32).to_le_bytes());
    b.extend_from_slice(&pool);
    b
}

/// A binary plist: a dictionary of `n` entries whose keys and values are
/// distinct object numbers that all alias two strings (`key`, `value`).
pub fn bplist_aliased(key: &str, value: &str, n: usize) -> Vec<u8> {
    let mut b = b"bplist00".to_vec();
    let mut offsets = vec![b.len()];
    b.extend_from_slice(&[0xDF, 0x12]);
    b.extend_from_slice(&(n as u32).to_be_bytes());
    for i in 0..2 * n {
        b.extend_from_slice(&((1 + i) as u32).to_be_bytes());
    }
    let string = |b: &mut Vec<u8>, s: &str| {
        let at = b.len();
        b.extend_from_slice(&[0x5F, 0x12]);
        b.extend_from_slice(&(s.len() as u32).to_be_bytes());
        b.extend_from_slice(s.as_bytes());
        at
    };
    let key_at = string(&mut b, key);
    let value_at = string(&mut b, value);
    offsets.extend(std::iter::repeat_n(key_at, n));
    offsets.extend(std::iter::repeat_n(value_at, n));
    let table = b.len();
    for o in &offsets {
        b.extend_from_slice(&(*o as u32).to_be_bytes());
    }
    b.extend_from_slice(&[0; 6]);
    b.extend_from_slice(&[4, 4]);
    b.extend_from_slice(&(offsets.len() as u64).to_be_bytes());
    b.extend_from_slice(&0u64.to_be_bytes());
    b.extend_from_slice(&(table as u64).to_be_bytes());
    b
}

/// An asar of `n` entries (`f0.js`...) that all point at one `payload`.
pub fn asar_aliased(payload: &[u8], n: usize) -> Vec<u8> {
    let mut files = serde_json::Map::new();
    for i in 0..n {
        files.insert(
            format!("f{i}.js"),
            serde_json::json!({"size": payload.len(), "offset": "0"}),
        );
    }
    asar_raw(&serde_json::json!({ "files": files }), payload)
}

/// An asar with the index `index` (`{"files": ...}`) and `payload` after it.
pub fn asar_raw(index: &serde_json::Value, payload: &[u8]) -> Vec<u8> {
    let json = serde_json::to_vec(index).unwrap();
    let mut p = (json.len() as u32).to_le_bytes().to_vec();
    p.extend_from_slice(&json);
    while p.len() % 4 != 0 {
        p.push(0);
    }
    let mut out = Vec::new();
    out.extend_from_slice(&4u32.to_le_bytes());
    out.extend_from_slice(&(4 + p.len() as u32).to_le_bytes());
    out.extend_from_slice(&(p.len() as u32).to_le_bytes());
    out.extend_from_slice(&p);
    out.extend_from_slice(payload);
    out
}

/// `depth` zips, each holding the next (stored), the innermost holding
/// `leaf`; the outermost also holds `top.txt` = `top`.
pub fn nested_zips(depth: usize, leaf: &[u8], top: &[u8]) -> Vec<u8> {
    let mut z = zip_with(&[("leaf.txt", leaf)], CompressionMethod::Stored);
    for i in 1..depth {
        let name = format!("level{}.zip", depth - i);
        if i + 1 == depth {
            z = zip_with(&[(&name, &z), ("top.txt", top)], CompressionMethod::Stored);
        } else {
            z = zip_with(&[(&name, &z)], CompressionMethod::Stored);
        }
    }
    z
}

// ---------------------------------------------------------------- git packs
//
// Pack files and their version-2 indexes written byte by byte
// (Documentation/gitformat-pack.txt), so that a test can store what no git
// would: a delta whose base is itself, an id listed twice, a hole of
// gigabytes between two objects.

/// Object types as a pack stores them.
pub const COMMIT: u8 = 1;
pub const TREE: u8 = 2;
pub const BLOB: u8 = 3;

/// One object of a hand-made pack.
pub enum PackObj {
    /// A whole object of a type, under `id` (normally its real id).
    Full {
        id: [u8; 20],
        kind: u8,
        data: Vec<u8>,
    },
    /// A ref-delta: `delta` against the object whose id is `base`.
    RefDelta {
        id: [u8; 20],
        base: [u8; 20],
        delta: Vec<u8>,
    },
    /// Raw bytes (header and all) claimed to be the object `id`.
    Raw { id: [u8; 20], bytes: Vec<u8> },
}

impl PackObj {
    fn id(&self) -> [u8; 20] {
        match self {
            PackObj::Full { id, .. } | PackObj::RefDelta { id, .. } | PackObj::Raw { id, .. } => {
                *id
            }
        }
    }
}

/// The git id of an object of `kind` ("blob", "tree", "commit").
pub fn git_id(kind: &str, data: &[u8]) -> [u8; 20] {
    use sha1::{Digest, Sha1};
    let mut h = Sha1::new();
    h.update(format!("{kind} {}\0", data.len()).as_bytes());
    h.update(data);
    h.finalize().into()
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A pack object header: type and (inflated) size.
pub fn obj_header(kind: u8, size: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let mut c = (kind << 4) | (size & 0x0f) as u8;
    let mut rest = size >> 4;
    while rest != 0 {
        out.push(c | 0x80);
        c = (rest & 0x7f) as u8;
        rest >>= 7;
    }
    out.push(c);
    out
}

/// An object's bytes as a pack stores it.
pub fn obj_bytes(o: &PackObj) -> Vec<u8> {
    match o {
        PackObj::Full { kind, data, .. } => {
            let mut b = obj_header(*kind, data.len() as u64);
            b.extend_from_slice(&zlib(data));
            b
        }
        PackObj::RefDelta { base, delta, .. } => {
            let mut b = obj_header(7, delta.len() as u64);
            b.extend_from_slice(base);
            b.extend_from_slice(&zlib(delta));
            b
        }
        PackObj::Raw { bytes, .. } => bytes.clone(),
    }
}

fn varint(mut n: u64, out: &mut Vec<u8>) {
    loop {
        let c = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(c);
            return;
        }
        out.push(c | 0x80);
    }
}

/// A delta from a `src_len`-byte base: copy (offset, length) runs and
/// literal inserts, producing `dst_len` bytes.
pub enum DeltaOp {
    Copy(u32, u32),
    Insert(Vec<u8>),
}

pub fn delta(src_len: u64, ops: &[DeltaOp]) -> Vec<u8> {
    let dst: u64 = ops
        .iter()
        .map(|o| match o {
            DeltaOp::Copy(_, n) => u64::from(*n),
            DeltaOp::Insert(b) => b.len() as u64,
        })
        .sum();
    let mut d = Vec::new();
    varint(src_len, &mut d);
    varint(dst, &mut d);
    for o in ops {
        match o {
            DeltaOp::Copy(off, len) => {
                let mut op = 0x80u8;
                let mut args = Vec::new();
                for k in 0..4 {
                    let b = (off >> (8 * k)) as u8;
                    if b != 0 {
                        op |= 1 << k;
                        args.push(b);
                    }
                }
                let len = if *len == 0x10000 { 0 } else { *len };
                for k in 0..3 {
                    let b = (len >> (8 * k)) as u8;
                    if b != 0 {
                        op |= 0x10 << k;
                        args.push(b);
                    }
                }
                d.push(op);
                d.extend_from_slice(&args);
            }
            DeltaOp::Insert(b) => {
                for piece in b.chunks(127) {
                    d.push(piece.len() as u8);
                    d.extend_from_slice(piece);
                }
            }
        }
    }
    d
}

/// A version-2 index for objects at `offsets` (parallel to `ids`), of a
/// pack whose trailer is `pack_sum`. Ids may repeat.
pub fn pack_index(ids: &[[u8; 20]], offsets: &[u64], crcs: &[u32], pack_sum: [u8; 20]) -> Vec<u8> {
    use sha1::{Digest, Sha1};
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by_key(|&i| ids[i]);
    let mut idx = vec![0xff, b't', b'O', b'c', 0, 0, 0, 2];
    for b in 0..256usize {
        let n = ids.iter().filter(|id| (id[0] as usize) <= b).count() as u32;
        idx.extend_from_slice(&n.to_be_bytes());
    }
    for &i in &order {
        idx.extend_from_slice(&ids[i]);
    }
    for &i in &order {
        idx.extend_from_slice(&crcs[i].to_be_bytes());
    }
    let mut large = Vec::new();
    for &i in &order {
        let off = offsets[i];
        if off < 0x8000_0000 {
            idx.extend_from_slice(&(off as u32).to_be_bytes());
        } else {
            let k = (large.len() / 8) as u32 | 0x8000_0000;
            idx.extend_from_slice(&k.to_be_bytes());
            large.extend_from_slice(&off.to_be_bytes());
        }
    }
    idx.extend_from_slice(&large);
    idx.extend_from_slice(&pack_sum);
    let sum: [u8; 20] = Sha1::digest(&idx).into();
    idx.extend_from_slice(&sum);
    idx
}

/// Write `objs` as `dir/pack-<name>.pack` and its `.idx`. Objects follow
/// each other, except that an object in `holes` (index → bytes) is
/// preceded by a hole of that many zero bytes (a sparse file).
pub fn write_pack(dir: &std::path::Path, name: &str, objs: &[PackObj], holes: &[(usize, u64)]) {
    use sha1::{Digest, Sha1};
    use std::io::{Seek, SeekFrom};
    std::fs::create_dir_all(dir).unwrap();
    let pack_path = dir.join(format!("pack-{name}.pack"));
    let mut f = std::fs::File::create(&pack_path).unwrap();
    let mut head = b"PACK".to_vec();
    head.extend_from_slice(&2u32.to_be_bytes());
    head.extend_from_slice(&(objs.len() as u32).to_be_bytes());
    f.write_all(&head).unwrap();
    let mut pos = head.len() as u64;
    let mut hash = Sha1::new();
    hash.update(&head);
    let (mut ids, mut offsets, mut crcs) = (Vec::new(), Vec::new(), Vec::new());
    for (i, o) in objs.iter().enumerate() {
        if let Some((_, gap)) = holes.iter().find(|(k, _)| *k == i) {
            pos += gap;
            f.seek(SeekFrom::Start(pos)).unwrap();
        }
        let b = obj_bytes(o);
        f.write_all(&b).unwrap();
        hash.update(&b);
        ids.push(o.id());
        offsets.push(pos);
        crcs.push(crc32fast::hash(&b));
        pos += b.len() as u64;
    }
    // (With a hole, the trailer is not the pack's real checksum: nothing
    // here reads the hole to compute it, and readers only compare it.)
    let sum: [u8; 20] = hash.finalize().into();
    f.write_all(&sum).unwrap();
    drop(f);
    let idx = pack_index(&ids, &offsets, &crcs, sum);
    std::fs::write(dir.join(format!("pack-{name}.idx")), idx).unwrap();
}

/// `data` xz-compressed (lzma-rust2, preset 6).
pub fn xz(data: &[u8]) -> Vec<u8> {
    let mut w =
        lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(6)).unwrap();
    w.write_all(data).unwrap();
    w.finish().unwrap()
}

/// `data` bzip2-compressed.
pub fn bzip2(data: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// `data` zstd-compressed (level 3).
pub fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).unwrap()
}
