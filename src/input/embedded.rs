//! Text that lives inside another text format and must be read out of it to
//! be reported where a person would look: source maps (`*.map`) carry the
//! original sources in `sourcesContent`, and notebooks (`.ipynb`) carry
//! cells and their outputs as JSON strings.
//!
//! Position in the pipeline: the scan stage decodes a blob to text, then asks
//! [`source_map`] or [`notebook`] (by file name) for its [`Part`]s and scans
//! each part as its own text: with JSON escapes decoded, with line numbers
//! that count in the original file or in the cell, and without the noise
//! around them (a map's `mappings`, a notebook's base64 images, which would
//! otherwise look like high-entropy secrets). When the JSON does not parse,
//! the caller scans the raw text instead: a damaged file is never skipped.
//!
//! The JSON is read in one streaming pass that keeps only the strings it
//! needs: no tree of every value is built (a 15 MB notebook of empty cells,
//! or a map whose `names` hold millions of numbers, would otherwise take
//! hundreds of MB), and what is kept is charged to the file's [`Budget`].

use std::fmt;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::budget::Budget;
use crate::text;

/// One piece of text to scan, and where to say it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The path to report: the original source (`src/api.ts`) for a source
    /// map, the notebook itself for its cells.
    pub path: String,
    /// The file the text was read from when it is not `path` (the source
    /// map).
    pub via: Option<String>,
    /// 1-based cell number, for notebooks.
    pub cell: Option<usize>,
    /// The text is a cell's output rather than its source.
    pub output: bool,
    pub text: String,
    /// For a decoded payload: where the encoded form starts in the file
    /// (1-based line and column), which is where findings are reported.
    pub at: Option<(usize, usize)>,
    /// How the text was encoded in the file (`base64`), if it was.
    pub encoded: Option<&'static str>,
    /// An inline suppression marker (`jikimi:allow`) on the file's line
    /// where a decoded payload starts: it covers what is read out of it.
    pub marker: Option<&'static str>,
}

/// Shortest base64 run worth decoding: a key plus a little context.
const MIN_BASE64: usize = 32;
/// At most this many payloads are decoded per file (a file full of base64
/// is data, not configuration).
const MAX_PAYLOADS: usize = 256;

/// Configuration formats where base64 values are common (Kubernetes
/// Secrets, Docker auth, `.npmrc`): the only files searched for base64
/// payloads, which keeps the pass off the hot path of source code.
const BASE64_CONFIG_EXT: &[&str] = &[
    "yaml",
    "yml",
    "json",
    "env",
    "properties",
    "toml",
    "ini",
    "cfg",
    "conf",
    "xml",
    "tf",
    "tfvars",
    "npmrc",
    "dockercfg",
];

/// Whether `path` is a configuration file, where base64 values are common
/// enough to look for them whatever the text says.
pub fn is_config_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    let ext = name.rsplit('.').next().unwrap_or("");
    name.starts_with(".env")
        || BASE64_CONFIG_EXT.contains(&ext)
        || name == "dockerfile"
        || name.starts_with("dockerfile.")
        || ext == "dockerfile"
}

/// Bytes of the standard and URL-safe base64 alphabets, as a table: the
/// payload search tests every byte of every configuration file (lockfiles
/// are most of a JavaScript project's history), and a load beats the
/// comparisons.
static BASE64_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'-' | b'_');
        b += 1;
    }
    t
};

fn is_base64_byte(b: u8) -> bool {
    BASE64_BYTE[b as usize]
}

/// Base64 payloads in `text` that decode to text: `(byte offset of the
/// encoded run, decoded text)`. A Kubernetes Secret's `data:` values, a
/// Docker `auth`, a base64 `.npmrc` token. Runs
/// of at least 32 characters are decoded (standard or URL-safe alphabet,
/// padding optional); binary results (images, DER, hashes) are dropped.
pub fn base64_payloads(text: &[u8], budget: &mut Budget) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let n = text.len();
    let mut i = 0;
    // Invariant: `i` is 0 or follows a byte that is not base64, so a run
    // found at `i` starts there. Probing the last byte of each 32-byte
    // window first lets ordinary text (words, spaces) be skipped a window
    // at a time instead of byte by byte.
    while i + MIN_BASE64 <= n && out.len() < MAX_PAYLOADS {
        if let Some(k) = (i..i + MIN_BASE64)
            .rev()
            .find(|&k| !is_base64_byte(text[k]))
        {
            i = k + 1;
            continue;
        }
        let start = i;
        let mut end = i + MIN_BASE64;
        while end < n && is_base64_byte(text[end]) {
            end += 1;
        }
        i = end;
        while i < n && text[i] == b'=' && i - end < 2 {
            i += 1;
        }
        if is_digest(text, start) {
            continue;
        }
        if let Some(decoded) = decode_text_payload(&text[start..end]) {
            if !budget.charge(decoded.len(), "base64 payloads") {
                break;
            }
            out.push((start, decoded));
        }
    }
    out
}

/// [`base64_payloads`] for source code: only runs that are a whole string
/// literal (a quote right before and right after, padding aside) are
/// decoded, `TOKEN = "ZXlK…"`, so identifiers, data tables and prose cost
/// nothing but a jump from one quote to the next. A base64 PEM is left out:
/// `pem.base64-private-key` judges it as it is written, and decoding it
/// again would report the key twice.
pub fn quoted_base64_payloads(text: &[u8], budget: &mut Budget) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let n = text.len();
    let mut from = 0;
    while out.len() < MAX_PAYLOADS {
        let Some(q) = memchr::memchr3(b'"', b'\'', b'`', &text[from..]) else {
            break;
        };
        let start = from + q + 1;
        from = start;
        // Most literals are short or hold a space: one probe rejects them.
        if start + MIN_BASE64 > n || !is_base64_byte(text[start + MIN_BASE64 - 1]) {
            continue;
        }
        let end = start
            + text[start..]
                .iter()
                .position(|&b| !is_base64_byte(b))
                .unwrap_or(n - start);
        if end - start < MIN_BASE64 {
            continue;
        }
        let mut close = end;
        while close < n && text[close] == b'=' && close - end < 2 {
            close += 1;
        }
        if !is_quote(text.get(close)) {
            from = close;
            continue;
        }
        from = close + 1;
        if is_digest(text, start) {
            continue;
        }
        if let Some(decoded) = decode_text_payload(&text[start..end]) {
            if decoded.starts_with("-----BEGIN") {
                continue;
            }
            if !budget.charge(decoded.len(), "base64 payloads") {
                break;
            }
            out.push((start, decoded));
        }
    }
    out
}

