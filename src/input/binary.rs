//! Binary files read as `strings` would show them: executables and
//! libraries (ELF, Mach-O, PE, .NET assemblies), compiled code (Java
//! `.class`, Python `.pyc`, WebAssembly), SQLite databases and any binary
//! this module does not recognise. A key compiled into any of them is a run
//! of printable bytes (ASCII, or UTF-16LE in .NET user strings and Windows
//! resources), and anyone with the file can list those runs.
//!
//! Position in the pipeline: the collector asks [`kind`] about a blob that
//! decoding found binary (archives, dex, Android resources and binary plists
//! were tried first). Media (images, fonts, audio, video) are recognised by
//! their magic bytes and passed over, counted: their bytes are compressed
//! samples, never configuration. Anything else goes through [`strings`],
//! and the collector runs the result through the binary matcher: only rules
//! that recognise a provider's format or a keyword-anchored assignment, so
//! random bytes never produce a finding.

use super::budget::Budget;

/// What kind of binary a blob is, by its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Elf,
    MachO,
    Pe,
    DotNet,
    JavaClass,
    Pyc,
    Wasm,
    Sqlite,
    /// Images, fonts, audio, video: passed over.
    Media(&'static str),
    /// A binary none of the above: read as strings too.
    Other,
}

impl Kind {
    /// How a report names it: "an ELF executable or library".
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Elf => "an ELF executable or library",
            Kind::MachO => "a Mach-O executable or library",
            Kind::Pe => "a Windows executable or DLL",
            Kind::DotNet => "a .NET assembly",
            Kind::JavaClass => "a compiled Java class",
            Kind::Pyc => "a compiled Python file (.pyc)",
            Kind::Wasm => "a WebAssembly module",
            Kind::Sqlite => "a SQLite database",
            Kind::Media(_) => "a media file",
            Kind::Other => "a binary file",
        }
    }

    /// Whether it holds data rather than code (a database).
    pub fn is_data(self) -> bool {
        self == Kind::Sqlite
    }
}

/// What the first bytes say about a binary blob. Cheap except for PE files,
/// which are searched for the .NET metadata signature.
pub fn kind(bytes: &[u8]) -> Kind {
    let b = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let at = |i: usize, s: &[u8]| bytes.get(i..i + s.len()) == Some(s);
    let u32be = |i: usize| u32::from_be_bytes([b(i), b(i + 1), b(i + 2), b(i + 3)]);
    if at(0, b"\x7fELF") {
        return Kind::Elf;
    }
    if at(0, b"\xfe\xed\xfa\xce")
        || at(0, b"\xfe\xed\xfa\xcf")
        || at(0, b"\xce\xfa\xed\xfe")
        || at(0, b"\xcf\xfa\xed\xfe")
    {
        return Kind::MachO;
    }
    if at(0, b"\xca\xfe\xba\xbe") {
        // A Java class and a universal (fat) Mach-O share the magic: a fat
        // binary then counts its architectures (a few), a class states its
        // version (major 45 and up).
        return if u32be(4) < 45 {
            Kind::MachO
        } else {
            Kind::JavaClass
        };
    }
    if at(0, b"MZ") {
        // .NET metadata starts with the `BSJB` signature.
        return if memchr::memmem::find(bytes, b"BSJB").is_some() {
            Kind::DotNet
        } else {
            Kind::Pe
        };
    }
    if at(0, b"\0asm") {
        return Kind::Wasm;
    }
    if at(0, b"SQLite format 3\0") {
        return Kind::Sqlite;
    }
    // CPython's magic: a 16-bit version number, then `\r\n`.
    if at(2, b"\r\n") && bytes.len() >= 16 {
        let v = u16::from_le_bytes([b(0), b(1)]);
        if (3000..4000).contains(&v) || v == 62211 {
            return Kind::Pyc;
        }
    }
    if let Some(what) = media(bytes) {
        return Kind::Media(what);
    }
    Kind::Other
}

