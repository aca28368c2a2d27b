//! Where a byte of a source file sits: in a string literal (with its exact
//! delimiters, prefix and body), in a comment, or in code. A tokenizer per
//! language family that reads the file from its start and knows each
//! family's strings (escapes, raw, verbatim, template, triple-quoted,
//! prefixed) and comments, so that an edit replaces a whole literal, or
//! splits one at the secret, and never cuts a quote or an escape.
//!
//! Why not tree-sitter: `fix` only needs literal and comment boundaries,
//! which a tokenizer gets exactly; ten grammars would add ten C compiles to
//! every build and CI run (and several MB to the binary) for a parse tree
//! the edits never use. The edits are checked by the languages' own tools
//! in `tests/fix.rs` (`node --check`, `py_compile`, `gofmt -e`).

/// A language family with one way to read the environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Js,
    Python,
    Go,
    Rust,
    Jvm,
    Ruby,
    Php,
    CSharp,
    Shell,
    Yaml,
}

impl Family {
    /// The family of a file, by its name.
    pub fn of(path: &str) -> Option<Family> {
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
        Some(match ext {
            // Single-file components: their script is JS (a literal in the
            // markup is at worst not found, and then left alone).
            "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" | "vue" | "svelte"
            | "astro" => Family::Js,
            "py" => Family::Python,
            "go" => Family::Go,
            "rs" => Family::Rust,
            "java" | "kt" | "kts" | "groovy" | "scala" => Family::Jvm,
            "rb" | "rake" => Family::Ruby,
            "php" => Family::Php,
            "cs" => Family::CSharp,
            "sh" | "bash" | "zsh" => Family::Shell,
            "yml" | "yaml" => Family::Yaml,
            _ if name == "gemfile" || name == "rakefile" => Family::Ruby,
            _ => return None,
        })
    }

    fn slash_comments(self) -> bool {
        matches!(
            self,
            Family::Js | Family::Go | Family::Rust | Family::Jvm | Family::Php | Family::CSharp
        )
    }

    fn hash_comments(self) -> bool {
        matches!(
            self,
            Family::Python | Family::Ruby | Family::Php | Family::Shell | Family::Yaml
        )
    }
}

/// A string literal: `text[start..end]` is the whole token, `open` and
/// `close` its delimiters (with any prefix: `f"`, `r#"`, `@"`), the body in
/// between.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lit {
    pub start: usize,
    pub end: usize,
    pub body_start: usize,
    pub body_end: usize,
    pub open: String,
    pub close: String,
    /// A JS template literal (`${}` interpolates).
    pub template: bool,
}

/// What a byte is part of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Region {
    Literal(Lit),
    Comment,
    Code,
}

fn ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The region holding byte `at` of `text`.
pub fn region_at(fam: Family, text: &str, at: usize) -> Region {
    let b = text.as_bytes();
    let n = b.len();
    let mut i = 0;
    while i < n && i <= at {
        let c = b[i];
        let next = b.get(i + 1).copied();
        // Comments.
        let line_comment = (fam.slash_comments() && c == b'/' && next == Some(b'/'))
            || (fam.hash_comments()
                && c == b'#'
                && (!matches!(fam, Family::Shell | Family::Yaml)
                    || i == 0
                    || b[i - 1].is_ascii_whitespace()));
        if line_comment {
            let end = memchr::memchr(b'\n', &b[i..]).map_or(n, |e| i + e);
            if at < end {
                return Region::Comment;
            }
            i = end;
            continue;
        }
        if fam.slash_comments() && c == b'/' && next == Some(b'*') {
            let end = crate::text::find_bytes(&b[i + 2..], b"*/").map_or(n, |e| i + 2 + e + 2);
            if at < end {
                return Region::Comment;
            }
            i = end;
            continue;
        }
        if matches!(c, b'"' | b'\'' | b'`') {
            if let Some(lit) = literal(fam, b, i) {
                if at >= lit.start && at < lit.end {
                    return Region::Literal(lit);
                }
                i = lit.end.max(i + 1);
                continue;
            }
        }
        // A Rust raw string starts with `r#`.
        if fam == Family::Rust && c == b'r' && next == Some(b'#') && (i == 0 || !ident(b[i - 1])) {
            let hashes = b[i + 1..].iter().take_while(|&&h| h == b'#').count();
            if b.get(i + 1 + hashes) == Some(&b'"') {
                if let Some(lit) = literal(fam, b, i + 1 + hashes) {
                    if at >= lit.start && at < lit.end {
                        return Region::Literal(lit);
                    }
                    i = lit.end.max(i + 1);
                    continue;
                }
            }
        }
        i += 1;
    }
    Region::Code
}

