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

/// Whether `hay[start..end]` is a segment of a URL's path (after the host,
/// before `?` or `#`) whose host holds one of `words`: an id in the
/// provider's own resource URL (`images.squarespace-cdn.com/content/<uuid>/`),
/// which the name before it does not make a key.
pub fn in_named_url_path(hay: &[u8], start: usize, _end: usize, words: &[Vec<u8>]) -> bool {
    let lo = start.saturating_sub(512);
    let Some(before) = hay.get(lo..start) else {
        return false;
    };
    // The URL the token is in: its `://` on the same run of URL bytes.
    let run = before
        .iter()
        .rposition(|&b| ends_url(b))
        .map_or(0, |p| p + 1);
    let url = &before[run..];
    let Some(scheme) = crate::text::find_bytes(url, b"://") else {
        return false;
    };
    let rest = &url[scheme + 3..];
    let Some(slash) = rest.iter().position(|&b| b == b'/') else {
        return false;
    };
    if rest.iter().any(|&b| b == b'?' || b == b'#') {
        return false;
    }
    let host = rest[..slash].to_ascii_lowercase();
    words
        .iter()
        .any(|w| crate::text::find_bytes(&host, w).is_some())
}

/// A rule whose regex is "the provider's name in a variable name, an
/// assignment, then the token" (`(?i:deepgram)[A-Za-z0-9_.-]{0,30}…=…(TOKEN)`):
/// the name words and the token's own regex (from the secret's capture
/// group to the end), so that the token is also found where the name is in
/// a URL on its line instead (see [`NamedToken::url_context`]).
#[derive(Debug)]
pub struct NamedToken {
    /// The name words, lowercased.
    pub words: Vec<Vec<u8>>,
    /// The token's regex: group 1 is the secret.
    pub token: regex::bytes::Regex,
}