/// Media formats by magic bytes.
fn media(bytes: &[u8]) -> Option<&'static str> {
    let at = |i: usize, s: &[u8]| bytes.get(i..i + s.len()) == Some(s);
    const IMAGE: &str = "image";
    const FONT: &str = "font";
    const AUDIO: &str = "audio";
    const VIDEO: &str = "video";
    let found = if at(0, b"\x89PNG\r\n\x1a\n")
        || at(0, b"\xff\xd8\xff")
        || at(0, b"GIF87a")
        || at(0, b"GIF89a")
        || at(0, b"RIFF") && at(8, b"WEBP")
        || at(0, b"II*\0")
        || at(0, b"MM\0*")
        || at(0, b"\0\0\x01\0")
        || at(0, b"8BPS")
        || at(4, b"ftypavif")
        || at(4, b"ftypheic")
        || at(4, b"ftypmif1")
    {
        IMAGE
    } else if at(0, b"OTTO")
        || at(0, b"\0\x01\0\0")
        || at(0, b"true")
        || at(0, b"wOFF")
        || at(0, b"wOF2")
        || at(0, b"ttcf")
    {
        FONT
    } else if at(0, b"ID3")
        || at(0, b"fLaC")
        || at(0, b"OggS")
        || at(0, b"MThd")
        || at(0, b"RIFF") && at(8, b"WAVE")
        || at(0, b"\xff\xfb")
        || at(0, b"\xff\xf3")
        || at(0, b"\xff\xf1")
    {
        AUDIO
    } else if at(4, b"ftyp")
        || at(0, b"\x1a\x45\xdf\xa3")
        || at(0, b"FLV\x01")
        || at(0, b"RIFF") && at(8, b"AVI ")
    {
        VIDEO
    } else {
        return None;
    };
    Some(found)
}

/// The text values of a SQLite database, one per line: each table and
/// index leaf page's cells are decoded as records (a row's columns are
/// stored back to back, so `strings` would glue a key to the column before
/// it). Only the part of a record stored on its page is read (overflow
/// pages are not followed). `None` when no page parses (a damaged file):
/// then [`strings`] reads it.
pub fn sqlite_text(bytes: &[u8], budget: &mut Budget) -> Option<Vec<u8>> {
    const WHAT: &str = "SQLite text";
    let page_size = match u16::from_be_bytes([*bytes.get(16)?, *bytes.get(17)?]) {
        1 => 65536,
        n if n >= 512 && n.is_power_of_two() => usize::from(n),
        _ => return None,
    };
    let mut out = Vec::new();
    let mut cells = 0usize;
    for (i, page) in bytes.chunks(page_size).enumerate() {
        let header = if i == 0 { 100 } else { 0 };
        let kind = page.get(header).copied();
        if !matches!(kind, Some(0x0d | 0x0a)) {
            continue;
        }
        let count = be16(page, header + 3).unwrap_or(0);
        for c in 0..count {
            let Some(at) = be16(page, header + 8 + 2 * c) else {
                break;
            };
            let Some(cell) = page.get(at..) else { continue };
            // Table leaf: payload size, rowid, payload; index leaf: payload
            // size, payload.
            let Some((_, mut n)) = varint(cell) else {
                continue;
            };
            if kind == Some(0x0d) {
                let Some((_, m)) = cell.get(n..).and_then(varint) else {
                    continue;
                };
                n += m;
            }
            cells += 1;
            for value in record_texts(&cell[n..]) {
                if value.len() < MIN_RUN {
                    continue;
                }
                if !budget.charge(value.len() + 1, WHAT) {
                    return Some(out);
                }
                out.extend_from_slice(value);
                out.push(b'\n');
            }
        }
    }
    (cells > 0).then_some(out)
}