fn is_quote(b: Option<&u8>) -> bool {
    matches!(b, Some(b'"' | b'\'' | b'`'))
}

/// Shortest escaped string literal worth reading out: a key and a value.
const MIN_ESCAPED: usize = 24;
/// Nested escaping undone at most (`\\\"` inside `\"`): JSON in a JSON
/// string in a JSON string.
const MAX_ESCAPE_DEPTH: usize = 3;

/// String literals whose escapes hide structure from the rules: escaped
/// JSON (`"{\"access_token\":\"…\"}"`), JSON inside a JSON string, an
/// `.env` or properties text with its lines joined by `\n`. Each is
/// returned unescaped, `(byte offset of its opening quote, text)`, to be
/// scanned as its own text; nested escaping is undone up to
/// [`MAX_ESCAPE_DEPTH`] levels. Only lines holding a backslash are parsed
/// (a `memchr` jump from one to the next), only literals of at least
/// [`MIN_ESCAPED`] bytes with an escaped quote or line break are kept, and
/// what is kept is charged to `budget`, so ordinary code costs one search.
pub fn escaped_strings(text: &[u8], budget: &mut Budget) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut from = 0;
    while out.len() < MAX_PAYLOADS {
        let Some(hit) = memchr::memchr(b'\\', &text[from..]) else {
            break;
        };
        let hit = from + hit;
        let start = memchr::memrchr(b'\n', &text[..hit]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &text[hit..]).map_or(text.len(), |i| hit + i);
        for (at, lit) in escaped_literals(&text[start..end], 0) {
            if out.len() == MAX_PAYLOADS || !budget.charge(lit.len(), "escaped strings") {
                return out;
            }
            out.push((start + at, lit));
        }
        from = end;
    }
    out
}

/// The escaped literals of one line (`(offset of the quote, unescaped)`),
/// with the literals nested inside them, down to [`MAX_ESCAPE_DEPTH`].
fn escaped_literals(line: &[u8], depth: usize) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < line.len() {
        let q = line[i];
        // An escaped quote outside a literal (a line inside a multi-line
        // string) opens nothing.
        if !matches!(q, b'"' | b'\'') || (i > 0 && line[i - 1] == b'\\') {
            i += 1;
            continue;
        }
        let open = i;
        let mut j = i + 1;
        let mut structural = false;
        while j < line.len() && line[j] != q {
            if line[j] == b'\\' && j + 1 < line.len() {
                structural |= matches!(line[j + 1], b'"' | b'\'' | b'n');
                j += 1;
            }
            j += 1;
        }
        let body = &line[open + 1..j.min(line.len())];
        if structural && body.len() >= MIN_ESCAPED && !interpolated(body) {
            let lit = unescape(body);
            if depth + 1 < MAX_ESCAPE_DEPTH && lit.contains('\\') {
                for (_, inner) in escaped_literals(lit.as_bytes(), depth + 1) {
                    out.push((open, inner));
                }
            }
            out.push((open, lit));
        }
        i = j + 1;
    }
    out
}

/// Whether a literal interpolates variables (`{$var}` in PHP, `${var}`,
/// `#{var}` in Ruby): a template of code, whose values are variables.
fn interpolated(body: &[u8]) -> bool {
    body.windows(2)
        .any(|w| matches!(w, [b'{', b'$'] | [b'$', b'{'] | [b'#', b'{']))
}

/// A string literal's body with its escapes undone: `\"`, `\'`, `\\`,
/// `\/`, `\n`, `\r`, `\t` and JSON's `\uXXXX`; anything else is kept as
/// it is written.
fn unescape(body: &[u8]) -> String {
    let body = String::from_utf8_lossy(body);
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(c @ ('"' | '\'' | '\\' | '/')) => out.push(c),
            Some('u') => {
                let hex: String = chars.clone().take(4).collect();
                let valid = hex.len() == 4 && hex.bytes().all(|b| b.is_ascii_hexdigit());
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(c) if valid => {
                        out.push(c);
                        chars.nth(3);
                    }
                    _ => out.push_str("\\u"),
                }
            }
            Some(c) => {
                out.push('\\');
                out.push(c);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Words that make a key's value a credential, for [`secret_arrays`].
const SECRET_KEY_WORDS: &[&[u8]] = &[b"token", b"secret", b"key", b"passw", b"credential"];
/// Elements read from one array at most.
const MAX_ARRAY_ELEMENTS: usize = 64;

/// Arrays of strings under a credential name (`"api_tokens": ["…", "…"]`,
/// `API_KEYS = ['…', '…']`, YAML flow lists): the rules see a name next to
/// the first element only, so each element is written out as its own
/// `"name": "element"` line, `(byte offset of the name, text)`. Only
/// arrays of two or more quoted strings under a name holding a credential
/// word are read, at most [`MAX_ARRAY_ELEMENTS`] elements each. Each line
/// comes with the offset of its element, where a finding is reported.
pub fn secret_arrays(text: &[u8], budget: &mut Budget) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for open in memchr::memchr_iter(b'[', text) {
        if out.len() == MAX_PAYLOADS {
            break;
        }
        let Some(key) = array_key(&text[..open]) else {
            continue;
        };
        let lower = key.to_ascii_lowercase();
        if !SECRET_KEY_WORDS
            .iter()
            .any(|w| crate::text::find_bytes(&lower, w).is_some())
        {
            continue;
        }
        let elements = string_elements(&text[open + 1..]);
        if elements.len() < 2 {
            continue;
        }
        let key = String::from_utf8_lossy(key);
        for (at, e) in elements {
            let line = format!("\"{key}\": \"{}\"\n", String::from_utf8_lossy(e));
            if out.len() == MAX_PAYLOADS || !budget.charge(line.len(), "secret arrays") {
                return out;
            }
            out.push((open + 1 + at, line));
        }
    }
    out
}

