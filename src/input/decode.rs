//! Turning raw file bytes into text the matcher can search: BOM handling,
//! UTF-16 transcoding and binary detection, and the strings of the binary
//! formats that carry keys in apps ([`binary_strings`]: dex, Android resource
//! tables and binary XML, binary plists).

use std::borrow::Cow;

use super::budget::Budget;

/// What the bytes of a blob turned out to be.
#[derive(Debug)]
pub enum Decoded<'a> {
    /// Text (UTF-8 or not quite: invalid sequences are searched as bytes).
    Text(Cow<'a, [u8]>),
    /// Binary content (a NUL byte in the first 8 KiB, no UTF-16 BOM).
    Binary,
}

/// Decode `bytes`: strip a UTF-8 BOM, transcode UTF-16 (with a BOM, or
/// without one when every other byte of the start is NUL), detect binary.
/// CRLF needs nothing: `\r` is never part of a secret and lines are counted
/// by `\n`. Transcoded text is charged to `budget` (and cut there).
pub fn decode<'a>(bytes: &'a [u8], budget: &mut Budget) -> Decoded<'a> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Decoded::Text(Cow::Borrowed(rest));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return Decoded::Text(Cow::Owned(utf16(rest, u16::from_le_bytes, budget)));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return Decoded::Text(Cow::Owned(utf16(rest, u16::from_be_bytes, budget)));
    }
    let head = &bytes[..bytes.len().min(8192)];
    if memchr::memchr(0, head).is_none() {
        return Decoded::Text(Cow::Borrowed(bytes));
    }
    // BOM-less UTF-16 (PowerShell, some Windows editors): ASCII text has a
    // NUL in every other byte.
    if head.len() >= 16 {
        let odd_nul = head.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
        let even_nul = head.iter().step_by(2).filter(|&&b| b == 0).count();
        let half = head.len() / 2;
        if odd_nul * 10 >= half * 9 && even_nul * 10 < half {
            return Decoded::Text(Cow::Owned(utf16(bytes, u16::from_le_bytes, budget)));
        }
        if even_nul * 10 >= half * 9 && odd_nul * 10 < half {
            return Decoded::Text(Cow::Owned(utf16(bytes, u16::from_be_bytes, budget)));
        }
    }
    Decoded::Binary
}

/// The searchable strings of a binary format that apps ship keys in, one
/// per line, or `None` when `bytes` is not such a format (then [`decode`]
/// decides). Recognised by magic bytes, so it costs a few comparisons. What
/// comes out is bounded by `budget`.
pub fn binary_strings(bytes: &[u8], budget: &mut Budget) -> Option<Vec<u8>> {
    match bytes.first()? {
        b'd' | 2 | 3 => super::android::strings(bytes, budget),
        b'b' => super::plist::text(bytes, budget),
        _ => None,
    }
}

/// UTF-16 to UTF-8 (lone surrogates become U+FFFD), no more than `budget`
/// allows: each unit is at least one byte of output, so at most `left`
/// units are decoded, and the text is cut at a character boundary.
fn utf16(bytes: &[u8], f: fn([u8; 2]) -> u16, budget: &mut Budget) -> Vec<u8> {
    const WHAT: &str = "UTF-16 text";
    let left = budget.left();
    let all = bytes;
    let bytes = bytes.get(..left.saturating_mul(2)).unwrap_or(bytes);
    let units = bytes.chunks_exact(2).map(|c| f([c[0], c[1]]));
    let text: String = char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    let keep = crate::text::floor(&text, budget.take(text.len(), WHAT));
    if bytes.len() < all.len() {
        // Units were left undecoded: that is a cut even when what was
        // decoded fit exactly.
        budget.take(1, WHAT);
    }
    let mut out = text.into_bytes();
    out.truncate(keep);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(b: &[u8]) -> Decoded<'_> {
        super::decode(b, &mut Budget::new(1 << 20))
    }

    fn text(d: Decoded<'_>) -> Vec<u8> {
        match d {
            Decoded::Text(t) => t.into_owned(),
            Decoded::Binary => panic!("binary"),
        }
    }

    #[test]
    fn boms_and_utf16() {
        assert_eq!(text(decode(b"\xEF\xBB\xBFkey=1")), b"key=1");
        let le: Vec<u8> = "\u{feff}key = value here"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(text(decode(&le)), b"key = value here");
        let be: Vec<u8> = "\u{feff}key = value here"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(text(decode(&be)), b"key = value here");
        let bomless: Vec<u8> = "token = abcdefghijkl"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(text(decode(&bomless)), b"token = abcdefghijkl");
    }

    #[test]
    fn binary() {
        assert!(matches!(
            decode(b"\x7fELF\x00\x01\x02\x03"),
            Decoded::Binary
        ));
    }

    #[test]
    fn utf16_is_cut_at_the_budget() {
        let le: Vec<u8> = "\u{feff}ключ=значение"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let mut budget = Budget::new(7);
        let Decoded::Text(t) = super::decode(&le, &mut budget) else {
            panic!("binary")
        };
        // Cut at a character boundary: three 2-byte letters.
        assert_eq!(&*t, "клю".as_bytes());
        assert_eq!(budget.cut(), Some("UTF-16 text"));
        // ASCII fills the budget exactly (one byte per unit) and stops
        // before the end: still a cut.
        let le: Vec<u8> = "\u{feff}abcdefgh"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let mut budget = Budget::new(4);
        let Decoded::Text(t) = super::decode(&le, &mut budget) else {
            panic!("binary")
        };
        assert_eq!(&*t, b"abcd");
        assert_eq!(budget.cut(), Some("UTF-16 text"));
    }
}