/// The strings of a Java class file's constant pool, one per line (a
/// `CONSTANT_Utf8` entry is a length and the bytes, so `strings` would glue
/// a length byte that happens to be a letter to the front of a key). `None`
/// when the pool does not parse: then [`strings`] reads the file.
pub fn class_text(bytes: &[u8], budget: &mut Budget) -> Option<Vec<u8>> {
    const WHAT: &str = "class constants";
    let count = be16(bytes, 8)?;
    let mut at = 10;
    let mut out = Vec::new();
    let mut slot = 1;
    while slot < count {
        let tag = *bytes.get(at)?;
        let size = match tag {
            1 => {
                let len = be16(bytes, at + 1)?;
                let value = bytes.get(at + 3..at + 3 + len)?;
                if len >= MIN_RUN {
                    if !budget.charge(len + 1, WHAT) {
                        return Some(out);
                    }
                    out.extend_from_slice(value);
                    out.push(b'\n');
                }
                3 + len
            }
            3 | 4 | 9..=12 | 17 | 18 => 5,
            5 | 6 => {
                slot += 1; // longs and doubles take two slots
                9
            }
            7 | 8 | 16 | 19 | 20 => 3,
            15 => 4,
            _ => return None,
        };
        at += size;
        slot += 1;
    }
    Some(out)
}

/// The strings of a `.pyc` (Python's marshal format), one per line: each
/// string object is a type byte and a length, then the characters, and the
/// next object's type byte (`N`, `)`, `Z`...) is often a letter that
/// `strings` would glue to the end of a key. Every place that reads as a
/// whole string object of printable text is taken (the format has no index
/// to walk without decoding code objects), and the search goes on after it.
pub fn pyc_text(bytes: &[u8], budget: &mut Budget) -> Vec<u8> {
    const WHAT: &str = "pyc strings";
    let mut out = Vec::new();
    let mut at = 16;
    while at < bytes.len() {
        let t = bytes[at] & 0x7f;
        let (len, head) = match t {
            b'z' | b'Z' => (bytes.get(at + 1).map(|&n| usize::from(n)), 2),
            b'a' | b'A' | b'u' | b't' | b's' => (
                bytes
                    .get(at + 1..at + 5)
                    .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize),
                5,
            ),
            _ => (None, 0),
        };
        let value = len
            .filter(|&n| n >= MIN_RUN)
            .and_then(|n| bytes.get(at + head..at + head + n))
            .filter(|v| v.iter().all(|&b| printable(b)));
        match value {
            Some(v) => {
                if !budget.charge(v.len() + 1, WHAT) {
                    return out;
                }
                out.extend_from_slice(v);
                out.push(b'\n');
                at += head + v.len();
            }
            None => at += 1,
        }
    }
    out
}

fn be16(b: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_be_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
    ])))
}

