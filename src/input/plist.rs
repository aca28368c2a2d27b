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

/// The trailer's numbers (the last 32 bytes of the file).
struct Trailer {
    offset_size: usize,
    ref_size: usize,
    objects: usize,
    top: usize,
    table: usize,
}

struct Plist<'a> {
    b: &'a [u8],
    t: Trailer,
    /// Objects left to render: a plist can reference one dictionary from many
    /// places, so a walk without a budget can grow exponentially.
    budget: usize,
    out: String,
}

/// Render a binary plist as text, or `None` if `bytes` is not one.
pub fn text(bytes: &[u8]) -> Option<Vec<u8>> {
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
    let budget = t.objects.min(bytes.len()).saturating_mul(4).max(16);
    let mut p = Plist {
        b: bytes,
        t,
        budget,
        out: String::new(),
    };
    let top = p.t.top;
    p.value(top, 0, None);
    Some(p.out.into_bytes())
}

/// A scalar, rendered; or a container to descend into.
enum Obj {
    Scalar(String),
    Array(Vec<usize>),
    Dict(Vec<(usize, usize)>),
    Other,
}

impl Plist<'_> {
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

    fn refs(&self, at: usize, n: usize) -> Option<Vec<usize>> {
        let n = n.min(self.b.len() / self.t.ref_size);
        (0..n)
            .map(|i| self.uint(at + i * self.t.ref_size, self.t.ref_size))
            .collect()
    }

    fn object(&self, obj: usize) -> Option<Obj> {
        let at = self.offset_of(obj)?;
        let m = *self.b.get(at)?;
        let (hi, lo) = (m >> 4, m & 0xF);
        Some(match hi {
            0x0 => match m {
                0x08 => Obj::Scalar("false".into()),
                0x09 => Obj::Scalar("true".into()),
                _ => Obj::Other,
            },
            0x1 => {
                let size = 1usize << lo.min(3);
                Obj::Scalar(self.uint(at + 1, size)?.to_string())
            }
            0x2 => {
                let size = 1usize << lo.min(3);
                let s = self.b.get(at + 1..at + 1 + size)?;
                let v = match size {
                    4 => f32::from_be_bytes([s[0], s[1], s[2], s[3]]) as f64,
                    8 => f64::from_be_bytes([s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]]),
                    _ => return Some(Obj::Other),
                };
                Obj::Scalar(v.to_string())
            }
            0x5 | 0x7 => {
                let (n, p) = self.length(at, lo)?;
                let s = self.b.get(p..p.checked_add(n)?)?;
                Obj::Scalar(String::from_utf8_lossy(s).into_owned())
            }
            0x6 => {
                let (n, p) = self.length(at, lo)?;
                let s = self.b.get(p..p.checked_add(n.checked_mul(2)?)?)?;
                let units = s.chunks_exact(2).map(|u| u16::from_be_bytes([u[0], u[1]]));
                Obj::Scalar(
                    char::decode_utf16(units)
                        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
                        .collect(),
                )
            }
            0xA | 0xC => {
                let (n, p) = self.length(at, lo)?;
                Obj::Array(self.refs(p, n)?)
            }
            0xD => {
                let (n, p) = self.length(at, lo)?;
                let keys = self.refs(p, n)?;
                let vals = self.refs(p + n * self.t.ref_size, n)?;
                Obj::Dict(keys.into_iter().zip(vals).collect())
            }
            _ => Obj::Other,
        })
    }

    /// Render object `obj` at `depth`, under `key` when it is a dictionary
    /// value.
    fn value(&mut self, obj: usize, depth: usize, key: Option<&str>) {
        if self.budget == 0 || depth > 32 {
            return;
        }
        self.budget -= 1;
        let indent = "  ".repeat(depth);
        let Some(o) = self.object(obj) else { return };
        match o {
            Obj::Scalar(s) => {
                let s = s.replace('\n', " ");
                match key {
                    Some(k) => self.out.push_str(&format!("{indent}{k} = {s}\n")),
                    None => self.out.push_str(&format!("{indent}{s}\n")),
                }
            }
            Obj::Array(items) => {
                if let Some(k) = key {
                    self.out.push_str(&format!("{indent}{k}:\n"));
                }
                for i in items {
                    self.value(i, depth + 1, None);
                }
            }
            Obj::Dict(pairs) => {
                if let Some(k) = key {
                    self.out.push_str(&format!("{indent}{k}:\n"));
                }
                for (k, v) in pairs {
                    let name = match self.object(k) {
                        Some(Obj::Scalar(s)) => s.replace('\n', " "),
                        _ => "?".into(),
                    };
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
        let t = String::from_utf8(text(&b).unwrap()).unwrap();
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
            let _ = text(&b[..cut]);
        }
        let mut self_ref = b.clone();
        // Point the dict's first value at the dict itself: a cycle.
        self_ref[8 + 1 + 2] = 0;
        let _ = text(&self_ref);
        assert!(text(b"not a plist").is_none());
    }
}
