//! Archives and app packages, opened in memory: the zip family (`.zip`,
//! `.apk`, `.aab`, `.ipa`, `.jar`, `.war`, `.xapk`, `.crx`, `.xpi`, `.vsix`,
//! `.whl`, `.nupkg`, and any other file that starts like a zip), Electron
//! `.asar`, `.tar`, and single compressed files and tarballs: gzip (`.gz`,
//! `.tgz`, `.tar.gz`), xz (`.xz`, `.txz`), bzip2 (`.bz2`, `.tbz2`) and zstd
//! (`.zst`, `.tzst`). Zip members compressed with bzip2, LZMA, xz or zstd
//! are read too.
//!
//! Position in the pipeline: the scan stage's [`Sink::blob`] asks [`sniff`]
//! about every blob before decoding it as text; when the first bytes say
//! "archive", [`expand`] reads the members and hands each one back to the
//! same [`Sink::blob`] with an [`Origin::Member`]. So a member goes through
//! exactly what a file goes through (text decoding, Android string pools,
//! source maps, notebooks, and archives again for nested packages), and it
//! makes no difference whether the archive came from the working tree or from
//! a blob in git history. Files that are not archives pay for a four-byte
//! comparison (and one more at offset 257 for tar).
//!
//! Archives are hostile input. Everything here is bounded: nesting depth
//! (at most [`MAX_DEPTH`], whatever the settings say), the uncompressed bytes
//! of one archive (the archives nested in it included: they share its
//! budget, see [`Unpacked`]) and of the whole scan, the expansion ratio of
//! every compressed member, and the member count. Every format counts: zip
//! members as they inflate, gzip output, tar members, asar members (entries
//! that point into bytes another entry covered are aliases: those bytes are
//! read once and the aliases named in one warning). Nothing is ever
//! written to disk (no `extract`, no `unpack`), so a member named
//! `../../.bashrc` cannot escape anything; it is still reported, because an
//! archive that carries one was built to attack whoever unpacks it. Every
//! problem (bomb, traversal, encryption, truncation, corruption) becomes one
//! message through [`Sink::error`] for the archive and the scan goes on.

use std::cell::Cell;
use std::io::{Cursor, Read};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::input::{Origin, Sink};
use crate::text;

/// Compressed members may always expand to this much, whatever the ratio:
/// small, very repetitive files (a minified bundle of zeros, a sparse table)
/// legitimately compress 1000:1.
const RATIO_FLOOR: u64 = 1 << 20;

/// The deepest nesting any setting may ask for (`--archive-depth`,
/// `[archives] max_depth`): each level is a stack frame chain and a buffer,
/// and real packages nest two or three deep (an apk in an xapk in a zip).
pub const MAX_DEPTH: usize = 16;

/// Never reserve more than this up front for a member, whatever its header
/// declares: the buffer grows with what is actually inflated.
const PREALLOC_MAX: u64 = 16 << 20;

/// Uncompressed bytes unpacked from one outermost archive, shared with the
/// archives nested in it (each level of compression counts, as it is
/// inflated): `--archive-max-bytes` bounds this, so an archive of archives
/// cannot multiply the budget by its nesting (a zip of 16 zips of 16 zips).
#[derive(Debug, Default)]
pub struct Unpacked {
    bytes: Cell<u64>,
    /// A budget ran out somewhere in the nest (reported there once): every
    /// archive of the nest stops.
    stopped: Cell<bool>,
}

impl Unpacked {
    /// Bytes unpacked so far.
    pub fn get(&self) -> u64 {
        self.bytes.get()
    }

    fn add(&self, n: u64) {
        self.bytes.set(self.bytes.get().saturating_add(n));
    }
}

/// Limits on what one scan unpacks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArchiveLimits {
    /// Open archives at all (`--no-archives` turns it off).
    pub enabled: bool,
    /// How many archives deep to go: 1 opens `a.zip` but not `a.zip!/b.zip`.
    pub max_depth: usize,
    /// Uncompressed bytes read from one archive.
    pub max_bytes: u64,
    /// Largest uncompressed/compressed ratio of a member (past
    /// [`RATIO_FLOOR`]).
    pub max_ratio: u64,
    /// Members of one archive.
    pub max_members: u64,
    /// Uncompressed bytes read from all archives of a scan.
    pub max_total: u64,
    /// A member that is not itself an archive is skipped past this size, as a
    /// file would be (`--max-file-size`).
    pub max_member_size: u64,
}

