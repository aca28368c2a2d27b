//! Android's binary formats, read for their strings instead of decompiled:
//! the string table of `classes*.dex` (every string literal in the app's
//! code: a hardcoded key is one of them), and the string pools of binary
//! XML (`AndroidManifest.xml`, compiled `res/xml/*.xml`) and of the resource
//! table `resources.arsc` (every `<string>` resource, such as
//! `<string name="openai_key">`).
//!
//! Position in the pipeline: [`crate::input::decode::binary_strings`] calls
//! [`strings`] on blobs whose first bytes match one of these formats; the
//! strings come back one per line and are scanned like any text, so the
//! "line" of a finding is the string's index in its table (plus one).
//! Everything is bounds-checked: a damaged file yields the strings read
//! before the damage, or `None` (and it is then treated as binary). What
//! one file yields is bounded by its [`Budget`], whatever the headers say.

use super::budget::Budget;

/// `dex\n035\0`, `dex\n039\0`, ...
fn is_dex(b: &[u8]) -> bool {
    b.len() >= 0x70 && b.starts_with(b"dex\n") && b[7] == 0
}

const RES_STRING_POOL: u16 = 0x0001;
const RES_TABLE: u16 = 0x0002;
const RES_XML: u16 = 0x0003;
const RES_TABLE_PACKAGE: u16 = 0x0200;
const UTF8_FLAG: u32 = 1 << 8;

/// The strings of a dex file, a resource table or a binary XML file, one per
/// line, within `budget` (a string table whose entries alias one long
/// string is cut there: see [`Budget`]). `None` when `bytes` is none of
/// these.
pub fn strings(bytes: &[u8], budget: &mut Budget) -> Option<Vec<u8>> {
    if is_dex(bytes) {
        return dex_strings(bytes, budget);
    }
    let ty = u16_le(bytes, 0)?;
    let header = u16_le(bytes, 2)?;
    match (ty, header) {
        (RES_TABLE, 12) | (RES_XML, 8) => res_strings(bytes, budget),
        _ => None,
    }
}

