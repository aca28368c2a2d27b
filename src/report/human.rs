//! The human report: findings grouped by file (most severe file first), each
//! with its position, redacted secret, causes, why and fix; then a summary
//! and the guide's checklist. Colored only when asked (the CLI decides from
//! the terminal, `--no-color` and `NO_COLOR`).

use std::io::Write;

use anyhow::Result;
use colored::{ColoredString, Colorize};

use crate::checklist::Status;
use crate::findings::{Finding, HistoryInfo};
use crate::report::Report;
use crate::rules::{RuleKind, Severity};

fn paint(color: bool, s: &str, f: impl Fn(&str) -> ColoredString) -> String {
    if color {
        f(s).to_string()
    } else {
        s.to_string()
    }
}

fn sev_label(color: bool, s: Severity) -> String {
    let label = format!("{:<8}", s.as_str().to_ascii_uppercase());
    paint(color, &label, |t| match s {
        Severity::Critical => t.red().bold(),
        Severity::High => t.red(),
        Severity::Medium => t.yellow(),
        Severity::Low => t.normal(),
    })
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// "introduced in commit 1a2b3c4d5e (Ann <ann@x>, 2024-05-01) "add client"
/// at src/app.js; in 12 commits, 1 path; removed from HEAD and the working
/// tree".
fn history_line(f: &Finding, h: &HistoryInfo) -> String {
    let mut s = String::new();
    if let Some(c) = &f.commit {
        if c.id.is_empty() {
            s.push_str(&c.summary);
        } else {
            s.push_str(&format!(
                "introduced in commit {} ({} <{}>, {}) \"{}\" at {}",
                crate::text::head(&c.id, 10),
                c.author_name,
                c.author_email,
                c.date.get(..10).unwrap_or(&c.date),
                c.summary,
                h.path
            ));
        }
    }
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    s.push_str(&format!(
        "; in {}, {}",
        plural(h.commits, "commit", "commits"),
        plural(h.paths, "path", "paths")
    ));
    s.push_str(if h.only_in_history() {
        "; not in HEAD or the working tree, but still in the history every clone carries"
    } else if h.in_head {
        "; still in HEAD"
    } else {
        "; still in the working tree"
    });
    s
}

/// The terminal width the report is laid out for.
const WIDTH: usize = 80;

/// Word-wrap `text` to `width` columns, continuation lines indented by
/// `indent` spaces (the first line's indent is the caller's). Words longer
/// than a line are left whole.
fn wrap(text: &str, indent: usize, width: usize) -> String {
    let room = width.saturating_sub(indent).max(20);
    let mut out = String::new();
    let mut col = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let len = word.chars().count();
        if col > 0 && col + 1 + len > room {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            col = 0;
        } else if col > 0 {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += len;
    }
    out
}

pub fn write(r: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    let c = r.color;
    // Group by path, files ordered by their most severe finding.
    let mut files: Vec<(&str, Vec<&Finding>)> = Vec::new();
    for f in r.findings {
        match files.iter_mut().find(|(p, _)| *p == f.path) {
            Some((_, v)) => v.push(f),
            None => files.push((&f.path, vec![f])),
        }
    }
    for (path, list) in &files {
        writeln!(w, "{}", paint(c, path, |t| t.bold().underline()))?;
        for f in list {
            let kind = if f.kind == RuleKind::Risk {
                " (risk)"
            } else {
                ""
            };
            writeln!(
                w,
                "  {} {}{}  [{}]",
                sev_label(c, f.severity),
                f.title,
                kind,
                paint(c, &f.rule, |t| t.dimmed())
            )?;
            let mut at = match (f.line, f.cell) {
                (0, _) => "-".to_string(),
                (line, Some(cell)) => format!(
                    "cell {cell}{}, {line}:{}",
                    if f.cell_output { " (output)" } else { "" },
                    f.column
                ),
                (line, None) => format!("{line}:{}", f.column),
            };
            if let Some(via) = &f.via {
                at.push_str(&format!(" (via {via})"));
            }
            if let Some(enc) = f.encoded {
                at.push_str(&format!(" ({enc}-encoded)"));
            }
            if f.minified {
                at.push_str(" (minified)");
            }
            if f.git.is_none()
                && let Some(h) = &f.history
            {
                // The location is in an old commit, not in the working tree.
                at = format!("{at} (in history at {})", h.path);
            }
            if f.occurrences > 1 {
                at.push_str(&format!(" (seen {} times)", f.occurrences));
            }
            if !f.secret.is_empty() {
                writeln!(
                    w,
                    "    {}  {}",
                    at,
                    paint(c, &r.shown_secret(f), |t| t.cyan())
                )?;
            } else {
                writeln!(w, "    {at}")?;
            }
            if !f.context.is_empty() {
                writeln!(w, "    {}", paint(c, &r.shown_context(f), |t| t.dimmed()))?;
            }
            if let Some(h) = &f.history {
                writeln!(
                    w,
                    "    {} {}",
                    paint(c, "history:", |t| t.yellow()),
                    wrap(&history_line(f, h), 13, WIDTH)
                )?;
            }
            let causes: Vec<&str> = f.causes.iter().map(|c| c.as_str()).collect();
            writeln!(
                w,
                "    {} {}",
                paint(c, "cause:", |t| t.yellow()),
                causes.join(", ")
            )?;
            let why = wrap(&f.why, 11, WIDTH);
            let fix = wrap(&f.fix, 11, WIDTH);
            writeln!(w, "    {}   {}", paint(c, "why:", |t| t.yellow()), why)?;
            writeln!(w, "    {}   {}", paint(c, "fix:", |t| t.green()), fix)?;
        }
        writeln!(w)?;
    }
    if r.verbose {
        if !r.notes.is_empty() {
            writeln!(w, "{}", paint(c, "Notes (not findings)", |t| t.bold()))?;
            for n in r.notes {
                writeln!(
                    w,
                    "  {}:{}  {}  {}",
                    n.path,
                    n.line,
                    r.shown_note_secret(n),
                    n.message
                )?;
            }
            writeln!(w)?;
        }
        if !r.skipped.is_empty() {
            writeln!(w, "{}", paint(c, "Skipped", |t| t.bold()))?;
            for s in r.skipped {
                writeln!(w, "  {}  ({})", s.path, s.reason)?;
            }
            writeln!(w)?;
        }
        if !r.suppressed.is_empty() {
            writeln!(w, "{}", paint(c, "Suppressed (not reported)", |t| t.bold()))?;
            for s in r.suppressed {
                let at = if s.line > 0 {
                    format!("{}:{}", s.path, s.line)
                } else {
                    s.path.clone()
                };
                writeln!(w, "  {at}  [{}]  {}: {}", s.rule, s.reason.as_str(), s.by)?;
            }
            writeln!(w)?;
        }
    }
    if !r.baseline_unused.is_empty() {
        writeln!(
            w,
            "{}",
            paint(c, "Baseline entries no longer found (stale)", |t| t.bold())
        )?;
        for e in r.baseline_unused {
            writeln!(
                w,
                "  {}  [{}]  {}",
                crate::text::head(&e.key, 16),
                e.rule,
                e.path
            )?;
        }
        writeln!(
            w,
            "  (refresh the baseline with `jikimi baseline create --output FILE`)"
        )?;
        writeln!(w)?;
    }
    let secrets = r
        .findings
        .iter()
        .filter(|f| f.kind == RuleKind::Secret)
        .count();
    let risks = r.findings.len() - secrets;
    let summary = format!(
        "{} finding(s): {secrets} secret(s), {risks} risk(s); {} fail the scan; {} suppressed. Scanned {} files ({}) in {} ms; {} skipped, {} error(s), {} note(s).",
        r.findings.len(),
        r.failing,
        r.suppressed.len(),
        r.stats.files,
        human_bytes(r.stats.bytes),
        r.stats.duration_ms,
        r.stats.skipped,
        r.stats.errors,
        r.notes.len(),
    );
    let summary = wrap(&summary, 0, WIDTH);
    let summary = if r.failing > 0 {
        paint(c, &summary, |t| t.red().bold())
    } else {
        paint(c, &summary, |t| t.green().bold())
    };
    writeln!(w, "{summary}")?;
    if r.stats.commits > 0 {
        let line = format!(
            "Git history: {} commits, {} unique blobs ({}) scanned, {} skipped (binary or too large).",
            r.stats.commits,
            r.stats.blobs,
            human_bytes(r.stats.blob_bytes),
            r.stats.blobs_skipped
        );
        writeln!(w, "{}", wrap(&line, 2, WIDTH))?;
    }
    if r.stats.history_truncated {
        writeln!(
            w,
            "{}",
            paint(
                c,
                "History is truncated: this is a shallow clone, commits before the cut were not scanned (fetch with --unshallow for a full scan).",
                |t| t.yellow()
            )
        )?;
    }
    if r.stats.submodules > 0 {
        writeln!(
            w,
            "{} submodule(s) not followed: scan their repositories separately.",
            r.stats.submodules
        )?;
    }
    if r.stats.archives > 0 {
        writeln!(
            w,
            "Opened {} archive(s): {} member(s), {} unpacked.",
            r.stats.archives,
            r.stats.archive_members,
            human_bytes(r.stats.archive_bytes)
        )?;
    }
    if !r.verbose && (r.stats.skipped > 0 || !r.notes.is_empty() || !r.suppressed.is_empty()) {
        writeln!(
            w,
            "(use -v to list skipped files, notes and suppressed findings)"
        )?;
    }
    writeln!(w)?;
    writeln!(w, "{}", paint(c, "Checklist (guide 15.3.9)", |t| t.bold()))?;
    for item in r.checklist {
        let label = format!("[{}]", item.status.as_str().to_ascii_uppercase());
        let label = format!("{label:<8}");
        let label = paint(c, &label, |t| match item.status {
            Status::Pass => t.green(),
            Status::Fail => t.red().bold(),
            Status::Review => t.yellow(),
        });
        writeln!(w, "  {label} {}. {}", item.number, item.question)?;
        let mut advice = item.advice.clone();
        if !item.findings.is_empty() {
            let ids: Vec<&str> = item
                .findings
                .iter()
                .take(5)
                .map(|i| crate::text::head(i, 8))
                .collect();
            let more = item.findings.len().saturating_sub(5);
            advice.push_str(&format!(
                " [{}{}]",
                ids.join(", "),
                if more > 0 {
                    format!(", +{more}")
                } else {
                    String::new()
                }
            ));
        }
        writeln!(w, "           {}", wrap(&advice, 11, WIDTH))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_word_boundaries_with_hanging_indent() {
        let text = "Rotate the key now (it must be treated as leaked); move the API call behind your backend";
        let out = wrap(text, 11, 40);
        for line in out.lines() {
            assert!(line.chars().count() <= 40, "{line:?}");
        }
        assert!(out.lines().skip(1).all(|l| l.starts_with(&" ".repeat(11))));
        assert_eq!(out.split_whitespace().collect::<Vec<_>>().join(" "), text);
    }
}
