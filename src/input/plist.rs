//! Binary property lists (`bplist00`): iOS apps ship `Info.plist` and other
//! configuration in this form, and a key put in `Info.plist` (a common way to
//! "hide" it from source) ends up here. XML plists are text and need nothing.
//!
//! Position in the pipeline: [`crate::input::decode::binary_strings`] calls
//! [`text`] on blobs that start with `bplist00`; the result is an indented
//! `key = value` rendering, scanned like any text, so rules that look for a
//! key name next to a value work as they do on source code. Only what a scan
//! needs is read (dictionaries, arrays, strings, numbers and booleans); every
//! offset is bounds-checked and the walk is bounded, so a damaged or hostile
//! plist gives partial text or `None`, never a panic or a hang.

use super::budget::Budget;

const WHAT: &str = "binary plist";

/// Containers nested deeper than this are not rendered.
const MAX_DEPTH: usize = 32;

/// The trailer's numbers (the last 32 bytes of the file).
struct Trailer {
    offset_size: usize,
    ref_size: usize,
    objects: usize,
    top: usize,
    table: usize,
}

struct Plist<'a, 'b> {
    b: &'a [u8],
    t: Trailer,
    /// Every line rendered and every container visited is charged here: a
    /// plist can reference one object from many places (writers share
    /// equal strings on purpose), so a walk without a budget can grow
    /// exponentially.
    budget: &'b mut Budget,
    out: Vec<u8>,
}

/// Render a binary plist as text within `budget`, or `None` if `bytes` is
/// not one.
pub fn text(bytes: &[u8], budget: &mut Budget) -> Option<Vec<u8>> {
    if !bytes.starts_with(b"bplist00") || bytes.len() < 8 + 32 {
        return None;
    }
    let tr = &bytes[bytes.len() - 32..];
    let be = |s: &[u8]| s.iter().fold(0u64, |a, &x| (a << 8) | x as u64) as usize;
    let t = Trailer {
        offset_size: tr[6] as usize,
        ref_size: tr[7] as usize,
        objects: be(&tr[8..16]),
        top: be(&tr[16..24]),
        table: be(&tr[24..32]),
    };
    if !(1..=8).contains(&t.offset_size) || !(1..=8).contains(&t.ref_size) {
        return None;
    }
    let mut p = Plist {
        b: bytes,
        t,
        budget,
        out: Vec::new(),
    };
    let top = p.t.top;
    p.value(top, 0, None);
    Some(p.out)
}

/// A scalar, rendered; or a container to descend into: `n` references
/// from `at` (for a dictionary, `n` keys then `n` values). References are
/// read one at a time, never collected from a declared count.
enum Obj {
    Scalar(Vec<u8>),
    Array { at: usize, n: usize },
    Dict { at: usize, n: usize },
    Other,
}

impl Plist<'_, '_> {
    fn uint(&self, at: usize, size: usize) -> Option<usize> {
        let s = self.b.get(at..at.checked_add(size)?)?;
        Some(s.iter().fold(0u64, |a, &x| (a << 8) | x as u64) as usize)
    }

    fn offset_of(&self, obj: usize) -> Option<usize> {
        if obj >= self.t.objects {
            return None;
        }
        let at = self
            .t
            .table
            .checked_add(obj.checked_mul(self.t.offset_size)?)?;
        self.uint(at, self.t.offset_size)
    }

    /// Reference `i` of the list at `at`.
    fn reference(&self, at: usize, i: usize) -> Option<usize> {
        let pos = at.checked_add(i.checked_mul(self.t.ref_size)?)?;
        self.uint(pos, self.t.ref_size)
    }

    /// Length of an object whose low nibble is `nib`: `0xF` means an integer
    /// object follows with the real length.
    fn length(&self, at: usize, nib: u8) -> Option<(usize, usize)> {
        if nib != 0xF {
            return Some((nib as usize, at + 1));
        }
        let m = *self.b.get(at + 1)?;
        if m >> 4 != 1 {
            return None;
        }
        let size = 1usize << (m & 0xF).min(3);
        Some((self.uint(at + 2, size)?, at + 2 + size))
    }

