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

/// Whether `c` must not reach a terminal or a CI log raw: C0 controls
/// (but tab), DEL, C1 controls (NEL among them), the Unicode line and
/// paragraph separators, and the bidirectional overrides and isolates that
/// reorder what a reader sees.
pub fn is_unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` made safe to print on one line of a terminal or CI log: every
/// character [`is_unsafe_char`] says is unsafe is written as an escape
/// (`\n`, `\r`, `\x1b`, `\u{85}`), and a leading `::` (a GitHub workflow
/// command) loses its first colon to `\x3a`. Text from data (file names,
/// matched lines, commit text, config values) goes through this before it is
/// shown; JSON and SARIF escape by their own rules instead.
pub fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    escape_with(s, s.trim_start().starts_with("::"))
}

/// [`escape`] without the workflow-command rule: for text that never starts
/// a line (a field inside a report line, a GitHub annotation's message).
pub fn escape_controls(s: &str) -> std::borrow::Cow<'_, str> {
    escape_with(s, false)
}

fn escape_with(s: &str, lead: bool) -> std::borrow::Cow<'_, str> {
    if !lead && !s.chars().any(is_unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    let mut colons = lead;
    for c in s.chars() {
        if colons && c == ':' {
            out.push_str("\\x3a");
            colons = false;
            continue;
        }
        push_escaped(&mut out, c);
    }
    std::borrow::Cow::Owned(out)
}

fn push_escaped(out: &mut String, c: char) {
    use std::fmt::Write as _;
    if !is_unsafe_char(c) {
        out.push(c);
        return;
    }
    let _ = match c {
        '\n' => write!(out, "\\n"),
        '\r' => write!(out, "\\r"),
        c if (c as u32) < 0x80 => write!(out, "\\x{:02x}", c as u32),
        c => write!(out, "\\u{{{:x}}}", c as u32),
    };
}

/// A message of several lines (a TOML parse error quoting the config)
/// made safe line by line: each line as [`escape`] makes it.
pub fn escape_lines(s: &str) -> String {
    s.split('\n').map(escape).collect::<Vec<_>>().join("\n")
}

/// Whether a line would be read as a GitHub workflow command: `::` after
/// leading white space (the runner trims it), or the older `##[` form.
pub fn is_workflow_command(line: &str) -> bool {
    line.trim_start().starts_with("::") || line.contains("##[")
}

/// A writer that makes every line it passes safe for a terminal or a CI
/// log, whatever the code that formats the lines forgot: characters
/// [`is_unsafe_char`] flags are escaped (newlines end lines; a color escape
/// `ESC [ digits ; m` is kept when `color` is on), and a line that would be
/// a workflow command is defused (its first `:` or `#` escaped), unless
/// `commands` allows jikimi's own (the github format, whose annotation data
/// is escaped by GitHub's rules before it gets here).
pub struct SafeLines<'w> {
    inner: &'w mut dyn std::io::Write,
    color: bool,
    commands: bool,
    line: Vec<u8>,
}

impl<'w> SafeLines<'w> {
    pub fn new(inner: &'w mut dyn std::io::Write, color: bool, commands: bool) -> Self {
        SafeLines {
            inner,
            color,
            commands,
            line: Vec::new(),
        }
    }

    fn emit(&mut self, newline: bool) -> std::io::Result<()> {
        let raw = String::from_utf8_lossy(&self.line).into_owned();
        self.line.clear();
        let own_command = self.commands
            && ["::error ", "::warning ", "::notice "]
                .iter()
                .any(|p| raw.starts_with(p));
        let mut out = String::with_capacity(raw.len() + 8);
        let mut chars = raw.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '\x1b' && self.color {
                let sgr = from(&raw, i + 1);
                let body = sgr
                    .strip_prefix('[')
                    .and_then(|r| r.find('m').map(|end| (r, end)))
                    .filter(|(r, end)| {
                        head(r, *end)
                            .bytes()
                            .all(|b| b.is_ascii_digit() || b == b';')
                    });
                if let Some((_, end)) = body {
                    out.push('\x1b');
                    out.push_str(head(sgr, end + 2));
                    for _ in 0..end + 2 {
                        chars.next();
                    }
                    continue;
                }
            }
            push_escaped(&mut out, c);
        }
        if !own_command && is_workflow_command(&out) {
            out = defuse(&out);
        }
        self.inner.write_all(out.as_bytes())?;
        if newline {
            self.inner.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// `line` with its workflow-command markers escaped.
fn defuse(line: &str) -> String {
    let mut out = line.replace("##[", "\\x23#[");
    let lead = out.len() - out.trim_start().len();
    if from(&out, lead).starts_with("::") {
        out = format!("{}\\x3a{}", head(&out, lead), from(&out, lead + 1));
    }
    out
}

impl std::io::Write for SafeLines<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut rest = buf;
        while let Some(nl) = memchr::memchr(b'\n', rest) {
            self.line.extend_from_slice(&rest[..nl]);
            self.emit(true)?;
            rest = &rest[nl + 1..];
        }
        self.line.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.line.is_empty() {
            self.emit(false)?;
        }
        self.inner.flush()
    }
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
    fn escape_defuses_controls_and_commands() {
        assert_eq!(escape("plain/path.py"), "plain/path.py");
        assert_eq!(
            escape("b\n::error file=x::F\u{1b}]0;t\u{7}\u{85}"),
            "b\\n::error file=x::F\\x1b]0;t\\x07\\u{85}"
        );
        assert_eq!(escape("::stop-commands::x"), "\\x3a:stop-commands::x");
        assert_eq!(escape("a\tb"), "a\tb");
        let mut buf = Vec::new();
        {
            use std::io::Write as _;
            let mut w = SafeLines::new(&mut buf, true, false);
            write!(
                w,
                "\u{1b}[1mok\u{1b}[0m \u{1b}]0;x\u{7}\n  ::error x::y\n##[group]a\nend"
            )
            .unwrap();
            w.flush().unwrap();
        }
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "\u{1b}[1mok\u{1b}[0m \\x1b]0;x\\x07\n  \\x3a:error x::y\n\\x23#[group]a\nend"
        );
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
