//! Laying text out for a terminal: every line of the human report and of
//! `jikimi explain` fits [`MAX_WIDTH`] columns (or the terminal, when it is
//! narrower), wrapped between words, never inside one.

use std::io::IsTerminal;

/// The widest line jikimi prints in its human output.
pub const MAX_WIDTH: usize = 80;

/// The width to lay out for: the terminal's when standard output is one and
/// it is narrower than [`MAX_WIDTH`], else [`MAX_WIDTH`].
pub fn width() -> usize {
    if !std::io::stdout().is_terminal() {
        return MAX_WIDTH;
    }
    terminal_size::terminal_size()
        .map(|(w, _)| usize::from(w.0))
        .filter(|w| *w >= 40)
        .map_or(MAX_WIDTH, |w| w.min(MAX_WIDTH))
}

/// Columns a string takes (characters; jikimi's own text is ASCII or
/// single-width).
pub fn cols(s: &str) -> usize {
    s.chars().count()
}

/// Word-wrap `text` for a line whose first `first` columns are already
/// taken; continuation lines are indented by `indent` spaces. Lines break
/// only at spaces; a single word longer than a line stays whole on a line of
/// its own. Existing newlines start new (indented) lines.
pub fn wrap(text: &str, first: usize, indent: usize, width: usize) -> String {
    let mut out = String::new();
    let mut col = first;
    let mut line_start = true;
    for (i, para) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            col = indent;
            line_start = true;
        }
        // Runs of spaces inside a line are kept (column layouts); at a
        // break they are dropped.
        let mut spaces = 0;
        for word in para.split(' ') {
            if word.is_empty() {
                spaces += 1;
                continue;
            }
            let gap = if line_start { 0 } else { spaces + 1 };
            spaces = 0;
            let len = cols(word);
            if !line_start && col + gap + len > width {
                out.push('\n');
                out.push_str(&" ".repeat(indent));
                col = indent;
            } else {
                out.push_str(&" ".repeat(gap));
                col += gap;
            }
            out.push_str(word);
            col += len;
            line_start = false;
        }
    }
    out
}

/// Wrap every line of a block of text to `width`, keeping each line's own
/// indentation (and a list item's hanging indent: `  1. `, `  - `) for its
/// continuation lines.
pub fn wrap_block(text: &str, width: usize) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if cols(line) <= width {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let lead = line.len() - line.trim_start().len();
        let body = line.trim_start();
        // A list marker or a `label:` column makes the hanging indent.
        let marker = body
            .split_once(' ')
            .map(|(m, _)| m)
            .filter(|m| {
                *m == "-"
                    || *m == "*"
                    || m.ends_with('.') && m.trim_end_matches('.').parse::<u32>().is_ok()
            })
            .map_or(0, |m| cols(m) + 1);
        // A `label  text` column (two spaces or more after a short label)
        // hangs at the text.
        let column = if marker == 0 {
            body.char_indices()
                .take_while(|(i, _)| *i < 32)
                .find(|(i, c)| *c == ' ' && body.get(i + 1..i + 2) == Some(" "))
                .map(|(i, _)| {
                    let rest = body.get(i..).unwrap_or("");
                    i + (rest.len() - rest.trim_start().len())
                })
                .filter(|&n| n < 40)
                .unwrap_or(0)
        } else {
            0
        };
        let hang = lead + marker.max(column);
        out.push_str(&" ".repeat(lead));
        out.push_str(&wrap(body, lead, hang, width));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_word_boundaries_with_hanging_indent() {
        let text = "Rotate the key now (it must be treated as leaked); move the API call behind your backend";
        let out = wrap(text, 11, 11, 40);
        for line in out.lines() {
            assert!(cols(line) + 11 <= 40 + 11, "{line:?}");
        }
        assert!(out.lines().skip(1).all(|l| l.starts_with(&" ".repeat(11))));
        assert_eq!(out.split_whitespace().collect::<Vec<_>>().join(" "), text);
    }

    #[test]
    fn blocks_keep_list_indents() {
        let text = "  1. Rotate the key now: once leaked it must be treated as compromised, even after the line is deleted.\nshort\n";
        let out = wrap_block(text, 40);
        for line in out.lines() {
            assert!(cols(line) <= 40, "{line:?}");
        }
        assert!(out.lines().nth(1).unwrap().starts_with("     "), "{out}");
        assert!(out.ends_with("short\n"));
    }
}