/// The name an array at the end of `before` is assigned to: `"name": `,
/// `name = `, `name: `.
fn array_key(before: &[u8]) -> Option<&[u8]> {
    let mut k = before.len();
    let floor = k.saturating_sub(8);
    while k > floor && matches!(before[k - 1], b' ' | b'\t') {
        k -= 1;
    }
    if k == 0 || !matches!(before[k - 1], b':' | b'=') {
        return None;
    }
    k -= 1;
    while k > floor.saturating_sub(4) && matches!(before[k - 1], b' ' | b'\t' | b'"' | b'\'') {
        k -= 1;
    }
    let end = k;
    let name_floor = k.saturating_sub(64);
    while k > name_floor
        && (before[k - 1].is_ascii_alphanumeric() || matches!(before[k - 1], b'_' | b'-' | b'.'))
    {
        k -= 1;
    }
    (k < end).then(|| &before[k..end])
}

/// The quoted string elements at the start of an array body (after `[`),
/// up to `]`, each with its offset in `body`; empty when an element is not
/// a plain string.
fn string_elements(body: &[u8]) -> Vec<(usize, &[u8])> {
    let mut out = Vec::new();
    let mut i = 0;
    let skip = |i: &mut usize| {
        while *i < body.len() && body[*i].is_ascii_whitespace() {
            *i += 1;
        }
    };
    loop {
        skip(&mut i);
        match body.get(i) {
            Some(b']') => return out,
            Some(&q @ (b'"' | b'\'')) => {
                let start = i + 1;
                let Some(len) = body[start..]
                    .iter()
                    .take(512)
                    .position(|&b| b == q || b == b'\\' || b == b'\n')
                else {
                    return Vec::new();
                };
                if body[start + len] != q || out.len() == MAX_ARRAY_ELEMENTS {
                    return Vec::new();
                }
                out.push((start, &body[start..start + len]));
                i = start + len + 1;
                skip(&mut i);
                match body.get(i) {
                    Some(b',') => i += 1,
                    Some(b']') => return out,
                    _ => return Vec::new(),
                }
            }
            _ => return Vec::new(),
        }
    }
}

/// Subresource-integrity prefixes (`sha512-<base64>`): `-` is in the
/// URL-safe alphabet, so the prefix is part of the run.
const SRI_PREFIXES: &[&[u8]] = &[b"sha1-", b"sha256-", b"sha384-", b"sha512-"];

/// Keys whose values are digests by construction (lockfile hashes, a source
/// map's `mappings`): a value right after one is never decoded.
const DIGEST_KEYS: &[&[u8]] = &[
    b"integrity",
    b"checksum",
    b"resolved",
    b"shasum",
    b"mappings",
];

/// Whether the base64 run starting at `start` is a digest by construction
/// and so cannot decode to a credential: an SRI value (`sha512-...`), a
/// `go.sum` hash (`h1:...`), or the value of an `integrity`, `checksum`,
/// `resolved`, `shasum` or `mappings` key. The text itself is still matched
/// by the rules; only the decode-and-rescan is skipped (in lockfiles these
/// hashes are most of the bytes, and decoding them was most of the time).
fn is_digest(text: &[u8], start: usize) -> bool {
    let run = &text[start..];
    if SRI_PREFIXES.iter().any(|p| run.starts_with(p)) {
        return true;
    }
    let before = &text[..start];
    if before.ends_with(b"h1:") {
        return true;
    }
    // The key just before the value, on the same line, within a few bytes:
    // `integrity: `, `"checksum": "`, `checksum = "`, `resolved "`.
    let mut k = before.len();
    let floor = k.saturating_sub(8);
    while k > floor && matches!(before[k - 1], b' ' | b'\t' | b'"' | b'\'' | b':' | b'=') {
        k -= 1;
    }
    if k == before.len() {
        return false;
    }
    let key_end = k;
    let key_floor = k.saturating_sub(16);
    while k > key_floor && before[k - 1].is_ascii_alphabetic() {
        k -= 1;
    }
    let key = &before[k..key_end];
    DIGEST_KEYS.iter().any(|d| key.eq_ignore_ascii_case(d))
}

/// Base64 layers undone at most: a value encoded twice (a Kubernetes
/// Secret holding a base64 `.env`, a webhook URL encoded again to get past
/// a scanner) is read through; more is data, not configuration.
const MAX_BASE64_LAYERS: usize = 3;

/// The text a base64 run decodes to, if it is worth scanning: mixed case
/// (not a word, not hex), at most 64 KiB, and decoding to printable text.
/// When that text is itself one base64 run it is decoded again, up to
/// [`MAX_BASE64_LAYERS`] layers, and the innermost text is returned.
fn decode_text_payload(run: &[u8]) -> Option<String> {
    let mut text = decode_one_layer(run)?;
    for _ in 1..MAX_BASE64_LAYERS {
        let inner = text.trim();
        if inner.len() < MIN_BASE64 || !inner.trim_end_matches('=').bytes().all(is_base64_byte) {
            break;
        }
        match decode_one_layer(inner.trim_end_matches('=').as_bytes()) {
            Some(next) => text = next,
            None => break,
        }
    }
    Some(text)
}