impl Default for ArchiveLimits {
    fn default() -> Self {
        ArchiveLimits {
            enabled: true,
            max_depth: 4,
            max_bytes: 256 << 20,
            max_ratio: 100,
            max_members: 100_000,
            max_total: 4 << 30,
            max_member_size: 16 << 20,
        }
    }
}

/// Counters shared by every archive of a scan (the per-scan limit and the
/// report's statistics).
#[derive(Debug, Default)]
pub struct ArchiveTotals {
    /// Archives opened.
    pub archives: AtomicU64,
    /// Members handed to the scan.
    pub members: AtomicU64,
    /// Uncompressed bytes read.
    pub bytes: AtomicU64,
}

/// Archive formats this module opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Zip,
    Gzip,
    Tar,
    Asar,
    Xz,
    Bzip2,
    Zstd,
}

/// What the first bytes say. Cheap: this runs on every blob.
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    let head = bytes.get(..4)?;
    match head {
        b"PK\x03\x04" | b"Cr24" => Some(Kind::Zip),
        [0x1f, 0x8b, 0x08, _] => Some(Kind::Gzip),
        [0xfd, b'7', b'z', b'X'] if bytes.get(4..6) == Some(b"Z\0") => Some(Kind::Xz),
        // `BZh`, the block size, then a block's or the end's magic.
        [b'B', b'Z', b'h', b'1'..=b'9']
            if matches!(
                bytes.get(4..10),
                Some(b"\x31\x41\x59\x26\x53\x59" | b"\x17\x72\x45\x38\x50\x90")
            ) =>
        {
            Some(Kind::Bzip2)
        }
        [0x28, 0xb5, 0x2f, 0xfd] => Some(Kind::Zstd),
        [4, 0, 0, 0] if is_asar(bytes) => Some(Kind::Asar),
        _ if bytes.get(257..262) == Some(b"ustar") => Some(Kind::Tar),
        _ => None,
    }
}

/// Electron's asar: a Chromium pickle whose first field is always 4 (the size
/// of the next field), then the header size, then a JSON index.
fn is_asar(bytes: &[u8]) -> bool {
    bytes.len() >= 16 && bytes[16..].starts_with(b"{\"files\"")
}

/// How many archives `origin` is inside of.
pub fn depth(origin: &Origin) -> usize {
    let mut d = 0;
    let mut cur = origin;
    while let Origin::Member { parent, .. } = cur {
        d += 1;
        cur = parent;
    }
    d
}

/// File names that say "archive": such members may be larger than
/// `max_member_size`, since they are opened rather than scanned as text.
pub fn archive_name(name: &str) -> bool {
    const EXT: &[&str] = &[
        ".zip", ".apk", ".aab", ".ipa", ".jar", ".war", ".ear", ".xapk", ".apks", ".crx", ".xpi",
        ".vsix", ".whl", ".nupkg", ".asar", ".tar", ".tgz", ".gz", ".xz", ".txz", ".bz2", ".tbz2",
        ".tbz", ".zst", ".tzst",
    ];
    let lower = name.to_ascii_lowercase();
    EXT.iter().any(|e| lower.ends_with(e))
}