/// A SQLite varint: (value, bytes used).
fn varint(b: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for i in 0..9 {
        let byte = *b.get(i)?;
        if i == 8 {
            return Some(((v << 8) | u64::from(byte), 9));
        }
        v = (v << 7) | u64::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

/// The text and blob values of a record (cut at the end of `rec`).
fn record_texts(rec: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let Some((hsize, mut h)) = varint(rec) else {
        return out;
    };
    let hsize = usize::try_from(hsize).unwrap_or(usize::MAX).min(rec.len());
    let mut body = hsize;
    while h < hsize {
        let Some((t, n)) = rec.get(h..hsize).and_then(varint) else {
            break;
        };
        h += n;
        let len = match t {
            0 | 8 | 9 => 0,
            1..=4 => t as usize,
            5 => 6,
            6 | 7 => 8,
            t if t >= 12 => usize::try_from((t - 12) / 2).unwrap_or(usize::MAX),
            _ => 0,
        };
        let end = body.saturating_add(len).min(rec.len());
        if t >= 12 && body < end {
            out.push(&rec[body..end]);
        }
        body = end;
    }
    out
}

/// The source file a compiled file was compiled from, by the compilers'
/// naming: `a/m.pyc` and `a/__pycache__/m.cpython-312.pyc` from `a/m.py`,
/// `a/M.class` and `a/M$Inner.class` from `a/M.java`. `None` for any other
/// name.
pub fn source_path(path: &str) -> Option<String> {
    let (dir, name) = match path.rsplit_once('/') {
        Some((d, n)) => (Some(d), n),
        None => (None, path),
    };
    let join = |dir: Option<&str>, name: String| match dir {
        Some(d) if !d.is_empty() => format!("{d}/{name}"),
        _ => name,
    };
    if let Some(stem) = name.strip_suffix(".pyc") {
        return match dir.and_then(|d| {
            d.strip_suffix("__pycache__")
                .filter(|p| p.is_empty() || p.ends_with('/'))
        }) {
            Some(parent) => {
                let module = stem.split('.').next().unwrap_or(stem);
                Some(join(
                    Some(parent.trim_end_matches('/')),
                    format!("{module}.py"),
                ))
            }
            None => Some(join(dir, format!("{stem}.py"))),
        };
    }
    let stem = name.strip_suffix(".class")?;
    let outer = stem.split('$').next().unwrap_or(stem);
    Some(join(dir, format!("{outer}.java")))
}

/// Whether `path` names a compiled file (`.pyc`, `.class`): its findings
/// are locations of the source's ([`source_path`]).
pub fn compiled_path(path: &str) -> bool {
    path.ends_with(".pyc") || path.ends_with(".class")
}

/// The shortest run reported. `strings` defaults to 4; keys are 16
/// characters and more, and an assignment (`API_KEY=...`) sits in one run,
/// so 8 keeps the noise of short runs out at no cost in keys.
pub const MIN_RUN: usize = 8;

/// Printable ASCII (and tab, CR, LF: an embedded `.env` keeps its lines).
fn printable(b: u8) -> bool {
    (0x20..0x7f).contains(&b) || matches!(b, b'\t' | b'\n' | b'\r')
}

/// The runs of at least [`MIN_RUN`] printable ASCII characters of `bytes`,
/// then those of UTF-16LE characters (at either byte alignment), each
/// followed by a newline: what `strings` and `strings -el` print. The output
/// is charged to `budget` (it is at most about the input's size).
pub fn strings(bytes: &[u8], budget: &mut Budget) -> Vec<u8> {
    let mut all = Vec::new();
    strings_each(bytes, budget, usize::MAX, &mut |piece| {
        all.extend_from_slice(piece)
    });
    all
}

/// [`strings`] handed to `emit` in pieces of about `piece` bytes, each
/// ending at a line end, so that a binary of any size is matched with one
/// piece in memory beside its bytes, not a copy of its text.
pub fn strings_each(bytes: &[u8], budget: &mut Budget, piece: usize, emit: &mut dyn FnMut(&[u8])) {
    const WHAT: &str = "strings of the binary";
    let mut out = Vec::with_capacity(piece.min(bytes.len() / 2 + 16));
    let mut flush = |out: &mut Vec<u8>, at_least: usize| {
        if !out.is_empty() && out.len() >= at_least {
            emit(out);
            out.clear();
        }
    };
    // ASCII runs.
    let ascii = Runs::new(bytes.len(), |k| PRINTABLE[usize::from(bytes[k])]);
    for (s, e) in ascii {
        if !push_slice(&bytes[s..e], &mut out, budget, WHAT) {
            flush(&mut out, 0);
            return;
        }
        flush(&mut out, piece);
    }
    // UTF-16LE runs: a printable byte, then a NUL, at either byte alignment,
    // in the order they end. Decoded runs are ASCII.
    let utf16 = |a: usize| {
        let units = bytes.len().saturating_sub(a) / 2;
        Runs::new(units, move |k| {
            let i = a + 2 * k;
            bytes[i + 1] == 0 && PRINTABLE[usize::from(bytes[i])]
        })
        .map(move |(s, e)| (a + 2 * s, a + 2 * e))
    };
    let (mut even, mut odd) = (utf16(0).peekable(), utf16(1).peekable());
    loop {
        let next = match (even.peek(), odd.peek()) {
            (Some(x), Some(y)) if x.1 <= y.1 => even.next(),
            (Some(_), Some(_)) | (None, Some(_)) => odd.next(),
            (Some(_), None) => even.next(),
            (None, None) => None,
        };
        let Some((s, e)) = next else { break };
        let run = bytes[s..e].iter().step_by(2).copied();
        if !push_run(run, (e - s) / 2, &mut out, budget, WHAT) {
            flush(&mut out, 0);
            return;
        }
        flush(&mut out, piece);
    }
    flush(&mut out, 0);
}

/// The runs of at least [`MIN_RUN`] units `0..len` for which `good` holds,
/// as `(start, end)`, in order. Each step looks at the last unit a run
/// starting at the cursor would need: where it is bad (most places in
/// machine code), no run of [`MIN_RUN`] can start before it and the cursor
/// jumps past it, so most units are never looked at.
struct Runs<F> {
    len: usize,
    /// Units before `at` are done; `at` is 0 or follows a bad unit.
    at: usize,
    good: F,
}

impl<F: Fn(usize) -> bool> Runs<F> {
    fn new(len: usize, good: F) -> Self {
        Runs { len, at: 0, good }
    }
}

impl<F: Fn(usize) -> bool> Iterator for Runs<F> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        loop {
            let probe = self.at + MIN_RUN - 1;
            if probe >= self.len {
                self.at = self.len;
                return None;
            }
            if !(self.good)(probe) {
                self.at = probe + 1;
                continue;
            }
            // The last bad unit before the probe, if any: a run starts after it.
            if let Some(bad) = (self.at..probe).rev().find(|&k| !(self.good)(k)) {
                self.at = bad + 1;
                continue;
            }
            let start = self.at;
            let mut end = probe + 1;
            while end < self.len && (self.good)(end) {
                end += 1;
            }
            self.at = (end + 1).min(self.len);
            return Some((start, end));
        }
    }
}

