//! Reports: one [`Format`] enum, one file per format, each writing a
//! [`Report`] to any `impl Write`. Reports see findings and the checklist,
//! never the CLI. Secrets are redacted here, at the last moment, unless
//! `redact` is off (`--no-redact`).

pub mod compact;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod layout;
pub mod sarif;

use std::io::Write;

use anyhow::Result;

use crate::baseline::Entry;
use crate::checklist::Item;
use crate::findings::policy::FailPolicy;
use crate::findings::suppress::Suppressed;
use crate::findings::{Finding, Note, redact, redact_in};
use crate::rules::{RuleKind, RuleSet};
use crate::scan::{Skipped, Stats};
use crate::text;

pub use crate::vocab::Format;

/// Everything a report shows.
pub struct Report<'a> {
    pub findings: &'a [Finding],
    pub notes: &'a [Note],
    pub skipped: &'a [Skipped],
    pub errors: &'a [String],
    pub stats: &'a Stats,
    pub checklist: &'a [Item],
    pub rules: &'a RuleSet,
    /// Redact secrets (the default).
    pub redact: bool,
    /// Colors for the human format.
    pub color: bool,
    /// `-v`: list notes and skipped files in the human report.
    pub verbose: bool,
    /// Findings that make the exit code 1.
    pub failing: usize,
    /// Findings held back (inline markers, allowlist, baseline).
    pub suppressed: &'a [Suppressed],
    /// Baseline entries no finding matched (`--report-unused`).
    pub baseline_unused: &'a [Entry],
    /// The fail policy in force (`--fail-on`, `--min-severity`), so every
    /// format marks the same findings as failing as the exit code does.
    pub policy: FailPolicy,
}

impl Report<'_> {
    /// Whether `f` fails the scan under the policy in force.
    pub fn fails(&self, f: &Finding) -> bool {
        self.policy.fails(f)
    }

    /// The secret as it may be shown.
    pub fn shown_secret(&self, f: &Finding) -> String {
        // A risk's "secret" is evidence (code), not a credential.
        if self.redact && f.kind == RuleKind::Secret {
            redact(&f.secret)
        } else {
            f.secret.clone()
        }
    }

    /// The context line as it may be shown.
    pub fn shown_context(&self, f: &Finding) -> String {
        if self.redact && f.kind == RuleKind::Secret && !f.secret.is_empty() {
            redact_in(&f.context, &f.secret)
        } else {
            f.context.clone()
        }
    }

    /// Where the finding's key is revoked and re-issued (the rule's
    /// `rotate_url`), for secrets.
    pub fn rotate_url(&self, f: &Finding) -> Option<&str> {
        if f.kind != RuleKind::Secret {
            return None;
        }
        self.rules
            .get(&f.rule)
            .and_then(|r| r.syntax.rotate_url.as_deref())
    }

    pub fn shown_note_secret(&self, n: &Note) -> String {
        if self.redact {
            redact(&n.secret)
        } else {
            n.secret.clone()
        }
    }
}

/// Where a finding is, as one string: `path:line:col`, `nb.ipynb (cell 3
/// output, 2:7)` for notebooks (a cell's line is not a line of the file),
/// or the path alone for repository-level findings.
pub fn location(f: &Finding) -> String {
    match (f.cell, f.line) {
        (Some(cell), _) => format!(
            "{} (cell {cell}{}, {}:{})",
            f.path,
            if f.cell_output { " output" } else { "" },
            f.line,
            f.column
        ),
        (None, 0) => f.path.clone(),
        (None, line) => format!("{}:{line}:{}", f.path, f.column),
    }
}