/// Open the archive `bytes` (of the kind [`sniff`] found) and hand every
/// member to `sink` ([`Sink::member`]). `unpacked` is the budget of the
/// archive this one is nested in (`None` for an outermost archive: it gets
/// its own). Problems are reported to `sink` against the archive.
pub fn expand(
    kind: Kind,
    origin: &Origin,
    bytes: &[u8],
    limits: &ArchiveLimits,
    totals: &ArchiveTotals,
    unpacked: Option<&Unpacked>,
    sink: &dyn Sink,
) {
    let path = origin.display_path();
    // Whatever the limits say (they are validated, but the struct is
    // public), recursion through nested archives stops at MAX_DEPTH.
    let max_depth = limits.max_depth.min(MAX_DEPTH);
    if depth(origin) >= max_depth {
        let hint = if max_depth < MAX_DEPTH {
            "raise --archive-depth to open it"
        } else {
            "the deepest jikimi opens"
        };
        sink.skipped(
            &path,
            &format!("archive nested more than {max_depth} deep ({hint})"),
        );
        return;
    }
    if totals.bytes.load(Ordering::Relaxed) >= limits.max_total {
        sink.skipped(
            &path,
            "archive not opened: this scan already unpacked --archive-max-total bytes",
        );
        return;
    }
    let own = Unpacked::default();
    let unpacked = unpacked.unwrap_or(&own);
    if unpacked.stopped.get() {
        return; // the archive this one is in ran out of budget: said there
    }
    totals.archives.fetch_add(1, Ordering::Relaxed);
    let mut ex = Expander {
        origin,
        limits,
        totals,
        sink,
        unpacked,
        members: 0,
        traversal: Vec::new(),
        encrypted: Vec::new(),
        unsupported: Vec::new(),
        too_large: Vec::new(),
        aliases: Vec::new(),
    };
    let result = match kind {
        Kind::Zip => ex.zip(bytes),
        Kind::Gzip => ex.gzip(origin.leaf_path(), bytes),
        Kind::Tar => ex.tar(bytes, false),
        Kind::Asar => ex.asar(bytes),
        Kind::Xz | Kind::Bzip2 | Kind::Zstd => ex.decompress(kind, origin.leaf_path(), bytes),
    };
    // One message per kind of problem, with the first example.
    let mut problems = Vec::new();
    if let Err(Stop(msg)) = result
        && !msg.is_empty()
    {
        problems.push(msg);
    }
    let mut summarize = |list: &[String], what: &str| {
        if let Some(first) = list.first() {
            let more = if list.len() > 1 {
                format!(" (and {} more)", list.len() - 1)
            } else {
                String::new()
            };
            problems.push(format!("{what}: `{first}`{more}"));
        }
    };
    summarize(
        &ex.traversal,
        "member name points outside the archive (path traversal; an archive built to attack whoever unpacks it), not scanned",
    );
    summarize(
        &ex.encrypted,
        "encrypted member cannot be scanned without its password",
    );
    summarize(
        &ex.unsupported,
        "member uses a compression method jikimi does not read (it reads stored, deflate, bzip2, LZMA, xz and zstd), not scanned",
    );
    summarize(
        &ex.aliases,
        "entries point into bytes another entry already covers (aliased entries: no packer writes them, a hostile archive multiplies its payload so); those bytes were scanned once",
    );
    for p in problems {
        sink.error(&path, &p);
    }
    if let Some(first) = ex.too_large.first() {
        let more = ex.too_large.len() - 1;
        let more = if more > 0 {
            format!(" (and {more} more)")
        } else {
            String::new()
        };
        sink.skipped(
            &format!("{path}!/{first}"),
            &format!(
                "member larger than --max-file-size {} bytes{more}",
                limits.max_member_size
            ),
        );
    }
}

/// Why an archive was not read to its end (the message says what to do).
/// Empty when it was said already: a budget ran out in a nested archive, and
/// the archives around it stop quietly.
struct Stop(String);

struct Expander<'a> {
    origin: &'a Origin,
    limits: &'a ArchiveLimits,
    totals: &'a ArchiveTotals,
    sink: &'a dyn Sink,
    /// Uncompressed bytes read from the outermost archive so far.
    unpacked: &'a Unpacked,
    members: u64,
    traversal: Vec<String>,
    encrypted: Vec<String>,
    unsupported: Vec<String>,
    too_large: Vec<String>,
    /// Entries that point into bytes an earlier entry covered (asar).
    aliases: Vec<String>,
}

