//! Reports: one [`Format`] enum, one file per format, each writing a
//! [`Report`] to any `impl Write`. Reports see findings and the checklist,
//! never the CLI. Secrets are redacted here, at the last moment, unless
//! `redact` is off (`--no-redact`).

pub mod compact;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

use std::io::Write;

use anyhow::Result;

use crate::baseline::Entry;
use crate::checklist::Item;
use crate::config::FailPolicy;
use crate::findings::suppress::Suppressed;
use crate::findings::{Finding, Note, redact, redact_in};
use crate::rules::{RuleKind, RuleSet};
use crate::scan::{Skipped, Stats};
use crate::text;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Grouped by file, with causes, fixes and the checklist.
    Human,
    /// The `jikimi/report/v1` JSON document.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning (secrets always redacted).
    Sarif,
    /// A few lines per finding: where, cause and fix (the pre-commit hook).
    Compact,
    /// GitHub Actions workflow commands (`::error file=...::`): annotations
    /// on the changed lines of a pull request.
    Github,
    /// JUnit XML: one test case per finding, for CI test-report views.
    Junit,
}

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

/// Write `report` in `format`.
pub fn write(format: Format, report: &Report<'_>, w: &mut dyn Write) -> Result<()> {
    match format {
        Format::Human => human::write(report, w),
        Format::Json => json::write(report, w),
        Format::Sarif => sarif::write(report, w),
        Format::Compact => compact::write(report, w),
        Format::Github => github::write(report, w),
        Format::Junit => junit::write(report, w),
    }
}

/// Archive extensions whose members are reported as `outer!/member`.
const ARCHIVE_EXT: &[&str] = &[
    "zip", "jar", "war", "ear", "aar", "apk", "aab", "xapk", "ipa", "asar", "tar", "tgz", "gz",
    "bz2", "xz", "zst", "7z", "whl", "egg", "nupkg", "vsix", "crx", "xpi", "appx", "msix",
];

/// Split `app/release.apk!/assets/x.json` into the file on disk
/// (`app/release.apk`) and the member inside it (`assets/x.json`); a path
/// with no archive in it is returned whole. Only a `!/` after a name with an
/// archive extension counts, so a folder that happens to end in `!` is not
/// mistaken for an archive.
pub fn split_member(path: &str) -> (&str, Option<&str>) {
    let mut from = 0;
    while let Some(i) = text::from(path, from).find("!/") {
        let at = from + i;
        let outer = text::to(path, at);
        let ext = outer
            .rsplit('/')
            .next()
            .and_then(|name| name.rsplit_once('.'))
            .map(|(_, e)| e.to_ascii_lowercase());
        if ext.is_some_and(|e| ARCHIVE_EXT.contains(&e.as_str())) {
            return (outer, Some(text::from(path, at + 2)));
        }
        from = at + 2;
    }
    (path, None)
}

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
