//! Char-boundary-safe slicing for text that came from data: file contents,
//! file names, git objects, archive members.
//!
//! Indexing a `str` at a byte offset that is not a char boundary panics, and
//! offsets computed from data (a window of 200 bytes, the last 4 bytes of a
//! name, a match from a byte regex) land inside multi-byte characters all the
//! time (`café.html`, `키=...`). Every slice of such text goes through these
//! helpers, and clippy's `string_slice` lint (on for the crate) keeps raw
//! indexing out. Offsets are widened or narrowed to the nearest boundary and
//! clamped to the string, so none of these functions panics.

/// Haystacks up to this long are searched directly: building a
/// `memchr::memmem` searcher costs more than the search itself on the short
/// values (one candidate secret, one line) that validators look into.
const SHORT: usize = 512;

/// The first position of `needle` in `hay` (bytes).
pub fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if hay.len() > SHORT {
        return memchr::memmem::find(hay, needle);
    }
    let Some((&first, rest)) = needle.split_first() else {
        return Some(0);
    };
    let last = hay.len().checked_sub(needle.len())?;
    let mut at = 0;
    while at <= last {
        let i = at + memchr::memchr(first, hay.get(at..=last)?)?;
        if hay.get(i + 1..i + needle.len()) == Some(rest) {
            return Some(i);
        }
        at = i + 1;
    }
    None
}

/// The last position of `needle` in `hay` (bytes).
pub fn rfind_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if hay.len() > SHORT {
        return memchr::memmem::rfind(hay, needle);
    }
    if needle.is_empty() {
        return Some(hay.len());
    }
    let last = hay.len().checked_sub(needle.len())?;
    (0..=last)
        .rev()
        .find(|&i| hay.get(i..i + needle.len()) == Some(needle))
}

/// The largest char boundary `<= i` (clamped to `s.len()`).
pub fn floor(s: &str, i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    let mut i = i;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The smallest char boundary `>= i` (clamped to `s.len()`).
pub fn ceil(s: &str, i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    let mut i = i;
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// `s[start..end]`, widened outwards to whole characters and clamped.
pub fn widen(s: &str, start: usize, end: usize) -> &str {
    let start = floor(s, start.min(end));
    let end = ceil(s, end);
    s.get(start..end).unwrap_or_default()
}

/// At most the first `max` bytes of `s`, cut at a char boundary.
pub fn head(s: &str, max: usize) -> &str {
    s.get(..floor(s, max)).unwrap_or_default()
}

/// `s` from byte `start` (moved forward to a char boundary) to the end.
pub fn from(s: &str, start: usize) -> &str {
    s.get(ceil(s, start)..).unwrap_or_default()
}

/// `s` up to byte `end` (moved back to a char boundary).
pub fn to(s: &str, end: usize) -> &str {
    head(s, end)
}

/// Whether `s` ends with `suffix`, ASCII case-insensitively, comparing bytes
/// (so a multi-byte character just before the suffix cannot panic).
pub fn ends_with_ignore_case(s: &str, suffix: &str) -> bool {
    let (s, suffix) = (s.as_bytes(), suffix.as_bytes());
    s.len() >= suffix.len() && s[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// `s` without `suffix` (ASCII case-insensitive), if it ends with it.
pub fn strip_suffix_ignore_case<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    if !ends_with_ignore_case(s, suffix) {
        return None;
    }
    s.get(..s.len() - suffix.len())
}

/// Redact a secret for display: a recognisable prefix (`sk-proj-`), at most
/// two characters after it, an ellipsis and at most the last four.
/// Short secrets show less; nothing that would let the key be used.
pub fn redact(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let n = chars.len();
    if n == 0 {
        return String::new();
    }
    // Vendor prefix: up to the last '-' or '_' in the first 16 characters,
    // kept only when at least 16 characters follow it.
    let prefix_len = chars
        .iter()
        .take(16)
        .rposition(|&c| c == '-' || c == '_')
        .map(|p| p + 1)
        .filter(|&p| n - p >= 16)
        .unwrap_or(0);
    let rest = n - prefix_len;
    let prefix: String = chars[..prefix_len].iter().collect();
    let (head, tail) = if rest >= 20 {
        (2, 4)
    } else if rest >= 12 {
        (1, 2)
    } else {
        (0, 0)
    };
    let head: String = chars[prefix_len..prefix_len + head].iter().collect();
    let tail: String = chars[n - tail..].iter().collect();
    format!("{prefix}{head}…{tail}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn find_bytes_agrees_with_memmem() {
        let long = "ab".repeat(400) + "needle";
        let hays: [&[u8]; 6] = [b"", b"a", b"aaab", b"xxabcabc", b"abcab", long.as_bytes()];
        let needles: [&[u8]; 6] = [b"", b"a", b"ab", b"abc", b"cab", b"needle"];
        for h in hays {
            for n in needles {
                assert_eq!(
                    super::find_bytes(h, n),
                    memchr::memmem::find(h, n),
                    "{h:?} {n:?}"
                );
                assert_eq!(
                    super::rfind_bytes(h, n),
                    memchr::memmem::rfind(h, n),
                    "{h:?} {n:?}"
                );
            }
        }
    }

    use super::*;

    #[test]
    fn never_panics_inside_a_character() {
        let s = "a á🔑키";
        for i in 0..=s.len() + 2 {
            let _ = head(s, i);
            let _ = from(s, i);
            for j in 0..=s.len() + 2 {
                let w = widen(s, i, j);
                assert!(s.contains(w));
            }
        }
        assert_eq!(head(s, 3), "a ");
        assert_eq!(from(s, 3), "🔑키");
        assert_eq!(widen(s, 3, 4), "á");
        assert_eq!(widen(s, 3, 5), "á🔑");
    }

    #[test]
    fn suffixes() {
        assert!(ends_with_ignore_case("a á.HTML", ".html"));
        assert!(!ends_with_ignore_case("á", ".ipynb"));
        assert!(ends_with_ignore_case("🔑.ipynb", ".IPYNB"));
        assert_eq!(strip_suffix_ignore_case("café.TGZ", ".tgz"), Some("café"));
        assert_eq!(strip_suffix_ignore_case("é", ".tgz"), None);
    }
}