fn u16_le(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

fn u32_le(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// Push one string as a line (newlines inside it become spaces so that one
/// string stays one line), charging it to `budget`. `false` when the budget
/// ran out: the string's start is kept, and the caller stops.
fn push_line(out: &mut Vec<u8>, s: &[u8], budget: &mut Budget, what: &'static str) -> bool {
    let n = budget.take(s.len() + 1, what);
    let kept = s.get(..n).unwrap_or(s);
    out.extend(kept.iter().map(|&b| if b == b'\n' { b' ' } else { b }));
    if n <= s.len() {
        return false;
    }
    out.push(b'\n');
    true
}

const DEX: &str = "dex string table";
const POOL: &str = "Android string pool";

/// `string_ids` (count at 0x38, offset at 0x3C) point at `string_data_item`s:
/// a ULEB128 length in UTF-16 units, then MUTF-8 bytes ending in NUL. Ids
/// may point anywhere, many at the same string: each use is charged.
fn dex_strings(b: &[u8], budget: &mut Budget) -> Option<Vec<u8>> {
    let count = u32_le(b, 0x38)? as usize;
    let ids = u32_le(b, 0x3C)? as usize;
    // A count larger than the file can hold is a damaged header: only the
    // ids present are read, and nothing is allocated from the count.
    let count = count.min(b.len().saturating_sub(ids) / 4);
    let mut out = Vec::new();
    for i in 0..count {
        let Some(off) = u32_le(b, ids + 4 * i) else {
            break;
        };
        let mut p = off as usize;
        // Skip the ULEB128 length (at most 5 bytes).
        let mut n = 0;
        while n < 5 && b.get(p).is_some_and(|&c| c & 0x80 != 0) {
            p += 1;
            n += 1;
        }
        p += 1;
        let Some(rest) = b.get(p..) else { continue };
        // Look for the NUL no further than the budget reaches: a string
        // longer than what is left is cut anyway.
        let window = rest.get(..budget.left().saturating_add(1)).unwrap_or(rest);
        let end = memchr::memchr(0, window).unwrap_or(window.len());
        if !push_line(&mut out, &window[..end], budget, DEX) {
            break;
        }
    }
    Some(out)
}

/// Walk the chunks of a resource table or binary XML file and collect every
/// string pool: the global pool, and inside packages the type and key pools.
fn res_strings(b: &[u8], budget: &mut Budget) -> Option<Vec<u8>> {
    let header = u16_le(b, 2)? as usize;
    let size = (u32_le(b, 4)? as usize).min(b.len());
    let mut out = Vec::new();
    let mut pools = 0;
    walk_chunks(b, header, size, 0, &mut out, &mut pools, budget);
    (pools > 0).then_some(out)
}

fn walk_chunks(
    b: &[u8],
    mut pos: usize,
    end: usize,
    depth: u8,
    out: &mut Vec<u8>,
    pools: &mut u32,
    budget: &mut Budget,
) {
    while pos.saturating_add(8) <= end && budget.cut().is_none() {
        let (Some(ty), Some(header), Some(size)) =
            (u16_le(b, pos), u16_le(b, pos + 2), u32_le(b, pos + 4))
        else {
            return;
        };
        let (header, size) = (header as usize, size as usize);
        if size < 8 || header > size || pos.saturating_add(size) > end {
            return;
        }
        let chunk = &b[pos..pos + size];
        match ty {
            RES_STRING_POOL if string_pool(chunk, out, budget).is_some() => *pools += 1,
            RES_TABLE_PACKAGE if depth == 0 => {
                walk_chunks(b, pos + header, pos + size, depth + 1, out, pools, budget);
            }
            _ => {}
        }
        pos += size;
    }
}

/// `ResStringPool_header`: string count at 8, flags at 16, strings start at
/// 20; the offsets table follows the header. Offsets may alias: each use
/// is charged to `budget`.
fn string_pool(c: &[u8], out: &mut Vec<u8>, budget: &mut Budget) -> Option<()> {
    let header = u16_le(c, 2)? as usize;
    let count = u32_le(c, 8)? as usize;
    let flags = u32_le(c, 16)?;
    let start = u32_le(c, 20)? as usize;
    let count = count.min(c.len().saturating_sub(header) / 4);
    let utf8 = flags & UTF8_FLAG != 0;
    for i in 0..count {
        let off = u32_le(c, header + 4 * i)? as usize;
        let Some(p) = start.checked_add(off) else {
            continue;
        };
        let more = if utf8 {
            // Two lengths (UTF-16 units, then bytes), each 1 or 2 bytes.
            let (_, p) = utf8_len(c, p)?;
            let (len, p) = utf8_len(c, p)?;
            match c.get(p..p.saturating_add(len)) {
                Some(s) => push_line(out, s, budget, POOL),
                None => true,
            }
        } else {
            let (len, p) = utf16_len(c, p)?;
            let Some(s) = c.get(p..p.saturating_add(len.saturating_mul(2))) else {
                continue;
            };
            // Each UTF-16 unit is at most 3 bytes of UTF-8: decode no more
            // than the budget can take (push_line cuts the rest).
            let units = budget.left().saturating_add(1).min(s.len() / 2);
            let s = &s[..units * 2];
            let units = s.chunks_exact(2).map(|u| u16::from_le_bytes([u[0], u[1]]));
            let text: String = char::decode_utf16(units)
                .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect();
            push_line(out, text.as_bytes(), budget, POOL)
        };
        if !more {
            break;
        }
    }
    Some(())
}

fn utf8_len(c: &[u8], p: usize) -> Option<(usize, usize)> {
    let b0 = *c.get(p)? as usize;
    if b0 & 0x80 != 0 {
        let b1 = *c.get(p + 1)? as usize;
        Some((((b0 & 0x7f) << 8) | b1, p + 2))
    } else {
        Some((b0, p + 1))
    }
}

fn utf16_len(c: &[u8], p: usize) -> Option<(usize, usize)> {
    let u0 = u16_le(c, p)? as usize;
    if u0 & 0x8000 != 0 {
        let u1 = u16_le(c, p + 2)? as usize;
        Some((((u0 & 0x7fff) << 16) | u1, p + 4))
    } else {
        Some((u0, p + 2))
    }
}

/// Builders for the tests (here and in the integration tests' own copies):
/// the smallest valid files of each format.
#[cfg(test)]
pub(crate) mod build {
    /// A string pool chunk holding `strings` (UTF-8 or UTF-16).
    pub fn string_pool(strings: &[&str], utf8: bool) -> Vec<u8> {
        let mut data = Vec::new();
        let mut offsets = Vec::new();
        for s in strings {
            offsets.push(data.len() as u32);
            if utf8 {
                let n16 = s.encode_utf16().count();
                push_len8(&mut data, n16);
                push_len8(&mut data, s.len());
                data.extend_from_slice(s.as_bytes());
                data.push(0);
            } else {
                let units: Vec<u16> = s.encode_utf16().collect();
                if units.len() > 0x7fff {
                    data.extend_from_slice(&((units.len() >> 16) as u16 | 0x8000).to_le_bytes());
                    data.extend_from_slice(&(units.len() as u16).to_le_bytes());
                } else {
                    data.extend_from_slice(&(units.len() as u16).to_le_bytes());
                }
                for u in units {
                    data.extend_from_slice(&u.to_le_bytes());
                }
                data.extend_from_slice(&[0, 0]);
            }
        }
        while data.len() % 4 != 0 {
            data.push(0);
        }
        let header = 28u32;
        let start = header + 4 * strings.len() as u32;
        let size = start + data.len() as u32;
        let mut c = Vec::new();
        c.extend_from_slice(&1u16.to_le_bytes());
        c.extend_from_slice(&28u16.to_le_bytes());
        c.extend_from_slice(&size.to_le_bytes());
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

    fn push_len8(data: &mut Vec<u8>, n: usize) {
        if n > 0x7f {
            data.push(0x80 | (n >> 8) as u8);
            data.push(n as u8);
        } else {
            data.push(n as u8);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(b: &[u8]) -> Option<Vec<u8>> {
        strings(b, &mut Budget::new(1 << 30))
    }

    fn dex(strings: &[&str]) -> Vec<u8> {
        let mut b = vec![0u8; 0x70];
        b[..8].copy_from_slice(b"dex\n035\0");
        let ids = 0x70u32;
        b[0x38..0x3C].copy_from_slice(&(strings.len() as u32).to_le_bytes());
        b[0x3C..0x40].copy_from_slice(&ids.to_le_bytes());
        let mut data_off = 0x70 + 4 * strings.len();
        let mut data = Vec::new();
        for s in strings {
            b.extend_from_slice(&((data_off + data.len()) as u32).to_le_bytes());
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
        data_off = b.len();
        assert_eq!(data_off, 0x70 + 4 * strings.len());
        b.extend_from_slice(&data);
        b
    }

    #[test]
    fn dex_string_table() {
        let long = "x".repeat(300);
        let b = dex(&["Landroid/app/Activity;", &long, "key=abc\ndef"]);
        let out = String::from_utf8(all(&b).unwrap()).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines, vec!["Landroid/app/Activity;", &long, "key=abc def"]);
    }

    #[test]
    fn resource_table_and_binary_xml() {
        for utf8 in [true, false] {
            let pool = build::string_pool(&["app_name", "value-ünï", "last"], utf8);
            let mut arsc = Vec::new();
            arsc.extend_from_slice(&2u16.to_le_bytes());
            arsc.extend_from_slice(&12u16.to_le_bytes());
            arsc.extend_from_slice(&(12 + pool.len() as u32).to_le_bytes());
            arsc.extend_from_slice(&1u32.to_le_bytes());
            arsc.extend_from_slice(&pool);
            let out = String::from_utf8(all(&arsc).unwrap()).unwrap();
            assert_eq!(out, "app_name\nvalue-ünï\nlast\n", "utf8={utf8}");
        }
        let pool = build::string_pool(&["manifest", "meta"], false);
        let mut axml = Vec::new();
        axml.extend_from_slice(&3u16.to_le_bytes());
        axml.extend_from_slice(&8u16.to_le_bytes());
        axml.extend_from_slice(&(8 + pool.len() as u32).to_le_bytes());
        axml.extend_from_slice(&pool);
        assert_eq!(all(&axml).unwrap(), b"manifest\nmeta\n");
    }

    #[test]
    fn damaged_input_never_panics() {
        let b = dex(&["one", "two"]);
        for cut in 0..b.len() {
            let _ = all(&b[..cut]);
        }
        let mut bad = b.clone();
        bad[0x38..0x3C].copy_from_slice(&u32::MAX.to_le_bytes());
        let _ = all(&bad);
        let pool = build::string_pool(&["a", "b"], true);
        let mut arsc = vec![2, 0, 12, 0];
        arsc.extend_from_slice(&(12 + pool.len() as u32).to_le_bytes());
        arsc.extend_from_slice(&1u32.to_le_bytes());
        arsc.extend_from_slice(&pool);
        for cut in 0..arsc.len() {
            let _ = all(&arsc[..cut]);
        }
        assert_eq!(all(b"not android"), None);
    }

    /// Every id points at one long string: the output stops at the budget,
    /// the first copy (and its key) is there, and the cut is recorded.
    #[test]
    fn aliased_dex_strings_are_cut_at_the_budget() {
        let long = format!("KEY {}", "x".repeat(10_000));
        let mut b = dex(&[&long]);
        let off = u32_le(&b, 0x70).unwrap();
        for _ in 0..5_000 {
            b.extend_from_slice(&off.to_le_bytes());
        }
        // The ids table now runs into the data: point it at the copies.
        let n = 5_000u32;
        let ids = (b.len() - 4 * 5_000) as u32;
        b[0x38..0x3C].copy_from_slice(&n.to_le_bytes());
        b[0x3C..0x40].copy_from_slice(&ids.to_le_bytes());
        let mut budget = Budget::for_input(b.len(), u64::MAX);
        let out = strings(&b, &mut budget).unwrap();
        assert!(
            out.len() <= budget.limit(),
            "{} > {}",
            out.len(),
            budget.limit()
        );
        assert!(out.len() >= 1 << 20);
        assert!(out.starts_with(b"KEY xxx"));
        assert_eq!(budget.cut(), Some(DEX));
        // Without aliasing nothing is cut.
        let mut budget = Budget::for_input(0, u64::MAX);
        let _ = strings(&dex(&["one", "two"]), &mut budget);
        assert_eq!(budget.cut(), None);
    }

    #[test]
    fn aliased_pool_offsets_are_cut_at_the_budget() {
        for utf8 in [true, false] {
            let long = "y".repeat(30_000);
            let mut pool = build::string_pool(&[&long], utf8);
            // 20,000 offsets, all 0: rebuild the header around them.
            let data = pool.split_off(28 + 4);
            let count = 20_000u32;
            let start = 28 + 4 * count;
            let mut c = pool[..28].to_vec();
            c[4..8].copy_from_slice(&(start + data.len() as u32).to_le_bytes());
            c[8..12].copy_from_slice(&count.to_le_bytes());
            c[20..24].copy_from_slice(&start.to_le_bytes());
            c.extend(std::iter::repeat_n(0u8, 4 * count as usize));
            c.extend_from_slice(&data);
            let mut axml = vec![3, 0, 8, 0];
            axml.extend_from_slice(&(8 + c.len() as u32).to_le_bytes());
            axml.extend_from_slice(&c);
            let mut budget = Budget::for_input(axml.len(), 16 << 20);
            let out = strings(&axml, &mut budget).unwrap();
            assert!(out.len() <= budget.limit());
            assert!(out.starts_with(b"yyy"));
            assert_eq!(budget.cut(), Some(POOL), "utf8={utf8}");
        }
    }
}