impl Expander<'_> {
    /// Hand one member to the sink (counting it against the member limit).
    fn emit(&mut self, name: &str, data: &[u8]) -> Result<(), Stop> {
        self.members += 1;
        if self.members > self.limits.max_members {
            return Err(Stop(format!(
                "more than {} members (--archive-max-members); the rest of the archive is not scanned",
                self.limits.max_members
            )));
        }
        self.totals.members.fetch_add(1, Ordering::Relaxed);
        let origin = Origin::Member {
            parent: Box::new(self.origin.clone()),
            member: name.to_string(),
        };
        self.sink.member(&origin, data, self.unpacked);
        if self.unpacked.stopped.get() {
            return Err(Stop(String::new()));
        }
        Ok(())
    }

    /// What may still be unpacked: (this archive's nest, the scan).
    fn left(&self) -> (u64, u64) {
        let archive_left = self.limits.max_bytes.saturating_sub(self.unpacked.get());
        let scan_left = self
            .limits
            .max_total
            .saturating_sub(self.totals.bytes.load(Ordering::Relaxed));
        (archive_left, scan_left)
    }

    fn count(&self, n: u64) {
        self.unpacked.add(n);
        self.totals.bytes.fetch_add(n, Ordering::Relaxed);
    }

    /// The error for `name` taking `n` bytes past the archive's or the
    /// scan's budget.
    /// The archives around this one stop too (quietly: this is the one
    /// message).
    fn over_budget(&self, name: &str, archive_left: u64, scan_left: u64) -> Stop {
        self.unpacked.stopped.set(true);
        let rest = match self.origin {
            Origin::Member { .. } => format!(
                "the rest of `{}` (the outermost archive) is not scanned",
                self.origin.root().display_path()
            ),
            _ => "the rest of the archive is not scanned".to_string(),
        };
        if archive_left <= scan_left {
            Stop(format!(
                "`{name}` takes the archive past --archive-max-bytes {} uncompressed (archives nested in one count toward it); {rest} (raise the limit to scan it)",
                self.limits.max_bytes
            ))
        } else {
            Stop(format!(
                "`{name}` takes the scan past --archive-max-total {} uncompressed bytes; {rest} (raise the limit to scan it)",
                self.limits.max_total
            ))
        }
    }

    /// Count a member that is a slice of bytes already in memory (asar, a
    /// tar read from disk): every read counts, so entries that alias one
    /// payload are charged each time.
    fn account(&mut self, name: &str, n: u64) -> Result<(), Stop> {
        let (archive_left, scan_left) = self.left();
        if n > archive_left.min(scan_left) {
            return Err(self.over_budget(name, archive_left, scan_left));
        }
        self.count(n);
        Ok(())
    }

    /// The most that `compressed` bytes may inflate to: `--archive-max-ratio`
    /// times, but always at least [`RATIO_FLOOR`].
    fn ratio_cap(&self, compressed: u64) -> u64 {
        compressed
            .saturating_mul(self.limits.max_ratio)
            .max(RATIO_FLOOR)
    }

    /// Checks that need only the member's name and declared sizes. `false`
    /// means "skip this member" (already recorded); an error stops the
    /// archive (a declared zip bomb).
    fn admit(&mut self, name: &str, declared: u64, compressed: Option<u64>) -> Result<bool, Stop> {
        if escapes(name) {
            self.traversal.push(name.to_string());
            return Ok(false);
        }
        if let Some(c) = compressed
            && declared > self.ratio_cap(c)
        {
            return Err(bomb(self.limits, name, declared, c));
        }
        if declared > self.limits.max_member_size && !archive_name(name) {
            self.too_large.push(name.to_string());
            return Ok(false);
        }
        Ok(true)
    }

    /// Read a compressed member, bounded by every limit that applies. The
    /// declared size is checked first (a bomb with honest headers is refused
    /// without inflating a byte); the actual output is capped too, since
    /// headers can lie.
    fn inflate(
        &mut self,
        name: &str,
        reader: impl Read,
        compressed: u64,
        declared: Option<u64>,
    ) -> Result<Vec<u8>, Stop> {
        let mut buf = Vec::new();
        match self.inflate_into(name, reader, compressed, declared, &mut buf)? {
            None => Ok(buf),
            Some(e) => Err(Stop(format!(
                "`{name}` cannot be read ({e}): the archive is truncated or corrupt; the rest is not scanned"
            ))),
        }
    }

    /// [`Self::inflate`], appending to `buf` (which may hold earlier output
    /// of the same member, counted against the ratio). A read error is
    /// returned as `Ok(Some(error))`, with what was inflated before it kept
    /// in `buf` and counted; a limit is an `Err`.
    fn inflate_into(
        &mut self,
        name: &str,
        reader: impl Read,
        compressed: u64,
        declared: Option<u64>,
        buf: &mut Vec<u8>,
    ) -> Result<Option<std::io::Error>, Stop> {
        let (archive_left, scan_left) = self.left();
        let ratio_cap = self.ratio_cap(compressed).saturating_sub(buf.len() as u64);
        let cap = archive_left.min(scan_left).min(ratio_cap);
        let before = buf.len() as u64;
        let over = |this: &Self, n: u64| -> Stop {
            if ratio_cap <= archive_left.min(scan_left) {
                bomb(this.limits, name, before + n, compressed)
            } else {
                this.over_budget(name, archive_left, scan_left)
            }
        };
        if let Some(d) = declared
            && d > cap
        {
            return Err(over(self, d));
        }
        buf.reserve(declared.unwrap_or(0).min(cap).min(PREALLOC_MAX) as usize);
        // One byte more than the cap tells "at the cap" from "past it".
        let read = reader.take(cap.saturating_add(1)).read_to_end(buf);
        let n = buf.len() as u64 - before;
        self.count(n);
        if n > cap {
            return Err(over(self, n));
        }
        Ok(read.err())
    }

    fn zip(&mut self, bytes: &[u8]) -> Result<(), Stop> {
        let bytes = match crx_payload(bytes) {
            Some(b) => b,
            None => return Err(Stop("corrupt Chrome extension (.crx) header".into())),
        };
        let mut za = match zip::ZipArchive::new(Cursor::new(bytes)) {
            Ok(z) => z,
            Err(e) => return self.zip_stream(bytes, &e),
        };
        for i in 0..za.len() {
            let meta = match za.by_index_raw(i) {
                Ok(f) => (
                    f.name().to_string(),
                    f.size(),
                    f.compressed_size(),
                    f.is_file() && !f.is_symlink(),
                    f.encrypted(),
                ),
                Err(e) => {
                    return Err(Stop(format!(
                        "corrupt zip entry #{i} ({e}); the rest of the archive is not scanned"
                    )));
                }
            };
            let (name, size, compressed, is_file, encrypted) = meta;
            if !is_file || !self.admit(&name, size, Some(compressed))? {
                continue;
            }
            if encrypted {
                self.encrypted.push(name);
                continue;
            }
            let data = match za.by_index(i) {
                Ok(f) => self.inflate(&name, f, compressed, Some(size))?,
                Err(zip::result::ZipError::UnsupportedArchive(_)) => {
                    self.unsupported.push(name);
                    continue;
                }
                Err(e) => {
                    return Err(Stop(format!(
                        "`{name}` cannot be read ({e}): the archive is truncated or corrupt; the rest is not scanned"
                    )));
                }
            };
            self.emit(&name, &data)?;
        }
        Ok(())
    }

    /// A zip without a readable central directory (a truncated download, a
    /// damaged file): read the local headers from the front for as long as
    /// they make sense, so the members before the damage are still scanned.
    fn zip_stream(&mut self, bytes: &[u8], why: &zip::result::ZipError) -> Result<(), Stop> {
        let mut cur = Cursor::new(bytes);
        let mut scanned = 0usize;
        let err = loop {
            let entry = match zip::read::read_zipfile_from_stream(&mut cur) {
                Ok(Some(f)) => f,
                Ok(None) => break None,
                Err(e) => break Some(e.to_string()),
            };
            let name = entry.name().to_string();
            let (size, compressed) = (entry.size(), entry.compressed_size());
            let admitted = match self.admit(&name, size, Some(compressed)) {
                Ok(a) => a,
                Err(Stop(m)) => break Some(m),
            };
            if !entry.is_file() || !admitted {
                continue; // dropping the entry skips its bytes
            }
            if entry.encrypted() {
                self.encrypted.push(name);
                continue;
            }
            let data = match self.inflate(&name, entry, compressed, Some(size)) {
                Ok(d) => d,
                Err(Stop(m)) => break Some(m),
            };
            scanned += 1;
            self.emit(&name, &data)?;
        };
        let detail = err.map_or(String::new(), |e| format!("; stopped at: {e}"));
        Err(Stop(format!(
            "truncated or corrupt zip ({why}); scanned the {scanned} member(s) readable before the damage{detail}"
        )))
    }

    /// A gzip file: every member of the stream (`cat a.gz b.gz` is valid
    /// gzip), as one output. Damage (a truncated stream, a bad checksum,
    /// trailing bytes that are not another member) keeps what was
    /// decompressed before it: that is scanned, and the error says where the
    /// stream stopped.
    fn gzip(&mut self, leaf: &str, bytes: &[u8]) -> Result<(), Stop> {
        let name = gz_inner_name(leaf);
        if let Some(data) = self.gzip_whole(bytes) {
            return self.gzip_payload(&name, &data);
        }
        let mut data = Vec::new();
        let mut rest = bytes;
        let mut damage = None;
        while !rest.is_empty() {
            let at = bytes.len() - rest.len();
            // Zeros after the stream are block padding (tape-style tools
            // write it): nothing to scan and nothing wrong.
            if rest.iter().all(|&b| b == 0) {
                break;
            }
            if !rest.starts_with(&[0x1f, 0x8b]) {
                damage = Some(format!(
                    "{} bytes after the gzip stream (at offset {at}) are not gzip and were ignored",
                    rest.len()
                ));
                break;
            }
            let mut dec = flate2::bufread::GzDecoder::new(rest);
            let err = self.inflate_into(&name, &mut dec, bytes.len() as u64, None, &mut data)?;
            if let Some(e) = err {
                damage = Some(format!(
                    "the gzip stream is damaged in the member at offset {at} ({e}): decompression stopped after {} bytes",
                    data.len()
                ));
                break;
            }
            let left = dec.into_inner();
            if left.len() == rest.len() {
                break; // nothing consumed: cannot happen with a valid member
            }
            rest = left;
        }
        let result = self.gzip_payload(&name, &data);
        match damage {
            Some(d) => Err(Stop(format!(
                "{d}; what was decompressed before that was scanned"
            ))),
            None => result,
        }
    }

    /// The fast path for the usual gzip file, one whole member: inflated
    /// in one call by libdeflate (about 1.5x zlib-rs's speed on real
    /// files, `benches/archives.sh`) into a buffer of the size its trailer
    /// states. Taken only when nothing can be lost: no second member can
    /// start anywhere (the bytes `1f 8b 08` occur only at the start), the
    /// stated size fits the budgets (so it bounds the allocation by the
    /// bytes present times the ratio cap), and the file's last eight bytes
    /// are the CRC and size of exactly what was inflated. Anything else
    /// (several members, padding, damage, a bomb) returns `None` and takes
    /// the streaming path, which reports it.
    fn gzip_whole(&mut self, bytes: &[u8]) -> Option<Vec<u8>> {
        const MAGIC: &[u8] = &[0x1f, 0x8b, 0x08];
        let (body, trailer) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
        if !body.starts_with(MAGIC) || memchr::memmem::find(&bytes[1..], MAGIC).is_some() {
            return None;
        }
        let crc = u32::from_le_bytes(trailer[..4].try_into().ok()?);
        let size = u64::from(u32::from_le_bytes(trailer[4..].try_into().ok()?));
        let (archive_left, scan_left) = self.left();
        if size
            > archive_left
                .min(scan_left)
                .min(self.ratio_cap(bytes.len() as u64))
        {
            return None;
        }
        let mut data = vec![0; usize::try_from(size).ok()?];
        let n = libdeflater::Decompressor::new()
            .gzip_decompress(bytes, &mut data)
            .ok()?;
        if n as u64 != size || crc32fast::hash(&data) != crc {
            return None;
        }
        self.count(size);
        Some(data)
    }

    /// An xz, bzip2 or zstd file (every stream or frame of it, as one
    /// output), within the same budgets and ratio cap as gzip. Damage keeps
    /// what was decompressed before it: that is scanned, and the error says
    /// where the stream stopped.
    fn decompress(&mut self, kind: Kind, leaf: &str, bytes: &[u8]) -> Result<(), Stop> {
        let name = gz_inner_name(leaf);
        let compressed = bytes.len() as u64;
        let mut data = Vec::new();
        let (what, err) = match kind {
            Kind::Xz => (
                "xz",
                self.inflate_into(
                    &name,
                    lzma_rust2::XzReader::new(bytes, true),
                    compressed,
                    None,
                    &mut data,
                )?,
            ),
            Kind::Bzip2 => (
                "bzip2",
                self.inflate_into(
                    &name,
                    bzip2::read::MultiBzDecoder::new(bytes),
                    compressed,
                    None,
                    &mut data,
                )?,
            ),
            _ => {
                let dec = zstd::stream::read::Decoder::with_buffer(bytes).and_then(|mut d| {
                    // A frame may ask for a window of up to 2 GiB: 32 MiB
                    // covers every level without --long, and bounds memory.
                    d.window_log_max(25)?;
                    Ok(d)
                });
                let err = match dec {
                    Ok(d) => self.inflate_into(&name, d, compressed, None, &mut data)?,
                    Err(e) => Some(e),
                };
                ("zstd", err)
            }
        };
        let result = self.gzip_payload(&name, &data);
        match err {
            Some(e) => Err(Stop(format!(
                "the {what} stream is damaged or unsupported ({e}): decompression stopped after {} bytes; what was decompressed before that was scanned",
                data.len()
            ))),
            None => result,
        }
    }

    fn gzip_payload(&mut self, name: &str, data: &[u8]) -> Result<(), Stop> {
        // `.tar.gz`: the tar's members are this archive's members (one level,
        // `app.tgz!/package/index.js`), as users think of them. They were
        // counted as the gzip layer inflated them.
        if sniff(data) == Some(Kind::Tar) {
            return self.tar(data, true);
        }
        if self.admit(name, data.len() as u64, None)? {
            self.emit(name, data)?;
        }
        Ok(())
    }

    /// A tar's members, slices of `bytes`. `counted`: `bytes` came out of
    /// the gzip layer, which counted them; otherwise (a `.tar` read from
    /// disk) each member counts as it is read.
    fn tar(&mut self, bytes: &[u8], counted: bool) -> Result<(), Stop> {
        let mut ar = tar::Archive::new(bytes);
        let entries = ar
            .entries()
            .map_err(|e| Stop(format!("corrupt tar header ({e})")))?;
        for entry in entries {
            let mut entry = entry.map_err(|e| {
                Stop(format!(
                    "truncated or corrupt tar ({e}); the rest of the archive is not scanned"
                ))
            })?;
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let size = entry.size();
            if !self.admit(&name, size, None)? {
                continue;
            }
            if !counted {
                self.account(&name, size.min(bytes.len() as u64))?;
            }
            let mut data = Vec::with_capacity(size.min(bytes.len() as u64) as usize);
            entry.read_to_end(&mut data).map_err(|e| {
                Stop(format!(
                    "`{name}` cannot be read ({e}): the tar is truncated; the rest is not scanned"
                ))
            })?;
            self.emit(&name, &data)?;
        }
        Ok(())
    }

    fn asar(&mut self, bytes: &[u8]) -> Result<(), Stop> {
        let corrupt = |what: &str| Stop(format!("corrupt asar archive ({what})"));
        let header_size = u32_le(bytes, 4).ok_or_else(|| corrupt("no header size"))? as usize;
        let json_len = u32_le(bytes, 12).ok_or_else(|| corrupt("no index size"))? as usize;
        let json = bytes
            .get(16..16usize.saturating_add(json_len))
            .ok_or_else(|| corrupt("the index runs past the end of the file"))?;
        let index: serde_json::Value = serde_json::from_slice(json)
            .map_err(|e| corrupt(&format!("the index is not JSON: {e}")))?;
        let base = 8usize.saturating_add(header_size);
        let mut files = Vec::new();
        asar_files(&index["files"], "", &mut files, 0);
        // Entries are read in the order of their offsets, and an entry that
        // points into bytes an earlier one covered is an alias: a packer
        // never writes one, but a hostile archive can point thousands of
        // entries at one payload. Only bytes not read yet are read (so each
        // byte of the archive is scanned once); the aliases are named in
        // one warning.
        files.sort_by_key(|f| f.1);
        let mut read_to = 0u64;
        for (name, offset, size) in files {
            if !self.admit(&name, size, None)? {
                continue;
            }
            let end = offset.saturating_add(size);
            let offset = if size > 0 && offset < read_to {
                self.aliases.push(name.clone());
                if end <= read_to {
                    continue;
                }
                read_to
            } else {
                offset
            };
            let (start, stop) = (
                base.saturating_add(offset as usize),
                base.saturating_add(end as usize),
            );
            let Some(data) = bytes.get(start..stop) else {
                return Err(Stop(format!(
                    "`{name}` lies past the end of the archive: the asar is truncated; the rest is not scanned"
                )));
            };
            read_to = read_to.max(end);
            self.account(&name, data.len() as u64)?;
            self.emit(&name, data)?;
        }
        Ok(())
    }
}

