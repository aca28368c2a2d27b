//! A unified diff (`git diff`, `git show`, `diff -u`) as a scan input: only
//! the lines it adds are scanned, each under its file's new path and at its
//! line number in the new file. Every other line of the rebuilt file is left
//! empty, so a finding's line number is the one an editor shows.
//!
//! Parsing never trusts the numbers a header declares for allocation: the
//! rebuilt content grows one line per line actually present, and a hunk
//! start far past the lines seen is capped (a line number is kept exact up
//! to [`MAX_GAP`] blank lines; past that the gap is not materialised and
//! the numbers of that hunk are approximate).

/// Blank lines inserted at most to reach a hunk's declared start line.
pub const MAX_GAP: usize = 1 << 20;

/// The added lines of one file in a diff.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Added {
    /// The new path (`b/` prefix removed), `/`-separated.
    pub path: String,
    /// The new file with only the added lines kept (others blank).
    pub content: Vec<u8>,
}

/// The files a unified diff adds lines to, in diff order. Deleted files and
/// hunks that add nothing are left out.
pub fn added(diff: &[u8]) -> Vec<Added> {
    let mut out: Vec<Added> = Vec::new();
    let mut cur: Option<Added> = None;
    // Line number (1-based) of the next line in the new file, and the number
    // of lines already written to `content`.
    let mut next_new = 0usize;
    let mut written = 0usize;
    let mut in_hunk = false;
    // Lines of the current hunk still to come (from its header).
    let (mut old_left, mut new_left) = (0usize, 0usize);
    let mut pending_old: Option<String> = None;
    let flush = |cur: &mut Option<Added>, out: &mut Vec<Added>| {
        if let Some(a) = cur.take()
            && a.content.iter().any(|b| !b.is_ascii_whitespace())
        {
            out.push(a);
        }
    };
    for raw in diff.split_inclusive(|&b| b == b'\n') {
        let line = raw.strip_suffix(b"\n").unwrap_or(raw);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.starts_with(b"diff ") {
            flush(&mut cur, &mut out);
            in_hunk = false;
            pending_old = git_header_path(line);
            continue;
        }
        if in_hunk && old_left == 0 && new_left == 0 {
            in_hunk = false;
        }
        if !in_hunk && let Some(rest) = line.strip_prefix(b"--- ") {
            pending_old = Some(header_path(rest));
            continue;
        }
        if !in_hunk && let Some(rest) = line.strip_prefix(b"+++ ") {
            flush(&mut cur, &mut out);
            let p = header_path(rest);
            let path = if p == "/dev/null" {
                String::new()
            } else if p.is_empty() {
                pending_old.clone().unwrap_or_default()
            } else {
                p
            };
            in_hunk = false;
            if !path.is_empty() {
                cur = Some(Added {
                    path,
                    content: Vec::new(),
                });
                written = 0;
            }
            continue;
        }
        if !in_hunk && line.starts_with(b"@@") {
            in_hunk = true;
            let (start, olds, news) = hunk_header(line).unwrap_or((next_new.max(1), 0, 0));
            (next_new, old_left, new_left) = (start.max(1), olds, news);
            if let Some(a) = cur.as_mut() {
                // Blank lines up to the hunk's first line (bounded).
                let want = next_new.saturating_sub(1);
                let gap = want.saturating_sub(written).min(MAX_GAP);
                a.content.extend(std::iter::repeat_n(b'\n', gap));
                written += gap;
            }
            continue;
        }
        if !in_hunk {
            continue;
        }
        let Some(a) = cur.as_mut() else {
            match line.first() {
                Some(b'+') => new_left = new_left.saturating_sub(1),
                Some(b'-') => old_left = old_left.saturating_sub(1),
                Some(b' ') | None => {
                    new_left = new_left.saturating_sub(1);
                    old_left = old_left.saturating_sub(1);
                }
                _ => {}
            }
            continue;
        };
        match line.first() {
            Some(b'+') => {
                a.content
                    .extend_from_slice(line.get(1..).unwrap_or_default());
                a.content.push(b'\n');
                written += 1;
                next_new = next_new.saturating_add(1);
                new_left = new_left.saturating_sub(1);
            }
            Some(b' ') | None => {
                a.content.push(b'\n');
                written += 1;
                next_new = next_new.saturating_add(1);
                new_left = new_left.saturating_sub(1);
                old_left = old_left.saturating_sub(1);
            }
            Some(b'-') => old_left = old_left.saturating_sub(1),
            // "\ No newline at end of file".
            _ => {}
        }
    }
    flush(&mut cur, &mut out);
    out
}

