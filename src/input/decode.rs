//! Turning raw file bytes into text the matcher can search: BOM handling,
//! UTF-16 transcoding and binary detection, and the strings of the binary
//! formats that carry keys in apps ([`binary_strings`]: dex, Android resource
//! tables and binary XML, binary plists).

use std::borrow::Cow;

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
/// by `\n`.
pub fn decode(bytes: &[u8]) -> Decoded<'_> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Decoded::Text(Cow::Borrowed(rest));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return Decoded::Text(Cow::Owned(utf16(rest, u16::from_le_bytes)));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return Decoded::Text(Cow::Owned(utf16(rest, u16::from_be_bytes)));
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
            return Decoded::Text(Cow::Owned(utf16(bytes, u16::from_le_bytes)));
        }
        if even_nul * 10 >= half * 9 && odd_nul * 10 < half {
            return Decoded::Text(Cow::Owned(utf16(bytes, u16::from_be_bytes)));
        }
    }
    Decoded::Binary
}

/// The searchable strings of a binary format that apps ship keys in, one
/// per line, or `None` when `bytes` is not such a format (then [`decode`]
/// decides). Recognised by magic bytes, so it costs a few comparisons.
pub fn binary_strings(bytes: &[u8]) -> Option<Vec<u8>> {
    match bytes.first()? {
        b'd' | 2 | 3 => super::android::strings(bytes),
        b'b' => super::plist::text(bytes),
        _ => None,
    }
}

/// Runs of at least `min` printable ASCII characters, one per line, as the
/// `strings` tool prints them. For binary members of app packages (native
/// libraries, protobuf resources in an `.aab`): a key compiled into a `.so`
/// is still a run of printable bytes. Random binary data almost never holds
/// a long run (each byte is printable with p ≈ 0.37), so this adds no noise.
pub fn printable_runs(bytes: &[u8], min: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, &b) in bytes.iter().enumerate() {
        let printable = (0x20..0x7f).contains(&b) || b == b'\t';
        match (printable, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if i - s >= min {
                    out.extend_from_slice(&bytes[s..i]);
                    out.push(b'\n');
                }
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start
        && bytes.len() - s >= min
    {
        out.extend_from_slice(&bytes[s..]);
        out.push(b'\n');
    }
    out
}

fn utf16(bytes: &[u8], f: fn([u8; 2]) -> u16) -> Vec<u8> {
    let units = bytes.chunks_exact(2).map(|c| f([c[0], c[1]]));
    char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect::<String>()
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn printable_runs_of_a_binary() {
        let b = b"\x7fELF\x00\x01short\x00a-long-enough-run\x00\x02\x03tail-run-to-the-end";
        assert_eq!(
            printable_runs(b, 8),
            b"a-long-enough-run\ntail-run-to-the-end\n"
        );
    }

    #[test]
    fn binary() {
        assert!(matches!(
            decode(b"\x7fELF\x00\x01\x02\x03"),
            Decoded::Binary
        ));
    }
}