/// Whether an executable was built by Go (1.13 and later): its build
/// information header, `\xff Go buildinf:` at the 16-byte aligned start of
/// its own section, then the pointer size (4 or 8) and a flags byte. The
/// magic alone is not enough: a program that looks for Go binaries (jikimi
/// itself) holds it as a string literal.
pub fn is_go(bytes: &[u8]) -> bool {
    const MAGIC: &[u8] = b"\xff Go buildinf:";
    memchr::memmem::find_iter(bytes, MAGIC).any(|at| {
        at % 16 == 0
            && matches!(bytes.get(at + MAGIC.len()), Some(4 | 8))
            && bytes.get(at + MAGIC.len() + 1).is_some_and(|f| f & !3 == 0)
    })
}

/// Go keeps its string literals back to back in read-only data, with no NUL
/// between them, so `strings` shows a key glued to the string before it
/// (`request canceledsk-proj-…`) and a rule anchored at a word boundary
/// does not see it start. A line break is put before every place one of
/// `starts` (the keywords of the rules that read binaries) begins right
/// after a letter or digit. What follows the key is not separated: a key
/// directly followed by a string that starts with a letter or digit is
/// still found by rules whose format has no fixed end, with those
/// characters attached (docs/inputs.md).
pub fn split_glued(text: &[u8], starts: &aho_corasick::AhoCorasick) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 64);
    let mut from = 0;
    for m in starts.find_iter(text) {
        let s = m.start();
        if s > from && text.get(s - 1).is_some_and(u8::is_ascii_alphanumeric) {
            out.extend_from_slice(text.get(from..s).unwrap_or(&[]));
            out.push(b'\n');
            from = s;
        }
    }
    out.extend_from_slice(text.get(from..).unwrap_or(&[]));
    out
}

/// Printable ASCII, tab, CR and LF, as a table.
const PRINTABLE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b >= 0x20 && b < 0x7f) || b == 9 || b == 10 || b == 13;
        b += 1;
    }
    t
};

/// [`push_run`] for a run of ASCII bytes, copied as a slice.
fn push_slice(run: &[u8], out: &mut Vec<u8>, budget: &mut Budget, what: &'static str) -> bool {
    let n = budget.take(run.len() + 1, what);
    if n == 0 {
        return false;
    }
    out.extend_from_slice(run.get(..n - 1).unwrap_or(run));
    out.push(b'\n');
    n == run.len() + 1
}