fn decode_one_layer(run: &[u8]) -> Option<String> {
    if run.len() > 64 * 1024 {
        return None;
    }
    let upper = run.iter().any(u8::is_ascii_uppercase);
    let lower = run.iter().any(u8::is_ascii_lowercase);
    if !(upper && lower) {
        return None;
    }
    let decoded = String::from_utf8(crate::rules::validate::base64url_decode(run)?).ok()?;
    let printable = decoded
        .bytes()
        .filter(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
        .count();
    (decoded.len() >= 16 && printable * 100 >= decoded.len() * 95).then_some(decoded)
}

/// `*.map` (and `*.js.map`, `*.css.map`).
pub fn is_source_map(path: &str) -> bool {
    path.len() > 4 && text::ends_with_ignore_case(path, ".map")
}

/// `*.ipynb`.
pub fn is_notebook(path: &str) -> bool {
    path.len() > 6 && text::ends_with_ignore_case(path, ".ipynb")
}

/// The original sources embedded in the source map at `map_path`, each with
/// the path it maps back to, within `budget`. `None` if `text` is not a
/// source map with `sourcesContent` (then it is scanned as it is).
pub fn source_map(map_path: &str, text: &[u8], budget: &mut Budget) -> Option<Vec<Part>> {
    let first = text.iter().find(|b| !b.is_ascii_whitespace())?;
    if *first != b'{' {
        return None;
    }
    let v: SourceMap = serde_json::from_slice(text).ok()?;
    let mut parts = Vec::new();
    map_parts(map_path, &v, &mut parts, 0, budget);
    (!parts.is_empty()).then_some(parts)
}

/// Bytes a part costs on top of its text (the struct, its path): a map or
/// notebook of millions of tiny entries is bounded by the budget too.
const PART_COST: usize = 64;

/// Charge `part` to `budget` and keep it, or `false` when it does not fit.
fn keep(out: &mut Vec<Part>, part: Part, budget: &mut Budget, what: &'static str) -> bool {
    if !budget.charge(part.text.len() + part.path.len() + PART_COST, what) {
        return false;
    }
    out.push(part);
    true
}

fn map_parts(
    map_path: &str,
    v: &SourceMap,
    out: &mut Vec<Part>,
    depth: usize,
    budget: &mut Budget,
) {
    // Index maps: `sections`, each with its own map.
    if let Some(sections) = &v.sections.0
        && depth < 4
    {
        for s in sections.iter().flatten() {
            if let Some(map) = &s.map.0 {
                map_parts(map_path, map, out, depth + 1, budget);
            }
        }
        return;
    }
    let (Some(sources), Some(contents)) = (&v.sources.0, &v.contents.0) else {
        return;
    };
    let root = v.root.0.as_deref().unwrap_or("");
    for (i, content) in contents.iter().enumerate() {
        let Some(text) = content else {
            continue;
        };
        let source = sources.get(i).and_then(Option::as_deref).unwrap_or("");
        let part = Part {
            path: resolve_source(map_path, root, source, i),
            via: Some(map_path.to_string()),
            cell: None,
            output: false,
            text: text.clone(),
            at: None,
            encoded: None,
            marker: None,
        };
        if !keep(out, part, budget, "source map") {
            return;
        }
    }
}

/// The fields of a source map that are read; everything else (`mappings`,
/// `names`) is skipped without being built.
#[derive(Deserialize, Default)]
#[serde(default)]
struct SourceMap {
    sources: Strings,
    #[serde(rename = "sourcesContent")]
    contents: Strings,
    #[serde(rename = "sourceRoot")]
    root: MaybeStr,
    sections: Sections,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Section {
    map: Lenient<Box<SourceMap>>,
}

/// Entries of one list (`sources`, `sourcesContent`, `sections`) read at
/// most: a longer one is not a real source map, and the raw text is
/// scanned instead.
const MAX_ENTRIES: usize = 1 << 20;

/// Ignore one JSON value of any type (drains arrays and objects).
macro_rules! lenient_scalars {
    ($value:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut a: A) -> Result<(), A::Error> {
    while a.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_map<'de, A: MapAccess<'de>>(mut a: A) -> Result<(), A::Error> {
    while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// A string, or nothing for any other value.
#[derive(Default)]
struct MaybeStr(Option<String>);

impl<'de> Deserialize<'de> for MaybeStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MaybeStr;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            lenient_scalars!(MaybeStr(None));
            fn visit_str<E: de::Error>(self, s: &str) -> Result<MaybeStr, E> {
                Ok(MaybeStr(Some(s.to_string())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<MaybeStr, E> {
                Ok(MaybeStr(Some(s)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<MaybeStr, A::Error> {
                drain_seq(a).map(|()| MaybeStr(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<MaybeStr, A::Error> {
                drain_map(a).map(|()| MaybeStr(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// An array of strings (other entries are kept as `None`, so indexes line
/// up), or nothing when the value is not an array.
#[derive(Default)]
struct Strings(Option<Vec<Option<String>>>);

impl<'de> Deserialize<'de> for Strings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Strings;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            lenient_scalars!(Strings(None));
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Strings, E> {
                Ok(Strings(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Strings, A::Error> {
                let mut v = Vec::new();
                while let Some(MaybeStr(s)) = a.next_element()? {
                    if v.len() == MAX_ENTRIES {
                        return Err(de::Error::custom("too many entries"));
                    }
                    v.push(s);
                }
                Ok(Strings(Some(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Strings, A::Error> {
                drain_map(a).map(|()| Strings(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// `sections`: an array of objects (other entries are skipped), or nothing.
#[derive(Default)]
struct Sections(Option<Vec<Option<Section>>>);

impl<'de> Deserialize<'de> for Sections {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Sections;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            lenient_scalars!(Sections(None));
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Sections, E> {
                Ok(Sections(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Sections, A::Error> {
                let mut v = Vec::new();
                while let Some(Lenient(s)) = a.next_element::<Lenient<Section>>()? {
                    if v.len() == MAX_ENTRIES {
                        return Err(de::Error::custom("too many sections"));
                    }
                    v.push(s);
                }
                Ok(Sections(Some(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Sections, A::Error> {
                drain_map(a).map(|()| Sections(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// An object read as `T`, or nothing for any other value.
struct Lenient<T>(Option<T>);

impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Lenient(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Lenient<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            lenient_scalars!(Lenient(None));
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Lenient<T>, E> {
                Ok(Lenient(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<Lenient<T>, A::Error> {
                drain_seq(a).map(|()| Lenient(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Lenient<T>, A::Error> {
                T::deserialize(MapAccessDeserializer::new(a)).map(|t| Lenient(Some(t)))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// The path of an original source, as the project knows it: relative
/// sources resolve against the map's folder (`dist/assets/` +
/// `../../src/api.ts` → `src/api.ts`); bundler URLs lose their scheme and
/// namespace (`webpack://app/./src/api.ts` → `src/api.ts`); `..` never climbs
/// out of the project or out of the archive the map is in.
pub fn resolve_source(map_path: &str, root: &str, source: &str, index: usize) -> String {
    let (container, inner) = match map_path.rfind("!/") {
        Some(i) => (text::to(map_path, i + 2), text::from(map_path, i + 2)),
        None => ("", map_path),
    };
    if source.is_empty() {
        return format!("{container}{inner}#source{index}");
    }
    let joined = if root.is_empty() || source.contains("://") || source.starts_with('/') {
        source.to_string()
    } else {
        format!("{}/{source}", root.trim_end_matches('/'))
    };
    let joined = joined.split(['?', '#']).next().unwrap_or("");
    let (mut segs, rest): (Vec<&str>, &str) = match joined.find("://") {
        Some(i) => {
            let rest = text::from(joined, i + 3);
            // webpack://<namespace>/./src/x.ts: the part after `/./`.
            let rest = match rest.find("/./") {
                Some(j) => text::from(rest, j + 3),
                None => rest,
            };
            (Vec::new(), rest)
        }
        None if joined.starts_with('/') => (Vec::new(), joined),
        None => {
            let mut dir: Vec<&str> = inner.split('/').collect();
            dir.pop();
            (dir, joined)
        }
    };
    for seg in rest.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segs.pop();
            }
            s => segs.push(s),
        }
    }
    if segs.is_empty() {
        return format!("{container}{inner}#source{index}");
    }
    format!("{container}{}", segs.join("/"))
}

/// The cells of a notebook (source and text outputs), within `budget`, or
/// `None` if `text` is not a notebook. Cells are read one at a time and
/// turned into parts as they are read.
pub fn notebook(path: &str, text: &[u8], budget: &mut Budget) -> Option<Vec<Part>> {
    let mut nb = Notebook {
        path,
        budget,
        cells: None,
        worksheets: None,
    };
    let mut de = serde_json::Deserializer::from_slice(text);
    DeserializeSeed::deserialize(&mut nb, &mut de).ok()?;
    de.end().ok()?;
    // nbformat 4: `cells`; nbformat 3: `worksheets[].cells` with `input`.
    let (cells, worksheets) = (nb.cells, nb.worksheets);
    cells.or(worksheets).map(|(parts, _)| parts)
}

/// The notebook being read: parts of `cells` and of `worksheets[].cells`
/// (each with the number of cells seen), kept apart until the end since
/// `cells` wins when both are there.
struct Notebook<'a, 'b> {
    path: &'a str,
    budget: &'b mut Budget,
    cells: Option<(Vec<Part>, usize)>,
    worksheets: Option<(Vec<Part>, usize)>,
}

impl Notebook<'_, '_> {
    /// One cell, numbered in `cells` or `worksheets`.
    fn cell(&mut self, v3: bool, cell: Cell) {
        let path = self.path;
        let Some((parts, n)) = (if v3 {
            self.worksheets.as_mut()
        } else {
            self.cells.as_mut()
        }) else {
            return;
        };
        *n += 1;
        let n = *n;
        let source = cell.source.0.or(cell.input.0);
        let texts = source
            .into_iter()
            .map(|t| (false, t))
            .chain(cell.outputs.0.into_iter().map(|t| (true, t)));
        for (output, text) in texts {
            if text.is_empty() || self.budget.cut().is_some() {
                continue;
            }
            let part = Part {
                path: path.to_string(),
                via: None,
                cell: Some(n),
                output,
                text,
                at: None,
                encoded: None,
                marker: None,
            };
            keep(parts, part, self.budget, "notebook");
        }
    }
}

impl<'de> DeserializeSeed<'de> for &mut Notebook<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for &mut Notebook<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a notebook")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        while let Some(k) = a.next_key::<Key>()? {
            match k.0 {
                Some("cells") => a.next_value_seed(Cells {
                    nb: &mut *self,
                    v3: false,
                })?,
                Some("worksheets") => a.next_value_seed(Worksheets(&mut *self))?,
                _ => {
                    a.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// An object key, kept only when it is one of the few this module reads.
struct Key(Option<&'static str>);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key, E> {
                const KNOWN: &[&str] = &[
                    "cells",
                    "worksheets",
                    "source",
                    "input",
                    "outputs",
                    "text",
                    "traceback",
                    "data",
                ];
                Ok(Key(KNOWN.iter().find(|k| **k == s).copied()))
            }
        }
        d.deserialize_str(V)
    }
}

/// `cells`: an array of cells, each turned into parts as it is read.
struct Cells<'n, 'a, 'b> {
    nb: &'n mut Notebook<'a, 'b>,
    v3: bool,
}

impl<'de> DeserializeSeed<'de> for Cells<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Cells<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("cells")
    }
    lenient_scalars!(());
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<(), A::Error> {
        drain_map(a)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        if !self.v3 {
            self.nb.cells.get_or_insert_with(Default::default);
        }
        while let Some(Lenient(cell)) = a.next_element::<Lenient<Cell>>()? {
            match cell {
                Some(c) => self.nb.cell(self.v3, c),
                // Not an object: still a cell, for the numbering.
                None => self.nb.cell(self.v3, Cell::default()),
            }
        }
        Ok(())
    }
}

/// nbformat 3: `worksheets`, an array of objects with `cells`.
struct Worksheets<'n, 'a, 'b>(&'n mut Notebook<'a, 'b>);

impl<'de> DeserializeSeed<'de> for Worksheets<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Worksheets<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("worksheets")
    }
    lenient_scalars!(());
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<(), A::Error> {
        drain_map(a)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        self.0.worksheets.get_or_insert_with(Default::default);
        while a.next_element_seed(Worksheet(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

struct Worksheet<'n, 'a, 'b>(&'n mut Notebook<'a, 'b>);

impl<'de> DeserializeSeed<'de> for Worksheet<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Worksheet<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a worksheet")
    }
    lenient_scalars!(());
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<(), A::Error> {
        drain_seq(a)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        while let Some(k) = a.next_key::<Key>()? {
            if k.0 == Some("cells") {
                a.next_value_seed(Cells {
                    nb: &mut *self.0,
                    v3: true,
                })?;
            } else {
                a.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// One cell: its source (`input` in nbformat 3) and the texts of its
/// outputs.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Cell {
    source: Multiline,
    input: Multiline,
    outputs: Outputs,
}

/// Notebook strings are a string or a list of lines.
#[derive(Default)]
struct Multiline(Option<String>);

impl<'de> Deserialize<'de> for Multiline {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Lines {
            sep: "",
            json: false,
        })
    }
}

/// A string, or the strings of an array joined with `sep`; with `json`, an
/// object becomes its JSON text (an `application/json` output).
struct Lines {
    sep: &'static str,
    json: bool,
}

impl<'de> Visitor<'de> for Lines {
    type Value = Multiline;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("text")
    }
    lenient_scalars!(Multiline(None));
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Multiline, E> {
        Ok(Multiline(Some(s.to_string())))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Multiline, E> {
        Ok(Multiline(Some(s)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Multiline, A::Error> {
        let mut out = String::new();
        let mut first = true;
        while let Some(MaybeStr(s)) = a.next_element()? {
            if let Some(s) = s {
                if !first {
                    out.push_str(self.sep);
                }
                out.push_str(&s);
                first = false;
            }
        }
        Ok(Multiline(Some(out)))
    }
    fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Multiline, A::Error> {
        if self.json {
            let mut out = String::new();
            JsonText(&mut out).visit_map(a)?;
            return Ok(Multiline(Some(out)));
        }
        drain_map(a).map(|()| Multiline(None))
    }
}

/// The texts of a cell's outputs, in order: for each output its `text`, its
/// `traceback` (lines joined), then its textual `data` (never images).
#[derive(Default)]
struct Outputs(Vec<String>);

impl<'de> Deserialize<'de> for Outputs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Outputs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("outputs")
            }
            lenient_scalars!(Outputs::default());
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Outputs, E> {
                Ok(Outputs::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Outputs, A::Error> {
                drain_map(a).map(|()| Outputs::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Outputs, A::Error> {
                let mut texts = Vec::new();
                while let Some(Lenient(o)) = a.next_element::<Lenient<Output>>()? {
                    let Some(o) = o else { continue };
                    let all = o.text.0.into_iter().chain(o.traceback.0).chain(o.data.0);
                    texts.extend(all.filter(|t| !t.is_empty()));
                }
                Ok(Outputs(texts))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Output {
    text: Multiline,
    traceback: Traceback,
    data: Data,
}

/// A traceback: an array of lines, joined with newlines.
#[derive(Default)]
struct Traceback(Option<String>);

impl<'de> Deserialize<'de> for Traceback {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Traceback;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a traceback")
            }
            lenient_scalars!(Traceback(None));
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Traceback, E> {
                Ok(Traceback(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Traceback, A::Error> {
                drain_map(a).map(|()| Traceback(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<Traceback, A::Error> {
                let lines = Lines {
                    sep: "\n",
                    json: false,
                };
                lines.visit_seq(a).map(|m| Traceback(m.0))
            }
        }
        d.deserialize_any(V)
    }
}

/// An output's `data`: the textual MIME types' values, in order.
#[derive(Default)]
struct Data(Vec<String>);

impl<'de> Deserialize<'de> for Data {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Data;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("output data")
            }
            lenient_scalars!(Data::default());
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Data, E> {
                Ok(Data::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<Data, A::Error> {
                drain_seq(a).map(|()| Data::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Data, A::Error> {
                let mut out = Vec::new();
                while let Some(mime) = a.next_key::<MaybeStr>()? {
                    if mime.0.as_deref().is_some_and(textual) {
                        let seed = TextSeed(Lines {
                            sep: "",
                            json: true,
                        });
                        out.extend(a.next_value_seed(seed)?.0);
                    } else {
                        a.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Data(out))
            }
        }
        d.deserialize_any(V)
    }
}

struct TextSeed(Lines);

impl<'de> DeserializeSeed<'de> for TextSeed {
    type Value = Multiline;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Multiline, D::Error> {
        d.deserialize_any(self.0)
    }
}

/// Any JSON value written back as compact JSON text (as `serde_json`
/// prints a value), without building it first.
struct JsonText<'s>(&'s mut String);

impl<'de> DeserializeSeed<'de> for JsonText<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for JsonText<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.0.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.0.push_str(&v.to_string());
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.0.push_str(&v.to_string());
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.0
            .push_str(&serde_json::to_string(&v).map_err(de::Error::custom)?);
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.push_str("null");
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        self.0
            .push_str(&serde_json::to_string(s).map_err(de::Error::custom)?);
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        self.0.push('[');
        let mut first = true;
        loop {
            let at = self.0.len();
            if !first {
                self.0.push(',');
            }
            if a.next_element_seed(JsonText(&mut *self.0))?.is_none() {
                self.0.truncate(at);
                break;
            }
            first = false;
        }
        self.0.push(']');
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        self.0.push('{');
        let mut first = true;
        while let Some(MaybeStr(k)) = a.next_key()? {
            if !first {
                self.0.push(',');
            }
            first = false;
            let k = k.unwrap_or_default();
            self.0
                .push_str(&serde_json::to_string(&k).map_err(de::Error::custom)?);
            self.0.push(':');
            a.next_value_seed(JsonText(&mut *self.0))?;
        }
        self.0.push('}');
        Ok(())
    }
}

/// Output types worth scanning: text and JSON, never images or other
/// base64 payloads.
fn textual(mime: &str) -> bool {
    mime.starts_with("text/")
        || mime == "application/json"
        || mime.ends_with("+json")
        || mime == "application/javascript"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget() -> Budget {
        Budget::new(1 << 20)
    }

    fn source_map(path: &str, text: &[u8]) -> Option<Vec<Part>> {
        super::source_map(path, text, &mut budget())
    }

    fn notebook(path: &str, text: &[u8]) -> Option<Vec<Part>> {
        super::notebook(path, text, &mut budget())
    }

    fn base64_payloads(text: &[u8]) -> Vec<(usize, String)> {
        super::base64_payloads(text, &mut budget())
    }

    #[test]
    fn escaped_literals_are_read_out() {
        let text = br#"x = 1;
const a = "{\"access_token\":\"abc\",\"n\":\"line\none\"}";
const b = "{\"inner\": \"{\\\"client_secret\\\": \\\"xyz\\\"}\"}";
const c = "short\n";
const d = "plain text without any escapes at all, long enough";
echo "<input value=\"{$pass}\" name=\"password_new_value\">";
"#;
        let found = escaped_strings(text, &mut budget());
        let texts: Vec<&str> = found.iter().map(|(_, t)| t.as_str()).collect();
        assert!(texts.contains(&"{\"access_token\":\"abc\",\"n\":\"line\none\"}"));
        // Nested: the outer literal unescaped once, and the inner twice.
        assert!(texts.contains(&"{\"client_secret\": \"xyz\"}"), "{texts:?}");
        assert!(
            texts
                .iter()
                .all(|t| !t.contains("short") && !t.contains("plain"))
        );
        assert!(texts.iter().all(|t| !t.contains("{$pass}")), "{texts:?}");
        // Offsets point at the opening quote.
        for (at, _) in &found {
            assert!(matches!(text[*at], b'"' | b'\''));
        }
    }

    #[test]
    fn unescape_forms() {
        assert_eq!(
            unescape(br#"a\"b\'c\\d\/e\nf\tg\u0041\u00e9\q\u12"#),
            "a\"b'c\\d/e\nf\tgA\u{e9}\\q\\u12"
        );
    }

    #[test]
    fn arrays_under_credential_names() {
        let text =
            br#"{"api_tokens": ["tok-one-1111111111", 'tok-two-2222222222'], "names": ["a", "b"]}
ids = [1, 2]
SECRET_KEYS = ["k1", call()]
"#;
        let found = secret_arrays(text, &mut budget());
        let texts: Vec<&str> = found.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(
            texts,
            [
                "\"api_tokens\": \"tok-one-1111111111\"\n",
                "\"api_tokens\": \"tok-two-2222222222\"\n"
            ]
        );
        assert_eq!(&text[found[1].0..found[1].0 + 7], b"tok-two");
    }

    #[test]
    fn nested_and_quoted_base64() {
        let inner = "https://hooks.acme-corp.dev/services/T0/B0/a-long-enough-path";
        // base64(base64(inner)).
        let twice = "YUhSMGNITTZMeTlvYjI5cmN5NWhZMjFsTFdOdmNuQXVaR1YyTDNObGNuWnBZMlZ6TDFRd0wwSXdMMkV0Ykc5dVp5MWxibTkxWjJndGNHRjBhQT09";
        let code = format!("HOOK = \"{twice}\"\nNAME = {twice}\n");
        let found = super::quoted_base64_payloads(code.as_bytes(), &mut budget());
        assert_eq!(found.len(), 1, "only the quoted literal: {found:?}");
        assert_eq!(found[0].1, inner);
        assert_eq!(base64_payloads(code.as_bytes()).len(), 2);
    }

    #[test]
    fn source_paths() {
        let m = "dist/assets/index-3f2a.js.map";
        assert_eq!(resolve_source(m, "", "../../src/api.ts", 0), "src/api.ts");
        assert_eq!(
            resolve_source(m, "", "webpack://my-app/./src/api.ts?abcd", 0),
            "src/api.ts"
        );
        assert_eq!(
            resolve_source(m, "", "webpack:///./src/a.tsx", 0),
            "src/a.tsx"
        );
        assert_eq!(resolve_source(m, "", "/src/b.ts", 0), "src/b.ts");
        assert_eq!(resolve_source(m, "../../", "src/c.ts", 0), "src/c.ts");
        assert_eq!(resolve_source(m, "", "../../../../../etc/x", 0), "etc/x");
        assert_eq!(
            resolve_source("app.asar!/dist/main.js.map", "", "../src/main.ts", 0),
            "app.asar!/src/main.ts"
        );
        assert_eq!(
            resolve_source(m, "", "", 3),
            "dist/assets/index-3f2a.js.map#source3"
        );
    }

    #[test]
    fn maps_without_content_are_left_alone() {
        assert!(
            source_map(
                "a.js.map",
                br#"{"version":3,"sources":["a.ts"],"mappings":"AAAA"}"#
            )
            .is_none()
        );
        assert!(source_map("a.map", b"not json").is_none());
        let parts = source_map(
            "dist/a.js.map",
            br#"{"version":3,"sources":["../src/a.ts","../src/b.ts"],"sourcesContent":["one\ntwo",null],"mappings":""}"#,
        )
        .unwrap();
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].path, "src/a.ts");
        assert_eq!(parts[0].text, "one\ntwo");
        assert_eq!(parts[0].via.as_deref(), Some("dist/a.js.map"));
    }

    #[test]
    fn base64_payloads_that_decode_to_text() {
        // "OPENAI_API_KEY=sk-test-value-1234567890abcdef\n" in base64.
        let enc = "T1BFTkFJX0FQSV9LRVk9c2stdGVzdC12YWx1ZS0xMjM0NTY3ODkwYWJjZGVmCg==";
        let text =
            format!("data:\n  env: {enc}\n  sha: 9fceb02d0ae598e95dc970b74767f19372d61af8\n");
        let found = base64_payloads(text.as_bytes());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, text.find(enc).unwrap());
        assert!(found[0].1.starts_with("OPENAI_API_KEY=sk-test-value"));
        // A PNG's base64 decodes to binary: dropped.
        let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
        assert!(base64_payloads(png.as_bytes()).is_empty());
    }

    #[test]
    fn digests_are_not_decoded() {
        // The same text-bearing payload is decoded under an ordinary key and
        // skipped where the format says it is a digest.
        let enc = "T1BFTkFJX0FQSV9LRVk9c2stdGVzdC12YWx1ZS0xMjM0NTY3ODkwYWJjZGVmCg==";
        for ok in [
            format!("token: {enc}\n"),
            format!("\"auth\": \"{enc}\"\n"),
            format!("notchecksum: {enc}\n"),
        ] {
            assert_eq!(base64_payloads(ok.as_bytes()).len(), 1, "{ok}");
        }
        for digest in [
            format!("    resolution: {{integrity: sha512-{enc}}}\n"),
            format!("      \"integrity\": \"sha256-{enc}\",\n"),
            format!("  integrity {enc}\n"),
            format!("checksum = \"{enc}\"\n"),
            format!("  \"resolved\": \"{enc}\"\n"),
            format!("golang.org/x/net v0.1.0 h1:{enc}\n"),
            format!("{{\"mappings\":\"{enc}\"}}"),
        ] {
            assert!(base64_payloads(digest.as_bytes()).is_empty(), "{digest}");
        }
    }

    #[test]
    fn notebook_cells_and_outputs() {
        let nb = br##"{"cells":[
            {"cell_type":"markdown","source":["# Title\n","text"]},
            {"cell_type":"code","source":"print(1)","outputs":[
                {"output_type":"stream","text":["a\n","b\n"]},
                {"output_type":"display_data","data":{"image/png":"iVBORw0KGgo=","text/plain":["<Figure>"]}}
            ]}
        ],"nbformat":4}"##;
        let parts = notebook("nb.ipynb", nb).unwrap();
        let got: Vec<(Option<usize>, bool, &str)> = parts
            .iter()
            .map(|p| (p.cell, p.output, p.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some(1), false, "# Title\ntext"),
                (Some(2), false, "print(1)"),
                (Some(2), true, "a\nb\n"),
                (Some(2), true, "<Figure>"),
            ]
        );
    }

    /// nbformat 4 writes keys in alphabetical order (`outputs` before
    /// `source`): parts still come source first; tracebacks are joined with
    /// newlines; JSON outputs are read as their JSON text; images never.
    #[test]
    fn notebook_details() {
        let nb = br##"{"nbformat":4,"cells":[
            {"outputs":[
                {"traceback":["Traceback:","KeyError: x"],"output_type":"error"},
                {"data":{"application/json":{"key":"v","n":[1,2.5,null,true]},"image/png":"iVBOR"}}
             ],"source":["x = 1\n","y"]},
            7,
            {"source":""},
            {"source":"last"}
        ]}"##;
        let parts = notebook("nb.ipynb", nb).unwrap();
        let got: Vec<(Option<usize>, bool, &str)> = parts
            .iter()
            .map(|p| (p.cell, p.output, p.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some(1), false, "x = 1\ny"),
                (Some(1), true, "Traceback:\nKeyError: x"),
                (Some(1), true, r#"{"key":"v","n":[1,2.5,null,true]}"#),
                (Some(4), false, "last"),
            ]
        );
    }

    #[test]
    fn notebook_v3_worksheets() {
        let nb =
            br#"{"worksheets":[{"cells":[{"input":"a = 1"}]},{"cells":[{"input":["b","c"]}]}]}"#;
        let parts = notebook("old.ipynb", nb).unwrap();
        let got: Vec<(Option<usize>, &str)> =
            parts.iter().map(|p| (p.cell, p.text.as_str())).collect();
        assert_eq!(got, vec![(Some(1), "a = 1"), (Some(2), "bc")]);
        assert!(notebook("x.ipynb", br#"{"metadata":{}}"#).is_none());
        assert!(notebook("x.ipynb", br#"[1,2]"#).is_none());
        assert!(notebook("x.ipynb", br#"{"cells":[]} trailing"#).is_none());
        assert_eq!(notebook("x.ipynb", br#"{"cells":[]}"#), Some(vec![]));
    }

    #[test]
    fn index_maps_and_odd_values() {
        let map = br#"{"version":3,"sections":[
            {"offset":{"line":0,"column":0},"map":{"sources":["a.ts"],"sourcesContent":["A"]}},
            5,
            {"map":"not a map"},
            {"map":{"sources":[1,"b.ts"],"sourcesContent":["X","B"],"sourceRoot":7}}
        ]}"#;
        let parts = source_map("dist/x.js.map", map).unwrap();
        let got: Vec<(&str, &str)> = parts
            .iter()
            .map(|p| (p.path.as_str(), p.text.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("dist/a.ts", "A"),
                ("dist/x.js.map#source0", "X"),
                ("dist/b.ts", "B")
            ]
        );
    }

    /// Millions of values that are not kept cost no memory per value, and
    /// what is kept is charged: parts stop at the budget.
    #[test]
    fn kept_text_is_charged_to_the_budget() {
        let mut nb = String::from(r#"{"cells":["#);
        for i in 0..2_000 {
            nb.push_str(&format!(
                r#"{{"source":"cell {i} {}"}},"#,
                "z".repeat(1_000)
            ));
        }
        nb.push_str(r#"{}]}"#);
        let mut b = Budget::new(100_000);
        let parts = super::notebook("big.ipynb", nb.as_bytes(), &mut b).unwrap();
        assert!(parts.len() < 100, "{}", parts.len());
        assert!(parts.iter().map(|p| p.text.len()).sum::<usize>() <= 100_000);
        assert_eq!(b.cut(), Some("notebook"));
        let enc = "T1BFTkFJX0FQSV9LRVk9c2stdGVzdC12YWx1ZS0xMjM0NTY3ODkwYWJjZGVmCg==";
        let text = format!("{enc}\n").repeat(100);
        let mut b = Budget::new(500);
        let found = super::base64_payloads(text.as_bytes(), &mut b);
        assert_eq!(found.len(), 10);
        assert_eq!(b.cut(), Some("base64 payloads"));
    }
}