/// The literal whose quote is at `q` (its prefix read backwards), or
/// `None` when the quote opens nothing (a Rust lifetime, a YAML apostrophe
/// inside a plain scalar).
fn literal(fam: Family, b: &[u8], q: usize) -> Option<Lit> {
    let n = b.len();
    let quote = b[q];
    // The prefix: letters and sigils right before the quote.
    let allowed: &[u8] = match fam {
        Family::Python => b"rRbBfFuU",
        Family::Rust => b"rb#",
        Family::CSharp => b"@$",
        _ => b"",
    };
    let mut start = q;
    while start > 0 && allowed.contains(&b[start - 1]) && q - start < 8 {
        start -= 1;
    }
    if start < q && start > 0 && ident(b[start - 1]) {
        start = q;
    }
    let prefix = &b[start..q];
    let hashes = prefix.iter().filter(|&&h| h == b'#').count();
    let raw = match fam {
        Family::Python => prefix.iter().any(|p| matches!(p, b'r' | b'R')),
        Family::Rust => prefix.contains(&b'r'),
        _ => false,
    };
    let verbatim = fam == Family::CSharp && prefix.contains(&b'@');
    match (fam, quote) {
        (Family::Rust, b'\'') => {
            // A char literal ('x', '\n', '\u{..}') or a lifetime.
            if b.get(q + 1) == Some(&b'\\') {
                let end = b[q + 2..].iter().position(|&x| x == b'\'')? + q + 3;
                return Some(simple(b, q, q + 1, end - 1, end, false));
            }
            let ch_len = std::str::from_utf8(&b[q + 1..(q + 5).min(n)])
                .ok()
                .or_else(|| std::str::from_utf8(&b[q + 1..(q + 4).min(n)]).ok())
                .or_else(|| std::str::from_utf8(&b[q + 1..(q + 3).min(n)]).ok())
                .or_else(|| std::str::from_utf8(&b[q + 1..(q + 2).min(n)]).ok())
                .and_then(|s| s.chars().next())
                .map_or(1, char::len_utf8);
            if b.get(q + 1 + ch_len) == Some(&b'\'') {
                return Some(simple(b, q, q + 1, q + 1 + ch_len, q + 2 + ch_len, false));
            }
            return None;
        }
        (Family::Yaml, _) => {
            // Quotes open a scalar only at its start.
            let prev = b[..q].iter().rev().find(|x| **x != b' ' && **x != b'\t');
            if !matches!(prev, None | Some(b':' | b'-' | b'[' | b'{' | b',' | b'\n')) {
                return None;
            }
        }
        (Family::Shell, _) if quote == b'`' => return None,
        (Family::Go, b'`') | (Family::Js, b'`') => {}
        (_, b'`') => return None,
        _ => {}
    }
    // Triple quotes (Python, Kotlin/Java text blocks).
    let triple = matches!(fam, Family::Python | Family::Jvm)
        && b.get(q + 1) == Some(&quote)
        && b.get(q + 2) == Some(&quote);
    let open_len = if triple { 3 } else { 1 };
    let body_start = q + open_len;
    let mut i = body_start;
    let no_escapes = raw
        || verbatim
        || (fam == Family::Go && quote == b'`')
        || (matches!(fam, Family::Shell | Family::Yaml) && quote == b'\'');
    while i < n {
        let c = b[i];
        if c == b'\\' && !no_escapes {
            i += 2;
            continue;
        }
        if c == quote {
            if triple {
                if b.get(i + 1) == Some(&quote) && b.get(i + 2) == Some(&quote) {
                    return Some(lit_of(b, start, q, body_start, i, i + 3, fam, quote));
                }
            } else if (verbatim || (fam == Family::Yaml && quote == b'\''))
                && b.get(i + 1) == Some(&quote)
            {
                i += 2;
                continue;
            } else if fam == Family::Rust && hashes > 0 {
                if b[i + 1..].iter().take_while(|&&h| h == b'#').count() >= hashes {
                    return Some(lit_of(
                        b,
                        start,
                        q,
                        body_start,
                        i,
                        i + 1 + hashes,
                        fam,
                        quote,
                    ));
                }
            } else {
                return Some(lit_of(b, start, q, body_start, i, i + 1, fam, quote));
            }
        }
        // Single-line strings end at the line (an unclosed quote).
        if c == b'\n'
            && !triple
            && !matches!(
                (fam, quote),
                (Family::Js, b'`')
                    | (Family::Go, b'`')
                    | (Family::Shell, _)
                    | (Family::Ruby, _)
                    | (Family::Php, _)
                    | (Family::Rust, _)
            )
            && !verbatim
        {
            return None;
        }
        i += 1;
    }
    None
}