/// Append a run of `len` characters and a newline, within `budget`; `false`
/// when the budget ran out (what fitted was appended).
fn push_run(
    run: impl Iterator<Item = u8>,
    len: usize,
    out: &mut Vec<u8>,
    budget: &mut Budget,
    what: &'static str,
) -> bool {
    let n = budget.take(len + 1, what);
    if n == 0 {
        return false;
    }
    out.extend(run.take(n - 1));
    out.push(b'\n');
    n == len + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_strings_are_split_before_a_key_prefix() {
        let ac = aho_corasick::AhoCorasick::new(["sk-proj-", "AKIA"]).unwrap();
        let text = b"request canceledsk-proj-abc\nxAKIAB and AKIAC\n";
        assert_eq!(
            split_glued(text, &ac),
            b"request canceled\nsk-proj-abc\nx\nAKIAB and AKIAC\n".to_vec()
        );
        assert!(is_go(b"\x7fELF............\xff Go buildinf:\x08\x02"));
        // Not aligned, or not followed by a pointer size: a string literal.
        assert!(!is_go(b"\x7fELF.............\xff Go buildinf:\x08\x02"));
        assert!(!is_go(b"\x7fELF............\xff Go buildinf:Go build ID"));
    }

    #[test]
    fn kinds_by_magic() {
        assert_eq!(kind(b"\x7fELF\x02\x01\x01\0"), Kind::Elf);
        assert_eq!(kind(b"\xcf\xfa\xed\xfe\x07\0\0\x01"), Kind::MachO);
        assert_eq!(kind(b"\xca\xfe\xba\xbe\0\0\0\x02"), Kind::MachO);
        assert_eq!(kind(b"\xca\xfe\xba\xbe\0\0\0\x41"), Kind::JavaClass);
        assert_eq!(kind(b"MZ\x90\0\x03\0\0\0"), Kind::Pe);
        assert_eq!(kind(b"MZ\x90\0....BSJB\x01\0"), Kind::DotNet);
        assert_eq!(kind(b"\0asm\x01\0\0\0"), Kind::Wasm);
        assert_eq!(kind(b"SQLite format 3\0\x10\0"), Kind::Sqlite);
        assert_eq!(kind(b"\xcb\x0d\r\n\0\0\0\0\0\0\0\0\0\0\0\0"), Kind::Pyc);
        assert_eq!(kind(b"\x89PNG\r\n\x1a\n\0\0"), Kind::Media("image"));
        assert_eq!(kind(b"\xff\xd8\xff\xe0\0\x10JFIF"), Kind::Media("image"));
        assert_eq!(kind(b"wOF2\0\x01"), Kind::Media("font"));
        assert_eq!(kind(b"\0\0\0\x20ftypisom"), Kind::Media("video"));
        assert_eq!(kind(b"\x01\x02\x03\x04\0\0"), Kind::Other);
    }

    #[test]
    fn sources_of_compiled_files() {
        assert_eq!(source_path("a/m.pyc").as_deref(), Some("a/m.py"));
        assert_eq!(
            source_path("a/__pycache__/m.cpython-312.pyc").as_deref(),
            Some("a/m.py")
        );
        assert_eq!(
            source_path("__pycache__/m.cpython-312.pyc").as_deref(),
            Some("m.py")
        );
        assert_eq!(source_path("M.class").as_deref(), Some("M.java"));
        assert_eq!(source_path("x/M$Inner.class").as_deref(), Some("x/M.java"));
        assert_eq!(source_path("x/server"), None);
    }

    #[test]
    fn ascii_and_utf16_runs() {
        let mut b = b"\x7fELF\0\x01short\0a-long-enough-run\0\x02".to_vec();
        b.extend("ApiKeyValue1".encode_utf16().flat_map(u16::to_le_bytes));
        b.push(0xff);
        b.extend(
            "\u{1}Second-utf16"
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        );
        let out = strings(&b, &mut Budget::new(1 << 20));
        // ASCII runs first, then UTF-16LE runs in the order they end.
        assert_eq!(out, b"a-long-enough-run\nApiKeyValue1\nSecond-utf16\n");
    }

    #[test]
    fn sqlite_columns_one_per_line() {
        // Page 1: the 100-byte file header, then a table leaf page header
        // and one cell: payload size, rowid, record (header: size 3, text
        // of 6, text of 9; body "openai" "secret-12").
        let mut db = b"SQLite format 3\0\x02\0".to_vec();
        db.resize(100, 0);
        db.extend([0x0d, 0, 0, 0, 1, 0, 0, 0]);
        db.extend(120u16.to_be_bytes());
        db.resize(120, 0);
        db.extend([21, 1, 3, 25, 37]);
        db.extend(b"openaisecret-12345");
        db.resize(512, 0);
        let out = sqlite_text(&db, &mut Budget::new(1 << 20)).unwrap();
        assert_eq!(out, b"secret-12345\n");
        assert_eq!(
            sqlite_text(b"SQLite format 3\0\x02\0", &mut Budget::new(9)),
            None
        );
    }

    #[test]
    fn class_constants_and_pyc_strings() {
        // A pool of 3 slots: a Utf8 whose length (0x41) is a letter, a long.
        let mut class = b"\xca\xfe\xba\xbe\0\0\0\x41\0\x04\x01\0\x41".to_vec();
        class.extend(b"k".repeat(0x41));
        class.extend(b"\x05\0\0\0\0\0\0\0\x01");
        let out = class_text(&class, &mut Budget::new(1 << 20)).unwrap();
        assert_eq!(out, [&b"k".repeat(0x41)[..], b"\n"].concat());
        assert_eq!(
            class_text(
                b"\xca\xfe\xba\xbe\0\0\0\x41\0\x04\x63",
                &mut Budget::new(99)
            ),
            None
        );
        // A short ASCII string followed by `N` (None) and `)` (a tuple).
        let mut pyc = vec![0; 16];
        pyc.extend(b"\xfa\x0cOPENAI_TOKENN)\x02");
        pyc.extend(b"a\x09\0\0\0secret-42Z");
        let out = pyc_text(&pyc, &mut Budget::new(1 << 20));
        assert_eq!(out, b"OPENAI_TOKEN\nsecret-42\n");
    }

    /// `strings` the plain way: every unit looked at, one pass per alignment.
    fn naive(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for run in bytes.split(|&b| !PRINTABLE[usize::from(b)]) {
            if run.len() >= MIN_RUN {
                out.extend_from_slice(run);
                out.push(b'\n');
            }
        }
        let mut runs = Vec::new();
        for a in 0..2 {
            let mut start = None;
            let mut i = a;
            while i + 1 < bytes.len() + 1 {
                let good =
                    i + 1 < bytes.len() && bytes[i + 1] == 0 && PRINTABLE[usize::from(bytes[i])];
                match (good, start) {
                    (true, None) => start = Some(i),
                    (false, Some(s)) => {
                        if (i - s) / 2 >= MIN_RUN {
                            runs.push((i, s));
                        }
                        start = None;
                    }
                    _ => {}
                }
                i += 2;
            }
        }
        runs.sort();
        for (e, s) in runs {
            out.extend(bytes[s..e].iter().step_by(2));
            out.push(b'\n');
        }
        out
    }

    #[test]
    fn skipping_finds_every_run() {
        // Pseudo-random bytes biased towards printable ones and NULs, with
        // runs of every length around MIN_RUN, at both alignments.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut b = Vec::new();
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let r = (x >> 32) as u8;
            match r % 8 {
                0 | 1 => b.push(0),
                2 => {
                    let n = usize::from(r / 8 % 12);
                    for c in 0..n {
                        b.extend([b'a' + c as u8, 0]);
                    }
                }
                3 => b.extend(std::iter::repeat_n(b'k', usize::from(r / 8 % 12))),
                _ => b.push(r),
            }
        }
        let fast = strings(&b, &mut Budget::new(1 << 30));
        assert!(fast.len() > 10_000, "{}", fast.len());
        assert_eq!(fast, naive(&b));
        for cut in [0, 1, 7, 8, 9, 15, 16, 17] {
            let s = &b[..cut.min(b.len())];
            assert_eq!(strings(s, &mut Budget::new(1 << 20)), naive(s), "{cut}");
        }
        assert_eq!(strings(b"12345678", &mut Budget::new(99)), b"12345678\n");
        assert_eq!(strings(b"\x011234567", &mut Budget::new(99)), b"");
    }

    #[test]
    fn strings_stop_at_the_budget() {
        let b = b"0123456789abcdef\0fedcba9876543210\0".repeat(100);
        let mut budget = Budget::new(40);
        let out = strings(&b, &mut budget);
        assert!(out.len() <= 40, "{}", out.len());
        assert!(budget.cut().is_some());
    }
}