fn bomb(limits: &ArchiveLimits, name: &str, n: u64, compressed: u64) -> Stop {
    Stop(format!(
        "`{name}` expands {}x its compressed size ({n} bytes from {compressed}), more than --archive-max-ratio {}: looks like a zip bomb; the rest of the archive is not scanned",
        n / compressed.max(1),
        limits.max_ratio
    ))
}

/// The members of an asar index, depth first, in index order: (path, offset,
/// size). Unpacked members live outside the archive (`app.asar.unpacked/`,
/// scanned as files) and links have no bytes.
fn asar_files(node: &serde_json::Value, prefix: &str, out: &mut Vec<(String, u64, u64)>, d: usize) {
    let Some(map) = node.as_object() else { return };
    if d > 64 {
        return;
    }
    for (name, entry) in map {
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        if let Some(children) = entry.get("files") {
            asar_files(children, &path, out, d + 1);
            continue;
        }
        if entry.get("unpacked").and_then(|v| v.as_bool()) == Some(true)
            || entry.get("link").is_some()
        {
            continue;
        }
        // Offsets are strings (they may exceed 2^53); sizes are numbers.
        let offset = match &entry["offset"] {
            serde_json::Value::String(s) => s.parse().ok(),
            v => v.as_u64(),
        };
        if let (Some(offset), Some(size)) = (offset, entry["size"].as_u64()) {
            out.push((path, offset, size));
        }
    }
}