#[allow(clippy::too_many_arguments)]
fn lit_of(
    b: &[u8],
    start: usize,
    q: usize,
    body_start: usize,
    body_end: usize,
    end: usize,
    fam: Family,
    quote: u8,
) -> Lit {
    let _ = q;
    simple(
        b,
        start,
        body_start,
        body_end,
        end,
        fam == Family::Js && quote == b'`',
    )
}

fn simple(
    b: &[u8],
    start: usize,
    body_start: usize,
    body_end: usize,
    end: usize,
    template: bool,
) -> Lit {
    let s = |x: usize, y: usize| String::from_utf8_lossy(&b[x..y.min(b.len())]).into_owned();
    Lit {
        start,
        end: end.min(b.len()),
        body_start,
        body_end,
        open: s(start, body_start),
        close: s(body_end, end),
        template,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(fam: Family, text: &str, needle: &str) -> (String, String, String) {
        let at = text.find(needle).unwrap();
        match region_at(fam, text, at) {
            Region::Literal(l) => (
                l.open.clone(),
                text.get(l.body_start..l.body_end).unwrap().to_string(),
                l.close,
            ),
            r => panic!("{r:?} for {text}"),
        }
    }

    #[test]
    fn literals_per_family() {
        let t = |o: &str, b: &str, c: &str| (o.to_string(), b.to_string(), c.to_string());
        assert_eq!(
            lit(Family::Js, "const a = 'it\\'s'; const k = \"KEY\";", "KEY"),
            t("\"", "KEY", "\"")
        );
        assert_eq!(
            lit(Family::Js, "// \"x\nconst k = `Bearer KEY`", "KEY"),
            t("`", "Bearer KEY", "`")
        );
        assert_eq!(
            lit(Family::Python, "x = f\"a{b}\"\nk = rb'KEY'", "KEY"),
            t("rb'", "KEY", "'")
        );
        assert_eq!(
            lit(Family::Python, "d = \"\"\"doc \"q\" KEY\"\"\"", "KEY"),
            t("\"\"\"", "doc \"q\" KEY", "\"\"\"")
        );
        assert_eq!(
            lit(
                Family::Rust,
                "fn f<'a>(x: &'a str) { let k = r#\"KEY\"#; }",
                "KEY"
            ),
            t("r#\"", "KEY", "\"#")
        );
        assert_eq!(
            lit(Family::CSharp, "var k = @\"a\"\"KEY\";", "KEY"),
            t("@\"", "a\"\"KEY", "\"")
        );
        assert_eq!(lit(Family::Go, "k := `KEY`", "KEY"), t("`", "KEY", "`"));
        assert_eq!(
            lit(Family::Yaml, "name: it's\nkey: 'KEY'", "KEY"),
            t("'", "KEY", "'")
        );
    }

    /// No byte sequence panics the tokenizer, in any family, at any offset.
    #[test]
    fn never_panics() {
        let pieces = [
            "\"", "'", "`", "\\", "r#", "#", "//", "/*", "*/", "\n", "@", "$", "f", "b", "r", "é",
            "한", "\"\"\"", "'''", ": ", "- ", "x", " ", "=",
        ];
        let fams = [
            Family::Js,
            Family::Python,
            Family::Go,
            Family::Rust,
            Family::Jvm,
            Family::Ruby,
            Family::Php,
            Family::CSharp,
            Family::Shell,
            Family::Yaml,
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut literals = 0;
        for _ in 0..1000 {
            let mut text = String::new();
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            for _ in 0..(seed >> 59) + 4 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            for fam in fams {
                for at in 0..=text.len() {
                    if let Region::Literal(l) = region_at(fam, &text, at) {
                        assert!(l.start <= l.body_start && l.body_start <= l.body_end);
                        assert!(l.body_end <= l.end && l.end <= text.len());
                        literals += 1;
                    }
                }
            }
        }
        assert!(
            literals > 5_000,
            "{literals} literals: the inputs are too tame"
        );
    }

    #[test]
    fn comments_and_code() {
        assert_eq!(region_at(Family::Js, "/* \"a */ x = KEY", 14), Region::Code);
        assert_eq!(region_at(Family::Python, "# KEY\n", 2), Region::Comment);
        assert_eq!(region_at(Family::Shell, "A=b#KEY\n", 4), Region::Code);
        assert_eq!(region_at(Family::Yaml, "k: KEY # c", 3), Region::Code);
    }
}
