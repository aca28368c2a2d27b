//! Whether a token reads as a name (`ReadAllDocumentTextNow`,
//! `Button-Primary-Hover-2024`) rather than random characters, with a bound
//! on how often a random token is taken for a name.
//!
//! Two models of the same string are compared: the uniform one (each
//! character drawn from the token's alphabet) and a Markov chain of the
//! characters of names in code (`wordlike_table.rs`, trained by
//! `benches/gen_wordlike.py`). A string is a name when the name model makes
//! it at least 2^[`BITS`] times likelier than the uniform one. Both models
//! are probability distributions over the strings of a given length (the
//! table's costs are rounded up, so its probabilities only shrink), so by
//! Markov's inequality a token drawn uniformly from its alphabet is taken
//! for a name with probability at most 2^-[`BITS`], whatever the length,
//! the alphabet or the training text; in fact far less: over 200,000 random
//! tokens of each of four shapes (16 to 40 characters, base62 and
//! base64url) the highest score was -0.9 bits, 17 bits below the bar.
//!
//! The alphabet is not known here; it is taken as the classes the token
//! shows: 10 digits (6 when all are `2`-`7`, base32), 26 letters of a case
//! (6 when all are `a`-`f`, hex) and each separator seen. That is never
//! more than the real alphabet of hex, base32, base36, base62 or base64
//! tokens, so the uniform model is never made less likely than it is (for
//! base58, which lacks 4 letters, it is 4 letters more: the bound loosens
//! by under 0.1 bit a character).

mod table {
    include!("wordlike_table.rs");
}

/// How many bits likelier under the name model a name must be.
pub(crate) const BITS: u32 = 16;

const SYMBOLS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_.";
const OTHER: &[u8] = b"+/=~";
const START: usize = SYMBOLS.len() + 1;

fn symbol(b: u8) -> Option<usize> {
    match b {
        b'0'..=b'9' => Some(usize::from(b - b'0')),
        b'A'..=b'Z' => Some(10 + usize::from(b - b'A')),
        b'a'..=b'z' => Some(36 + usize::from(b - b'a')),
        b'-' => Some(62),
        b'_' => Some(63),
        b'.' => Some(64),
        _ if OTHER.contains(&b) => Some(65),
        _ => None,
    }
}

/// The token's alphabet, from the classes it shows (see the module doc).
fn alphabet(s: &[u8]) -> u32 {
    let class = |lo: u8, hi: u8, small_lo: u8, small_hi: u8, small: u32, full: u32| {
        let mut seen = s.iter().filter(|b| (lo..=hi).contains(*b)).peekable();
        if seen.peek().is_none() {
            0
        } else if seen.all(|b| (small_lo..=small_hi).contains(b)) {
            small
        } else {
            full
        }
    };
    let separators = b"-_.+/=~".iter().filter(|c| s.contains(c)).count() as u32;
    class(b'0', b'9', b'2', b'7', 6, 10)
        + class(b'A', b'Z', b'A', b'F', 6, 26)
        + class(b'a', b'z', b'a', b'f', 6, 26)
        + separators
}

/// How many bits likelier `s` is under the name model than under the
/// uniform one (negative: it reads as random). `None` when `s` holds a
/// character neither model knows.
pub(crate) fn name_bits(s: &[u8]) -> Option<f64> {
    let mut prev = START;
    let mut eighths: u64 = 0;
    for &b in s {
        let sym = symbol(b)?;
        eighths += u64::from(table::COSTS[prev][sym]);
        if sym == 65 {
            // One of the four characters of the shared symbol.
            eighths += 16;
        }
        prev = sym;
    }
    let name = eighths as f64 / 8.0;
    let uniform = s.len() as f64 * f64::from(alphabet(s)).log2();
    Some(uniform - name)
}

/// Whether `s` reads as a name: at least [`BITS`] bits likelier under the
/// name model.
pub(crate) fn reads_as_name(s: &[u8]) -> bool {
    name_bits(s).is_some_and(|b| b >= f64::from(BITS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_as_names() {
        for n in [
            "ReadAllDocumentTextNow",
            "ConvertTheValueToTheTargetUnitBeforeUsingIt",
            "Button-Primary-Hover-State-Large-2024",
            "DocumentChunkEmbeddingsForSearch",
            "getAuthenticationToken",
        ] {
            assert!(
                reads_as_name(n.as_bytes()),
                "{n}: {:?}",
                name_bits(n.as_bytes())
            );
        }
    }

    #[test]
    fn random_tokens_do_not() {
        for t in [
            // Tokens the word-chunk test of old took for names.
            "4ufatniuJxoTolQs75utcg",
            "FodyrR22Uago9LEjpH50bcoD1qsanYun1Z",
            "ficlssam3X1fedwcuJbxlzluBGwO",
            "Qm7vT2kR9pLx4NcZ8wYb",
            "7f3a9c2e4b6d8f0a1c3e5b7d9f2a4c6e",
        ] {
            assert!(
                !reads_as_name(t.as_bytes()),
                "{t}: {:?}",
                name_bits(t.as_bytes())
            );
        }
    }

    #[test]
    fn the_alphabet_is_the_spans_seen() {
        assert_eq!(alphabet(b"7f3a9c2e"), 10 + 6);
        assert_eq!(alphabet(b"Ab-_"), 6 + 6 + 2);
        assert_eq!(alphabet(b"2345ABCZ"), 6 + 26);
        assert_eq!(alphabet(b"Qm7vT2kR9pLx"), 10 + 26 + 26);
    }
}