    /// Object `obj`; strings are decoded no further than `max` bytes (or
    /// UTF-16 units), since no more than that can be printed.
    fn object(&self, obj: usize, max: usize) -> Option<Obj> {
        let at = self.offset_of(obj)?;
        let m = *self.b.get(at)?;
        let (hi, lo) = (m >> 4, m & 0xF);
        Some(match hi {
            0x0 => match m {
                0x08 => Obj::Scalar(b"false".to_vec()),
                0x09 => Obj::Scalar(b"true".to_vec()),
                _ => Obj::Other,
            },
            0x1 => {
                let size = 1usize << lo.min(3);
                Obj::Scalar(self.uint(at + 1, size)?.to_string().into_bytes())
            }
            0x2 => {
                let size = 1usize << lo.min(3);
                let s = self.b.get(at + 1..at + 1 + size)?;
                let v = match size {
                    4 => f32::from_be_bytes([s[0], s[1], s[2], s[3]]) as f64,
                    8 => f64::from_be_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]),
                    _ => return Some(Obj::Other),
                };
                Obj::Scalar(v.to_string().into_bytes())
            }
            0x5 | 0x7 => {
                let (n, p) = self.length(at, lo)?;
                let s = self.b.get(p..p.checked_add(n)?)?;
                Obj::Scalar(s.get(..max).unwrap_or(s).to_vec())
            }
            0x6 => {
                let (n, p) = self.length(at, lo)?;
                let s = self.b.get(p..p.checked_add(n.checked_mul(2)?)?)?;
                let s = s.get(..max.saturating_mul(2)).unwrap_or(s);
                let units = s.chunks_exact(2).map(|u| u16::from_be_bytes([u[0], u[1]]));
                Obj::Scalar(
                    char::decode_utf16(units)
                        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
                        .collect::<String>()
                        .into_bytes(),
                )
            }
            0xA | 0xC => {
                let (n, p) = self.length(at, lo)?;
                let room = self.b.len().saturating_sub(p) / self.t.ref_size;
                Obj::Array {
                    at: p,
                    n: n.min(room),
                }
            }
            0xD => {
                let (n, p) = self.length(at, lo)?;
                let room = self.b.len().saturating_sub(p) / (2 * self.t.ref_size);
                Obj::Dict {
                    at: p,
                    n: n.min(room),
                }
            }
            _ => Obj::Other,
        })
    }

    /// One line: `{indent}{key} = {value}` (or `{key}:` before a container,
    /// or the bare value in an array), charged to the budget; a line that
    /// does not fit is cut and ends the walk.
    fn line(&mut self, depth: usize, key: Option<&[u8]>, value: Option<&[u8]>) {
        let mut l = vec![b' '; depth * 2];
        match (key, value) {
            (Some(k), Some(v)) => {
                l.extend_from_slice(k);
                l.extend_from_slice(b" = ");
                l.extend_from_slice(v);
            }
            (Some(k), None) => {
                l.extend_from_slice(k);
                l.push(b':');
            }
            (None, Some(v)) => l.extend_from_slice(v),
            (None, None) => return,
        }
        for b in l.iter_mut().skip(depth * 2) {
            if *b == b'\n' || *b == b'\r' {
                *b = b' ';
            }
        }
        l.push(b'\n');
        let n = self.budget.take(l.len(), WHAT);
        self.out.extend_from_slice(&l[..n]);
    }

    /// Render object `obj` at `depth`, under `key` when it is a dictionary
    /// value.
    fn value(&mut self, obj: usize, depth: usize, key: Option<&[u8]>) {
        // A visit costs a byte even when it prints nothing (an array of
        // arrays), so the walk is bounded by the budget too.
        if depth > MAX_DEPTH || self.budget.cut().is_some() || !self.budget.charge(1, WHAT) {
            return;
        }
        let Some(o) = self.object(obj, self.budget.left()) else {
            return;
        };
        match o {
            Obj::Scalar(s) => self.line(depth, key, Some(&s)),
            Obj::Array { at, n } => {
                self.line(depth, key, None);
                for i in 0..n {
                    let Some(r) = self.reference(at, i) else {
                        break;
                    };
                    if self.budget.cut().is_some() {
                        break;
                    }
                    self.value(r, depth + 1, None);
                }
            }
            Obj::Dict { at, n } => {
                self.line(depth, key, None);
                for i in 0..n {
                    let (Some(k), Some(v)) = (self.reference(at, i), self.reference(at, n + i))
                    else {
                        break;
                    };
                    if self.budget.cut().is_some() {
                        break;
                    }
                    // Decoding the key costs its length, whether or not the
                    // value turns out to print.
                    let name = match self.object(k, self.budget.left()) {
                        Some(Obj::Scalar(s)) => s,
                        _ => b"?".to_vec(),
                    };
                    if !self.budget.charge(name.len(), WHAT) {
                        break;
                    }
                    self.value(v, depth + 1, Some(&name));
                }
            }
            Obj::Other => {}
        }
    }
}

