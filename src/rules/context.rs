//! Where a rule's context words (the provider's name, its abbreviations) may
//! stand around the token, for rules split into words + gap + token
//! ([`ContextSplit`]).
//!
//! Before the token, within the rule's gap, as the regex says: a variable
//! name (`PARTICLE_TOKEN=`), a header (`X-Postmark-Server-Token:`), a URL's
//! host or path (`https://api.particle.io/v1/devices?access_token=`). Real
//! files also name the provider *after* the token on the same line: curl
//! puts the URL last (`curl -H "Authorization: Bearer <token>"
//! https://api.kagi.com/...`), a client call passes the key before the host,
//! a trailing comment says whose key it is. A word after the token counts
//! when it starts within the gap after the token's end and before the end of
//! its line.
//!
//! A short word (4 bytes or fewer: `ovh`, `kimi`, an abbreviation such as
//! `prtcl` written as a rule's alias) counts only where a name could start:
//! after a byte that is not a letter or digit, or as a camelCase hump
//! (`newOvhClient`). Otherwise `zai` would be found inside `bazaid` and
//! `ovh` inside any hex digest.

use super::ContextSplit;

/// Words this long or shorter must start a name (see the module docs).
const SHORT_WORD: usize = 4;

/// Whether `word`, found at `hay[at..]`, may count as a context word there.
pub fn word_starts_name(hay: &[u8], at: usize, word: &[u8]) -> bool {
    if word.len() > SHORT_WORD || at == 0 {
        return true;
    }
    let (Some(&prev), Some(&first)) = (hay.get(at - 1), hay.get(at)) else {
        return true;
    };
    !prev.is_ascii_alphanumeric() || (prev.is_ascii_lowercase() && first.is_ascii_uppercase())
}

impl ContextSplit {
    /// Where the context of a token starts, for a match of the token's regex
    /// at `start` whose secret ends at `end` (not the match's end: a
    /// boundary class may have taken the line's newline). The
    /// earliest word before it (see [`ContextSplit::context_start`]), else
    /// the token itself when a word follows it on its line within the gap;
    /// `None` when neither.
    pub fn context_span(&self, hay: &[u8], start: usize, end: usize) -> Option<usize> {
        self.context_start(hay, start)
            .or_else(|| self.word_after(hay, end).then_some(start))
    }

    /// Whether one of the words starts within `gap` bytes after `end`, on
    /// the same line.
    pub fn word_after(&self, hay: &[u8], end: usize) -> bool {
        let longest = self.words.iter().map(Vec::len).max().unwrap_or(0);
        let Some(rest) = hay.get(end..) else {
            return false;
        };
        let line = memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
        let hi = line.min(self.gap.saturating_add(longest));
        let lower = rest[..hi].to_ascii_lowercase();
        self.words.iter().any(|w| {
            let mut from = 0;
            while let Some(i) = lower
                .get(from..)
                .and_then(|t| crate::text::find_bytes(t, w))
            {
                let at = from + i;
                if at > self.gap {
                    return false;
                }
                if word_starts_name(hay, end + at, w) {
                    return true;
                }
                from = at + 1;
            }
            false
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(words: &[&str], gap: usize) -> ContextSplit {
        ContextSplit {
            words: words.iter().map(|w| w.as_bytes().to_vec()).collect(),
            gap,
            rest: regex::bytes::Regex::new("x").unwrap(),
        }
    }

    #[test]
    fn a_word_after_the_token_counts_on_its_line_within_the_gap() {
        let s = split(&["kagi"], 40);
        let hay = b"curl -H 'Authorization: Bot TOKEN' https://kagi.com/api/v0/search";
        let (start, end) = (28, 33);
        assert_eq!(&hay[start..end], b"TOKEN");
        assert_eq!(s.context_span(hay, start, end), Some(start));
        // On the next line, or past the gap: no.
        let hay = b"key = 'TOKEN'\nurl = 'https://kagi.com/'";
        assert_eq!(s.context_span(hay, 7, 12), None);
        let far = format!("key = 'TOKEN' {} kagi", "x".repeat(60));
        assert_eq!(s.context_span(far.as_bytes(), 7, 12), None);
    }

    #[test]
    fn a_word_before_still_wins_and_gives_the_earliest_start() {
        let s = split(&["particle"], 80);
        let hay = b"PARTICLE_TOKEN=TOKEN # particle";
        assert_eq!(s.context_span(hay, 15, 20), Some(0));
    }

    #[test]
    fn short_words_must_start_a_name() {
        assert!(word_starts_name(b"OVH_KEY", 0, b"ovh"));
        assert!(word_starts_name(b"api.ovh.com", 4, b"ovh"));
        assert!(word_starts_name(b"newOvhClient", 3, b"ovh"));
        assert!(!word_starts_name(b"bazaid", 2, b"zai"));
        assert!(!word_starts_name(b"a1b2ovh", 4, b"ovh"));
        // Long words count anywhere (`myparticle_token`).
        assert!(word_starts_name(b"myparticle", 2, b"particle"));
        let s = split(&["zai"], 40);
        let hay = b"TOKEN bazaid";
        assert_eq!(s.context_span(hay, 0, 5), None);
        let hay = b"TOKEN # zai";
        assert_eq!(s.context_span(hay, 0, 5), Some(0));
    }
}