/// The places a key sits in its file: `line 3`, `lines 3, 17, 42` (at most
/// eight, then how many more), `cell 2, line 3` in notebooks; empty for
/// findings about the repository as a whole.
pub fn lines(f: &Finding) -> String {
    if f.line == 0 {
        return String::new();
    }
    let in_cells = f.locations.iter().any(|l| l.cell.is_some());
    let show = |l: &crate::findings::Location| match l.cell {
        Some(c) if in_cells => format!("cell {c}:{}", l.line),
        _ => l.line.to_string(),
    };
    // The places past the kept locations are counted in `occurrences`.
    let n = f.occurrences.max(f.locations.len());
    if n <= 1 {
        return match f.cell {
            Some(c) => format!("cell {c}, line {}", f.line),
            None => format!("line {}", f.line),
        };
    }
    // Places from different old versions of the file are not lines of one
    // file: group them per commit and name each (issue 20).
    let mut commits: Vec<&str> = Vec::new();
    for l in &f.locations {
        if let Some(c) = l.commit.as_deref()
            && !commits.contains(&c)
        {
            commits.push(c);
        }
    }
    if commits.len() > 1 {
        let mut groups = Vec::new();
        let mut budget = 8usize;
        for c in &commits {
            let here: Vec<String> = f
                .locations
                .iter()
                .filter(|l| l.commit.as_deref() == Some(*c))
                .take(budget)
                .map(show)
                .collect();
            if here.is_empty() {
                break;
            }
            budget -= here.len();
            groups.push(format!(
                "{} {} in {}",
                if here.len() == 1 { "line" } else { "lines" },
                here.join(", "),
                crate::text::head(c, 10)
            ));
        }
        let shown_n: usize = 8 - budget;
        let more = if n > shown_n {
            format!(" and {} more", n - shown_n)
        } else {
            String::new()
        };
        return format!("{}{more}", groups.join("; "));
    }
    let mut shown: Vec<String> = f.locations.iter().take(8).map(show).collect();
    shown.dedup();
    let more = if n > 8 {
        format!(" and {} more", n - 8)
    } else {
        String::new()
    };
    format!("lines {}{more}", shown.join(", "))
}

/// Write `report` in `format`.
///
/// The text formats go through [`text::SafeLines`]: whatever a line holds,
/// no control character and no workflow command from data reaches the
/// terminal or the CI log. JSON and SARIF are exact JSON (serde escapes
/// every control character).
pub fn write(format: Format, report: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    match format {
        Format::Json => return json::write(report, w),
        Format::Sarif => return sarif::write(report, w),
        _ => {}
    }
    let color = report.color && format == Format::Human;
    let mut safe = text::SafeLines::new(w, color, format == Format::Github);
    match format {
        Format::Compact => compact::write(report, &mut safe)?,
        Format::Github => github::write(report, &mut safe)?,
        Format::Junit => junit::write(report, &mut safe)?,
        _ => human::write(report, &mut safe)?,
    }
    safe.flush()?;
    Ok(())
}

/// Escape, for the text formats, every field of `out` that came from data
/// (paths, matched lines, commit text, rule texts from a config, messages),
/// so a newline or control character in a file name or a line is shown as
/// `\n` or `\x1b` instead of breaking the report's lines. JSON and SARIF
/// keep the exact text.
pub fn escape_for_text(out: &mut crate::scan::ScanOutput, unused: &mut [Entry]) {
    fn esc(s: &mut String) {
        if let std::borrow::Cow::Owned(e) = text::escape_controls(s) {
            *s = e;
        }
    }
    for f in &mut out.findings {
        for s in [
            &mut f.path,
            &mut f.context,
            &mut f.secret,
            &mut f.title,
            &mut f.provider,
            &mut f.why,
            &mut f.fix,
        ] {
            esc(s);
        }
        if let Some(v) = f.via.as_mut() {
            esc(v);
        }
        if let Some(c) = f.commit.as_mut() {
            let c = std::sync::Arc::make_mut(c);
            for s in [&mut c.author_name, &mut c.author_email, &mut c.summary] {
                esc(s);
            }
        }
        if let Some(h) = f.history.as_mut() {
            esc(&mut h.path);
        }
        if let Some(p) = f.project.as_mut() {
            esc(&mut p.manifest);
        }
    }
    for n in &mut out.notes {
        for s in [&mut n.path, &mut n.message, &mut n.secret] {
            esc(s);
        }
    }
    for s in &mut out.skipped {
        esc(&mut s.path);
        esc(&mut s.reason);
    }
    out.errors.iter_mut().for_each(esc);
    for s in &mut out.suppressed {
        esc(&mut s.path);
        esc(&mut s.by);
    }
    for e in unused {
        esc(&mut e.path);
    }
}

pub use crate::findings::container::split_member;

#[cfg(test)]
mod tests {
    use super::split_member;

    #[test]
    fn archive_members_split_at_the_outer_archive() {
        assert_eq!(split_member("src/a.js"), ("src/a.js", None));
        assert_eq!(
            split_member("dist/app.apk!/assets/x.json"),
            ("dist/app.apk", Some("assets/x.json"))
        );
        assert_eq!(
            split_member("a.zip!/inner.ipa!/Info.plist"),
            ("a.zip", Some("inner.ipa!/Info.plist"))
        );
        assert_eq!(split_member("wow!/file.txt"), ("wow!/file.txt", None));
    }
}