/// A binary plist writer for tests: a dictionary of string keys to string
/// values (what an `Info.plist` with a key in it looks like).
#[cfg(test)]
pub(crate) fn build_dict(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut b = b"bplist00".to_vec();
    let mut offsets = Vec::new();
    let n = pairs.len();
    // Object 0: the dict; 1..=n keys; n+1..=2n values.
    offsets.push(b.len());
    b.push(0xD0 | n as u8);
    for i in 0..n {
        b.push((1 + i) as u8);
    }
    for i in 0..n {
        b.push((1 + n + i) as u8);
    }
    let strings: Vec<&str> = pairs
        .iter()
        .map(|p| p.0)
        .chain(pairs.iter().map(|p| p.1))
        .collect();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_dictionary() {
        let b = build_dict(&[
            ("CFBundleName", "Demo"),
            ("OPENAI_API_KEY", "sk-not-a-real-key-just-long-enough"),
        ]);
        let t = String::from_utf8(text(&b, &mut Budget::new(1 << 20)).unwrap()).unwrap();
        assert!(t.contains("  CFBundleName = Demo\n"), "{t}");
        assert!(
            t.contains("  OPENAI_API_KEY = sk-not-a-real-key-just-long-enough\n"),
            "{t}"
        );
    }

    #[test]
    fn damaged_plists_never_panic() {
        let b = build_dict(&[("a", "b"), ("long key name here", "value")]);
        for cut in 0..b.len() {
            let _ = text(&b[..cut], &mut Budget::new(1 << 20));
        }
        let mut self_ref = b.clone();
        // Point the dict's first value at the dict itself: a cycle.
        self_ref[8 + 1 + 2] = 0;
        let _ = text(&self_ref, &mut Budget::new(1 << 20));
        assert!(text(b"not a plist", &mut Budget::new(1 << 20)).is_none());
    }

    /// A dictionary of 10,000 entries whose values are all one 50 KB string
    /// (as distinct object numbers aliasing one offset), under 20 arrays
    /// that each reference the next twice.
    fn aliased(entries: usize, nest: usize) -> Vec<u8> {
        let value = format!("KEY {}", "v".repeat(50_000));
        let mut b = b"bplist00".to_vec();
        let mut offsets = Vec::new();
        for i in 0..nest {
            offsets.push(b.len());
            b.push(0xA2);
            b.extend_from_slice(&((i + 1) as u32).to_be_bytes());
            b.extend_from_slice(&((i + 1) as u32).to_be_bytes());
        }
        offsets.push(b.len());
        b.extend_from_slice(&[0xDF, 0x12]);
        b.extend_from_slice(&(entries as u32).to_be_bytes());
        let first = nest + 1;
        for i in 0..2 * entries {
            b.extend_from_slice(&((first + i) as u32).to_be_bytes());
        }
        let key_at = b.len();
        b.extend_from_slice(&[0x51, b'k']);
        let val_at = b.len();
        b.extend_from_slice(&[0x5F, 0x12]);
        b.extend_from_slice(&(value.len() as u32).to_be_bytes());
        b.extend_from_slice(value.as_bytes());
        offsets.extend(std::iter::repeat_n(key_at, entries));
        offsets.extend(std::iter::repeat_n(val_at, entries));
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

    #[test]
    fn aliased_values_are_cut_at_the_budget() {
        for nest in [0, 20] {
            let b = aliased(10_000, nest);
            let mut budget = Budget::for_input(b.len(), 16 << 20);
            let out = text(&b, &mut budget).unwrap();
            assert!(out.len() <= budget.limit());
            let want = format!("{}k = KEY v", " ".repeat(2 * (nest + 1)));
            assert!(
                out.windows(want.len()).any(|w| w == want.as_bytes()),
                "nest={nest}"
            );
            assert_eq!(budget.cut(), Some(WHAT), "nest={nest}");
        }
    }

    /// A dictionary that declares 2^64-1 entries: nothing is allocated from
    /// the count, and the arithmetic on it cannot overflow.
    #[test]
    fn huge_declared_counts() {
        let mut b = b"bplist00".to_vec();
        b.extend_from_slice(&[0xDF, 0x13]);
        b.extend_from_slice(&u64::MAX.to_be_bytes());
        b.extend_from_slice(&[0, 0, 0, 0]);
        let table = b.len();
        b.push(8);
        b.extend_from_slice(&[0; 6]);
        b.extend_from_slice(&[1, 1]);
        b.extend_from_slice(&1u64.to_be_bytes());
        b.extend_from_slice(&0u64.to_be_bytes());
        b.extend_from_slice(&(table as u64).to_be_bytes());
        let mut budget = Budget::new(1 << 20);
        assert!(text(&b, &mut budget).is_some());
    }
}
