//! GitHub Actions workflow commands: one `::error` (a finding that fails the
//! scan) or `::warning` (the rest) per finding, which the runner turns into
//! annotations on the file and line, shown in pull-request diffs. No upload
//! or permissions needed, unlike SARIF; GitHub shows at most 10 annotations
//! of each level per step, so the most severe come first (the report's
//! order).
//!
//! A finding whose location comes from an old commit (the key is not in
//! today's file) is annotated on the file, not on a line that now holds
//! something else, and names the commit. A finding that fails the scan is
//! an `::error` there too; one that does not and survives only in history
//! is a `::notice`.
//!
//! Escaping follows `@actions/core`: in the message `%`, `\r` and `\n` are
//! percent-encoded; in properties (`file=`, `title=`) also `:` and `,`, which
//! would otherwise end the property.

use std::io::Write;

use anyhow::Result;

use crate::findings::Finding;
use crate::findings::risks::GITIGNORE_GAP;
use crate::report::{Report, split_member};
use crate::rules::RuleKind;

/// Escape a command's message.
/// Other control characters are written as `\x1b`-style escapes
/// ([`crate::text::escape`]), so nothing in a message drives the terminal
/// the log is shown in.
pub fn escape_data(s: &str) -> String {
    let s = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    crate::text::escape_controls(&s).into_owned()
}

/// Escape a command property's value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The workflow command for one finding at its first place (without the
/// final newline).
pub fn command(r: &Report<'_>, f: &Finding) -> String {
    command_at(r, f, f.line, f.column)
}

/// The workflow command for one finding at `line:column` (one of its
/// places).
fn command_at(r: &Report<'_>, f: &Finding, line: usize, column: usize) -> String {
    // A location read from an old commit is not a line of today's file:
    // annotate the file, and name the commit in the message.
    let from_history = f.git.is_none() && f.commit.is_some();
    let only_history = f.history.as_ref().is_some_and(|h| h.only_in_history());
    // A key that fails the scan is an error wherever it is: one that
    // survives only in history is as leaked as one in today's file.
    let level = if r.fails(f) {
        "error"
    } else if from_history && only_history {
        "notice"
    } else {
        "warning"
    };
    let (file, member) = split_member(&f.path);
    let file = if f.rule == GITIGNORE_GAP {
        ".gitignore"
    } else {
        file
    };
    let mut props = vec![format!("file={}", escape_property(file))];
    // Lines of an archive member are not lines of the archive, and a
    // notebook cell's lines are not lines of the .ipynb file.
    if line > 0 && member.is_none() && f.cell.is_none() && !from_history {
        props.push(format!("line={line}"));
        if column > 0 {
            props.push(format!("col={column}"));
            if !f.secret.is_empty() {
                props.push(format!("endColumn={}", column + f.secret.chars().count()));
            }
        }
    }
    props.push(format!(
        "title={}",
        escape_property(&format!("jikimi: {} [{}]", f.title, f.rule))
    ));
    let mut msg = f.title.clone();
    if f.kind == RuleKind::Secret && !f.secret.is_empty() {
        msg.push_str(&format!(" ({})", r.shown_secret(f)));
    }
    if f.cell.is_some() {
        msg.push_str(&format!(" at {}", crate::report::location(f)));
    }
    if let Some(m) = member {
        msg.push_str(&format!(" in archive member {m}"));
        if f.line > 0 {
            msg.push_str(&format!(" line {}", f.line));
        }
    }
    if let Some(c) = &f.commit {
        msg.push_str(&format!(
            " in commit {} ({}, {})",
            crate::text::head(&c.id, 10),
            c.author_name,
            c.date.get(..10).unwrap_or(&c.date)
        ));
        if from_history {
            let line = if f.line > 0 {
                format!(" line {}", f.line)
            } else {
                String::new()
            };
            msg.push_str(&format!(
                " at {}{line} of that commit, not in the current file",
                f.history
                    .as_ref()
                    .map_or(f.path.as_str(), |h| h.path.as_str())
            ));
        }
    }
    if !f.causes.is_empty() {
        let causes: Vec<&str> = f.causes.iter().map(|c| c.as_str()).collect();
        msg.push_str(&format!("\ncause: {}", causes.join(", ")));
    }
    if !f.why.is_empty() {
        msg.push_str(&format!("\nwhy: {}", f.why));
    }
    if !f.fix.is_empty() {
        msg.push_str(&format!("\nfix: {}", f.fix));
    }
    format!("::{level} {}::{}", props.join(","), escape_data(&msg))
}

pub fn write(r: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    for f in r.findings {
        // One annotation per line that holds the key (a place only an old
        // commit has is annotated once, on the file).
        let from_history = f.git.is_none() && f.commit.is_some();
        if from_history || f.locations.len() <= 1 || f.cell.is_some() {
            writeln!(w, "{}", command(r, f))?;
            continue;
        }
        for l in &f.locations {
            writeln!(w, "{}", command_at(r, f, l.line, l.column))?;
        }
    }
    // Plain lines are just log output: a one-line summary for the job log.
    writeln!(
        w,
        "jikimi: {} finding(s), {} fail the scan; {} files scanned, {} error(s)",
        r.findings.len(),
        r.failing,
        r.stats.files,
        r.stats.errors
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_matches_actions_core() {
        assert_eq!(escape_data("a%b\r\nc:d,e"), "a%25b%0D%0Ac:d,e");
        assert_eq!(escape_property("a%b\r\nc:d,e"), "a%25b%0D%0Ac%3Ad%2Ce");
    }
}
