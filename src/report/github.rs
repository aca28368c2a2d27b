//! GitHub Actions workflow commands: one `::error` (a finding that fails the
//! scan) or `::warning` (the rest) per finding, which the runner turns into
//! annotations on the file and line, shown in pull-request diffs. No upload
//! or permissions needed, unlike SARIF; GitHub shows at most 10 annotations
//! of each level per step, so the most severe come first (the report's
//! order).
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
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a command property's value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The workflow command for one finding (without the final newline).
pub fn command(r: &Report<'_>, f: &Finding) -> String {
    let level = if r.fails(f) { "error" } else { "warning" };
    let (file, member) = split_member(&f.path);
    let file = if f.rule == GITIGNORE_GAP {
        ".gitignore"
    } else {
        file
    };
    let mut props = vec![format!("file={}", escape_property(file))];
    // Lines of an archive member are not lines of the archive, and a
    // notebook cell's lines are not lines of the .ipynb file.
    if f.line > 0 && member.is_none() && f.cell.is_none() {
        props.push(format!("line={}", f.line));
        if f.column > 0 {
            props.push(format!("col={}", f.column));
            if !f.secret.is_empty() {
                props.push(format!("endColumn={}", f.column + f.secret.chars().count()));
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
        writeln!(w, "{}", command(r, f))?;
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