/// Split `pattern` into a [`NamedToken`], if it starts with plain name words
/// and has a capture group.
pub fn named_token(pattern: &str, limit: usize) -> Option<NamedToken> {
    let tail = pattern.strip_prefix("(?i:")?;
    let (alts, _) = tail.split_once(')')?;
    let plain = |w: &str| {
        w.len() >= 3
            && w.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    if !alts.split('|').all(plain) {
        return None;
    }
    let group = first_capture_group(pattern)?;
    let token = pattern.get(group..)?;
    let token = regex::bytes::RegexBuilder::new(token)
        .unicode(false)
        .size_limit(limit)
        .dfa_size_limit(limit)
        .build()
        .ok()?;
    (token.captures_len() > 1).then(|| NamedToken {
        words: alts
            .split('|')
            .map(|w| w.to_ascii_lowercase().into_bytes())
            .collect(),
        token,
    })
}

/// Byte offset of the first capturing `(` of a regex: not escaped, not in a
/// class, not `(?…`.
fn first_capture_group(pattern: &str) -> Option<usize> {
    let b = pattern.as_bytes();
    let (mut i, mut class) = (0, false);
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'[' if !class => {
                class = true;
                // `[]…]` and `[^]…]`: a leading `]` is a literal.
                if b.get(i + 1) == Some(&b'^') {
                    i += 1;
                }
                if b.get(i + 1) == Some(&b']') {
                    i += 1;
                }
            }
            b']' if class => class = false,
            b'(' if !class && b.get(i + 1) != Some(&b'?') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// Bytes that end a URL in text.
fn ends_url(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'`' | b'<' | b'>' | b'(' | b')')
}

impl NamedToken {
    /// Whether one of the words stands in the host of a URL on the
    /// line `hay[line]`, and the token at `secret` is outside that URL or
    /// is one of its query values (`?…=TOKEN`, `&…=TOKEN`): not a path
    /// segment or a fragment of the host.
    pub fn url_context(
        &self,
        hay: &[u8],
        line: std::ops::Range<usize>,
        secret: std::ops::Range<usize>,
    ) -> bool {
        let Some(text) = hay.get(line.clone()) else {
            return false;
        };
        let lower = text.to_ascii_lowercase();
        let mut named = false;
        let mut from = 0;
        while let Some(i) = lower
            .get(from..)
            .and_then(|t| crate::text::find_bytes(t, b"://"))
        {
            let at = from + i;
            let start = lower[..at]
                .iter()
                .rposition(|&b| !b.is_ascii_alphanumeric() && !matches!(b, b'+' | b'.' | b'-'))
                .map_or(0, |p| p + 1);
            let end = lower[at..]
                .iter()
                .position(|&b| ends_url(b))
                .map_or(lower.len(), |p| at + p);
            from = end.max(at + 3);
            // Host and path: up to the query.
            let path_end = lower[at..end]
                .iter()
                .position(|&b| b == b'?' || b == b'#')
                .map_or(end, |p| at + p);
            // The host only: a provider's name in a path is often a link to
            // its SDK or docs (`github.com/deepgram/...`), not its API.
            let host_end = lower[at + 3..path_end]
                .iter()
                .position(|&b| b == b'/')
                .map_or(path_end, |p| at + 3 + p);
            let url = &lower[at + 3..host_end];
            let (us, ue) = (line.start + start, line.start + end);
            let inside = secret.start < ue && secret.end > us;
            let query =
                secret.start > line.start + path_end && hay.get(secret.start - 1) == Some(&b'=');
            // A token in a URL's host or path is that URL's resource id (a
            // status badge's `badge.<provider>.com/<id>.svg`), whatever other
            // URL on the line names the provider.
            if inside && !query {
                return false;
            }
            if !self
                .words
                .iter()
                .any(|w| crate::text::find_bytes(url, w).is_some())
            {
                continue;
            }
            if !inside || query {
                named = true;
            }
        }
        named
    }
}

impl NamedToken {
    /// Whether a `Host:` header naming the provider stands in the 8 lines
    /// (at most 1 KiB) before the line starting at `line_start`: a recorded
    /// HTTP request (`Host: api.deepgram.com` then `Authorization: Token …`).
    pub fn host_header_context(&self, hay: &[u8], line_start: usize) -> bool {
        let lo = line_start.saturating_sub(1024);
        let Some(before) = hay.get(lo..line_start) else {
            return false;
        };
        before.split(|&b| b == b'\n').rev().take(9).any(|l| {
            let l = l.trim_ascii().to_ascii_lowercase();
            l.strip_prefix(b"host:").is_some_and(|h| {
                self.words
                    .iter()
                    .any(|w| crate::text::find_bytes(h, w).is_some())
            })
        })
    }
}

/// Name parts after the provider's word that make a value an identifier or
/// a setting, not a credential (`netlify_site_id`, `datadogHost`).
const NOT_SECRET_TAILS: &[&str] = &[
    "id",
    "ids",
    "url",
    "uri",
    "host",
    "hostname",
    "name",
    "user",
    "username",
    "email",
    "region",
    "endpoint",
    "domain",
    "path",
    "version",
    "project",
    "org",
    "account",
    "port",
    "env",
    "mode",
    "type",
    "site",
    "zone",
    "team",
    "workspace",
    "tenant",
    "channel",
    "model",
    "base",
    "uuid",
    "guid",
    "release",
    "commit",
    "sha",
    "hash",
    "digest",
    "checksum",
    "revision",
    "rev",
    "build",
    "tag",
    "fingerprint",
    "public",
    "pub",
    "publickey",
    "pubkey",
    "bucket",
    "table",
    "database",
    "db",
    "index",
    "field",
    "label",
    "title",
    "file",
    "dir",
    "queue",
    "topic",
    "event",
    "count",
    "size",
    "limit",
    "timeout",
    "location",
];

impl NamedToken {
    /// Whether the token at `secret` is the value of an assignment whose
    /// name holds one of the words, on its line `hay[line]`: the name, an
    /// optional closing quote, an operator (`=`, `:`, `:=`, `::=`, `?=`,
    /// `=>`) and an optional opening quote right before the token
    /// (`netlify=…`, `"netlifyKey": "…"`, `netlifySecret := "…"`). The rule's
    /// own regex wants a credential word after the name (`netlify_token`);
    /// the peers' rules take any name holding the provider's, and so do real
    /// files. A name ending in an identifier or setting word (`_id`,
    /// `Host`, `_region`) does not count.
    pub fn assignment_context(
        &self,
        hay: &[u8],
        line: std::ops::Range<usize>,
        secret: std::ops::Range<usize>,
    ) -> bool {
        let Some(before) = hay.get(line.start..secret.start) else {
            return false;
        };
        let mut i = before.len();
        let back = |i: &mut usize, pred: &dyn Fn(u8) -> bool, max: usize| {
            let mut n = 0;
            while *i > 0 && n < max && pred(before[*i - 1]) {
                *i -= 1;
                n += 1;
            }
            n
        };
        back(&mut i, &|b| matches!(b, b'"' | b'\'' | b'`'), 1);
        back(&mut i, &|b| b == b' ' || b == b'\t', 8);
        let op_end = i;
        back(&mut i, &|b| matches!(b, b'=' | b':' | b'?' | b'>'), 3);
        let op = &before[i..op_end];
        if !matches!(op, b"=" | b":" | b":=" | b"::=" | b"?=" | b"=>") {
            return false;
        }
        back(&mut i, &|b| b == b' ' || b == b'\t', 8);
        back(&mut i, &|b| matches!(b, b'"' | b'\''), 1);
        let name_end = i;
        back(
            &mut i,
            &|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'),
            64,
        );
        let name = &before[i..name_end];
        if name.is_empty() || (i > 0 && before[i - 1].is_ascii_alphanumeric()) {
            return false;
        }
        let lower = name.to_ascii_lowercase();
        self.words.iter().any(|w| {
            let Some(at) = crate::text::find_bytes(&lower, w) else {
                return false;
            };
            if !word_starts_name(name, at, w) {
                return false;
            }
            // What follows the word: its last part (after `_`, `.`, `-` or
            // a camelCase hump) must not name an identifier or a setting.
            let tail = &name[at + w.len()..];
            let last = tail
                .iter()
                .enumerate()
                .rev()
                .find(|&(k, &b)| {
                    matches!(b, b'_' | b'.' | b'-')
                        || (b.is_ascii_uppercase() && k > 0 && tail[k - 1].is_ascii_lowercase())
                })
                .map_or(tail, |(k, &b)| {
                    if b.is_ascii_uppercase() {
                        &tail[k..]
                    } else {
                        &tail[k + 1..]
                    }
                })
                .to_ascii_lowercase();
            // A number (`x86_64`, `v2`-like parts) names a build or a
            // version: a checksum list, not a key.
            let number = !last.is_empty() && last.iter().all(u8::is_ascii_digit);
            !number
                && !NOT_SECRET_TAILS
                    .iter()
                    .any(|t| t.as_bytes() == last.as_slice())
        })
    }
}

#[cfg(test)]
mod named_tests {
    use super::*;

    #[test]
    fn the_token_regex_starts_at_the_secret_group() {
        let n = named_token(
            r#"(?i:deepgram)[A-Za-z0-9_.-]{0,30}["']?\s*(?:=|:)\s*["'`]?([0-9a-f]{40})\b"#,
            1 << 20,
        )
        .expect("split");
        assert_eq!(n.words, vec![b"deepgram".to_vec()]);
        assert_eq!(n.token.as_str(), r"([0-9a-f]{40})\b");
        // A class holding `(` and an escaped paren are skipped.
        assert_eq!(first_capture_group(r"[(]\(?:x(?:y)(z)"), Some(13));
        assert!(named_token(r"\b(sk-[a-z]{20})", 1 << 20).is_none());
    }

    #[test]
    fn a_url_naming_the_provider_counts_unless_the_token_is_in_its_path() {
        let n = named_token(r"(?i:deepgram)=([0-9a-f]{8})\b", 1 << 20).unwrap();
        let line = b"curl -H 'Authorization: Token 0a1b2c3d' https://api.deepgram.com/v1/listen";
        let s = 30..38;
        assert_eq!(&line[s.clone()], b"0a1b2c3d");
        assert!(n.url_context(line, 0..line.len(), s));
        let line = b"GET https://api.deepgram.com/v1/listen?key=0a1b2c3d";
        assert!(n.url_context(line, 0..line.len(), 43..51));
        // In the path, or a URL of another host: no.
        let line = b"https://github.com/deepgram/sdk/blob/0a1b2c3d/README.md";
        assert!(!n.url_context(line, 0..line.len(), 37..45));
        let line = b"x = '0a1b2c3d' # https://example.com/docs";
        assert!(!n.url_context(line, 0..line.len(), 5..13));
        let req = b"GET /v1/listen HTTP/1.1\r\nHost: api.deepgram.com\r\nAuthorization: Token 0a1b2c3d\r\n";
        let at = req.len() - 31;
        assert!(n.host_header_context(req, at));
        let req = b"GET / HTTP/1.1\r\nHost: example.com\r\nAuthorization: Token 0a1b2c3d\r\n";
        assert!(!n.host_header_context(req, req.len() - 31));
    }

    #[test]
    fn a_name_holding_the_provider_word_before_an_assignment_counts() {
        let n = named_token(r"(?i:netlify)_token=([0-9a-z]{8})\b", 1 << 20).unwrap();
        let ok = |line: &str, tok: &str| {
            let s = line.find(tok).expect("token in line");
            n.assignment_context(line.as_bytes(), 0..line.len(), s..s + tok.len())
        };
        assert!(ok("netlify=0a1b2c3d", "0a1b2c3d"));
        assert!(ok("  \"netlifyKey\": \"0a1b2c3d\",", "0a1b2c3d"));
        assert!(ok("\tnetlifySecret := \"0a1b2c3d\"", "0a1b2c3d"));
        assert!(ok("export MY_NETLIFY_AUTH ?= 0a1b2c3d", "0a1b2c3d"));
        assert!(ok("netlify  =0a1b2c3d", "0a1b2c3d"));
        assert!(ok("netlify.api-key: '0a1b2c3d'", "0a1b2c3d"));
        // An identifier or setting name, another name, no assignment: no.
        assert!(!ok("netlify_site_id = \"0a1b2c3d\"", "0a1b2c3d"));
        assert!(!ok("netlifyHost: 0a1b2c3d", "0a1b2c3d"));
        assert!(!ok("other_key = 0a1b2c3d # netlify", "0a1b2c3d"));
        assert!(!ok("netlify 0a1b2c3d", "0a1b2c3d"));
        assert!(!ok("netlify == 0a1b2c3d", "0a1b2c3d"));
        assert!(!ok("netlify-cli-Linux-x86_64=0a1b2c3d", "0a1b2c3d"));
    }
}