/// The zip inside a Chrome extension (`Cr24` header, version 2 or 3), or the
/// bytes themselves for a plain zip. `None` for a damaged CRX header.
fn crx_payload(bytes: &[u8]) -> Option<&[u8]> {
    if !bytes.starts_with(b"Cr24") {
        return Some(bytes);
    }
    let start = match u32_le(bytes, 4)? {
        2 => 16usize
            .checked_add(u32_le(bytes, 8)? as usize)?
            .checked_add(u32_le(bytes, 12)? as usize)?,
        3 => 12usize.checked_add(u32_le(bytes, 8)? as usize)?,
        _ => return None,
    };
    bytes.get(start..)
}

fn u32_le(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// The name of what a compressed file holds: `config.json.gz` →
/// `config.json`, `app.tgz` → `app.tar`, `config.env.xz` → `config.env`.
fn gz_inner_name(leaf: &str) -> String {
    let name = leaf.rsplit('/').next().unwrap_or(leaf);
    let strip = |suffix| text::strip_suffix_ignore_case(name, suffix).filter(|s| !s.is_empty());
    if let Some(stem) = [".tgz", ".txz", ".tbz2", ".tbz", ".tzst"]
        .iter()
        .find_map(|s| strip(s))
    {
        format!("{stem}.tar")
    } else if let Some(stem) = [".gz", ".gzip", ".xz", ".bz2", ".zst", ".zstd"]
        .iter()
        .find_map(|s| strip(s))
    {
        stem.to_string()
    } else {
        format!("{name}.out")
    }
}

/// A member name that would land outside the folder it is unpacked into:
/// absolute, a drive letter, or a `..` component.
fn escapes(name: &str) -> bool {
    let n = name.replace('\\', "/");
    n.starts_with('/')
        || n.as_bytes().get(1) == Some(&b':')
        || n.split('/').any(|part| part == "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_magic() {
        assert_eq!(sniff(b"PK\x03\x04rest"), Some(Kind::Zip));
        assert_eq!(sniff(b"\x1f\x8b\x08\x00rest"), Some(Kind::Gzip));
        assert_eq!(sniff(b"plain text"), None);
        assert_eq!(sniff(b"PK"), None);
        assert_eq!(sniff(b"\xfd7zXZ\0\0\x04"), Some(Kind::Xz));
        assert_eq!(sniff(b"BZh91AY&SY\0"), Some(Kind::Bzip2));
        assert_eq!(sniff(b"BZh9 plain"), None);
        assert_eq!(sniff(b"\x28\xb5\x2f\xfd\0"), Some(Kind::Zstd));
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(sniff(&tar), Some(Kind::Tar));
        let mut asar = vec![4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        asar.extend_from_slice(b"{\"files\":{}}");
        assert_eq!(sniff(&asar), Some(Kind::Asar));
    }

    #[test]
    fn traversal_names() {
        assert!(escapes("../../etc/passwd"));
        assert!(escapes("/etc/passwd"));
        assert!(escapes("a/../../b"));
        assert!(escapes("C:\\Windows\\x"));
        assert!(escapes("..\\x"));
        assert!(!escapes("assets/config.json"));
        assert!(!escapes("a/..b/c"));
    }

    #[test]
    fn gzip_names() {
        assert_eq!(gz_inner_name("dist/config.json.gz"), "config.json");
        assert_eq!(gz_inner_name("app.tgz"), "app.tar");
        assert_eq!(gz_inner_name("blob"), "blob.out");
        assert_eq!(gz_inner_name("config.env.xz"), "config.env");
        assert_eq!(gz_inner_name("r.tbz2"), "r.tar");
        assert_eq!(gz_inner_name("r.tar.zst"), "r.tar");
    }

    #[test]
    fn crx_headers() {
        let mut v3 = b"Cr24".to_vec();
        v3.extend_from_slice(&3u32.to_le_bytes());
        v3.extend_from_slice(&2u32.to_le_bytes());
        v3.extend_from_slice(b"xxPK\x03\x04");
        assert_eq!(crx_payload(&v3), Some(&b"PK\x03\x04"[..]));
        assert_eq!(crx_payload(b"Cr24\x09\x00\x00\x00"), None);
        assert_eq!(crx_payload(b"PK\x03\x04"), Some(&b"PK\x03\x04"[..]));
    }
}