/// The new path from `diff --git a/x b/y` (used when `+++` is missing, as
/// for a binary or mode-only change; such files add no lines anyway).
fn git_header_path(line: &[u8]) -> Option<String> {
    let s = String::from_utf8_lossy(line);
    let i = s.rfind(" b/")?;
    Some(crate::text::from(&s, i + 3).to_string())
}

/// The path of a `---`/`+++` header: `a/` or `b/` dropped, a tab-separated
/// timestamp (diff -u) dropped, git's quoting undone for plain escapes.
fn header_path(rest: &[u8]) -> String {
    let s = String::from_utf8_lossy(rest);
    let s = s.split('\t').next().unwrap_or("").trim_end();
    let s = unquote(s);
    let s = s
        .strip_prefix("b/")
        .or_else(|| s.strip_prefix("a/"))
        .unwrap_or(&s);
    s.to_string()
}

/// Undo git's C-style quoting of a path ("a\tb", octal bytes).
fn unquote(s: &str) -> String {
    let Some(inner) = s.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return s.to_string();
    };
    let mut bytes = Vec::with_capacity(inner.len());
    let mut it = inner.bytes().peekable();
    while let Some(b) = it.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match it.next() {
            Some(b'n') => bytes.push(b'\n'),
            Some(b't') => bytes.push(b'\t'),
            Some(d @ b'0'..=b'7') => {
                let mut v = u32::from(d - b'0');
                for _ in 0..2 {
                    if let Some(&n @ b'0'..=b'7') = it.peek() {
                        v = v * 8 + u32::from(n - b'0');
                        it.next();
                    }
                }
                bytes.push((v & 0xff) as u8);
            }
            Some(o) => bytes.push(o),
            None => bytes.push(b'\\'),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `@@ -a,b +c,d @@` → (c, b, d); a missing count is 1.
fn hunk_header(line: &[u8]) -> Option<(usize, usize, usize)> {
    let s = String::from_utf8_lossy(line);
    let range = |sign: char| -> Option<(usize, usize)> {
        let w = s.split_whitespace().find(|w| w.starts_with(sign))?;
        let mut it = w.trim_start_matches(sign).split(',');
        let start = it.next()?.parse().ok()?;
        let count = match it.next() {
            Some(c) => c.parse().ok()?,
            None => 1,
        };
        Some((start, count))
    };
    let (_, olds) = range('-')?;
    let (start, news) = range('+')?;
    Some((start, olds, news))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_lines_keep_their_new_line_numbers() {
        let d = b"diff --git a/src/app.js b/src/app.js\nindex 1..2 100644\n--- a/src/app.js\n+++ b/src/app.js\n@@ -1,2 +1,3 @@\n one\n-two\n+TWO\n three\n@@ -10,0 +11,1 @@\n+eleven\n";
        let a = added(d);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].path, "src/app.js");
        let lines: Vec<&[u8]> = a[0].content.split(|&b| b == b'\n').collect();
        assert_eq!(lines[0], b"");
        assert_eq!(lines[1], b"TWO");
        assert_eq!(lines[2], b"");
        assert_eq!(lines[10], b"eleven");
    }

    #[test]
    fn new_and_deleted_files_and_quoted_paths() {
        let d = b"--- /dev/null\n+++ b/new.env\n@@ -0,0 +1 @@\n+K=v\n--- a/gone.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-old\n--- \"a/sp\\tace\"\n+++ \"b/sp\\tace\"\n@@ -1 +1 @@\n-x\n+y\n";
        let a = added(d);
        let paths: Vec<&str> = a.iter().map(|a| a.path.as_str()).collect();
        assert_eq!(paths, ["new.env", "sp\tace"]);
        assert_eq!(a[0].content, b"K=v\n");
    }

    #[test]
    fn a_huge_declared_start_allocates_only_a_bounded_gap() {
        let d = b"+++ b/x\n@@ -1 +18446744073709551615 @@\n+k\n";
        let a = added(d);
        assert!(a[0].content.len() <= MAX_GAP + 3);
        assert!(added(b"@@ garbage\n+++\n+\n\xff\xfe").len() <= 1);
    }

    #[test]
    fn an_added_line_starting_with_plus_plus_is_content() {
        let d = b"+++ b/c.txt\n@@ -0,0 +1,2 @@\n+++ counter\n+x\n";
        let a = added(d);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].content, b"++ counter\nx\n");
    }
}
